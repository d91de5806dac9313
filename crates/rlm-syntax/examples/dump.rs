//! Print the S-expression dump of a program, or its rendered diagnostics.
//! Usage: `cargo run -p rlm-syntax --example dump -- FILE.py`
fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: dump FILE.py");
        std::process::exit(2);
    };
    let src = match std::fs::read_to_string(&path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(2);
        }
    };
    match rlm_syntax::parse(&src) {
        Ok(m) => print!("{}", rlm_syntax::printer::sexpr(&m)),
        Err(e) => {
            print!("{}", e.render(&src, &path));
            std::process::exit(1);
        }
    }
}
