# expect: ok
# Randomness must not make runs non-deterministic: the sandbox has no entropy
# source, so `random` starts at `seed(0)`'s state in every session, and a
# generator made or reseeded without a seed takes its key from that state
# (docs/divergences.md, `random`). Used to be refused; a run still replays.
import random
first = [random.random() for _ in range(3)]
random.seed(0)
assert first == [random.random() for _ in range(3)]
assert random.Random().getrandbits(32) == random.Random().getrandbits(32)
print("reproducible", first[0])
