#!/usr/bin/env bash
# Start-up and footprint of the desk against a bare Tauri 2.12 app (tests/bench-bare), both in
# the desk's release profile, measured side by side on one Xvfb display with a real D-Bus
# session and gnome-keyring (scripts/bench-startup.py). Writes a Markdown section:
#   scripts/bench-startup.sh OUT.md [RUNS]
# Builds: the desk's release package (make package) and the bare app's, in the same target/
# with the desk's Cargo.lock, so the bare app reuses the desk's compiled Tauri (one build at a
# time). About 25 minutes from nothing, 5 once both are built.
source "$(dirname "$0")/lib.sh"
out="${1:?usage: bench-startup.sh OUT.md [RUNS]}"
runs="${2:-7}"
work="$(mktemp -d)"

say "Start-up benchmark: the desk's release package"
desk_deb=$("$ROOT/scripts/package.sh" | grep '\.deb$')
cp "$desk_deb" "$work/desk.deb"
cp "$ROOT/target/release/skinspire-verify-desk" "$work/desk"

say "Start-up benchmark: the bare Tauri app (release, the desk's profile and lock file)"
bare="$work/bare"
cp -r "$ROOT/tests/bench-bare" "$bare"
cp "$ROOT/Cargo.lock" "$bare/Cargo.lock"
(cd "$bare" && CARGO_TARGET_DIR="$ROOT/target" "$ROOT/packaging/node_modules/.bin/tauri" build --ci --bundles deb >&2)
cp "$ROOT"/target/release/bundle/deb/hello-tauri_*.deb "$work/bare.deb"
cp "$ROOT/target/release/hello-tauri" "$work/hello-tauri"

say "Start-up benchmark: a desk with 100,000 people"
(cd "$ROOT" && cargo run --quiet --release -p desk-app --example seed_desk -- "$work/desk-100k" 100000 >&2)

say "Start-up benchmark: $runs runs each (about $((runs * 3 * 8 / 60 + 1)) minutes)"
# A private bus and an unlocked keyring, as the tests have: never the user's own.
source "$ROOT/scripts/services/session.sh"
start_bus_and_keyring
xvfb-run -a -s "-screen 0 1280x800x24" python3 "$ROOT/scripts/bench-startup.py" \
  --bare "$work/hello-tauri" --desk "$work/desk" --desk-data-100k "$work/desk-100k" \
  --bare-deb "$work/bare.deb" --desk-deb "$work/desk.deb" --runs "$runs" --out "$out"
say "Wrote $out"
