"""A small, hand-made store for the replenishment tests: four items whose plan is worked
out by hand (as of Monday 2 March 2026).

- A: rop, reorder point 40, lot 100, 10 a day, on hand 30 -> order 100 today; S1 sells at
  2.00 (value 200: auto-approved).
- B: min_max, min 20, max 200, on hand 10 -> order 190; S1 at 50.00 (9,500: over the
  auto-approve limit of 5,000, queued).
- C: rop, on hand 500 (no order); an open line of 100 due on day 2 that is only needed on
  day (500 - 10) / 10 = 49 -> push out.
- D: rop, on hand 0, no offer -> unsourced.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine

from takt.domain.enums import (
    Category,
    Criticality,
    EdiPreference,
    Lifecycle,
    OfferRole,
    PurchaseOrderStatus,
)
from takt.store.db import transaction
from takt.store.models import (
    InventoryRow,
    ItemPolicyRow,
    ItemRow,
    OfferRow,
    PlanRunRow,
    PurchaseOrderLineRow,
    PurchaseOrderRow,
    SupplierRow,
)

AS_OF = date(2026, 3, 2)

POLICIES = {
    # sku: (logic, reorder point, order-up-to, lot, on hand, unit price)
    "A": ("rop", 40.0, 140.0, 100.0, 30.0, "2.00"),
    "B": ("min_max", 20.0, 200.0, 190.0, 10.0, "50.00"),
    "C": ("rop", 40.0, 140.0, 100.0, 500.0, "2.00"),
    "D": ("rop", 40.0, 140.0, 100.0, 0.0, None),
}


def build_world(engine: Engine) -> dict[str, int]:
    """Store the world; returns item ids by sku (and ``policy_run``)."""
    ids: dict[str, int] = {}
    with transaction(engine) as session:
        s1 = SupplierRow(
            code="S1",
            name="Primary Parts",
            country="DE",
            region="EU",
            edi_preference=EdiPreference.X12,
        )
        s2 = SupplierRow(
            code="S2",
            name="Backup Parts",
            country="PL",
            region="EU",
            edi_preference=EdiPreference.EDIFACT,
        )
        session.add_all([s1, s2])
        run = PlanRunRow(
            kind="policy",
            status="succeeded",
            as_of=AS_OF,
            parameters={},
            seed=0,
            finished_at=datetime.now(UTC),
        )
        session.add(run)
        session.flush()
        ids["policy_run"] = run.id
        for sku, (logic, rop, up_to, lot, on_hand, price) in POLICIES.items():
            item = ItemRow(
                sku=sku,
                location="MAIN",
                unit_cost=Decimal("1"),
                category=Category.DIRECT,
                criticality=Criticality.NORMAL,
                lifecycle=Lifecycle.ACTIVE,
            )
            session.add(item)
            session.flush()
            ids[sku] = item.id
            session.add(
                InventoryRow(
                    item_id=item.id,
                    on_hand=on_hand,
                    allocated=0.0,
                    backordered=0.0,
                    as_of=datetime(2026, 3, 2, tzinfo=UTC),
                )
            )
            session.add(
                ItemPolicyRow(
                    run_id=run.id,
                    item_id=item.id,
                    strategy="buffer",
                    logic=logic,
                    rule="test",
                    reason=f"buffer: test rule for {sku}",
                    service_target=0.95,
                    review_period_days=0.0,
                    method="normal",
                    safety_stock=10.0,
                    reorder_point=rop,
                    order_up_to=up_to,
                    order_qty=lot,
                    kanban_count=None,
                    container_qty=None,
                    contingency_reserve=0.0,
                    days_of_cover=10.0,
                    demand_per_day=10.0,
                    lead_time_days=3.0,
                )
            )
            if price is not None:
                session.add(
                    OfferRow(
                        supplier_id=s1.id,
                        item_id=item.id,
                        quoted_lead_time_days=3,
                        moq=50.0,
                        pack_multiple=10.0,
                        unit_price=Decimal(price),
                        role=OfferRole.PRIMARY,
                        allocation_share=1.0,
                    )
                )
                session.add(
                    OfferRow(
                        supplier_id=s2.id,
                        item_id=item.id,
                        quoted_lead_time_days=5,
                        moq=1.0,
                        pack_multiple=1.0,
                        unit_price=Decimal(price) * 2,
                        role=OfferRole.ALTERNATE,
                        allocation_share=0.0,
                    )
                )
        po = PurchaseOrderRow(
            number="PO-OLD-1",
            supplier_id=s1.id,
            status=PurchaseOrderStatus.SENT,
            order_date=AS_OF - timedelta(days=5),
        )
        session.add(po)
        session.flush()
        session.add(
            PurchaseOrderLineRow(
                po_id=po.id,
                line_no=1,
                item_id=ids["C"],
                qty=100.0,
                unit_price=Decimal("2"),
                need_date=AS_OF + timedelta(days=2),
            )
        )
    return ids
