rows = [{"model": "small", "acc": 0.713, "cost": 0.5}, {"model": "large", "acc": 0.9, "cost": 12.25}, {"model": "medium", "acc": 0.845, "cost": 3}]
cols = ["model", "acc", "cost"]
print("| " + " | ".join(cols) + " |")
print("|" + "|".join("---" for _ in cols) + "|")
for r in sorted(rows, key=lambda r: -r["acc"]):
    print(f"| {r['model']} | {r['acc']:.1%} | ${r['cost']:,.2f} |")
best = max(rows, key=lambda r: r["acc"] / r["cost"])
print(f"best value: {best['model']}")
