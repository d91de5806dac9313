"""An MCP server made with the official Python SDK (`MCPServer`, FastMCP's
name in mcp 2), whose tools RLM programs call in tests/mcp_tools.rs.

Usage: tools_server.py  (speaks MCP on stdin and stdout)

`lookup` and `add` are the tools the programs call; `slow` waits as long as it
is told (a call past the server's timeout); `crash` ends the process (a
server that dies); `secret` exists but no test allows it.
"""

import os
import time

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

server = MCPServer("weather")

WEATHER = {"Paris": "sunny, 21 C", "Oslo": "snow, -3 C"}


@server.tool()
def lookup(city: str) -> str:
    """The weather in a city today."""
    if city not in WEATHER:
        raise ToolError(f"no weather for {city}")
    return WEATHER[city]


@server.tool()
def add(a: int, b: int) -> int:
    """Adds two whole numbers."""
    return a + b


@server.tool()
def slow(seconds: float) -> str:
    """Waits, then answers."""
    time.sleep(seconds)
    return "finally"


@server.tool()
def crash() -> str:
    """Ends the server's process."""
    os._exit(3)


@server.tool()
def secret() -> str:
    """Not on any allow-list."""
    return "the secret"


if __name__ == "__main__":
    server.run()
