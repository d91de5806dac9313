result = {"answer": 42}
print("computed")
FINAL_VAR("result")
