#!/usr/bin/env bash
# Runs the README's "first priced call" steps exactly as written (the bash block between <!-- walkthrough:start -->
# and <!-- walkthrough:end -->) in a fresh clone of this repository's HEAD, then checks what they printed: the demo
# answer from curl and from the OpenAI SDK, the cost by model, and the budget's refusal.
# Needs: git, curl, node; the openai npm package comes from tests/sdk/node_modules (scripts/test.sh installs it).
# If port 4000 is taken, the block runs on a free port instead (the only change made to it), and says so.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

block=$(awk '/<!-- walkthrough:start -->/ {on = 1; next} /<!-- walkthrough:end -->/ {on = 0} on' README.md | sed '/^```/d')
if [ -z "$block" ]; then
  echo "walkthrough: no block between <!-- walkthrough:start --> and <!-- walkthrough:end --> in README.md" >&2
  exit 2
fi

if [ ! -d "$root/tests/sdk/node_modules/openai" ]; then
  (cd "$root/tests/sdk" && npm ci --no-audit --no-fund --loglevel=error)
fi

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if ! port_free 4000; then
  port=4000
  while ! port_free "$port"; do port=$(( 20000 + RANDOM % 20000 )); done
  echo "== port 4000 is in use: running the walkthrough on port $port"
  block=$(sed -e "s/127\.0\.0\.1:4000/127.0.0.1:$port/g" -e "s/serve --demo &/serve --demo --port $port \&/" <<<"$block")
fi

work=$(mktemp -d /tmp/tollgate-walkthrough.XXXXXX)
session=""
cleanup() {
  set +e
  [ -n "$session" ] && kill -TERM -- "-$session" 2>/dev/null
  sleep 1
  [ -n "$session" ] && kill -KILL -- "-$session" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

echo "== cloning $(git rev-parse --short HEAD) into $work/tollgate"
git clone --quiet "$root" "$work/tollgate"
cd "$work/tollgate"
export NODE_PATH="$root/tests/sdk/node_modules" DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

echo "== running the README's steps"
# Its own session, so the gateway it starts in the background is stopped with it whatever happens.
setsid bash -euo pipefail -c "$block" >"$work/out.txt" 2>&1 &
session=$!
status=0
wait "$session" || status=$?
cat "$work/out.txt"

fail() { echo "walkthrough FAILED: $1" >&2; exit 1; }
[ "$status" = 0 ] || fail "the steps exited with $status"
out=$(cat "$work/out.txt")
grep -q '"object":"chat.completion"' <<<"$out" || fail "step 3: curl got no chat completion"
[ "$(grep -o 'no real model was called' <<<"$out" | wc -l)" -ge 2 ] || fail "step 3: the demo answer did not arrive through both curl and the SDK"
grep -Eq '^ +gpt-4o-mini +0\.[0-9]*[1-9][0-9]* +1 ' <<<"$out" || fail "step 4: tollgate cost does not show the priced gpt-4o-mini call"
grep -Eq '^ +claude-haiku-4-5 +0\.[0-9]*[1-9]' <<<"$out" || fail "step 4: tollgate cost does not show the priced claude-haiku-4-5 call"
grep -q 'HTTP/1.1 429' <<<"$out" || fail "step 5: the call over budget was not refused with 429"
grep -q '"code":"budget_exceeded"' <<<"$out" || fail "step 5: the refusal does not say budget_exceeded"
grep -qi 'x-should-retry: false' <<<"$out" || fail "step 5: the refusal does not tell SDKs not to retry"
echo "walkthrough passed: every README step ran as written"
