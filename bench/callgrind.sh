#!/usr/bin/env bash
# Instruction counts (callgrind Ir) of `campaign evaluate` on the education and
# Kuaishou-GMV seed campaigns, and of `campaign check` of each policy: a
# measurement that does not depend on the machine's load, for comparing two
# commits ("within 3 %").
#
#     bash bench/callgrind.sh                 # build, generate data if missing, measure
#     BASE=/path/to/old.txt bash bench/callgrind.sh   # also compare with an earlier output
#
# Prints one line per measurement on stdout, e.g.
#
#     edu 1e5 Ir=1234567890
#     gmv 1e5 Ir=1234567890
#     edu check Ir=12345678
#     gmv check Ir=12345678
#
# preceded by `#` lines naming the commit, profile and tools. With BASE, a
# second block gives each count ÷ BASE's and the script exits 1 when one of
# the `evaluate` counts is off by more than TOLERANCE % (default 3).
#
# Variables:
#   PROFILE     cargo profile of the measured binary (default: measure, the
#               profile of every figure in docs/performance.md; see "Build
#               profiles" there)
#   RECORDS     records per campaign (default 1e5)
#   CAMPAIGNS   default "edu gmv"
#   DATA_DIR    where the NDJSON is generated once and reused
#               (default: target/bench-data/, shared with `run`)
#   GEN_PROFILE cargo profile used to build the generator (default: dev; the
#               data is the same whatever the profile, and dev builds the
#               bench crate's peer engines fastest)
#   OUT_DIR     callgrind output files (default: <target>/callgrind/<profile>/)
#   CARGO_TARGET_DIR is honoured.
#
# Each `evaluate` runs with `--jobs 1` (one evaluating thread) with stdout to
# /dev/null and stderr to a log file (so no progress line is ever drawn), and
# with address-space randomisation off (`setarch -R`, where allowed). The
# counts then repeat to within about 0.1 % (edu) and 0.001 % (gmv) from one run
# to the next; what varies is inside glibc's malloc. The same source built in
# another target directory can differ by about 0.1 % (paths embedded in the
# binary), so compare builds made in the same directory.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

PROFILE="${PROFILE:-measure}"
RECORDS="${RECORDS:-1e5}"
CAMPAIGNS="${CAMPAIGNS:-edu gmv}"
DATA_DIR="${DATA_DIR:-$root/target/bench-data}"
GEN_PROFILE="${GEN_PROFILE:-dev}"
TOLERANCE="${TOLERANCE:-3}"
target="${CARGO_TARGET_DIR:-$root/target}"
case "$PROFILE" in
    dev) profile_dir=debug ;;
    *) profile_dir="$PROFILE" ;;
esac
OUT_DIR="${OUT_DIR:-$target/callgrind/$PROFILE}"
bin="$target/$profile_dir/campaign"
unset CAMPAIGN_PROGRESS

command -v valgrind >/dev/null || { echo "error: valgrind not found (apt-get install valgrind)" >&2; exit 2; }
norandom=()
if setarch "$(uname -m)" -R true 2>/dev/null; then
    norandom=(setarch "$(uname -m)" -R)
fi

policy_of() {
    case "$1" in
        edu) echo policies/channels-edu-back-to-school-2024.campaign ;;
        gmv) echo policies/kuaishou-provider-gmv-2022.campaign ;;
        industry) echo policies/kuaishou-provider-industry-2022.campaign ;;
        coldstart) echo policies/channels-brand-coldstart-2023.campaign ;;
        douyin) echo policies/douyin-trade-miniprogram-2023.campaign ;;
        alliance) echo policies/channels-alliance-admission-2024.campaign ;;
        *) echo "error: unknown campaign $1" >&2; exit 2 ;;
    esac
}

# Total Ir of a callgrind output file (its `summary:`/`totals:` line).
total_ir() {
    awk '/^(summary|totals):/ { print $2; exit }' "$1"
}

echo "building campaign (profile $PROFILE)" >&2
cargo build --quiet --profile "$PROFILE" -p campaign --bin campaign

mkdir -p "$DATA_DIR" "$OUT_DIR"
for c in $CAMPAIGNS; do
    data="$DATA_DIR/$c-$RECORDS.ndjson"
    if [ ! -s "$data" ]; then
        echo "generating $data" >&2
        cargo run --quiet --profile "$GEN_PROFILE" -p campaign-data --bin generate -- \
            --campaign "$c" --records "$RECORDS" --out "$data.partial"
        mv "$data.partial" "$data"
    fi
done

echo "# commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD 2>/dev/null || echo ' (modified)')"
echo "# profile $PROFILE, $(rustc --version), $(valgrind --version), records $RECORDS, --jobs 1${norandom:+, ASLR off}"

results=()
for c in $CAMPAIGNS; do
    policy="$(policy_of "$c")"
    data="$DATA_DIR/$c-$RECORDS.ndjson"
    out="$OUT_DIR/callgrind.$c-$RECORDS.evaluate.out"
    "${norandom[@]}" valgrind --tool=callgrind --callgrind-out-file="$out" \
        "$bin" evaluate "$policy" --facts "$data" --format ndjson --jobs 1 \
        >/dev/null 2>"$OUT_DIR/$c-$RECORDS.evaluate.log" || {
        echo "error: evaluate failed, see $OUT_DIR/$c-$RECORDS.evaluate.log" >&2
        exit 1
    }
    results+=("$c $RECORDS Ir=$(total_ir "$out")")
    echo "${results[-1]}"
done
for c in $CAMPAIGNS; do
    policy="$(policy_of "$c")"
    out="$OUT_DIR/callgrind.$c.check.out"
    "${norandom[@]}" valgrind --tool=callgrind --callgrind-out-file="$out" \
        "$bin" check "$policy" >/dev/null 2>"$OUT_DIR/$c.check.log" || {
        echo "error: check failed, see $OUT_DIR/$c.check.log" >&2
        exit 1
    }
    results+=("$c check Ir=$(total_ir "$out")")
    echo "${results[-1]}"
done

if [ -n "${BASE:-}" ]; then
    echo "# compared with $BASE (tolerance ±$TOLERANCE % on evaluate)"
    status=0
    for line in "${results[@]}"; do
        key="${line% Ir=*}"
        ir="${line##*Ir=}"
        old="$(awk -v k="$key" '$0 !~ /^#/ { line = $0; sub(/ Ir=.*/, "", line); if (line == k) { sub(/.* Ir=/, ""); print; exit } }' "$BASE")"
        if [ -z "$old" ]; then
            echo "$key: not in $BASE"
            continue
        fi
        verdict="$(awk -v n="$ir" -v o="$old" -v t="$TOLERANCE" 'BEGIN {
            r = n / o; d = (r - 1) * 100
            printf "%.4f (%+.2f %%) %s", r, d, (d > t || d < -t) ? "OUTSIDE" : "within" }')"
        echo "$key: $ir / $old = $verdict"
        case "$key" in
            *check) ;;
            *) [[ "$verdict" == *OUTSIDE ]] && status=1 ;;
        esac
    done
    exit "$status"
fi
