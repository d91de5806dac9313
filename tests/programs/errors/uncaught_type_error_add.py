label = "count: "
print(label)
label + 5
