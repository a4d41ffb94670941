"""What the tests share: the command line as the reference, the fixtures, and
NDJSON facts turned into Arrow tables."""

from __future__ import annotations

import io
import json
import os
import subprocess
import tempfile
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import campaign

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "policies" / "examples"
HOLIDAYS = EXAMPLES / "cn-holidays-2024.txt"
AS_OF = "2024-09-01T00:00:00+08:00"

# The edge-case fact files of tests/fixtures/edges, by the campaign they are for.
EDGES = {
    "alliance": "channels-alliance-admission-2024",
    "coldstart": "channels-brand-coldstart-2023",
    "douyin": "douyin-trade-miniprogram-2023",
    "education": "channels-edu-back-to-school-2024",
    "kuaishou-gmv": "kuaishou-provider-gmv-2022",
    "kuaishou-industry": "kuaishou-provider-industry-2022",
}


def cli() -> str:
    """The command line to compare with: $CAMPAIGN_CLI, or the debug build
    (built here when it is missing)."""
    path = os.environ.get("CAMPAIGN_CLI")
    if path:
        return path
    built = ROOT / "target" / "debug" / "campaign"
    if not built.exists():
        subprocess.run(["cargo", "build", "--quiet"], cwd=ROOT, check=True)
    return str(built)


def fixtures() -> list[tuple[str, Path, Path]]:
    """Every campaign with a fact file in the repository: (name, campaign, facts)."""
    found = []
    for facts in sorted(EXAMPLES.glob("*.ndjson")):
        found.append((f"examples/{facts.stem}", facts.with_suffix(".campaign"), facts))
    contract = ROOT / "tests" / "fixtures" / "contract"
    for facts in sorted(contract.glob("*.ndjson")):
        if not facts.name.endswith(".expected.ndjson"):
            found.append((f"contract/{facts.stem}", ROOT / "policies" / f"{facts.stem}.campaign", facts))
    coverage = ROOT / "tests" / "fixtures" / "coverage"
    for facts in sorted(coverage.glob("*.ndjson")):
        found.append((f"coverage/{facts.stem}", facts.with_suffix(".campaign"), facts))
    edges = ROOT / "tests" / "fixtures" / "edges"
    for facts in sorted(edges.glob("*.ndjson")):
        prefix = max((p for p in EDGES if facts.stem.startswith(p)), key=len)
        found.append((f"edges/{facts.stem}", ROOT / "policies" / f"{EDGES[prefix]}.campaign", facts))
    return found


def run_options(policy: campaign.Policy) -> dict:
    """The reference time and holidays a campaign needs, as the examples' tests give them."""
    options: dict = {}
    if policy.uses_as_of:
        options["as_of"] = AS_OF
    if policy.uses_business_days:
        options["holidays"] = str(HOLIDAYS)
    return options


def cli_flags(options: dict) -> list[str]:
    flags: list[str] = []
    for name, value in (options.get("params") or {}).items():
        flags += ["--param", f"{name}={value}"]
    if "as_of" in options:
        flags += ["--as-of", options["as_of"]]
    if "holidays" in options:
        flags += ["--holidays", options["holidays"]]
    if "facts_timezone" in options:
        flags += ["--facts-timezone", options["facts_timezone"]]
    return flags


def arrow_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    with pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def cli_results(policy_path: Path, table: pa.Table, options: dict) -> tuple[pa.Table | None, list[str], str]:
    """The command line's results for `table`, given as an Arrow file on
    standard input: its Parquet results (None when it refuses the input), its
    NDJSON lines and its standard error."""
    data = arrow_bytes(table)
    base = [cli(), "evaluate", str(policy_path), "--facts", "-", "--facts-format", "arrow", "--quiet"]
    base += cli_flags(options)
    results = None
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "results.parquet"
        run = subprocess.run(base + ["--format", "parquet", "-o", str(out)], input=data, capture_output=True)
        if out.exists() and run.returncode in (0, 1):
            results = pq.read_table(out)
    run = subprocess.run(base + ["--format", "ndjson"], input=data, capture_output=True)
    return results, run.stdout.decode().splitlines(), run.stderr.decode()


