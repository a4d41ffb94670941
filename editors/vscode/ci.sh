#!/usr/bin/env bash
# CI for the VS Code extension: install exactly what package-lock.json pins, type-check and
# bundle the client, run the grammar tests, and package the .vsix.
#
# VS Code itself cannot run in CI, so the extension is type-checked, its grammars tested and the
# .vsix packaged here; the language server (`campaign lsp`) has its own end-to-end tests.
#
# The last line is `vscode: N passed, M failed`, N and M counting the grammar tests (one per
# snapshot-tested policy file and one per assertion file in test/cases/). A failed step other
# than the tests counts as one more failure. The exit status is non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")"

passed=0
failed=0

finish() {
  echo "vscode: ${passed} passed, ${failed} failed"
  if [ "$failed" -gt 0 ]; then
    exit 1
  fi
  exit 0
}

step() {
  local name=$1
  shift
  echo "== vscode: ${name}"
  if ! "$@"; then
    echo "vscode: step failed: ${name}" >&2
    failed=$((failed + 1))
    finish
  fi
}

step "npm ci" npm ci --no-audit --no-fund
step "compile" npm run compile

echo "== vscode: test"
log=$(mktemp)
npm test 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
counts=$(grep -E '^grammar: [0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
rm -f "$log"
if [ -n "$counts" ]; then
  passed=$(echo "$counts" | sed -E 's/^grammar: ([0-9]+) passed.*/\1/')
  failed=$(echo "$counts" | sed -E 's/.* ([0-9]+) failed$/\1/')
fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # The tests stopped before counting (a stale grammar, a crash): that is a failure too.
  failed=1
fi
if [ "$failed" -gt 0 ]; then
  finish
fi

step "package" npm run package
finish
