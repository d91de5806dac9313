# expect: forbidden
os = __import__("os")
print("ESCAPED", os.getcwd())
