#!/usr/bin/env bash
# Wall time of `campaign evaluate` on one record whose list has 10^4, 10^5 and 10^6 items, for
# the values over a list of issue 16: running values (`portion of ... within first`, `running
# sum of`, `previous`, each `ordered by` two keys) and groupings (`top KEY of LIST by sum of X`,
# `by count`). Benchmarks, not tests: the figures go into docs/performance.md ("Values over a
# list on 10^4 to 10^6 items").
#
#     bash bench/lists.sh                                   # build (release, no default features), generate, time
#     BIN=target/release/campaign bash bench/lists.sh       # an existing binary
#     SIZES="10000 100000" bash bench/lists.sh              # fewer sizes
#
# For each size N, three campaigns over the same record (written into target/bench-data/lists/):
#
#   base-N      `sum of orders.net_gmv` only: reading the record and one pass
#   running-N   a portion within a threshold, a running sum and a previous value for every
#               order, ordered by created_at, then by order_id (a scrambled creation order, one
#               order in ten sharing its second with another), and three aggregates of them
#   groups-N    the category with the highest net GMV and the one with the most orders, over
#               1,000 categories met in a scrambled order, and the top category's net GMV
#   items-N     a fee per order (`fee ... per item of orders`): the same portion within the
#               threshold, each order's fee rounded on its own and listed under `by_item`
#
# Prints one line per campaign: `NAME WALL-SECONDS CPU-SECONDS VALUES` (CPU: user + system, the
# figure to compare on a shared machine; VALUES the record's values, or its error).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"
if [ -z "${BIN:-}" ]; then
    echo "building campaign (release, no default features)" >&2
    cargo build --quiet --release --no-default-features -p campaign --bin campaign
    BIN="$target/release/campaign"
fi
dir="$target/bench-data/lists"
mkdir -p "$dir"
SIZES="${SIZES:-10000 100000 1000000}"

python3 - "$dir" $SIZES <<'PY'
import datetime, json, os, sys
d, sizes = sys.argv[1], [int(s) for s in sys.argv[2:]]

def write(name, text):
    with open(os.path.join(d, name + ".campaign"), "w") as f:
        f.write(text)

HEAD = """campaign "{name}" {{
  timezone Asia/Shanghai
  facts {{ orders: list of {{ order_id: text, category: text, created_at: timestamp, paid: money CNY, refunded: money CNY }} }}
  let net_gmv of orders = max(paid - refunded, 0 CNY)
"""
for n in sizes:
    threshold = 250 * n
    write(f"base-{n}", HEAD.format(name="base") + "  value net = sum of orders.net_gmv\n}\n")
    write(f"running-{n}", HEAD.format(name="running") + f"""  let discounted of orders = portion of net_gmv within first {threshold} CNY ordered by created_at, then by order_id
  let before of orders = running sum of net_gmv ordered by created_at, then by order_id
  let last_at of orders = previous created_at ordered by created_at, then by order_id
  value discounted_base = sum of orders.discounted
  value past = count of orders where before ≥ {threshold} CNY
  value tied = count of orders where (last_at = created_at if unknown false)
}}
""")
    write(f"groups-{n}", HEAD.format(name="groups") + """  value main_category = top category of orders by sum of net_gmv
  value busiest_category = top category of orders by count
  value main_category_gmv = sum of orders.net_gmv where (category = main_category if unknown false)
}
""")
    write(f"items-{n}", HEAD.format(name="items") + f"""  let discounted of orders = portion of net_gmv within first {threshold} CNY ordered by created_at, then by order_id
  fee service_fee per item of orders = discounted × 0.6% + (net_gmv - discounted) × 2%, rounded half up
}}
""")
    path = os.path.join(d, f"orders-{n}.ndjson")
    if os.path.exists(path):
        continue
    with open(path, "w") as f:
        f.write('{"id": "orders-%d", "orders": [' % n)
        for i in range(n):
            # A scrambled creation order, one order in ten sharing its second with another.
            k = (i * 7919) % n
            second = k - 1 if k % 10 == 1 else k
            at = datetime.datetime(2025, 1, 1) + datetime.timedelta(seconds=second * 37)
            order = {"order_id": f"o{i:07d}", "category": f"c{(i * 7919) % 1000:03d}",
                     "created_at": at.isoformat() + "+08:00",
                     "paid": str(100 + (i * 31) % 900) + ".50", "refunded": str((i * 13) % 50)}
            f.write(("" if i == 0 else ", ") + json.dumps(order))
        f.write("]}\n")
PY

echo "# $("$BIN" --version 2>/dev/null || echo campaign) at $(git rev-parse --short HEAD 2>/dev/null || echo '?'), --jobs 1"
for n in $SIZES; do
    for shape in base running groups items; do
        out="$(/usr/bin/time -f '%e %U %S' -o "$dir/time" "$BIN" evaluate "$dir/$shape-$n.campaign" \
            --facts "$dir/orders-$n.ndjson" --jobs 1 --quiet 2>/dev/null || true)"
        read -r wall user sys < "$dir/time"
        outcome="$(printf '%s' "$out" | python3 -c 'import json,sys
line = sys.stdin.readline()
r = json.loads(line) if line.strip() else {}
fee = r.get("fees", {}).get("service_fee")
shown = {"service_fee": fee["amount"], "items": len(fee["by_item"])} if fee else r.get("values")
print(r.get("error") or json.dumps(shown, ensure_ascii=False))')"
        printf '%s %.2f %.2f %s\n' "$shape-$n" "$wall" "$(echo "$user + $sys" | bc)" "$outcome"
    done
done
