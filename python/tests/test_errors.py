"""Campaigns with errors, refused inputs and bad rows."""

from __future__ import annotations

import json
from decimal import Decimal

import pyarrow as pa
import pytest

import campaign
from support import EXAMPLES, check_against_cli, table_from_ndjson

GMV = """
campaign "c" {
  timezone Asia/Shanghai
  unit points
  facts { gmv: money CNY }
  eligible when { gmv ≥ 100 CNY  "GMV 需达到 100 元" }
  reward points = gmv × 1% as points, rounded down
}
"""


def test_a_campaign_with_errors_raises_its_rendered_and_structured_diagnostics():
    text = GMV.replace("gmv ≥ 100 CNY", "gmvv ≥ 100 CNY")
    with pytest.raises(campaign.CampaignError) as raised:
        campaign.loads(text, name="bad.campaign")
    error = raised.value
    assert "bad.campaign" in str(error) and "gmvv" in str(error)
    [diagnostic] = [d for d in error.diagnostics if d["severity"] == "error"]
    assert diagnostic["code"] == "check::unknown_name"
    assert diagnostic["line"] == 6
    assert diagnostic["code"] in str(error)
    assert any(text[label["start"] : label["end"]] == "gmvv" for label in diagnostic["labels"])


def test_a_policy_file_is_loaded_with_its_name():
    policy = campaign.load(EXAMPLES / "douyin-live-daily-peak-tier.campaign")
    assert policy.name == "直播间日销冲榜返现"
    assert not policy.needs_population
    assert campaign.load(EXAMPLES / "douyin-anchor-weekly-ranking.campaign").needs_population


def test_bad_rows_give_the_command_lines_error_objects(tmp_path):
    policy_path = tmp_path / "c.campaign"
    policy_path.write_text(GMV, encoding="utf-8")
    policy = campaign.load(policy_path)
    table = pa.table(
        {
            "id": ["ok", "bad", None, "missing"],
            "gmv": ["500", "x", "200", None],
        }
    )
    ours = check_against_cli(policy, policy_path, table, table, {})
    rows = ours.to_pylist()
    assert rows[0]["error"] is None and rows[0]["reward_points_amount"] == Decimal(5)
    bad = json.loads(rows[1]["result"])
    assert bad["id"] == "bad" and bad["line"] == 2 and "record batch 1, row 2" in bad["error"]
    assert rows[1]["error_fact"] == "gmv" and rows[1]["error_line"] == 2
    assert rows[2]["id"] is None and rows[2]["error_fact"] == "id"


def test_a_column_that_cannot_hold_its_fact_is_refused_as_the_command_line_refuses_it(tmp_path):
    policy_path = tmp_path / "c.campaign"
    policy_path.write_text(GMV, encoding="utf-8")
    policy = campaign.load(policy_path)
    table = pa.table({"id": ["a"], "gmv": pa.array([1.5], type=pa.float64())})
    check_against_cli(policy, policy_path, table, table, {})
    with pytest.raises(ValueError, match="floating-point"):
        policy.evaluate(table)


def test_inputs_are_refused_as_the_command_line_refuses_them():
    policy = campaign.loads(GMV)
    table = pa.table({"id": ["a"], "gmv": ["1"]})
    with pytest.raises(ValueError, match="no parameter `nope`"):
        policy.evaluate(table, params={"nope": 1})
    with pytest.raises(TypeError, match="__arrow_c_stream__"):
        policy.evaluate([{"id": "a"}])
    with pytest.raises(ValueError, match="not a time zone"):
        policy.evaluate(table, facts_timezone="Mars/Olympus")
    rolling = campaign.load(EXAMPLES / "douyin-affiliate-rolling-30-days.campaign")
    assert rolling.uses_as_of
    with pytest.raises(ValueError, match="as_of"):
        rolling.evaluate(table)


def test_parameters_are_given_as_on_the_command_line():
    policy_path = EXAMPLES / "channels-mini-program-equal-pool.campaign"
    policy = campaign.load(policy_path)
    table = table_from_ndjson(policy_path.with_suffix(".ndjson"))
    default = policy.evaluate(table)
    bigger = check_against_cli(policy, policy_path, table, table, {"params": {"pool": "1000000"}})
    assert bigger.column("result") != default.column("result")
