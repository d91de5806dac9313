from collections import defaultdict
totals = defaultdict(float)
counts = defaultdict(int)
for line in context.strip().splitlines()[1:]:
    _id, name, cat, price, qty = line.split(",")
    totals[cat] += float(price) * int(qty)
    counts[cat] += 1
for cat in sorted(totals, key=totals.get, reverse=True):
    print(f"{cat:<12} n={counts[cat]} total={totals[cat]:>8.2f}")
print(f"grand total: {sum(totals.values()):.2f}")
