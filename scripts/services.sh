#!/usr/bin/env bash
# Local Redis + RabbitMQ for the tests and the demo, without Docker.
#
#   scripts/services.sh start [redis] [rabbitmq] [redis-cluster]
#                                                   start (or reuse) the servers; installs them with apt if missing
#                                                   (no name: redis and rabbitmq; the cluster only when named)
#   scripts/services.sh stop  [redis] [rabbitmq] [redis-cluster]
#                                                   stop only what this script started (by PID / node name)
#   scripts/services.sh status                      say what runs where; exit 0 only if redis and rabbitmq answer
#   scripts/services.sh env                         print the export lines the C# code reads
#   scripts/services.sh install                     install missing packages only (apt, as root), chromium for the
#                                                   dashboard's browser tests included
#   scripts/services.sh clean                       stop what this script started, then delete .run/services/
#
# Ports (env): REDIS_PORT=6379, RABBITMQ_PORT=5672, RABBITMQ_MANAGEMENT_PORT=15672. Everything binds 127.0.0.1.
# redis-cluster: a Redis Cluster of 3 primaries and 3 replicas on REDIS_CLUSTER_PORT=7000 and the five ports after it
# (7000-7005), plain redis-server processes (no persistence: a test cluster) joined with `redis-cli --cluster create`.
# Data, logs and the record of what was started live in <repo>/.run/services/ (gitignored).
# A server that already answers on a port (a developer's own Redis, a RabbitMQ whose management API
# answers guest/guest) is reused as it is, its config untouched, and never stopped by this script.
# If SERVICES_STARTED_FILE is set, `start` appends the name of each service it started itself to it
# (test.sh and demo.sh use that to stop exactly what they started).
# Timeouts (env, seconds): REDIS_START_TIMEOUT=30, RABBITMQ_START_TIMEOUT=60.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN_DIR="$ROOT/.run/services"
HOST=127.0.0.1
REDIS_PORT="${REDIS_PORT:-6379}"
RABBITMQ_PORT="${RABBITMQ_PORT:-5672}"
RABBITMQ_MANAGEMENT_PORT="${RABBITMQ_MANAGEMENT_PORT:-15672}"
REDIS_START_TIMEOUT="${REDIS_START_TIMEOUT:-30}"
RABBITMQ_START_TIMEOUT="${RABBITMQ_START_TIMEOUT:-60}"
REDIS_CLUSTER_PORT="${REDIS_CLUSTER_PORT:-7000}"
REDIS_CLUSTER_START_TIMEOUT="${REDIS_CLUSTER_START_TIMEOUT:-60}"

REDIS_DIR="$RUN_DIR/redis"
REDIS_STATE="$RUN_DIR/redis.started"
RABBIT_DIR="$RUN_DIR/rabbitmq"
RABBIT_STATE="$RUN_DIR/rabbitmq.started"
# Per first port, so that a cluster started on another REDIS_CLUSTER_PORT has its own state and is stopped on its own.
CLUSTER_DIR="$RUN_DIR/redis-cluster-$REDIS_CLUSTER_PORT"
CLUSTER_STATE="$RUN_DIR/redis-cluster-$REDIS_CLUSTER_PORT.started"

for p in "$REDIS_PORT" "$RABBITMQ_PORT" "$RABBITMQ_MANAGEMENT_PORT" "$REDIS_CLUSTER_PORT"; do
  [[ "$p" =~ ^[0-9]+$ ]] || { echo "[services] ERROR: port '$p' is not a number" >&2; exit 2; }
done

log() { printf '[services] %s\n' "$*" >&2; }
die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- helpers

# pid_alive, pid_is
# shellcheck source=scripts/lib/processes.sh
source "$ROOT/scripts/lib/processes.sh"

port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null
}

redis_ping() {
  local port="$1" out
  if command -v redis-cli >/dev/null 2>&1; then
    out="$(timeout 3 redis-cli -h "$HOST" -p "$port" ping 2>/dev/null || true)"
    [[ "$out" == PONG* ]]
  else
    timeout 3 bash -c "exec 3<>/dev/tcp/$HOST/$port; printf 'PING\r\n' >&3; IFS= read -r l <&3; [[ \$l == '+PONG'* ]]" 2>/dev/null
  fi
}

mgmt_ok() {
  command -v curl >/dev/null 2>&1 || return 1
  curl -sf -m 3 -u guest:guest "http://$HOST:$1/api/overview" >/dev/null 2>&1
}

