"""``RLM``: pyrlm-runtime's entry point over the Rust runtime."""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Tuple, TypedDict, Union

if TYPE_CHECKING:
    # For mypy only (PEP 692): ``**options: Unpack[...]`` types each keyword.
    from typing_extensions import Unpack

from ._native import Context, Engine, Limits
from .cache import FileCache
from .errors import ConfigError, SchemaError
from .events import ListenerBridge, wants_bridge
from .policy import Policy
from .trace import Trace

#: pyrlm-runtime's ``repl_backend`` values; each runs programs in our sandbox.
REPL_BACKENDS = frozenset({"python", "monty"})

#: pyrlm-runtime's ``RLM`` options this runtime refuses when set to anything
#: but pyrlm's default: ``name -> (pyrlm's default, why)``. Passing the
#: default is accepted (it asks for nothing different).
REFUSED_OPTIONS: Dict[str, Tuple[Any, str]] = {
    "recursive_subcall_system_prompt": (None, "sub-RLMs use the root system prompt (system_prompt=)"),
    "auto_finalize_min_length": (0, "auto-finalize has no length filter here"),
    "auto_finalize_reject_patterns": (None, "auto-finalize has no reject patterns here"),
    "auto_finalize_reject_limit": (3, "auto-finalize has no reject patterns here"),
    "auto_finalize_reject_feedback": (None, "auto-finalize has no reject patterns here"),
    "logger": (None, "every step is a trace event: pass event_listener= (or read trace.events)"),
    "loop_collapse_limit": (5, "repeated programs are escaped by rlm's helps, which have no such count"),
    "depth": (0, "the depth of a sub-RLM is the runtime's; a new RLM is the root (depth 0)"),
    "recursion_impl": ("child", "sub-RLMs are always children in the same budget tree"),
    "recursive_subcall_max_steps": (3, "sub-RLMs share the tree's budget (Policy(max_steps=))"),
    "repl_exec_timeout": (60.0, "programs are bounded by fuel (Limits(fuel=)), not by a clock"),
    "max_history_tokens": (0, "history is bounded by compaction=True"),
    "compaction_threshold_tokens": (80000, "compaction triggers at compaction_threshold_pct of the window"),
    "compaction_model_context_limit": (0, "the window is the root model's own"),
    "compaction_model_name": ("", "compaction summarises with the root model"),
    "compaction_summary_max_tokens": (800, "the summary's size is the compaction prompt's"),
    "min_steps": (0, "FINAL ends the run; require_repl_before_final=True asks for a program first"),
    "rlm_diagnostics": (False, "the trace (trace.events) carries every step's details"),
    "repl_extensions": (None, "programs run in a sandbox: register tools with Sandbox(functions=) or the retriever="),
    "system_prompt_supplement": ("", "pass the whole prompt as system_prompt= ({{functions}} is filled in)"),
    "doc_tools": (None, "programs run in a sandbox: host callables are Sandbox(functions=), not RLM options"),
    "log_truncate_code": (2000, "the trace keeps whole texts; there is no log to truncate"),
    "log_truncate_output": (1000, "the trace keeps whole texts; there is no log to truncate"),
    "log_truncate_prompt_summary": (2000, "the trace keeps whole texts; there is no log to truncate"),
}


class PyrlmOnlyOptions(TypedDict, total=False):
    """The keywords of pyrlm's ``RLM`` that only take pyrlm's default here
    (``REFUSED_OPTIONS`` says why), with pyrlm's types: ``RLM(...)`` is typed
    keyword by keyword, so mypy reports a misspelt one."""

    recursive_subcall_system_prompt: Optional[str]
    auto_finalize_min_length: int
    auto_finalize_reject_patterns: Optional[List[str]]
    auto_finalize_reject_limit: int
    auto_finalize_reject_feedback: Optional[str]
    logger: Any
    loop_collapse_limit: Optional[int]
    depth: int
    recursion_impl: str
    recursive_subcall_max_steps: int
    repl_exec_timeout: Optional[float]
    max_history_tokens: int
    compaction_threshold_tokens: int
    compaction_model_context_limit: int
    compaction_model_name: str
    compaction_summary_max_tokens: int
    min_steps: int
    rlm_diagnostics: bool
    repl_extensions: Any
    system_prompt_supplement: str
    doc_tools: Optional[Dict[str, Any]]
    log_truncate_code: int
    log_truncate_output: int
    log_truncate_prompt_summary: int


