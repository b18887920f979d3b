#!/usr/bin/env bash
# Run the benchmarks and write their results into docs/benchmarks.md.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
out="$ROOT/docs/benchmarks.md"
tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
say "Benchmark: verification engine (release build; about a minute)"
DESK_BENCH_OUT="$tmp" cargo bench -q -p desk-core --bench engine >/dev/null
{
  echo "# Benchmarks"
  echo
  echo "Written by \`scripts/bench.sh\` (\`make bench\`) on $(date -u +%Y-%m-%d). Each figure is measured"
  echo "in one run next to a baseline that does the same work by hand, so they can be compared."
  echo "Speed is measured here, not asserted in tests."
  echo
  cat "$tmp"
} > "$out"
say "Wrote $out"
