#!/usr/bin/env bash
# Inside Xvfb (see run.sh): start the desk, save a screenshot once its window is up, then keep
# running until the desk is closed or Ctrl+C.
set -euo pipefail
app="$1"; shot="$2"
"$app" &
pid=$!
trap 'kill "$pid" 2>/dev/null' INT TERM
for _ in $(seq 1 80); do
  xwininfo -root -tree 2>/dev/null | grep -q '"Skinspire Verify Desk"' && break
  sleep 0.25
done
sleep 2  # let the first screen paint
import -window root "$shot" && echo "Screenshot saved: $shot" >&2
wait "$pid"
