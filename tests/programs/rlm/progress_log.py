total = 7
done = 0
for i in range(total):
    done += 1
    pct = done / total
    bar = "#" * int(pct * 20)
    print(f"[{bar:<20}] {done}/{total} {pct:6.1%}")
print("finished" if done == total else "partial")
