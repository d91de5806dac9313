"""pyrlm-runtime's Monty REPL (``pyrlm_runtime.env_monty``): ``MontyREPL`` is the
runtime's sandbox here too (``rlm_rs.env.PythonREPL``; pydantic-monty is not
used), so ``MONTY_AVAILABLE`` is ``True``. ``MontyLimits`` is refused for
anything but its defaults: pass ``limits=rlm_rs.Limits(...)``.
"""

from __future__ import annotations

from typing import Any, Optional

from ._native import Limits
from .env import ExecResult, PythonREPL
from .errors import ConfigError

#: The sandbox is always there (it is the runtime's, not pydantic-monty).
MONTY_AVAILABLE: bool = True


class MontyREPL(PythonREPL):
    """``PythonREPL`` under pyrlm's Monty name (see the module docs)."""

    def __init__(self, *, stdout_limit: int = 4000, limits: Any = None) -> None:
        if limits is not None and not isinstance(limits, Limits):
            raise ConfigError(
                "MontyREPL(limits=MontyLimits(...)) is not supported by rlm_rs: the sandbox's "
                "limits are rlm_rs.Limits(fuel=, memory_bytes=, ...)"
            )
        own: Optional[Limits] = limits
        super().__init__(stdout_limit=stdout_limit, limits=own)


__all__ = ["ExecResult", "MONTY_AVAILABLE", "MontyREPL"]
