from datetime import datetime
for s, fmt in [("2024-03-15", "%Y-%m-%d"), ("15/03/24 13:45", "%d/%m/%y %H:%M"), ("March 5, 2021", "%B %d, %Y"), ("Tue Jan 02 2024", "%a %b %d %Y"), ("07:30 PM", "%I:%M %p")]:
    print(datetime.strptime(s, fmt))
d = datetime.strptime("2024-02-29T10:00:00", "%Y-%m-%dT%H:%M:%S")
print(d.date(), d.weekday())
try:
    datetime.strptime("2024-13-01", "%Y-%m-%d")
except ValueError as e:
    print(type(e).__name__, e)
try:
    datetime.strptime("nope", "%Y")
except ValueError as e:
    print(type(e).__name__, e)
