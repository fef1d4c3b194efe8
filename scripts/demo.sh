#!/usr/bin/env bash
# The one demo command:  ./scripts/demo.sh [producer args]
#                        ./scripts/demo.sh --legacy   (the seed's own way: redis-cli SET SELLER:AAA 1 EX 10, no producer)
#
# What the seed's worker.py + producer.py did, end to end on this machine:
#   1. starts (or reuses) Redis and RabbitMQ via scripts/services.sh;
#   2. builds the solution once (dotnet build Messaging.sln -c Release);
#   3. starts the worker (src/Messaging.Consumers) in the background, its output in .run/demo/worker.log
#      and shown here, and waits until it logs "Redis scheduler bridge is running";
#   4. runs the producer (src/Messaging.Producer, extra args forwarded), which prints
#      "Message published. Corr key: AAA. ETA: 2026-11-26T23:40:12.345Z" per scheduled message;
#   5. waits until the worker logged "Received. channel: <channel>, c_key: <key>" for every key
#      (without producer args: SELLER for AAA and OPERATOR for BBB), and prints per key
#      "AAA: due <ETA>, received <worker log timestamp>, late N ms";
#   6. stops the worker (SIGINT, then SIGTERM) and the services it started (KEEP_SERVICES=1 keeps them).
# Exit code is non-zero if the worker did not get ready or a message did not arrive in time.
#
# Env: DEMO_READY_TIMEOUT (60 s), DEMO_DELIVERY_TIMEOUT (90 s; stretched when an ETA is further away),
#      KEEP_SERVICES=1. For testing this script itself: DEMO_WORKER_CMD / DEMO_PRODUCER_CMD replace the
#      two `dotnet run` commands (bash -c strings; the producer one gets the args as "$@") and skip the build.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DEMO_DIR="$ROOT/.run/demo"
WORKER_LOG="$DEMO_DIR/worker.log"
PRODUCER_LOG="$DEMO_DIR/producer.log"
READY_TIMEOUT="${DEMO_READY_TIMEOUT:-60}"
DELIVERY_TIMEOUT="${DEMO_DELIVERY_TIMEOUT:-90}"
READY_MARK='Redis scheduler bridge is running'
MGMT_PORT="${RABBITMQ_MANAGEMENT_PORT:-15672}"
export DOTNET_NOLOGO="${DOTNET_NOLOGO:-1}"
export DOTNET_CLI_TELEMETRY_OPTOUT="${DOTNET_CLI_TELEMETRY_OPTOUT:-1}"

say() { printf '[demo] %s\n' "$*"; }

# --legacy: the worker runs the legacy-key adapter (Worker:LegacyKeys) and the messages are scheduled exactly as in the
# seed's document, by redis-cli, with nothing but a key and its TTL: SET SELLER:AAA 1 EX 10, SET OPERATOR:BBB 1 EX 20.
LEGACY=0
if [[ "${1:-}" == "--legacy" ]]; then
  LEGACY=1
  shift
  export Worker__LegacyKeys=true
fi

# pid_alive
# shellcheck source=scripts/lib/processes.sh
source "$ROOT/scripts/lib/processes.sh"

worker_pid=""
viewer_pid=""

stop_worker() {
  [[ -n "$worker_pid" ]] || return 0
  local pid="$worker_pid" deadline
  worker_pid=""
  if pid_alive "$pid"; then
    say "stopping the worker (SIGINT to its process group $pid)"
    kill -INT -- "-$pid" 2>/dev/null || true
    deadline=$((SECONDS + 20))
    while pid_alive "$pid" && ((SECONDS < deadline)); do sleep 0.2; done
    if pid_alive "$pid"; then
      say "worker still running after 20 s: SIGTERM"
      kill -TERM -- "-$pid" 2>/dev/null || true
      deadline=$((SECONDS + 10))
      while pid_alive "$pid" && ((SECONDS < deadline)); do sleep 0.2; done
    fi
    if pid_alive "$pid"; then
      say "worker still running: SIGKILL"
      kill -KILL -- "-$pid" 2>/dev/null || true
    fi
  fi
  wait "$pid" 2>/dev/null || true
  # Anything left in the worker's process group (the app under `dotnet run`)?
  if kill -0 -- "-$pid" 2>/dev/null; then kill -TERM -- "-$pid" 2>/dev/null || true; fi
  if [[ -n "$viewer_pid" ]]; then
    deadline=$((SECONDS + 3))
    while pid_alive "$viewer_pid" && ((SECONDS < deadline)); do sleep 0.1; done
    kill "$viewer_pid" 2>/dev/null || true
    wait "$viewer_pid" 2>/dev/null || true
    viewer_pid=""
  fi
}

STARTED_BY=demo
BEFORE_STOP=stop_worker
# shellcheck source=scripts/lib/started-services.sh
source "$ROOT/scripts/lib/started-services.sh"

fail() {
  say "FAILED: $*"
  exit 1
}

