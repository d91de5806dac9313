"""The official MCP Python SDK's client against a keyed `rlm mcp --transport http`
(run by tests/security_surfaces.rs), and against `rlm mcp` over stdio with no
model configured.

Usage: mcp_client.py http URL KEY ROOT TRICKS_JSON
       mcp_client.py nomodel RLM_BINARY WORKDIR

http: without the key and with a wrong key the client cannot initialize; with
it, every path trick is refused with a clear error and leaks nothing, the
root's own file loads, `k` given as "2" is 2, and closing the session logs
no "Session termination failed". nomodel: initialize works and a tool call is
the tool's error saying what to set. Prints one `ok:` line per check.
"""

import json
import logging
import sys
from contextlib import asynccontextmanager

import anyio
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client


def check(condition, what, detail=""):
    if not condition:
        raise AssertionError(f"{what}: {detail}")
    print(f"ok: {what}", flush=True)


def text_of(result):
    return "".join(getattr(block, "text", "") for block in result.content)


def flatten(error):
    """An exception and, for a group, every exception inside it, as text."""
    inner = getattr(error, "exceptions", None)
    if inner:
        return repr(error) + " " + " ".join(flatten(e) for e in inner)
    return repr(error) + " " + str(error)


class Warnings(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@asynccontextmanager
async def over_http(url, key):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    async with create_mcp_http_client(headers=headers) as http:
        async with streamable_http_client(url, http_client=http) as streams:
            async with ClientSession(streams[0], streams[1]) as session:
                with anyio.fail_after(30):
                    await session.initialize()
                yield session


async def refused_without(url, key, what):
    try:
        async with over_http(url, key):
            pass
    except Exception as e:  # the SDK raises an exception group
        # The SDK reports the 401 as an error response (plain HTTP checks the status).
        text = flatten(e)
        check("401" in text or "Server returned an error response" in text, what, text[:500])
        return
    raise AssertionError(f"{what}: the session opened")


async def http(url, key, root, tricks):
    await refused_without(url, None, "no key: the client cannot initialize")
    await refused_without(url, "wrong-key-0123456789abcdef", "a wrong key: the client cannot initialize")
    warnings = Warnings()
    logging.getLogger().addHandler(warnings)
    async with over_http(url, key) as session:
        for trick in tricks:
            result = await session.call_tool("rlm_exec", {"program": "print(context)", "paths": [trick]})
            text = text_of(result) + json.dumps(result.structured_content)
            check(result.is_error and "refused" in text, f"{trick} is refused", text)
            for leak in ["the-secret-outside-the-root", key, "root:x:0", "PATH="]:
                check(leak not in text, f"{trick} leaks nothing", text)
            result = await session.call_tool("rlm_ask", {"question": "q", "paths": [trick]})
            check(result.is_error and "refused" in text_of(result), f"rlm_ask refuses {trick}", text_of(result))
        result = await session.call_tool("rlm_exec", {"program": "print(context)", "paths": [root + "/doc.txt"]})
        check(not result.is_error and "allowed text" in text_of(result), "the root's own file loads", text_of(result))
        result = await session.call_tool("rlm_search", {"path": root, "query": "allowed", "k": "2"})
        check(not result.is_error, 'k="2" is read as 2', text_of(result))
        result = await session.call_tool("rlm_search", {"path": root, "query": "allowed", "k": "two"})
        check(result.is_error and "whole number" in text_of(result), 'k="two" is a clear error', text_of(result))
    failed = [m for m in warnings.messages if "Session termination failed" in m]
    check(not failed, "closing the session logs no termination failure", failed)


async def nomodel(rlm, workdir):
    params = StdioServerParameters(command=rlm, args=["mcp"], cwd=workdir)
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            with anyio.fail_after(30):
                await session.initialize()
            check(True, "no model: the server still initializes")
            result = await session.call_tool("rlm_exec", {"program": "print(1)", "text": "x"})
            check(result.is_error and "model" in text_of(result), "no model: the tool call says what to set", text_of(result))


async def main(argv):
    if argv[1] == "http":
        url, key, root, tricks = argv[2], argv[3], argv[4], json.loads(argv[5])
        await http(url, key, root, tricks)
    elif argv[1] == "nomodel":
        await nomodel(argv[2], argv[3])
    else:
        raise SystemExit(f"unknown mode {argv[1]}")
    print("all ok", flush=True)


if __name__ == "__main__":
    anyio.run(main, sys.argv)
