# expect: string_length
n = 10**10
print(f"{'ab' * n}")
print("ESCAPED")
