//! Prints the abstention table of issue #39 (`heldout/abstention.toml`, the
//! helps run over the shipped corpora; see `eval.rs` for what is counted), and
//! with `--each` what every help said about every question.
//!
//! `cargo run -p rlm-helps --example abstention [-- --each]`

mod eval;

fn main() -> std::process::ExitCode {
    let rows = match eval::run() {
        Ok(rows) => rows,
        Err(e) => {
            eprintln!("abstention: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    if std::env::args().any(|a| a == "--each") {
        for (q, said) in &rows {
            println!("{:<15} {:?}  {}", q.kind, said, q.text);
        }
        println!();
    }
    print!("{}", eval::table(&rows));
    std::process::ExitCode::SUCCESS
}
