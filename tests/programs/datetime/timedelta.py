from datetime import date, datetime, timedelta
td = timedelta(days=1, hours=2, minutes=3, seconds=4)
print(td, repr(td), td.days, td.seconds, td.total_seconds())
print(timedelta(hours=36), timedelta(minutes=-5), timedelta(seconds=0.5), timedelta(weeks=2))
print(date(2024, 3, 1) - date(2024, 2, 1), (date(2024, 12, 25) - date(2024, 1, 1)).days)
print(date(2024, 1, 31) + timedelta(days=1), datetime(2024, 1, 1) - timedelta(seconds=1))
print(td * 2, td / 2, td + td, -td, abs(-td), td // 2)
print(timedelta(days=1) > timedelta(hours=23), timedelta(0) == timedelta(), timedelta(days=7) / timedelta(days=1))
print(datetime(2024, 3, 10, 12) - datetime(2024, 3, 9, 6, 30))
