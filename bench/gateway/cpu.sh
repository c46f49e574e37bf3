#!/usr/bin/env bash
# Quick gateway CPU per request (minutes, not the full run-all comparison): starts the shared mock upstream and
# `tollgate serve` (embedded SQLite, virtual key, hard budget, ledger on the path), drives C=64 keep-alive
# connections with bench/gateway/load.js for DUR seconds after a warm-up, and prints the gateway process's
# CPU ms per request (utime+stime from /proc). Needs node (built-ins only) and ../shared/bench/bench/mock-upstream.js.
#
#   bash bench/gateway/cpu.sh [PUBLISH_DIR]     # default: publishes src/Tollgate.Cli to a temp directory
# Also prints the load generator's p50/p99, from the gateway's /metrics the managed bytes allocated per request,
# collections, GC pauses and JIT time in the window, the CPU of the ledger writer's threads and the context switches.
# Env: C (64) DUR (10) WARMUP (3) STREAM (0) PORT (5181) MOCK_PORT (18181)
#      DURABILITY (durable): the gateway's ledgerDurability — durable (a call's record is committed before its answer)
#      or relaxed (written ~50 ms after it); run both, alternating, for the cost of durability; omit leaves the
#      setting out (builds from before it, which wrote relaxed)
#      SERVE_ENV="NAME=value ...": extra environment for the gateway (runtime experiments, e.g. DOTNET_TieredPGO=0)
#      PERF=1: record a perf profile of the gateway during the window (perf.data and the JIT symbol map are kept in
#      $PERF_OUT, default /tmp/tollgate-cpu-perf; read it with `perf report -i $PERF_OUT/perf.data --no-children --sort dso,symbol`)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
C=${C:-64}; DUR=${DUR:-10}; WARMUP=${WARMUP:-3}; STREAM=${STREAM:-0}; PORT=${PORT:-5181}; MOCK_PORT=${MOCK_PORT:-18181}
mock=""
for candidate in "$root/../shared/bench/bench" "$root/shared/bench/bench" /work/shared/bench/bench; do
  [ -f "$candidate/mock-upstream.js" ] && { mock="$candidate/mock-upstream.js"; break; }
