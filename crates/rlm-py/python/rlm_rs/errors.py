"""Exceptions raised by rlm_rs.

Every error from the runtime is an ``RlmError``. Errors that ended a sandboxed
program are ``SandboxError``s and mirror the DSL's errors:

* ``SandboxSyntaxError`` (also a ``SyntaxError``): the program did not parse.
* ``ProgramError``: an uncaught exception inside the program. Its class is a
  subclass of both ``ProgramError`` and the matching built-in exception, so a
  ``ValueError`` raised by the program can be caught as ``ValueError``
  (``ProgramValueError``) and ``type_name`` holds the DSL's class name.
* ``LimitExceeded``: a sandbox limit (fuel, memory, string length, collection
  size, call depth, nesting, output, regex backtracking, wall time). Limit
  errors cannot be caught by the program; the sandbox is rolled back to its
  state before the program (its globals as they were) and runs the next one.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Type


class RlmError(Exception):
    """Base class of every error raised by rlm_rs."""


class ConfigError(RlmError, ValueError):
    """Bad settings or arguments (an unknown model string, a bad limit...)."""


class ModelError(RlmError):
    """The root model failed (after its retries), e.g. a Python adapter raised
    (that exception is the ``ModelError``'s ``__cause__``)."""


class SchemaError(RlmError):
    """The run has an output schema (``RLM(output_schema=...)`` or
    ``config={"output.schema": ...}``) and ended with no answer matching it
    (its finish is ``schema_failed``), or the answer failed the pydantic
    model's own validation.

    Attributes: ``candidate`` (the last answer, a str that fails the schema;
    ``None`` if there was none), ``reason`` (the failing paths and what was
    expected there), ``trace`` (the run's ``Trace``).
    """

    def __init__(self, reason: str, candidate: Optional[str] = None, trace: Any = None) -> None:
        super().__init__(f"schema_failed: {reason}")
        self.reason = reason
        self.candidate = candidate
        self.trace = trace


class Cancelled(RlmError):
    """The run was cancelled from another thread or task (``Sandbox.cancel()``)."""


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

    def __str__(self) -> str:
        # The traceback, whatever built-in class is mixed in (KeyError's own
        # __str__ would quote it, SyntaxError's wants filename/lineno).
        return self.rendered


class SandboxSyntaxError(SandboxError, SyntaxError):
    """The program did not parse (or uses something the DSL leaves out).

    As a ``SyntaxError``: ``msg`` (the message), ``filename`` (``"<sandbox>"``),
    ``lineno`` and ``offset`` (1-based line and column, in characters),
    ``text`` (the line), when the error has a place.
    """

    def __init__(
        self,
        rendered: str,
        type_name: str = "SyntaxError",
        message: str = "",
        lineno: Optional[int] = None,
        offset: Optional[int] = None,
        text: Optional[str] = None,
    ) -> None:
        super().__init__(rendered, type_name, message)
        self.msg = message
        self.filename = "<sandbox>"
        self.lineno = lineno
        self.offset = offset
        self.text = text


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


class WallTimeExceeded(LimitExceeded, TimeoutError):
    """The run's time budget ran out while the program ran."""


_LIMITS: Dict[str, Type[LimitExceeded]] = {
    "fuel": FuelExhausted,
    "memory": MemoryLimitExceeded,
    "str_len": StringTooLong,
    "collection_len": CollectionTooLarge,
    "call_depth": CallDepthExceeded,
    "nesting": NestingTooDeep,
    "output": OutputLimitExceeded,
    "regex": RegexLimitExceeded,
    "wall_time": WallTimeExceeded,
}

# Program exceptions that are also the matching built-in exception (written
# out, not made at run time, so type checkers see them).


class ProgramArithmeticError(ProgramError, ArithmeticError):
    """A ArithmeticError the program raised and did not catch."""


class ProgramZeroDivisionError(ProgramError, ZeroDivisionError):
    """A ZeroDivisionError the program raised and did not catch."""


class ProgramOverflowError(ProgramError, OverflowError):
    """A OverflowError the program raised and did not catch."""


class ProgramLookupError(ProgramError, LookupError):
    """A LookupError the program raised and did not catch."""


class ProgramIndexError(ProgramError, IndexError):
    """A IndexError the program raised and did not catch."""


class ProgramKeyError(ProgramError, KeyError):
    """A KeyError the program raised and did not catch."""


class ProgramValueError(ProgramError, ValueError):
    """A ValueError the program raised and did not catch."""


class ProgramUnicodeError(ProgramError, UnicodeError):
    """A UnicodeError the program raised and did not catch."""


class ProgramTypeError(ProgramError, TypeError):
    """A TypeError the program raised and did not catch."""


class ProgramNameError(ProgramError, NameError):
    """A NameError the program raised and did not catch."""


class ProgramUnboundLocalError(ProgramError, UnboundLocalError):
    """A UnboundLocalError the program raised and did not catch."""


class ProgramAttributeError(ProgramError, AttributeError):
    """A AttributeError the program raised and did not catch."""


class ProgramRuntimeError(ProgramError, RuntimeError):
    """A RuntimeError the program raised and did not catch."""


class ProgramRecursionError(ProgramError, RecursionError):
    """A RecursionError the program raised and did not catch."""


class ProgramNotImplementedError(ProgramError, NotImplementedError):
    """A NotImplementedError the program raised and did not catch."""


class ProgramAssertionError(ProgramError, AssertionError):
    """A AssertionError the program raised and did not catch."""


class ProgramStopIteration(ProgramError, StopIteration):
    """A StopIteration the program raised and did not catch."""


class ProgramImportError(ProgramError, ImportError):
    """A ImportError the program raised and did not catch."""


class ProgramModuleNotFoundError(ProgramError, ModuleNotFoundError):
    """A ModuleNotFoundError the program raised and did not catch."""


class ProgramTimeoutError(ProgramError, TimeoutError):
    """A TimeoutError the program raised and did not catch."""


class ProgramOSError(ProgramError, OSError):
    """A OSError the program raised and did not catch."""


_PROGRAM: Dict[str, Type[ProgramError]] = {
    "ArithmeticError": ProgramArithmeticError,
    "ZeroDivisionError": ProgramZeroDivisionError,
    "OverflowError": ProgramOverflowError,
    "LookupError": ProgramLookupError,
    "IndexError": ProgramIndexError,
    "KeyError": ProgramKeyError,
    "ValueError": ProgramValueError,
    "UnicodeError": ProgramUnicodeError,
    "TypeError": ProgramTypeError,
    "NameError": ProgramNameError,
    "UnboundLocalError": ProgramUnboundLocalError,
    "AttributeError": ProgramAttributeError,
    "RuntimeError": ProgramRuntimeError,
    "RecursionError": ProgramRecursionError,
    "NotImplementedError": ProgramNotImplementedError,
    "AssertionError": ProgramAssertionError,
    "StopIteration": ProgramStopIteration,
    "ImportError": ProgramImportError,
    "ModuleNotFoundError": ProgramModuleNotFoundError,
    "TimeoutError": ProgramTimeoutError,
    "OSError": ProgramOSError,
}
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
