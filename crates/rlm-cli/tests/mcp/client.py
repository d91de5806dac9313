"""The official MCP Python SDK's client against `rlm mcp` (run by tests/mcp.rs).

Usage: client.py stdio RLM_BINARY CORPUS SLOW_SCRIPT WORKDIR
       client.py http DEMO_URL SLOW_URL CORPUS

Against a server on the offline demo script it lists the tools, calls each one
(rlm_ask answers the README's demo question), receives progress and reads the
resources; against a server whose script waits a minute before its first
reply it cancels an rlm_ask once progress has arrived and checks that the run
ended `cancelled`; against a server exporting OpenTelemetry traces (stdio),
a tool call's `_meta.traceparent` parents its run's trace. Prints one `ok:` line per check; any failure raises
(exit status 1 with the traceback).
"""

import json
import sys
from contextlib import asynccontextmanager

import anyio
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client

QUESTION = "Which service logged the most errors, and what is the vault passphrase?"
ANSWER = "billing logged the most errors (50); the vault passphrase is amber-falcon-42"
TOOLS = {
    "rlm_ask",
    "rlm_exec",
    "rlm_search",
    "rlm_session_create",
    "rlm_session_ask",
    "rlm_session_list",
    "rlm_session_close",
}


def check(condition, what, detail=""):
    if not condition:
        raise AssertionError(f"{what}: {detail}")
    print(f"ok: {what}", flush=True)


def text_of(result):
    return "".join(getattr(block, "text", "") for block in result.content)


def structured(result):
    doc = result.structured_content
    if doc is None:
        doc = json.loads(text_of(result))
    return doc


@asynccontextmanager
async def over_stdio(rlm, workdir, *flags):
    params = StdioServerParameters(
        command=rlm, args=["mcp", "--model", "scripted", *flags], cwd=workdir
    )
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            yield session


@asynccontextmanager
async def over_http(url):
    async with streamable_http_client(url) as streams:
        read, write = streams[0], streams[1]
        async with ClientSession(read, write) as session:
            await session.initialize()
            yield session


async def every_tool(session, corpus):
    tools = (await session.list_tools()).tools
    names = {t.name for t in tools}
    check(names == TOOLS, "the seven tools are listed", names)
    schemas = {t.name: t.input_schema for t in tools}
    check("question" in schemas["rlm_ask"]["properties"], "rlm_ask's input schema", schemas["rlm_ask"])
    check("program" in schemas["rlm_exec"].get("required", []), "rlm_exec requires a program")

    progress = []

    async def on_progress(value, total, message):
        progress.append((value, message))

    result = await session.call_tool(
        "rlm_ask", {"question": QUESTION, "paths": [corpus]}, progress_callback=on_progress
    )
    check(not result.is_error, "rlm_ask succeeds", text_of(result))
    check(text_of(result) == ANSWER, "rlm_ask answers the README's demo question", text_of(result))
    doc = structured(result)
    check(doc["finish"] == "prose_final" and doc["steps"] == 3 and doc["usage"]["subcalls"] == 6, "rlm_ask reports how the run ended", doc)
    steps = [m for _, m in progress if m and m.startswith("step ")]
    check(len(steps) >= 3, "progress per step of the loop", progress)
    values = [v for v, _ in progress]
    check(values == sorted(values) and len(set(values)) == len(values), "progress increases", values)
    ask_trace = doc["trace_uri"]

    result = await session.call_tool(
        "rlm_exec",
        {"program": "print(len(context))\nFINAL(context.upper())", "text": "hello world"},
    )
    doc = structured(result)
    check(not result.is_error and doc["stdout"] == "11\n" and doc["final"] == "HELLO WORLD", "rlm_exec runs a program", doc)
    result = await session.call_tool("rlm_exec", {"program": "x = 1\nprint(x / 0)"})
    doc = structured(result)
    check(result.is_error and doc["error"]["type"] == "ZeroDivisionError", "rlm_exec returns the typed error", doc)
    check(not doc["error"]["limit"] and "line 2" in doc["error"]["traceback"], "the error's traceback", doc)
    result = await session.call_tool("rlm_exec", {"program": "s = 'x'\nwhile True:\n    s = s + s"})
    doc = structured(result)
    check(result.is_error and doc["error"]["limit"], "rlm_exec stops at the sandbox's limits", doc)

    result = await session.call_tool("rlm_search", {"path": corpus, "query": "vault passphrase", "k": 3})
    doc = structured(result)
    check(not result.is_error and 1 <= len(doc["hits"]) <= 3, "rlm_search returns hits", doc)
    check("amber-falcon-42" in json.dumps(doc["hits"]), "rlm_search finds the passphrase", doc["hits"])
    result = await session.call_tool("rlm_search", {"path": corpus + "/missing", "query": "x"})
    check(result.is_error, "rlm_search on a missing folder is the tool's error", text_of(result))

    result = await session.call_tool("rlm_session_create", {"name": "demo", "paths": [corpus]})
    check(not result.is_error, "rlm_session_create", text_of(result))
    session_id = structured(result)["session_id"]
    result = await session.call_tool("rlm_session_ask", {"session_id": session_id, "question": QUESTION})
    check(text_of(result) == ANSWER, "rlm_session_ask answers in the session", text_of(result))
    result = await session.call_tool("rlm_session_ask", {"session_id": "nope", "question": QUESTION})
    check(result.is_error, "an unknown session is the tool's error", text_of(result))
    listed = structured(await session.call_tool("rlm_session_list", {}))["sessions"]
    mine = [s for s in listed if s["session_id"] == session_id]
    check(len(mine) == 1 and mine[0]["name"] == "demo" and mine[0]["executions"] == 1, "rlm_session_list", listed)

    uris = {str(r.uri) for r in (await session.list_resources()).resources}
    check({"rlm://sessions", "rlm://traces", ask_trace} <= uris, "resources: sessions and traces", uris)
    sessions = json.loads((await session.read_resource("rlm://sessions")).contents[0].text)
    check(any(s["session_id"] == session_id for s in sessions["sessions"]), "the session list resource", sessions)
    trace = json.loads((await session.read_resource(ask_trace)).contents[0].text)
    check(QUESTION in json.dumps(trace) and ANSWER in json.dumps(trace), "a run's trace resource", str(trace)[:300])
    result = await session.call_tool("rlm_session_close", {"session_id": session_id})
    check(not result.is_error, "rlm_session_close", text_of(result))
    listed = structured(await session.call_tool("rlm_session_list", {}))["sessions"]
    check(all(s["session_id"] != session_id for s in listed), "a closed session leaves the list", listed)


