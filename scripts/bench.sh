#!/usr/bin/env bash
# The benchmark command:  ./scripts/bench.sh [--quick] [--runs N] [--only name,...] [--profile] [--transient]
#
# Starts (or reuses) RabbitMQ via scripts/services.sh and exports its settings (RABBITMQ, RABBITMQ_MANAGEMENT), then runs
#   dotnet run -c Release --project bench/Messaging.Benchmarks -- <args>
# The benchmark starts its own redis-server (on a free loopback port, no persistence) and stops it itself, so only
# RabbitMQ is needed from services.sh; Redis is started too when missing, because services.sh env names it.
# Services this script started are stopped on exit unless KEEP_SERVICES=1; reused ones are never stopped.
# Exit code: the benchmark's (non-zero when a workload failed or a message was not delivered).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export DOTNET_NOLOGO="${DOTNET_NOLOGO:-1}"
export DOTNET_CLI_TELEMETRY_OPTOUT="${DOTNET_CLI_TELEMETRY_OPTOUT:-1}"

say() { printf '[bench] %s\n' "$*" >&2; }

# shellcheck source=scripts/lib/started-services.sh
source "$ROOT/scripts/lib/started-services.sh"

command -v redis-server >/dev/null 2>&1 || "$ROOT/scripts/services.sh" install redis
if ! SERVICES_STARTED_FILE="$STARTED_FILE" "$ROOT/scripts/services.sh" start rabbitmq; then
  say "FAILED: could not start RabbitMQ (see the services log above)"
  exit 1
fi
eval "$("$ROOT/scripts/services.sh" env)"
say "RABBITMQ=$RABBITMQ RABBITMQ_MANAGEMENT=$RABBITMQ_MANAGEMENT (the benchmark runs its own redis-server)"

say "dotnet run -c Release --project bench/Messaging.Benchmarks -- $*"
set +e
dotnet run -c Release --project bench/Messaging.Benchmarks -- "$@" </dev/null
rc=$?
set -e
((rc == 0)) || say "FAILED: the benchmark exited with code $rc"
exit "$rc"
