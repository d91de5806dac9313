//! The vector index: one unit-length embedding per entry, searched exactly by
//! cosine similarity (a dot product per entry, a partial sort for the top k),
//! persisted as a safetensors file (`embeddings`, `[entries, dims]`, f32).

use std::collections::HashMap;
use std::path::Path;

use candle_core::{Device, Tensor};

use crate::error::{Result, RetrievalError};

const TENSOR: &str = "embeddings";

/// Embeddings of every entry, row `i` for ordinal `i`.
#[derive(Debug, Clone, PartialEq)]
pub struct VectorIndex {
    dims: usize,
    data: Vec<f32>,
}

impl VectorIndex {
    /// An empty index of vectors of length `dims`.
    pub fn new(dims: usize) -> Self {
        VectorIndex { dims, data: Vec::new() }
    }

    pub fn dims(&self) -> usize {
        self.dims
    }

    pub fn len(&self) -> usize {
        self.data.len().checked_div(self.dims).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Appends vectors (normalised to unit length; a zero vector stays zero).
    pub fn push(&mut self, vectors: Vec<Vec<f32>>) -> Result<()> {
        for v in vectors {
            if v.len() != self.dims {
                return Err(RetrievalError::Model(format!(
                    "embedding of length {} where {} was expected",
                    v.len(),
                    self.dims
                )));
            }
            self.data.extend(normalized(v));
        }
        Ok(())
    }

    /// The `k` rows most similar to `query` as (ordinal, cosine), best first.
    /// With `allowed`, only those rows are candidates.
    pub fn search(
        &self,
        query: &[f32],
        k: usize,
        allowed: Option<&[u64]>,
    ) -> Result<Vec<(u64, f32)>> {
        if query.len() != self.dims {
            return Err(RetrievalError::Model(format!(
                "query embedding of length {} for an index of length {}",
                query.len(),
                self.dims
            )));
        }
        let q = normalized(query.to_vec());
        let score = |row: usize| -> f32 {
            let v = &self.data[row * self.dims..(row + 1) * self.dims];
            v.iter().zip(&q).map(|(a, b)| a * b).sum()
        };
        let mut scored: Vec<(u64, f32)> = match allowed {
            None => (0..self.len()).map(|r| (r as u64, score(r))).collect(),
            Some(rows) => rows
                .iter()
                .filter(|r| (**r as usize) < self.len())
                .map(|r| (*r, score(*r as usize)))
                .collect(),
        };
        let by_score = |a: &(u64, f32), b: &(u64, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        if scored.len() > k {
            scored.select_nth_unstable_by(k, by_score);
            scored.truncate(k);
        }
        scored.sort_by(by_score);
        Ok(scored)
    }

    /// Writes the index as safetensors.
    pub fn save(&self, path: &Path) -> Result<()> {
        let fail = |e: candle_core::Error| RetrievalError::corrupt(path, e.to_string());
        let tensor =
            Tensor::from_slice(&self.data, (self.len(), self.dims), &Device::Cpu).map_err(fail)?;
        let tmp = path.with_extension("tmp");
        candle_core::safetensors::save(&HashMap::from([(TENSOR, tensor)]), &tmp).map_err(fail)?;
        std::fs::rename(&tmp, path).map_err(|e| RetrievalError::io(path, e))
    }

    /// Reads an index written by [`VectorIndex::save`]; anything else (missing,
    /// truncated, wrong shape or type) is a [`RetrievalError::CorruptIndex`].
    pub fn load(path: &Path, rows: usize, dims: usize) -> Result<Self> {
        let fail = |m: String| RetrievalError::corrupt(path, m);
        let bytes = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
        let mut tensors = candle_core::safetensors::load_buffer(&bytes, &Device::Cpu)
            .map_err(|e| fail(e.to_string()))?;
        let tensor = tensors.remove(TENSOR).ok_or_else(|| fail(format!("no '{TENSOR}' tensor")))?;
        if tensor.dims() != [rows, dims] {
            return Err(fail(format!("shape {:?}, expected [{rows}, {dims}]", tensor.dims())));
        }
        let data = tensor
            .flatten_all()
            .and_then(|t| t.to_vec1::<f32>())
            .map_err(|e| fail(e.to_string()))?;
        Ok(VectorIndex { dims, data })
    }
}

fn normalized(mut v: Vec<f32>) -> Vec<f32> {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 && norm.is_finite() {
        v.iter_mut().for_each(|x| *x /= norm);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosine_top_k_with_filter() {
        let mut idx = VectorIndex::new(2);
        idx.push(vec![vec![1.0, 0.0], vec![0.0, 2.0], vec![1.0, 1.0]]).unwrap();
        let hits = idx.search(&[3.0, 0.1], 2, None).unwrap();
        assert_eq!(hits.iter().map(|h| h.0).collect::<Vec<_>>(), [0, 2]);
        let hits = idx.search(&[3.0, 0.1], 5, Some(&[1, 2, 99])).unwrap();
        assert_eq!(hits.iter().map(|h| h.0).collect::<Vec<_>>(), [2, 1]);
        assert!(idx.push(vec![vec![1.0]]).is_err());
        assert!(idx.search(&[1.0], 1, None).is_err());
    }

    #[test]
    fn save_load_roundtrip_and_corruption() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.safetensors");
        let mut idx = VectorIndex::new(3);
        idx.push(vec![vec![1.0, 2.0, 2.0], vec![0.0, 0.0, 1.0]]).unwrap();
        idx.save(&path).unwrap();
        assert_eq!(VectorIndex::load(&path, 2, 3).unwrap(), idx);
        assert!(matches!(VectorIndex::load(&path, 3, 3), Err(RetrievalError::CorruptIndex { .. })));
        std::fs::write(&path, b"garbage").unwrap();
        assert!(matches!(VectorIndex::load(&path, 2, 3), Err(RetrievalError::CorruptIndex { .. })));
    }
}
