#!/usr/bin/env python3
"""Scale-out benchmark of `rlm serve` (issue #36; the figures in BENCHMARKS.md).

In one run, with the mock OpenAI provider answering after 100 ms:
  * the baseline: one `rlm serve` (role all, the embedded sled store, the sled
    subcall cache in its data folder);
  * one `--role api` and 1 and 3 (WORKERS) `--role worker` processes on the machine's
    PostgreSQL (a fresh schema per deployment), NATS JetStream (a fresh stream per
    deployment) and Redis (the shared subcall cache, in a Redis database this run
    claims empty and empties at the end: the cache's key prefix is fixed).
For each: jobs per second, p50/p99 job latency (the job's `created_at` to its
`finished_at`, both stamped by the servers) and the subcall-cache hit rate (the
executions' `cache_hits` against the calls the mock answered), each the median of
REPS repetitions of JOBS jobs submitted at once. Then a markdown table to paste.

A job: the scripted root model (its replies 100 ms late, like the mock) writes one
program asking the sub-model (the mock) four questions with `llm_batch`, then
FINAL. Job k of a repetition asks about topic k mod JOBS/2, so every set of four
questions is asked twice, by jobs submitted JOBS/2 apart (usually on different
workers): the ideal hit rate is 50%; jobs of the same topic running at once
both miss.

Usage, from the workspace root:
  cargo build -p rlm-cli -p rlm-testenv --features rlm-testenv/mock-openai   # or --release
  RLM=target/debug/rlm MOCK=target/debug/mock-openai python3 examples/bench/cluster_bench.py
Environment (defaults): RLM (target/debug/rlm), MOCK (the `mock-openai` beside RLM),
JOBS (120: enough waves that a deployment's last, partly filled one weighs little), REPS (3),
WORKER_JOBS (4: jobs each process runs at once, `--workers`), WORKERS ("1 3"), LATENCY_MS (100), DATABASE_URL
(postgresql://postgres@127.0.0.1:5432/test), NATS_URL (nats://127.0.0.1:4222),
REDIS (127.0.0.1:6379). Needs python3 (stdlib only), psql and redis-cli. Every
process is started here on loopback and stopped by its pid; the schema, the
stream and the Redis database are removed at the end, also after a failure.
"""

import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timezone
from pathlib import Path

RLM = os.environ.get("RLM", "target/debug/rlm")
MOCK = os.environ.get("MOCK", str(Path(RLM).parent / "mock-openai"))
JOBS = int(os.environ.get("JOBS", "120"))
REPS = int(os.environ.get("REPS", "3"))
WORKER_JOBS = int(os.environ.get("WORKER_JOBS", "4"))
WORKERS = [int(n) for n in os.environ.get("WORKERS", "1 3").split()]
LATENCY_MS = int(os.environ.get("LATENCY_MS", "100"))
DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
NATS_URL = os.environ.get("NATS_URL", "nats://127.0.0.1:4222")
REDIS_HOST, REDIS_PORT = os.environ.get("REDIS", "127.0.0.1:6379").rsplit(":", 1)
QUESTIONS = 4
# Generous: a debug build on a busy machine; a deadline, never a timing assertion.
DEADLINE_S = 900

RUN = uuid.uuid4().hex[:10]
WORK = Path(tempfile.mkdtemp(prefix="cluster_bench_"))
PROCESSES = []  # every child started here, stopped by its pid