def check_against_cli(policy: campaign.Policy, policy_path: Path, data, table: pa.Table, options: dict) -> pa.Table | None:
    """Evaluates `data` (holding the rows of `table`) and asserts the results are
    the command line's for `table`, or that both refuse it with the same message."""
    expected, lines, stderr = cli_results(policy_path, table, options)
    if expected is None:
        with pytest.raises(ValueError) as refused:
            policy.evaluate(data, **options)
        # The same message (the command line names the file first: `-: ` for standard input),
        # but for the type of the column, which another engine may hold as a view or a large type.
        message = str(refused.value).splitlines()[0]
        for other in ("Utf8View", "LargeUtf8"):
            message = message.replace(other, "Utf8")
        assert message in stderr
        return None
    ours = policy.evaluate(data, **options)
    assert_same(ours, expected)
    # The `result` column is the command line's NDJSON output, line for line.
    assert ours.column("result").to_pylist() == lines
    return ours


def assert_same(python: pa.Table, expected: pa.Table) -> None:
    """The same columns, types, values and campaign metadata."""
    assert python.schema.names == expected.schema.names
    for ours, theirs in zip(python.schema, expected.schema):
        assert ours.type == theirs.type, (ours, theirs)
    assert python.equals(expected.cast(python.schema)), _first_difference(python, expected)
    meta = {k: v for k, v in (expected.schema.metadata or {}).items() if k.startswith(b"campaign.")}
    assert {k: v for k, v in (python.schema.metadata or {}).items() if k.startswith(b"campaign.")} == meta


def _first_difference(python: pa.Table, expected: pa.Table) -> str:
    ours, theirs = python.to_pylist(), expected.to_pylist()
    if len(ours) != len(theirs):
        return f"{len(ours)} rows, expected {len(theirs)}"
    for i, (a, b) in enumerate(zip(ours, theirs)):
        if a != b:
            return f"row {i}: {a} != {b}"
    return "tables differ"


class Unrepresentable(Exception):
    """Facts no columnar table holds (a nested object that is not a list of records)."""


def table_from_ndjson(path: Path) -> pa.Table:
    """The records of an NDJSON fact file as an Arrow table: one column per
    key, of a type inferred from every record (integers as int64, decimals as
    decimal128 at the largest scale, lists of records as list<struct>, text as
    strings, objects as structs; a column mixing kinds of scalars as strings of
    the JSON values). Lines that are not JSON objects are left out: no table
    holds them. A column mixing lists or objects with other values raises
    Unrepresentable."""
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            value = json.loads(line, parse_float=Decimal)
        except ValueError:
            continue
        if isinstance(value, dict):
            records.append(value)
    return _table(records)


def _table(records: list[dict]) -> pa.Table:
    names: list[str] = []
    for r in records:
        for k in r:
            if k not in names:
                names.append(k)
    arrays, fields = [], []
    for name in names:
        kind = _kind([r.get(name) for r in records])
        fields.append(pa.field(name, kind))
        arrays.append(pa.array([_cell(r.get(name), kind) for r in records], type=kind))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _kind(values: list) -> pa.DataType:
    present = [v for v in values if v is not None]
    if not present:
        return pa.null()
    if all(isinstance(v, bool) for v in present):
        return pa.bool_()
    if all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        if all(-(2**63) <= v < 2**63 for v in present):
            return pa.int64()
        return pa.string()
    if all(isinstance(v, (int, Decimal)) and not isinstance(v, bool) for v in present):
        scale = max(max(-Decimal(v).as_tuple().exponent, 0) for v in present)
        digits = max(len(Decimal(v).as_tuple().digits) + scale for v in present)
        if scale <= 38 and digits <= 38:
            return pa.decimal128(38, scale)
        return pa.string()
    if all(isinstance(v, list) for v in present):
        return pa.list_(_kind([i for v in present for i in v]))
    if all(isinstance(v, dict) for v in present):
        return _struct(present)
    if any(isinstance(v, (list, dict)) for v in present):
        raise Unrepresentable("a column mixing lists or objects with other values")
    return pa.string()


def _struct(records: list[dict]) -> pa.DataType:
    names: list[str] = []
    for r in records:
        for k in r:
            if k not in names:
                names.append(k)
    return pa.struct([pa.field(n, _kind([r.get(n) for r in records])) for n in names])


def _cell(value, kind: pa.DataType):
    if value is None:
        return None
    if pa.types.is_string(kind):
        if isinstance(value, str):
            return value
        return str(value) if isinstance(value, Decimal) else json.dumps(value)
    if pa.types.is_decimal(kind):
        return Decimal(value)
    if pa.types.is_list(kind):
        return [_cell(item, kind.value_type) for item in value]
    if pa.types.is_struct(kind):
        return {f.name: _cell(value.get(f.name), f.type) for f in kind}
    return value
