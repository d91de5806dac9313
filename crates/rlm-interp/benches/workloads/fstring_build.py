parts = [f"{i}: {i * i:>10} {i / 3:.2f} {'even' if i % 2 == 0 else 'odd'}" for i in range(50000)]
s = "\n".join(parts)
print(len(s))
