#!/usr/bin/env python3
"""Times `campaign check` on large campaigns of the shapes that once made it quadratic.

    python3 bench/check-shapes.py [--binary target/release/campaign] [--bytes 1048000] [--keep DIR]
    python3 bench/check-shapes.py --write DIR [--bytes N]   # only write the campaigns

Each shape is written as one campaign file of about `--bytes` bytes (the file limit is
1 MiB), then checked once; the table gives the size, the number of terms, the exit code, the
CPU time (user + system: what a busy machine does not inflate), the wall time and the peak
memory.
The shapes are those of issue 14 item 12 and the deep chains of its stack-overflow report:

  and        one condition `n > 0 and n > 1 and ...`
  or         one condition `n = 0 or n = 1 or ...`
  undefined  a value summing thousands of misspelt names, each near a declared one
             (every one gets a "did you mean" among thousands of declared names)
  set        `category in {"c0", "c1", ...}`
  fields     per-item values of one list, each using the one before
  facts      thousands of facts, each used once
  values     values each using the one before
  timechain  `t - t + t - t + ...`: timestamps and durations alternating
  sum        `a + a + a + ...`
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time

HEAD = 'campaign "shape" {\n  timezone UTC\n'


def fill(make, budget):
    """Calls make(i) for i = 0, 1, ... while the pieces fit in `budget` bytes."""
    parts, size, i = [], 0, 0
    while True:
        piece = make(i)
        if size + len(piece) > budget:
            return parts
        parts.append(piece)
        size += len(piece)
        i += 1


def chain(op, term):
    def shape(budget):
        terms = fill(lambda i: ("" if i == 0 else f" {op} ") + term(i), budget - 200)
        text = HEAD + "  facts { n: count }\n  eligible when {\n    " + "".join(terms) + ' "r"\n  }\n}\n'
        return text, len(terms)
    return shape


def undefined(budget):
    # Half the budget declares names, half uses misspelt ones (a letter dropped).
    decls = fill(lambda i: f"  let amount_{i:05d}_x = n\n", budget // 2)
    uses = fill(lambda i: ("" if i == 0 else " + ") + f"amount_{i % len(decls):05d}x", budget // 2 - 200)
    text = HEAD + "  facts { n: count }\n" + "".join(decls) + "  value total = " + "".join(uses) + "\n}\n"
    return text, len(uses)


def set_literal(budget):
    items = fill(lambda i: ("" if i == 0 else ", ") + f'"c{i}"', budget - 200)
    text = HEAD + "  facts { category: text }\n  eligible when {\n    category in {" + "".join(items) + '} "r"\n  }\n}\n'
    return text, len(items)


def fields(budget):
    defs = fill(lambda i: f"  let f{i + 1} of xs = f{i} + 1\n", budget - 200)
    text = (HEAD + "  facts { xs: list of { f0: count } }\n" + "".join(defs)
            + f"  value total = sum of xs.f{len(defs)}\n}}\n")
    return text, len(defs)


def facts(budget):
    # Half the budget declares facts, half uses each of them once.
    decls = fill(lambda i: f"    fact_{i:06d}: count\n", budget // 2)
    uses = fill(lambda i: ("" if i == 0 else " + ") + f"fact_{i % len(decls):06d}", budget // 2 - 200)
    text = HEAD + "  facts {\n" + "".join(decls) + "  }\n  value total = " + "".join(uses) + "\n}\n"
    return text, len(uses)


def values(budget):
    defs = fill(lambda i: f"  let v{i + 1} = v{i} + 1\n", budget - 200)
    text = HEAD + "  facts { v0: count }\n" + "".join(defs) + f"  value total = v{len(defs)}\n}}\n"
    return text, len(defs)


def timechain(budget):
    terms = fill(lambda i: ("" if i == 0 else (" - " if i % 2 else " + ")) + "t", budget - 200)
    if len(terms) % 2 == 0:
        terms.pop()  # end on a timestamp
    text = HEAD + "  facts { t: timestamp }\n  value v = " + "".join(terms) + "\n}\n"
    return text, len(terms)


def sums(budget):
    terms = fill(lambda i: ("" if i == 0 else " + ") + "n", budget - 200)
    text = HEAD + "  facts { n: count }\n  value v = " + "".join(terms) + "\n}\n"
    return text, len(terms)


SHAPES = {
    "and": chain("and", lambda i: f"n > {i}"),
    "or": chain("or", lambda i: f"n = {i}"),
    "undefined": undefined,
    "set": set_literal,
    "fields": fields,
    "facts": facts,
    "values": values,
    "timechain": timechain,
    "sum": sums,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default="target/release/campaign")
    parser.add_argument("--bytes", type=int, default=1_048_000)
    parser.add_argument("--keep", help="also keep the campaigns in this folder")
    parser.add_argument("--write", help="only write the campaigns into this folder")
    parser.add_argument("shapes", nargs="*", default=list(SHAPES))
    args = parser.parse_args()
    folder = args.write or args.keep or tempfile.mkdtemp(prefix="check-shapes-")
    os.makedirs(folder, exist_ok=True)
    if not args.write:
        print("| shape | bytes | terms | exit | CPU s | wall s | MiB |\n|---|---:|---:|---:|---:|---:|---:|")
    for name in args.shapes:
        text, terms = SHAPES[name](args.bytes)
        path = os.path.join(folder, f"{name}.campaign")
        with open(path, "w") as f:
            f.write(text)
        if args.write:
            continue
        start = time.perf_counter()
        child = subprocess.Popen([args.binary, "check", path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        cpu = usage.ru_utime + usage.ru_stime
        memory = usage.ru_maxrss / 1024
        code = os.waitstatus_to_exitcode(status)
        print(f"| {name} | {len(text.encode())} | {terms} | {code} | {cpu:.2f} | {seconds:.2f} | {memory:.0f} |", flush=True)


if __name__ == "__main__":
    sys.exit(main())
