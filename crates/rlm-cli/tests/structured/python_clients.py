"""Official Python clients against `rlm serve`'s /v1 with response_format
(issue #57), driven by crates/rlm-cli/tests/structured_answers.rs over the
scripted model of script.toml (its first FINAL is prose; the repair note
makes it answer a matching dict).

Usage: python_clients.py BASE_URL API_KEY CLIENT...   (CLIENT: openai, openai-responses, litellm)
Prints one `ok: ...` line per check, then `all ok`.
"""

import json
import sys

import openai
from pydantic import BaseModel


class City(BaseModel):
    city: str
    population: int


class Cities(BaseModel):
    """A schema the scripted model never meets: its answers are one city."""

    cities: list[City]


QUESTION = [
    {"role": "system", "content": "Answer with the city and its population."},
    {"role": "user", "content": "Which city is the capital of France, and how many people live there?"},
]


def check_openai(base, key):
    client = openai.OpenAI(base_url=f"{base}/v1", api_key=key, max_retries=0, timeout=120)
    # The SDK's parse(): the pydantic model becomes response_format json_schema
    # (strict), and the content is parsed back into the model.
    parse = getattr(getattr(client, "chat").completions, "parse", None)
    if parse is None:
        parse = client.beta.chat.completions.parse
    done = parse(model="rlm", messages=QUESTION, response_format=City)
    parsed = done.choices[0].message.parsed
    assert isinstance(parsed, City), done
    assert parsed == City(city="Paris", population=2102650), parsed
    assert json.loads(done.choices[0].message.content) == {"city": "Paris", "population": 2102650}
    print("ok: openai parse ->", repr(parsed))

    # json_object: the content is a JSON object.
    plain = client.chat.completions.create(
        model="rlm", messages=QUESTION, response_format={"type": "json_object"}
    )
    assert json.loads(plain.choices[0].message.content)["city"] == "Paris", plain
    print("ok: openai json_object ->", plain.choices[0].message.content)

    # A schema no answer meets: 422 with the code schema_failed, never a 200.
    try:
        parse(model="rlm", messages=QUESTION, response_format=Cities)
    except openai.UnprocessableEntityError as e:
        body = e.body if isinstance(e.body, dict) else {}
        assert body.get("code") == "schema_failed", e.body
        assert "the last candidate" in body.get("message", ""), e.body
        print("ok: openai schema_failed ->", e.status_code, body.get("code"))
    else:
        raise AssertionError("a schema no answer meets gave a 200")

    # tools stay refused, clearly.
    try:
        client.chat.completions.create(
            model="rlm",
            messages=QUESTION,
            tools=[{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}],
        )
    except openai.BadRequestError as e:
        assert "tools are not supported" in str(e), e
        print("ok: openai tools refused ->", e.status_code)
    else:
        raise AssertionError("tools were not refused")


def check_openai_responses(base, key):
    """The Responses API (/v1/responses): responses.create, blocking and
    streamed, and responses.parse with a pydantic model."""
    client = openai.OpenAI(base_url=f"{base}/v1", api_key=key, max_retries=0, timeout=120)
    created = client.responses.create(
        model="rlm", instructions=QUESTION[0]["content"], input=QUESTION[1]["content"]
    )
    assert created.status == "completed" and "Paris" in created.output_text, created
    print("ok: openai responses.create ->", repr(created.output_text))
    with client.responses.stream(model="rlm", input=QUESTION) as stream:
        streamed = "".join(e.delta for e in stream if e.type == "response.output_text.delta")
        final = stream.get_final_response()
    assert "Paris" in streamed and final.output_text == streamed, (streamed, final)
    print("ok: openai responses.stream ->", repr(streamed))
    parsed = client.responses.parse(model="rlm", input=QUESTION, text_format=City)
    assert parsed.output_parsed == City(city="Paris", population=2102650), parsed
    print("ok: openai responses.parse ->", repr(parsed.output_parsed))


def check_litellm(base, key):
    import litellm

    done = litellm.completion(
        model="openai/rlm",
        api_base=f"{base}/v1",
        api_key=key,
        messages=QUESTION,
        response_format=City,
        timeout=120,
    )
    content = done.choices[0].message.content
    parsed = City.model_validate_json(content)
    assert parsed == City(city="Paris", population=2102650), content
    print("ok: litellm response_format ->", repr(parsed))


def main():
    base, key, *clients = sys.argv[1:]
    for client in clients:
        {
            "openai": check_openai,
            "openai-responses": check_openai_responses,
            "litellm": check_litellm,
        }[client](base, key)
    print("all ok")


if __name__ == "__main__":
    main()