def script() -> dict:
    """The scripted root model: a program of four subcalls, then FINAL."""
    delay = LATENCY_MS
    program = (
        "Ask the sub-model.\n```repl\n"
        f"r = llm_batch([query + ' (part ' + str(i) + ')' for i in range({QUESTIONS})])\n"
        "print('asked', len(r))\n```"
    )
    return {
        "model": "bench",
        "rules": [{"pattern": f"asked {QUESTIONS}", "target": "all",
                   "reply": {"text": "FINAL('done')", "delay_ms": delay}}],
        "replies": [{"text": program, "delay_ms": delay}],
        "when_exhausted": {"fixed": "FINAL('done')"},
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method: str, url: str, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


def start(name: str, argv: list, env: dict, probe: str) -> subprocess.Popen:
    """Starts a child (stderr to WORK/name.log) and waits for `probe` to answer 200."""
    log = open(WORK / f"{name}.log", "wb")
    # No API keys from the caller's environment: the benchmark talks without them.
    base_env = {k: v for k, v in os.environ.items() if k not in ("RLM_API_KEY", "RLM_API_KEYS")}
    child = subprocess.Popen(argv, env={**base_env, **env}, stdout=log, stderr=log,
                             cwd=WORK, stdin=subprocess.DEVNULL)
    PROCESSES.append(child)
    until = time.monotonic() + 120
    while time.monotonic() < until:
        if child.poll() is not None:
            fail(f"{name} exited with {child.returncode}", name)
        try:
            with urllib.request.urlopen(probe, timeout=5) as r:
                if r.status == 200:
                    return child
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.2)
    fail(f"{name} did not answer {probe}", name)


def stop(children: list) -> None:
    for c in children:
        if c.poll() is None:
            c.terminate()
    for c in children:
        try:
            c.wait(timeout=30)
        except subprocess.TimeoutExpired:
            c.kill()
            c.wait()
        PROCESSES.remove(c)


def fail(message: str, log: str = "") -> None:
    print(f"cluster_bench: {message}", file=sys.stderr)
    if log and (WORK / f"{log}.log").exists():
        lines = (WORK / f"{log}.log").read_text(errors="replace").splitlines()
        print("\n".join(lines[-30:]), file=sys.stderr)
    raise SystemExit(1)


# --- the machine's services: a fresh schema, stream and Redis database, removed after


def psql(sql: str) -> None:
    # Warnings only: DROP ... CASCADE's notices name every table.
    env = {**os.environ, "PGOPTIONS": "--client-min-messages=warning"}
    subprocess.run(["psql", DATABASE_URL, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql],
                   check=True, stdout=subprocess.DEVNULL, env=env)


def redis(db: int, *args: str) -> str:
    out = subprocess.run(["redis-cli", "-h", REDIS_HOST, "-p", REDIS_PORT, "-n", str(db), *args],
                         check=True, capture_output=True, text=True)
    return out.stdout.strip()


def claim_redis_db() -> int:
    """A Redis database nothing uses (empty), claimed by a key only this run sets."""
    for db in range(15, 0, -1):
        if redis(db, "DBSIZE") == "0" and redis(db, "SET", "cluster_bench:claim", RUN, "NX") == "OK":
            return db
    fail("no empty Redis database (1-15) to claim")


def release_redis_db(db: int) -> None:
    if redis(db, "GET", "cluster_bench:claim") == RUN:
        redis(db, "FLUSHDB")


def delete_stream(stream: str) -> None:
    """JetStream's STREAM.DELETE request over NATS's text protocol (no client needed)."""
    host, port = NATS_URL.split("://", 1)[-1].rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.recv(4096)  # INFO
        inbox = f"_INBOX.cluster_bench.{RUN}"
        s.sendall((f'CONNECT {{"verbose":false}}\r\nSUB {inbox} 1\r\n'
                   f"PUB $JS.API.STREAM.DELETE.{stream} {inbox} 0\r\n\r\n").encode())
        reply = b""
        until = time.monotonic() + 10
        while b"MSG " not in reply and time.monotonic() < until:
            reply += s.recv(4096)
        if b'"success":true' not in reply:
            print(f"cluster_bench: stream {stream} not deleted: {reply[-200:]!r}", file=sys.stderr)


# --- one deployment


