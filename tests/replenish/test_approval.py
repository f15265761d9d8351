"""Approval: auto-approve within the rules, queue with every broken rule in words."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import pytest

from takt.errors import InvalidInputError
from takt.replenish.approval import ApprovalConfig, decide_approval, money_text

SCHEMA: dict[str, Any] = {
    "requirement_id": pl.Int64,
    "supplier_id": pl.Int64,
    "role": pl.String,
    "qty": pl.Float64,
    "value": pl.Float64,
    "need_date": pl.Date,
    "delivery_date": pl.Date,
    "late": pl.Boolean,
    "sourced": pl.Boolean,
    "warning": pl.String,
    "policy_qty": pl.Float64,
    "category": pl.String,
    "criticality": pl.String,
}


def line(**kw: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "requirement_id": 1,
        "supplier_id": 3,
        "role": "primary",
        "qty": 150.0,
        "value": 1_500.0,
        "need_date": date(2025, 3, 14),
        "delivery_date": date(2025, 3, 14),
        "late": False,
        "sourced": True,
        "warning": None,
        "policy_qty": 150.0,
        "category": "direct",
        "criticality": "normal",
    }
    row.update(kw)
    return row


def decide(*rows: dict[str, Any], **config: Any) -> pl.DataFrame:
    return decide_approval(pl.DataFrame(list(rows), schema=SCHEMA), config=ApprovalConfig(**config))


def one(**kw: Any) -> tuple[str, str]:
    config = kw.pop("config", {})
    row = decide(line(**kw), **config).row(0, named=True)
    return row["decision"], row["approval_reason"]


def test_a_line_within_every_rule_is_approved() -> None:
    assert one() == ("auto", "within the auto-approve rules")
    # The limits are inclusive: value 5,000.00 and exactly 1.5 × the policy pass.
    assert one(value=5_000.0, qty=225.0)[0] == "auto"


def test_value_over_the_limit_waits() -> None:
    assert one(value=12_400.0) == (
        "queue",
        "value 12,400.00 over the auto-approve limit 5,000.00",
    )


def test_a_category_limit_replaces_the_general_one() -> None:
    rows = [line(category="mro", value=1_200.0), line(category="direct", value=1_200.0)]
    out = decide(*rows, category_limits={"mro": 1_000.0})
    assert out["decision"].to_list() == ["queue", "auto"]
    assert out["approval_reason"][0] == "value 1,200.00 over the mro auto-approve limit 1,000.00"


def test_qty_far_over_the_policy_waits() -> None:
    assert one(qty=300.0) == ("queue", "qty 300 is 2.0× the policy's 150")
    assert one(qty=300.0, config={"max_over_policy": 2.0})[0] == "auto"


def test_without_a_policy_quantity_there_is_nothing_to_compare() -> None:
    assert one(policy_qty=None) == ("queue", "no policy quantity to compare with")
    assert one(policy_qty=0.0, qty=10.0) == ("queue", "qty 10 where the policy would order nothing")


def test_an_alternate_a_late_line_and_a_warning_wait() -> None:
    assert one(role="alternate", supplier_id=5) == ("queue", "shifted to alternate S5")
    assert one(late=True, delivery_date=date(2025, 3, 17)) == ("queue", "late by 3 days")
    warning = "BA-7 91% released after this (910 of 1000)"
    assert one(warning=warning) == ("queue", f"warning: {warning}")


def test_late_alone_decides_whether_a_line_is_late() -> None:
    # The service clears ``late`` for a delivery within the safety-stock cover: the dates
    # then say nothing, however far apart they are.
    after_need = date(2025, 3, 18)
    assert one(late=False, delivery_date=after_need) == ("auto", "within the auto-approve rules")
    assert one(late=None, delivery_date=after_need)[0] == "auto"
    # Flagged late, the dates give the days; without them (or without days) just "late".
    assert one(late=True, delivery_date=date(2025, 3, 15)) == ("queue", "late by 1 day")
    assert one(late=True, delivery_date=date(2025, 3, 14)) == ("queue", "late")
    frame = pl.DataFrame([line(late=True, delivery_date=after_need)], schema=SCHEMA)
    out = decide_approval(frame.drop("need_date", "delivery_date"))
    assert out["approval_reason"].to_list() == ["late"]


def test_the_words_use_the_supplier_code_when_the_lines_carry_one() -> None:
    rows = [line(role="alternate", supplier_id=5), line(role="alternate", supplier_id=6)]
    frame = pl.DataFrame(rows, schema=SCHEMA).with_columns(
        supplier=pl.Series(["S-005", None], dtype=pl.String)
    )
    out = decide_approval(frame)
    assert out["approval_reason"].to_list() == [
        "shifted to alternate S-005",
        "shifted to alternate S6",
    ]
    assert out["supplier"].to_list() == ["S-005", None]  # carried along unchanged


def test_quantities_in_words_have_at_most_two_decimals() -> None:
    assert one(qty=300.456, policy_qty=150.123) == (
        "queue",
        "qty 300.46 is 2.0× the policy's 150.12",
    )
    assert one(qty=0.1234, policy_qty=0.0) == (
        "queue",
        "qty 0.12 where the policy would order nothing",
    )


def test_every_broken_rule_is_listed() -> None:
    decision, reason = one(value=12_400.0, qty=300.0, role="alternate", late=True)
    assert decision == "queue"
    assert reason == (
        "value 12,400.00 over the auto-approve limit 5,000.00; "
        "qty 300 is 2.0× the policy's 150; shifted to alternate S3; late"
    )


def test_an_unsourced_line_waits_for_a_supplier() -> None:
    unsourced = line(
        supplier_id=None, role=None, value=None, delivery_date=None, sourced=False, qty=5.0
    )
    assert one(**unsourced) == ("queue", "no supplier")


def test_criticalities_that_always_go_to_a_buyer() -> None:
    rows = [line(criticality="line_stopper"), line(criticality="normal")]
    out = decide(*rows, queue_criticalities=frozenset({"line_stopper"}))
    assert out["decision"].to_list() == ["queue", "auto"]
    assert out["approval_reason"][0] == "line_stopper items always go to a buyer"


def test_the_input_columns_are_kept_and_the_order_too() -> None:
    rows = [line(requirement_id=i, value=1_000.0 * i) for i in (9, 2, 7)]
    out = decide(*rows)
    assert out.columns == [*SCHEMA, "decision", "approval_reason"]
    assert out["requirement_id"].to_list() == [9, 2, 7]
    assert out["decision"].to_list() == ["queue", "auto", "queue"]


def test_money_is_written_with_separators_and_cents() -> None:
    values = pl.Series([0.0, 5.5, 999.999, 12_400.0, 1_234_567.891])
    assert pl.select(money_text(pl.lit(values))).to_series().to_list() == [
        "0.00",
        "5.50",
        "1,000.00",
        "12,400.00",
        "1,234,567.89",
    ]


@pytest.mark.parametrize(
    ("change", "column"),
    [
        (lambda f: f.drop("policy_qty"), "policy_qty"),
        (lambda f: f.drop("category"), "category"),
        (lambda f: f.with_columns(category=pl.lit("capex")), "category"),
        (lambda f: f.with_columns(criticality=pl.lit("meh")), "criticality"),
        (lambda f: f.with_columns(role=pl.lit("backup")), "role"),
        (lambda f: f.with_columns(qty=pl.lit(-1.0)), "qty"),
        (lambda f: f.with_columns(policy_qty=pl.lit(-1.0)), "policy_qty"),
        (lambda f: f.with_columns(late=pl.lit("yes")), "late"),
        (lambda f: f.with_columns(supplier_id=pl.lit("S-3")), "supplier_id"),
        (lambda f: f.with_columns(supplier=pl.lit(3)), "supplier"),
    ],
)
def test_bad_input_names_the_column(change: Any, column: str) -> None:
    frame = pl.DataFrame([line()], schema=SCHEMA)
    with pytest.raises(InvalidInputError, match=column):
        decide_approval(change(frame))


@pytest.mark.parametrize(
    ("settings", "name"),
    [
        ({"auto_approve_limit": -1.0}, "auto_approve_limit"),
        ({"max_over_policy": float("nan")}, "max_over_policy"),
        ({"category_limits": {"capex": 10.0}}, "category_limits"),
        ({"queue_criticalities": frozenset({"urgent"})}, "queue_criticalities"),
    ],
)
def test_bad_settings_are_refused(settings: dict[str, Any], name: str) -> None:
    with pytest.raises(InvalidInputError, match=name):
        ApprovalConfig(**settings)
