events = [("eu", "click"), ("us", "view"), ("eu", "view"), ("eu", "click"), ("asia", "click")]
table = {}
for region, kind in events:
    table.setdefault(region, {})
    table[region][kind] = table[region].get(kind, 0) + 1
print(table)
for region in sorted(table):
    print(region, sorted(table[region].items()))
total = {k: sum(v.values()) for k, v in table.items()}
print(max(total, key=total.get), total)
