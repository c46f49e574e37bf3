#!/usr/bin/env bash
# Analytics over a large ledger through the admin API of the real `tollgate serve` (docs/benchmarks.md).
#   bench/analytics/run.sh sqlite|postgres [records]
# postgres needs TOLLGATE_BENCH_PG_URL (e.g. postgres://tollgate@127.0.0.1:55432). Build first:
#   dotnet publish src/Tollgate.Cli -c Release -o /tmp/pub
# LEDGER_FILE (default bench/results/ledger-10m.jsonl) is generated once with --tags and reused; STORE_DIR keeps the
# imported SQLite store between runs (import is the slow part). FROM/TO name the ledger's 30 days (default the
# generator's 2026-10-01 … 2026-10-30). Prints the admin API timings, then the CLI's report, what-if and
# recommendations over the same 30 days.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
kind=${1:-sqlite}
n=${2:-10000000}
tollgate=${TOLLGATE:-/tmp/pub/tollgate}
[ -x "$tollgate" ] || { echo "publish the CLI first: dotnet publish src/Tollgate.Cli -c Release -o /tmp/pub" >&2; exit 1; }
ledger=${LEDGER_FILE:-$root/bench/results/ledger-10m.jsonl}
mkdir -p "$(dirname "$ledger")"
[ -s "$ledger" ] || python3 "$root/bench/ledger/generate.py" "$n" "$ledger" --tags

case "$kind" in
  sqlite)
    dir=${STORE_DIR:-$root/bench/results/analytics-sqlite}
    store="sqlite:$dir/tollgate.db" ;;
  postgres)
    : "${TOLLGATE_BENCH_PG_URL:?set TOLLGATE_BENCH_PG_URL=postgres://user@host:port}"
    dir=${STORE_DIR:-$root/bench/results/analytics-postgres}
    psql "$TOLLGATE_BENCH_PG_URL/postgres" -qc "CREATE DATABASE tg_analytics" 2>/dev/null || true
    store="$TOLLGATE_BENCH_PG_URL/tg_analytics" ;;
  *) echo "usage: $0 sqlite|postgres [records]" >&2; exit 2 ;;
esac
mkdir -p "$dir"
if [ ! -e "$dir/imported" ]; then
  start=$(date +%s)
  "$tollgate" import "$ledger" --store "$store" >/dev/null
  echo "imported $n records in $(( $(date +%s) - start )) s" | tee "$dir/imported"
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# Providers configured (unreachable placeholder keys: nothing is called) so recommendations have alternatives to offer.
OPENAI_API_KEY=${OPENAI_API_KEY:-sk-bench} ANTHROPIC_API_KEY=${ANTHROPIC_API_KEY:-bench} GEMINI_API_KEY=${GEMINI_API_KEY:-bench} \
  MISTRAL_API_KEY=${MISTRAL_API_KEY:-bench} "$tollgate" serve --port "$port" --store "$store" --data "$dir" >"$dir/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
key=$(cat "$dir/admin.key")
# The ledger's 30 days (the generator's default start is 2026-10-01; pass FROM/TO for a ledger made with --start).
from=${FROM:-2026-10-01}
to=${TO:-2026-10-30}
mid=$(date -u -d "$to - 14 days" +%F)
week=$(date -u -d "$to - 6 days" +%F)
fill() { sed -e "s/{FROM}/$from/g" -e "s/{TO}/$to/g" -e "s/{MID}/$mid/g" -e "s/{WEEK}/$week/g" "$1" > "$dir/$(basename "$1")"; echo "$dir/$(basename "$1")"; }
echo "## $kind, $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
python3 "$here/measure.py" "http://127.0.0.1:$port" "$key" "$(fill "${PATHS:-$here/paths.tsv}")" --runs "${RUNS:-20}"
echo
python3 "$here/measure.py" "http://127.0.0.1:$port" "$key" "$(fill "$here/paths-raw.tsv")" --runs "${RUNS_RAW:-3}" --warmup 1
kill $pid; wait $pid 2>/dev/null || true
trap - EXIT

[ -n "${SKIP_CLI:-}" ] && exit 0
echo
echo "| CLI over 30 days | wall s |"
echo "|---|---|"
for cmd in "report --from $from --to $to --format html -o $dir/report.html" \
           "whatif --from $from --to $to --map-model gpt-4o=gpt-4o-mini --json" \
           "recommend --from $from --to $to --json"; do
  start=$(date +%s.%N)
  # shellcheck disable=SC2086
  if timeout "${CLI_TIMEOUT:-600}" "$tollgate" $cmd --store "$store" >/dev/null; then
    echo "| tollgate ${cmd%% *} | $(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$start" "$(date +%s.%N)") |"
  else
    echo "| tollgate ${cmd%% *} | > ${CLI_TIMEOUT:-600} (stopped) |"
  fi
done