def measure(name: str, api: str, mock: str, rep_tag: str) -> dict:
    """REPS repetitions of JOBS jobs on the deployment whose API is `api`, job k
    in session k: a session runs one execution at a time, in one process and
    across a cluster's workers (issue #36), so jobs of one session never run at
    once and the jobs here are each their own session's."""
    sids = []
    for _ in range(JOBS):
        status, session = http("POST", f"{api}/api/sessions",
                               {"name": "bench", "context": "A small context for the benchmark."})
        if status != 200:
            fail(f"{name}: session: {status} {session}")
        sids.append(session["id"])
    # One job first: the first execution of a process pays its set-up.
    run_jobs(name, api, sids[:1], [f"{rep_tag} warm-up"])
    reps = []
    for r in range(REPS):
        topics = max(1, JOBS // 2)
        queries = [f"{rep_tag} rep {r} topic {k % topics}: what does it say?" for k in range(JOBS)]
        calls_before = http("GET", f"{mock}/stats")[1]["calls"]
        jobs = run_jobs(name, api, sids, queries)
        calls = http("GET", f"{mock}/stats")[1]["calls"] - calls_before
        hits = 0
        for job in jobs:
            status, e = http("GET", f"{api}/api/executions/{job['execution_id']}")
            if status != 200:
                fail(f"{name}: execution {job['execution_id']}: {status} {e}")
            hits += e["cache_hits"]
        created = [stamp(j["created_at"]) for j in jobs]
        finished = [stamp(j["finished_at"]) for j in jobs]
        latencies = sorted(f - c for c, f in zip(created, finished))
        reps.append({
            "jobs_per_s": len(jobs) / (max(finished) - min(created)),
            "p50": percentile(latencies, 50),
            "p99": percentile(latencies, 99),
            "hit_rate": hits / (hits + calls) if hits + calls else 0.0,
            "calls": calls,
            "hits": hits,
        })
        print(f"  {name} rep {r + 1}: {reps[-1]['jobs_per_s']:.2f} jobs/s, p99 "
              f"{reps[-1]['p99'] * 1000:.0f} ms, {hits} hits / {calls} provider calls", flush=True)
    return {key: statistics.median(rep[key] for rep in reps) for key in reps[0]} | {"reps": reps}


def run_jobs(name: str, api: str, sids: list, queries: list) -> list:
    """Submits the jobs at once (query k in session k), waits for all to end;
    every one must be COMPLETE."""
    ids = []
    for sid, q in zip(sids, queries):
        status, job = http("POST", f"{api}/api/jobs", {"session_id": sid, "user_query": q})
        if status not in (200, 201, 202):
            fail(f"{name}: job: {status} {job}")
        ids.append(job["job_id"])
    until = time.monotonic() + DEADLINE_S
    while True:
        jobs = [http("GET", f"{api}/api/jobs/{i}")[1] for i in ids]
        open_jobs = [j for j in jobs if j.get("status") in ("PENDING", "RUNNING", None)]
        if not open_jobs:
            break
        if time.monotonic() > until:
            fail(f"{name}: {len(open_jobs)} jobs still open after {DEADLINE_S} s")
        time.sleep(0.2)
    bad = [j for j in jobs if j["status"] != "COMPLETE" or j.get("answer") != "done"]
    if bad:
        fail(f"{name}: {len(bad)} jobs did not complete: {bad[:2]}")
    return jobs


def stamp(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def percentile(sorted_values: list, p: float) -> float:
    """Nearest rank."""
    k = max(0, min(len(sorted_values) - 1, -(-len(sorted_values) * p // 100) - 1))
    return sorted_values[int(k)]


def common_args(script_path: Path) -> list:
    return ["--script", str(script_path), "--sub-model", "openai:mock-100ms",
            "--concurrency", "16", "--workers", str(WORKER_JOBS)]


def main() -> None:
    for tool in ("psql", "redis-cli"):
        if shutil.which(tool) is None:
            fail(f"{tool} is not installed")
    for binary in (RLM, MOCK):
        if not os.access(binary, os.X_OK):
            fail(f"{binary} is not an executable (build it first: see the top of this file)")
    script_path = WORK / "script.json"
    script_path.write_text(json.dumps(script()))
    load_before = os.getloadavg()
    began = datetime.now(timezone.utc)
    results = []
    mock_port = free_port()
    mock = f"http://127.0.0.1:{mock_port}"
    start("mock", [MOCK, "--port", str(mock_port), "--latency-ms", str(LATENCY_MS)], {},
          f"{mock}/stats")
    env = {"OPENAI_BASE_URL": f"{mock}/v1", "OPENAI_API_KEY": "sk-bench-0123456789"}
    redis_db = claim_redis_db()
    made = []  # (schema, stream) to remove
    try:
        # The baseline: one process, sled store, sled cache.
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        child = start("baseline", [RLM, "serve", "--bind", f"127.0.0.1:{port}",
                                   "--data", str(WORK / "baseline"),
                                   "--cache", str(WORK / "baseline-cache"),
                                   *common_args(script_path)], env, f"{base}/readyz")
        print("baseline: rlm serve (role all, sled)", flush=True)
        results.append(("sled, one process (`--role all`)", 1, measure("baseline", base, mock, f"{RUN} sled")))
        stop([child])
        for n in WORKERS:
            schema, stream = f"bench_{RUN}_{n}w", f"BENCH_{RUN}_{n}W"
            made.append((schema, stream))
            shared = ["--data", str(WORK / f"cluster{n}"),
                      "--database-url", DATABASE_URL, "--database-schema", schema,
                      "--nats-url", NATS_URL, "--nats-stream", stream,
                      "--redis-cache", f"redis://{REDIS_HOST}:{REDIS_PORT}/{redis_db}",
                      *common_args(script_path)]
            port = free_port()
            api = f"http://127.0.0.1:{port}"
            children = [start(f"api{n}", [RLM, "serve", "--role", "api",
                                          "--bind", f"127.0.0.1:{port}", *shared], env, f"{api}/readyz")]
            for w in range(n):
                wport = free_port()
                children.append(start(f"worker{n}_{w}", [RLM, "serve", "--role", "worker",
                                                         "--bind", f"127.0.0.1:{wport}", *shared],
                                      env, f"http://127.0.0.1:{wport}/readyz"))
            print(f"cluster: api + {n} worker(s) (PostgreSQL, NATS, Redis)", flush=True)
            results.append((f"api + {n} worker{'s' if n > 1 else ''}", n + 1,
                            measure(f"{n} workers", api, mock, f"{RUN} {n}w")))
            stop(children)
    finally:
        stop([c for c in PROCESSES])
        for schema, stream in made:
            try:
                psql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            except subprocess.CalledProcessError as e:
                print(f"cluster_bench: schema {schema} not dropped: {e}", file=sys.stderr)
            try:
                delete_stream(stream)
            except OSError as e:
                print(f"cluster_bench: stream {stream} not deleted: {e}", file=sys.stderr)
        release_redis_db(redis_db)
    report(results, began, load_before)
    shutil.rmtree(WORK, ignore_errors=True)


def report(results: list, began: datetime, load_before: tuple) -> None:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), platform.processor())
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "?"
    load_after = os.getloadavg()
    print()
    print(f"`RLM={RLM} python3 examples/bench/cluster_bench.py` (JOBS={JOBS}, REPS={REPS}, "
          f"WORKER_JOBS={WORKER_JOBS}, LATENCY_MS={LATENCY_MS}); {began:%Y-%m-%d %H:%M} UTC, commit "
          f"`{commit}`; {platform.system()} {platform.release()}, {os.cpu_count()} × {cpu}; load "
          f"average {load_before[0]:.1f} before, {load_after[0]:.1f} after. Each job: a root reply "
          f"{LATENCY_MS} ms late, one program with {QUESTIONS} subcalls (`llm_batch`) to the mock "
          f"provider ({LATENCY_MS} ms), then FINAL; every set of subcalls asked by two jobs. "
          f"Figures: median of {REPS} repetitions of {JOBS} jobs submitted at once "
          f"(each repetition's values in the JSON below).")
    print()
    # Each process runs WORKER_JOBS jobs at once: n workers can at best do n times one
    # process's jobs, the goal issue #75 sets for 3 workers being 2.7x.
    single = results[0][2]["jobs_per_s"]
    print("| deployment | processes | jobs/s | × one process | p50 job latency | p99 job latency "
          "| subcall-cache hit rate |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, processes, m in results:
        print(f"| {name} | {processes} | {m['jobs_per_s']:.2f} | {m['jobs_per_s'] / single:.2f}x | "
              f"{m['p50'] * 1000:.0f} ms | {m['p99'] * 1000:.0f} ms | {m['hit_rate'] * 100:.1f}% |")
    print()
    print("```json")
    print(json.dumps({name: m["reps"] for name, _, m in results}))
    print("```")


if __name__ == "__main__":
    try:
        main()
    finally:
        for c in list(PROCESSES):
            if c.poll() is None:
                c.kill()
