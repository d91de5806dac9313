"""Every option of pyrlm-runtime's ``RLM`` (read from its dataclass, so a new
pyrlm option fails here) is accepted by ``rlm_rs.RLM`` with pyrlm's default;
the mapped ones take effect; the refused ones raise ``ConfigError`` naming the
option and why."""

from __future__ import annotations

import dataclasses

import pyrlm_runtime
import pytest

from rlm_rs import RLM, ConfigError
from rlm_rs.adapters import FakeAdapter
from rlm_rs.rlm import REFUSED_OPTIONS

# Defaults that are long prompt texts in pyrlm: rlm_rs takes None for "pyrlm's own".
TEXT_DEFAULTS = {"system_prompt", "subcall_system_prompt", "recursive_subcall_system_prompt"}
# A program prints what the answer says first: an answer rests on evidence (issue #78).
OK_SCRIPT = ["```python\nprint('ok')\n```", "FINAL: ok"]


def pyrlm_defaults() -> dict:
    out = {}
    for f in dataclasses.fields(pyrlm_runtime.RLM):
        if f.name == "adapter":
            continue
        if f.name in TEXT_DEFAULTS or f.default is dataclasses.MISSING:
            out[f.name] = None
        else:
            out[f.name] = f.default
    return out


def test_every_pyrlm_option_is_accepted_with_its_default():
    defaults = pyrlm_defaults()
    assert len(defaults) == 52  # pyrlm-runtime 1.0.3: 53 fields with the adapter
    rlm = RLM(FakeAdapter(script=OK_SCRIPT), **defaults)
    answer, _ = rlm.run("q", "context")
    assert answer == "ok"


def test_each_refused_option_says_why():
    for name, (default, why) in REFUSED_OPTIONS.items():
        value = "x" if default is None or isinstance(default, str) else default + 1
        with pytest.raises(ConfigError) as info:
            RLM(FakeAdapter(script=[]), **{name: value})
        assert name in str(info.value) and why in str(info.value)


def test_unknown_options_are_a_type_error():
    with pytest.raises(TypeError, match="unexpected keyword argument 'no_such_option'"):
        RLM(FakeAdapter(script=[]), no_such_option=1)


def test_mapped_options(tmp_path):
    rlm = RLM(FakeAdapter(script=OK_SCRIPT), max_tokens=64, cache_dir=str(tmp_path / "c"),
              max_concurrent_subcalls=2)
    assert rlm.run("q", "context")[0] == "ok"


def test_pyrlm_policy_errors_exist_and_a_budget_ends_the_run_instead():
    import rlm_rs
    from rlm_rs import Policy

    for name in ("PolicyError", "MaxStepsExceeded", "MaxSubcallsExceeded", "MaxRecursionExceeded", "MaxTokensExceeded"):
        ours, theirs = getattr(rlm_rs, name), getattr(pyrlm_runtime, name)
        assert [c.__name__ for c in ours.__mro__] == [c.__name__ for c in theirs.__mro__]
    # Where pyrlm raises MaxStepsExceeded, the run ends with a graceful answer.
    rlm = RLM(FakeAdapter(script=["x = 1"] * 10), policy=Policy(max_steps=2))
    _, trace = rlm.run("q", "context")
    assert trace.finish["kind"] == "finalized"


def _pyrlm_and_ours(script, sub_script=None, **options):
    """The answers of pyrlm's RLM and ours on the same scripted models."""
    from pyrlm_runtime import Context as PyrlmContext
    from pyrlm_runtime.adapters import FakeAdapter as PyrlmFake

    theirs_sub = PyrlmFake(script=list(sub_script)) if sub_script else None
    theirs = pyrlm_runtime.RLM(PyrlmFake(script=list(script)), subcall_adapter=theirs_sub, **options)
    ours_sub = FakeAdapter(script=list(sub_script)) if sub_script else None
    ours = RLM(FakeAdapter(script=list(script)), subcall_adapter=ours_sub, **options)
    return theirs.run("q", PyrlmContext.from_text("context"))[0], ours.run("q", "context")[0]


# `answer` is our programs' answer dict, so the variable here is `result`.
GUARD_SCRIPT = ["```python\nprint(1)\n```", "```python\nresult = ''\n```", "```python\nprint(3)\n```",
                "```python\nresult = 'late'\n```"]


def test_fallback_guard_steps_as_pyrlms():
    options = dict(auto_finalize_var="result", fallback_code="result = 'from the fallback'")
    # Step 2 leaves `answer` empty: the fallback runs after it and answers.
    assert _pyrlm_and_ours(GUARD_SCRIPT, fallback_guard_steps=2, **options) == ("from the fallback",) * 2
    # Without the guard both go on to the model's own answer.
    assert _pyrlm_and_ours(GUARD_SCRIPT, **options) == ("late", "late")


def test_subcall_guard_steps_as_pyrlms():
    script = ["```python\nprint('looked')\n```", "FINAL_VAR: found", "FINAL_VAR: found"]
    fallback = "found = llm_query('the code?')\nprint('fb', found)"
    answers = _pyrlm_and_ours(
        script, ["y-2"] * 3, require_subcall_before_final=True, subcall_guard_steps=1, fallback_code=fallback
    )
    assert answers == ("y-2", "y-2")


def test_subcall_max_output_tokens_caps_each_subcall():
    class Sub:
        def __init__(self):
            self.params = []

        def complete(self, messages, **params):
            self.params.append(params)
            return "sub"

    program = "```repl\nfinal_answer = llm_query('hi')\n```"
    for option, value in [("subcall_max_output_tokens", 77), ("subcall_max_tokens", 55)]:
        sub = Sub()
        answer, _ = RLM(FakeAdapter(script=[program]), subcall_adapter=sub, **{option: value}).run("q", "c")
        assert answer == "sub" and sub.params[0].get("max_tokens") == value, (option, sub.params)
