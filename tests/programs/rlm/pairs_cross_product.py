users = [("u1", {"sport", "music"}), ("u2", {"music", "art"}), ("u3", {"sport"}), ("u4", {"art", "music"})]
pairs = []
for i in range(len(users)):
    for j in range(i + 1, len(users)):
        a, sa = users[i]
        b, sb = users[j]
        common = sorted(sa & sb)
        if common:
            pairs.append((a, b, common))
for p in pairs:
    print(p)
print(len(pairs))
