"""`campaign.spark.evaluate` against the command line: a budget, a ranking and
a per-period campaign on every setting of the matrix (1 and 7 partitions,
three session time zones, ANSI on and off), the other fixtures once."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

import pyarrow as pa
import pyarrow.compute as pc
import pytest

import campaign
import campaign.spark
from support import cli_results, fixtures, run_options, table_from_ndjson
from test_fixtures import UNREPRESENTABLE
from test_generated import generated

FIXTURES = {n: (c, f) for n, c, f in fixtures()}


def _with_instants(table: pa.Table) -> pa.Table:
    """`table` with its timestamps (text with an offset, in lists of records too) as
    Arrow timestamps in UTC, the type Spark's timestamps travel as."""

    def convert(array: pa.Array, kind: pa.DataType):
        if pa.types.is_string(kind):
            values = array.to_pylist()
            if values and all(v is None or _is_instant(v) for v in values) and any(values):
                return pa.array([_instant(v) for v in values], type=pa.timestamp("us", tz="UTC"))
            return array
        if pa.types.is_list(kind):
            items = convert(array.flatten(), kind.value_type)
            return pa.ListArray.from_arrays(array.offsets, items, mask=array.is_null())
        if pa.types.is_struct(kind):
            fields = [convert(array.field(i), kind.field(i).type) for i in range(kind.num_fields)]
            return pa.StructArray.from_arrays(fields, names=[kind.field(i).name for i in range(kind.num_fields)])
        return array

    columns = [convert(table.column(n).combine_chunks(), table.schema.field(n).type) for n in table.column_names]
    return pa.table(dict(zip(table.column_names, columns)))


def _is_instant(text: str) -> bool:
    try:
        return datetime.fromisoformat(text).tzinfo is not None
    except ValueError:
        return False


def _instant(text):
    return None if text is None else datetime.fromisoformat(text).astimezone(timezone.utc)


def _expected(policy_path, table: pa.Table, options: dict) -> pa.Table:
    """The command line's results for the records sorted by key."""
    ordered = table.sort_by("id")
    results, _, stderr = cli_results(policy_path, ordered, options)
    assert results is not None, stderr
    return results


PLACE = re.compile(r" \(record batch \d+, row \d+, of `the input`\)$")


def _comparable(table: pa.Table) -> list[dict]:
    """Rows by id; a failed record's line, and the batch and row its error names, count
    within its partition in Spark, so they are left out."""
    rows = []
    for row in table.sort_by("id").to_pylist():
        if row["error"] is not None:
            row["error_line"] = None
            row["error"] = PLACE.sub("", row["error"])
            result = json.loads(row["result"])
            result.pop("line", None)
            result["error"] = PLACE.sub("", result["error"])
            row["result"] = json.dumps(result)
        rows.append(row)
    return rows


def _spark_results(spark, table: pa.Table, policy: campaign.Policy, partitions: int, options: dict) -> pa.Table:
    df = spark.createDataFrame(table).repartition(partitions)
    out = campaign.spark.evaluate(df, policy, **options)
    return out.toArrow()


MATRIX = [
    ("edges/coldstart-budget", False),
    ("examples/douyin-anchor-weekly-ranking", False),
    ("examples/douyin-live-daily-peak-tier", True),
]


@pytest.mark.parametrize("ansi", ["true", "false"])
@pytest.mark.parametrize("zone", ["UTC", "Asia/Shanghai", "America/Los_Angeles"])
@pytest.mark.parametrize("partitions", [1, 7])
@pytest.mark.parametrize("name,instants", MATRIX)
def test_the_matrix(spark, name, instants, partitions, zone, ansi):
    spark.conf.set("spark.sql.session.timeZone", zone)
    spark.conf.set("spark.sql.ansi.enabled", ansi)
    policy_path, facts = FIXTURES[name]
    policy = campaign.load(policy_path)
    table = generated(table_from_ndjson(facts), 400, seed=11)
    if instants:
        table = _with_instants(table)
        assert any(pa.types.is_list(f.type) and "timestamp" in str(f.type) for f in table.schema)
    options = run_options(policy)
    expected = _expected(policy_path, table, options)
    ours = _spark_results(spark, table, policy, partitions, options)
    assert ours.schema.names == expected.schema.names
    assert _comparable(ours.cast(expected.schema)) == _comparable(expected)


ONCE = [n for n in FIXTURES if n not in {m for m, _ in MATRIX} | UNREPRESENTABLE]


@pytest.mark.parametrize("name", ONCE)
def test_every_other_fixture_once(spark, name):
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    spark.conf.set("spark.sql.ansi.enabled", "true")
    policy_path, facts = FIXTURES[name]
    policy = campaign.load(policy_path)
    table = table_from_ndjson(facts)
    options = run_options(policy)
    ordered = table.sort_by("id") if "id" in table.column_names and table.column("id").null_count == 0 else table
    results, _, stderr = cli_results(policy_path, ordered, options)
    if results is None:
        with pytest.raises(ValueError) as refused:
            _spark_results(spark, table, policy, 2, options)
        assert str(refused.value).splitlines()[0] in stderr
        return
    if policy.needs_population and pc.count_distinct(table.column("id")).as_py() < table.num_rows:
        with pytest.raises(Exception, match="is given to two records"):
            _spark_results(spark, table, policy, 2, options)
        return
    ours = _spark_results(spark, table, policy, 2, options)
    assert _comparable(ours.cast(results.schema)) == _comparable(results)


