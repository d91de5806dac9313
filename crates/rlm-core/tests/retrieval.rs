//! Retrieval in programs: `search` over the run's context index and the
//! `es_*` functions over a document backend, as a program calls them (results
//! as dicts, bad arguments as CPython-style exceptions, fuel charged, results
//! cached within a run), the index persisted beside the context, the
//! functions listed only when configured, and the retrieval-aware first step.

use crate::support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::future::BoxFuture;
use rlm_context::{Context, Document};
use rlm_core::cell::{CellEnd, run_cell};
use rlm_core::{ContextIndexSettings, RetrievalSettings, Rlm};
use rlm_retrieval::{
    EmbeddedRetriever, Embedder, Fetched, Filters, Hit, IndexOptions, Retriever, SearchMode,
};
use rlm_types::Role;

fn essays() -> Context {
    Context::from_documents(vec![
        Document::named(
            "gardens.txt",
            "Tomatoes need sun and water. The garden gate is painted green. Basil grows beside the tomatoes.",
        ),
        Document::named(
            "vault.txt",
            "Archive rules: visitors sign the ledger. The secret passphrase for the archive vault is cobalt-harbor-71.",
        ),
        Document::named(
            "boats.txt",
            "Sailing boats need wind. A harbor shelters boats from storms; the harbor master keeps a log.",
        ),
    ])
}

/// Word-hashing embeddings: texts sharing words are close.
struct WordHash;

impl Embedder for WordHash {
    fn id(&self) -> String {
        "test:word-hash".into()
    }
    fn embed<'a>(
        &'a self,
        texts: &'a [String],
    ) -> BoxFuture<'a, rlm_retrieval::Result<Vec<Vec<f32>>>> {
        Box::pin(async move {
            Ok(texts
                .iter()
                .map(|t| {
                    let mut v = vec![0.0f32; 64];
                    for w in t.to_lowercase().split(|c: char| !c.is_alphanumeric()) {
                        if !w.is_empty() {
                            v[w.bytes().fold(7u32, |h, b| h.wrapping_mul(31) ^ u32::from(b))
                                as usize
                                % 64] += 1.0;
                        }
                    }
                    v
                })
                .collect())
        })
    }
}

/// A backend that counts the searches that reach it.
struct Counting {
    inner: EmbeddedRetriever,
    searches: AtomicUsize,
}

impl Retriever for Counting {
    fn name(&self) -> &str {
        "counting"
    }
    fn search<'a>(
        &'a self,
        query: &'a str,
        k: usize,
        filters: &'a Filters,
    ) -> BoxFuture<'a, rlm_retrieval::Result<Vec<Hit>>> {
        self.searches.fetch_add(1, Ordering::SeqCst);
        self.inner.search(query, k, filters)
    }
    fn vector_search<'a>(
        &'a self,
        query: &'a str,
        k: usize,
        filters: &'a Filters,
    ) -> BoxFuture<'a, rlm_retrieval::Result<Vec<Hit>>> {
        self.searches.fetch_add(1, Ordering::SeqCst);
        self.inner.vector_search(query, k, filters)
    }
    fn hybrid_search<'a>(
        &'a self,
        query: &'a str,
        k: usize,
        filters: &'a Filters,
    ) -> BoxFuture<'a, rlm_retrieval::Result<Vec<Hit>>> {
        self.searches.fetch_add(1, Ordering::SeqCst);
        self.inner.hybrid_search(query, k, filters)
    }
    fn get<'a>(&'a self, doc_id: &'a str) -> BoxFuture<'a, rlm_retrieval::Result<Fetched>> {
        self.inner.get(doc_id)
    }
}

fn counting_backend() -> Arc<Counting> {
    let inner = EmbeddedRetriever::open_or_build(&essays(), &IndexOptions::default()).unwrap();
    Arc::new(Counting { inner, searches: AtomicUsize::new(0) })
}

fn settings(
    dir: Option<std::path::PathBuf>,
    backend: Option<Arc<dyn Retriever>>,
) -> RetrievalSettings {
    RetrievalSettings {
        context_index: Some(ContextIndexSettings {
            index: IndexOptions { dir, ..IndexOptions::default() },
            embedder: Some(Arc::new(WordHash)),
            default_mode: SearchMode::Bm25,
        }),
        backend,
        first_step_hits: 0,
    }
}

