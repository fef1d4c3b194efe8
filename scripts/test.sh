#!/usr/bin/env bash
# The one test command:  ./scripts/test.sh [extra dotnet test args, e.g. --filter FullyQualifiedName~Scheduler]
#
# Starts (or reuses) Redis, RabbitMQ and the local Redis Cluster (7000-7005) via scripts/services.sh, exports the
# connection settings (REDIS, RABBITMQ, RABBITMQ_MANAGEMENT, REDIS_CLUSTER, ConnectionStrings__*), runs `dotnet test Messaging.sln -c Release`
# with TRX results in .run/test-results/, and prints as its LAST line:
#     N passed, N failed, N skipped
# (skipped = every test in the TRX counters that neither passed nor failed, e.g. [Fact(Skip=...)]).
# Exit code is non-zero if dotnet test failed, a test failed, no test ran, or (CI=true) a test was skipped.
# Services this script started are stopped on exit unless KEEP_SERVICES=1; reused ones are never stopped.
# TEST_SOLUTION overrides what is tested (default Messaging.sln; a test .csproj works too).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
RESULTS="$ROOT/.run/test-results"
TEST_SOLUTION="${TEST_SOLUTION:-Messaging.sln}"
export DOTNET_NOLOGO="${DOTNET_NOLOGO:-1}"
export DOTNET_CLI_TELEMETRY_OPTOUT="${DOTNET_CLI_TELEMETRY_OPTOUT:-1}"
if [[ -n "${CI+x}" ]]; then export CI; fi

say() { printf '[test] %s\n' "$*"; }

# shellcheck source=scripts/lib/started-services.sh
source "$ROOT/scripts/lib/started-services.sh"

finish() { # exit_code passed failed skipped [reason...]
  local rc="$1" p="$2" f="$3" s="$4"
  shift 4
  cleanup
  local r
  for r in "$@"; do say "FAILED: $r"; done
  ((rc == 0)) && say "OK"
  echo "$p passed, $f failed, $s skipped"
  exit "$rc"
}

# ---------------------------------------------------------------- services
if ! SERVICES_STARTED_FILE="$STARTED_FILE" "$ROOT/scripts/services.sh" start redis rabbitmq redis-cluster; then
  finish 1 0 0 0 "could not start Redis/RabbitMQ/the Redis Cluster (see the services log above); no test was run"
fi
eval "$("$ROOT/scripts/services.sh" env)"
# The dashboard's browser tests drive Debian's chromium: install it when it is missing (apt, as root).
if ! command -v chromium >/dev/null 2>&1 && [[ -z "${CHROMIUM:-}" ]]; then
  "$ROOT/scripts/services.sh" install || say "warning: could not install chromium; the dashboard's browser tests will fail"
fi
say "REDIS=$REDIS RABBITMQ=$RABBITMQ RABBITMQ_MANAGEMENT=$RABBITMQ_MANAGEMENT REDIS_CLUSTER=$REDIS_CLUSTER"

# ---------------------------------------------------------------- dotnet test
rm -rf "$RESULTS"
mkdir -p "$RESULTS"
say "dotnet test $TEST_SOLUTION -c Release $*"
OUTPUT_LOG="$RESULTS/dotnet-test.log"
set +e
dotnet test "$TEST_SOLUTION" -c Release \
  --logger "trx;LogFilePrefix=results" \
  --logger "console;verbosity=normal" \
  --results-directory "$RESULTS" \
  "$@" </dev/null 2>&1 | tee "$OUTPUT_LOG"
test_rc=${PIPESTATUS[0]}
set -e

# ---------------------------------------------------------------- summary from the TRX files
counter() { # attribute counters-element -> number (0 if absent)
  local v
  v="$(sed -n "s/.*[[:space:]]$1=\"\([0-9]*\)\".*/\1/p" <<<"$2")"
  echo "${v:-0}"
}

passed=0 failed=0 skipped=0 files=0
while IFS= read -r -d '' trx; do
  files=$((files + 1))
  counters="$(tr -d '\r\n' <"$trx" | grep -o '<Counters[[:space:]][^>]*>' | head -n1 || true)"
  if [[ -z "$counters" ]]; then
    say "warning: no <Counters> element in $trx"
    continue
  fi
  t="$(counter total "$counters")"
  p="$(counter passed "$counters")"
  f=$(($(counter failed "$counters") + $(counter error "$counters") + $(counter timeout "$counters") + $(counter aborted "$counters")))
  s=$((t - p - f))
  ((s < 0)) && s=0
  say "$(basename "$trx"): total $t, passed $p, failed $f, skipped $s"
  passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
done < <(find "$RESULTS" -type f -name '*.trx' -print0 2>/dev/null)

# The TRX logger names its files <prefix>_<framework>_<yyyyMMddHHmmss>.trx: two test projects that finish
# within the same second overwrite each other's file. If the console reported more TRX files than exist,
# count from the console logger's per-project summaries ("Total tests: / Passed: / Failed: / Skipped:").
reported="$(grep -cE 'Results File: .*\.trx' "$OUTPUT_LOG" 2>/dev/null || true)"
if ((${reported:-0} > files)); then
  say "warning: dotnet test reported ${reported} TRX files but only $files exist (TRX file name collision); counting from the console summaries instead"
  sum_console() { # label
    sed -n "s/^[[:space:]]*$1: \([0-9][0-9]*\)[[:space:]]*\$/\1/p" "$OUTPUT_LOG" | tr -d '\r' | awk '{ s += $1 } END { print s + 0 }'
  }
  passed="$(sum_console Passed)" failed="$(sum_console Failed)" skipped="$(sum_console Skipped)"
  files="$reported"
fi

# Each failed test with its error message (the console logger's "Failed <name>" block up to its stack trace), kept in
# a file so that .ci/run can repeat it next to its last line, after the output of the steps that follow the tests.
FAILED_LIST="$RESULTS/failed-tests.txt"
awk '/^  Failed [^ ]/ { on = 1; print; next }
     on && /^  Stack Trace:/ { on = 0; next }
     on && /^  (Passed|Skipped|Failed) / { on = 0 }
     on { print }' "$OUTPUT_LOG" | tr -d '\r' | head -n 200 >"$FAILED_LIST" || true
if [[ -s "$FAILED_LIST" ]]; then
  say "failed tests (also in $FAILED_LIST):"
  sed 's/^/[test]   /' "$FAILED_LIST"
fi

reasons=()
((test_rc != 0)) && reasons+=("dotnet test exited with code $test_rc")
((failed > 0)) && reasons+=("$failed test(s) failed")
((files == 0)) && reasons+=("no .trx result file in $RESULTS (did the build fail, or is there no test project?)")
((files > 0 && passed + failed == 0)) && reasons+=("no test was executed")
if [[ "${CI:-}" == true ]] && ((skipped > 0)); then
  reasons+=("CI=true and $skipped test(s) skipped: a skipped test counts as a failure in CI")
fi

rc=0
((${#reasons[@]})) && rc=1
finish "$rc" "$passed" "$failed" "$skipped" ${reasons[@]+"${reasons[@]}"}
