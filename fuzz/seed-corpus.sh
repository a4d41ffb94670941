#!/bin/sh
# Builds the seed corpora for the fuzz targets from the repository's own
# campaigns and fact files. Run from anywhere; writes fuzz/corpus/<target>/
# (gitignored). Safe to re-run: seeds are named by content hash.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
corpus="$here/corpus"
mkdir -p "$corpus/parse" "$corpus/check" "$corpus/evaluate" "$corpus/read_formats"

seed() { # seed TARGET < data
    tmp=$(mktemp)
    cat > "$tmp"
    name=$(sha1sum "$tmp" | cut -c1-40)
    mv "$tmp" "$corpus/$1/$name"
}

# Campaign texts: the policies, the examples, the UI golden files, fixtures; each also with
# Chinese keywords (docs/language.zh.md), converted by `campaign fmt --keywords zh` when a
# built `campaign` is at hand (CAMPAIGN, or target/debug/campaign).
campaign=${CAMPAIGN:-"$root/target/debug/campaign"}
find "$root/policies" "$root/tests" -name '*.campaign' | while read -r f; do
    seed parse < "$f"
    seed check < "$f"
    if [ -x "$campaign" ]; then
        zh=$(mktemp --suffix=.campaign)
        cp "$f" "$zh"
        if "$campaign" fmt --quiet --keywords zh "$zh" 2>/dev/null; then
            seed parse < "$zh"
            seed check < "$zh"
        fi
        rm -f "$zh"
    fi
done

# Tests files (the parse target reads its input as one too), each also in Chinese keywords.
find "$root/policies" "$root/docs/tutorial" -name '*.tests' | while read -r f; do
    seed parse < "$f"
    if [ -x "$campaign" ]; then
        zh=$(mktemp --suffix=.tests)
        cp "$f" "$zh"
        if "$campaign" fmt --quiet --keywords zh "$zh" 2>/dev/null; then
            seed parse < "$zh"
        fi
        rm -f "$zh"
    fi
done

# Fact files: whole (small) files, and each line on its own.
find "$root/tests/fixtures" "$root/policies" \( -name '*.ndjson' -o -name '*.jsonl' \) ! -name '*.expected.ndjson' |
while read -r f; do
    head -c 16000 "$f" | seed evaluate
    while IFS= read -r line; do
        printf '%s\n' "$line" | seed evaluate
    done < "$f"
    # The same records as a JSON array (selector byte 0 = .json).
    { printf '\000['; head -n 5 "$f" | paste -sd, -; printf ']'; } | seed read_formats
done
find "$root/tests/fixtures" -name '*.json' | while read -r f; do
    { printf '\000'; head -c 16000 "$f"; } | seed read_formats
done
find "$root/tests/fixtures" -name '*.csv' | while read -r f; do
    { printf '\001'; head -c 16000 "$f"; } | seed read_formats
done

for t in parse check evaluate read_formats; do
    printf '%s: %s seeds\n' "$t" "$(ls "$corpus/$t" | wc -l)"
done
