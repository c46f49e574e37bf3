#!/usr/bin/env python3
"""Independent sums over a ledger JSON-lines file with exact decimals: prints the cost-report JSON shape
({"total","currency","groups":[{"key","cost","requests","input_tokens","output_tokens"}]}) for --by provider|day (UTC).
The last occurrence of a (request_id, attempt) does not count twice: the first one wins, like the ledger."""
import json, sys
from decimal import Decimal

def fmt(d: Decimal) -> str:
    s = format(d.normalize(), "f")
    return s

def main():
    path, by = sys.argv[1], sys.argv[2]
    seen = set()
    groups = {}
    total = Decimal(0)
    with open(path, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            key = (r["request_id"], r.get("attempt", 1))
            if key in seen:
                continue
            seen.add(key)
            g = r["provider"] if by == "provider" else r["timestamp"][:10]
            cost = Decimal(r["cost_usd"])
            total += cost
            e = groups.setdefault(g, [Decimal(0), 0, 0, 0])
            e[0] += cost; e[1] += 1; e[2] += r.get("input_tokens", 0); e[3] += r.get("output_tokens", 0)
    items = sorted(groups.items(), key=lambda kv: kv[0]) if by == "day" else sorted(groups.items(), key=lambda kv: (-kv[1][0], kv[0]))
    out = {"total": fmt(total), "currency": "USD",
           "groups": [{"key": k, "cost": fmt(v[0]), "requests": v[1], "input_tokens": v[2], "output_tokens": v[3]} for k, v in items]}
    print(json.dumps(out, separators=(",", ":")))

if __name__ == "__main__":
    main()
