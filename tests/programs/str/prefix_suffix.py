print("prefix_name".removeprefix("prefix_"), "name".removeprefix("x"))
print("file.py".removesuffix(".py"), "file.py".removesuffix(".txt"))
print("aaa".removeprefix("a"), "".removesuffix(""), "abc".removeprefix(""))
