//! Cache speed: lookups (hit, miss), stores, and the scan at open.
//! Run: `cargo bench -p rlm-cache --bench cache`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use rlm_cache::{CacheConfig, CacheKey, SledCache};
use rlm_types::{ChatMessage, Completion, CompletionCache, CompletionRequest, ModelId, Usage};

fn request(i: u64) -> CompletionRequest {
    CompletionRequest {
        messages: vec![
            ChatMessage::system("You answer questions about the given text."),
            // a realistic subcall prompt: a question over a 4 KB chunk
            ChatMessage::user(format!(
                "Chunk {i}: {}\nQuestion: who is named?",
                "lorem ipsum ".repeat(340)
            )),
        ],
        params: Default::default(),
        traceparent: None,
    }
}

fn completion(i: u64) -> Completion {
    Completion {
        text: format!("The chunk names person {i}. {}", "detail ".repeat(40)),
        usage: Usage { prompt_tokens: 1100, completion_tokens: 80, cached_tokens: 0 },
        finish_reason: None,
        model: "gpt-5-mini".into(),
        latency: Duration::from_millis(700),
    }
}

fn open(path: &std::path::Path) -> SledCache {
    SledCache::open_with(path, CacheConfig { max_bytes: None, ..Default::default() }).unwrap()
}

fn benches(c: &mut Criterion) {
    let model = ModelId::new("openai", "gpt-5-mini");
    let dir = tempfile::tempdir().unwrap();
    let cache =
        SledCache::open_with(dir.path(), CacheConfig { max_bytes: None, ..Default::default() })
            .unwrap();
    const N: u64 = 10_000;
    for i in 0..N {
        cache.put(&model, &request(i), &completion(i));
    }
    cache.flush().unwrap();

    let req = request(17);
    c.bench_function("key_4kb_prompt", |b| {
        b.iter(|| CacheKey::new(black_box(&model), black_box(&req)))
    });
    let prompt_bytes: Vec<u8> = req.messages.iter().flat_map(|m| m.content.bytes()).collect();
    c.bench_function("blake3_raw_same_bytes", |b| {
        b.iter(|| blake3::hash(black_box(&prompt_bytes)))
    });
    let mut i = 0u64;
    c.bench_function("get_hit_10k_entries", |b| {
        b.iter(|| {
            i = (i + 7919) % N;
            black_box(cache.get(&model, &request(i)))
        })
    });
    c.bench_function("get_miss_10k_entries", |b| {
        b.iter(|| {
            i += 1;
            black_box(cache.get(&model, &request(N + i)))
        })
    });
    let mut j = 0u64;
    c.bench_function("put_new_entry", |b| {
        b.iter(|| {
            j += 1;
            cache.put(&model, &request(1_000_000 + j), &completion(j));
        })
    });
    let entries_after_puts = cache.len();
    drop(cache);
    let mut group = c.benchmark_group("open");
    group.sample_size(10);
    println!("open/bloated: {entries_after_puts} entries");
    group.bench_function("cache_open_after_put_bench", |b| {
        b.iter_batched(|| (), |_| black_box(open(dir.path()).len()), BatchSize::PerIteration)
    });
    // Opening: sled's own recovery alone, then our open (recovery + scan and repair).
    let fresh = tempfile::tempdir().unwrap();
    {
        let cache = open(fresh.path());
        for i in 0..N {
            cache.put(&model, &request(i), &completion(i));
        }
        cache.flush().unwrap();
    }
    group.bench_function("sled_open_only_10k_entries", |b| {
        b.iter_batched(
            || (),
            |_| black_box(sled::open(fresh.path()).unwrap().open_tree("entries").unwrap().len()),
            BatchSize::PerIteration,
        )
    });
    group.bench_function("cache_open_10k_entries", |b| {
        b.iter_batched(|| (), |_| black_box(open(fresh.path()).len()), BatchSize::PerIteration)
    });
    group.finish();
}

criterion_group!(cache_benches, benches);
criterion_main!(cache_benches);
