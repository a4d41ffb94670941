#!/usr/bin/env bash
# The browser test of the HTML pages (docs/cli.md, "campaign report"): writes the pages and
# JSON reports of `report`, `diff` and `sweep` for a few shipped examples with the given
# binary, then opens each in Debian's chromium (tests/browser/pages.test.mjs).
# Usage: bash tests/browser/run.sh target/debug/campaign
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="$(realpath "${1:-target/debug/campaign}")"
root="$(cd "$here/../.." && pwd)"
pages="${PAGES:-$(mktemp -d)}"
mkdir -p "$pages"
ex="$root/policies/examples"
both() { # NAME COMMAND ARGS...: NAME.json and NAME.html from one command
  local name="$1"; shift
  "$@" --format json -o "$pages/$name.json" -q
  "$@" --format html -o "$pages/$name.html" -q
}
for c in douyin-double11-sprint-pool platform-technical-service-fee amazon-brand-rebate-multicurrency merchant-growth-rebate-cumulative channels-mini-program-equal-pool; do
  both "report-$c" "$bin" report "$ex/$c.campaign" --facts "$ex/$c.ndjson"
done
both diff-pool "$bin" diff "$ex/douyin-double11-sprint-pool.campaign" --facts "$ex/douyin-double11-sprint-pool.ndjson" \
  --old-param "pool=1500000 CNY" --new-param "pool=1000000 CNY"
both sweep-pool "$bin" sweep "$ex/douyin-double11-sprint-pool.campaign" --facts "$ex/douyin-double11-sprint-pool.ndjson" \
  --param pool --values "500000 CNY" "1000000 CNY" "1500000 CNY" "2000000 CNY"
cd "$here"
npm ci --no-audit --no-fund --silent
node pages.test.mjs "$pages"
echo "screenshots: $pages/screenshots"