#: What ``run`` returns when the run ended without an answer (cancelled, or
#: nothing to salvage), as pyrlm's ``NO_ANSWER``; ``trace.finish`` says why.
NO_ANSWER = "NO_ANSWER"


def _check_refused(options: Dict[str, Any]) -> None:
    for name, value in options.items():
        default, why = REFUSED_OPTIONS[name]
        if value != default:
            raise ConfigError(f"RLM({name}={value!r}) is not supported by rlm_rs: {why}")


class RLM:
    """A Recursive Language Model: the root model writes programs that explore
    the context in a sandbox and call sub-models.

    Parameters follow pyrlm-runtime's ``RLM``. Where ours differ:

    * Programs are written in our DSL (a strict subset of Python 3) and run in
      a sandbox with fuel and memory limits (``limits``), never with ``exec``.
    * ``repl_backend`` takes pyrlm's values (``"python"``, ``"monty"``); both
      mean our sandbox, and ``rlm.repl_backend`` says so (``"rlm_rs"``).
    * ``system_prompt`` replaces the root model's system prompt; the
      placeholders ``{{functions}}``, ``{{tools}}`` and ``{{max_output_chars}}``
      are filled in when it has them.
    * Every other option of pyrlm's ``RLM`` is accepted: ``max_tokens``,
      ``cache_dir``, ``max_concurrent_subcalls``, ``fallback_guard_steps``,
      ``subcall_guard_steps`` and ``subcall_max_output_tokens`` are mapped; the rest
      (``REFUSED_OPTIONS``) raise ``ConfigError`` saying why unless given
      pyrlm's default.
    * Programs get pyrlm's in-program API: ``ctx.find``/``ctx.chunk`` return
      ``(start, end, text)`` tuples, ``extract_after`` the first word, the
      ``llm_query_json``/``*_records``/``ask_chunk(ed)`` forms exist.
    * ``conversation_history`` must be ``True`` (the model always sees its
      earlier programs and their output; ``compaction`` bounds that history).
    * ``event_listener``: an object with pyrlm's ``handle`` gets ``RLMEvent`` s
      (``rlm_rs.events``); a callable, or an object with ``on_event``, gets
      each trace event as a dict while the run proceeds (from a runtime
      thread; an exception it raises goes to ``sys.unraisablehook``).
    * ``policy``: its budgets bound the run; its counters (``steps``,
      ``subcalls``, ``total_tokens``, ``subcall_tokens``) grow by what each
      run spent, as pyrlm's.
    * ``subcall_system_prompt`` replaces the sub-model calls' system prompt
      (``llm_query``, ``ask``...; sub-RLMs keep the root's).
    * ``subcall_max_output_tokens`` (and pyrlm's deprecated alias
      ``subcall_max_tokens``) caps each sub-model reply (``llm_query``...; a
      program's own ``max_tokens=`` wins). ``None`` (ours): no cap of ours, the
      model's own.
    * ``fallback_guard_steps``: from this root step on, a step that leaves
      ``auto_finalize_var`` without an answer (unset, or ``""``,
      ``"NO_ANSWER"``, ``"none"``, ``"0"``) runs ``fallback_code`` (once); the
      variable's value then ends the run, as pyrlm's. Overrides
      ``guards.fallback_steps`` of ``config=``.
    * ``subcall_guard_steps``: with ``require_subcall_before_final``, from
      this root step on a run that has made no subcall runs ``fallback_code``
      (once), as pyrlm's. Overrides ``guards.subcall_steps`` of ``config=``.
    * ``repl_error_limit``: after this many failing programs in a row the run
      ends with a graceful answer (pyrlm counts failing programs in all and
      then runs ``fallback_code``).
    * ``retriever``: an object with pyrlm's ``search``, ``vector_search``,
      ``hybrid_search`` and ``get`` serves the programs' ``es_search``,
      ``es_vector_search``, ``es_hybrid_search`` and ``es_get`` (see
      ``rlm_rs.retrieval``).
    * ``llm_query`` is always a plain subcall; recursion is ``rlm_query``,
      allowed to ``max_recursion_depth`` levels when ``recursive_subcalls``.
    * Subcalls a program makes together (``llm_batch``, ``asyncio.gather``)
      run concurrently, at most ``max_concurrency`` at once (the scheduler's
      default when ``None``). ``parallel_subcalls=False`` makes that limit 1
      (every subcall, ``llm_batch``'s too, runs alone); ``True`` or ``None``
      keep ``max_concurrency``.
    * ``compaction=True`` summarises old turns at ``compaction_threshold_pct``
      of the root model's window (default 0.8).
    * ``config``: settings by the names every front end uses (the keys of
      ``rlm.toml``, ``rlm config`` lists them): ``{"limits.fuel": 100_000,
      "limits.memory_bytes": 10_000_000, "guards.require_subcall": True,
      "rate_limits": "*=rpm:600"}``. The budgets, sandbox limits, guards,
      concurrency and rates are taken; any other knob raises ``ValueError``
      naming it. A knob it names wins over the argument above that sets the
      same thing.
    * ``record=PATH`` writes every model exchange of each run (root calls and
      subcalls) to a JSONL recording; ``replay=PATH`` answers every call from
      one instead of the adapters (offline; a request it does not hold raises
      ``ModelError`` with a diff against the nearest recorded request). The
      ``record`` and ``replay`` knobs of ``config=``.
    * ``output_schema`` (issue #57): a JSON Schema the answer must match, as a
      dict or a pydantic model class (anything with ``model_json_schema`` and
      ``model_validate_json``; pydantic itself is never imported here). The
      root model sees it and every FINAL is checked against it (a failure is
      sent back with the failing paths). ``run`` then returns the parsed JSON
      (a dict, list...) for a dict schema, a validated instance for a model
      class; a run with no matching answer raises ``SchemaError`` carrying
      the last candidate. Without it the answer stays a str. The same as
      ``config={"output.schema": ...}`` (a JSON file's path, or the schema as
      JSON text), which keeps the str answer and raises ``SchemaError`` too.
    * A budget reached never raises: the run ends with a graceful answer.
    * ``async def complete`` adapters run on the event loop of the latest
      ``arun`` (on a background loop for ``run``): do not share one ``RLM``
      between runs on different event loops at the same time.
    """

    def __init__(
        self,
        adapter: Any,
        *,
        subcall_adapter: Any = None,
        cache: Optional[FileCache] = None,
        policy: Optional[Policy] = None,
        max_output_tokens: Optional[int] = None,
        system_prompt: Optional[str] = None,
        repl_backend: str = "python",
        conversation_history: bool = True,
        retriever: Any = None,
        event_listener: Any = None,
        recursive_subcalls: bool = False,
        max_recursion_depth: int = 2,
        parallel_subcalls: Optional[bool] = None,
        compaction: bool = False,
        compaction_threshold_pct: float = 0.0,
        require_repl_before_final: bool = False,
        require_subcall_before_final: bool = False,
        invalid_response_limit: Optional[int] = None,
        fallback_code: Optional[str] = None,
        auto_finalize_var: Optional[str] = None,
        limits: Optional[Limits] = None,
        max_concurrency: Optional[int] = None,
        config: Optional[Dict[str, Any]] = None,
        max_tokens: Optional[int] = None,
        cache_dir: Optional[str] = None,
        max_concurrent_subcalls: Optional[int] = None,
        repl_error_limit: Optional[int] = None,
        subcall_system_prompt: Optional[str] = None,
        fallback_guard_steps: Optional[int] = None,
        subcall_guard_steps: Optional[int] = None,
        subcall_max_output_tokens: Optional[int] = None,
        subcall_max_tokens: Optional[int] = None,
        record: Optional[Union[str, os.PathLike[str]]] = None,
        replay: Optional[Union[str, os.PathLike[str]]] = None,
        output_schema: Any = None,
        **pyrlm_options: Unpack[PyrlmOnlyOptions],
    ) -> None:
        unknown = sorted(set(pyrlm_options) - set(REFUSED_OPTIONS))
        if unknown:
            raise TypeError(f"RLM() got an unexpected keyword argument {unknown[0]!r}")
        _check_refused(dict(pyrlm_options))
        # pyrlm's deprecated aliases of max_output_tokens and subcall_max_output_tokens.
        if max_tokens is not None:
            max_output_tokens = max_tokens
        if subcall_max_tokens is not None:
            subcall_max_output_tokens = subcall_max_tokens
        if cache_dir is not None and cache is None:
            cache = FileCache(root=cache_dir)
        # pyrlm's cap on parallel subcalls (parallel_subcalls=False: one at a time wins).
        if max_concurrent_subcalls is not None and max_concurrency is None and parallel_subcalls is not False:
            max_concurrency = max_concurrent_subcalls
        if repl_backend not in REPL_BACKENDS:
            raise ValueError(f"repl_backend must be one of {sorted(REPL_BACKENDS)}, got {repl_backend!r}")
        if conversation_history is not True:
            raise ValueError(
                "conversation_history=False is not supported: the root model always sees its "
                "earlier programs and their output (use compaction=True to bound that history)"
            )
        if system_prompt is not None and not isinstance(system_prompt, str):
            raise TypeError(f"system_prompt must be a str, not {type(system_prompt).__name__}")
        if parallel_subcalls is False:
            if max_concurrency is not None and max_concurrency != 1:
                raise ValueError("parallel_subcalls=False runs one subcall at a time; it conflicts with max_concurrency")
            max_concurrency = 1
        policy = policy or Policy()
        #: The ``Policy``: its counters grow by what each run spent.
        self.policy = policy
        self._bridge: Optional[ListenerBridge] = None
        if wants_bridge(event_listener):
            self._bridge = ListenerBridge(event_listener)
            event_listener = self._bridge
        # Levels of sub-RLMs `rlm_query` may open (0: it is a plain subcall).
        depth = 0
        if recursive_subcalls:
            depth = max_recursion_depth
            if policy.max_recursion_depth is not None:
                depth = min(depth, policy.max_recursion_depth)
        ratio = None
        if compaction:
            ratio = compaction_threshold_pct if compaction_threshold_pct > 0 else 0.8
        self.parallel_subcalls = parallel_subcalls
        #: The sandbox programs run in, whichever of pyrlm's backends was named.
        self.repl_backend = "rlm_rs"
        #: The ``repl_backend`` value given (pyrlm's name).
        self.requested_repl_backend = repl_backend
        # ``config``: knobs by their rlm.toml keys (``{"limits.fuel": 100_000,
        # "guards.require_subcall": True}``), the names of every front end. A
        # knob it names wins over the pyrlm argument for the same setting.
        config = dict(config or {})
        # Record and replay (issue #57): the `record` and `replay` knobs.
        if record is not None:
            config.setdefault("record", os.fspath(record))
        if replay is not None:
            config.setdefault("replay", os.fspath(replay))
        #: With ``output_schema``: how an answer's JSON text becomes the value ``run`` returns.
        self._parse_answer: Optional[Callable[[str], Any]] = None
        if output_schema is not None:
            schema, self._parse_answer = _output_schema(output_schema)
            config.setdefault("output.schema", json.dumps(schema))
        if isinstance(config.get("output.schema"), dict):
            # The schema itself (rlm.toml's value is a path or JSON text).
            config["output.schema"] = json.dumps(config["output.schema"])

        def unless(knob: str, value: Any) -> Any:
            return None if knob in config else value

        self._engine = Engine(
            adapter,
            subcall_adapter=subcall_adapter,
            cache=cache._native if isinstance(cache, FileCache) else cache,
            max_steps=unless("budgets.max_steps", policy.max_steps),
            max_subcalls=unless("budgets.max_subcalls", policy.max_subcalls),
            max_total_tokens=unless("budgets.max_tokens", policy.max_total_tokens),
            max_subcall_tokens=policy.max_subcall_tokens,
            max_cost_usd=unless("budgets.max_cost_usd", policy.max_cost_usd),
            max_wall_time_s=unless("budgets.timeout_secs", policy.max_wall_time_s),
            max_output_tokens=max_output_tokens,
            recursion_depth=depth,
            compaction=ratio,
            require_program_before_final=unless("guards.require_program", require_repl_before_final),
            require_subcall_before_final=unless("guards.require_subcall", require_subcall_before_final),
            invalid_response_limit=unless("guards.max_invalid_replies", invalid_response_limit),
            fallback_code=fallback_code,
            auto_finalize_var=auto_finalize_var,
            limits=limits,
            max_concurrency=unless("concurrency", max_concurrency),
            system_prompt=system_prompt,
            event_listener=event_listener,
            retriever=retriever,
            config=config,
            max_consecutive_errors=repl_error_limit,
            subcall_system_prompt=subcall_system_prompt,
            fallback_guard_steps=fallback_guard_steps,
            subcall_guard_steps=subcall_guard_steps,
            sub_max_tokens=subcall_max_output_tokens,
        )

    def run(self, query: str, context: Union[Context, str]) -> Tuple[str, Trace]:
        """Answers ``query`` over ``context``; returns ``(answer, trace)``.
        ``answer`` is always a str: ``NO_ANSWER`` (``"NO_ANSWER"``, as
        pyrlm's) when the run ended without one (``trace.finish`` says why);
        with ``output_schema``, the parsed answer (see the class docs) or
        ``SchemaError`` when no answer matched.

        Blocks without holding the GIL. Ctrl-C cancels the run (and its
        subcalls in flight) and raises ``KeyboardInterrupt``. A failing root
        model raises ``ModelError``.
        """
        query = _str(query)
        return self._finished(query, _result(self._engine.run(query, _context(context))))

    async def arun(self, query: str, context: Union[Context, str]) -> Tuple[str, Trace]:
        """``run`` for asyncio. Cancelling the task cancels the run and its
        subcalls in flight. ``async def complete`` adapters run on this loop."""
        query = _str(query)
        out = await self._engine.arun(query, _context(context))
        return self._finished(query, _result(out))

    def _finished(self, query: str, result: Tuple[str, Trace]) -> Tuple[Any, Trace]:
        """Counts the run in the policy and tells a ``handle`` listener it
        finished; under an output schema, the answer parsed (or ``SchemaError``)."""
        answer, trace = self._counted(query, result)
        if (trace.finish or {}).get("kind") == "schema_failed":
            candidate = None if answer == NO_ANSWER else answer
            raise SchemaError(str(trace.finish.get("reason", "")), candidate, trace)
        if self._parse_answer is None or answer == NO_ANSWER:
            return answer, trace
        try:
            return self._parse_answer(answer), trace
        except Exception as e:  # the model class's own validation
            raise SchemaError(f"the answer does not validate: {e}", answer, trace) from e

    def _counted(self, query: str, result: Tuple[str, Trace]) -> Tuple[str, Trace]:
        """Counts the run in the policy and tells a ``handle`` listener it finished."""
        answer, trace = result
        steps = trace.steps
        subcalls = [s for s in steps if s.kind.endswith("subcall")]
        subcall_tokens = sum(s.usage.total_tokens for s in subcalls if s.usage is not None)
        total = trace.usage.get("prompt_tokens", 0) + trace.usage.get("completion_tokens", 0)
        if not isinstance(total, int) or total <= 0:
            total = sum(s.usage.total_tokens for s in steps if s.usage is not None)
        self.policy.record_run(
            steps=sum(1 for s in steps if s.kind == "root_call"),
            subcalls=len(subcalls),
            total_tokens=total,
            subcall_tokens=subcall_tokens,
        )
        if self._bridge is not None:
            self._bridge.finished(query, answer, trace)
        return answer, trace

    def cancel(self) -> None:
        """Cancels every ``run``/``arun`` of this ``RLM`` in progress; callable
        from any thread. A program computing stops at its next check (within
        about a millisecond of work), subcalls in flight are dropped, and each
        run returns with ``trace.finish["kind"] == "cancelled"``."""
        self._engine.cancel()


