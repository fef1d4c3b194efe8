# Sourced by scripts/test.sh, bench.sh and demo.sh (not run on its own).
# Remembers which services this run started (scripts/services.sh writes their names into $STARTED_FILE when it is
# given SERVICES_STARTED_FILE) and stops exactly those on exit, unless KEEP_SERVICES=1; reused ones are never stopped.
# The sourcing script defines ROOT and say() first, and may set:
#   STARTED_BY   how the log names the run ("run" by default, "demo" for the demo)
#   BEFORE_STOP  a function that cleanup runs first (the demo stops its worker)
# cleanup is idempotent; it is also the EXIT trap. services_kept is 1 when KEEP_SERVICES=1 left services running.

STARTED_FILE="$(mktemp "${TMPDIR:-/tmp}/messaging-${STARTED_BY:-run}-started.XXXXXX")"
services_kept=0
cleaned=0
cleanup() {
  ((cleaned)) && return 0
  cleaned=1
  if [[ -n "${BEFORE_STOP:-}" ]]; then "$BEFORE_STOP"; fi
  if [[ -s "$STARTED_FILE" ]]; then
    local started
    started="$(sort -u "$STARTED_FILE" | tr '\n' ' ')"
    if [[ "${KEEP_SERVICES:-}" == 1 ]]; then
      say "KEEP_SERVICES=1: leaving ${started}running (stop with: scripts/services.sh stop)"
      services_kept=1
    else
      say "stopping the services this ${STARTED_BY:-run} started: $started"
      # shellcheck disable=SC2086
      "$ROOT/scripts/services.sh" stop $started || say "warning: scripts/services.sh stop failed"
    fi
  fi
  rm -f "$STARTED_FILE"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
