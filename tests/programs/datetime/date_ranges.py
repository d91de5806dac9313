from datetime import date, timedelta
start = date(2024, 2, 26)
days = [start + timedelta(days=i) for i in range(6)]
print([d.isoformat() for d in days])
print([d.strftime("%a") for d in days])
weekdays = [d for d in days if d.weekday() < 5]
print(len(weekdays))
by_month = {}
for d in days:
    by_month.setdefault(d.strftime("%Y-%m"), []).append(d.day)
print(by_month)
print(min(days), max(days), date(2024, 1, 1) in days)
