text = " ".join(f"sentence {i} has some words." for i in range(40))
def chunk(s, size, overlap=0):
    step = size - overlap
    return [s[i:i + size] for i in range(0, len(s), step)]
c1 = chunk(text, 200)
c2 = chunk(text, 200, 50)
print(len(text), len(c1), len(c2))
print([len(c) for c in c1])
print(repr(c2[1][:50]))
print("".join(c1) == text)
