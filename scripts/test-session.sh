#!/usr/bin/env bash
# Runs inside Xvfb (see test.sh). Starts a private D-Bus session bus and a real, unlocked
# gnome-keyring on it, the test SMTP server and the Twilio contract (scripts/services), runs every
# suite, prints one summary line, and stops all it started.
source "$(dirname "$0")/lib.sh"
set +e  # run every suite even when one fails; the exit code says whether any did

work="$(mktemp -d)"
# The bus, the unlocked keyring, and the clean-up that stops everything on exit.
source "$ROOT/scripts/services/session.sh"
start_bus_and_keyring

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

# The UI's suites run alongside the Rust ones: the end-to-end tests spend most of their time
# waiting on the real window (the idle-lock test waits a full minute), so the cores are free.
vitest_log="$work/vitest.log"
check_log="$work/svelte-check.log"
(
  cd ui
  npx --no-install vitest run >"$vitest_log" 2>&1; echo $? >"$work/vitest.rc"
  npm run --silent check >"$check_log" 2>&1; echo $? >"$work/check.rc"
) &
ui_pid=$!
# The DBA's smoke test of the clinic-side SQL (install, uninstall, enroll, the fold, the
# refusals) runs on a throwaway PostgreSQL of its own, beside the rest: psql only.
hms_log="$work/hms-check.log"
(
  bash tests/fixtures/hms/check.sh >"$hms_log" 2>&1; echo $? >"$work/hms.rc"
) &
hms_pid=$!
extra_pids="$ui_pid $hms_pid"

say "Rust tests (unit, integration, mock runtime, end-to-end in the real window)"
# Built once by 'make test' (cargo test --no-run); this only runs them.
cargo test --workspace --quiet --no-fail-fast 2>&1 | tee "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

wait "$ui_pid"
wait "$hms_pid"
extra_pids=""
say "UI unit tests (Vitest)"
cat "$vitest_log"
[ "$(cat "$work/vitest.rc" 2>/dev/null)" = 0 ] || status=1
say "UI type check (svelte-check)"
cat "$check_log"
[ "$(cat "$work/check.rc" 2>/dev/null)" = 0 ] || status=1

say "The clinic-side SQL (tests/fixtures/hms/check.sh)"
grep -E '^FAIL|^ +(expected|actual):|passed, ' "$hms_log" || tail -20 "$hms_log"
[ "$(cat "$work/hms.rc" 2>/dev/null)" = 0 ] || status=1

# One closing line that counts across the runners.
passed=$(grep -Eo '[0-9]+ passed' "$log" | awk '{s+=$1} END {print s+0}')
failed=$(grep -Eo '[0-9]+ failed' "$log" | awk '{s+=$1} END {print s+0}')
v_passed=$(sed 's/\x1b\[[0-9;]*m//g' "$vitest_log" | grep -E '^\s+Tests' | grep -Eo '[0-9]+ passed' | awk '{s+=$1} END {print s+0}')
v_failed=$(sed 's/\x1b\[[0-9;]*m//g' "$vitest_log" | grep -E '^\s+Tests' | grep -Eo '[0-9]+ failed' | awk '{s+=$1} END {print s+0}')
echo "screenshots: $ROOT/target/e2e-screenshots/"
h_passed=$(grep -Eo '^[0-9]+ passed' "$hms_log" | awk '{s+=$1} END {print s+0}')
h_failed=$(grep -Eo '[0-9]+ failed$' "$hms_log" | awk '{s+=$1} END {print s+0}')
[ -s "$hms_log" ] && grep -q 'passed, ' "$hms_log" || h_failed=$((h_failed + 1))
echo "summary: $((passed + v_passed + h_passed)) passed, $((failed + v_failed + h_failed)) failed"
exit $status
