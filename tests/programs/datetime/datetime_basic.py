from datetime import datetime, date, time
dt = datetime(2024, 3, 15, 14, 30, 5)
print(dt, repr(dt))
print(dt.date(), dt.time(), dt.hour, dt.minute, dt.second, dt.microsecond)
print(dt.isoformat(), dt.isoformat(sep=" "), datetime(2024, 1, 2, 3, 4, 5, 600).isoformat())
print(datetime.combine(date(2020, 5, 17), time(8, 0)))
print(dt.replace(hour=0, minute=0, second=0), time(12, 5), time(1, 2, 3, 4))
print(sorted([datetime(2024, 1, 2), datetime(2023, 5, 5), datetime(2024, 1, 1, 23)]))
