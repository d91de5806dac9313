"""What the exceptions carry (issue #38): a syntax error's place, a host
KeyError's message, a model failure's cause, a bad limit's field, a failed
step's error in the trace."""

import pytest

import rlm_rs
from rlm_rs import RLM, Limits, Sandbox, errors
from rlm_rs.adapters import FakeAdapter


def test_syntax_errors_say_where():
    sb = Sandbox()
    with pytest.raises(rlm_rs.SandboxSyntaxError) as e:
        sb.run("x = 1\ny = (\n")
    assert (e.value.lineno, e.value.offset, e.value.text) == (2, 5, "y = (")
    assert e.value.filename == "<sandbox>" and "never closed" in e.value.msg
    # Refused by the compiler rather than the parser: the line is known.
    with pytest.raises(rlm_rs.SandboxSyntaxError) as e:
        sb.run("x = 1\nclass A:\n    pass")
    assert (e.value.lineno, e.value.text) == (2, "class A:")


def test_a_host_key_error_is_quoted_once():
    def lookup():
        raise KeyError("zz")

    sb = Sandbox(functions={"lookup": lookup})
    with pytest.raises(KeyError) as e:
        sb.run("lookup()")
    assert str(e.value).endswith("KeyError: 'zz'\n")
    # The same as a program's own KeyError.
    with pytest.raises(KeyError) as own:
        sb.run("{}['zz']")
    assert str(own.value).endswith("KeyError: 'zz'\n")


def test_model_error_keeps_the_adapters_exception():
    class Broken:
        def complete(self, messages, **params):
            raise ConnectionResetError("provider down")

    with pytest.raises(rlm_rs.ModelError) as e:
        RLM(Broken()).run("q", "ctx")
    assert isinstance(e.value.__cause__, ConnectionResetError)
    assert "configuration error" not in str(e.value)
    assert "ConnectionResetError: provider down" in str(e.value)


@pytest.mark.parametrize("field, value", [("fuel", -1), ("memory_bytes", 2**64), ("max_nesting", "10"), ("fuel", True)])
def test_a_bad_limit_names_its_field(field, value):
    with pytest.raises(rlm_rs.ConfigError, match=f"Limits.{field} must be a non-negative int"):
        Limits(**{field: value})


def test_a_failed_steps_error_is_what_the_model_read():
    _, trace = RLM(FakeAdapter(script=["x = 1 / 0", "FINAL('a')"])).run("q", "c")
    failed = [s for s in trace.steps if s.error]
    assert len(failed) == 1 and "ZeroDivisionError" in failed[0].error


def test_exception_classes_are_importable_names():
    from rlm_rs.errors import Cancelled, ProgramKeyError, ProgramValueError

    assert issubclass(ProgramValueError, ValueError) and issubclass(ProgramValueError, errors.ProgramError)
    assert issubclass(ProgramKeyError, KeyError)
    assert issubclass(Cancelled, rlm_rs.RlmError)
    assert errors.program_class("ValueError") is ProgramValueError
