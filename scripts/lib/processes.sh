# Sourced by scripts/services.sh and scripts/demo.sh (not run on its own): what a script asks about a process by PID.

# pid_alive PID: the process runs and is not a zombie (PID 1 of some containers/VMs never reaps daemons).
pid_alive() {
  local pid="${1:-}" stat
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  [[ "${stat%% *}" != [ZX] ]]
}

# pid_is PID WORD: pid_alive, and /proc/PID/cmdline mentions WORD (guards against PID reuse).
pid_is() {
  pid_alive "$1" && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q -- "$2"
}
