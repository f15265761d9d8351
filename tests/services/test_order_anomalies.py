"""Unusual orders are flagged before approval: a quantity or price far from the item's
PO history sends the line to a buyer with the reason (both backends)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import Engine, select

from takt.domain.enums import PurchaseOrderStatus
from takt.services.replenish import run_plan
from takt.store.db import transaction
from takt.store.models import PurchaseOrderLineRow, PurchaseOrderRow, SupplierRow
from tests.services.replenish_world import AS_OF, build_world
from tests.services.test_replenish import by_item


def _history(engine: Engine, item_id: int, qty: float, price: str, n: int = 8) -> None:
    with transaction(engine) as session:
        s1 = session.execute(select(SupplierRow.id).where(SupplierRow.code == "S1")).scalar_one()
        for k in range(n):
            po = PurchaseOrderRow(
                number=f"PO-H-{k}",
                supplier_id=s1,
                status=PurchaseOrderStatus.CLOSED,
                order_date=AS_OF - timedelta(days=30 * (k + 1)),
            )
            session.add(po)
            session.flush()
            session.add(
                PurchaseOrderLineRow(
                    po_id=po.id, line_no=1, item_id=item_id, qty=qty + k % 2,
                    unit_price=Decimal(price),
                )
            )  # fmt: skip


def test_a_usual_order_stays_automatic(engine: Engine) -> None:
    ids = build_world(engine)
    _history(engine, ids["A"], 100.0, "2.00")
    a = by_item(run_plan(engine).proposals)["A:order"]
    assert (a["decision"], a["status"]) == ("auto", "approved")


def test_ten_times_the_usual_quantity_goes_to_a_buyer(engine: Engine) -> None:
    ids = build_world(engine)
    _history(engine, ids["A"], 10.0, "2.00")
    a = by_item(run_plan(engine).proposals)["A:order"]
    assert (a["decision"], a["status"]) == ("queue", "open")
    assert "unusual order: quantity 100 is" in a["approval_reason"]


def test_a_price_jump_goes_to_a_buyer(engine: Engine) -> None:
    ids = build_world(engine)
    _history(engine, ids["A"], 100.0, "1.00")  # always paid 1.00; the offer now says 2.00
    a = by_item(run_plan(engine).proposals)["A:order"]
    assert a["decision"] == "queue"
    assert "price" in a["approval_reason"]
