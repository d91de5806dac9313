//! Parse time against input size, to spot super-linear behaviour.
//! Usage: `cargo run --release -p rlm-syntax --example scale`
use std::time::Instant;

fn main() {
    let opts = rlm_syntax::ParseOptions { max_source_bytes: 64 << 20, max_nesting: 200 };
    for n in [10_000usize, 20_000, 40_000, 80_000] {
        let cases = [
            ("list", format!("x = [{}]\n", "-1, ".repeat(n))),
            ("and", format!("x = {}\n", vec!["a"; n].join(" and "))),
            ("lines", "y = f(x, 'abc')[1:2] + z.w\n".repeat(n)),
        ];
        for (name, src) in cases {
            let t = Instant::now();
            let r = rlm_syntax::parse_with(&src, &opts);
            println!(
                "{name:6} n={n:6} {:>8.1} ms ok={}",
                t.elapsed().as_secs_f64() * 1e3,
                r.is_ok()
            );
        }
    }
}
