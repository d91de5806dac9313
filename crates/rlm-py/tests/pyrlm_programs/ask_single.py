one = ask("What is the code?", "the code is AB-12")
two = ask_chunk("What is the code?", "nothing", max_tokens=50)
result = repr([one, two])
