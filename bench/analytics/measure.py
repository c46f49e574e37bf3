#!/usr/bin/env python3
"""Times admin API requests against a running gateway: warm-ups, then N timed runs each; prints a Markdown table.

usage: measure.py BASE_URL ADMIN_KEY PATHS_FILE [--runs 20] [--warmup 3]
PATHS_FILE: one "label<TAB>path" per line. Every request must answer 200.
"""
import argparse, statistics, sys, time, urllib.request


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base")
    ap.add_argument("key")
    ap.add_argument("paths")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    a = ap.parse_args()
    rows = [line.rstrip("\n").split("\t", 1) for line in open(a.paths, encoding="utf-8") if line.strip() and not line.startswith("#")]
    print("| query | p50 ms | p95 ms | max ms | bytes |")
    print("|---|---|---|---|---|")
    failed = False
    for label, path in rows:
        times, size = [], 0
        for i in range(a.warmup + a.runs):
            req = urllib.request.Request(a.base + path, headers={"authorization": "Bearer " + a.key})
            t0 = time.perf_counter()
            try:
                with urllib.request.urlopen(req, timeout=120) as r:
                    body = r.read()
            except Exception as e:  # noqa: BLE001 - report and go on
                print(f"| {label} | error: {e} | | | |")
                failed = True
                break
            dt = (time.perf_counter() - t0) * 1000
            size = len(body)
            if i >= a.warmup:
                times.append(dt)
        else:
            times.sort()
            p95 = times[min(len(times) - 1, int(round(0.95 * len(times) + 0.5)) - 1)]
            print(f"| {label} | {statistics.median(times):.0f} | {p95:.0f} | {times[-1]:.0f} | {size:,} |")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