# The rabbitmq scripts in /usr/sbin are wrappers that `su rabbitmq` when run as root (other HOME, other
# Erlang cookie); the real ones live in /usr/lib/rabbitmq/bin and run as the current user.
rabbit_bin() {
  if [[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ]]; then
    echo /usr/lib/rabbitmq/bin
  elif command -v rabbitmq-server >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v rabbitmq-server)")"
  else
    return 1
  fi
}

# Node name: rabbit@localhost (avoids hostname resolution quirks); another port gets its own name.
rabbit_node_for() {
  if [[ "$1" == 5672 ]]; then echo rabbit@localhost; else echo "rabbit_$1@localhost"; fi
}

# Erlang keeps its cookie in $HOME/.erlang.cookie; server and CLI must share it. HOME is kept as it is,
# unless it is unset or not writable: then a private one under .run/services is used for both.
rabbit_home() {
  if [[ -n "${HOME:-}" && -d "$HOME" && -w "$HOME" ]]; then echo "$HOME"; else echo "$RABBIT_DIR/home"; fi
}

rabbit_vars() { # node -> NAME=value lines
  # Everything the rabbitmq scripts (server and CLI) need to find our own folders; none of /etc/rabbitmq is used.
  printf '%s\n' \
    "HOME=$(rabbit_home)" \
    "RABBITMQ_NODENAME=$1" \
    "RABBITMQ_CONF_ENV_FILE=$RABBIT_DIR/rabbitmq-env.conf" \
    "RABBITMQ_CONFIG_FILE=$RABBIT_DIR/rabbitmq.conf" \
    "RABBITMQ_ADVANCED_CONFIG_FILE=$RABBIT_DIR/advanced.config" \
    "RABBITMQ_ENABLED_PLUGINS_FILE=$RABBIT_DIR/enabled_plugins" \
    "RABBITMQ_MNESIA_BASE=$RABBIT_DIR/mnesia" \
    "RABBITMQ_LOG_BASE=$RABBIT_DIR/log" \
    "RABBITMQ_PID_FILE=$RABBIT_DIR/rabbitmq.pid"
}

rabbit_env() { # timeout_seconds node command...
  local t="$1" node="$2" vars
  mapfile -t vars < <(rabbit_vars "$node")
  timeout "$t" env "${vars[@]}" "${@:3}"
}

rabbitmqctl_our() { # timeout_seconds node args...
  local t="$1" node="$2"
  rabbit_env "$t" "$node" "$(rabbit_bin)/rabbitmqctl" -n "$node" "${@:3}"
}

read_state() { # file key
  sed -n "s/^$2=//p" "$1" 2>/dev/null | head -n1
}

tail_log() { # file [lines]
  local f="$1" n="${2:-40}"
  if [[ -s "$f" ]]; then
    log "---- last $n lines of $f ----"
    tail -n "$n" "$f" >&2 || true
    log "---- end of $f ----"
  fi
}

mark_started() {
  if [[ -n "${SERVICES_STARTED_FILE:-}" ]]; then echo "$1" >>"$SERVICES_STARTED_FILE"; fi
}

# ---------------------------------------------------------------- install