fn rlm(settings: RetrievalSettings) -> Rlm {
    Rlm::builder().root(support::root(&["FINAL('x')"])).retrieval(settings).build().unwrap()
}

/// Runs `program` in a session of `rlm` over the essays: what it printed, or
/// the error's last line.
fn run(rlm: &Rlm, program: &str) -> String {
    run_over(rlm, &essays(), program)
}

/// [`run`] over `context`.
fn run_over(rlm: &Rlm, context: &Context, program: &str) -> String {
    let context = context.clone();
    let mut session = rlm.new_session(&context);
    let mut host = rlm.program_host(&context).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let mut out = String::new();
    let end = rt
        .block_on(run_cell(&mut session, program, &mut host, &mut |s: &str| {
            out.push_str(s);
            Ok::<(), std::convert::Infallible>(())
        }))
        .unwrap();
    match end {
        CellEnd::Done | CellEnd::Final(_) => out,
        CellEnd::Error(e) => format!("{out}{}", e.last_line()),
        CellEnd::Cancelled => panic!("cancelled"),
    }
}

#[test]
fn search_returns_dicts_whose_offsets_slice_the_context() {
    let rlm = rlm(settings(None, None));
    let out = run(
        &rlm,
        r#"
hits = search("harbor vault passphrase", k=2)
print(len(hits), type(hits[0]).__name__, sorted(hits[0].keys()))
h = hits[0]
print(h["doc_id"], h["metadata"]["name"], "cobalt-harbor-71" in h["preview"])
print("cobalt-harbor-71" in context[h["metadata"]["start"]:h["metadata"]["end"]])
print(hits[0]["score"] >= hits[1]["score"], type(h["score"]).__name__)
for mode in ["vector", "hybrid", "BM25"]:
    print(mode, search("passphrase of the archive vault", k=1, mode=mode)[0]["metadata"]["name"])
"#,
    );
    assert_eq!(
        out,
        "2 dict ['doc_id', 'metadata', 'preview', 'score']\n\
         vault.txt vault.txt True\n\
         True\n\
         True float\n\
         vector vault.txt\n\
         hybrid vault.txt\n\
         BM25 vault.txt\n"
    );
}

#[test]
fn bad_arguments_raise_python_exceptions_and_reach_no_backend() {
    let backend = counting_backend();
    let rlm = rlm(settings(None, Some(backend.clone())));
    let cases = [
        ("search(5)", "TypeError: search() argument 'query' must be str, not int"),
        ("search()", "TypeError: search() missing 1 required positional argument: 'query'"),
        ("search('a', k='3')", "TypeError: search() argument 'k' must be int, not str"),
        ("search('a', top=3)", "TypeError: search() got an unexpected keyword argument 'top'"),
        (
            "search('a', 3, 'bm25', 1)",
            "TypeError: search() takes from 1 to 3 positional arguments but 4 were given",
        ),
        ("search('a', k=0)", "ValueError: search() k must be between 1 and 100, not 0"),
        ("search('a', k=101)", "ValueError: search() k must be between 1 and 100, not 101"),
        (
            "search('a', mode='fuzzy')",
            "ValueError: search() mode must be 'bm25', 'vector' or 'hybrid', not \"fuzzy\"",
        ),
        ("search('   ')", "ValueError: search() query must not be empty"),
        (
            "es_search('a', filters=[1])",
            "TypeError: es_search() argument 'filters' must be dict or None, not list",
        ),
        (
            "es_search('a', filters={'n': [1]})",
            "ValueError: es_search() filter 'n' must be a string, number or bool",
        ),
        (
            "es_hybrid_search(query=3.5)",
            "TypeError: es_hybrid_search() argument 'query' must be str, not float",
        ),
        ("es_get()", "TypeError: es_get() missing 1 required positional argument: 'doc_id'"),
        // str(KeyError(m)) is repr(m), as in CPython.
        ("es_get('doc-99')", "KeyError: \"es_get(): no document with id 'doc-99'\""),
    ];
    for (call, want) in cases {
        let out = run(
            &rlm,
            &format!(
                "try:\n    {call}\nexcept Exception as e:\n    print(type(e).__name__ + ': ' + str(e))\n"
            ),
        );
        let out = out.trim_end();
        assert_eq!(out, want, "{call}");
    }
    assert_eq!(backend.searches.load(Ordering::SeqCst), 0);
}

