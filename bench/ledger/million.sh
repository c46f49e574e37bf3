#!/usr/bin/env bash
# Ledger "must show": 1 M generated records through the real tollgate binary.
#   bench/ledger/million.sh sqlite            (SQLite files in a temp dir)
#   bench/ledger/million.sh postgres          (needs TOLLGATE_BENCH_PG_URL, e.g. postgres://tollgate@127.0.0.1:55432)
# Optional second argument: record count (default 1000000). Build first: dotnet build src/Tollgate.Cli -c Release
# LEDGER_FILE=path keeps the generated file there and reuses it on the next run (generation is the slow part).
# Steps: generate -> independent exact sums (python Decimal) -> import -> cost --by provider/day --json == sums ->
# import again (nothing changes) -> export -> import into an empty store -> same reports.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
kind=${1:-sqlite}
n=${2:-1000000}
tollgate=${TOLLGATE:-$root/src/Tollgate.Cli/bin/Release/net10.0/tollgate}
[ -x "$tollgate" ] || { echo "build the CLI first: dotnet build src/Tollgate.Cli -c Release" >&2; exit 1; }
work=$(mktemp -d /tmp/tollgate-million.XXXXXX)
suffix=$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')
dbs=()
cleanup() {
  rm -rf "$work"
  for db in "${dbs[@]}"; do psql "$TOLLGATE_BENCH_PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null || true; done
}
trap cleanup EXIT

case "$kind" in
  sqlite) store_a="sqlite:$work/a/tollgate.db"; store_b="sqlite:$work/b/tollgate.db" ;;
  postgres)
    : "${TOLLGATE_BENCH_PG_URL:?set TOLLGATE_BENCH_PG_URL=postgres://user@host:port}"
    for x in a b; do
      db="tg_million_${x}_$suffix"; dbs+=("$db")
      psql "$TOLLGATE_BENCH_PG_URL/postgres" -qc "CREATE DATABASE $db" >/dev/null
    done
    store_a="$TOLLGATE_BENCH_PG_URL/${dbs[0]}"; store_b="$TOLLGATE_BENCH_PG_URL/${dbs[1]}" ;;
  *) echo "usage: $0 sqlite|postgres [records]" >&2; exit 2 ;;
esac

now() { date +%s.%N; }
took() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$(now)"; }
rate() { python3 -c "import sys; print(f'{int(sys.argv[1]) / float(sys.argv[2]):,.0f}')" "$n" "$1"; }

echo "== $kind, $n records (work dir $work)"
if [ -n "${LEDGER_FILE:-}" ] && [ -s "$LEDGER_FILE" ] && [ "$(wc -l < "$LEDGER_FILE")" = "$n" ]; then
  ln -s "$(realpath "$LEDGER_FILE")" "$work/records.jsonl"; echo "reusing $LEDGER_FILE"
else
  t=$(now); python3 "$here/generate.py" "$n" "$work/records.jsonl"; echo "generate: $(took "$t") s ($(du -h "$work/records.jsonl" | cut -f1))"
  if [ -n "${LEDGER_FILE:-}" ]; then cp "$work/records.jsonl" "$LEDGER_FILE"; fi
fi
t=$(now)
python3 "$here/expected.py" "$work/records.jsonl" provider > "$work/expected-provider.json"
python3 "$here/expected.py" "$work/records.jsonl" day > "$work/expected-day.json"
echo "independent sums (python Decimal): $(took "$t") s"

t=$(now); "$tollgate" import "$work/records.jsonl" --store "$store_a"; s=$(took "$t"); echo "import: $s s ($(rate "$s") records/s)"
t=$(now)
"$tollgate" cost --by provider --json --store "$store_a" > "$work/provider.json"
"$tollgate" cost --by day --json --store "$store_a" > "$work/day.json"
echo "cost --by provider + --by day: $(took "$t") s"
python3 "$here/compare.py" "$work/expected-provider.json" "$work/provider.json"
python3 "$here/compare.py" "$work/expected-day.json" "$work/day.json"

t=$(now); out=$("$tollgate" import "$work/records.jsonl" --store "$store_a"); s=$(took "$t"); echo "second import: $s s: $out"
case "$out" in "imported 0 new records, $n already present"*) ;; *) echo "FAIL: second import changed something" >&2; exit 1 ;; esac
"$tollgate" cost --by provider --json --store "$store_a" > "$work/provider2.json"
"$tollgate" cost --by day --json --store "$store_a" > "$work/day2.json"
cmp "$work/provider.json" "$work/provider2.json" && cmp "$work/day.json" "$work/day2.json" && echo "ok: reports unchanged after the second import"

t=$(now); "$tollgate" export -o "$work/export.jsonl" --store "$store_a"; s=$(took "$t"); echo "export: $s s ($(rate "$s") records/s)"
t=$(now); "$tollgate" import "$work/export.jsonl" --store "$store_b"; s=$(took "$t"); echo "import of the export into an empty store: $s s"
"$tollgate" cost --by provider --json --store "$store_b" > "$work/provider3.json"
"$tollgate" cost --by day --json --store "$store_b" > "$work/day3.json"
python3 "$here/compare.py" "$work/expected-provider.json" "$work/provider3.json"
python3 "$here/compare.py" "$work/expected-day.json" "$work/day3.json"
echo "== PASS ($kind, $n records)"
