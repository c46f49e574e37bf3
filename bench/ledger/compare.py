#!/usr/bin/env python3
"""compare.py EXPECTED ACTUAL: two cost-report JSON documents are equal (money compared as exact decimals)."""
import json, sys
from decimal import Decimal

def norm(doc):
    return (Decimal(doc["total"]), doc["currency"],
            [(g["key"], Decimal(g["cost"]), g["requests"], g["input_tokens"], g["output_tokens"]) for g in doc["groups"]])

e, a = (json.load(open(p)) for p in sys.argv[1:3])
if norm(e) != norm(a):
    print(f"MISMATCH {sys.argv[1]} vs {sys.argv[2]}")
    ne, na = norm(e), norm(a)
    print(" total", ne[0], na[0])
    for x, y in zip(ne[2], na[2]):
        if x != y:
            print(" ", x, "!=", y)
    sys.exit(1)
print(f"ok: {sys.argv[2]} == {sys.argv[1]} (total {e['total']}, {len(e['groups'])} groups)")
