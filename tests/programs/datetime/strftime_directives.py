from datetime import date, datetime
days = [date(2020, 12, 31), date(2021, 1, 1), date(2021, 1, 3), date(2021, 1, 4), date(2023, 1, 1),
        date(2024, 2, 29), date(2024, 12, 30), date(2026, 12, 31), date(2027, 1, 1), date(1999, 12, 31)]
for d in days:
    print(d, d.strftime("%U %W %V %G %g %u %w %j %a %A"))
for d in [datetime(2024, 7, 4, 9, 5, 7), datetime(2024, 1, 1, 0, 0), datetime(2023, 11, 30, 12, 30, 59), datetime(2024, 3, 9, 23, 1, 2, 345)]:
    print(d.strftime("%e|%C|%D|%F|%T|%R|%r|%k|%l|%P|%h|%y|%f"))
    print(d.strftime("%c"), "/", d.strftime("%x"), "/", d.strftime("%X"), repr(d.strftime("%n%t%%")))
print(date(5, 1, 3).strftime("%Y|%G|%y|%C"), date(999, 12, 31).strftime("%Y-%m-%d"))
