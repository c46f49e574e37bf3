#!/usr/bin/env python3
"""Writes N deterministic ledger records (docs/ledger-format.md) as JSON lines, in time order over DAYS days.

usage: generate.py N OUT [--days 30] [--start 2026-10-01T00:00:00Z] [--seed 1] [--tags]
"""
import argparse, json, random
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
    a = ap.parse_args()
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
            rec = {
                "request_id": f"gen{a.seed}-{i:09d}",
                "attempt": 1 + (1 if i % 17 == 0 else 0),
                "timestamp": ts.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "provider": p,
                "model": MODELS[p][rnd.randrange(len(MODELS[p]))],
                "api_flavor": "chat",
                "tenant": f"tenant-{user % 5}",
                "project": f"project-{user % 20}",
                "user": f"user-{user}",
                "key_id": f"key-{user}",
                "input_tokens": inp,
                "cache_read_tokens": rnd.randrange(0, inp),
                "cache_write_tokens": 0,
                "output_tokens": out,
                "reasoning_tokens": rnd.randrange(0, out),
                "cost_usd": format(in_cost + out_cost, "f"),
                "input_cost_usd": format(in_cost, "f"),
                "output_cost_usd": format(out_cost, "f"),
                "latency_ms": rnd.randrange(50, 5000),
                "success": rnd.randrange(50) != 0,
            }
            if a.tags:
                rec["tags"] = {"feature": f"feature-{user % 8}"}
            f.write(json.dumps(rec, separators=(",", ":")))
            f.write("\n")

if __name__ == "__main__":
    main()
