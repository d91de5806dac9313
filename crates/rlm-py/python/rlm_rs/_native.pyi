"""Type stubs of the native module (the Rust side of rlm_rs)."""

import os
from typing import (
    Any, Awaitable, Callable, Dict, FrozenSet, List, Mapping, Optional, Sequence, Set, Tuple, Union,
)

__version__: str

from .adapters.base import ModelResponse

class Limits:
    """Resource limits of a sandbox; every field is also a keyword argument."""

    fuel: int
    memory_bytes: int
    max_str_len: int
    max_collection_len: int
    max_call_depth: int
    max_nesting: int
    max_output_bytes: int
    regex_backtrack_limit: int
    def __init__(
        self,
        *,
        fuel: Optional[int] = None,
        memory_bytes: Optional[int] = None,
        max_str_len: Optional[int] = None,
        max_collection_len: Optional[int] = None,
        max_call_depth: Optional[int] = None,
        max_nesting: Optional[int] = None,
        max_output_bytes: Optional[int] = None,
        regex_backtrack_limit: Optional[int] = None,
    ) -> None: ...

#: A value that can be a dict key or a set member in a program.
SandboxKey = Union[None, bool, int, float, str, Tuple["SandboxKey", ...]]
#: A program's value as Python gets it (``SandboxResult.result``): the
#: interpreter's None, bool, int, float, str, list, tuple, dict, set and
#: frozenset; a value with no Python form (a function, a module, an
#: iterator) comes out as its ``repr`` text.
SandboxValue = Union[
    None, bool, int, float, str,
    List["SandboxValue"], Tuple["SandboxValue", ...], Dict[SandboxKey, "SandboxValue"],
    Set[SandboxKey], FrozenSet[SandboxKey],
]

class SandboxResult:
    """A finished program: its last expression's value (or FINAL's), and its output."""

    result: SandboxValue
    output: str
    is_final: bool
    fuel_used: int

class HostCall:
    """A call the program waits for; answer it with ``Sandbox.resume({id: value})``."""

    id: int
    name: str
    args: List[Any]
    kwargs: Dict[str, Any]

class Suspension:
    """A program stopped at host calls (``calls``), with what it printed so far."""

    calls: List[HostCall]
    output: str

class Sandbox:
    """The DSL interpreter with limits. Globals persist between runs.

    ``functions``: Python callables the program may call (sync ones run
    inline, ``async def`` ones make the program suspend and run together on a
    private event loop). ``external_functions``: names whose calls
    ``start``/``resume`` hand to the caller.
    """

    def __init__(
        self,
        *,
        limits: Optional[Limits] = None,
        functions: Optional[Mapping[str, Callable[..., Any]]] = None,
        external_functions: Optional[Sequence[str]] = None,
    ) -> None: ...
    def register(self, name: str, func: Callable[..., Any]) -> None: ...
    def run(self, code: str, *, inputs: Optional[Mapping[str, Any]] = None) -> SandboxResult: ...
    async def arun(self, code: str, *, inputs: Optional[Mapping[str, Any]] = None) -> SandboxResult:
        """``run`` for asyncio: the program runs off the event loop;
        ``async def`` host functions are awaited on the running loop.
        Cancelling the task stops the program."""
    def cancel(self) -> None:
        """Stops the running program (and calls queued before this one) from
        any thread; its caller gets ``rlm_rs.errors.Cancelled``."""
    def _function(self, name: str) -> Optional[Callable[..., Any]]: ...
    def _abandon(self) -> None: ...
    def start(
        self, code: str, *, inputs: Optional[Mapping[str, Any]] = None
    ) -> Union[SandboxResult, Suspension]: ...
    def resume(self, results: Mapping[int, Any]) -> Union[SandboxResult, Suspension]: ...
    def globals(self) -> Dict[str, Any]: ...
    @property
    def limits(self) -> Limits: ...

class Context:
    """The context an RLM explores (held once, in Rust)."""

    @staticmethod
    def from_text(text: str) -> "Context": ...
    @staticmethod
    def from_documents(documents: Sequence[str], separator: Optional[str] = None) -> "Context": ...
    @staticmethod
    def from_file(path: Union[str, "os.PathLike[str]"]) -> "Context": ...
    @property
    def text(self) -> str: ...
    def slice(self, start: Optional[int] = None, end: Optional[int] = None) -> str: ...
    def len_chars(self) -> int: ...
    def num_documents(self) -> int: ...
    def get_document(self, index: int) -> str: ...
    def metadata(self) -> str: ...
    def __len__(self) -> int: ...

