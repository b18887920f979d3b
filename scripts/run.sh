#!/usr/bin/env bash
# Open the desk. With no display, start it under Xvfb, say so, and save a screenshot.
source "$(dirname "$0")/lib.sh"
app="$ROOT/target/debug/skinspire-verify-desk"
[ -x "$app" ] || die "the app is not built: run 'make run' (it builds first)"

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec "$app"
fi

shot="$ROOT/target/run-screenshot.png"
say "No display found: starting the desk under Xvfb (a virtual screen, 1280x800)."
say "A screenshot will be saved to $shot once the window is up. Press Ctrl+C to stop."
# Without a session bus the desk still opens and says the keyring is unavailable.
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
  exec xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- "$ROOT/scripts/run-headless.sh" "$app" "$shot"
else
  exec xvfb-run -a -s "-screen 0 1280x800x24" "$ROOT/scripts/run-headless.sh" "$app" "$shot"
fi
