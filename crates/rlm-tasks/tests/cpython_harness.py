"""Runs rlm-tasks root programs under CPython, with Python stand-ins for what the
RLM runtime provides (`context`, `ctx`, `llm_query`, `llm_batch`, `FINAL`).

Sub-calls are answered by the Rust test that started this script (so by the same
rule-based sub-model the interpreter tests use), over a line protocol:
  stdin, first line:  {"context_path": ..., "cells": [...]}
  stdout -> Rust:     {"prompts": [...]}            stdin <- Rust: {"replies": [...]} or {"error": ...}
  stdout -> Rust:     {"final": "...", "output": "..."}   (or {"no_final": true, ...}, {"exception": ...})
Cell output (print) is captured and sent with the final message, never mixed into the protocol.
"""

import contextlib
import io
import json
import sys
import traceback

PROTOCOL_OUT = sys.stdout


class Final(Exception):
    def __init__(self, value):
        super().__init__()
        self.value = value


class Ctx:
    """The `ctx` methods the programs use, with rlm-context's semantics."""

    def __init__(self, text):
        self.text = text

    def len_chars(self):
        return len(self.text)

    def chunk(self, size, overlap=0):
        if size <= 0 or overlap < 0 or overlap >= size:
            raise ValueError("bad chunk size or overlap")
        text, out, start = self.text, [], 0
        while start < len(text):
            end = min(start + size, len(text))
            out.append(text[start:end])
            if end >= len(text):
                break
            start = end - overlap
        return out

    def chunk_lines(self, max_chars):
        if max_chars <= 0:
            raise ValueError("max_chars must be > 0")
        text, out, start = self.text, [], 0
        while start < len(text):
            if len(text) - start <= max_chars:
                end = len(text)
            else:
                cut = text.rfind("\n", start, start + max_chars)
                end = cut + 1 if cut >= 0 else start + max_chars
            out.append(text[start:end])
            start = end
        return out


def send(message):
    PROTOCOL_OUT.write(json.dumps(message) + "\n")
    PROTOCOL_OUT.flush()


def llm_batch(prompts):
    prompts = [str(p) for p in prompts]
    send({"prompts": prompts})
    reply = json.loads(sys.stdin.readline())
    if "error" in reply:
        raise RuntimeError(reply["error"])
    return reply["replies"]


def llm_query(prompt):
    return llm_batch([prompt])[0]


def FINAL(value):
    raise Final(value)


def main():
    setup = json.loads(sys.stdin.readline())
    with open(setup["context_path"], encoding="utf-8", newline="") as f:
        context = f.read()
    env = {
        "__name__": "__rlm__",
        "context": context,
        "P": context,
        "ctx": Ctx(context),
        "llm_query": llm_query,
        "llm_batch": llm_batch,
        "FINAL": FINAL,
    }
    output = io.StringIO()
    try:
        with contextlib.redirect_stdout(output):
            for i, cell in enumerate(setup["cells"]):
                exec(compile(cell, f"<cell {i + 1}>", "exec"), env)
    except Final as f:
        send({"final": str(f.value), "output": output.getvalue()})
        return
    except Exception:
        send({"exception": traceback.format_exc(), "output": output.getvalue()})
        return
    send({"no_final": True, "output": output.getvalue()})


if __name__ == "__main__":
    main()
