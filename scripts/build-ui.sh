#!/usr/bin/env bash
# Build the UI into ui/dist when its sources changed (the Rust build embeds ui/dist).
source "$(dirname "$0")/lib.sh"
dist="$ROOT/ui/dist/index.html"
if [ -f "$dist" ] && [ -z "$(find "$ROOT/ui/src" "$ROOT/ui/index.html" "$ROOT/ui/package-lock.json" \
      "$ROOT/ui/vite.config.ts" -newer "$dist" -print -quit)" ]; then
  exit 0
fi
say "Building the UI"
(cd "$ROOT/ui" && npm run --silent build -- --logLevel warn)
