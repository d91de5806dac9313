# Issue #33: date, datetime and timedelta arithmetic past their ranges
# raises OverflowError as CPython's does (it used to saturate silently).
from datetime import date, datetime, timedelta

def attempt(label, f):
    try:
        print(label, repr(f()))
    except Exception as e:
        print(label, type(e).__name__, e)

last = date(9999, 12, 31)
first = date(1, 1, 1)
attempt("date max + 1 day", lambda: last + timedelta(1))
attempt("date max + 0", lambda: last + timedelta(0))
attempt("date min - 1 day", lambda: first - timedelta(days=1))
attempt("date min + -1 day", lambda: first + timedelta(days=-1))
attempt("date + hours", lambda: date(2020, 1, 1) + timedelta(hours=25))
attempt("date - hours", lambda: date(2020, 1, 1) - timedelta(hours=1))
attempt("datetime max + 1us", lambda: datetime(9999, 12, 31, 23, 59, 59, 999999) + timedelta(microseconds=1))
attempt("datetime min - 1us", lambda: datetime(1, 1, 1) - timedelta(microseconds=1))
attempt("datetime + huge", lambda: datetime(2020, 1, 1) + timedelta(days=999999999))
attempt("datetime - huge", lambda: datetime(2020, 1, 1) - timedelta(days=999999999))
attempt("date span", lambda: last - first)
attempt("datetime span", lambda: datetime(9999, 12, 31) - datetime(1, 1, 1))
attempt("td max", lambda: timedelta(days=999999999))
attempt("td min", lambda: timedelta(days=-999999999))
attempt("td too big", lambda: timedelta(days=1000000000))
attempt("td too small", lambda: timedelta(days=-1000000000))
attempt("td weeks", lambda: timedelta(weeks=200000000))
attempt("td hours", lambda: timedelta(hours=24 * 1000000000))
attempt("td sum", lambda: timedelta(days=999999999) + timedelta(days=1))
attempt("td diff", lambda: timedelta(days=-999999999) - timedelta(days=1))
attempt("td times", lambda: timedelta(days=500000000) * 2)
attempt("td times left", lambda: 3 * timedelta(days=400000000))
attempt("td times float", lambda: timedelta(days=500000000) * 2.5)
attempt("td neg", lambda: -timedelta(days=999999999))
attempt("td big ok", lambda: timedelta(days=999999999, hours=23))
attempt("td total", lambda: timedelta(days=999999999).total_seconds())
attempt("td div", lambda: timedelta(days=999999999) / 3)
attempt("td nan", lambda: timedelta(days=float("nan")))
attempt("td inf", lambda: timedelta(days=float("inf")))
attempt("td times inf", lambda: timedelta(1) * float("inf"))
attempt("td compare", lambda: timedelta(days=999999999) > timedelta(days=-999999999))
