"""`campaign.spark.evaluate` against the command line: a budget, a ranking and
a per-period campaign on every setting of the matrix (1 and 7 partitions,
three session time zones, ANSI on and off), the other fixtures once. Spark is given
the rows the command line reads, in its order, so a failed record's line and place
are compared too."""

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


# Where the command line's message of a record that cannot be read says it is, for an Arrow
# input; Spark says `(row N of the DataFrame)` (campaign/_locate.py).
PLACE = re.compile(r" \(record batch (\d+), row (\d+), of `the input`\)")
ORDER = "__order"


def _in_spark_words(results: pa.Table) -> pa.Table:
    """The command line's results for an input of one record batch, a failed record's place
    worded as Spark words it: its row in the batch is its line, which is its row of the
    DataFrame holding the same rows in the same order."""
    messages, objects = [], []
    for line, error, result in zip(*(results.column(n).to_pylist() for n in ("error_line", "error", "result"))):
        if error is not None:
            assert json.loads(result)["line"] == line
            for text in (error, result):
                assert PLACE.findall(text) in ([], [("1", str(line))]), text
        messages.append(None if error is None else PLACE.sub(f" (row {line} of the DataFrame)", error))
        objects.append(result if error is None else PLACE.sub(f" (row {line} of the DataFrame)", result))
    columns = {n: results.column(n) for n in results.column_names}
    columns["error"] = pa.array(messages, type=pa.string())
    columns["result"] = pa.array(objects, type=pa.string())
    return pa.table(columns, schema=results.schema)


def _rows(table: pa.Table) -> list[dict]:
    """The rows, in an order of their own (Spark's results have none)."""
    return sorted(table.to_pylist(), key=repr)


def _same(ours: pa.Table, expected: pa.Table) -> None:
    """Spark's results are the command line's for the same rows in the same order, a failed
    record's line and place included."""
    assert ours.schema.names == expected.schema.names
    assert _rows(ours.cast(expected.schema)) == _rows(_in_spark_words(expected))


def _in_order(spark, table: pa.Table, partitions: int):
    """A DataFrame of the rows of `table` in their order: `partitions` partitions of
    consecutive rows, in order."""
    numbered = table.append_column(ORDER, pa.array(range(table.num_rows), type=pa.int64()))
    df = spark.createDataFrame(numbered).repartitionByRange(partitions, ORDER).sortWithinPartitions(ORDER)
    return df.drop(ORDER)


def _spark_results(spark, table: pa.Table, policy: campaign.Policy, partitions: int, options: dict) -> pa.Table:
    """Spark's results for the rows of `table` in their order."""
    out = campaign.spark.evaluate(_in_order(spark, table, partitions), policy, **options)
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
    ours = _spark_results(spark, table.sort_by("id"), policy, partitions, options)
    _same(ours, expected)


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
            _spark_results(spark, ordered, policy, 2, options)
        assert str(refused.value).splitlines()[0] in stderr
        return
    if policy.needs_population and pc.count_distinct(table.column("id")).as_py() < table.num_rows:
        with pytest.raises(Exception, match="is given to two records"):
            _spark_results(spark, ordered, policy, 2, options)
        return
    ours = _spark_results(spark, ordered, policy, 2, options)
    _same(ours, results)


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
    df = _in_order(spark, renamed.sort_by("anchor"), 2)
    ours = campaign.spark.evaluate(df, policy, key="anchor", **run_options(policy)).toArrow()
    expected = _expected(policy_path, table, run_options(policy))
    _same(ours, expected)


# Budgets handed out per budget group (campaign/spark.py): a budget per month, an equal pool,
# a pool split pro rata on the day it runs out, each on generated records over 1 and 7
# partitions.
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
    assert len(policy._compiled.budgets) == 1 and policy._compiled.rank_places == 0
    table = generated(table_from_ndjson(facts), 300, seed=5)
    options = run_options(policy)
    expected = _expected(policy_path, table, options)
    ours = _spark_results(spark, table.sort_by("id"), policy, partitions, options)
    _same(ours, expected)


def test_a_budget_with_several_groups_gives_each_group_its_own_queue(spark):
    # Months of `applied_at` spread over a year: many groups, each with its own budget.
    policy_path, facts = FIXTURES["edges/coldstart-budget"]
    policy = campaign.load(policy_path)
    table = generated(table_from_ndjson(facts), 400, seed=23)
    options = run_options(policy)
    expected = _expected(policy_path, table, options)
    months = {str(v)[:7] for v in table.column("applied_at").to_pylist() if v is not None}
    assert len(months) >= 2, months
    ours = _spark_results(spark, table.sort_by("id"), policy, 5, options)
    _same(ours, expected)


def _variant(name: str, old: str, new: str, tmp_path) -> str:
    """The campaign of fixture `name` with `old` replaced by `new`, written beside its facts."""
    policy_path, _ = FIXTURES[name]
    text = policy_path.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / policy_path.name
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


