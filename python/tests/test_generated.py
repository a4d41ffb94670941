"""The Python package against the command line on generated data: rows drawn
from each fixture's values (column by column, so that values meet in records
no fixture has), many more of them than a chunk of the evaluator holds."""

from __future__ import annotations

import random
from decimal import Decimal

import duckdb
import polars as pl
import pyarrow as pa
import pytest

import campaign
from support import EXAMPLES, check_against_cli, fixtures, run_options, table_from_ndjson

FIXTURES = {n: (c, f) for n, c, f in fixtures()}


def generated(table: pa.Table, rows: int, seed: int) -> pa.Table:
    """`rows` records whose cells are drawn from `table`'s column by column, amounts
    and counts scaled by a random factor; ids unique, in a shuffled order."""
    rng = random.Random(seed)
    columns = {}
    for field in table.schema:
        values = table.column(field.name).to_pylist()
        if field.name == "id":
            ids = [f"g{i:06d}" for i in range(rows)]
            rng.shuffle(ids)
            columns["id"] = pa.array(ids, type=pa.string())
            continue
        drawn = [_vary(rng.choice(values), field.type, rng) for _ in range(rows)]
        columns[field.name] = pa.array(drawn, type=field.type)
    return pa.table(columns)


def _vary(value, kind: pa.DataType, rng: random.Random):
    if value is None:
        return None
    if pa.types.is_decimal(kind):
        scaled = value * rng.choice([1, 2, 3, 10]) / rng.choice([1, 2, 4])
        return scaled.quantize(Decimal(1).scaleb(-kind.scale)) if abs(scaled) < Decimal(10) ** 20 else value
    if pa.types.is_integer(kind):
        return value * rng.choice([1, 1, 2, 3]) if abs(value) < 2**40 else value
    return value


# A streaming campaign per kind of fact, a ranking, budgets and pools, per-period results.
CHOSEN = [
    "examples/douyin-live-daily-peak-tier",
    "examples/douyin-anchor-weekly-ranking",
    "examples/douyin-double11-sprint-pool",
    "examples/channels-mini-program-equal-pool",
    "edges/coldstart-budget",
    "contract/kuaishou-provider-gmv-2022",
    "contract/channels-edu-back-to-school-2024",
    "coverage/every-node",
]


@pytest.mark.parametrize("name", CHOSEN)
def test_generated_rows_give_the_command_lines_results(name):
    policy_path, facts = FIXTURES[name]
    policy = campaign.load(policy_path)
    table = generated(table_from_ndjson(facts), 5000, seed=len(name))
    options = run_options(policy)
    ours = check_against_cli(policy, policy_path, table, table, options)
    assert ours is not None and ours.num_rows == 5000
    # Not every record fails: the generated rows are evaluated.
    assert ours.column("error").null_count > 0


@pytest.mark.parametrize("name", CHOSEN[:3])
def test_generated_rows_from_polars_and_duckdb(name):
    policy_path, facts = FIXTURES[name]
    policy = campaign.load(policy_path)
    table = generated(table_from_ndjson(facts), 3000, seed=7)
    options = run_options(policy)
    expected = policy.evaluate(table, **options)
    assert policy.evaluate(pl.from_arrow(table), **options).equals(expected)
    rel = duckdb.connect().from_arrow(table)
    assert policy.evaluate(rel, **options).equals(expected)


def test_the_thread_count_does_not_change_results():
    policy_path, facts = FIXTURES["examples/douyin-anchor-weekly-ranking"]
    policy = campaign.load(policy_path)
    table = generated(table_from_ndjson(facts), 4000, seed=3)
    assert policy.evaluate(table, jobs=1).equals(policy.evaluate(table, jobs=2))
