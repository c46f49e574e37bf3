#!/usr/bin/env bash
# Dashboard timings over a large ledger (docs/benchmarks.md): starts the real `tollgate serve` on STORE, installs
# playwright-core (not committed) into a temporary directory, drives Debian's Chromium through bench/dashboard/timings.mjs.
#   TOLLGATE=/tmp/pub/tollgate STORE=sqlite:/tmp/s10m/tollgate.db DATA=/tmp/s10m FROM=2026-10-01 TO=2026-10-30 bash bench/dashboard/run.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tollgate=${TOLLGATE:-/tmp/pub/tollgate}
: "${STORE:?set STORE (e.g. sqlite:/tmp/s10m/tollgate.db)}"
data=${DATA:-$(mktemp -d)}
work=$(mktemp -d /tmp/tollgate-dashboard.XXXXXX)
[ -x /usr/bin/chromium ] || { echo "install chromium: apt-get install -y chromium" >&2; exit 1; }
npm install --silent --prefix "$work" playwright-core@1.64 >/dev/null
cp "$here/timings.mjs" "$work/"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# Providers configured (unreachable placeholder keys: nothing is called) so recommendations have alternatives to offer.
OPENAI_API_KEY=${OPENAI_API_KEY:-sk-bench} ANTHROPIC_API_KEY=${ANTHROPIC_API_KEY:-bench} GEMINI_API_KEY=${GEMINI_API_KEY:-bench} \
  MISTRAL_API_KEY=${MISTRAL_API_KEY:-bench} "$tollgate" serve --port "$port" --store "$STORE" --data "$data" >"$work/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 150); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
echo "## dashboard, $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
# The Recommendations page reads the gateway's background result: wait for the first one (what it costs is printed).
start=$(date +%s.%N)
curl -fs -o /dev/null -H "Authorization: Bearer $(cat "$data/admin.key")" "http://127.0.0.1:$port/admin/recommendations?latest=1"
echo "first background recommendations result: $(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$start" "$(date +%s.%N)") s"
BASE="http://127.0.0.1:$port" KEY=$(cat "$data/admin.key") FROM=${FROM:-2026-10-01} TO=${TO:-2026-10-30} RUNS=${RUNS:-5} node "$work/timings.mjs"