async def cancel(session):
    started = anyio.Event()

    async def on_progress(value, total, message):
        if message and message.startswith("step 1"):
            started.set()

    async def ask():
        await session.call_tool(
            "rlm_ask", {"question": "slow", "text": "some text"}, progress_callback=on_progress
        )

    async with anyio.create_task_group() as group:
        group.start_soon(ask)
        with anyio.fail_after(60):
            await started.wait()
        group.cancel_scope.cancel()
    check(True, "progress arrived while the run was under way")
    # The server records the run once it has stopped.
    finished = []
    with anyio.fail_after(60):
        while not finished:
            listed = json.loads((await session.read_resource("rlm://traces")).contents[0].text)
            finished = [t for t in listed["traces"] if t["query"] == "slow"]
            if not finished:
                await anyio.sleep(0.05)
    check(finished[0]["finish"] == "cancelled", "the cancel stopped the run", finished)


TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
TRACEPARENT = f"00-{TRACE_ID}-b7ad6b7169203331-01"


async def traced(session, corpus):
    """Against a server exporting OpenTelemetry traces: a tool call's
    `_meta.traceparent` parents its run's trace (the trace our own trace names)."""
    result = await session.call_tool(
        "rlm_ask", {"question": QUESTION, "paths": [corpus]}, meta={"traceparent": TRACEPARENT}
    )
    check(not result.is_error, "rlm_ask with a traceparent succeeds", text_of(result))
    trace = json.loads((await session.read_resource(structured(result)["trace_uri"])).contents[0].text)
    text = json.dumps(trace)
    check(f'"otel_trace_id": "{TRACE_ID}"' in text, "_meta's traceparent names the run's trace", text[:600])
    result = await session.call_tool("rlm_ask", {"question": QUESTION, "paths": [corpus]})
    trace = json.loads((await session.read_resource(structured(result)["trace_uri"])).contents[0].text)
    text = json.dumps(trace)
    check('"otel_trace_id": "' in text and TRACE_ID not in text, "without one, a trace of its own", text[:600])


async def main(argv):
    mode = argv[1]
    if mode == "stdio":
        rlm, corpus, slow, workdir = argv[2:6]
        async with over_stdio(rlm, workdir) as session:
            await every_tool(session, corpus)
        async with over_stdio(rlm, workdir, "--script", slow) as session:
            await cancel(session)
        # Exported to a receiver that is not there (port 9): runs go on.
        async with over_stdio(rlm, workdir, "--otlp-endpoint", "http://127.0.0.1:9") as session:
            await traced(session, corpus)
    elif mode == "http":
        demo_url, slow_url, corpus = argv[2:5]
        async with over_http(demo_url) as session:
            await every_tool(session, corpus)
        async with over_http(slow_url) as session:
            await cancel(session)
    else:
        raise SystemExit(f"unknown mode {mode}")
    print("all ok", flush=True)


if __name__ == "__main__":
    anyio.run(main, sys.argv)
