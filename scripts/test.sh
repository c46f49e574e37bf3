#!/usr/bin/env bash
# Runs every Tollgate test against real PostgreSQL and Redis instances.
# Installs them from Debian's packages when missing, starts throwaway instances on free loopback
# ports, runs the whole suite, prints "N passed, N failed", and stops the instances again.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

# The tests need ../shared/data (price catalog, usage cases, token corpus) beside the repository — or, for a local
# clone, beside the repository it was cloned from. Found once here and handed to the tests; missing is an error.
find_shared_data() {
  local dir origin
  [ -n "${TOLLGATE_SHARED_DATA:-}" ] && { echo "$TOLLGATE_SHARED_DATA"; return; }
  for dir in "$root" "$(dirname "$root")" "$(dirname "$(dirname "$root")")"; do
    [ -d "$dir/shared/data" ] && { echo "$dir/shared/data"; return; }
  done
  origin=$(git -C "$root" config --get remote.origin.url 2>/dev/null || true)
  if [ -n "$origin" ] && [ -d "$origin" ] && [ -d "$(cd "$origin" && pwd)/../shared/data" ]; then
    (cd "$origin/../shared/data" && pwd)
  fi
}
shared_data=$(find_shared_data)
if [ -z "$shared_data" ] || [ ! -d "$shared_data" ]; then
  echo "error: shared/data not found beside $root (nor beside the repository it was cloned from): put the shared folder beside the repository or set TOLLGATE_SHARED_DATA=/path/to/shared/data" >&2
  exit 2
fi
export TOLLGATE_SHARED_DATA="$shared_data"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
if [ -z "$(pg_bin)" ] || ! command -v redis-server >/dev/null 2>&1; then
  echo "== installing postgresql and redis-server from Debian's packages"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq postgresql redis-server >/dev/null
fi
PGBIN=$(pg_bin)

# The SDK tests run the official Node SDKs (tests/sdk/package.json) against a real gateway.
# The completion tests check the zsh script with zsh itself.
missing=()
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v zsh >/dev/null 2>&1 || missing+=(zsh)
command -v curl >/dev/null 2>&1 || missing+=(curl)
# Browser tests (reports, the dashboard) drive Debian's Chromium through Playwright.
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "== installing ${missing[*]} from Debian's packages"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ ! -d "$root/tests/sdk/node_modules/openai" ] || [ ! -d "$root/tests/sdk/node_modules/@anthropic-ai/sdk" ]; then
  echo "== installing the OpenAI and Anthropic Node SDKs into tests/sdk/node_modules"
  (cd "$root/tests/sdk" && npm ci --no-audit --no-fund --loglevel=error)
fi

free_port() {
  local p
  while :; do
    p=$(( 20000 + RANDOM % 20000 ))
    (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo "$p"; return; }
  done
}

work=$(mktemp -d /tmp/tollgate-test.XXXXXX)
chmod 755 "$work"
pg_port=$(free_port)
redis_port=$(free_port)
while [ "$redis_port" = "$pg_port" ]; do redis_port=$(free_port); done

