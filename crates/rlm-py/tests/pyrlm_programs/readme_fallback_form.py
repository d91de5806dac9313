found = pick_first_answer(ask_chunks("What is the access code?", ctx))
result = repr([found])
