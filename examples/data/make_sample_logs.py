#!/usr/bin/env python3
"""Generate examples/corpus/service_logs.txt: a deterministic service log (~250 KB).

Five services write INFO/WARN/ERROR lines over one simulated day; one line hides
a passphrase ("the vault passphrase is ..."), the needle the example programs
look for. Deterministic (fixed seed), so the committed file can be regenerated
byte for byte: `python3 examples/data/make_sample_logs.py > examples/corpus/service_logs.txt`.
"""
import random

rng = random.Random(20261121)
services = ["auth", "billing", "search", "storage", "gateway"]
infos = ["request served in {ms} ms", "cache warm ({n} keys)", "user {u} logged in",
         "health check ok", "flushed {n} records", "rotated log segment {n}"]
warns = ["slow query: {ms} ms", "retrying upstream call (attempt {a})", "queue depth {n} above soft limit",
         "certificate expires in {d} days"]
errors = ["upstream timeout after {ms} ms", "payment declined: card {u} expired", "disk usage at {p}%",
          "connection reset by peer", "index shard {n} unavailable"]
lines = []
needle_at = 2917
for i in range(3600):
    h, m, s = i // 150, (i // 3) % 60, (i * 7) % 60
    svc = rng.choice(services)
    r = rng.random()
    level, pool = ("ERROR", errors) if r < 0.06 else ("WARN", warns) if r < 0.2 else ("INFO", infos)
    msg = rng.choice(pool).format(ms=rng.randint(5, 9000), n=rng.randint(1, 5000), u=f"u{rng.randint(100, 999)}",
                                  a=rng.randint(1, 5), d=rng.randint(1, 30), p=rng.randint(80, 99))
    lines.append(f"2026-11-21T{h:02d}:{m:02d}:{s:02d}Z {level:<5} [{svc}] {msg}")
    if i == needle_at:
        lines.append(f"2026-11-21T{h:02d}:{m:02d}:{s:02d}Z INFO  [storage] note to self: the vault passphrase is amber-falcon-42")
print("\n".join(lines))
