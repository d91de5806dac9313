"""rlm_rs: Recursive Language Models on a Rust runtime.

* ``Sandbox`` runs programs in the DSL (a strict subset of Python 3) with
  fuel, memory and size limits; host functions are Python callables.
* ``RLM`` answers a query over a ``Context`` with a root model that writes
  programs, shaped like pyrlm-runtime's API: ``import pyrlm_runtime`` becomes
  ``import rlm_rs`` (its submodules ``adapters``, ``policy``, ``trace``,
  ``events``, ``cache``, ``prompts``, ``router``, ``rerank``, ``multiquery``,
  ``retrieval``, ``env``, ``env_monty``, ``rich_trace`` carry pyrlm's names).

Where the semantics differ from CPython or from pyrlm-runtime, the docstrings
say so (see also the package README's compatibility table); a pyrlm name that
is not supported raises ``ConfigError`` saying why.
"""

from . import errors
from ._native import (
    Context,
    HostCall,
    Limits,
    Sandbox,
    SandboxResult,
    Suspension,
    __version__,
)
from .adapters.base import ModelAdapter, ModelResponse, Usage
from .cache import CacheRecord, FileCache
from .env import ExecResult, PythonREPL
from .events import RLMEvent, RLMEventListener
from .multiquery import QueryRewriter, union_pool
from .policy import (
    MaxRecursionExceeded,
    MaxStepsExceeded,
    MaxSubcallsExceeded,
    MaxTokensExceeded,
    Policy,
    PolicyError,
)
from .rerank import ListwiseReranker, RerankerProtocol, TournamentReranker, ndcg_at_k, recall_at_k
from .retrieval import (
    AsyncElasticsearchRetriever,
    AsyncRetrieverProtocol,
    ElasticsearchRetriever,
    RetrieverProtocol,
)
from .rlm import RLM
from .router import ExecutionProfile, RouterConfig, RouterResult, SmartRouter, TraceFormatter
from .trace import Step, Trace, TraceStep
from .errors import (
    Cancelled,
    ConfigError,
    LimitExceeded,
    ModelError,
    ProgramError,
    RlmError,
    SandboxError,
    SandboxSyntaxError,
    SchemaError,
)

__all__ = [
    "RLM",
    "AsyncElasticsearchRetriever",
    "AsyncRetrieverProtocol",
    "CacheRecord",
    "Context",
    "ElasticsearchRetriever",
    "ExecResult",
    "ExecutionProfile",
    "FileCache",
    "ListwiseReranker",
    "MaxRecursionExceeded",
    "MaxStepsExceeded",
    "MaxSubcallsExceeded",
    "MaxTokensExceeded",
    "ModelAdapter",
    "ModelResponse",
    "Policy",
    "PolicyError",
    "PythonREPL",
    "QueryRewriter",
    "RLMEvent",
    "RLMEventListener",
    "RerankerProtocol",
    "RetrieverProtocol",
    "RouterConfig",
    "RouterResult",
    "SmartRouter",
    "Step",
    "TournamentReranker",
    "Trace",
    "TraceFormatter",
    "TraceStep",
    "Usage",
    "ndcg_at_k",
    "recall_at_k",
    "union_pool",
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
    "SchemaError",
    "Suspension",
    "__version__",
    "errors",
]