# install_missing redis|rabbitmq...: apt-get the packages whose commands are missing.
install_missing() {
  local want=() what
  for what in "$@"; do
    case "$what" in
      redis | redis-cluster)
        command -v redis-server >/dev/null 2>&1 || want+=(redis-server)
        command -v redis-cli >/dev/null 2>&1 || want+=(redis-tools)
        ;;
      rabbitmq)
        rabbit_bin >/dev/null 2>&1 || want+=(rabbitmq-server)
        command -v curl >/dev/null 2>&1 || want+=(curl)
        ;;
      chromium)
        # Debian's browser, which the dashboard's browser tests (Playwright) drive; nothing is downloaded.
        command -v chromium >/dev/null 2>&1 || want+=(chromium)
        ;;
    esac
  done
  ((${#want[@]})) || return 0

  if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    die "missing: ${want[*]}. Install them first, e.g. (Debian/Ubuntu, as root):
    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${want[*]}"
  fi

  log "installing missing packages with apt-get: ${want[*]}"
  # Without systemd and without a policy-rc.d, a package's postinst may try (and fail) to start its
  # service: forbid that for the duration of the install, we start the servers ourselves.
  local policy=/usr/sbin/policy-rc.d made_policy=0
  if [[ ! -e "$policy" && ! -d /run/systemd/system ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && made_policy=1
  fi
  local rc=0
  apt-get update -q >&2 || log "warning: apt-get update failed; trying the install anyway"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${want[@]}" >&2 || rc=$?
  ((made_policy)) && rm -f "$policy"
  ((rc == 0)) || die "apt-get install ${want[*]} failed (exit $rc)"
  log "installed: ${want[*]}"
}

# ---------------------------------------------------------------- redis

start_redis() {
  mkdir -p "$REDIS_DIR"
  if [[ -f "$REDIS_STATE" ]]; then
    local pid port
    pid="$(read_state "$REDIS_STATE" pid)"; port="$(read_state "$REDIS_STATE" port)"
    if pid_is "$pid" redis-server; then
      [[ "$port" == "$REDIS_PORT" ]] ||
        die "the Redis this script started earlier (pid $pid) listens on port $port, not $REDIS_PORT: run '$0 stop redis' first"
      wait_redis "$REDIS_PORT" "$REDIS_START_TIMEOUT" ||
        { tail_log "$REDIS_DIR/redis.log"; die "our Redis (pid $pid) does not answer PING on $HOST:$port"; }
      log "Redis: reusing the redis-server this script started earlier (pid $pid, $HOST:$port)"
      return 0
    fi
    log "Redis: removing a stale record (pid ${pid:-?} is gone)"
    rm -f "$REDIS_STATE"
  fi

  if redis_ping "$REDIS_PORT"; then
    log "Redis: something already answers PING on $HOST:$REDIS_PORT; reusing it as it is (not started here, will not be stopped here)"
    if command -v redis-cli >/dev/null 2>&1; then
      local ev
      ev="$(timeout 3 redis-cli -h "$HOST" -p "$REDIS_PORT" config get notify-keyspace-events 2>/dev/null | sed -n 2p || true)"
      log "Redis: its notify-keyspace-events is '${ev}' (left unchanged; the scheduler's bridge sets what it needs)"
    fi
    return 0
  fi
  if port_open "$REDIS_PORT"; then
    die "port $REDIS_PORT on $HOST is in use by something that does not answer Redis PING (a Redis with a password?). Free the port or set REDIS_PORT."
  fi

  install_missing redis
  rm -f "$REDIS_DIR/redis.pid"
  log "Redis: starting redis-server on $HOST:$REDIS_PORT (data and log in $REDIS_DIR)"
  if ! redis-server --port "$REDIS_PORT" --bind "$HOST" --daemonize yes --dir "$REDIS_DIR" \
      --appendonly yes --appendfsync everysec --maxmemory-policy noeviction \
      --notify-keyspace-events Ex --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log"; then
    tail_log "$REDIS_DIR/redis.log"
    die "redis-server failed to start"
  fi
  if ! wait_redis "$REDIS_PORT" "$REDIS_START_TIMEOUT"; then
    tail_log "$REDIS_DIR/redis.log"
    local pid; pid="$(cat "$REDIS_DIR/redis.pid" 2>/dev/null || true)"
    if pid_is "$pid" redis-server; then kill -TERM "$pid" 2>/dev/null || true; fi
    die "Redis did not answer PING on $HOST:$REDIS_PORT within ${REDIS_START_TIMEOUT}s"
  fi
  local pid="" deadline=$((SECONDS + 5))
  while ((SECONDS < deadline)); do
    pid="$(cat "$REDIS_DIR/redis.pid" 2>/dev/null || true)"
    [[ -n "$pid" ]] && break
    sleep 0.1
  done
  pid_is "$pid" redis-server || die "Redis answers but its pid file $REDIS_DIR/redis.pid is missing or wrong"
  printf 'pid=%s\nport=%s\n' "$pid" "$REDIS_PORT" >"$REDIS_STATE"
  mark_started redis
  log "Redis: ready on $HOST:$REDIS_PORT (pid $pid)"
}

wait_redis() { # port timeout
  local deadline=$((SECONDS + $2))
  while ((SECONDS < deadline)); do
    redis_ping "$1" && return 0
    sleep 0.2
  done
  return 1
}

stop_redis() {
  if [[ ! -f "$REDIS_STATE" ]]; then
    log "Redis: nothing started by this script; nothing to stop"
    return 0
  fi
  local pid port
  pid="$(read_state "$REDIS_STATE" pid)"; port="$(read_state "$REDIS_STATE" port)"
  if pid_is "$pid" redis-server; then
    log "Redis: stopping redis-server pid $pid (port $port)"
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 20))
    while pid_alive "$pid" && ((SECONDS < deadline)); do sleep 0.1; done
    if pid_alive "$pid"; then
      log "Redis: pid $pid still alive after 20s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    log "Redis: stopped"
  else
    log "Redis: pid ${pid:-?} was already gone"
  fi
  rm -f "$REDIS_STATE"
}

# ---------------------------------------------------------------- redis cluster

cluster_ports() { # the six ports: 3 primaries, then 3 replicas (redis-cli --cluster create picks who replicates whom)
  local i
  for i in 0 1 2 3 4 5; do echo $((REDIS_CLUSTER_PORT + i)); done
}

cluster_ok() { # port: the node answers and says cluster_state:ok
  local out
  out="$(timeout 3 redis-cli -h "$HOST" -p "$1" cluster info 2>/dev/null || true)"
  [[ "$out" == *cluster_state:ok* ]]
}

cluster_all_ok() {
  local port
  for port in $(cluster_ports); do cluster_ok "$port" || return 1; done
}

cluster_primaries() { # the connection string: the three primaries' addresses, comma-separated
  echo "$HOST:$REDIS_CLUSTER_PORT,$HOST:$((REDIS_CLUSTER_PORT + 1)),$HOST:$((REDIS_CLUSTER_PORT + 2))"
}

start_redis_cluster() {
  mkdir -p "$CLUSTER_DIR"
  if [[ -f "$CLUSTER_STATE" ]]; then
    local pids alive=0 pid
    pids="$(read_state "$CLUSTER_STATE" pids)"
    for pid in $pids; do pid_is "$pid" redis-server && alive=$((alive + 1)); done
    if ((alive == 6)) && [[ "$(read_state "$CLUSTER_STATE" port)" == "$REDIS_CLUSTER_PORT" ]]; then
      if wait_cluster "$REDIS_CLUSTER_START_TIMEOUT"; then
        log "Redis Cluster: reusing the cluster this script started earlier (pids $pids, $HOST:$REDIS_CLUSTER_PORT-$((REDIS_CLUSTER_PORT + 5)))"
        return 0
      fi
      die "the Redis Cluster this script started earlier (pids $pids) does not say cluster_state:ok: run '$0 stop redis-cluster' first"
    fi
    ((alive == 0)) || die "only $alive of the 6 Redis Cluster nodes this script started (pids $pids) still run: run '$0 stop redis-cluster' first"
    log "Redis Cluster: removing a stale record (its processes are gone)"
    rm -f "$CLUSTER_STATE"
  fi

  if cluster_all_ok; then
    log "Redis Cluster: a cluster already answers on $HOST:$REDIS_CLUSTER_PORT-$((REDIS_CLUSTER_PORT + 5)); reusing it as it is (not started here, will not be stopped here)"
    return 0
  fi
  local port
  for port in $(cluster_ports); do
    port_open "$port" && die "port $port on $HOST is in use, but not by a healthy Redis Cluster node. Free ports $REDIS_CLUSTER_PORT-$((REDIS_CLUSTER_PORT + 5)) or set REDIS_CLUSTER_PORT."
  done

  install_missing redis
  log "Redis Cluster: starting 6 redis-server nodes on $HOST:$REDIS_CLUSTER_PORT-$((REDIS_CLUSTER_PORT + 5)) (data and logs in $CLUSTER_DIR)"
  local pids=() dir
  for port in $(cluster_ports); do
    dir="$CLUSTER_DIR/$port"
    rm -rf "$dir" && mkdir -p "$dir"   # a fresh node each time: no persistence, no old cluster config
    (
      cd "$dir"
      exec setsid nohup redis-server --port "$port" --bind "$HOST" --dir "$dir" \
        --cluster-enabled yes --cluster-config-file "$dir/nodes.conf" --cluster-node-timeout 2000 \
        --notify-keyspace-events Ex --save "" --appendonly no --daemonize no \
        --maxmemory-policy noeviction --logfile "$dir/redis.log" >/dev/null 2>&1 </dev/null
    ) &
    pids+=("$!")
  done
  # Record at once, so a `stop` can clean up even if what follows fails or is interrupted.
  printf 'pids=%s\nport=%s\n' "${pids[*]}" "$REDIS_CLUSTER_PORT" >"$CLUSTER_STATE"

  for port in $(cluster_ports); do
    if ! wait_redis "$port" "$REDIS_START_TIMEOUT"; then
      tail_log "$CLUSTER_DIR/$port/redis.log"
      stop_redis_cluster >/dev/null 2>&1 || true
      die "Redis Cluster node $HOST:$port did not answer PING within ${REDIS_START_TIMEOUT}s"
    fi
  done

  local nodes=()
  for port in $(cluster_ports); do nodes+=("$HOST:$port"); done
  if ! timeout 60 redis-cli --cluster create "${nodes[@]}" --cluster-replicas 1 --cluster-yes >"$CLUSTER_DIR/create.log" 2>&1 </dev/null; then
    tail_log "$CLUSTER_DIR/create.log"
    stop_redis_cluster >/dev/null 2>&1 || true
    die "redis-cli --cluster create failed"
  fi
  if ! wait_cluster "$REDIS_CLUSTER_START_TIMEOUT"; then
    tail_log "$CLUSTER_DIR/create.log"
    stop_redis_cluster >/dev/null 2>&1 || true
    die "the Redis Cluster nodes did not all say cluster_state:ok within ${REDIS_CLUSTER_START_TIMEOUT}s"
  fi
  mark_started redis-cluster
  log "Redis Cluster: ready, 3 primaries + 3 replicas on $HOST:$REDIS_CLUSTER_PORT-$((REDIS_CLUSTER_PORT + 5)) (pids ${pids[*]})"
}

wait_cluster() { # timeout: until every node says cluster_state:ok
  local deadline=$((SECONDS + $1))
  while ((SECONDS < deadline)); do
    cluster_all_ok && return 0
    sleep 0.3
  done
  return 1
}

stop_redis_cluster() {
  if [[ ! -f "$CLUSTER_STATE" ]]; then
    log "Redis Cluster: nothing started by this script; nothing to stop"
    return 0
  fi
  local pids pid deadline
  pids="$(read_state "$CLUSTER_STATE" pids)"
  log "Redis Cluster: stopping redis-server pids $pids"
  for pid in $pids; do
    if pid_is "$pid" redis-server; then kill -TERM "$pid" 2>/dev/null || true; fi
  done
  deadline=$((SECONDS + 20))
  for pid in $pids; do
    while pid_is "$pid" redis-server && ((SECONDS < deadline)); do sleep 0.1; done
    if pid_is "$pid" redis-server; then
      log "Redis Cluster: pid $pid still alive after 20s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  log "Redis Cluster: stopped"
  rm -f "$CLUSTER_STATE"
}

# ---------------------------------------------------------------- rabbitmq

wait_rabbit() { # node port mgmt_port timeout [launcher_pid]
  local node="$1" port="$2" mport="$3" deadline=$((SECONDS + $4)) launcher="${5:-}"
  local up=0
  while ((SECONDS < deadline)); do
    if [[ -n "$launcher" ]] && ! pid_alive "$launcher"; then
      log "RabbitMQ: the server process exited during startup"
      return 1
    fi
    if ((!up)); then
      # await_startup fails at once while the node is not yet registered with epmd: poll it.
      if rabbitmqctl_our 30 "$node" await_startup --timeout 10 >/dev/null 2>&1; then
        up=1
      else
        sleep 1
        continue
      fi
    fi
    if mgmt_ok "$mport" && port_open "$port"; then return 0; fi
    sleep 0.5
  done
  return 1
}

rabbit_logs() { # node
  tail_log "$RABBIT_DIR/log/startup.log" 30
  tail_log "$RABBIT_DIR/log/$1.log" 40
}

start_rabbitmq() {
  local node; node="$(rabbit_node_for "$RABBITMQ_PORT")"
  if [[ -f "$RABBIT_STATE" ]]; then
    local pid snode sport smport
    pid="$(read_state "$RABBIT_STATE" pid)"; snode="$(read_state "$RABBIT_STATE" node)"
    sport="$(read_state "$RABBIT_STATE" port)"; smport="$(read_state "$RABBIT_STATE" management_port)"
    if pid_is "$pid" beam; then
      [[ "$sport" == "$RABBITMQ_PORT" && "$smport" == "$RABBITMQ_MANAGEMENT_PORT" ]] ||
        die "the RabbitMQ this script started earlier ($snode, pid $pid) uses ports $sport/$smport, not $RABBITMQ_PORT/$RABBITMQ_MANAGEMENT_PORT: run '$0 stop rabbitmq' first"
      if ! wait_rabbit "$snode" "$sport" "$smport" "$RABBITMQ_START_TIMEOUT"; then
        rabbit_logs "$snode"
        die "our RabbitMQ ($snode, pid $pid) is running but not ready within ${RABBITMQ_START_TIMEOUT}s"
      fi
      log "RabbitMQ: reusing the node this script started earlier ($snode, pid $pid, amqp $HOST:$sport, management $HOST:$smport)"
      return 0
    fi
    log "RabbitMQ: removing a stale record (pid ${pid:-?} is gone)"
    rm -f "$RABBIT_STATE"
  fi

  if mgmt_ok "$RABBITMQ_MANAGEMENT_PORT"; then
    port_open "$RABBITMQ_PORT" ||
      die "a RabbitMQ management API answers on $HOST:$RABBITMQ_MANAGEMENT_PORT but nothing listens on AMQP port $RABBITMQ_PORT"
    log "RabbitMQ: a RabbitMQ already answers on $HOST:$RABBITMQ_PORT (management API on $RABBITMQ_MANAGEMENT_PORT, guest/guest); reusing it as it is (not started here, will not be stopped here)"
    return 0
  fi
  local p
  for p in "$RABBITMQ_PORT" "$RABBITMQ_MANAGEMENT_PORT"; do
    port_open "$p" &&
      die "port $p on $HOST is in use, but no RabbitMQ management API answers guest/guest on $HOST:$RABBITMQ_MANAGEMENT_PORT. Free the ports or set RABBITMQ_PORT / RABBITMQ_MANAGEMENT_PORT."
  done

  install_missing rabbitmq
  local home; home="$(rabbit_home)"
  if [[ "$home" != "${HOME:-}" ]]; then
    log "RabbitMQ: HOME ('${HOME:-}') is not a writable folder; using $home for the Erlang cookie"
    mkdir -p "$home"
  fi
  local bin; bin="$(rabbit_bin)"

  local epmd_was_up=0
  if command -v epmd >/dev/null 2>&1 && epmd -names >/dev/null 2>&1; then
    epmd_was_up=1
    if epmd -names 2>/dev/null | grep -q "^name ${node%@*} at port"; then
      die "an Erlang node named $node is already registered with epmd (not one this script started). Stop it, or use another RABBITMQ_PORT (that changes the node name)."
    fi
  fi

  if ((!epmd_was_up)) && command -v epmd >/dev/null 2>&1; then
    # Start epmd ourselves (loopback only) rather than letting the first Erlang program that runs do it.
    ERL_EPMD_ADDRESS="$HOST" epmd -daemon >/dev/null 2>&1 || log "RabbitMQ: could not start epmd (the node will try itself)"
  fi

  mkdir -p "$RABBIT_DIR/mnesia" "$RABBIT_DIR/log"
  : >"$RABBIT_DIR/rabbitmq-env.conf"   # so /etc/rabbitmq/rabbitmq-env.conf is not read
  cat >"$RABBIT_DIR/rabbitmq.conf" <<EOF
# Written by scripts/services.sh; regenerated on every start.
listeners.tcp.default = $HOST:$RABBITMQ_PORT
management.tcp.port = $RABBITMQ_MANAGEMENT_PORT
management.tcp.ip = $HOST
EOF
  rm -f "$RABBIT_DIR/rabbitmq.pid"
  if ! grep -q rabbitmq_management "$RABBIT_DIR/enabled_plugins" 2>/dev/null; then
    log "RabbitMQ: enabling rabbitmq_management (offline, in $RABBIT_DIR/enabled_plugins)"
    rabbit_env 120 "$node" "$bin/rabbitmq-plugins" enable --offline rabbitmq_management >"$RABBIT_DIR/log/plugins.log" 2>&1 ||
      { tail_log "$RABBIT_DIR/log/plugins.log"; die "rabbitmq-plugins enable --offline rabbitmq_management failed"; }
  fi

  log "RabbitMQ: starting node $node (amqp $HOST:$RABBITMQ_PORT, management $HOST:$RABBITMQ_MANAGEMENT_PORT, data and logs in $RABBIT_DIR)"
  local launcher vars
  mapfile -t vars < <(rabbit_vars "$node")
  (
    cd "$RABBIT_DIR"
    exec setsid nohup env "${vars[@]}" \
      RABBITMQ_NODE_PORT="$RABBITMQ_PORT" RABBITMQ_NODE_IP_ADDRESS="$HOST" \
      ERL_EPMD_ADDRESS="$HOST" \
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
      "$bin/rabbitmq-server" >"$RABBIT_DIR/log/startup.log" 2>&1 </dev/null
  ) &
  launcher=$!
  # Record at once, so a `stop` can clean up even if the wait below is interrupted.
  printf 'launcher_pid=%s\npid=\nnode=%s\nport=%s\nmanagement_port=%s\nepmd_started=%s\n' \
    "$launcher" "$node" "$RABBITMQ_PORT" "$RABBITMQ_MANAGEMENT_PORT" "$((1 - epmd_was_up))" >"$RABBIT_STATE"

  if ! wait_rabbit "$node" "$RABBITMQ_PORT" "$RABBITMQ_MANAGEMENT_PORT" "$RABBITMQ_START_TIMEOUT" "$launcher"; then
    log "RabbitMQ: not ready within ${RABBITMQ_START_TIMEOUT}s"
    rabbit_logs "$node"
    log "RabbitMQ: stopping what was started"
    stop_rabbitmq >/dev/null 2>&1 || true
    die "RabbitMQ failed to start (node $node, amqp $HOST:$RABBITMQ_PORT, management $HOST:$RABBITMQ_MANAGEMENT_PORT)"
  fi
  local pid; pid="$(cat "$RABBIT_DIR/rabbitmq.pid" 2>/dev/null || true)"
  sed -i "s/^pid=.*/pid=$pid/" "$RABBIT_STATE"
  mark_started rabbitmq
  log "RabbitMQ: ready (node $node, pid $pid, amqp $HOST:$RABBITMQ_PORT, management http://$HOST:$RABBITMQ_MANAGEMENT_PORT guest/guest)"
}

stop_rabbitmq() {
  if [[ ! -f "$RABBIT_STATE" ]]; then
    log "RabbitMQ: nothing started by this script; nothing to stop"
    return 0
  fi
  local pid launcher node epmd_started
  pid="$(read_state "$RABBIT_STATE" pid)"; launcher="$(read_state "$RABBIT_STATE" launcher_pid)"
  node="$(read_state "$RABBIT_STATE" node)"; epmd_started="$(read_state "$RABBIT_STATE" epmd_started)"
  [[ -n "$pid" ]] || pid="$(cat "$RABBIT_DIR/rabbitmq.pid" 2>/dev/null || true)"
  pid_is "$pid" beam || pid=""
  pid_is "$launcher" rabbitmq-server || launcher=""

  if [[ -z "$pid" && -z "$launcher" ]]; then
    log "RabbitMQ: node ${node:-?} was already gone"
  else
    log "RabbitMQ: stopping node $node (pid ${pid:-?})"
    if [[ -n "$pid" ]] && rabbit_bin >/dev/null 2>&1; then
      rabbitmqctl_our 60 "$node" stop "$RABBIT_DIR/rabbitmq.pid" >/dev/null 2>&1 || log "RabbitMQ: rabbitmqctl stop failed; sending SIGTERM"
    fi
    local p deadline
    for p in $pid $launcher; do
      if pid_alive "$p"; then kill -TERM "$p" 2>/dev/null || true; fi
    done
    deadline=$((SECONDS + 30))
    while ((SECONDS < deadline)); do
      { [[ -n "$pid" ]] && pid_alive "$pid"; } || { [[ -n "$launcher" ]] && pid_alive "$launcher"; } || break
      sleep 0.2
    done
    for p in $pid $launcher; do
      if pid_alive "$p"; then
        log "RabbitMQ: pid $p still alive after 30s, sending SIGKILL"
        kill -KILL "$p" 2>/dev/null || true
      fi
    done
    log "RabbitMQ: stopped"
  fi
  if [[ "$epmd_started" == 1 ]] && command -v epmd >/dev/null 2>&1; then
    # Our node started epmd; -kill refuses while other Erlang nodes still use it.
    if epmd -names >/dev/null 2>&1; then
      if epmd -names 2>/dev/null | grep -q '^name '; then
        log "RabbitMQ: epmd (started with our node) still has other nodes registered; leaving it"
      else
        if epmd -kill >/dev/null 2>&1; then log "RabbitMQ: stopped epmd (it was started with our node)"; fi
      fi
    fi
  fi
  rm -f "$RABBIT_STATE"
}

# ---------------------------------------------------------------- status / env

status() {
  local ok=0 pid port
  if [[ -f "$REDIS_STATE" ]] && pid_is "$(read_state "$REDIS_STATE" pid)" redis-server; then
    pid="$(read_state "$REDIS_STATE" pid)"; port="$(read_state "$REDIS_STATE" port)"
    if redis_ping "$port"; then
      echo "redis:    running, started by services.sh (pid $pid, $HOST:$port, data $REDIS_DIR)"
    else
      echo "redis:    process pid $pid started by services.sh is alive but does not answer PING on $HOST:$port"; ok=1
    fi
  elif redis_ping "$REDIS_PORT"; then
    echo "redis:    running on $HOST:$REDIS_PORT, not started by services.sh (reused, never stopped here)"
  else
    echo "redis:    not running on $HOST:$REDIS_PORT"; ok=1
  fi

  local mport
  if [[ -f "$RABBIT_STATE" ]] && pid_is "$(read_state "$RABBIT_STATE" pid)" beam; then
    pid="$(read_state "$RABBIT_STATE" pid)"; port="$(read_state "$RABBIT_STATE" port)"
    mport="$(read_state "$RABBIT_STATE" management_port)"
    if mgmt_ok "$mport" && port_open "$port"; then
      echo "rabbitmq: running, started by services.sh (node $(read_state "$RABBIT_STATE" node), pid $pid, amqp $HOST:$port, management http://$HOST:$mport guest/guest)"
    else
      echo "rabbitmq: node pid $pid started by services.sh is alive but not ready (amqp $HOST:$port, management $HOST:$mport)"; ok=1
    fi
  elif mgmt_ok "$RABBITMQ_MANAGEMENT_PORT" && port_open "$RABBITMQ_PORT"; then
    echo "rabbitmq: running on $HOST:$RABBITMQ_PORT (management $HOST:$RABBITMQ_MANAGEMENT_PORT), not started by services.sh (reused, never stopped here)"
  else
    echo "rabbitmq: not running on $HOST:$RABBITMQ_PORT (management $HOST:$RABBITMQ_MANAGEMENT_PORT)"; ok=1
  fi
  # The cluster is optional (only the tests use it): reported, but not part of the exit code.
  if [[ -f "$CLUSTER_STATE" ]] && cluster_all_ok; then
    echo "redis-cluster: running, started by services.sh (pids $(read_state "$CLUSTER_STATE" pids), $HOST:$REDIS_CLUSTER_PORT-$((REDIS_CLUSTER_PORT + 5)))"
  elif cluster_all_ok; then
    echo "redis-cluster: running on $HOST:$REDIS_CLUSTER_PORT-$((REDIS_CLUSTER_PORT + 5)), not started by services.sh (reused, never stopped here)"
  else
    echo "redis-cluster: not running on $HOST:$REDIS_CLUSTER_PORT-$((REDIS_CLUSTER_PORT + 5)) (optional: '$0 start redis-cluster')"
  fi
  return "$ok"
}

print_env() {
  cat <<EOF
export REDIS=$HOST:$REDIS_PORT
export RABBITMQ=amqp://guest:guest@$HOST:$RABBITMQ_PORT/
export RABBITMQ_MANAGEMENT=http://guest:guest@$HOST:$RABBITMQ_MANAGEMENT_PORT/
export ConnectionStrings__Redis=$HOST:$REDIS_PORT
export ConnectionStrings__RabbitMq=amqp://guest:guest@$HOST:$RABBITMQ_PORT/
export REDIS_CLUSTER=$(cluster_primaries)
EOF
}

# ---------------------------------------------------------------- main

usage() {
  sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

which_services() { # args -> list (default both)
  local s out=()
  for s in "$@"; do
    case "$s" in
      redis | rabbitmq | redis-cluster) out+=("$s") ;;
      *) log "unknown service '$s' (redis, rabbitmq or redis-cluster)"; exit 2 ;;
    esac
  done
  ((${#out[@]})) || out=(redis rabbitmq)
  echo "${out[@]}"
}

cmd="${1:-}"; shift || true
case "$cmd" in
  start)
    mkdir -p "$RUN_DIR"
    for s in $(which_services "$@"); do "start_${s//-/_}"; done
    ;;
  stop)
    # RabbitMQ first: it may hold connections to nothing else, but stop in reverse start order anyway.
    list="$(which_services "$@")"
    [[ " $list " == *" rabbitmq "* ]] && stop_rabbitmq
    [[ " $list " == *" redis "* ]] && stop_redis
    [[ " $list " == *" redis-cluster "* ]] && stop_redis_cluster
    true
    ;;
  status) status ;;
  env) print_env ;;
  clean)
    stop_rabbitmq
    stop_redis
    stop_redis_cluster
    rm -rf "$RUN_DIR"
    log "removed $RUN_DIR"
    ;;
  install)
    # shellcheck disable=SC2046 # a word list on purpose
    install_missing $(which_services "$@") chromium
    log "all needed packages are present"
    ;;
  *) usage ;;
esac
