from datetime import date, datetime, timedelta
d = date(1999, 12, 25)
out = []
for i in range(0, 3000, 7):
    x = d + timedelta(days=i)
    out.append(x.strftime("%a%A%b%B%d%e%j%m%U%W%V%G%g%u%w%y%Y%C%D%F%x"))
print(len(out), "|".join(out[:400]))
fmts = ["%Y-%m-%d", "%d/%m/%Y %H:%M", "%b %d %Y", "%Y%j", "%y %U %w", "%G-W%V-%u", "%I%p", "%H:%M:%S.%f"]
strs = ["2024-02-29", "29/02/2023 10:00", "feb 29 2024", "2024366", "2023366", "23 52 6", "24 00 0", "2020-W53-7", "2021-W53-1",
        "12AM", "00PM", "13PM", "23:59:60.1", "23:59:59.0000001", "1-1-1", "2024-1-01", "31/4/2024 1:1", "Sept 1 2024", "sep 01 2024"]
for f in fmts:
    for s in strs:
        try:
            r = str(datetime.strptime(s, f))
        except ValueError as e:
            r = "VE " + str(e)
        print(f, s, r)
