# expect: string_length|collection_length
# join over an endless generator.
import itertools
s = "".join(str(i) for i in itertools.count())
print("ESCAPED", len(s))
