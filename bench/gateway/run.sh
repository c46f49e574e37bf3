#!/usr/bin/env bash
# Gateway load benchmark: Tollgate next to direct, nginx and Portkey in ONE run of shared/bench/bench/run-all.sh,
# with a real virtual key, a real (large) hard budget and the ledger on the request path.
#
#   bash bench/gateway/run.sh            # ~15 minutes; prints the table and writes results/ under shared/bench
#
# Settings passed through to run-all.sh: CONC (default 1,16,64), MODES, RUNS, DUR, WARMUP, PEERS.
# TOLLGATE_PORT (default 5080). The mock upstream that run-all.sh starts listens on 127.0.0.1:18080.
# DURABILITY (default durable): the gateway's ledgerDurability; relaxed writes records ~50 ms after the answer (weaker on a crash).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

bench=""
for candidate in "$root/../shared/bench" "$root/shared/bench" /work/shared/bench; do
  if [ -f "$candidate/bench/run-all.sh" ]; then bench=$(cd "$candidate" && pwd); break; fi
done
[ -n "$bench" ] || { echo "shared/bench not found beside the repository (looked in ../shared/bench)"; exit 1; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
if [ ! -d "$bench/node_modules/@portkey-ai/gateway" ]; then
  echo "== npm ci in $bench"
  (cd "$bench" && npm ci --no-audit --no-fund)
fi
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  echo "== installing nginx"
  as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq nginx >/dev/null
fi

work=$(mktemp -d /tmp/tollgate-bench.XXXXXX)
port=${TOLLGATE_PORT:-5080}
admin_key="bench-admin-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
tollgate_pid=""
cleanup() {
  set +e
  if [ -n "$tollgate_pid" ] && kill -0 "$tollgate_pid" 2>/dev/null; then
    kill -TERM "$tollgate_pid"; wait "$tollgate_pid" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "== publishing Tollgate (Release)"
dotnet publish "$root/src/Tollgate.Cli/Tollgate.Cli.csproj" -c Release -o "$work/publish" -nologo -v q > "$work/publish.log" 2>&1 || { cat "$work/publish.log"; exit 1; }

cat > "$work/tollgate.json" <<JSON
{
  "host": "127.0.0.1",
  "port": $port,
  "dataDirectory": "$work/data",
  "providersFromEnvironment": false,
  "ledgerDurability": "${DURABILITY:-durable}",
  "providers": [{"name": "openai", "baseUrl": "http://127.0.0.1:18080/v1", "apiKey": "sk-bench-mock"}]
}
JSON

echo "== starting tollgate serve on 127.0.0.1:$port (SQLite store and ledger in $work/data)"
(cd "$work" && TOLLGATE_ADMIN_KEY="$admin_key" exec "$work/publish/tollgate" serve --config "$work/tollgate.json" > "$work/serve.log" 2>&1) &
tollgate_pid=$!
for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null || { cat "$work/serve.log"; exit 1; }
cat "$work/serve.log"

admin() { curl -fsS -H "authorization: Bearer $admin_key" -H 'content-type: application/json' "$@"; }
key=$(admin -X POST "http://127.0.0.1:$port/admin/keys" -d '{"tenant":"bench","project":"load","user":"loadgen","name":"benchmark"}' \
  | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).key))')
budget=$(admin -X POST "http://127.0.0.1:$port/admin/budgets" -d '{"id":"bench-daily","scope":{"tenant":"bench"},"limit":"1000000","currency":"USD","period":"daily","enforcement":"hard"}')
echo "== virtual key created for tenant bench; budget: $budget"

# The gateway's process (the app host runs the server itself): CPU ms/request is read from it.
echo "== run-all.sh with target tollgate (pid $tollgate_pid)"
(cd "$bench" && TARGET_URL="http://127.0.0.1:$port/v1/chat/completions" TARGET_PID="$tollgate_pid" TARGET_LABEL=tollgate \
  bash bench/run-all.sh --target-header "authorization: Bearer $key")

echo "== what the gateway recorded"
admin "http://127.0.0.1:$port/admin/budgets/bench-daily"; echo
admin "http://127.0.0.1:$port/admin/reports/cost?group_by=model"; echo
