# Sourced by test-session.sh and bench.sh: the private D-Bus bus, an unlocked gnome-keyring on
# it (fresh keyrings in "$work", never the user's own), and the clean-up that stops everything.
# Expects "$work" (a throwaway folder); sets bus_pid and keyring_pid.

bus_pid=""
keyring_pid=""
smtp_pid=""   # set by scripts/services/start-services.sh
prism_pid=""  # set by scripts/services/start-services.sh
extra_pids="" # anything else the caller started in the background
pg_dir=""     # set by scripts/services/start-services.sh (the PostgreSQL server's folder)

stop_pid() {  # SIGTERM, up to 5 s to go, then SIGKILL
  [ -n "$1" ] && kill "$1" 2>/dev/null || return 0
  for _ in $(seq 1 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

cleanup() {
  for pid in $extra_pids; do stop_pid "$pid"; done
  stop_pid "$smtp_pid"; smtp_pid=""
  stop_pid "$prism_pid"; prism_pid=""
  if [ -n "$pg_dir" ] && [ -f "$pg_dir/data/postmaster.pid" ]; then
    "$ROOT/scripts/services/postgres.sh" stop "$pg_dir" immediate >/dev/null 2>&1 || true
  fi
  [ -n "$pg_dir" ] && rm -rf "$pg_dir"
  pg_dir=""
  [ -n "$keyring_pid" ] && kill "$keyring_pid" 2>/dev/null
  [ -n "$bus_pid" ] && kill "$bus_pid" 2>/dev/null
  rm -rf "$work"
}
# Interrupted: leave through EXIT (one cleanup), instead of carrying on.
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A private session bus; its chatter goes to a file, not the output.
start_bus_and_keyring() {
  local bus_info
  bus_info="$(dbus-daemon --session --fork --print-address=1 --print-pid=1 2>"$work/dbus.log")" \
    || die "could not start a D-Bus session bus: $(cat "$work/dbus.log")"
  DBUS_SESSION_BUS_ADDRESS="$(sed -n 1p <<<"$bus_info")"
  export DBUS_SESSION_BUS_ADDRESS
  bus_pid="$(sed -n 2p <<<"$bus_info")"
  # Fresh keyrings in a throwaway folder; never touch HOME (cargo lives there).
  export XDG_DATA_HOME="$work/xdg-data"
  mkdir -p "$XDG_DATA_HOME"
  # Unlock it ourselves: started by D-Bus activation it would come up locked.
  echo -n 'desk-test-keyring' | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1 || true
  for _ in $(seq 1 50); do  # it registers on the bus a moment after forking
    keyring_pid="$(dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets 2>/dev/null \
      | awk '/uint32/ {print $2}')" || true
    [ -n "$keyring_pid" ] && break
    sleep 0.1
  done
  [ -n "$keyring_pid" ] || die "gnome-keyring did not start on the private bus"
}
