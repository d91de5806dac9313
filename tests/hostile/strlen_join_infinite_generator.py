# expect: string_length|collection_length|fuel
# join over an endless generator. Under the suite's limits (fuel divided by 100,
# the string cap by 50) fuel may trip first: each item pays the endless
# iterator's step, the generator's step and its str() (issue #53).
import itertools
s = "".join(str(i) for i in itertools.count())
print("ESCAPED", len(s))
