#!/usr/bin/env bash
# Start the real services the tests need, run every test, stop what was started: even on failure.
# Xvfb comes from xvfb-run; test-session.sh starts a private D-Bus session bus, an unlocked
# gnome-keyring on it, the SMTP server and Twilio's contract (Prism).
source "$(dirname "$0")/lib.sh"
exec xvfb-run -a -s "-screen 0 1280x800x24" "$ROOT/scripts/test-session.sh" "$@"
