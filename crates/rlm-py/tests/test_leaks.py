"""Objects handed to the runtime are released with it (no reference kept by Rust)."""

import gc
import weakref

from rlm_rs import RLM, Sandbox
from rlm_rs.adapters import FakeAdapter


class Callable:
    def __call__(self, x):
        return x + 1


class Model:
    def complete(self, messages, **params):
        return "echo"


def test_sandbox_releases_its_host_functions_and_inputs():
    func, data = Callable(), [1, 2, 3]
    func_ref = weakref.ref(func)
    sb = Sandbox(functions={"f": func})
    assert sb.run("f(len(xs))", inputs={"xs": data}).result == 4
    del func, sb
    gc.collect()
    assert func_ref() is None


def test_rlm_releases_its_python_adapter_after_runs():
    model = Model()
    model_ref = weakref.ref(model)
    rlm = RLM(FakeAdapter(script=["final_answer = llm_query('x')"]), subcall_adapter=model)
    answer, _ = rlm.run("q", "ctx")
    assert answer == "echo"
    del model, rlm
    gc.collect()
    assert model_ref() is None


def test_failed_runs_release_everything():
    def boom():
        raise ValueError("x")

    boom_ref = weakref.ref(boom)
    sb = Sandbox(functions={"boom": boom})
    for _ in range(3):
        try:
            sb.run("boom()")
        except ValueError:
            pass
    del boom, sb
    gc.collect()
    assert boom_ref() is None