#[test]
fn es_functions_search_the_backend_with_filters_and_get_whole_documents() {
    let backend = counting_backend();
    let rlm =
        rlm(RetrievalSettings { backend: Some(backend.clone()), ..RetrievalSettings::default() });
    let out = run(
        &rlm,
        r#"
print([h["metadata"]["name"] for h in es_search("harbor", k=3)])
print([h["metadata"]["name"] for h in es_search("harbor", k=3, filters={"name": "boats.txt"})])
d = es_get(es_search("passphrase")[0]["doc_id"])
print(sorted(d), d["content"][-17:])
try:
    search("harbor")
except NameError as e:
    print("NameError")
"#,
    );
    assert_eq!(
        out,
        "['boats.txt', 'vault.txt']\n['boats.txt']\n['content', 'doc_id', 'metadata'] cobalt-harbor-71.\nNameError\n"
    );
}

#[test]
fn a_repeated_search_is_served_from_the_run_cache_as_a_fresh_value() {
    let backend = counting_backend();
    let rlm =
        rlm(RetrievalSettings { backend: Some(backend.clone()), ..RetrievalSettings::default() });
    let out = run(
        &rlm,
        r#"
a = es_search("harbor", k=2)
a.append("mine")
b = es_search("harbor", k=2)
c = es_vector_search("harbor", k=2) if False else es_search("harbor", k=1)
print(len(a), len(b), len(c))
"#,
    );
    assert_eq!(out, "3 2 1\n");
    // "harbor" k=2 once, k=1 once: the repeat reached no backend.
    assert_eq!(backend.searches.load(Ordering::SeqCst), 2);
}

#[test]
fn searches_are_charged_fuel_per_requested_hit() {
    let rlm = rlm(settings(None, None));
    let context = essays();
    let fuel_of = |program: &str| {
        let mut session = rlm.new_session(&context);
        let mut host = rlm.program_host(&context).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let end = rt
            .block_on(run_cell(&mut session, program, &mut host, &mut |_: &str| {
                Ok::<(), std::convert::Infallible>(())
            }))
            .unwrap();
        assert!(matches!(end, CellEnd::Done), "{end:?}");
        session.fuel_used()
    };
    let none = fuel_of("x = 1");
    let one = fuel_of("x = search('harbor', k=1)");
    let hundred = fuel_of("x = search('harbor', k=100)");
    assert!(one - none >= 100, "a search costs more than a step: {none} -> {one}");
    assert!(hundred - one >= 99 * 7, "each requested hit is charged: {one} -> {hundred}");
}

#[test]
fn a_search_result_too_large_for_the_memory_budget_is_a_memory_error() {
    let note = "the harbor master keeps a long log of boats, storms and tides. ".repeat(8);
    let docs: Vec<Document> = (0..300)
        .map(|i| Document::named(format!("d{i}.txt"), format!("Harbor {i}: {note}")))
        .collect();
    let context = Context::from_documents(docs);
    // A budget 100 KB above what a fresh session holds: 5 hits take about
    // 16 KB there, 100 hits about 310 KB (measured on this context).
    let fresh = rlm(settings(None, None)).new_session(&context).live_memory_bytes();
    let budget = usize::try_from(fresh).unwrap() + 100_000;
    let small = Rlm::builder()
        .root(support::root(&["FINAL('x')"]))
        .retrieval(settings(None, None))
        .interpreter_limits(rlm_interp::Limits { memory_bytes: budget, ..Default::default() })
        .build()
        .unwrap();
    let out = run_over(&small, &context, "hits = search('harbor', k=5)\nprint(len(hits))");
    assert_eq!(out.trim(), "5");
    // 100 previews do not fit: the result is charged before the program
    // holds it, and the program ends with the memory error.
    let out =
        run_over(&small, &context, "hits = search('harbor', k=100)\nprint('held', len(hits))");
    assert!(!out.contains("held"), "{out}");
    assert!(out.contains("memory limit"), "{out}");
    // The same call fits the default budget.
    let out = run_over(&rlm(settings(None, None)), &context, "print(len(search('harbor', k=100)))");
    assert_eq!(out.trim(), "100");
}

