"""Record and replay from Python (issue #57): ``RLM(..., record=PATH)``
writes every model exchange as JSON lines, ``RLM(..., replay=PATH)``
answers from them (the adapters are not called), and a changed prompt
raises ``ModelError`` with a diff naming the changed message."""

import json

import pytest

from rlm_rs import RLM, Context
from rlm_rs.adapters import FakeAdapter
from rlm_rs.errors import ModelError

PROGRAM = "summary = llm_query('Summarize: ' + context[:40])\nanswer = 'got ' + summary"


def root():
    adapter = FakeAdapter(script=[PROGRAM, "FINAL_VAR: answer"])
    adapter.add_rule("You are a sub-LLM", "a short summary")
    return adapter


def test_a_recorded_run_replays_without_its_adapters(tmp_path):
    rec = tmp_path / "run.jsonl"
    context = Context.from_text("RLMs treat long prompts as environment state.")
    answer, _ = RLM(adapter=root(), record=rec).run("Summarize this.", context)
    assert answer == "got a short summary"
    lines = [json.loads(line) for line in rec.read_text().splitlines()]
    assert len(lines) == 3, lines  # two root calls and one subcall
    assert all(len(x["fingerprint"]) == 32 and x["response"]["text"] for x in lines)

    # Adapters that would answer otherwise: the recording answers.
    other = FakeAdapter(script=["FINAL: something else"])
    replayed, _ = RLM(adapter=other, replay=str(rec)).run("Summarize this.", context)
    assert replayed == answer


def test_a_changed_prompt_is_a_model_error_naming_the_message(tmp_path):
    rec = tmp_path / "run.jsonl"
    context = Context.from_text("RLMs treat long prompts as environment state.")
    RLM(adapter=root(), record=rec).run("Summarize this.", context)
    rlm = RLM(adapter=root(), replay=rec, system_prompt="You are a different assistant.")
    with pytest.raises(ModelError, match=r"message 0 \(system\) changed"):
        rlm.run("Summarize this.", context)
