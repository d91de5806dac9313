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


# pyrlm-runtime's other public names (issue #38), as a pyrlm user imports them.
from rlm_rs import (
    CacheRecord,
    ExecutionProfile,
    MaxStepsExceeded,
    MaxTokensExceeded,
    Policy,
    PolicyError,
    RouterConfig,
    SmartRouter,
    Trace,
    TraceFormatter,
    TraceStep,
    Usage,
    ndcg_at_k,
)
from rlm_rs.adapters import FakeRule, ModelResponse
from rlm_rs.env import ExecResult, PythonREPL
from rlm_rs.events import RLMEvent, RLMEventListener
from rlm_rs.prompts import BASE_SYSTEM_PROMPT, SUBCALL_SYSTEM_PROMPT
from rlm_rs.rich_trace import RichTraceListener


class StepCounter:
    def __init__(self) -> None:
        self.n = 0

    def handle(self, event: RLMEvent) -> None:
        if event.kind == "step_completed" and event.step is not None:
            self.n += 1


listener: RLMEventListener = StepCounter()
fake = FakeAdapter(rules=[FakeRule(matcher=lambda p: "x" in p, response="y")], script=["FINAL: 1"])
reply: ModelResponse = fake.complete([{"role": "user", "content": "x"}])
logged: int = len(fake.call_log)
policy = Policy(max_steps=3)
try:
    policy.check_step()
except MaxStepsExceeded:
    pass
except (MaxTokensExceeded, PolicyError):
    pass
steps_so_far: int = policy.steps
out, tr = RLM(fake, policy=policy, event_listener=listener, system_prompt=BASE_SYSTEM_PROMPT).run("q", "c")
first: TraceStep = tr.steps[0]
secs: "float | None" = first.elapsed
use: "Usage | None" = first.usage
hit: bool = first.cache_hit
again: Trace = Trace.from_json(tr.to_json())
ours_json: str = tr.to_rlm_json(indent=2)
record = CacheRecord(text="t", usage=Usage(1, 2, 3))
res = SmartRouter(fake, config=RouterConfig(baseline_threshold=10)).run("q", Context.from_text("c"))
method: str = res.method
profile: ExecutionProfile = res.profile
text: str = TraceFormatter().format(res.trace)
score: float = ndcg_at_k(["a"], {"a": 1}, 1)
executed: ExecResult = PythonREPL().exec("print(1)")
printer = RichTraceListener(max_output_length=100)
sub_prompt: str = SUBCALL_SYSTEM_PROMPT


# Every keyword of RLM(...) is typed (issue #56): pyrlm's whole call type-checks
# (mypy rejects a misspelt one: tests/test_typing.py), run() returns a str.
typed = RLM(
    fake,
    subcall_adapter=fake,
    cache=None,
    policy=Policy(max_steps=2),
    max_output_tokens=512,
    system_prompt=None,
    repl_backend="python",
    recursive_subcalls=True,
    max_recursion_depth=2,
    compaction=True,
    compaction_threshold_pct=0.8,
    require_repl_before_final=True,
    auto_finalize_var="answer",
    max_tokens=None,
    cache_dir=None,
    max_concurrent_subcalls=4,
    repl_error_limit=3,
    fallback_guard_steps=None,
    subcall_max_output_tokens=256,
    config={"limits.fuel": 100_000},
    depth=0,
    recursion_impl="child",
    logger=None,
    auto_finalize_reject_patterns=None,
    repl_exec_timeout=60.0,
    log_truncate_code=2000,
)
answer_text: str = typed.run("q", "c")[0]
# A program's value has a precise type: narrowed before use.
value = sb.run("[1, 2]").result
if isinstance(value, list):
    doubled = [2 * v for v in value if isinstance(v, int)]
