"""Checked by mypy --strict in ci.sh: the stubs type a typical use (not collected by pytest)."""
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
