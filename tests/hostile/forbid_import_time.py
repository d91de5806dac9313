# expect: forbidden
# Wall-clock time would make runs non-deterministic.
import time
print("ESCAPED", time.time())
