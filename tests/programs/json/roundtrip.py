import json
records = [{"id": i, "name": f"item{i}", "price": round(i * 1.1, 2), "tags": ["t"] * (i % 3)} for i in range(5)]
encoded = json.dumps(records)
print(encoded)
decoded = json.loads(encoded)
print(decoded == records, len(decoded))
print(sum(r["price"] for r in decoded))
print(json.dumps(json.loads('{"z": 1, "a": 2}')))
print(json.dumps({"float": 1.0, "big": 10 ** 15, "small": 0.1 + 0.2}))
