"""Drives `rlm serve`'s OpenAI-compatible endpoint with the official `openai`
SDK (sync, async, streaming, errors of every kind) and LangChain's `ChatOpenAI`, asking
the README's demo question over the demo corpus sent as a long message.
Run by crates/rlm-cli/tests/openai_endpoint.rs:
    python openai_sdk.py BASE_URL API_KEY CORPUS_FILE EXPECTED_ANSWER
Prints one line per check; exits non-zero on the first failure."""

import asyncio
import sys

import httpx
import openai
from langchain_openai import ChatOpenAI

base, key, corpus_path, expected = sys.argv[1:5]
QUESTION = "Which service logged the most errors, and what is the vault passphrase?"
corpus = open(corpus_path, encoding="utf-8").read()
messages = [
    {"role": "user", "content": corpus},
    {"role": "user", "content": QUESTION},
]
base_url = f"{base}/v1"


def check(ok, what):
    if not ok:
        raise SystemExit(f"FAILED: {what}")
    print(f"ok: {what}")


# Sync, with the raw response for the trace id header.
client = openai.OpenAI(base_url=base_url, api_key=key, max_retries=0)
raw = client.chat.completions.with_raw_response.create(model="rlm", messages=messages)
completion = raw.parse()
check(completion.choices[0].message.content == expected, f"sync answer {completion.choices[0].message.content!r}")
check(completion.choices[0].finish_reason == "stop", "sync finish_reason stop")
check(completion.usage.total_tokens > 0, f"sync usage {completion.usage}")
trace_id = raw.headers.get("x-rlm-trace-id")
check(trace_id and completion.model_extra.get("rlm_trace_id") == trace_id, f"trace id {trace_id}")
check(completion.id.startswith("chatcmpl-"), "chatcmpl id")
ids = [m.id for m in client.models.list()]
check("rlm" in ids and "rlm:scripted" in ids, f"models {ids}")

# Streaming, with usage.
stream = client.chat.completions.create(
    model="rlm", messages=messages, stream=True, stream_options={"include_usage": True}
)
content, reasoning, usage, finish = [], [], None, None
for chunk in stream:
    if chunk.usage is not None:
        usage = chunk.usage
    for choice in chunk.choices:
        if choice.delta.content:
            content.append(choice.delta.content)
        extra = choice.delta.model_extra or {}
        if extra.get("reasoning_content"):
            reasoning.append(extra["reasoning_content"])
        if choice.finish_reason:
            finish = choice.finish_reason
check("".join(content) == expected, f"stream answer {''.join(content)!r}")
check(len(reasoning) > 10 and "FINAL(" in "".join(reasoning), f"stream root tokens ({len(reasoning)} chunks)")
check(finish == "stop" and usage is not None and usage.total_tokens > 0, f"stream finish {finish}, usage {usage}")


# Async.
async def ask_async():
    aclient = openai.AsyncOpenAI(base_url=base_url, api_key=key, max_retries=0)
    c = await aclient.chat.completions.create(model="rlm:scripted", messages=messages)
    await aclient.close()
    return c


completion = asyncio.run(ask_async())
check(completion.choices[0].message.content == expected, "async answer")

# Errors are the SDK's exception classes.
try:
    client.chat.completions.create(model="gpt-4o", messages=messages)
    check(False, "an unknown model raises")
except openai.NotFoundError as e:
    check(e.code == "model_not_found" and e.param == "model", f"unknown model: {e.code}")
try:
    openai.OpenAI(base_url=base_url, api_key="wrong", max_retries=0).models.list()
    check(False, "a wrong key raises")
except openai.AuthenticationError as e:
    check(e.code == "invalid_api_key", "wrong key: AuthenticationError")

# Every /v1 status is an error object the SDK parses into its classes, also
# where no handler ran (an unknown route, a wrong method, a body's shape).
def status_error(call):
    try:
        call()
    except openai.APIStatusError as e:
        return e
    raise SystemExit("FAILED: the call did not raise")


e = status_error(lambda: client.get("/nope", cast_to=httpx.Response))
check(isinstance(e, openai.NotFoundError) and e.code == "unknown_url", f"unknown route: {e.code}")
e = status_error(lambda: client.get("/chat/completions", cast_to=httpx.Response))
check(e.status_code == 405 and e.code == "method_not_allowed", f"wrong method: {e.status_code} {e.code}")
e = status_error(lambda: client.chat.completions.create(model="rlm", messages="not a list"))
check(isinstance(e, openai.UnprocessableEntityError) and e.code == "invalid_json", f"bad shape: {e.code}")
e = status_error(lambda: client.chat.completions.create(model="rlm", messages=messages, n=2))
check(isinstance(e, openai.BadRequestError) and e.param == "n", f"n=2: {e.param}")
huge = "rlm:" + "m" * 1_000_000
e = status_error(lambda: client.chat.completions.create(model=huge, messages=messages))
check(
    isinstance(e, openai.NotFoundError) and len(e.message) < 1_000 and f"({len(huge)} characters)" in e.message,
    f"a 1 MB model name comes back cut ({len(e.message)} characters)",
)

# LangChain's OpenAI chat model.
llm = ChatOpenAI(base_url=base_url, api_key=key, model="rlm", max_retries=0)
reply = llm.invoke([("user", corpus), ("user", QUESTION)])
check(reply.content == expected, f"langchain answer {reply.content!r}")
print("all ok")
