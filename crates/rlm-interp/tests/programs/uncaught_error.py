data = {"a": 1}
print("before")
value = data["missing"]
print("after")
