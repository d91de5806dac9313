# expect: fuel
# A new strptime format every call: each is compiled (a regex), none is ever
# reused, and the thread's cache of compiled formats churns. The compile is
# charged before it is done, so the loop ends on fuel in time.
import datetime
i = 0
while True:
    t = "x" + str(i)
    d = datetime.datetime.strptime("Mar 14, 2023 " + t, "%b %d, %Y " + t)
    i += 1
