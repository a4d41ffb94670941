#!/usr/bin/env bash
# Wall time of `campaign evaluate` on the shapes of issue 14, item 11: campaigns whose work
# used to grow faster than their input. Benchmarks, not tests: the figures go into
# docs/performance.md ("Work that grows faster than the input").
#
#     bash bench/shapes.sh                  # build (profile measure), generate, time each shape
#     PROFILE=release bash bench/shapes.sh  # another profile
#     BIN=/path/to/campaign bash bench/shapes.sh   # an existing binary (e.g. an older commit's)
#
# The shapes (campaigns and data are written into target/bench-data/shapes/):
#
#   quadratic   `let above of xs = count of ys where y > x`, 16,000 items each
#   per-day     a per-day value whose filter uses other per-day values: 10,000 days,
#               100,000 orders
#   nested      aggregates nested 27 deep, each over a list of its own (2 items), all
#               filtered by a fact of the outermost item only: each is the same for every
#               item of the walks between (2^27 steps when computed for each)
#   dependent   aggregates nested 30 deep, each over a list of its own and filtered by a
#               fact of the item around it, 2 items a list: 2^30 steps, stopped by the work
#               limit (the time is the time to fail)
#   running-1e4, running-1e5
#               `portion of net_gmv within first ... ordered by created_at, then by order_id`,
#               `running sum of` and `previous` for every order of one record of 10^4 and 10^5
#               orders (issue 16: n log n, the list sorted once per record); a tenth of the
#               orders share a creation time with another
#   balance-1e4, balance-1e5, balance-base-1e5
#               a balance carried across the 12 months of 2025 (`balance of ... applied to
#               orders.commission ordered by settled_at, then by order_id expiring after 2
#               months lost at left_at`, issue 16: n log n, the list sorted once per record)
#               for one record of 10^4 and 10^5 orders, the credit left, used and paid in cash
#               shown per month; `balance-base-1e5` is the same record with the month's
#               commission summed instead (the cost of reading the orders alone); a tenth of
#               the orders share a settlement time with another
#
# SHAPES="running-1e4 running-1e5" bash bench/shapes.sh times only those.
# Prints one line per shape: `NAME SECONDS OUTCOME`, OUTCOME the record's first value or its
# error.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
PROFILE="${PROFILE:-measure}"
target="${CARGO_TARGET_DIR:-$root/target}"
case "$PROFILE" in
    dev) profile_dir=debug ;;
    *) profile_dir="$PROFILE" ;;
esac
if [ -z "${BIN:-}" ]; then
    echo "building campaign (profile $PROFILE)" >&2
    cargo build --quiet --profile "$PROFILE" -p campaign --bin campaign
    BIN="$target/$profile_dir/campaign"
fi
dir="$target/bench-data/shapes"
mkdir -p "$dir"

python3 - "$dir" <<'PY'
import json, os, sys
d = sys.argv[1]
def write(name, campaign, record):
    with open(os.path.join(d, name + ".campaign"), "w") as f:
        f.write(campaign)
    path = os.path.join(d, name + ".ndjson")
    if not os.path.exists(path):
        with open(path, "w") as f:
            f.write(json.dumps(record) + "\n")

n = 16000
write("quadratic", """campaign "quadratic" {
  timezone Asia/Shanghai
  facts { xs: list of { x: decimal }, ys: list of { y: decimal } }
  let above of xs = count of ys where y > x
  value total = sum of xs.above
}
""", {"id": "q", "xs": [{"x": str(i)} for i in range(n)],
      "ys": [{"y": str((i * 7919) % n)} for i in range(n)]})

import datetime
start = datetime.date(2000, 1, 1)
last = start + datetime.timedelta(days=9999)
orders = []
for i in range(100000):
    day = start + datetime.timedelta(days=(i * 7) % 10000)
    orders.append({"paid_at": f"{day}T{(i % 24):02d}:00:00+08:00", "amount": str(1 + i % 97)})
write("per-day", f"""campaign "per day" {{
  timezone Asia/Shanghai
  periods days = days {start} through {last}
  facts {{ orders: list of {{ paid_at: timestamp, amount: money CNY }} }}
  let daily_count per day in days = count of orders where paid_at in day
  let daily_gmv per day in days = sum of orders.amount where paid_at in day
  let big per day in days = sum of orders.amount
    where paid_at in day and amount × daily_count ≥ daily_gmv
  value total = sum of big
}}
""", {"id": "d", "orders": orders})

depth = 27
expr = "f0 > 0"
for level in range(depth, 0, -1):
    expr = f"(count of l{level} where {expr}) ≥ 0"
lists = ", ".join(f"l{i}: list of {{ f{i}: count }}" for i in range(depth + 1))
record = {"id": "n"}
for i in range(depth + 1):
    record[f"l{i}"] = [{f"f{i}": 1}, {f"f{i}": 2}]