# The campaigns that went to one task before rankings and several budgets had their stages,
# now through the stages, against the command line over 1 and 7 partitions.
STAGED = {
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
    # A ranking per period, and a ranking of the whole contest.
    "ranking-per-period": ("examples/douyin-live-daily-anchor-contest", "", ""),
    # A ranking without a budget.
    "ranking": ("examples/douyin-anchor-weekly-ranking", "", ""),
}


@pytest.mark.parametrize("partitions", [1, 7])
@pytest.mark.parametrize("case", sorted(STAGED))
def test_rankings_and_several_budgets_through_the_stages(spark, case, partitions, tmp_path):
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    spark.conf.set("spark.sql.ansi.enabled", "true")
    name, old, new = STAGED[case]
    _, facts = FIXTURES[name]
    policy_path = _variant(name, old, new, tmp_path)
    policy = campaign.load(policy_path)
    compiled = policy._compiled
    assert compiled.rank_places > 0 or len(compiled.budgets) > 1
    table = generated(table_from_ndjson(facts), 300, seed=7)
    options = run_options(policy)
    expected = _expected(policy_path, table, options)
    ours = _spark_results(spark, table.sort_by("id"), policy, partitions, options)
    _same(ours, expected)


TWO_BUDGETS = """campaign "two budgets" {
  timezone Asia/Shanghai
  facts {
    paid: money CNY
    applied_at: timestamp
  }
  reward first = paid, rounded down,
    budget 79228162514264337593543950335 CNY in total, first come first served by applied_at
  reward second = paid, rounded down,
    budget 100 CNY in total, first come first served by applied_at
}
"""


@pytest.mark.parametrize("partitions", [1, 7])
def test_a_claim_failing_on_the_first_budget_leaves_the_second_budgets_queue(spark, partitions, tmp_path):
    # 79228162514264337593543950335 - 0.01 has 31 digits: each record paid in fen fails on
    # `first`, and is not in `second`'s queue; whole amounts go through both.
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    spark.conf.set("spark.sql.ansi.enabled", "true")
    policy_path = tmp_path / "two-budgets.campaign"
    policy_path.write_text(TWO_BUDGETS, encoding="utf-8")
    policy = campaign.load(policy_path)
    rows = [
        {"id": f"r{i:03}", "paid": f"{(i * 7) % 40}{'.01' if i % 3 == 0 else ''}",
         "applied_at": f"2024-01-{1 + i % 28:02}T{i % 24:02}:00:00+08:00"}
        for i in range(60)
    ]
    table = pa.table({k: [r[k] for r in rows] for k in rows[0]})
    expected = _expected(policy_path, table, {})
    failures = [r for r in expected.to_pylist() if r["error"] is not None]
    assert failures and len(failures) < table.num_rows
    ours = _spark_results(spark, table.sort_by("id"), policy, partitions, {})
    _same(ours, expected)


def _plan(df) -> str:
    return df._jdf.queryExecution().executedPlan().toString()


def test_a_ranking_is_grouped_not_put_on_one_task(spark, monkeypatch):
    # The weekly ranking is `within industry`: its entries are shuffled by place and group,
    # and no stage gathers every record in one partition, as the one-task path does. The step
    # that places failed records sums its counts over one row per input partition in a single
    # partition (campaign/_locate.py); it is left out here so that the plan is the stages'.
    monkeypatch.setattr(campaign._locate, "located", lambda results, df: results.drop(campaign._locate.LOCATION))
    policy_path, facts = FIXTURES["examples/douyin-anchor-weekly-ranking"]
    policy = campaign.load(policy_path)
    table = generated(table_from_ndjson(facts), 200, seed=3)
    df = spark.createDataFrame(table).repartition(4)
    staged = _plan(campaign.spark.evaluate(df, policy, **run_options(policy)))
    assert re.search(r"hashpartitioning\(place#\d+, group#\d+", staged), staged
    assert "FlatMapGroupsInArrow" in staged
    one_partition = re.compile(r"Exchange (SinglePartition|RoundRobinPartitioning\(1\))")
    assert not one_partition.search(staged), staged
    one_task = _plan(campaign.spark.evaluate(df, policy, _one_task=True, **run_options(policy)))
    assert one_partition.search(one_task), one_task
    # More than one ranking group: the industries of the generated records.
    industries = {v for v in table.column("industry").to_pylist() if v is not None}
    assert len(industries) > 1, industries


def test_two_claims_of_one_group_with_one_key_are_an_error(spark):
    policy_path, facts = FIXTURES["examples/douyin-double11-sprint-pool"]
    policy = campaign.load(policy_path)
    table = table_from_ndjson(facts)
    doubled = pa.concat_tables([table, table.slice(0, 1)])
    with pytest.raises(Exception, match="is given to two records"):
        _spark_results(spark, doubled, policy, 3, run_options(policy))


