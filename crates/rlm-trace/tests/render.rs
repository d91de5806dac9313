//! The human views of a trace: the terminal tree (snapshot) and the HTML page
//! (parsed with a real HTML5 parser: every span and point event is in it, and
//! hostile text stays text).

mod common;

use rlm_trace::*;
use scraper::{Html, Selector};

fn representative() -> Trace {
    let rec = TraceRecorder::new();
    common::record_representative(&rec);
    rec.trace().unwrap()
}

fn select(doc: &Html, css: &str) -> Vec<String> {
    let selector = Selector::parse(css).unwrap();
    doc.select(&selector).map(|e| e.text().collect::<String>()).collect()
}

#[test]
fn tree_text_snapshot() {
    let text = representative().render_tree_text(&TextRenderOptions::default());
    insta::assert_snapshot!("tree_text", text);
}

#[test]
fn tree_text_without_color_has_no_escape_and_with_color_has_some() {
    let trace = representative();
    let plain = trace.render_tree_text(&TextRenderOptions::default());
    assert!(!plain.contains('\x1b'));
    let colored = trace.render_tree_text(&TextRenderOptions { color: true, ..Default::default() });
    assert!(colored.contains("\x1b[32mok\x1b[0m"));
    // Same text once the colour codes are gone.
    let stripped = regex::Regex::new("\x1b\\[[0-9;]*m").unwrap().replace_all(&colored, "");
    assert_eq!(stripped, plain);
}

#[test]
fn tree_text_cuts_long_blocks() {
    let rec = TraceRecorder::new();
    let run = rec.start_run(None, RunStarted { query: "q".into(), ..Default::default() });
    let code: String = (0..20).map(|i| format!("x{i} = {i}\n")).collect();
    rec.start_program(run, ProgramStarted { iteration: 1, code });
    let text = rec
        .trace()
        .unwrap()
        .render_tree_text(&TextRenderOptions { max_block_lines: 3, ..Default::default() });
    assert!(text.contains("x2 = 2\n"), "{text}");
    assert!(!text.contains("x3 = 3"), "{text}");
    assert!(text.contains("… 17 more lines"), "{text}");
    // The program never finished: shown as open.
    assert!(text.contains("program #2 · iteration 1 — open"), "{text}");
}

#[test]
fn html_parses_and_contains_every_span_and_event() {
    let trace = representative();
    let html = trace.render_html();
    let doc = Html::parse_document(&html);
    assert!(doc.errors.is_empty(), "HTML parse errors: {:?}", doc.errors);
    // Every span is a <details> element with its id, and its kind.
    for span in trace.spans() {
        let id = span.span_id().0;
        let found = select(&doc, &format!("details#span-{id} > summary"));
        assert_eq!(found.len(), 1, "span {id}");
        let kind = span.kind().unwrap().as_str();
        assert_eq!(
            select(&doc, &format!("details#span-{id}[data-kind={kind}]")).len(),
            1,
            "span {id} kind {kind}"
        );
    }
    assert_eq!(select(&doc, "details.span").len(), trace.spans().len());
    // Nesting follows the tree: the sub-run sits inside program #9.
    assert_eq!(select(&doc, "details#span-9 details#span-10").len(), 1);
    assert_eq!(select(&doc, "details#span-3 details#span-7").len(), 1);
    // Runs, model calls and programs start open; subcalls folded.
    assert_eq!(select(&doc, "details[open]").len(), trace.spans().len() - 4);
    assert_eq!(select(&doc, "details.subcall:not([open])").len(), 4);
    // Every point event is a list item.
    let points: usize = trace.spans().iter().map(|s| s.events.len()).sum();
    assert_eq!(select(&doc, "li.event").len(), points);
    assert_eq!(select(&doc, "li.retry").len(), 3);
    assert_eq!(select(&doc, "li.budget").len(), 1);
    assert_eq!(select(&doc, "li.final_answer").len(), 2);
    // Code, output, errors, tokens, cost and timings are shown.
    let text = select(&doc, "body").concat();
    for needle in [
        "chunks = ctx.chunk(200000)\nanswers = llm_batch(",
        "['Barcelona', 'Barcelona', 'Barcelona', 'not mentioned']",
        "NameError: name 'answr' is not defined",
        "1800+220 tok",
        "$0.0045",
        "2.10s",
        "Hwang Young-cho",
        "no reply within 60 s",
    ] {
        assert!(text.contains(needle), "missing {needle:?}");
    }
    // Self-contained: no script, no external resource.
    assert!(select(&doc, "script").is_empty());
    assert!(select(&doc, "link, img, iframe").is_empty());
    assert!(!html.contains("http://") && !html.contains("https://"));
}

#[test]
fn hostile_text_is_escaped_in_html_and_neutralised_in_the_terminal() {
    let hostile = "</pre><script>alert('x')</script><img src=x onerror=alert(1)>&amp; \x1b[2J";
    let rec = TraceRecorder::new();
    let run = rec.start_run(
        None,
        RunStarted { query: hostile.into(), model: hostile.into(), ..Default::default() },
    );
    let prog = rec.start_program(run, ProgramStarted { iteration: 1, code: hostile.into() });
    let sub = rec.start_subcall(
        prog,
        SubcallStarted {
            model: hostile.into(),
            prompt_preview: hostile.into(),
            batch_index: None,
            schema: None,
        },
    );
    rec.retry(sub, Retry { attempt: 1, reason: hostile.into(), delay_ms: 1 });
    rec.finish_program(
        prog,
        ProgramFinished {
            outcome: SpanOutcome::Error,
            stdout: hostile.into(),
            error: Some(hostile.into()),
            fuel_used: 1,
            memory_bytes: 1,
            duration_ms: 1,
        },
    );
    rec.final_answer(run, FinalAnswer { answer: hostile.into() });
    let trace = rec.trace().unwrap();
    let html = trace.render_html();
    let doc = Html::parse_document(&html);
    assert!(doc.errors.is_empty(), "{:?}", doc.errors);
    assert!(select(&doc, "script").is_empty());
    assert!(select(&doc, "img").is_empty());
    // The text survives intact (as text) in the code block.
    let code = select(&doc, "details#span-2 pre.code");
    assert_eq!(code, vec![hostile.replace('\x1b', "\\u{1b}")]);
    let text = trace.render_tree_text(&TextRenderOptions::default());
    assert!(!text.contains('\x1b'));
    assert!(text.contains("\\u{1b}[2J"));
}

#[test]
fn escape_html_covers_the_special_characters() {
    assert_eq!(
        escape_html(r#"<a href="x">'&'</a>"#),
        "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
    );
}
