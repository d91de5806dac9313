# expect: forbidden
# Wall-clock time would make runs non-deterministic; parsing/formatting dates is allowed.
import datetime
print("ESCAPED", datetime.datetime.now())
