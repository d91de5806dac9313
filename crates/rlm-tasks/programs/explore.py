# Turn 1 of every task: look at the context's size and shape before deciding how to split it.
print(f"context: {len(context)} characters")
print(context[:400])
print("...")
print(context[-300:])