done
[ -n "$mock" ] || { echo "shared/bench/bench/mock-upstream.js not found beside the repository"; exit 1; }
work=$(mktemp -d /tmp/tollgate-cpu.XXXXXX)
pub=${1:-}
pids=()
cleanup() { set +e; for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$work"; }
trap cleanup EXIT
if [ -z "$pub" ]; then
  pub="$work/publish"
  dotnet publish "$root/src/Tollgate.Cli/Tollgate.Cli.csproj" -c Release -o "$pub" -nologo -v q -m:1 > "$work/publish.log" 2>&1 || { cat "$work/publish.log"; exit 1; }
fi
node "$mock" --port "$MOCK_PORT" --quiet > "$work/mock.log" 2>&1 & pids+=($!)
durability=", \"ledgerDurability\": \"${DURABILITY:-durable}\""
[ "${DURABILITY:-}" = omit ] && durability=""   # builds from before the setting existed (they wrote relaxed)
cat > "$work/tollgate.json" <<JSON
{ "host": "127.0.0.1", "port": $PORT, "dataDirectory": "$work/data", "providersFromEnvironment": false$durability,
  "providers": [{"name": "openai", "baseUrl": "http://127.0.0.1:$MOCK_PORT/v1", "apiKey": "sk-bench-mock"}] }
JSON
admin_key="cpu-admin-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
perf_env=()
if [ "${PERF:-0}" = 1 ]; then perf_env=(DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0); fi
(cd "$work" && exec env TOLLGATE_ADMIN_KEY="$admin_key" ${perf_env[@]+"${perf_env[@]}"} ${SERVE_ENV:-} "$pub/tollgate" serve --config "$work/tollgate.json" > "$work/serve.log" 2>&1) & pid=$!; pids+=($pid)
for _ in $(seq 150); do curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
admin() { curl -fsS -H "authorization: Bearer $admin_key" -H 'content-type: application/json' "$@"; }
key=$(admin -X POST "http://127.0.0.1:$PORT/admin/keys" -d '{"tenant":"bench","project":"load","user":"loadgen","name":"cpu"}' | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).key))')
admin -X POST "http://127.0.0.1:$PORT/admin/budgets" -d '{"id":"bench-daily","scope":{"tenant":"bench"},"limit":"1000000","currency":"USD","period":"daily","enforcement":"hard"}' >/dev/null
url="http://127.0.0.1:$PORT/v1/chat/completions"
node "$root/bench/gateway/load.js" "$url" "$key" "$C" "$WARMUP" "$STREAM" >/dev/null
ticks() { awk '{print $14+$15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
metrics() { curl -fsS -H "authorization: Bearer $admin_key" "http://127.0.0.1:$PORT/metrics" | awk '/^dotnet_gc_allocated_bytes_total /{a=$2} /^dotnet_gc_collections_total\{generation="0"/{g0=$2} /^dotnet_gc_collections_total\{generation="2"/{g2=$2} /^dotnet_jit_compilation_seconds_total /{j=$2} /^dotnet_gc_pause_seconds_total /{p=$2} END{print a, g0, g2, j, p}'; }
if [ "${PERF:-0}" = 1 ]; then
  PERF_OUT=${PERF_OUT:-/tmp/tollgate-cpu-perf}; mkdir -p "$PERF_OUT"
  (perf record -F 999 -g -o "$PERF_OUT/perf.data" -p "$pid" -- sleep "$DUR" > "$PERF_OUT/record.log" 2>&1) & pids+=($!)
fi
m0=$(metrics)
csw() { cat /proc/$pid/task/*/status 2>/dev/null | awk '/^voluntary_ctxt_switches/{v+=$2} /^nonvoluntary_ctxt_switches/{n+=$2} END{print v+n}'; }
# CPU of the ledger writer's threads (named "Tollgate ledger"): the share of the gateway's CPU spent storing records.
ledger_ticks() { for t in /proc/$pid/task/*; do grep -q "^Tollgate ledger" "$t/comm" 2>/dev/null && awk "{print \$14+\$15}" "$t/stat" || true; done | awk '{s+=$1} END{print s+0}'; }
cs0=$(csw); l0=$(ledger_ticks)
before=$(ticks)
result=$(node "$root/bench/gateway/load.js" "$url" "$key" "$C" "$DUR" "$STREAM")
after=$(ticks)
cs1=$(csw); l1=$(ledger_ticks)
m1=$(metrics)
if [ "${PERF:-0}" = 1 ]; then wait "${pids[-1]}" 2>/dev/null || true; cp "/tmp/perf-$pid.map" "$PERF_OUT/" 2>/dev/null || true; echo "perf: $PERF_OUT/perf.data"; fi
node -e '
const r = JSON.parse(process.argv[1]); const ms = (Number(process.argv[3]) - Number(process.argv[2])) * 1000 / Number(process.argv[4]);
console.log(`c=${process.argv[5]} stream=${process.argv[6]}: ${r.requests} ok, ${r.errors} errors in ${r.seconds.toFixed(1)} s (${(r.requests / r.seconds).toFixed(0)} req/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms); gateway CPU ${ms.toFixed(0)} ms = ${(ms / r.requests).toFixed(3)} ms/request`);
const [a0, g00, g20, j0, p0] = process.argv[7].split(" ").map(Number), [a1, g01, g21, j1, p1] = process.argv[8].split(" ").map(Number);
const n = r.requests + r.errors;
console.log(`managed allocations ${((a1 - a0) / n / 1024).toFixed(1)} KiB/request; ${g01 - g00} gen0 / ${g21 - g20} gen2 collections, ${((p1 - p0) * 1000).toFixed(0)} ms paused; JIT ${((j1 - j0) * 1000).toFixed(0)} ms in the window`);
' "$result" "$before" "$after" "$hz" "$C" "$STREAM" "$m0" "$m1"
echo "ledger writer threads: $(( (l1 - l0) * 1000 / hz )) ms CPU"
echo "context switches: $(( (cs1 - cs0) )) ($(node -e "const r=JSON.parse(process.argv[1]);console.log(((${cs1}-${cs0})/(r.requests+r.errors)).toFixed(2))" "$result") per request, threads that ended in the window not counted)"
echo "load: $(uptime)"