worker_log_tail() {
  say "---- last 30 lines of $WORKER_LOG ----"
  tail -n 30 "$WORKER_LOG" 2>/dev/null || true
  say "---- end ----"
}

# UTC ISO-8601 (…Z) -> epoch milliseconds
to_ms() { date -u -d "$1" +%s%3N; }

# received_at KEY CHANNEL(empty = any): timestamp of the first worker log line
# "… Received. channel: CH, c_key: KEY", or nothing. The timestamp is the one that starts the same line
# (single-line console formatter) or, failing that, the last line that started with one.
received_at() {
  awk -v key="$1" -v ch="$2" '
    match($0, /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9](\.[0-9]+)?Z/) {
      ts = substr($0, RSTART, RLENGTH)
    }
    {
      i = index($0, "Received. channel: ")
      if (!i) next
      rest = substr($0, i + 19)
      j = index(rest, ", c_key: ")
      if (!j) next
      c = substr(rest, 1, j - 1)
      k = substr(rest, j + 9)
      sub(/[ ,;\t\r].*$/, "", k)
      if (k == key && (ch == "" || c == ch) && ts != "") { print ts; exit }
    }' "$WORKER_LOG" 2>/dev/null
}

mkdir -p "$DEMO_DIR"

# ---------------------------------------------------------------- 1. services
SERVICES_STARTED_FILE="$STARTED_FILE" "$ROOT/scripts/services.sh" start ||
  fail "could not start Redis/RabbitMQ (see above)"
eval "$("$ROOT/scripts/services.sh" env)"

# The worker's HTTP face (/health/live, /health/ready, /metrics; the dashboard's port): Worker__Http__Port and
# Worker__Dashboard__Port, 8080 and 8081 unless set. A port something else holds already (another worker, another
# program) becomes 0 (one the system picks), so the demo still runs; the worker logs "Now listening on: ..." either way.
port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
export Worker__Http__Port="${Worker__Http__Port:-8080}" Worker__Dashboard__Port="${Worker__Dashboard__Port:-8081}"
for port_var in Worker__Http__Port Worker__Dashboard__Port; do
  if [[ "${!port_var}" != 0 ]] && port_taken "${!port_var}"; then
    say "port ${!port_var} ($port_var) is taken: the worker listens on a free port instead"
    export "$port_var=0"
  fi
done

# ---------------------------------------------------------------- 2. build
if [[ -z "${DEMO_WORKER_CMD:-}${DEMO_PRODUCER_CMD:-}" ]]; then
  say "building: dotnet build Messaging.sln -c Release -v q"
  dotnet build Messaging.sln -c Release -v q </dev/null || fail "dotnet build failed"
fi

# ---------------------------------------------------------------- 3. worker
: >"$WORKER_LOG"
say "starting the worker (log: ${WORKER_LOG#"$ROOT"/})"
# Own session/process group, so it can be stopped as a whole (dotnet run + the app) and a Ctrl+C here
# reaches this script (which then stops the worker cleanly); `trap -` undoes the SIGINT-ignore that
# bash gives background jobs.
if [[ -n "${DEMO_WORKER_CMD:-}" ]]; then
  (trap - INT QUIT; exec setsid bash -c "$DEMO_WORKER_CMD" </dev/null >>"$WORKER_LOG" 2>&1) &
else
  (trap - INT QUIT; exec setsid dotnet run --no-build -c Release --project src/Messaging.Consumers </dev/null >>"$WORKER_LOG" 2>&1) &
fi
worker_pid=$!
tail -n +1 -F --pid="$worker_pid" "$WORKER_LOG" 2>/dev/null | sed -u 's/^/  worker | /' &
viewer_pid=$!

deadline=$((SECONDS + READY_TIMEOUT))
until grep -qF "$READY_MARK" "$WORKER_LOG" 2>/dev/null; do
  if ! pid_alive "$worker_pid"; then
    sleep 0.5
    worker_log_tail
    fail "the worker exited before logging '$READY_MARK'"
  fi
  if ((SECONDS >= deadline)); then
    worker_log_tail
    fail "the worker did not log '$READY_MARK' within ${READY_TIMEOUT} s"
  fi
  sleep 0.2
done
say "worker is ready"
sed -n 's/.*Now listening on: \(http[^[:space:]]*\).*/\1/p' "$WORKER_LOG" | head -n 1 | while read -r url; do
  say "worker health: curl $url/health/ready   metrics: curl $url/metrics"
done

# ---------------------------------------------------------------- 4. producer
say "running the producer${*:+ with: $*}"
set +e
if ((LEGACY)); then
  legacy_producer() {
    local redis_host="${REDIS%:*}" redis_port="${REDIS##*:}" channel key ttl ms
    for spec in "SELLER AAA 10" "OPERATOR BBB 20"; do
      read -r channel key ttl <<<"$spec"
      ms=$(($(date +%s%3N) + ttl * 1000))
      echo "redis-cli SET $channel:$key 1 EX $ttl: $(redis-cli -h "$redis_host" -p "$redis_port" SET "$channel:$key" 1 EX "$ttl")"
      echo "Message published. Corr key: $key. ETA: $(date -u -d "@$((ms / 1000)).$(printf '%03d' $((ms % 1000)))" +%Y-%m-%dT%H:%M:%S.%3NZ)"
    done
  }
  legacy_producer </dev/null 2>&1 | tee "$PRODUCER_LOG"
