# DSL-only: `Final`/`final` and `Final_var`/`Final_Var`/`final_var` are the sandbox's FINAL and FINAL_VAR under the spellings small models write; Python has no such names. A program's own binding of the name wins.
print(Final, final, Final_var, Final_Var, final_var)
def final(x):
    return x * 2
print(final(21))
answer = "cobalt-harbor-71"
Final_var("answer")
