# Issue #76: dates' ISO calendars, class bounds and timedelta arithmetic, as CPython 3.11 runs them.
from datetime import date, datetime, time, timedelta, MINYEAR, MAXYEAR


def show(f):
    try:
        print(repr(f()))
    except Exception as e:
        print(type(e).__name__, e)


# The class bounds and resolutions.
for cls in (date, datetime, time, timedelta):
    print(cls.min, cls.max, repr(cls.resolution))
print(MINYEAR, MAXYEAR, date.max - date.min, date.max > date.min)

# ISO calendars: a named tuple, compared and sliced as a tuple.
ic = date(2003, 12, 29).isocalendar()
print(ic, ic.year, ic.week, ic.weekday, ic == (2004, 1, 1), ic[1:], list(ic), len(ic))
print(datetime(2010, 1, 3, 5).isocalendar(), hash(ic) == hash((2004, 1, 1)))
tt = date(1956, 3, 4).timetuple()
print(tt, tt.tm_yday, tt.tm_wday, tt.tm_isdst, tt.tm_zone, tt[:3], tt == (1956, 3, 4, 0, 0, 0, 6, 64, -1))
print(datetime(2002, 3, 2, 1, 2, 3).timetuple())
print(date(2002, 3, 2).ctime(), "|", datetime(2002, 3, 12, 23, 5, 1).ctime(), "|", date.min.ctime())
for args in [(2019, 1, 1), (2020, 53, 7), (2019, 53, 1), (2019, 0, 1), (2019, 1, 8), (10000, 1, 1),
             (2 << 32, 1, 1), (2019, "1", 1), (2019, 1.0, 1), (9999, 52, 6)]:
    show(lambda: date.fromisocalendar(*args))
show(lambda: date.fromisocalendar(2019, 1))
show(lambda: datetime.fromisocalendar(2019, 1, day=3))
show(lambda: date(2000, 1, 1).fromordinal(5))

# fromisoformat: the forms 3.11 reads, and some it does not.
for s in ["00010101", "2025-01-02", "2025W01", "2025-W01", "2025W014", "2025-W01-4", "2015-W53-5",
          "2025-W53", "2025-W014", "2025-1-01", "20250132", "0000-01-01", "2025-01", "2025é0101", ""]:
    show(lambda: date.fromisoformat(s))
show(lambda: datetime.fromisoformat("20000101T01:02"))
show(lambda: datetime.fromisoformat("2000-W01-1 01:02:03.5"))

# timedelta: truth, rounding, division, reflected and mixed operations.
print(bool(timedelta(0)), bool(timedelta(microseconds=1)), not timedelta(0))
td = timedelta
print(td(milliseconds=0.5 / 1000), td(milliseconds=1.5 / 1000), td(seconds=-1 / 2 ** 7),
      td(days=0.4 / 86400e6, hours=0.2 / 3600e6), td(microseconds=0.5), td(microseconds=-2.5))
print(0.5 * td(microseconds=1), td(microseconds=3) * 0.5, td(microseconds=5) / 2, td(microseconds=3) / 2.0,
      td(1) * 1e-9, td(hours=1) / 3)
for ms in [-1, -2, -123, 86399999999]:
    d = td(microseconds=ms)
    print(d.total_seconds(), d / td(seconds=1), td(days=365).total_seconds())
print(td(999999999).total_seconds(), td(-999999999, 1, 1).total_seconds())
print(divmod(td(minutes=2, seconds=30), td(minutes=1)), divmod(td(minutes=-2, seconds=30), td(minutes=1)))
print(td(hours=5) // td(hours=2), td(hours=5) % td(hours=2), td(hours=-5) // td(hours=2), td(7) // 2, td(7) // -2)
print(td(1) + date(2000, 1, 31), td(hours=25) + datetime(2000, 1, 1), td(days=1, hours=2) + date(2000, 1, 1))
for f in [lambda: td(1) // 0, lambda: td(1) / 0, lambda: td(1) / 0.0, lambda: td(1) // 2.0,
          lambda: td(1) % 2, lambda: td(1) % td(0), lambda: td(1) // td(0), lambda: td(1) / td(0),
          lambda: divmod(td(1), td(0)), lambda: divmod(td(1), 10), lambda: 0 // td(1),
          lambda: td(1) - date(2000, 1, 1), lambda: td(1) + time(1), lambda: td(days=1e10),
          lambda: td(days="1"), lambda: td(hours=None), lambda: td(1) * float("nan"),
          lambda: td(days=float("inf")), lambda: td(1) / 1e-300, lambda: td(1) * 1e300]:
    show(f)
