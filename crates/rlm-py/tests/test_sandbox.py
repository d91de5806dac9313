"""The sandbox on its own: results, output, inputs, mirrored exceptions,
distinct limit errors, host functions (sync and async), suspend/resume."""

import asyncio

import pytest

import rlm_rs
from rlm_rs import Limits, Sandbox, errors


def test_result_output_and_inputs():
    sb = Sandbox()
    r = sb.run("y = [v * 2 for v in xs]\nprint('sum', sum(y))\n{'y': y, 't': (1, 'a')}", inputs={"xs": [1, 2, 3]})
    assert r.result == {"y": [2, 4, 6], "t": (1, "a")}
    assert r.output == "sum 12\n"
    assert r.is_final is False
    assert r.fuel_used > 0


def test_globals_persist_between_runs_and_final():
    sb = Sandbox()
    sb.run("counter = 41")
    r = sb.run("counter += 1\nFINAL(counter)")
    assert r.result == 42 and r.is_final
    assert sb.globals()["counter"] == 42


def test_program_exceptions_mirror_python_classes():
    sb = Sandbox()
    with pytest.raises(ZeroDivisionError) as e:
        sb.run("x = 1\nx / 0")
    assert isinstance(e.value, rlm_rs.ProgramError)
    assert e.value.type_name == "ZeroDivisionError"
    assert "line 2" in str(e.value) and "division by zero" in str(e.value)
    with pytest.raises(KeyError):
        sb.run("{}['missing']")
    with pytest.raises(rlm_rs.SandboxSyntaxError) as e:
        sb.run("def f(:\n    pass")
    assert isinstance(e.value, SyntaxError)
    with pytest.raises(rlm_rs.SandboxSyntaxError, match="class"):
        sb.run("class A:\n    pass")
    # The sandbox is still usable after a program error.
    assert sb.run("1 + 1").result == 2


@pytest.mark.parametrize(
    "limits, code, cls",
    [
        (Limits(fuel=10_000), "while True:\n    pass", errors.FuelExhausted),
        (Limits(memory_bytes=1_000_000), "x = []\nwhile True:\n    x.append('a' * 1000)", errors.MemoryLimitExceeded),
        (Limits(max_str_len=1000), "'a' * 5000", errors.StringTooLong),
        (Limits(max_call_depth=50), "def f(n):\n    return f(n + 1)\nf(0)", errors.CallDepthExceeded),
        (Limits(max_output_bytes=100), "for i in range(1000):\n    print(i)", errors.OutputLimitExceeded),
        (Limits(max_collection_len=100), "list(range(1000))", errors.CollectionTooLarge),
    ],
)
def test_limits_are_distinct_uncatchable_errors(limits, code, cls):
    sb = Sandbox(limits=limits)
    sb.run("kept = [1, 2]\nd = {'a': 1}")
    guarded = "try:\n" + "\n".join("    " + line for line in code.splitlines()) + "\nexcept Exception:\n    print('caught')"
    with pytest.raises(cls) as e:
        sb.run("kept.append(3)\nd['b'] = 2\nlost = 1\n" + guarded)
    assert isinstance(e.value, rlm_rs.LimitExceeded)
    assert not isinstance(e.value, rlm_rs.ProgramError)
    # A limit error rolls the program back: the sandbox runs on, its
    # variables as they were before the program.
    assert sb.run("kept").result == [1, 2]
    assert sb.run("d").result == {"a": 1}
    assert "lost" not in sb.globals()


def test_sync_and_async_host_functions():
    seen = []

    def add(a, b=1):
        seen.append((a, b))
        return a + b

    async def fetch(url):
        await asyncio.sleep(0)
        return {"url": url, "status": 200}

    sb = Sandbox(functions={"add": add, "fetch": fetch})
    r = sb.run("r = fetch('u1')\nprint(add(2, b=5), r['status'])\n[add(1), fetch('u2')['url']]")
    assert r.output == "7 200\n"
    assert r.result == [2, "u2"]
    assert seen == [(2, 5), (1, 1)]


def test_host_function_exceptions_are_catchable_program_exceptions():
    def bad(x):
        raise ValueError(f"bad input {x}")

    async def abad():
        raise KeyError("nope")

    sb = Sandbox(functions={"bad": bad, "abad": abad})
    r = sb.run("try:\n    bad(3)\nexcept ValueError as e:\n    print('caught', e)")
    assert r.output == "caught bad input 3\n"
    with pytest.raises(ValueError, match="bad input 4"):
        sb.run("bad(4)")
    with pytest.raises(KeyError):
        sb.run("abad()")


def test_keyboard_interrupt_in_host_function_is_not_swallowed():
    def interrupt():
        raise KeyboardInterrupt

    sb = Sandbox(functions={"interrupt": interrupt})
    with pytest.raises(KeyboardInterrupt):
        sb.run("try:\n    interrupt()\nexcept Exception:\n    print('swallowed')")
    assert sb.run("2 * 3").result == 6


def test_suspend_and_resume():
    sb = Sandbox(external_functions=["lookup"])
    s = sb.start("a = lookup('x', n=1)\nprint('got', a)\nb = lookup('y')\na + b")
    assert isinstance(s, rlm_rs.Suspension)
    [call] = s.calls
    assert (call.name, call.args, call.kwargs) == ("lookup", ["x"], {"n": 1})
    s = sb.resume({call.id: 10})
    assert isinstance(s, rlm_rs.Suspension) and s.output == "got 10\n"
    r = sb.resume({s.calls[0].id: 5})
    assert isinstance(r, rlm_rs.SandboxResult) and r.result == 15


