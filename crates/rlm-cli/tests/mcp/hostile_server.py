"""A hostile MCP server over stdio, in plain Python (no SDK): it initializes
and lists its tools as the protocol says, then answers calls badly. Run by
tests/mcp_tools.rs: nothing it sends may crash the client or reach the
program unchecked.

Tools: `garbage` answers a line that is not JSON (the client ignores it, as
every MCP SDK does: the call times out); `huge` answers 5 MiB of text (past
the 4 MiB a program may receive); `wrong_shape` answers a result whose
`content` is not a list; `odd` has a schema whose property is not a schema
and a description of 100,000 characters, and answers "fine".
"""

import json
import sys


def send(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


TOOLS = [
    {"name": "garbage", "inputSchema": {"type": "object"}},
    {"name": "huge", "inputSchema": {"type": "object"}},
    {"name": "wrong_shape", "inputSchema": {"type": "object"}},
    {
        "name": "odd",
        "description": "x" * 100_000,
        "inputSchema": {"type": "object", "properties": {"x": 5}, "required": ["x"]},
    },
]

for line in sys.stdin:
    try:
        message = json.loads(line)
    except ValueError:
        continue
    method, ident = message.get("method"), message.get("id")
    if ident is None:
        continue
    if method == "initialize":
        send({"jsonrpc": "2.0", "id": ident, "result": {
            "protocolVersion": message["params"]["protocolVersion"],
            "capabilities": {"tools": {}},
            "serverInfo": {"name": "hostile", "version": "0"},
        }})
    elif method == "tools/list":
        send({"jsonrpc": "2.0", "id": ident, "result": {"tools": TOOLS}})
    elif method == "tools/call":
        name = message["params"]["name"]
        if name == "garbage":
            sys.stdout.write("{this is not json\n")
            sys.stdout.flush()
        elif name == "huge":
            text = "y" * (5 * 1024 * 1024)
            send({"jsonrpc": "2.0", "id": ident, "result": {"content": [{"type": "text", "text": text}]}})
        elif name == "wrong_shape":
            send({"jsonrpc": "2.0", "id": ident, "result": {"content": "not a list"}})
        else:
            send({"jsonrpc": "2.0", "id": ident, "result": {"content": [{"type": "text", "text": "fine"}]}})
    else:
        send({"jsonrpc": "2.0", "id": ident, "error": {"code": -32601, "message": "no such method"}})
