print("step 1")
raise ValueError("custom failure: code 42")