def test_duplicate_keys_are_an_error_for_a_ranking(spark):
    policy_path, facts = FIXTURES["examples/douyin-anchor-weekly-ranking"]
    policy = campaign.load(policy_path)
    table = table_from_ndjson(facts)
    doubled = pa.concat_tables([table, table.slice(0, 1)])
    with pytest.raises(Exception, match="is given to two records"):
        _spark_results(spark, doubled, policy, 3, run_options(policy))


def test_a_key_column_of_another_name(spark):
    policy_path, facts = FIXTURES["examples/douyin-anchor-weekly-ranking"]
    policy = campaign.load(policy_path)
    table = table_from_ndjson(facts)
    renamed = table.rename_columns(["anchor" if n == "id" else n for n in table.column_names])
    df = spark.createDataFrame(renamed)
    ours = campaign.spark.evaluate(df, policy, key="anchor", **run_options(policy)).toArrow()
    expected = _expected(policy_path, table, run_options(policy))
    assert _comparable(ours.cast(expected.schema)) == _comparable(expected)


# Budgets handed out per budget group (campaign/spark.py): a budget per month, an equal pool,
# a pool split pro rata on the day it runs out, each on generated records over 1 and 7
# partitions; then the campaigns that stay on the one-task path.
BY_GROUP = [
    "edges/coldstart-budget",
    "examples/channels-mini-program-equal-pool",
    "examples/douyin-double11-sprint-pool",
]


@pytest.mark.parametrize("partitions", [1, 7])
@pytest.mark.parametrize("name", BY_GROUP)
def test_budgets_per_group_on_generated_records(spark, name, partitions):
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    spark.conf.set("spark.sql.ansi.enabled", "true")
    policy_path, facts = FIXTURES[name]
    policy = campaign.load(policy_path)
    assert policy._compiled.budget_by_group is not None
    table = generated(table_from_ndjson(facts), 300, seed=5)
    options = run_options(policy)
    expected = _expected(policy_path, table, options)
    ours = _spark_results(spark, table, policy, partitions, options)
    assert _comparable(ours.cast(expected.schema)) == _comparable(expected)


def test_a_budget_with_several_groups_gives_each_group_its_own_queue(spark):
    # Months of `applied_at` spread over a year: many groups, each with its own budget.
    policy_path, facts = FIXTURES["edges/coldstart-budget"]
    policy = campaign.load(policy_path)
    table = generated(table_from_ndjson(facts), 400, seed=23)
    options = run_options(policy)
    expected = _expected(policy_path, table, options)
    months = {str(v)[:7] for v in table.column("applied_at").to_pylist() if v is not None}
    assert len(months) >= 2, months
    ours = _spark_results(spark, table, policy, 5, options)
    assert _comparable(ours.cast(expected.schema)) == _comparable(expected)


def _variant(name: str, old: str, new: str, tmp_path) -> str:
    """The campaign of fixture `name` with `old` replaced by `new`, written beside its facts."""
    policy_path, _ = FIXTURES[name]
    text = policy_path.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / policy_path.name
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


ONE_TASK = {
    # A ranking and a budget: the ranking places records before their rewards are computed.
    "ranking-and-budget": (
        "examples/douyin-anchor-weekly-ranking",
        "} if unknown 0 CNY",
        "} if unknown 0 CNY,\n    budget 6000 CNY in total, first come first served by applied_at",
    ),
    # Two budgets: a claim the first cannot hand out exactly would leave the second's queue.
    "two-budgets": (
        "examples/douyin-double11-sprint-pool",
        "  value cut_off",
        "  reward extra = gmv × 1%,\n    rounded down,\n    budget 30000 CNY in total, split pro rata\n\n  value cut_off",
    ),
    # A ranking per period.
    "ranking-per-period": ("examples/douyin-live-daily-anchor-contest", "", ""),
}


@pytest.mark.parametrize("case", sorted(ONE_TASK))
def test_what_stays_on_one_task_gives_the_same_results(spark, case, tmp_path):
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    spark.conf.set("spark.sql.ansi.enabled", "true")
    name, old, new = ONE_TASK[case]
    _, facts = FIXTURES[name]
    policy_path = _variant(name, old, new, tmp_path)
    policy = campaign.load(policy_path)
    assert policy.needs_population and policy._compiled.budget_by_group is None
    table = generated(table_from_ndjson(facts), 300, seed=7)
    options = run_options(policy)
    expected = _expected(policy_path, table, options)
    ours = _spark_results(spark, table, policy, 3, options)
    assert _comparable(ours.cast(expected.schema)) == _comparable(expected)


def test_two_claims_of_one_group_with_one_key_are_an_error(spark):
    policy_path, facts = FIXTURES["examples/douyin-double11-sprint-pool"]
    policy = campaign.load(policy_path)
    table = table_from_ndjson(facts)
    doubled = pa.concat_tables([table, table.slice(0, 1)])
    with pytest.raises(Exception, match="is given to two records"):
        _spark_results(spark, doubled, policy, 3, run_options(policy))
