# expect: forbidden
import importlib
os = importlib.import_module("os")
print("ESCAPED", os.getcwd())