# A failed record's place: bad rows (a fact that cannot be read, a record whose evaluation
# fails) among generated records, on each path a campaign can take.
AMOUNT_TOO_LARGE = "79228162514264337593543950335"  # readable; its 5 % has 30 digits
SPOILED = {
    # Evaluated record by record: the drawn rows fail both ways (a registration date without a
    # time, a sales amount of 30 digits; two sales amounts whose sum cannot be held).
    "per-record": ("edges/education-overflow", None, {}),
    # A budget per group (a pool split pro rata): an amount that cannot be read, and one whose
    # bonus cannot be held, at the first and last rows and across the partitions.
    "budget-per-group": (
        "examples/douyin-double11-sprint-pool",
        "gmv",
        {
            0: "12.3.4",
            1: AMOUNT_TOO_LARGE,
            42: "12.3.4",
            150: AMOUNT_TOO_LARGE,
            211: "12.3.4",
            299: AMOUNT_TOO_LARGE,
        },
    ),
    # A ranking (one task): application times without an offset.
    "one-task": (
        "examples/douyin-anchor-weekly-ranking",
        "applied_at",
        {0: "2024-06-03", 97: "2024-06-03T10:00:00", 298: "2024-06-03", 299: "2024-06-04"},
    ),
}


def _spoiled(table: pa.Table, column, bad: dict) -> pa.Table:
    """`table` with the text column `column`'s cells at the rows of `bad` replaced."""
    if column is None:
        return table
    values = table.column(column).to_pylist()
    assert pa.types.is_string(table.schema.field(column).type)
    for row, text in bad.items():
        values[row] = text
    return table.set_column(table.schema.get_field_index(column), column, pa.array(values, type=pa.string()))


def _spoiled_case(case: str) -> tuple:
    name, column, bad = SPOILED[case]
    policy_path, facts = FIXTURES[name]
    policy = campaign.load(policy_path)
    table = _spoiled(generated(table_from_ndjson(facts), 300, seed=5).sort_by("id"), column, bad)
    return policy_path, policy, table, bad


@pytest.mark.parametrize("partitions", [1, 7])
@pytest.mark.parametrize("case", sorted(SPOILED))
def test_a_failed_record_has_the_command_lines_line(spark, case, partitions):
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    spark.conf.set("spark.sql.ansi.enabled", "true")
    policy_path, policy, table, bad = _spoiled_case(case)
    options = run_options(policy)
    expected, _, stderr = cli_results(policy_path, table, options)
    assert expected is not None, stderr
    ours = _spark_results(spark, table, policy, partitions, options)
    _same(ours, expected)
    failed = {r["error_line"]: r["error"] for r in ours.to_pylist() if r["error"] is not None}
    # Both kinds of failure are there: the place of one that cannot be read is in its message.
    unread = {line for line, error in failed.items() if error.endswith(f" (row {line} of the DataFrame)")}
    assert unread and (case == "one-task" or set(failed) - unread), failed
    assert {row + 1 for row in bad} <= set(failed)


@pytest.mark.parametrize("case", ["budget-per-group", "one-task"])
def test_a_failed_record_is_located_in_the_dataframe_as_given(spark, case):
    # Records not in key order: a budget or a ranking takes them by key, but a failed
    # record's place is still its row of the DataFrame as given.
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    spark.conf.set("spark.sql.ansi.enabled", "true")
    policy_path, policy, by_key, _ = _spoiled_case(case)
    given = by_key.take(list(range(1, by_key.num_rows, 2)) + list(range(0, by_key.num_rows, 2)))
    options = run_options(policy)
    expected = _in_spark_words(_expected(policy_path, given, options))
    place = {id_: row + 1 for row, id_ in enumerate(given.column("id").to_pylist())}
    ours = _spark_results(spark, given, policy, 7, options)
    assert ours.column("error").null_count < ours.num_rows
    rows = expected.to_pylist()
    for row in rows:
        if row["error"] is not None:
            line, here = row["error_line"], place[row["id"]]
            row["error_line"] = here
            row["error"] = row["error"].replace(f" (row {line} of", f" (row {here} of")
            row["result"] = row["result"].replace(f'{{"line":{line},', f'{{"line":{here},', 1)
            row["result"] = row["result"].replace(f" (row {line} of", f" (row {here} of")
    assert _rows(ours.cast(expected.schema)) == sorted(rows, key=repr)


def test_the_message_names_the_row_of_the_dataframe(spark):
    # The fixture's second record has a fee rate that cannot be read.
    policy_path, facts = FIXTURES["edges/kuaishou-gmv-broken"]
    policy = campaign.load(policy_path)
    table = table_from_ndjson(facts)
    assert table.column("id").to_pylist()[1] == "kb-bad-fee"
    ours = _spark_results(spark, table, policy, 2, run_options(policy))
    (row,) = [r for r in ours.to_pylist() if r["id"] == "kb-bad-fee"]
    assert row["error"] == (
        "`mini_programs[0].fee_rate`: expected a fraction such as 0.02 or \"2%\", found `\"two percent\"` "
        "(row 2 of the DataFrame)"
    )
    assert row["error_line"] == 2
    assert json.loads(row["result"]) == {
        "line": 2,
        "id": "kb-bad-fee",
        "error": row["error"],
        "fact": "mini_programs[0].fee_rate",
    }