class FileCache:
    """Persistent subcall cache in the folder ``root``."""

    def __init__(self, root: str = ".rlm_cache") -> None: ...
    @property
    def root(self) -> str: ...
    def get(self, key: str) -> Optional[Tuple[str, int, int]]: ...
    def set(self, key: str, text: str, prompt_tokens: int, completion_tokens: int) -> bool: ...

class FakeAdapter:
    """pyrlm-runtime's scripted model: rules first, then the script."""

    def __init__(self, *, script: Optional[Sequence[str]] = None, model: Optional[str] = None) -> None: ...
    def add_rule(self, pattern: str, response: str, *, regex: bool = False, once: bool = False) -> None: ...
    @property
    def calls(self) -> int: ...

class Adapter:
    """Any provider by model string (``"openai:gpt-5-mini"``, ``"ollama:llama3"``...)."""

    def __init__(self, model: str) -> None: ...
    @property
    def model_id(self) -> str: ...
    @property
    def endpoint(self) -> Optional[str]: ...
    def close(self) -> None: ...
    def complete(
        self,
        messages: Sequence[Mapping[str, str]],
        *,
        max_tokens: Optional[int] = None,
        temperature: Optional[float] = None,
    ) -> "ModelResponse": ...

def openai_compat_adapter(
    model: str, *, base_url: Optional[str] = None, api_key: Optional[str] = None
) -> Adapter: ...

def azure_openai_adapter(
    model: str, *, api_version: Optional[str] = None, timeout: float = 180.0
) -> Adapter: ...
def vertex_ai_adapter(
    project_id: str, *, location: str = "us-central1", model: str = "gemini-2.5-pro",
    timeout: float = 600.0, max_retries: int = 3,
) -> Adapter: ...
def generic_chat_adapter(
    *,
    endpoint: Optional[str] = None,
    base_url: Optional[str] = None,
    path: str = "/chat/completions",
    model: Optional[str] = None,
    api_key: Optional[str] = None,
    headers: Optional[List[Tuple[str, str]]] = None,
    timeout: float = 60.0,
    max_retries: int = 3,
    retry_base_delay: float = 1.0,
    retry_max_delay: float = 30.0,
) -> Adapter: ...

class Engine:
    def __init__(self, adapter: Any, **settings: Any) -> None: ...
    def run(self, query: str, context: Context) -> Tuple[Optional[str], str, str, int, str]: ...
    def arun(self, query: str, context: Context) -> Awaitable[Tuple[Optional[str], str, str, int, str]]: ...
    def cancel(self) -> None: ...


def prompt_template(name: str, profile: str = "full") -> str: ...
def ndcg_at_k(ranked: Sequence[str], qrels: Mapping[str, int], k: int = 10) -> float: ...
def recall_at_k(ranked: Sequence[str], qrels: Mapping[str, int], k: int = 10) -> float: ...


class Reranker:
    @staticmethod
    def listwise(
        adapter: Any, *, window_size: int, step: int, max_passage_chars: int, max_tokens: int,
        cache: Optional[FileCache] = None,
    ) -> "Reranker": ...
    @staticmethod
    def tournament(
        adapter: Any, *, batch_size: int, keep_per_batch: int, seed: int, max_passage_chars: int,
        max_tokens: int, cache: Optional[FileCache] = None,
    ) -> "Reranker": ...
    def rerank(self, query: str, candidates: List[Tuple[str, str]], top_k: int) -> Tuple[List[int], int, int, List[str]]: ...
    def counts(self) -> Tuple[int, int]: ...


class QueryRewriter:
    def __init__(
        self, adapter: Any, *, n: int, system_prompt: Optional[str] = None, max_tokens: int,
        cache: Optional[FileCache] = None,
    ) -> None: ...
    def rewrite(self, query: str) -> List[str]: ...
    def counts(self) -> Tuple[int, int]: ...
    @property
    def system_prompt(self) -> str: ...


class ElasticRetriever:
    def __init__(
        self, url: str, index: str, *, api_key: Optional[str] = None, text_field: str = "content",
        vector_field: str = "embedding", embedding_model: Optional[str] = None,
        embedding_base_url: str = "https://api.openai.com/v1", embedding_api_key: Optional[str] = None,
        client_rrf: bool = False, timeout_s: float = 30.0,
    ) -> None: ...
    def search(self, query: str, top_k: int = 10, filters_json: Optional[str] = None) -> str: ...
    def vector_search(self, query: str, top_k: int = 10, filters_json: Optional[str] = None) -> str: ...
    def hybrid_search(self, query: str, top_k: int = 10, filters_json: Optional[str] = None) -> str: ...
    def get(self, doc_id: str) -> str: ...
