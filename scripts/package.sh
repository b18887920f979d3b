#!/usr/bin/env bash
# Build the desk's Linux packages with the pinned Tauri CLI (packaging/package.json):
#   scripts/package.sh            release .deb and .rpm (what `make package` ships)
#   scripts/package.sh --debug    the bundler's debug mode: the same package around a debug build,
#                                 which reuses the test build's target/ (CI installs this one)
# Prints the path of each package built (target/packages/release/ or …/debug/), one per line.
source "$(dirname "$0")/lib.sh"

profile=release
args=()
if [ "${1:-}" = "--debug" ]; then
  profile=debug
  args+=(--debug)
fi

"$ROOT/scripts/setup.sh"
"$ROOT/scripts/build-ui.sh"

# The CLI looks for tauri.conf.json beside the app crate (src-tauri/tauri.conf.json is a link to
# the one at the root) and resolves relative paths from there, so the UI and the icons are
# handed over as absolute paths.
icons=$(cd "$ROOT" && python3 -c 'import json,os; print(json.dumps([os.path.abspath(p) for p in json.load(open("tauri.conf.json"))["bundle"]["icon"]]))')
config=$(printf '{"build":{"frontendDist":"%s"},"bundle":{"icon":%s}}' "$ROOT/ui/dist" "$icons")

out="$ROOT/target/$profile/bundle"
rm -rf "$out/deb" "$out/rpm"
say "Building the $profile packages (.deb, .rpm)"
(cd "$ROOT" && TAURI_APP_PATH=src-tauri "$ROOT/packaging/node_modules/.bin/tauri" build "${args[@]}" \
  --ci --bundles deb,rpm --config "$config" >&2)

# The bundler names files after the product ("Skinspire Verify Desk_0.2.0_amd64.deb"): copies with
# the usual package names, without spaces, go to target/packages/<profile>/.
dest="$ROOT/target/packages/$profile"
rm -rf "$dest"
mkdir -p "$dest"
found=0
for f in "$out"/deb/*.deb "$out"/rpm/*.rpm; do
  [ -f "$f" ] || continue
  base=$(basename "$f")
  case "$base" in
    *.deb) name="skinspire-verify-desk_${base#*_}" ;;
    *.rpm) name="skinspire-verify-desk-${base##*Desk-}" ;;
  esac
  cp "$f" "$dest/$name"
  echo "$dest/$name"
  found=1
done
[ "$found" = 1 ] || die "the bundler finished but left no package in $out"
