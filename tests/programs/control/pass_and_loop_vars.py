for i in range(3):
    pass
print(i)
for k, v in {"a": 1}.items():
    pass
print(k, v)
for _ in range(0):
    pass
print([i for i in range(2)], i)
while False:
    pass
print("end")
