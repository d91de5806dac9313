print("about to fail")
print(undefined_variable)
