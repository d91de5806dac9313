result = repr([
    pick_first_answer(["", "NO_ANSWER", "Answer: 42"]),
    pick_first_answer(["line one\nline two", "The key term is: Zebra."]),
    pick_first_answer(["```x```", "x" * 90, "ok"]),
    pick_first_answer("not a list"),
    pick_first_answer([]),
])
