import datetime
d = datetime.date(2024, 3, 15)
print(d, repr(d), d.year, d.month, d.day)
print(d.weekday(), d.isoweekday(), d.isoformat(), str(d))
print(d.replace(day=1), d.replace(year=2020, month=2, day=29))
print(datetime.date(2024, 1, 1) < d, d == datetime.date(2024, 3, 15), max(d, datetime.date(2023, 12, 31)))
print(d.toordinal(), datetime.date.fromordinal(738960), int(d.strftime("%j")))
try:
    datetime.date(2023, 2, 29)
except ValueError as e:
    print(type(e).__name__, e)
