"""pyrlm-runtime's REPL (``pyrlm_runtime.env``): ``PythonREPL`` and ``ExecResult``,
on the runtime's sandbox (``Sandbox``) instead of CPython's ``exec``.

``PythonREPL().exec(code)`` runs ``code`` in a sandbox whose globals persist
between calls and returns ``ExecResult(stdout, error)``: the printed output
(with the value of a last bare expression printed, as pyrlm's), and
``"ExcType: message"`` when it failed (the error is also the ``_stderr``
global, as pyrlm's). ``set(name, value)`` binds a value (a callable becomes a
host function), ``get(name)`` reads one. Programs are our DSL (a strict
subset of Python 3: no classes, no imports but the sandbox's modules);
``exec_timeout`` is refused for anything but pyrlm's default (programs are
bounded by fuel, ``limits=``), ``allowed_modules``/``allowed_builtins`` too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional

from ._native import Limits, Sandbox
from .errors import ConfigError, LimitExceeded, ProgramError, SandboxSyntaxError


@dataclass(frozen=True)
class ExecResult:
    """What one ``exec`` printed, and its error (``None`` when it succeeded)."""

    stdout: str
    error: Optional[str]


class PythonREPL:
    """A persistent REPL over the runtime's sandbox (see the module docs)."""

    def __init__(
        self,
        *,
        stdout_limit: int = 16000,
        allowed_modules: Optional[Dict[str, Any]] = None,
        allowed_builtins: Optional[Dict[str, Any]] = None,
        exec_timeout: Optional[float] = 60.0,
        limits: Optional[Limits] = None,
    ) -> None:
        if allowed_modules is not None or allowed_builtins is not None:
            raise ConfigError(
                "PythonREPL(allowed_modules=/allowed_builtins=) is not supported by rlm_rs: "
                "programs run in the sandbox with its fixed builtins and modules; add host "
                "functions with set(name, callable)"
            )
        if exec_timeout != 60.0:
            raise ConfigError(
                "PythonREPL(exec_timeout=) is not supported by rlm_rs: programs are bounded by "
                "fuel (limits=Limits(fuel=)), not by a clock"
            )
        self._stdout_limit = stdout_limit
        self._limits = limits
        self._functions: Dict[str, Callable[..., Any]] = {}
        self._pending: Dict[str, Any] = {}
        self._sandbox = self._new_sandbox()

    def _new_sandbox(self) -> Sandbox:
        if self._limits is None:
            return Sandbox(functions=dict(self._functions))
        return Sandbox(limits=self._limits, functions=dict(self._functions))

    def exec(self, code: str) -> ExecResult:
        """Runs ``code``; returns what it printed and its error."""
        if not code.strip():
            return ExecResult(stdout="", error=None)
        inputs, self._pending = self._pending, {}
        error: Optional[str] = None
        stdout = ""
        try:
            result = self._sandbox.run(code, inputs=inputs)
            stdout = result.output
            value = result.result
            last = code.strip().splitlines()[-1]
            if value is not None and not last.startswith((" ", "\t")) and "=" not in last.split("(")[0]:
                stdout += f"{value}\n"
        except SandboxSyntaxError as exc:
            error = f"SyntaxError: {exc.msg} (line {exc.lineno})"
        except LimitExceeded as exc:
            # The sandbox rolled the program back: its globals are as they were before it.
            error = f"{type(exc).__name__}: {exc} (variables are as they were before this program)"
        except ProgramError as exc:
            error = f"{_builtin_name(exc)}: {exc}"
        if len(stdout) > self._stdout_limit:
            stdout = stdout[: self._stdout_limit] + "\n... [truncated]"
        self._pending["_stderr"] = error or ""
        return ExecResult(stdout=stdout, error=error)

    def get(self, name: str) -> Any:
        """The global ``name`` (None when unbound)."""
        if name in self._pending:
            return self._pending[name]
        return self._sandbox.globals().get(name)

    def set(self, name: str, value: Any) -> None:
        """Binds ``name``: a callable becomes a host function, a value a global."""
        if callable(value):
            self._functions[name] = value
            self._sandbox.register(name, value)
        else:
            self._pending[name] = value

    def snapshot_state(self) -> Dict[str, str]:
        """The globals' reprs (at most 200 characters each)."""
        g = dict(self._sandbox.globals())
        g.update(self._pending)
        return {k: repr(v)[:200] for k, v in g.items() if not k.startswith("_")}

    def describe_state(self, max_items: int = 20) -> str:
        """One line per global (``name: repr``), at most ``max_items``."""
        items = list(self.snapshot_state().items())[:max_items]
        return "\n".join(f"{k}: {v}" for k, v in items)


def _builtin_name(exc: BaseException) -> str:
    for cls in type(exc).__mro__:
        if cls.__module__ == "builtins":
            return cls.__name__
    return type(exc).__name__


__all__ = ["ExecResult", "PythonREPL"]
