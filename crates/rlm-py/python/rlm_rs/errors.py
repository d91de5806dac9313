"""Exceptions raised by rlm_rs.

Every error from the runtime is an ``RlmError``. Errors that ended a sandboxed
program are ``SandboxError``s and mirror the DSL's errors:

* ``SandboxSyntaxError`` (also a ``SyntaxError``): the program did not parse.
* ``ProgramError``: an uncaught exception inside the program. Its class is a
  subclass of both ``ProgramError`` and the matching built-in exception, so a
  ``ValueError`` raised by the program can be caught as ``ValueError``
  (``ProgramValueError``) and ``type_name`` holds the DSL's class name.
* ``LimitExceeded``: a sandbox limit (fuel, memory, string length, collection
  size, call depth, nesting, output, regex backtracking). Limit errors cannot
  be caught by the program and make the sandbox refuse further code.
"""

from __future__ import annotations

import builtins
from typing import Dict, Optional, Type


class RlmError(Exception):
    """Base class of every error raised by rlm_rs."""


class ConfigError(RlmError, ValueError):
    """Bad settings or arguments (an unknown model string, a bad limit...)."""


class ModelError(RlmError):
    """The root model failed (after its retries), e.g. a Python adapter raised."""


class SandboxError(RlmError):
    """An error that ended a sandboxed program.

    Attributes: ``type_name`` (the DSL's class name), ``message``, ``rendered``
    (the CPython-like traceback the model would read).
    """

    type_name: str
    message: str
    rendered: str

    def __init__(self, rendered: str, type_name: str = "", message: str = "") -> None:
        super().__init__(rendered)
        self.rendered = rendered
        self.type_name = type_name
        self.message = message


class SandboxSyntaxError(SandboxError, SyntaxError):
    """The program did not parse (or uses something the DSL leaves out)."""

    def __str__(self) -> str:  # SyntaxError's own __str__ wants filename/lineno
        return self.rendered


class ProgramError(SandboxError):
    """An uncaught exception raised inside the program."""


class LimitExceeded(SandboxError):
    """A sandbox limit ended the program (uncatchable inside it)."""


class FuelExhausted(LimitExceeded):
    """The program ran out of fuel (instructions plus builtin work)."""


class MemoryLimitExceeded(LimitExceeded, MemoryError):
    """The program's live values would exceed the memory budget."""


class StringTooLong(LimitExceeded):
    """A string would exceed ``max_str_len``."""


class CollectionTooLarge(LimitExceeded):
    """A list, dict or set would exceed ``max_collection_len``."""


class CallDepthExceeded(LimitExceeded, RecursionError):
    """The call stack would exceed ``max_call_depth``."""


class NestingTooDeep(LimitExceeded):
    """A value nests deeper than ``max_nesting``."""


class OutputLimitExceeded(LimitExceeded):
    """The program printed more than ``max_output_bytes``."""


class RegexLimitExceeded(LimitExceeded):
    """A regex needed more backtracking steps than allowed."""


_LIMITS: Dict[str, Type[LimitExceeded]] = {
    "fuel": FuelExhausted,
    "memory": MemoryLimitExceeded,
    "str_len": StringTooLong,
    "collection_len": CollectionTooLarge,
    "call_depth": CallDepthExceeded,
    "nesting": NestingTooDeep,
    "output": OutputLimitExceeded,
    "regex": RegexLimitExceeded,
}

# Program exceptions that are also the matching built-in exception.
_MIRRORED = [
    "ArithmeticError", "ZeroDivisionError", "OverflowError", "LookupError",
    "IndexError", "KeyError", "ValueError", "UnicodeError", "TypeError",
    "NameError", "UnboundLocalError", "AttributeError", "RuntimeError",
    "RecursionError", "NotImplementedError", "AssertionError", "StopIteration",
    "ImportError", "ModuleNotFoundError", "TimeoutError", "OSError",
]
_PROGRAM: Dict[str, Type[ProgramError]] = {}
for _name in _MIRRORED:
    _cls = type("Program" + _name, (ProgramError, getattr(builtins, _name)), {
        "__doc__": f"A {_name} the program raised and did not catch.",
        "__module__": __name__,
        # The built-in's own __str__ (KeyError quotes its argument) would hide the traceback.
        "__str__": lambda self: self.rendered,
        "__init__": SandboxError.__init__,
    })
    _PROGRAM[_name] = _cls
    globals()[_cls.__name__] = _cls
_PROGRAM["JSONDecodeError"] = _PROGRAM["ValueError"]
_PROGRAM["ReError"] = ProgramError


def limit_class(kind: str) -> Type[LimitExceeded]:
    """The exception class of a limit kind (``fuel``, ``memory``...)."""
    return _LIMITS.get(kind, LimitExceeded)


def program_class(type_name: str) -> Type[ProgramError]:
    """The exception class of an uncaught DSL exception named ``type_name``."""
    return _PROGRAM.get(type_name.rsplit(".", 1)[-1], ProgramError)


def host_error_name(exc: BaseException) -> Optional[str]:
    """The built-in class a host function's exception maps to inside the program."""
    for cls in type(exc).__mro__:
        if cls.__module__ == "builtins" and cls.__name__ in _PROGRAM:
            return cls.__name__
    return None
