import datetime
from datetime import date, time, datetime as dt
t = time(9, 5)
print(t, repr(t), t.hour, t.minute, t.second, t.microsecond, t.isoformat())
print(time(), repr(time(0, 0, 0, 5)), time(23, 59, 59, 999999), time(hour=7, second=3))
print(t.strftime("%H:%M:%S %p %I"), t.replace(minute=30), time(1, 2) < time(1, 3), time(4) == time(4, 0))
print(f"{t:%H.%M}", str(time(12, 30, 15, 250000)))
for n in [1, 2, 365, 366, 719163, 738960, 3652059]:
    print(n, date.fromordinal(n), dt.fromordinal(n), date.fromordinal(n).toordinal() == n)
d = date(2024, 3, 15)
print(dt.combine(d, t), repr(dt.combine(d, time(1, 2, 3, 4))), dt.combine(d, time()).time())
print(dt(2024, 3, 15, 14, 30).time(), repr(dt(2024, 3, 15, 14, 30, 5).time()))
for y, m, dd in [(2024, 1, 1), (2020, 12, 31), (2021, 1, 3), (2026, 12, 31), (2027, 1, 1), (2015, 12, 31)]:
    print(date(y, m, dd).strftime("%G-W%V-%u"), dt(y, m, dd, 1).strftime("%V"))
for bad in [lambda: date.fromordinal(0), lambda: time(24), lambda: time(1, 60), lambda: time(1, 1, 1, 1000000), lambda: dt.combine(t, d)]:
    try:
        bad()
    except (ValueError, TypeError) as e:
        print(type(e).__name__, e)
print(type(t).__name__, isinstance(t, datetime.time), datetime.time(3, 4))
