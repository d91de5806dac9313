d = {"a": 1}
print("before")
d["missing"]
