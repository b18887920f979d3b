#!/usr/bin/env bash
# Run the benchmarks and write their results into docs/benchmarks.md.
#
# The send pipeline benchmark talks to real services, started here the way the test session
# starts them: a private D-Bus session bus with an unlocked gnome-keyring (never the user's own
# keyring), the test SMTP server and Prism (scripts/services/start-services.sh). All of them are
# stopped on exit.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
out="$ROOT/docs/benchmarks.md"
# On tmpfs when there is one, so the SMTP server's fsync per message is not what gets measured.
work="$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)"
engine_md="$work/engine.md"
send_md="$work/send.md"
bus_pid=""
keyring_pid=""
smtp_pid=""   # set by scripts/services/start-services.sh
prism_pid=""  # set by scripts/services/start-services.sh
stop_pid() {  # SIGTERM, up to 5 s to go, then SIGKILL
  [ -n "$1" ] && kill "$1" 2>/dev/null || return 0
  for _ in $(seq 1 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
cleanup() {
  stop_pid "$smtp_pid"; smtp_pid=""
  stop_pid "$prism_pid"; prism_pid=""
  [ -n "$keyring_pid" ] && kill "$keyring_pid" 2>/dev/null
  [ -n "$bus_pid" ] && kill "$bus_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "Benchmark: verification engine (release build; about a minute)"
DESK_BENCH_OUT="$engine_md" cargo bench -q -p desk-core --bench engine >/dev/null

say "Starting the test services for the send pipeline benchmark"
# A private bus and keyring, so the benchmark's credentials never touch the user's keyring.
keyring_mode=""
if command -v dbus-daemon >/dev/null 2>&1 && command -v gnome-keyring-daemon >/dev/null 2>&1; then
  bus_info="$(dbus-daemon --session --fork --print-address=1 --print-pid=1 2>"$work/dbus.log")" \
    || die "could not start a D-Bus session bus: $(cat "$work/dbus.log")"
  export DBUS_SESSION_BUS_ADDRESS="$(sed -n 1p <<<"$bus_info")"
  bus_pid="$(sed -n 2p <<<"$bus_info")"
  export XDG_DATA_HOME="$work/xdg-data"
  mkdir -p "$XDG_DATA_HOME"
  echo -n 'desk-bench-keyring' | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1 || true
  for _ in $(seq 1 50); do  # it registers on the bus a moment after forking
    keyring_pid="$(dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets 2>/dev/null \
      | awk '/uint32/ {print $2}')" || true
    [ -n "$keyring_pid" ] && break
    sleep 0.1
  done
  [ -n "$keyring_pid" ] || die "gnome-keyring did not start on the benchmark's bus"
  keyring_mode=system
else
  warn "dbus-daemon or gnome-keyring-daemon is missing (scripts/setup.sh installs them): the send pipeline benchmark keeps its credentials in memory"
fi
# Exports DESK_TEST_SMTP_* and TWILIO_CONTRACT_URL; sets smtp_pid and prism_pid.
source "$ROOT/scripts/services/start-services.sh"

say "Benchmark: send pipeline (release build; under a minute)"
DESK_BENCH_KEYRING="$keyring_mode" DESK_BENCH_OUT="$send_md" cargo bench -q -p desk-core --bench send_pipeline >/dev/null
[ -s "$send_md" ] || warn "the send pipeline benchmark measured nothing (see above): its section is left out"

{
  echo "# Benchmarks"
  echo
  echo "Written by \`scripts/bench.sh\` (\`make bench\`) on $(date -u +%Y-%m-%d). Each figure is measured"
  echo "in one run next to a baseline that does the same work by hand, so they can be compared."
  echo "Speed is measured here, not asserted in tests."
  echo
  cat "$engine_md"
  if [ -s "$send_md" ]; then
    echo
    cat "$send_md"
  fi
} > "$out"
say "Wrote $out"
