#!/usr/bin/env python3
"""Writes N deterministic ledger records (docs/ledger-format.md) as JSON lines, in time order over DAYS days.

usage: generate.py N OUT [--days 30] [--start 2026-10-01T00:00:00Z] [--seed 1] [--tags] [--priced]

Costs are random unless --priced: then each record costs what the genai-prices catalog (../shared/data/genai-prices or
$GENAI_PRICES) charges for its usage, as a Tollgate door would have recorded it (claude-haiku-4, which the catalog
does not list, is recorded unpriced at $0).
"""
import argparse, json, os, random
from datetime import datetime, timedelta, timezone
from decimal import Decimal

MODELS = {
    "openai": ["gpt-4o", "gpt-4o-mini", "o3"],
    "anthropic": ["claude-sonnet-4", "claude-haiku-4"],
    "google": ["gemini-2.5-pro", "gemini-2.5-flash"],
    "mistral": ["mistral-large"],
}

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("out")
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--start", default="2026-10-01T00:00:00Z", help="UTC start of the first day (ISO 8601)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tags", action="store_true", help="give each record a feature=… tag (for tag analytics)")
    ap.add_argument("--priced", action="store_true", help="record the catalog's price of each usage instead of a random cost")
    a = ap.parse_args()
    prices = catalog_prices() if a.priced else None
    rnd = random.Random(a.seed)
    start = datetime.fromisoformat(a.start.replace("Z", "+00:00")).astimezone(timezone.utc)
    span_us = a.days * 86400 * 1_000_000
    providers = list(MODELS)
    with open(a.out, "w", encoding="utf-8") as f:
        for i in range(a.n):
            ts = start + timedelta(microseconds=(span_us * i) // a.n + rnd.randrange(1000))
            p = providers[rnd.randrange(len(providers))]
            user = rnd.randrange(200)
            inp = rnd.randrange(1, 20000)
            out = rnd.randrange(1, 4000)
            in_cost = Decimal(rnd.randrange(0, 50_000_000)) / Decimal(1_000_000_000)
            out_cost = Decimal(rnd.randrange(0, 80_000_000)) / Decimal(1_000_000_000)
            model = MODELS[p][rnd.randrange(len(MODELS[p]))]
            cache_read = rnd.randrange(0, inp)
            reasoning = rnd.randrange(0, out)
            if prices is not None:
                in_cost, out_cost = price(prices.get((p, model)), inp, cache_read, out)
            rec = {
                "request_id": f"gen{a.seed}-{i:09d}",
                "attempt": 1 + (1 if i % 17 == 0 else 0),
                "timestamp": ts.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "provider": p,
                "model": model,
                "api_flavor": "chat",
                "tenant": f"tenant-{user % 5}",
                "project": f"project-{user % 20}",
                "user": f"user-{user}",
                "key_id": f"key-{user}",
                "input_tokens": inp,
                "cache_read_tokens": cache_read,
                "cache_write_tokens": 0,
                "output_tokens": out,
                "reasoning_tokens": reasoning,
                "cost_usd": format(in_cost + out_cost, "f"),
                "input_cost_usd": format(in_cost, "f"),
                "output_cost_usd": format(out_cost, "f"),
                "latency_ms": rnd.randrange(50, 5000),
                "success": rnd.randrange(50) != 0,
            }
            if prices is not None and (p, model) not in prices:
                rec["unpriced"] = True
            if a.tags:
                rec["tags"] = {"feature": f"feature-{user % 8}"}
            f.write(json.dumps(rec, separators=(",", ":")))
            f.write("\n")

# The catalog entry of each generated model (claude-haiku-4 has none); every input stays below the long-context tiers.
CATALOG_IDS = {
    ("openai", "gpt-4o"): "gpt-4o", ("openai", "gpt-4o-mini"): "gpt-4o-mini", ("openai", "o3"): "o3",
    ("anthropic", "claude-sonnet-4"): "claude-sonnet-4-0",
    ("google", "gemini-2.5-pro"): "gemini-2.5-pro", ("google", "gemini-2.5-flash"): "gemini-2.5-flash",
    ("mistral", "mistral-large"): "mistral-large",
}

def catalog_prices():
    """USD per million tokens by unit, for each generated model: the catalog's latest entry (the dates generated are after them all)."""
    root = os.environ.get("GENAI_PRICES", os.path.join(os.path.dirname(__file__), "../../../shared/data/genai-prices"))
    with open(os.path.join(root, "data.json"), encoding="utf-8") as f:
        catalog = {(p["id"], m["id"]): m["prices"] for p in json.load(f) for m in p["models"]}
    found = {}
    for key, model_id in CATALOG_IDS.items():
        entry = catalog[(key[0], model_id)]
        entry = entry[-1]["prices"] if isinstance(entry, list) else entry
        found[key] = {unit: Decimal(str(v["base"] if isinstance(v, dict) else v)) for unit, v in entry.items()}
    return found

def price(rates, inp, cache_read, out):
    """(input cost, output cost) in USD: uncached input, cache reads and output at their rates; a unit without a rate is not split out."""
    if rates is None:
        return Decimal(0), Decimal(0)
    m = Decimal(1_000_000)
    if "cache_read_mtok" in rates:
        in_cost = ((inp - cache_read) * rates["input_mtok"] + cache_read * rates["cache_read_mtok"]) / m
    else:
        in_cost = inp * rates["input_mtok"] / m
    return in_cost, out * rates["output_mtok"] / m

if __name__ == "__main__":
    main()
