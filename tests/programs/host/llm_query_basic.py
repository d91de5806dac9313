answer = llm_query("What is 2 + 2?")
print(answer, type(answer), len(answer))
print(answer.upper(), answer == "ok")
