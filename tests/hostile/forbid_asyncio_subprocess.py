# expect: forbidden
# The DSL's asyncio is gather over host calls, nothing else.
import asyncio
proc = asyncio.create_subprocess_shell("id")
print("ESCAPED", proc)
