from datetime import datetime, date
dt = datetime(2024, 7, 4, 9, 5, 7)
for fmt in ["%Y-%m-%d", "%d/%m/%y", "%H:%M:%S", "%I:%M %p", "%A %B %d", "%a %b %d", "%j", "%Y%m%dT%H%M%S", "%%", "%U %W", "%w", "week %V of %G"]:
    print(repr(fmt), dt.strftime(fmt))
print(date(2000, 1, 1).strftime("%A, %d %B %Y"))
print(f"{dt:%Y/%m/%d %H:%M}", "{:%b %d}".format(dt))
