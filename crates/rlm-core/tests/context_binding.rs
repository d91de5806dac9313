//! The context as the program sees it: `context`/`P`, `ctx.*`, `peek`/`tail`/
//! `lenP`. Positions must agree with the interpreter's own `str` (so an index
//! from `ctx.find` slices `context` correctly, on any script), and errors must
//! reach the program as catchable exceptions.

use rlm_context::Context;
use rlm_core::bind_context;
use rlm_interp::{Interpreter, Outcome};

fn run(context: &Context, program: &str) -> String {
    let mut session = Interpreter::default();
    bind_context(&mut session, context);
    match session.run_cell(program) {
        Outcome::Done | Outcome::Final(_) => session.take_output(),
        other => panic!("unexpected outcome {other:?}\noutput so far:\n{}", session.take_output()),
    }
}

fn mixed() -> Context {
    Context::from_documents([
        "naïve café ☕ — 日本語のテキスト",
        "emoji 👩‍💻 and e\u{301} combining",
        "plain ascii doc",
    ])
}

#[test]
fn context_and_p_are_the_whole_text() {
    let out = run(
        &mixed(),
        "print(len(context), len(P), lenP(), context == P)\nprint(context[:5], context[-8:])\n",
    );
    // Python: len("naïve café ☕ — 日本語のテキスト\n\n---\n\nemoji 👩‍💻 and é combining\n\n---\n\nplain ascii doc")
    let text = mixed().as_str().to_string();
    let n = text.chars().count();
    let last8: String = text.chars().rev().take(8).collect::<Vec<_>>().into_iter().rev().collect();
    assert_eq!(out, format!("{n} {n} {n} True\nnaïve {last8}\n"));
}

#[test]
fn find_positions_slice_the_context_correctly() {
    let program = r#"
for m in ctx.find("テキスト") + ctx.find("combining") + ctx.find(r"\d+|👩", regex=True):
    assert context[m["start"]:m["end"]] == m["text"], m
    print(m["start"], m["end"], m["text"])
print(ctx.count("a"), context.count("a"))
"#;
    let text = mixed().as_str().to_string();
    let pos = |needle: &str| text[..text.find(needle).unwrap()].chars().count();
    let out = run(&mixed(), program);
    let a = pos("テキスト");
    let b = pos("combining");
    let c = pos("👩");
    let count_a = text.matches('a').count();
    assert_eq!(
        out,
        format!(
            "{a} {} テキスト\n{b} {} combining\n{c} {} 👩\n{count_a} {count_a}\n",
            a + 4,
            b + 9,
            c + 1
        )
    );
}

#[test]
fn documents_chunks_and_slices_are_views() {
    let program = r#"
print(ctx.num_documents(), ctx.document_lengths())
print(ctx.get_document(1), ctx.get_document(-1))
print(ctx.slice(0, 5), ctx.slice(-4, None), peek(3), tail(3))
chunks = ctx.chunk(10, 2)
print(len(chunks), chunks[0], chunks[1][:2] == chunks[0][-2:])
print("".join(c[:8] for c in ctx.chunk(8)) == context)
print(ctx.metadata()["documents"], ctx.len_chars() == len(context))
"#;
    let out = run(&mixed(), program);
    let lines: Vec<&str> = out.lines().collect();
    let docs =
        ["naïve café ☕ — 日本語のテキスト", "emoji 👩‍💻 and e\u{301} combining", "plain ascii doc"];
    let lens: Vec<String> = docs.iter().map(|d| d.chars().count().to_string()).collect();
    assert_eq!(lines[0], format!("3 [{}]", lens.join(", ")));
    assert_eq!(lines[1], format!("{} {}", docs[1], docs[2]));
    assert_eq!(lines[2], "naïve  doc naï doc");
    assert!(lines[3].ends_with(" naïve café True"), "{}", lines[3]);
    assert_eq!(lines[4], "True");
    assert_eq!(lines[5], "3 True");
}

#[test]
fn bad_arguments_are_catchable_python_errors() {
    let program = r#"
for call in [lambda: ctx.get_document(7), lambda: ctx.find("(", regex=True), lambda: ctx.chunk(0),
             lambda: ctx.find(), lambda: ctx.slice("a")]:
    try:
        call()
        print("no error")
    except Exception as e:
        print(type(e).__name__)
"#;
    assert_eq!(
        run(&mixed(), program),
        "IndexError\nValueError\nValueError\nTypeError\nTypeError\n"
    );
}

#[test]
fn scanning_work_is_charged_to_fuel() {
    let big = Context::from_text("x".repeat(4 << 20));
    let mut cheap = Interpreter::default();
    bind_context(&mut cheap, &big);
    assert!(matches!(cheap.run_cell("n = len(P)\n"), Outcome::Done));
    let base = cheap.fuel_used();
    let mut scan = Interpreter::default();
    bind_context(&mut scan, &big);
    assert!(matches!(scan.run_cell("n = ctx.count('y')\n"), Outcome::Done));
    // 4 MiB scanned at 64 bytes per unit.
    assert!(scan.fuel_used() >= base + (4 << 20) / 64, "fuel {} vs base {base}", scan.fuel_used());
}

#[test]
fn memory_mapped_files_bind_without_copying() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("big.log");
    let line = "2026-11-21 INFO [svc] ok\n";
    std::fs::write(&path, line.repeat(1 << 20)).expect("write");
    let opts =
        rlm_context::LoadOptions { mmap_min_bytes: 0, ..rlm_context::LoadOptions::default() };
    let ctx = Context::from_path(&path, &opts).expect("load");
    assert!(ctx.is_memory_mapped());
    let out =
        run(&ctx, "print(len(context), context[25:49], len(ctx.find('INFO', max_results=5)))\n");
    assert_eq!(out, format!("{} {} 5\n", line.len() << 20, &line[..24]));
}
