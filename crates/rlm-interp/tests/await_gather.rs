//! `await` and `asyncio.gather` over host calls (the rule in
//! grammar/reference.md, "await and asyncio.gather"): where an awaitable is
//! wanted, a suspending host function gives one; a gather reaches the host
//! as one batch of calls; a plain call still returns the reply.

#[path = "support/replies.rs"]
mod replies;

use replies::run;

#[test]
fn await_llm_query_returns_the_reply() {
    let (batches, out) = run("r = await llm_query('a')\nprint(r)\n");
    assert_eq!(batches, vec![1]);
    assert_eq!(out, "reply:a\n");
}

#[test]
fn gather_over_a_comprehension_is_one_batch() {
    let (batches, out) = run(
        "import asyncio\nps = ['a', 'b', 'c']\nrs = await asyncio.gather(*[llm_query(p) for p in ps])\nprint(rs)\n",
    );
    assert_eq!(batches, vec![3]);
    assert_eq!(out, "['reply:a', 'reply:b', 'reply:c']\n");
}

#[test]
fn gather_over_listed_calls_and_a_generator_is_one_batch() {
    let (batches, out) = run(
        "import asyncio\nrs = await asyncio.gather(llm_query('x'), llm_query(prompt='y'))\nprint(rs)\n\
         rs = await asyncio.gather(*(llm_query(p) for p in 'uv'))\nprint(rs)\n",
    );
    assert_eq!(batches, vec![2, 2]);
    assert_eq!(out, "['reply:x', 'reply:']\n['reply:u', 'reply:v']\n");
}

#[test]
fn awaited_batches_and_async_forms_are_one_batch() {
    let (batches, out) = run("import asyncio\nrs = await llm_batch(['a', 'b'])\nprint(rs)\n\
         ts = [llm_query_async(p) for p in 'cde']\nprint(await asyncio.gather(*ts))\n\
         print(await llm_query_batch_async(['f']))\n");
    assert_eq!(batches, vec![2, 3, 1]);
    assert_eq!(out, "['reply:a', 'reply:b']\n['reply:c', 'reply:d', 'reply:e']\n['reply:f']\n");
}

#[test]
fn coroutines_awaiting_calls_are_gathered_into_one_batch() {
    let (batches, out) = run(
        "import asyncio\nasync def ask(p):\n    r = await llm_query(p)\n    return r.upper()\n\
         print(await asyncio.gather(*[ask(p) for p in 'ab']))\n",
    );
    assert_eq!(batches, vec![2]);
    assert_eq!(out, "['REPLY:A', 'REPLY:B']\n");
}

#[test]
fn plain_calls_return_the_reply_and_stay_awaitable() {
    // Outside an awaited position the call suspends at once (one call at a
    // time) and returns the reply, a str; awaiting or gathering it later
    // gives the str itself.
    let (batches, out) = run("import asyncio\nr = llm_query('a')\nprint(r, await r)\n\
         ts = [llm_query(p) for p in 'bc']\nprint(await asyncio.gather(*ts))\n");
    assert_eq!(batches, vec![1, 1, 1]);
    assert_eq!(out, "reply:a reply:a\n['reply:b', 'reply:c']\n");
}

#[test]
fn deferral_does_not_leak_into_the_arguments_or_a_later_call() {
    // The argument call is made (and answered) first; only the awaited
    // call is deferred; a later plain call returns a str.
    let (batches, out) = run(
        "r = await llm_query(llm_query('in'))\nprint(r)\ns = llm_query('z')\nprint(type(s).__name__ if False else s)\n",
    );
    assert_eq!(batches, vec![1, 1, 1]);
    assert_eq!(out, "reply:reply:in\nreply:z\n");
}
