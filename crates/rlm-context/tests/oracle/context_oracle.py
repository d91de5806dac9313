"""Oracle for rlm-context's differential tests: runs each operation with CPython's `str` and `re`.

Reads {"cases": [...]} as JSON on stdin, writes {"results": [[...per op...], ...]} on stdout.
Each operation is defined here in plain Python, independently of the Rust code, so positions,
lengths and slices are exactly what Python's `str` gives.
"""

import json
import re
import sys


def matches(text, op):
    cap = op["max"]
    radius = op["snippet"]
    if op["regex"] or op["icase"]:
        source = op["pattern"] if op["regex"] else re.escape(op["pattern"])
        flags = re.IGNORECASE if op["icase"] else 0
        spans = (m.span() for m in re.finditer(source, text, flags))
    else:
        def literal():
            pos = 0
            while True:
                idx = text.find(op["pattern"], pos)
                if idx == -1:
                    return
                yield idx, idx + len(op["pattern"])
                pos = idx + len(op["pattern"])
        spans = literal()
    found = []
    truncated = False
    for start, end in spans:
        if len(found) == cap:
            truncated = True
            break
        snippet_start = max(0, start - radius)
        snippet = text[snippet_start:min(len(text), end + radius)]
        found.append([start, end, text[start:end], snippet_start, snippet])
    return {"matches": found, "truncated": truncated}


def chunk(text, size, overlap):
    chunks = []
    start = 0
    while start < len(text):
        end = min(len(text), start + size)
        chunks.append([start, end, text[start:end]])
        if end >= len(text):
            break
        start = end - overlap
    return chunks


def chunk_boundaries(text, max_chars, paragraph):
    chunks = []
    start = 0
    while start < len(text):
        if len(text) - start <= max_chars:
            end = len(text)
        else:
            window = text[start:start + max_chars]
            cut = 0
            if paragraph:
                plain = window.rfind("\n\n")
                crlf = window.rfind("\n\r\n")
                cut = max(plain + 2 if plain >= 0 else 0, crlf + 3 if crlf >= 0 else 0)
            if cut == 0:
                cut = window.rfind("\n") + 1
            end = start + (cut if cut > 0 else max_chars)
        chunks.append([start, end, text[start:end]])
        start = end
    return chunks


def run(case):
    docs = case["docs"]
    text = case["sep"].join(docs)
    out = []
    for op in case["ops"]:
        kind = op["op"]
        if kind == "len":
            out.append(len(text))
        elif kind == "slice":
            out.append(text[op["start"]:op["end"]])
        elif kind == "char_at":
            try:
                out.append(text[op["i"]])
            except IndexError:
                out.append({"error": "IndexError"})
        elif kind == "peek":
            out.append(text[:op["n"]])
        elif kind == "tail":
            out.append(text[max(0, len(text) - op["n"]):])
        elif kind == "find":
            out.append(matches(text, op))
        elif kind == "count":
            out.append(len(matches(text, dict(op, max=10**9, snippet=0))["matches"]))
        elif kind == "chunk":
            out.append(chunk(text, op["size"], op["overlap"]))
        elif kind == "chunk_lines":
            out.append(chunk_boundaries(text, op["max"], False))
        elif kind == "chunk_paragraphs":
            out.append(chunk_boundaries(text, op["max"], True))
        elif kind == "doc_lengths":
            out.append([len(d) for d in docs])
        elif kind == "get_document":
            try:
                out.append(docs[op["i"]])
            except IndexError:
                out.append({"error": "IndexError"})
        elif kind == "chunk_documents":
            n = op["n"]
            out.append([[s, min(len(docs), s + n), docs[s:s + n]] for s in range(0, len(docs), n)])
        elif kind == "doc_starts":
            # Code-point position where each document starts in the joined text.
            starts, pos = [], 0
            for d in docs:
                starts.append(pos)
                pos += len(d) + len(case["sep"])
            out.append(starts)
        else:
            raise SystemExit(f"unknown op {kind}")
    return out


def main():
    cases = json.load(sys.stdin)["cases"]
    json.dump({"results": [run(case) for case in cases]}, sys.stdout, ensure_ascii=True)


if __name__ == "__main__":
    main()
