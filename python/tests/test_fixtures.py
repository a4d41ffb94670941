"""The Python package against the command line, on every fixture of the
repository a columnar table can hold, from pyarrow, Polars and DuckDB."""

from __future__ import annotations

import duckdb
import polars as pl
import pyarrow as pa
import pytest

import campaign
from support import Unrepresentable, assert_same, check_against_cli, cli_results, fixtures, run_options, table_from_ndjson

FIXTURES = fixtures()



def _case(name):
    return next((c, f) for n, c, f in FIXTURES if n == name)


# The fact files no table holds, and why; every other fixture is compared.
UNREPRESENTABLE = {
    # `"products": "none"` beside lists of products: a column is of one type.
    "edges/alliance-broken",
}


def test_the_fixtures_no_table_holds_are_exactly_those_listed():
    found = set()
    for name, _, facts in FIXTURES:
        try:
            table_from_ndjson(facts)
        except Unrepresentable:
            found.add(name)
    assert found == UNREPRESENTABLE
    assert len(FIXTURES) - len(found) >= 50


NAMES = [n for n, _, _ in FIXTURES if n not in UNREPRESENTABLE]


@pytest.mark.parametrize("name", NAMES)
def test_pyarrow_gives_the_command_lines_results(name):
    policy_path, facts = _case(name)
    policy = campaign.load(policy_path)
    table = table_from_ndjson(facts)
    check_against_cli(policy, policy_path, table, table, run_options(policy))


@pytest.mark.parametrize("name", NAMES)
def test_polars_and_duckdb_give_the_command_lines_results(name):
    policy_path, facts = _case(name)
    policy = campaign.load(policy_path)
    table = table_from_ndjson(facts)
    options = run_options(policy)
    check_against_cli(policy, policy_path, pl.from_arrow(table), table, options)
    con = duckdb.connect()
    check_against_cli(policy, policy_path, con.from_arrow(table), table, options)


def test_a_reader_streams_batch_by_batch():
    policy_path, facts = _case("edges/kuaishou-gmv-broken")
    policy = campaign.load(policy_path)
    table = table_from_ndjson(facts)
    # One row per record batch: a failed record's error names its batch, as the
    # command line's does for the same Arrow file.
    chunked = pa.Table.from_batches(table.to_batches(max_chunksize=1))
    assert chunked.column(0).num_chunks == table.num_rows
    options = run_options(policy)
    expected, _, stderr = cli_results(policy_path, chunked, options)
    assert expected is not None, stderr
    reader = pa.RecordBatchReader.from_batches(table.schema, chunked.to_batches())
    streamed = policy.evaluate_batches(reader, **options)
    assert isinstance(streamed, pa.RecordBatchReader)
    assert_same(streamed.read_all(), expected)
