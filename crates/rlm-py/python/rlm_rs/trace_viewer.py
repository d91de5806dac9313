"""pyrlm's ``pyrlm_runtime.trace_viewer`` (``TraceViewerApp``, an interactive
Textual terminal app, the ``pyrlm-runtime[tui]`` extra) is deliberately not
part of rlm_rs: importing this module raises ``ImportError`` saying so, which
is what pyrlm's own code expects when the extra is missing. A trace is read
with ``Trace.from_json`` / ``Trace.to_json`` (pyrlm's format), followed live with
``rlm_rs.rich_trace.RichTraceListener``, or watched on ``rlm serve``'s web page."""

raise ImportError(
    "rlm_rs has no Textual trace viewer (pyrlm's TraceViewerApp): read a trace with "
    "rlm_rs.Trace.from_json, follow a run with rlm_rs.rich_trace.RichTraceListener, or watch runs on `rlm serve`'s web page"
)
