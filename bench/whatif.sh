#!/usr/bin/env bash
# `campaign report`, `diff` and `sweep` against one `evaluate` on 10^6 records: time and peak
# memory (docs/performance.md, "report, diff and sweep"). Not run by CI.
#
#   bash bench/whatif.sh            # builds target/release/campaign and the bench's `generate`
#   N=100000 bash bench/whatif.sh   # fewer records
#   BIN=path/to/campaign DATA=facts.ndjson bash bench/whatif.sh
#
# The campaign is the tutorial's with its GMV threshold as a parameter
# (docs/tutorial/edu-whatif.campaign); the facts are the bench's generated education records
# (`generate --campaign edu`), which that campaign reads. Targets (issue 20): `report` and
# `diff` at most 1.5× the time of one `evaluate`; memory flat (no budget or ranking here).
set -euo pipefail
cd "$(dirname "$0")/.."
N="${N:-1000000}"
BIN="${BIN:-target/release/campaign}"
POLICY=docs/tutorial/edu-whatif.campaign
if [ ! -x "$BIN" ]; then
  cargo build --release --bin campaign
fi
DATA="${DATA:-target/bench-data/edu-$N.ndjson}"
if [ ! -f "$DATA" ]; then
  mkdir -p "$(dirname "$DATA")"
  cargo run --release -p campaign-data --bin generate -- --campaign edu --records "$N" --out "$DATA"
fi
echo "records: $(wc -l < "$DATA") in $DATA ($(du -h "$DATA" | cut -f1)), $(nproc) cores, $BIN"
# Seconds and peak resident memory of one run (the best of three, to damp the machine's load).
measure() {
  local name="$1"; shift
  local best="" rss=""
  for _ in 1 2 3; do
    local out
    out=$( { /usr/bin/time -f "%e %M" "$@" -o /dev/null -q >/dev/null; } 2>&1 | tail -1)
    local t="${out% *}" m="${out#* }"
    if [ -z "$best" ] || awk "BEGIN { exit !($t < $best) }"; then best="$t"; rss="$m"; fi
  done
  printf '%-10s %8s s %8s MiB\n' "$name" "$best" "$((rss / 1024))"
  echo "$best" > "/tmp/whatif-$name.t"
}
measure evaluate "$BIN" evaluate "$POLICY" --facts "$DATA" --format ndjson
measure report "$BIN" report "$POLICY" --facts "$DATA" --format json
measure report-html "$BIN" report "$POLICY" --facts "$DATA" --format html
measure diff "$BIN" diff "$POLICY" --facts "$DATA" --new-param min_gmv=5000 --format json
measure sweep-3 "$BIN" sweep "$POLICY" --facts "$DATA" --param min_gmv --values 5000 10000 20000 --format json
base=$(cat /tmp/whatif-evaluate.t)
for name in report report-html diff sweep-3; do
  awk -v n="$name" -v t="$(cat "/tmp/whatif-$name.t")" -v b="$base" 'BEGIN { printf "%-10s %.2f× evaluate\n", n, t / b }'
done