write("nested", f"""campaign "nested" {{
  timezone Asia/Shanghai
  facts {{ {lists} }}
  value v = count of l0 where {expr}
}}
""", record)

depth = 30
expr = "1 > 0"
for level in range(depth - 1, 0, -1):
    expr = f"(count of l{level} where {expr} and f{level - 1} ≥ 0) ≥ 0"
lists = ", ".join(f"l{i}: list of {{ f{i}: count }}" for i in range(depth))
record = {"id": "e"}
for i in range(depth):
    record[f"l{i}"] = [{f"f{i}": 1}, {f"f{i}": 2}]
write("dependent", f"""campaign "dependent" {{
  timezone Asia/Shanghai
  facts {{ {lists} }}
  value v = count of l0 where {expr}
}}
""", record)

for label, n in (("running-1e4", 10000), ("running-1e5", 100000)):
    orders = []
    for i in range(n):
        # A scrambled creation order, one order in ten sharing its second with another.
        k = (i * 7919) % n
        second = k - 1 if k % 10 == 1 else k
        at = datetime.datetime(2025, 1, 1) + datetime.timedelta(seconds=second * 37)
        orders.append({"order_id": f"o{i:06d}", "created_at": at.isoformat() + "+08:00",
                       "paid": str(100 + (i * 31) % 900) + ".50", "refunded": str((i * 13) % 50)})
    threshold = 250 * n
    write(label, f"""campaign "running" {{
  timezone Asia/Shanghai
  facts {{ orders: list of {{ order_id: text, created_at: timestamp, paid: money CNY, refunded: money CNY }} }}
  let net_gmv of orders = max(paid - refunded, 0 CNY)
  let discounted of orders = portion of net_gmv within first {threshold} CNY ordered by created_at, then by order_id
  let before of orders = running sum of net_gmv ordered by created_at, then by order_id
  let last_at of orders = previous created_at ordered by created_at, then by order_id
  value discounted_base = sum of orders.discounted
  value past = count of orders where before ≥ {threshold} CNY
  value tied = count of orders where (last_at = created_at if unknown false)
}}
""", {"id": label, "orders": orders})

def balance_record(label, n):
    orders = []
    for i in range(n):
        # Scrambled over the year, one order in ten sharing its second with another.
        k = (i * 7919) % n
        second = k - 1 if k % 10 == 1 else k
        at = datetime.datetime(2025, 1, 1) + datetime.timedelta(seconds=second * (31536000 // n))
        orders.append({"order_id": f"o{i:06d}", "settled_at": at.isoformat() + "+08:00",
                       "amount": str(100 + (i * 31) % 900) + ".55"})
    ads = [{"amount": str(1000 * n // 12 + 7 * m) + ".05", "spent_at": f"2025-{m:02d}-15T10:00:00+08:00"}
           for m in range(1, 13)]
    return {"id": label, "ad_spend": ads, "orders": orders}

header = """campaign "balance" {
  timezone Asia/Shanghai
  periods year = months 2025-01 through 2025-12
  facts {
    left_at: timestamp, optional
    ad_spend: list of { amount: money CNY, spent_at: timestamp }
    orders: list of { order_id: text, amount: money CNY, settled_at: timestamp }
  }
  let commission of orders = amount × 5%
  let earned per month in year = (sum of ad_spend.amount where spent_at in month) × 5%
"""
for label, n in (("balance-1e4", 10000), ("balance-1e5", 100000)):
    write(label, header + """  value credit per month in year = balance of earned
    applied to orders.commission ordered by settled_at, then by order_id
    expiring after 2 months
    lost at left_at
  value used per month in year = credit_used(credit)
  fee cash per month in year = paid_in_cash(credit), rounded half up
}
""", balance_record(label, n))
write("balance-base-1e5", header + """  value used per month in year = earned
  fee cash per month in year = sum of orders.commission where settled_at in month, rounded half up
}
""", balance_record("balance-base-1e5", 100000))
PY

echo "# $("$BIN" --version 2>/dev/null || echo campaign) at $(git rev-parse --short HEAD 2>/dev/null || echo '?'), profile $PROFILE, --jobs 1"
for shape in ${SHAPES:-quadratic per-day nested dependent running-1e4 running-1e5 balance-1e4 balance-1e5 balance-base-1e5}; do
    start=$(date +%s.%N)
    out="$("$BIN" evaluate "$dir/$shape.campaign" --facts "$dir/$shape.ndjson" --jobs 1 --quiet 2>/dev/null || true)"
    end=$(date +%s.%N)
    outcome="$(printf '%s' "$out" | python3 -c 'import json,sys
line = sys.stdin.readline()
r = json.loads(line) if line.strip() else {}
print(r.get("error") or json.dumps(r.get("values")))')"
    printf '%s %.2f %s\n' "$shape" "$(echo "$end - $start" | bc)" "$outcome"
done
