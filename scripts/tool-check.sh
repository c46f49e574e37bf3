#!/usr/bin/env bash
# Packs the tollgate command as a .NET tool, installs it the way a user would (dotnet tool install from the package
# folder) into a clean directory, and checks that it runs as 'tollgate': the usage line says tollgate (not Tollgate.Cli)
# and shell completion comes out. Pass --no-build when the Release build is already there (scripts/test.sh does).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d /tmp/tollgate-tool.XXXXXX)
trap 'rm -rf "$work"' EXIT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

echo "== dotnet pack src/Tollgate.Cli"
dotnet pack "$root/src/Tollgate.Cli" -c Release -o "$work/packages" -nologo -v q "$@" >"$work/pack.log" 2>&1 || { cat "$work/pack.log"; exit 1; }
package=$(ls "$work/packages"/Tollgate.Cli.*.nupkg)
echo "   $(basename "$package")"

echo "== dotnet tool install Tollgate.Cli --tool-path DIR --add-source PACKAGES, from a clean directory"
mkdir -p "$work/clean"
(cd "$work/clean" && dotnet tool install Tollgate.Cli --tool-path "$work/tools" --add-source "$work/packages" --ignore-failed-sources)

fail() { echo "tool check FAILED: $1" >&2; exit 1; }
[ -x "$work/tools/tollgate" ] || fail "the tool did not install a 'tollgate' command"
help=$(cd "$work/clean" && "$work/tools/tollgate" --help)
grep -q 'tollgate \[command\] \[options\]' <<<"$help" || fail "'tollgate --help' does not show the usage line 'tollgate [command] [options]': $help"
! grep -q 'Tollgate\.Cli' <<<"$help" || fail "'tollgate --help' says Tollgate.Cli"
(cd "$work/clean" && "$work/tools/tollgate" completion bash) | grep -q 'complete -o default -F _tollgate tollgate' || fail "'tollgate completion bash' printed no completion"
(cd "$work/clean" && "$work/tools/tollgate" version) | grep -q '^tollgate ' || fail "'tollgate version' did not run"
echo "tool check passed: 'dotnet tool install' gives a working 'tollgate' command"