run_pg() {
  # PostgreSQL refuses to run as root: use the postgres account the package created.
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cleanup() {
  set +e
  [ -f "$work/pg/postmaster.pid" ] && run_pg "$PGBIN/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1
  [ -f "$work/redis.pid" ] && kill "$(cat "$work/redis.pid")" 2>/dev/null
  [ -f "$work/pg2/postmaster.pid" ] && run_pg "$PGBIN/pg_ctl" -D "$work/pg2" -m immediate stop >/dev/null 2>&1
  [ -f "$work/redis2.pid" ] && kill "$(cat "$work/redis2.pid")" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

echo "== starting PostgreSQL on 127.0.0.1:$pg_port and Redis on 127.0.0.1:$redis_port"
mkdir -p "$work/pg" "$work/pgsock"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$work/pg" "$work/pgsock"
run_pg "$PGBIN/initdb" -D "$work/pg" -U tollgate -A trust -E UTF8 --no-sync >/dev/null
run_pg "$PGBIN/pg_ctl" -D "$work/pg" -w -l "$work/pg/log" \
  -o "-p $pg_port -k $work/pgsock -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" start >/dev/null
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
  --pidfile "$work/redis.pid" --logfile "$work/redis.log" --dir "$work"
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done

export TOLLGATE_TEST_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=tollgate;Database=postgres"
export TOLLGATE_TEST_REDIS="127.0.0.1:$redis_port"
# Browser tests keep their screenshots here (desktop and 360 px) for a person to look at.
export TOLLGATE_TEST_ARTIFACTS="$root/artifacts/test"
export TOLLGATE_TEST_CHROMIUM=/usr/bin/chromium

# A second pair that the store-outage tests stop and start mid-load (the pair above stays up for every other test).
# This Redis keeps an append-only file, so a restart brings its counters back, as a production Redis would.
outage_pg_port=$(free_port)
outage_redis_port=$(free_port)
while [ "$outage_pg_port" = "$pg_port" ] || [ "$outage_pg_port" = "$redis_port" ]; do outage_pg_port=$(free_port); done
while [ "$outage_redis_port" = "$pg_port" ] || [ "$outage_redis_port" = "$redis_port" ] || [ "$outage_redis_port" = "$outage_pg_port" ]; do outage_redis_port=$(free_port); done
mkdir -p "$work/pg2" "$work/pg2sock" "$work/redis2"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$work/pg2" "$work/pg2sock"
run_pg "$PGBIN/initdb" -D "$work/pg2" -U tollgate -A trust -E UTF8 --no-sync >/dev/null
pg2_opts="-p $outage_pg_port -k $work/pg2sock -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
as_pg() { if [ "$(id -u)" = 0 ]; then echo "runuser -u postgres --"; fi; }
export TOLLGATE_TEST_OUTAGE_PG_START="$(as_pg) $PGBIN/pg_ctl -D $work/pg2 -w -l $work/pg2/log -o '$pg2_opts' start >/dev/null"
export TOLLGATE_TEST_OUTAGE_PG_STOP="$(as_pg) $PGBIN/pg_ctl -D $work/pg2 -m fast -w stop >/dev/null"
export TOLLGATE_TEST_OUTAGE_REDIS_START="redis-server --port $outage_redis_port --bind 127.0.0.1 --save '' --appendonly yes --appendfsync always --daemonize yes --pidfile $work/redis2.pid --logfile $work/redis2.log --dir $work/redis2 && for _ in \$(seq 50); do redis-cli -p $outage_redis_port ping >/dev/null 2>&1 && break; sleep 0.1; done"
export TOLLGATE_TEST_OUTAGE_REDIS_STOP="redis-cli -p $outage_redis_port shutdown >/dev/null 2>&1 || true"
bash -c "$TOLLGATE_TEST_OUTAGE_PG_START"
bash -c "$TOLLGATE_TEST_OUTAGE_REDIS_START"
export TOLLGATE_TEST_OUTAGE_POSTGRES="Host=127.0.0.1;Port=$outage_pg_port;Username=tollgate;Database=postgres"
export TOLLGATE_TEST_OUTAGE_REDIS="127.0.0.1:$outage_redis_port"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

echo "== building"
dotnet build "$root/Tollgate.slnx" -c Release -nologo -v q

echo "== testing"
results="$work/results"
status=0
# Arguments narrow the run for a quick check, e.g. `bash scripts/test.sh --filter "FullyQualifiedName~StoreOutage"`
# (the README walkthrough and the tool check then do not run).
dotnet test "$root/Tollgate.slnx" -c Release --no-build --logger "trx" --results-directory "$results" "$@" -- RunConfiguration.TestSessionTimeout=3000000 || status=$?

passed=0; failed=0; skipped=0
for f in "$results"/*.trx; do
  [ -f "$f" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$f" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); p=${p:-0}
  x=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters"); x=${x:-0}
  n=$(sed -n 's/.* notExecuted="\([0-9]*\)".*/\1/p' <<<"$counters"); n=${n:-0}
  passed=$((passed + p)); failed=$((failed + x)); skipped=$((skipped + n))
done
if [ "$#" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped (narrowed by: $*)"
  exit "$status"
fi
# Two checks outside dotnet test: the README's five steps on a fresh clone, and the packed dotnet tool.
echo "== README walkthrough (scripts/walkthrough.sh)"
if bash "$root/scripts/walkthrough.sh"; then passed=$((passed + 1)); else echo "README walkthrough failed"; status=1; failed=$((failed + 1)); fi
echo "== dotnet tool package (scripts/tool-check.sh)"
if bash "$root/scripts/tool-check.sh" --no-build; then passed=$((passed + 1)); else echo "tool check failed"; status=1; failed=$((failed + 1)); fi

echo "$passed passed, $failed failed, $skipped skipped"
if [ "$passed" = 0 ]; then echo "no test ran"; exit 1; fi
exit "$status"
