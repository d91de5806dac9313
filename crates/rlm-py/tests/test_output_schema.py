"""``RLM(output_schema=...)`` (issue #57): a dict schema returns the parsed
JSON, a pydantic model class a validated instance, a run with no matching
answer raises ``SchemaError`` carrying the candidate; ``config=`` takes the
knob too; without a schema the answer stays a str."""

import json

import pydantic
import pytest

from rlm_rs import RLM, Context, SchemaError
from rlm_rs.adapters import FakeAdapter

SCHEMA = {
    "type": "object",
    "required": ["city", "population"],
    "properties": {"city": {"type": "string"}, "population": {"type": "integer"}},
}


class City(pydantic.BaseModel):
    city: str
    population: int


def root(*finals):
    # The program prints the facts the answers state (issue #78: an answer rests on evidence).
    return FakeAdapter(script=["print(context)", *finals])


def ctx():
    return Context.from_text("Paris is the capital of France; 2102650 people.")


def test_a_dict_schema_returns_the_parsed_json_after_a_repair():
    adapter = root(
        "FINAL('Paris, two million')",
        "FINAL({'city': 'Paris', 'population': 2102650})",
    )
    answer, trace = RLM(adapter=adapter, output_schema=SCHEMA).run("The capital?", ctx())
    assert answer == {"city": "Paris", "population": 2102650}
    assert trace.finish["kind"] == "prose_final"
    refused = [e for e in trace.events if "FINAL refused by the output schema" in json.dumps(e)]
    assert len(refused) == 1


def test_a_pydantic_model_class_returns_a_validated_instance():
    adapter = root("FINAL({'city': 'Paris', 'population': 2102650})")
    answer, _ = RLM(adapter=adapter, output_schema=City).run("The capital?", ctx())
    assert isinstance(answer, City)
    assert answer == City(city="Paris", population=2102650)


def test_no_matching_answer_raises_schema_error_with_the_candidate():
    adapter = FakeAdapter(script=["print(context[:20])"] + ["FINAL('Paris, two million')"] * 10)
    rlm = RLM(adapter=adapter, output_schema=City, config={"budgets.max_steps": 3})
    with pytest.raises(SchemaError) as caught:
        rlm.run("The capital?", ctx())
    assert caught.value.candidate == "Paris, two million"
    assert "is not of type" in caught.value.reason
    assert caught.value.trace.finish["kind"] == "schema_failed"


def test_config_takes_the_knob_and_no_schema_keeps_the_str():
    adapter = root("FINAL({'city': 'Paris', 'population': 2102650})")
    answer, _ = RLM(adapter=adapter, config={"output.schema": SCHEMA}).run("q", ctx())
    assert answer == '{"city":"Paris","population":2102650}'
    plain, _ = RLM(adapter=root("FINAL({'city': 'Paris'})")).run("q", ctx())
    assert plain == "{'city': 'Paris'}"


def test_bad_schemas_are_refused():
    with pytest.raises(TypeError, match="output_schema"):
        RLM(adapter=root(), output_schema=["not", "a", "schema"])
    with pytest.raises(ValueError, match="output.schema"):
        RLM(adapter=root(), output_schema={"type": 12})
