#!/usr/bin/env bash
# Runs inside Xvfb (see test.sh). Starts a private D-Bus session bus and a real, unlocked
# gnome-keyring on it, the test SMTP server and the Twilio contract (scripts/services), runs every
# suite, prints one summary line, and stops all it started.
source "$(dirname "$0")/lib.sh"
set +e  # run every suite even when one fails; the exit code says whether any did

work="$(mktemp -d)"
keyring_pid=""
bus_pid=""
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
# Interrupted: leave through EXIT (one cleanup), instead of carrying on with the next suite.
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- a private session bus; its chatter goes to a file, not the test output.
bus_info="$(dbus-daemon --session --fork --print-address=1 --print-pid=1 2>"$work/dbus.log")" \
  || die "could not start a D-Bus session bus: $(cat "$work/dbus.log")"
export DBUS_SESSION_BUS_ADDRESS="$(sed -n 1p <<<"$bus_info")"
bus_pid="$(sed -n 2p <<<"$bus_info")"

# --- gnome-keyring: fresh keyrings in a throwaway folder; never touch HOME (cargo lives there).
export XDG_DATA_HOME="$work/xdg-data"
mkdir -p "$XDG_DATA_HOME"
# Unlock it ourselves: started by D-Bus activation it would come up locked.
echo -n 'desk-test-keyring' | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
for _ in $(seq 1 50); do  # it registers on the bus a moment after forking
  keyring_pid="$(dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets 2>/dev/null \
    | awk '/uint32/ {print $2}')"
  [ -n "$keyring_pid" ] && break
  sleep 0.1
done
[ -n "$keyring_pid" ] || die "gnome-keyring did not start on the test bus"

# --- the SMTP server and the Twilio contract (Prism); exports DESK_TEST_SMTP_* and
# TWILIO_CONTRACT_URL, sets smtp_pid and prism_pid. Exits (through cleanup) if one cannot start.
source "$ROOT/scripts/services/start-services.sh"

cd "$ROOT"
export CI="${CI:-false}"
status=0
log="$work/cargo-test.log"

# With arguments, run just that command inside the services (development):
#   scripts/test.sh cargo test -p desk-tests --test kill_mid_send
if [ $# -gt 0 ]; then
  "$@"
  exit $?
fi

say "Rust tests (unit, integration, mock runtime, end-to-end in the real window)"
# Built once by 'make test' (cargo test --no-run); this only runs them.
cargo test --workspace --quiet 2>&1 | tee "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

say "UI unit tests (Vitest)"
vitest_log="$work/vitest.log"
(cd ui && npx --no-install vitest run) 2>&1 | tee "$vitest_log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

say "UI type check (svelte-check)"
(cd ui && npm run --silent check) || status=1

# One closing line that counts across both runners.
passed=$(grep -Eo '[0-9]+ passed' "$log" | awk '{s+=$1} END {print s+0}')
failed=$(grep -Eo '[0-9]+ failed' "$log" | awk '{s+=$1} END {print s+0}')
v_passed=$(sed 's/\x1b\[[0-9;]*m//g' "$vitest_log" | grep -E '^\s+Tests' | grep -Eo '[0-9]+ passed' | awk '{s+=$1} END {print s+0}')
v_failed=$(sed 's/\x1b\[[0-9;]*m//g' "$vitest_log" | grep -E '^\s+Tests' | grep -Eo '[0-9]+ failed' | awk '{s+=$1} END {print s+0}')
echo "screenshots: $ROOT/target/e2e-screenshots/"
echo "summary: $((passed + v_passed)) passed, $((failed + v_failed)) failed"
exit $status
