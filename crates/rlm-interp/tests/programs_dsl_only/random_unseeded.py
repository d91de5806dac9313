# DSL-only: the sandbox has no entropy source, so the random module's generator starts as random.seed(0) leaves one in every session and seed() with no value draws its new key from the generator itself; CPython seeds both from the operating system (docs/divergences.md, `random`).
import random

first = [random.randint(1, 100) for _ in range(5)]
random.seed(0)
print(first == [random.randint(1, 100) for _ in range(5)], first)
random.seed()
a = random.random()
random.seed(0)
random.seed()
print(a == random.random(), a)
print(random.Random().random() == random.Random(0).random())
