#!/usr/bin/env bash
# Run the benchmarks and write their results into docs/benchmarks.md.
#
# The send pipeline benchmark talks to real services, started here the way the test session
# starts them: a private D-Bus session bus with an unlocked gnome-keyring (never the user's own
# keyring), the test SMTP server, Prism and PostgreSQL 15 (scripts/services/start-services.sh). All of them are
# stopped on exit.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
out="$ROOT/docs/benchmarks.md"
# On tmpfs when there is one, so the SMTP server's fsync per message is not what gets measured.
work="$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)"
engine_md="$work/engine.md"
send_md="$work/send.md"
sync_md="$work/sync.md"
startup_md="$work/startup.md"
# The bus, the keyring, and the clean-up that stops everything on exit.
source "$ROOT/scripts/services/session.sh"

say "Benchmark: verification engine (release build; about a minute)"
DESK_BENCH_OUT="$engine_md" cargo bench -q -p desk-app --bench engine >/dev/null

say "Starting the test services for the send pipeline benchmark"
# A private bus and keyring, so the benchmark's credentials never touch the user's keyring.
keyring_mode=""
if command -v dbus-daemon >/dev/null 2>&1 && command -v gnome-keyring-daemon >/dev/null 2>&1; then
  start_bus_and_keyring
  keyring_mode=system
else
  warn "dbus-daemon or gnome-keyring-daemon is missing (scripts/setup.sh installs them): the send pipeline benchmark keeps its credentials in memory"
fi
# Exports DESK_TEST_SMTP_* and TWILIO_CONTRACT_URL; sets smtp_pid and prism_pid.
source "$ROOT/scripts/services/start-services.sh"

say "Benchmark: send pipeline (release build; under a minute)"
DESK_BENCH_KEYRING="$keyring_mode" DESK_BENCH_OUT="$send_md" cargo bench -q -p desk-app --bench send_pipeline >/dev/null
[ -s "$send_md" ] || warn "the send pipeline benchmark measured nothing (see above): its section is left out"

say "Benchmark: sync with the clinic's PostgreSQL (release build; a few minutes)"
DESK_BENCH_OUT="$sync_md" cargo bench -q -p desk-tests --bench sync >/dev/null
[ -s "$sync_md" ] || die "the sync benchmark measured nothing"

say "Benchmark: start-up and footprint against a bare Tauri app (release builds; about 25 minutes from nothing)"
"$ROOT/scripts/bench-startup.sh" "$startup_md"

# Comparisons written by hand (a change measured against the code before it) follow this marker
# and are kept.
marker="<!-- Comparisons below are kept by scripts/bench.sh. -->"
kept="$work/kept.md"
# (awk's index(): the marker holds a slash, which a sed address can't take as it is.)
if [ -f "$out" ] && grep -qF "$marker" "$out"; then awk -v m="$marker" 'index($0, m) { f = 1 } f' "$out" >"$kept"; else : >"$kept"; fi

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
  echo
  cat "$sync_md"
  echo
  cat "$startup_md"
  if [ -s "$kept" ]; then
    echo
    cat "$kept"
  fi
} > "$out"
say "Wrote $out"