def test_resume_with_an_exception_raises_it_inside_the_program():
    sb = Sandbox(external_functions=["op"])
    s = sb.start("try:\n    op()\nexcept TimeoutError as e:\n    print('timeout:', e)")
    r = sb.resume({s.calls[0].id: TimeoutError("too slow")})
    assert r.output == "timeout: too slow\n"


def test_gathered_external_calls_come_together():
    sb = Sandbox(external_functions=["llm_query"])
    s = sb.start("import asyncio\nrs = await asyncio.gather(llm_query_async('a'), llm_query_async('b'))\nrs")
    assert [c.args for c in s.calls] == [["a"], ["b"]]
    r = sb.resume({c.id: c.args[0].upper() for c in s.calls})
    assert r.result == ["A", "B"]


def test_resume_misuse_is_a_clear_error():
    sb = Sandbox(external_functions=["op"])
    with pytest.raises(rlm_rs.ConfigError, match="no program is suspended"):
        sb.resume({1: 2})
    s = sb.start("op() + op()")
    with pytest.raises(rlm_rs.ConfigError, match="suspended"):
        sb.run("1")
    with pytest.raises(rlm_rs.ConfigError):
        sb.resume({999: 1})
    assert isinstance(sb.resume({s.calls[0].id: 1}), rlm_rs.Suspension)


def test_bad_input_types_are_clear_errors():
    sb = Sandbox(limits=Limits(max_str_len=1000, max_collection_len=100))
    with pytest.raises(TypeError, match="cannot enter the sandbox"):
        sb.run("x", inputs={"x": object()})
    with pytest.raises(TypeError, match="64 bits"):
        sb.run("x", inputs={"x": 2**70})
    with pytest.raises(TypeError, match="max_str_len"):
        sb.run("x", inputs={"x": "a" * 5000})
    with pytest.raises(TypeError, match="max_collection_len"):
        sb.run("x", inputs={"x": list(range(1000))})
    deep = []
    for _ in range(200):
        deep = [deep]
    with pytest.raises(TypeError, match="nested deeper"):
        sb.run("x", inputs={"x": deep})
    with pytest.raises(rlm_rs.ConfigError):
        sb.run("x", inputs={"not a name": 1})
    with pytest.raises(TypeError):
        sb.run(123)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Sandbox(limits={"fuel": 1})  # type: ignore[arg-type]
    with pytest.raises(rlm_rs.ConfigError, match="not callable"):
        Sandbox(functions={"f": 3})
    # Nothing was lost: the sandbox still runs.
    assert sb.run("1 + 2").result == 3


def test_huge_strings_in_and_out():
    sb = Sandbox()
    text = "abc" * 5_000_000  # 15 MB
    r = sb.run("len(t), t.count('c'), t[-2:]", inputs={"t": text})
    assert r.result == (15_000_000, 5_000_000, "bc")
    big = "x" * 2_000_000
    with pytest.raises(rlm_rs.SandboxSyntaxError):
        sb.run(big + " +")


def test_host_function_returning_unconvertible_value():
    sb = Sandbox(functions={"f": lambda: object()})
    r = sb.run("try:\n    f()\nexcept TypeError as e:\n    print('TypeError')")
    assert r.output == "TypeError\n"


def test_arun_awaits_async_host_functions_on_the_callers_loop():
    loops = []

    async def fetch(key):
        loops.append(asyncio.get_running_loop())
        await asyncio.sleep(0.01)
        return key.upper()

    def double(x):
        return x * 2

    sb = Sandbox(functions={"fetch": fetch, "double": double})

    async def main():
        r = await sb.arun("a = fetch(k)\nb = double(3)\nprint(a)\n(a, b)", inputs={"k": "xy"})
        g = await sb.arun("[fetch('p'), fetch('q')]")
        return r, g, asyncio.get_running_loop()

    r, g, loop = asyncio.run(main())
    assert r.result == ("XY", 6) and r.output == "XY\n"
    assert g.result == ["P", "Q"]
    assert loops and all(l is loop for l in loops)


def test_arun_raises_host_exceptions_inside_the_program_and_survives_cancellation():
    async def boom():
        raise ValueError("bad")


    async def slow():
        await asyncio.sleep(10)
        return 1

    sb = Sandbox(functions={"boom": boom, "slow": slow})

    async def main():
        r = await sb.arun("try:\n    boom()\nexcept ValueError as e:\n    m = str(e)\nm")
        assert r.result == "bad"
        task = asyncio.ensure_future(sb.arun("slow()"))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # The abandoned program does not block the next one.
        return await sb.arun("1 + 1")

    assert asyncio.run(main()).result == 2


def test_ctrl_c_interrupts_a_long_pure_computation(sigint_raises):
    import _thread
    import threading

    sb = Sandbox(limits=Limits(fuel=10_000_000_000))
    timer = threading.Timer(0.2, _thread.interrupt_main)
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        sb.run("i = 0\nwhile True:\n    i += 1")
    timer.join()
    # Interrupted, not killed: the sandbox runs the next program, globals kept.
    assert sb.run("i > 0").result is True
