"""The in-program functions against pyrlm-runtime itself: every program of
``pyrlm_programs/`` runs in pyrlm-runtime's ``RLM`` and in ``rlm_rs.RLM`` with the
same context, the same scripted root model (the program, then ``FINAL_VAR:
result``) and the same deterministic sub-model, and the two answers must be
equal. pyrlm-runtime (Python >= 3.12 by its metadata) is installed into the
test environment with ``--ignore-requires-python`` (crates/rlm-py/ci.sh); its
absence is a failure, never a skip.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

import pyrlm_runtime
from pyrlm_runtime.adapters import FakeAdapter as PyrlmFake
from pyrlm_runtime.adapters.base import ModelResponse, Usage

import rlm_rs
from rlm_rs.adapters import FakeAdapter

PROGRAMS = sorted((Path(__file__).parent / "pyrlm_programs").glob("*.py"))

DOCUMENTS = [
    "Project: Orion alpha launch notes. The alpha team met on Monday.",
    "Status report. The access code is KX-4471, issued by the Beta office.",
    "Appendix: GAMMA ray checks passed. Alpha, BETA and gamma teams signed.",
    "Closing words; nothing else here. alpha alpha.",
]


def sub_reply(messages: list[dict[str, str]]) -> str:
    """The sub-model: a function of the last message's text only."""
    text = messages[-1]["content"]
    code = re.search(r"code is ([A-Z]+-\d+)", text)
    if "json" in text.lower():
        if code is None:
            return "nothing to report"
        return "```json\n" + json.dumps({"items": [{"code": code.group(1)}]}) + "\n```"
    return code.group(1) if code else "NO_ANSWER"


class PyrlmSub:
    """pyrlm's adapter protocol around :func:`sub_reply`."""

    def complete(self, messages: list[dict[str, str]], **_: Any) -> ModelResponse:
        text = sub_reply(messages)
        return ModelResponse(text=text, usage=Usage(prompt_tokens=1, completion_tokens=1, total_tokens=2))


class RlmSub:
    """rlm_rs's duck-typed adapter around :func:`sub_reply`."""

    def complete(self, messages: list[dict[str, str]], **_: Any) -> str:
        return sub_reply(messages)


def script(program: str) -> list[str]:
    return ["```python\n" + program + "\n```", "FINAL_VAR: result"]


def run_pyrlm(program: str) -> str:
    rlm = pyrlm_runtime.RLM(adapter=PyrlmFake(script=script(program)), subcall_adapter=PyrlmSub())
    answer, _ = rlm.run("q", pyrlm_runtime.Context.from_documents(DOCUMENTS))
    return answer


def run_rlm_rs(program: str) -> str:
    rlm = rlm_rs.RLM(FakeAdapter(script=script(program)), subcall_adapter=RlmSub())
    answer, _ = rlm.run("q", rlm_rs.Context.from_documents(DOCUMENTS))
    return answer


def test_the_fixture_set_is_there():
    assert len(PROGRAMS) >= 12, PROGRAMS


@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: p.stem)
def test_same_answer_as_pyrlm_runtime(path: Path) -> None:
    program = path.read_text()
    expected = run_pyrlm(program)
    # A program that failed in pyrlm would compare error texts: every fixture must run there.
    assert expected.startswith("["), f"pyrlm-runtime did not run {path.name}: {expected!r}"
    assert run_rlm_rs(program) == expected


#: pyrlm's ``examples/minimal.py`` script, its program first failing before it
#: assigns ``answer`` (a misspelt name), then fixed.
MINIMAL_AFTER_AN_ERROR = [
    "snippet = peek(80)\nsummary = llm_query(f'Summarize: {snippet}')\nanswer = f'Summary -> {sumary}'",
    "FINAL_VAR: answer",
    "answer = f'Summary -> {summary}'",
    "FINAL_VAR: answer",
]
MINIMAL_CONTEXT = "RLMs treat long prompts as environment state and inspect them via code."


def test_minimal_flow_with_final_var_after_an_error_gives_pyrlms_answer() -> None:
    # issue #56: rlm_rs returned its own answer protocol dict,
    # "{'content': '', 'ready': False}", for `FINAL_VAR: answer` of a name the
    # program never assigned; pyrlm tells the model and takes the next FINAL.
    theirs_sub = PyrlmFake()
    theirs_sub.add_rule("Summarize", "[fake] short summary")
    theirs = pyrlm_runtime.RLM(adapter=PyrlmFake(script=list(MINIMAL_AFTER_AN_ERROR)), subcall_adapter=theirs_sub)
    expected, _ = theirs.run("Give a short summary.", pyrlm_runtime.Context.from_text(MINIMAL_CONTEXT))
    assert expected == "Summary -> [fake] short summary"
    ours_sub = FakeAdapter()
    ours_sub.add_rule("Summarize", "[fake] short summary")
    root = FakeAdapter(script=list(MINIMAL_AFTER_AN_ERROR))
    answer, trace = rlm_rs.RLM(root, subcall_adapter=ours_sub).run("Give a short summary.", MINIMAL_CONTEXT)
    assert answer == expected
    # The model was told, in pyrlm's words, and no more turns were taken than pyrlm's script holds.
    told = root.call_log[2][-1]["content"]
    assert "FINAL_VAR missing in REPL" in told and "'ready'" not in told, told
    assert len(root.call_log) == len(MINIMAL_AFTER_AN_ERROR)
