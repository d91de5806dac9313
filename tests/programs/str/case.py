s = "hello WORLD, it's a Test-case_x 3rd"
print(s.upper())
print(s.lower())
print(s.title())
print(s.capitalize())
print(s.swapcase())
print("Straße".casefold(), "Straße".lower(), "ǅ".upper())
print("ÉCOLE".lower(), "école".upper(), "i".upper())
print("hELLO".capitalize(), "123abc".capitalize(), "".title())
