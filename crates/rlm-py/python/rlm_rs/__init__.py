"""rlm_rs: Recursive Language Models on a Rust runtime.

* ``Sandbox`` runs programs in the DSL (a strict subset of Python 3) with
  fuel, memory and size limits; host functions are Python callables.
* ``RLM`` answers a query over a ``Context`` with a root model that writes
  programs, shaped like pyrlm-runtime's API (``from rlm_rs.adapters import
  FakeAdapter`` and friends).

Where the semantics differ from CPython or from pyrlm-runtime, the docstrings
say so (see also the package README).
"""

from . import errors
from ._native import (
    Context,
    FileCache,
    HostCall,
    Limits,
    Sandbox,
    SandboxResult,
    Suspension,
    __version__,
)
from .policy import (
    MaxRecursionExceeded,
    MaxStepsExceeded,
    MaxSubcallsExceeded,
    MaxTokensExceeded,
    Policy,
    PolicyError,
)
from .rlm import RLM
from .trace import Step, Trace
from .errors import (
    Cancelled,
    ConfigError,
    LimitExceeded,
    ModelError,
    ProgramError,
    RlmError,
    SandboxError,
    SandboxSyntaxError,
)

__all__ = [
    "RLM",
    "Context",
    "FileCache",
    "MaxRecursionExceeded",
    "MaxStepsExceeded",
    "MaxSubcallsExceeded",
    "MaxTokensExceeded",
    "Policy",
    "PolicyError",
    "Step",
    "Trace",
    "Cancelled",
    "ConfigError",
    "HostCall",
    "LimitExceeded",
    "Limits",
    "ModelError",
    "ProgramError",
    "RlmError",
    "Sandbox",
    "SandboxError",
    "SandboxResult",
    "SandboxSyntaxError",
    "Suspension",
    "__version__",
    "errors",
]
