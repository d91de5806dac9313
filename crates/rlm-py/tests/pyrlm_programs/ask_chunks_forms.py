q = "What is the access code?"
from_ctx = ask_chunks(q, ctx, chunk_size=80)
from_tuples = ask_chunks(q, ctx.chunk(80), parallel=False)
from_strs = ask_chunked(q, ["the code is ZZ-1", "nothing here"])
from_str = ask_chunks(q, "x code is QQ-9 y")
first = ask_chunks_first(q, ctx.chunk(80))
none_first = ask_chunks_first(q, ["nothing", "still nothing"])
result = repr([from_ctx, from_tuples, from_strs, from_str, first, none_first])