#[test]
fn the_context_index_persists_where_configured_and_is_reused() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("essays.rlm-index");
    let rlm = rlm(settings(Some(index.clone()), None));
    assert!(!index.exists(), "built lazily, not at configuration");
    assert_eq!(run(&rlm, "print(search('ledger')[0]['metadata']['name'])"), "vault.txt\n");
    let manifest = index.join("manifest.json");
    let built = std::fs::metadata(&manifest).unwrap().modified().unwrap();
    assert_eq!(
        run(&rlm, "print(search('ledger', mode='hybrid')[0]['metadata']['name'])"),
        "vault.txt\n"
    );
    let text = std::fs::read_to_string(&manifest).unwrap();
    assert!(text.contains("test:word-hash"), "vectors recorded: {text}");
    // The second session opened the BM25 index rather than rebuilding it.
    assert!(std::fs::metadata(&manifest).unwrap().modified().unwrap() >= built);
    assert!(index.join("vectors.safetensors").exists());
}

#[test]
fn vector_modes_without_an_embedder_say_so() {
    let mut s = settings(None, None);
    if let Some(c) = s.context_index.as_mut() {
        c.embedder = None;
    }
    let out = run(
        &rlm(s),
        "try:\n    search('harbor', mode='hybrid')\nexcept ValueError as e:\n    print(e)\n",
    );
    assert_eq!(
        out,
        "search(): mode=\"hybrid\" needs an embedding model and none is configured; use mode=\"bm25\"\n"
    );
}

fn system_prompt(rlm_settings: Option<RetrievalSettings>) -> (String, String) {
    let root = support::root(&["FINAL('x')"]);
    let mut b = Rlm::builder().root(root.clone());
    if let Some(s) = rlm_settings {
        b = b.retrieval(s);
    }
    b.build().unwrap().run_blocking("What is the secret passphrase?", essays()).unwrap();
    let r = &root.requests()[0];
    let sys = r.messages.iter().find(|m| m.role == Role::System).unwrap().content.clone();
    (sys, r.messages.last().unwrap().content.clone())
}

#[test]
fn the_prompt_lists_retrieval_functions_only_when_configured() {
    let (plain, _) = system_prompt(None);
    assert!(!plain.contains("search("), "{plain}");
    let (context_only, _) = system_prompt(Some(settings(None, None)));
    assert!(context_only.contains("- `search(query, k=10, mode=None)` -> list of dicts"));
    assert!(!context_only.contains("es_search"));
    let backend: Arc<dyn Retriever> = counting_backend();
    let (both, _) = system_prompt(Some(settings(None, Some(backend))));
    insta::assert_snapshot!("system_with_retrieval", both);
}

#[test]
fn the_first_step_shows_hits_next_to_the_metadata_when_on() {
    let (_, off) = system_prompt(Some(settings(None, None)));
    assert!(!off.contains("Search results"), "{off}");
    let on = RetrievalSettings { first_step_hits: 2, ..settings(None, None) };
    let (_, first) = system_prompt(Some(on));
    assert!(first.contains("cobalt-harbor-71"), "{first}");
    insta::assert_snapshot!("first_user_with_evidence", first);
    // A first step with nothing to search is a configuration error.
    let bad = RetrievalSettings { first_step_hits: 3, ..RetrievalSettings::default() };
    assert!(Rlm::builder().root(support::root(&["x"])).retrieval(bad).build().is_err());
}

#[test]
fn a_counting_question_is_shown_its_lines_before_the_retrievers_hits() {
    // Measured with a 1.5B model at logs 100K: shown BM25 hits for a counting
    // question, it answered 1 for 23; the count has to be the program's.
    let log = "# export of service events; columns: time | level | event\n\
               2026-03-01T00:10:00Z | ERROR | LOGIN_FAILED\n\
               2026-03-02T00:20:00Z | INFO | LOGIN_OK\n\
               2026-03-02T01:30:00Z | ERROR | LOGIN_FAILED\n";
    let root = support::root(&["FINAL('2')"]);
    let on = RetrievalSettings { first_step_hits: 2, ..settings(None, None) };
    let helps = rlm_core::Helps { count_by_program: true, ..rlm_core::Helps::none() };
    let rlm = Rlm::builder()
        .root(root.clone())
        .retrieval(on)
        .options(rlm_core::LoopOptions { helps, ..rlm_core::LoopOptions::default() })
        .build()
        .unwrap();
    rlm.run_blocking("How many LOGIN_FAILED events are logged?", Context::from_text(log)).unwrap();
    let first = root.requests()[0].messages.last().unwrap().content.clone();
    assert!(first.contains("count_lines("), "{first}");
    assert!(!first.contains("Search results"), "{first}");
}
