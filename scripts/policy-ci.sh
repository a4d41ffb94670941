#!/usr/bin/env bash
# The CI of a policy repository (docs/ci.md), run on this project's own `policies/`: the same
# three commands as the GitHub Actions workflow in docs/ci.md, word for word (a test,
# tests/it/ci.rs, holds them equal), with the `campaign` just built.
#
#   bash scripts/policy-ci.sh [CAMPAIGN_BINARY]     # default: target/debug/campaign
#
# The JUnit report is written to target/policy-ci/junit.xml. Exit status: the first failing
# command's.
set -euo pipefail
cd "$(dirname "$0")/.."

binary="${1:-target/debug/campaign}"
if [[ ! -x "$binary" ]]; then
  echo "error: no campaign binary at $binary (cargo build first)" >&2
  exit 2
fi
bin_dir="$(mktemp -d)"
trap 'rm -rf "$bin_dir"' EXIT
ln -s "$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")" "$bin_dir/campaign"
export PATH="$bin_dir:$PATH"
mkdir -p target/policy-ci
report=target/policy-ci/junit.xml

# --- the workflow's commands (docs/ci.md), in its order
campaign check --format github policies/
campaign fmt --check policies/
campaign test --format junit policies/ > "$report" || {
  # The report is for machines: show the failures to the person reading the log too.
  echo "error: test cases failed (JUnit report in $report); the failures:" >&2
  campaign test policies/ >&2 || true
  exit 1
}
# ---

grep -q '<testsuites' "$report" || { echo "error: $report is not a JUnit report" >&2; exit 1; }
echo "policy CI: check, fmt --check and test passed; JUnit report in $report"
