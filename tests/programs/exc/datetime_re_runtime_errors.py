import re
from datetime import date, time, datetime, timedelta
def show(f):
    try:
        print(repr(f()))
    except Exception as e:
        print(type(e).__name__, e)
show(lambda: time(1) + timedelta(hours=1)); show(lambda: time(2) - time(1)); show(lambda: date(2024, 1, 1) + 1)
show(lambda: datetime(2024, 1, 1) < date(2024, 1, 2)); show(lambda: datetime(2024, 1, 1) == date(2024, 1, 1))
show(lambda: time(1) < datetime(2024, 1, 1)); show(lambda: date(2024, 1, 1).hour); show(lambda: time(1).year)
show(lambda: time(1).replace(hour=5, second=2)); show(lambda: time(1).replace(year=5)); show(lambda: str(time(0)))
show(lambda: datetime.fromordinal(738960).isoformat()); show(lambda: date.fromordinal(3652060))
show(lambda: datetime.strptime("2024-03-15", "%Y-%m-%d").date()); show(lambda: datetime.strptime("15.03.2024 08:09", "%d.%m.%Y %H:%M"))
show(lambda: re.sub(r"(a)", r"\3", "a")); show(lambda: re.sub(r"a", r"\q", "a")); show(lambda: re.sub("(?P<x>a)", r"\g<y>", "a"))
show(lambda: re.compile("(a").pattern); show(lambda: re.match("[", "x")); show(lambda: re.findall(r"(?<=\d{2,3})x", "12x"))
show(lambda: re.split(r"(?i)[A-Z]", "aXbYc")); show(lambda: re.search(r"\Z", "ab").start()); show(lambda: re.fullmatch(r"a|ab", "ab"))
show(lambda: datetime(2024, 3, 15, 14, 30).strftime("%s" if False else "%H%%%M")); show(lambda: f"{time(7, 5):%I:%M %p}")
show(lambda: time(25)); show(lambda: time(-1)); show(lambda: time(1, 2, 3, -1)); show(lambda: time("1"))
