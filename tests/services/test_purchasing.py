"""PO lifecycle in the store and receiving with inspection (both backends)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from takt.errors import InvalidInputError, NotFoundError
from takt.services.purchasing import (
    acknowledge,
    list_purchase_orders,
    purchase_order_lines,
    receive,
    ship,
    show_purchase_order,
    transition,
)
from takt.services.replenish import list_proposals, run_plan
from takt.store.db import transaction
from takt.store.models import InventoryRow, ReceiptRow
from tests.services.replenish_world import AS_OF, build_world


def planned_po(engine: Engine) -> tuple[dict[str, int], str]:
    ids = build_world(engine)
    result = run_plan(engine)
    number = result.proposals.filter(pl_item("A"))["po"][0]
    return ids, number


def pl_item(sku: str):  # type: ignore[no-untyped-def]
    import polars as pl

    return pl.col("item").str.starts_with(sku + "@") & (pl.col("kind") == "order")


def on_hand(engine: Engine, item_id: int) -> tuple[float, float]:
    with transaction(engine) as session:
        r = session.execute(
            select(InventoryRow.on_hand, InventoryRow.backordered).where(
                InventoryRow.item_id == item_id
            )
        ).one()
    return float(r[0]), float(r[1])


def test_the_whole_lifecycle_with_audit_trail(engine: Engine) -> None:
    ids, number = planned_po(engine)
    assert transition(engine, number, "send", actor="buyer1") == "sent"
    assert (
        acknowledge(engine, number, actor="S1", confirmations={1: (90.0, AS_OF + timedelta(4))})
        == "acknowledged"
    )
    assert ship(engine, number, actor="S1", expected=AS_OF + timedelta(4)) == "shipped"
    r = receive(engine, number, 1, 60.0, received_on=AS_OF + timedelta(4), actor="dock")
    assert (r.accepted, r.rejected, r.status) == (60.0, 0.0, "partially_received")
    assert on_hand(engine, ids["A"]) == (90.0, 0.0)
    r = receive(engine, number, 1, 40.0, received_on=AS_OF + timedelta(5), actor="dock")
    assert r.status == "received"
    assert transition(engine, number, "close", actor="buyer1") == "closed"
    header, lines, events = show_purchase_order(engine, number)
    assert header["status"] == "closed"
    row = lines.row(0, named=True)
    assert (row["confirmed_qty"], row["shipped_qty"], row["received"]) == (90.0, 90.0, 100.0)
    assert events["action"].to_list() == [
        "created",
        "send",
        "acknowledge",
        "ship",
        "receive",
        "receive",
        "close",
    ]
    assert events["actor"].to_list()[1:] == ["buyer1", "S1", "S1", "dock", "dock", "buyer1"]
    assert events["to_status"].to_list()[-1] == "closed"
    with pytest.raises(InvalidInputError, match=f"PO {number} is closed; it cannot cancel"):
        transition(engine, number, "cancel", actor="buyer1")


def test_rejected_units_stay_out_of_stock_and_trigger_a_replacement(engine: Engine) -> None:
    ids, number = planned_po(engine)
    transition(engine, number, "send", actor="buyer1")
    before = on_hand(engine, ids["A"])[0]  # 30
    r = receive(
        engine, number, 1, 100.0, rejected=80.0, received_on=AS_OF + timedelta(3), actor="dock"
    )
    assert r.status == "received" and r.accepted == 20.0
    assert on_hand(engine, ids["A"]) == (before + 20.0, 0.0)
    # Position 50 (nothing on order now) > 40: no replacement needed yet.
    assert r.replacement_proposal is None
    with transaction(engine) as session:
        receipt = session.execute(select(ReceiptRow)).scalar_one()
        assert (receipt.qty_rejected, receipt.inspection.value) == (80.0, "partial")


def test_a_rejection_that_leaves_the_position_short_proposes_a_replacement(
    engine: Engine,
) -> None:
    ids, number = planned_po(engine)
    transition(engine, number, "send", actor="buyer1")
    r = receive(
        engine, number, 1, 100.0, rejected=100.0, received_on=AS_OF + timedelta(3), actor="dock"
    )
    assert r.accepted == 0.0 and r.replacement_proposal is not None
    assert on_hand(engine, ids["A"]) == (30.0, 0.0)
    replacement = list_proposals(engine, status=None).filter(pl_item("A")).sort("id")[-1]
    assert replacement["qty"][0] == 100.0
    assert replacement["reason"][0].startswith("position 30")


def test_receiving_fills_backorders_first(engine: Engine) -> None:
    ids, number = planned_po(engine)
    with transaction(engine) as session:
        row = session.get(InventoryRow, ids["A"])
        assert row is not None
        row.on_hand, row.backordered = 0.0, 25.0
    transition(engine, number, "send", actor="buyer1")
    receive(engine, number, 1, 100.0, received_on=AS_OF + timedelta(3))
    assert on_hand(engine, ids["A"]) == (75.0, 0.0)


def test_receipts_are_idempotent_and_bad_ones_refused(engine: Engine) -> None:
    _, number = planned_po(engine)
    with pytest.raises(InvalidInputError, match="is approved; it cannot receive"):
        receive(engine, number, 1, 10.0)
    transition(engine, number, "send", actor="buyer1")
    first = receive(engine, number, 1, 50.0, receipt="GR-1")
    again = receive(engine, number, 1, 50.0, receipt="GR-1")
    assert not first.duplicate and again.duplicate
    with pytest.raises(InvalidInputError, match="GR-1 is already stored with other content"):
        receive(engine, number, 1, 40.0, receipt="GR-1")
    with pytest.raises(InvalidInputError, match="only 50 is open"):
        receive(engine, number, 1, 60.0)
    with pytest.raises(InvalidInputError, match="inspection 'accepted' does not fit 5"):
        receive(engine, number, 1, 10.0, rejected=5.0, inspection="accepted")
    with pytest.raises(NotFoundError, match="has no line 7"):
        receive(engine, number, 7, 1.0)
    with pytest.raises(NotFoundError, match="no purchase order NOPE"):
        receive(engine, "NOPE", 1, 1.0)
    assert purchase_order_lines(engine, number)["received"].to_list() == [50.0]


def test_cancel_cancels_every_line_and_the_position_drops(engine: Engine) -> None:
    _ids, number = planned_po(engine)
    assert transition(engine, number, "cancel", actor="buyer1", note="wrong item") == "cancelled"
    assert purchase_order_lines(engine, number)["cancelled"].to_list() == [True]
    listed = list_purchase_orders(engine, status="cancelled")
    assert listed["po"].to_list() == [number]
    # With the order gone, the next plan orders A again.
    again = run_plan(engine)
    assert again.proposals.filter(pl_item("A")).height == 1


def test_rejected_units_count_in_the_suppliers_defect_rate(engine: Engine) -> None:
    from takt.services.supplier_signals import run_supplier_signals

    _, number = planned_po(engine)
    transition(engine, number, "send", actor="buyer1")
    receive(engine, number, 1, 100.0, rejected=10.0, received_on=AS_OF + timedelta(3))
    card = run_supplier_signals(engine, actor="test").scorecard
    s1 = card.filter(card["supplier"] == "S1").row(0, named=True)
    assert s1["defect_rate"] == pytest.approx(0.1)
