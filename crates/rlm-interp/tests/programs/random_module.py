# The random module, seeded, draws what CPython 3.11 draws (a type added
# under issue #79: random.Random, its folder and two registrations).
import random
from random import randint, choice

random.seed(42)
print(random.random(), random.random())
print([random.randint(1, 100) for _ in range(8)])
print(randint(-5, 5), random.randrange(10), random.randrange(3, 30, 4), random.randrange(30, 3, -7))
print(random.getrandbits(1), random.getrandbits(31), random.getrandbits(32), random.getrandbits(45), random.getrandbits(63))
print(random.randrange(2**62), random.randint(-2**62, 2**62))
words = ["alpha", "beta", "gamma", "delta", "eps", "zeta", "eta"]
print(choice(words), random.choice("abcdef"), random.choice(range(1000)), random.choice((1, 2, 3)))
deck = list(range(20))
random.shuffle(deck)
print(deck)
print(random.sample(words, 3), random.sample(range(10**9), 4), random.sample("abcdefghij", 10))
print(random.sample(range(100), 30))
print(random.sample(["x", "y"], k=5, counts=[3, 4]))
print(random.choices(words), random.choices(words, k=4))
print(random.choices(words, weights=[1, 2, 3, 4, 5, 6, 7], k=5))
print(random.choices(words, cum_weights=[1, 1.5, 3, 4, 9, 10, 12.5], k=5))
print(random.uniform(1, 2), random.uniform(5, -5), random.triangular(), random.triangular(0, 10, 2))
print(random.gauss(), random.gauss(10, 2), random.gauss(mu=1.5, sigma=0.1), random.expovariate(2))

r = random.Random(2024)
s = random.Random(2024)
print(r.random() == s.random(), [r.randint(0, 9) for _ in range(10)])
print(type(r).__name__, r.choice(words), r.sample(words, 2))
for seed in [0, 1, -1, 2**32, 2**40 + 5, True, 3.0, "hello", "", "naïve ünïcödé"]:
    random.seed(seed)
    print(repr(seed), random.random(), random.randrange(1000))
random.seed("abc", version=1)
print(random.random())
random.seed(7)
state_a = [random.random() for _ in range(3)]
random.seed(7)
print(state_a == [random.random() for _ in range(3)])
print(len([random.random() for _ in range(700)]), random.random())

def attempt(f, *args, **kwargs):
    try:
        print(f(*args, **kwargs))
    except Exception as e:
        print(type(e).__name__, e)

attempt(random.choice, [])
attempt(random.randrange, 0)
attempt(random.randrange, 5, 5)
attempt(random.randrange, 1, 10, 0)
attempt(random.randrange, 10, 1)
attempt(random.randrange, 1.5)
attempt(random.randrange, 4.0)
attempt(random.randint, 1)
attempt(random.randint, 1, 2, 3)
attempt(random.sample, {1, 2, 3}, 2)
attempt(random.sample, [1, 2], 3)
attempt(random.sample, [1, 2], -1)
attempt(random.choices, [1, 2], [1])
attempt(random.choices, [1, 2], weights=[1, 1], cum_weights=[1, 2])
attempt(random.choices, [1, 2], weights=[0, 0])
attempt(random.getrandbits, -1)
attempt(random.shuffle, (1, 2, 3))
attempt(random.seed, [1, 2])
attempt(random.uniform, "a", "b")
attempt(random.randint, 1, k=2)
