//! The lexical index: tantivy BM25 over the corpus entries, stemmed English
//! (`en_stem`), one tantivy document per entry carrying its ordinal.
//! Queries are analysed with the same analyzer and become a disjunction of
//! term queries (no query syntax: a model's query can never be a parse error).

use std::path::Path;

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, Query, TermQuery, TermSetQuery};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term, doc};

use crate::error::{Result, RetrievalError};

const BODY: &str = "body";
const ORD: &str = "ord";

/// A BM25 index whose documents are entry ordinals.
pub struct Bm25Index {
    index: Index,
    reader: IndexReader,
    body: Field,
    ord: Field,
}

impl std::fmt::Debug for Bm25Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bm25Index").field("docs", &self.num_docs()).finish()
    }
}

fn schema() -> (Schema, Field, Field) {
    let mut builder = Schema::builder();
    let indexing = TextFieldIndexing::default()
        .set_tokenizer("en_stem")
        .set_index_option(IndexRecordOption::WithFreqs);
    let body = builder.add_text_field(BODY, TextOptions::default().set_indexing_options(indexing));
    let ord = builder.add_u64_field(ORD, INDEXED | FAST | STORED);
    (builder.build(), body, ord)
}

/// Writes entries into a new index.
pub struct Bm25Builder {
    index: Index,
    writer: IndexWriter<TantivyDocument>,
    body: Field,
    ord: Field,
}

impl Bm25Builder {
    /// A new index in `dir` (created; must be empty), or in memory.
    pub fn create(dir: Option<&Path>) -> Result<Self> {
        let (schema, body, ord) = schema();
        let index = match dir {
            Some(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| RetrievalError::io(dir, e))?;
                Index::create_in_dir(dir, schema)?
            }
            None => Index::create_in_ram(schema),
        };
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 4);
        // tantivy wants at least 15 MB per indexing thread.
        let writer = index.writer_with_num_threads(threads, threads * 64_000_000)?;
        Ok(Bm25Builder { index, writer, body, ord })
    }

    /// Adds entry `ordinal` with its text.
    pub fn add(&mut self, ordinal: u64, text: &str) -> Result<()> {
        self.writer.add_document(doc!(self.body => text, self.ord => ordinal))?;
        Ok(())
    }

    /// Commits and opens the index for search.
    pub fn finish(mut self) -> Result<Bm25Index> {
        self.writer.commit()?;
        self.writer.wait_merging_threads()?;
        Bm25Index::from_index(self.index)
    }
}

impl Bm25Index {
    /// Opens a persisted index. Missing or unreadable files are errors
    /// (the caller rebuilds).
    pub fn open(dir: &Path) -> Result<Self> {
        let index = Index::open_in_dir(dir)?;
        // The schema must be ours: an index from elsewhere is not searched by accident.
        let schema = index.schema();
        if schema.get_field(BODY).is_err() || schema.get_field(ORD).is_err() {
            return Err(RetrievalError::corrupt(dir, "not an rlm-retrieval BM25 index"));
        }
        Self::from_index(index)
    }

    fn from_index(index: Index) -> Result<Self> {
        let schema = index.schema();
        let body = schema.get_field(BODY)?;
        let ord = schema.get_field(ORD)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(Bm25Index { index, reader, body, ord })
    }

    /// Number of indexed entries.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// The analysed terms of a query (lower-cased, stemmed, deduplicated).
    pub fn query_terms(&self, query: &str) -> Result<Vec<String>> {
        let mut analyzer = self.index.tokenizer_for_field(self.body)?;
        let mut stream = analyzer.token_stream(query);
        let mut terms = Vec::new();
        while stream.advance() {
            let t = stream.token().text.clone();
            if !terms.contains(&t) {
                terms.push(t);
            }
        }
        Ok(terms)
    }

    /// The `k` best entries for `query` as (ordinal, BM25 score), best first.
    /// With `allowed`, only those ordinals can match.
    pub fn search(
        &self,
        query: &str,
        k: usize,
        allowed: Option<&[u64]>,
    ) -> Result<Vec<(u64, f32)>> {
        let terms = self.query_terms(query)?;
        if terms.is_empty() || allowed.is_some_and(<[u64]>::is_empty) {
            return Ok(Vec::new());
        }
        let clauses: Vec<(Occur, Box<dyn Query>)> = terms
            .iter()
            .map(|t| {
                let q = TermQuery::new(
                    Term::from_field_text(self.body, t),
                    IndexRecordOption::WithFreqs,
                );
                (Occur::Should, Box::new(q) as Box<dyn Query>)
            })
            .collect();
        let text_query: Box<dyn Query> = Box::new(BooleanQuery::new(clauses));
        let query: Box<dyn Query> = match allowed {
            None => text_query,
            Some(ords) => {
                let set =
                    TermSetQuery::new(ords.iter().map(|o| Term::from_field_u64(self.ord, *o)));
                // Scored 0: the sum stays the BM25 score.
                let filter = ConstScoreQuery::new(Box::new(set), 0.0);
                Box::new(BooleanQuery::new(vec![
                    (Occur::Must, text_query),
                    (Occur::Must, Box::new(filter)),
                ]))
            }
        };
        let searcher = self.reader.searcher();
        let top = searcher.search(&query, &TopDocs::with_limit(k))?;
        let mut out = Vec::with_capacity(top.len());
        let mut columns = std::collections::HashMap::new();
        for (score, address) in top {
            let column = match columns.entry(address.segment_ord) {
                std::collections::hash_map::Entry::Occupied(c) => c.into_mut(),
                std::collections::hash_map::Entry::Vacant(slot) => slot
                    .insert(searcher.segment_reader(address.segment_ord).fast_fields().u64(ORD)?),
            };
            let ordinal = column.first(address.doc_id).ok_or_else(|| {
                RetrievalError::corrupt("bm25", "an indexed entry has no ordinal")
            })?;
            out.push((ordinal, score));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(texts: &[&str]) -> Bm25Index {
        let mut b = Bm25Builder::create(None).unwrap();
        for (i, t) in texts.iter().enumerate() {
            b.add(i as u64, t).unwrap();
        }
        b.finish().unwrap()
    }

    #[test]
    fn ranks_by_bm25_with_stemming() {
        let idx = build(&[
            "the cat sat on the mat",
            "dogs are running in the park",
            "a dog runs after the running dogs",
        ]);
        assert_eq!(idx.num_docs(), 3);
        let hits = idx.search("Running DOG!", 10, None).unwrap();
        let ords: Vec<u64> = hits.iter().map(|h| h.0).collect();
        assert_eq!(ords, [2, 1]);
        assert!(hits[0].1 > hits[1].1);
        assert!(idx.search("?!", 10, None).unwrap().is_empty());
        assert!(idx.search("zebra", 10, None).unwrap().is_empty());
    }

    #[test]
    fn allowed_ordinals_restrict_matches() {
        let idx = build(&["apple pie", "apple juice", "apple tart"]);
        let hits = idx.search("apple", 10, Some(&[0, 2])).unwrap();
        let mut ords: Vec<u64> = hits.iter().map(|h| h.0).collect();
        ords.sort();
        assert_eq!(ords, [0, 2]);
        assert!(idx.search("apple", 10, Some(&[])).unwrap().is_empty());
    }
}