def _output_schema(given: Any) -> Tuple[Dict[str, Any], Callable[[str], Any]]:
    """``output_schema=``'s JSON Schema, and how an answer's JSON text becomes
    the value returned: ``json.loads`` for a dict, the class's
    ``model_validate_json`` for a pydantic model class."""
    if isinstance(given, dict):
        return given, json.loads
    schema_of = getattr(given, "model_json_schema", None)
    validate = getattr(given, "model_validate_json", None)
    if isinstance(given, type) and callable(schema_of) and callable(validate):
        return schema_of(), validate
    raise TypeError(
        "output_schema must be a JSON Schema dict or a pydantic model class, "
        f"not {type(given).__name__}"
    )


def _str(query: Any) -> str:
    if not isinstance(query, str):
        raise TypeError(f"query must be a str, not {type(query).__name__}")
    return query


def _context(context: Any) -> Context:
    if isinstance(context, Context):
        return context
    if isinstance(context, str):
        return Context.from_text(context)
    raise TypeError(f"context must be a Context or a str, not {type(context).__name__}")


def _result(out: Tuple[Optional[str], str, str, int, str]) -> Tuple[str, Trace]:
    found, finish, events, steps, usage = out
    answer = NO_ANSWER if found is None else found
    trace = Trace(
        events=json.loads(events),
        answer=answer,
        finish=json.loads(finish),
        usage=json.loads(usage),
        root_steps=steps,
    )
    return answer, trace
