//! The README demo run N times in one process, each run built as `rlm run`
//! builds it (the scripted model from the bundled demo script, fresh per
//! run, as `rlm serve` makes one per execution), over `examples/corpus`: a
//! steady-state profile of one demo run's CPU under callgrind (run it with
//! N and with 1, the difference over N - 1 is the cost of one warm run).
//!
//! `cargo build --profile profiling -p rlm-cli --example demo_repeat`, then
//! `valgrind --tool=callgrind target/profiling/examples/demo_repeat [N] [CORPUS]`
//! (N defaults to 10, CORPUS to `examples/corpus`). Exits non-zero when an
//! answer differs from the README's.

use rlm_cli::config::{RlmConfig, SCRIPTED_MODEL};
use rlm_cli::engine::engine_parts;
use rlm_core::adapters::EnvVars;
use rlm_core::{Rlm, RunOverrides};

const QUESTION: &str = "Which service logged the most errors, and what is the vault passphrase?";
const ANSWER: &str = "billing logged the most errors (50); the vault passphrase is amber-falcon-42";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let corpus = args.next().unwrap_or_else(|| "examples/corpus".to_string());
    let specs = vec![corpus];
    let context = rlm_cli::context_args::load_contexts(&specs, false)?;
    let config = RlmConfig { model: SCRIPTED_MODEL.to_string(), ..RlmConfig::default() };
    let parts = engine_parts(config, EnvVars::default(), None)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    for i in 0..n {
        let rlm = Rlm::from_config(&parts, RunOverrides::default(), &specs)?.build()?;
        let result = runtime.block_on(rlm.run(QUESTION, context.clone()))?;
        let answer = result.answer.unwrap_or_default();
        if answer != ANSWER {
            return Err(format!("run {i}: the answer {answer:?} is not the README's").into());
        }
    }
    println!("{n} runs, each answered {ANSWER:?}");
    Ok(())
}