elif [[ -n "${DEMO_PRODUCER_CMD:-}" ]]; then
  bash -c "$DEMO_PRODUCER_CMD" producer "$@" </dev/null 2>&1 | tee "$PRODUCER_LOG"
else
  dotnet run --no-build -c Release --project src/Messaging.Producer -- "$@" </dev/null 2>&1 | tee "$PRODUCER_LOG"
fi
producer_rc=${PIPESTATUS[0]}
set -e
((producer_rc == 0)) || fail "the producer exited with code $producer_rc"

keys=() etas=()
while IFS=$'\t' read -r k eta; do
  [[ -n "$k" ]] || continue
  keys+=("$k")
  etas+=("$eta")
done < <(sed -n 's/.*Corr key: \(.*\)\. ETA: \([^[:space:]]*\).*/\1\t\2/p' "$PRODUCER_LOG" | sed 's/[.,;]$//')
if ((${#keys[@]} == 0)); then
  (($# == 0)) && fail "the producer printed no 'Corr key: <key>. ETA: <time>' line"
  say "the producer (args: $*) scheduled nothing (no 'Corr key: ...' line): nothing to wait for"
  exit 0
fi

expected_channel() {
  case "$1" in
    AAA) echo SELLER ;;
    BBB) echo OPERATOR ;;
  esac
}

# ---------------------------------------------------------------- 5. wait for every key
declare -A want_ch=() got=()
latest_ms=0
for i in "${!keys[@]}"; do
  k="${keys[$i]}"
  want_ch[$k]=""
  (($# == 0)) && want_ch[$k]="$(expected_channel "$k")"
  ms="$(to_ms "${etas[$i]}" 2>/dev/null)" || fail "cannot parse the ETA '${etas[$i]}' of key $k"
  ((ms > latest_ms)) && latest_ms=$ms
done
now_ms="$(date +%s%3N)"
timeout_s=$DELIVERY_TIMEOUT
grace_s=$((DELIVERY_TIMEOUT < 30 ? DELIVERY_TIMEOUT : 30))
ahead_s=$(((latest_ms - now_ms + 999) / 1000))
if ((ahead_s + grace_s > timeout_s)); then
  timeout_s=$((ahead_s + grace_s))
  say "the latest ETA is ${ahead_s} s away: waiting up to ${timeout_s} s"
fi
say "waiting (up to ${timeout_s} s) for: $(for k in "${keys[@]}"; do printf '%s(%s) ' "$k" "${want_ch[$k]:-any channel}"; done)"

deadline=$((SECONDS + timeout_s))
while :; do
  missing=0
  for k in "${keys[@]}"; do
    [[ -n "${got[$k]:-}" ]] && continue
    ts="$(received_at "$k" "${want_ch[$k]}")"
    if [[ -n "$ts" ]]; then got[$k]="$ts"; else missing=$((missing + 1)); fi
  done
  ((missing == 0)) && break
  ((SECONDS >= deadline)) && break
  if ! pid_alive "$worker_pid"; then
    say "the worker exited"
    break
  fi
  sleep 0.2
done

# ---------------------------------------------------------------- summary
stop_worker
echo
say "summary (due = the producer's ETA, received = the worker's log timestamp):"
rc=0
for i in "${!keys[@]}"; do
  k="${keys[$i]}" eta="${etas[$i]}"
  if [[ -n "${got[$k]:-}" ]]; then
    late=$(($(to_ms "${got[$k]}") - $(to_ms "$eta")))
    if ((late >= 0)); then
      echo "$k: due $eta, received ${got[$k]}, late $late ms"
    else
      echo "$k: due $eta, received ${got[$k]}, late $late ms (EARLY by $((-late)) ms)"
    fi
  else
    echo "$k: due $eta, NOT received (no 'Received. channel: ${want_ch[$k]:-<any>}, c_key: $k' in ${WORKER_LOG#"$ROOT"/} within ${timeout_s} s)"
    rc=1
  fi
done
echo

started_here="$(cat "$STARTED_FILE" 2>/dev/null || true)"
cleanup
if ((services_kept)) || ! grep -q rabbitmq <<<"${started_here:-}"; then
  say "RabbitMQ management UI: http://localhost:$MGMT_PORT (guest/guest)"
else
  say "RabbitMQ management UI: http://localhost:$MGMT_PORT (guest/guest) -- the demo stopped the RabbitMQ it started; run with KEEP_SERVICES=1 to keep it up and browse the UI"
fi
say "logs: ${WORKER_LOG#"$ROOT"/}, ${PRODUCER_LOG#"$ROOT"/}"
if ((rc == 0)); then say "OK: every message arrived"; else say "FAILED: a message did not arrive in time"; fi
exit "$rc"
