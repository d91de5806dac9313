"""Checked by mypy --strict in ci.sh: the stubs type a typical use (not collected by pytest)."""
from typing import Any
from rlm_rs import RLM, Context, Sandbox, Limits, SandboxResult, Suspension
from rlm_rs.adapters import FakeAdapter

sb = Sandbox(limits=Limits(fuel=10))
r = sb.run("1", inputs={"x": 1})
n: int = r.fuel_used
s = sb.start("x")
if isinstance(s, Suspension):
    ids = [c.id for c in s.calls]
answer, trace = RLM(FakeAdapter(script=["x"])).run("q", Context.from_text("t"))
kinds = [st.kind for st in trace.steps]


async def use_arun(box: Sandbox) -> SandboxResult:
    return await box.arun("1 + 1", inputs={"y": 2})


events: "list[Any]" = []
RLM(FakeAdapter(script=["x"]), system_prompt="s", repl_backend="monty", event_listener=events.append, parallel_subcalls=False)


# The exception classes are names mypy sees (not made at run time).
from rlm_rs.errors import Cancelled, FuelExhausted, ProgramKeyError, ProgramValueError, SandboxSyntaxError


def classify(box: Sandbox, code: str) -> str:
    try:
        box.run(code)
    except ProgramValueError as e:
        return "value: " + e.message
    except ProgramKeyError as e:
        return "key: " + e.rendered
    except SandboxSyntaxError as e:
        line: "int | None" = e.lineno
        return f"syntax at {line}"
    except FuelExhausted:
        return "fuel"
    except Cancelled:
        return "cancelled"
    return "ok"
