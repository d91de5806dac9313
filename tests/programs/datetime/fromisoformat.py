from datetime import date, datetime
print(date.fromisoformat("2024-03-15"))
print(datetime.fromisoformat("2024-03-15T10:20:30"))
print(datetime.fromisoformat("2024-03-15 10:20"))
print(datetime.fromisoformat("2024-03-15"))
print(datetime.fromisoformat("2024-03-15T10:20:30.123456"))
try:
    date.fromisoformat("15/03/2024")
except ValueError as e:
    print(type(e).__name__, e)
