//! A representative trace of a two-level RLM run, shared by the tests.
#![allow(dead_code)]

use rlm_trace::*;
use rlm_types::Usage;

pub fn usage(prompt: u64, completion: u64) -> Usage {
    Usage { prompt_tokens: prompt, completion_tokens: completion, cached_tokens: 0 }
}

pub fn ok_call(response: &str, usage: Usage, cost_usd: f64, latency_ms: u64) -> CallFinished {
    CallFinished {
        outcome: SpanOutcome::Ok,
        response_preview: response.into(),
        usage,
        cost_usd,
        latency_ms,
        cached: false,
        deduped: false,
        error: None,
    }
}

/// Record a root run with two programs, a batch of subcalls (one cached, one
/// deduplicated, one retried), a recursive sub-RLM, a budget signal, a timed
/// out model call, a failing program and a final answer.
pub fn record_representative(rec: &TraceRecorder) {
    let root = rec.start_run(
        None,
        RunStarted {
            query: "Which city hosted the 1992 Summer Olympics, and who won the men's marathon?"
                .into(),
            model: "openai:gpt-5".into(),
            depth: 0,
            context_chars: 2_400_000,
            context_documents: 120,
            otel_trace_id: None,
        },
    );
    // iteration 1: the model writes a fan-out program
    let mc = rec.start_model_call(
        root,
        ModelCallStarted {
            model: "openai:gpt-5".into(),
            iteration: 1,
            prompt_preview: "Context: 120 documents, 2400000 chars. Query: Which city".into(),
            prompt_messages: 2,
        },
    );
    rec.retry(mc, Retry { attempt: 1, reason: "rate_limited".into(), delay_ms: 500 });
    rec.finish_model_call(
        mc,
        ok_call("```repl\nchunks = ctx.chunk(200000)\n...", usage(1800, 220), 0.0045, 2100),
    );
    let prog = rec.start_program(
        root,
        ProgramStarted {
            iteration: 1,
            code: "chunks = ctx.chunk(200000)\nanswers = llm_batch([f\"Host city? {c}\" for c in chunks[:4]])\nprint(answers)".into(),
        },
    );
    let mini = "openai:gpt-5-mini";
    let sub = |i: u32| {
        rec.start_subcall(
            prog,
            SubcallStarted {
                model: mini.into(),
                prompt_preview: format!("Host city? <chunk {i}>"),
                batch_index: Some(i),
                schema: None,
            },
        )
    };
    let s0 = sub(0);
    let s1 = sub(1);
    let s2 = sub(2);
    let s3 = sub(3);
    rec.finish_subcall(
        s1,
        CallFinished { cached: true, ..ok_call("Barcelona", usage(900, 4), 0.0, 1) },
    );
    rec.finish_subcall(s0, ok_call("Barcelona", usage(900, 4), 0.0003, 850));
    rec.finish_subcall(
        s2,
        CallFinished { deduped: true, ..ok_call("Barcelona", usage(900, 4), 0.0, 850) },
    );
    rec.retry(s3, Retry { attempt: 1, reason: "http_503".into(), delay_ms: 250 });
    rec.retry(s3, Retry { attempt: 2, reason: "http_503".into(), delay_ms: 500 });
    rec.finish_subcall(s3, ok_call("not mentioned", usage(950, 3), 0.0003, 2400));
    rec.finish_program(
        prog,
        ProgramFinished {
            outcome: SpanOutcome::Ok,
            stdout: "['Barcelona', 'Barcelona', 'Barcelona', 'not mentioned']\n".into(),
            error: None,
            fuel_used: 48_213,
            memory_bytes: 1_048_576,
            duration_ms: 2_600,
        },
    );
    // iteration 2: a recursive sub-RLM
    let mc = rec.start_model_call(
        root,
        ModelCallStarted {
            model: "openai:gpt-5".into(),
            iteration: 2,
            prompt_preview: "Output: ['Barcelona', ...]".into(),
            prompt_messages: 4,
        },
    );
    rec.finish_model_call(
        mc,
        ok_call("```repl\nwinner = rlm_query(...)\n```", usage(2400, 120), 0.0042, 1800),
    );
    let prog = rec.start_program(
        root,
        ProgramStarted {
            iteration: 2,
            code: "winner = rlm_query(\"Who won the men's marathon?\", ctx.slice(0, 800000))\nprint(winner)".into(),
        },
    );
    let child = rec.start_run(
        Some(prog),
        RunStarted {
            query: "Who won the men's marathon?".into(),
            model: mini.into(),
            depth: 1,
            context_chars: 800_000,
            context_documents: 40,
            otel_trace_id: None,
        },
    );
    let cmc = rec.start_model_call(
        child,
        ModelCallStarted {
            model: mini.into(),
            iteration: 1,
            prompt_preview: "Context: 40 documents".into(),
            prompt_messages: 2,
        },
    );
    rec.finish_model_call(
        cmc,
        ok_call("```repl\nm = ctx.find('marathon')\n...", usage(700, 60), 0.0002, 900),
    );
    let cprog = rec.start_program(
        child,
        ProgramStarted {
            iteration: 1,
            code: "m = ctx.find('marathon')\nFINAL('Hwang Young-cho')".into(),
        },
    );
    rec.finish_program(
        cprog,
        ProgramFinished {
            outcome: SpanOutcome::Ok,
            stdout: String::new(),
            error: None,
            fuel_used: 3_120,
            memory_bytes: 20_480,
            duration_ms: 14,
        },
    );
    rec.final_answer(child, FinalAnswer { answer: "Hwang Young-cho".into() });
    rec.finish_run(
        child,
        RunFinished {
            outcome: SpanOutcome::Ok,
            iterations: 1,
            usage: usage(700, 60),
            cost_usd: 0.0002,
            duration_ms: 950,
        },
    );
    rec.budget(
        root,
        BudgetEvent {
            level: BudgetLevel::SoftLimit,
            budget: "tokens".into(),
            used: 9_500.0,
            limit: 10_000.0,
            message: "95% of the token budget used: finalize now".into(),
        },
    );
    rec.finish_program(
        prog,
        ProgramFinished {
            outcome: SpanOutcome::Ok,
            stdout: "Hwang Young-cho\n".into(),
            error: None,
            fuel_used: 210,
            memory_bytes: 4_096,
            duration_ms: 960,
        },
    );
    // iteration 3: a timed-out call, then a failing program
    let mc = rec.start_model_call(
        root,
        ModelCallStarted {
            model: "openai:gpt-5".into(),
            iteration: 3,
            prompt_preview: "Output: Hwang Young-cho".into(),
            prompt_messages: 6,
        },
    );
    rec.finish_model_call(
        mc,
        CallFinished {
            outcome: SpanOutcome::Timeout,
            error: Some("no reply within 60 s".into()),
            ..ok_call("", usage(0, 0), 0.0, 60_000)
        },
    );
    rec.error(
        root,
        ErrorEvent {
            message: "model call timed out; using the last program's output".into(),
            fatal: false,
        },
    );
    let prog =
        rec.start_program(root, ProgramStarted { iteration: 3, code: "FINAL(answr)".into() });
    rec.finish_program(
        prog,
        ProgramFinished {
            outcome: SpanOutcome::Error,
            stdout: String::new(),
            error: Some("NameError: name 'answr' is not defined; did you mean `answer`?".into()),
            fuel_used: 4,
            memory_bytes: 0,
            duration_ms: 0,
        },
    );
    rec.final_answer(
        root,
        FinalAnswer { answer: "Barcelona; the men's marathon was won by Hwang Young-cho.".into() },
    );
    rec.finish_run(
        root,
        RunFinished {
            outcome: SpanOutcome::Ok,
            iterations: 3,
            usage: usage(7_650, 411),
            cost_usd: 0.0095,
            duration_ms: 67_300,
        },
    );
}
