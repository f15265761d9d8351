"""The plan engine: orders by logic, need dates, reschedule messages (hand-computed cases)."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from takt.errors import InvalidInputError
from takt.replenish.plan import (
    PlanConfig,
    inventory_position,
    plan_orders,
    reschedule_open_lines,
)

AS_OF = date(2026, 3, 2)


def item(**kw: object) -> dict[str, object]:
    row: dict[str, object] = {
        "item_id": 1,
        "logic": "rop",
        "on_hand": 30.0,
        "on_order": 0.0,
        "backordered": 0.0,
        "allocated": 0.0,
        "reorder_point": 40.0,
        "order_up_to": 140.0,
        "order_qty": 100.0,
        "safety_stock": 10.0,
        "container_qty": None,
        "review_period_days": 0.0,
        "demand_per_day": 10.0,
        "lead_time_days": 3.0,
    }
    row.update(kw)
    return row


def plan(*rows: dict[str, object], **config: int) -> pl.DataFrame:
    return plan_orders(pl.DataFrame(list(rows)), as_of=AS_OF, config=PlanConfig(**config))


def test_position_is_on_hand_plus_on_order_minus_backorders_and_allocated() -> None:
    assert inventory_position([120, 0], [50, 10], [10, 5], [5, 0]).tolist() == [155.0, 5.0]


def test_rop_orders_when_position_reaches_the_reorder_point_and_again_each_cycle() -> None:
    out = plan(item())
    # IP 30 <= 40: order 100 today (IP 130); 130 - 10t <= 40 at t = 9; then every 10 days.
    days = [(d - AS_OF).days for d in out["release_date"]]
    assert days == [0, 9, 19, 29, 39, 49]
    assert out["qty"].to_list() == [100.0] * 6
    # Needed when IP 30 falls to the safety stock 10: 2 days of demand away; the next
    # orders are released at IP 40, (40 - 10) / 10 = 3 days (the lead time) before need.
    assert out["need_date"][0] == AS_OF + timedelta(days=2)
    assert [(n - r).days for r, n in zip(out["release_date"], out["need_date"], strict=True)][
        1:
    ] == [3] * 5
    assert out["firm"].to_list() == [True] + [False] * 5
    assert out["order_no"].to_list() == [1, 2, 3, 4, 5, 6]


def test_the_need_date_is_when_stock_on_hand_or_coming_reaches_the_safety_stock() -> None:
    covered = plan(item(on_hand=0.0, on_order=35.0), horizon_days=1)  # IP 35: 2.5 days above
    short = plan(item(on_hand=5.0), horizon_days=1)  # already below the safety stock
    idle = plan(item(demand_per_day=0.0), horizon_days=1)  # no demand: the lead time
    assert covered["need_date"].to_list() == [AS_OF + timedelta(days=2)]
    assert short["need_date"].to_list() == [AS_OF]
    assert idle["need_date"].to_list() == [AS_OF + timedelta(days=3)]


def test_rop_orders_enough_whole_lots_to_cover_an_undershoot() -> None:
    out = plan(item(reorder_point=100.0, order_qty=40.0), horizon_days=1)
    assert out["qty"].to_list() == [80.0]  # 30 + 2·40 = 110 > 100


def test_position_counts_open_orders_backorders_and_allocations() -> None:
    # IP = 30 + 25 - 5 - 10 = 40 <= 40: orders; with 1 more on order it would not.
    assert plan(item(on_order=25.0, backordered=5.0, allocated=10.0), horizon_days=1).height == 1
    assert plan(item(on_order=26.0, backordered=5.0, allocated=10.0), horizon_days=1).height == 0


def test_min_max_orders_up_to_the_max() -> None:
    out = plan(item(logic="min_max", order_up_to=200.0), horizon_days=1)
    assert out["qty"].to_list() == [170.0]


def test_kanban_orders_whole_containers_when_a_card_comes_back() -> None:
    # N = 4 containers of 25: loop 100, a card returns at IP <= 75.
    row = item(logic="kanban", order_up_to=100.0, container_qty=25.0, on_hand=60.0)
    out = plan(row, horizon_days=1)
    assert out["qty"].to_list() == [25.0]
    assert (
        plan(
            item(logic="kanban", order_up_to=100.0, container_qty=25.0, on_hand=76.0),
            horizon_days=1,
        ).height
        == 0
    )


def test_order_up_to_orders_only_on_review_days() -> None:
    row = item(logic="order_up_to", on_hand=50.0, order_up_to=120.0, review_period_days=7.0)
    out = plan(row)
    assert [(d - AS_OF).days for d in out["release_date"]] == [0, 7, 14, 21, 28, 35, 42, 49]
    assert out["qty"].to_list() == [70.0] * 8


def test_no_logic_no_demand_or_missing_numbers_give_no_orders() -> None:
    out = plan(
        item(item_id=1, logic="none"),
        item(item_id=2, on_hand=500.0, demand_per_day=0.0),
        item(item_id=3, order_qty=None),
        item(item_id=4, logic=None),
    )
    assert out.height == 0


def test_unknown_logic_and_negative_stock_are_refused_naming_the_item() -> None:
    with pytest.raises(InvalidInputError, match="unknown logic 'pull' for item 7"):
        plan(item(item_id=7, logic="pull"))
    with pytest.raises(InvalidInputError, match=r"on_hand must be >= 0.*item 3"):
        plan(item(item_id=3, on_hand=-1.0))
    with pytest.raises(InvalidInputError, match=r"missing column.*reorder_point"):
        plan_orders(pl.DataFrame([item()]).drop("reorder_point"), as_of=AS_OF)


@settings(max_examples=60, deadline=None)
@given(
    on_hand=st.floats(0, 500),
    reorder_point=st.floats(0, 300),
    lot=st.floats(1, 200),
    demand=st.floats(0, 40),
)
def test_rop_orders_always_lift_the_position_above_the_reorder_point(
    on_hand: float, reorder_point: float, lot: float, demand: float
) -> None:
    out = plan(
        item(on_hand=on_hand, reorder_point=reorder_point, order_qty=lot, demand_per_day=demand)
    )
    assert (out["position"] <= reorder_point).all()
    assert ((out["position"] + out["qty"]) > reorder_point).all()
    # Whole lots only, never more than one lot beyond what lifts IP above r.
    lots = out["qty"] / lot
    assert ((lots - lots.round()).abs() < 1e-9).all()
    assert ((out["position"] + out["qty"] - lot) <= reorder_point + 1e-9).all()


def reschedule(lines: list[dict[str, object]], **stock: float) -> pl.DataFrame:
    items = pl.DataFrame(
        [
            {
                "item_id": 1,
                "on_hand": 100.0,
                "backordered": 0.0,
                "allocated": 0.0,
                "safety_stock": 20.0,
                "demand_per_day": 10.0,
                **stock,
            }
        ]
    )
    frame = pl.DataFrame(
        lines,
        schema={
            "line_id": pl.Int64,
            "item_id": pl.Int64,
            "open_qty": pl.Float64,
            "due_date": pl.Date,
            "shipped": pl.Boolean,
        },
    )
    return reschedule_open_lines(items, frame, as_of=AS_OF).sort("line_id")


def test_reschedule_pushes_out_a_line_due_too_early_and_expedites_one_due_too_late() -> None:
    out = reschedule(
        [
            {
                "line_id": 1,
                "item_id": 1,
                "open_qty": 50.0,
                "due_date": AS_OF + timedelta(2),
                "shipped": False,
            },
            {
                "line_id": 2,
                "item_id": 1,
                "open_qty": 50.0,
                "due_date": AS_OF + timedelta(20),
                "shipped": False,
            },
        ]
    )
    # Line 1: (100 - 20) / 10 = day 8, due day 2 -> push out 6 days.
    # Line 2: (150 - 20) / 10 = day 13, due day 20 -> expedite 7 days.
    assert out.select("line_id", "action", "days").rows() == [
        (1, "push_out", 6),
        (2, "expedite", -7),
    ]
    assert out["need_date"].to_list() == [AS_OF + timedelta(8), AS_OF + timedelta(13)]
    assert "safety stock 20.0" in out["reason"][0]


def test_reschedule_leaves_lines_within_tolerance_shipped_or_past_due_alone() -> None:
    out = reschedule(
        [
            # The past-due line 3 is still expected first: line 1 is needed on day
            # (100 + 50 - 20) / 10 = 13, 2 days after its due date: within the tolerance of 3.
            {
                "line_id": 1,
                "item_id": 1,
                "open_qty": 50.0,
                "due_date": AS_OF + timedelta(11),
                "shipped": False,
            },
            {
                "line_id": 2,
                "item_id": 1,
                "open_qty": 50.0,
                "due_date": AS_OF + timedelta(30),
                "shipped": True,
            },
            {
                "line_id": 3,
                "item_id": 1,
                "open_qty": 50.0,
                "due_date": AS_OF - timedelta(1),
                "shipped": False,
            },
        ]
    )
    assert out.height == 0


def test_reschedule_cancels_a_line_not_needed_within_the_horizon() -> None:
    out = reschedule(
        [
            {
                "line_id": 5,
                "item_id": 1,
                "open_qty": 40.0,
                "due_date": AS_OF + timedelta(5),
                "shipped": False,
            }
        ],
        demand_per_day=0.0,
    )
    assert out.select("line_id", "action").rows() == [(5, "cancel")]
    assert out["need_date"][0] is None
