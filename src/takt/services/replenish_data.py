"""What the plan run and the pull trigger read from the store, as polars frames.

The same queries serve both: the plan reads every item, the trigger one item inside its
own transaction (after it has locked the item's inventory row), so they can never
disagree on what the position or the policy is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import Connection, and_, bindparam, case, func, select
from sqlalchemy.orm import Session

from takt.domain.enums import PurchaseOrderStatus, Severity
from takt.store.models import (
    AgreementLineRow,
    AgreementRow,
    BufferUpliftRow,
    InventoryRow,
    ItemPolicyRow,
    ItemRow,
    LeadTimeStatRow,
    OfferRow,
    PlanRunRow,
    ProposalRow,
    PurchaseOrderLineRow,
    PurchaseOrderRow,
    ReceiptRow,
    RiskEventRow,
    SupplierRow,
)

OPEN_STATUSES = [s for s in PurchaseOrderStatus if s.is_open]
# Risk events at these severities move volume away from a supplier while they last.
AT_RISK_SEVERITIES = [Severity.HIGH, Severity.CRITICAL]
# Lead-time quantile an order date is reckoned with, by strategy: JIT and hybrid items
# carry little buffer, so their orders go out early enough for the slow (90 %) case;
# buffer items hold safety stock for the lead-time spread and order on the median.
LEAD_TIME_QUANTILE = {"jit": "q90", "hybrid": "q90", "buffer": "q50"}


def frame(session: Session, query: Any, schema: dict[str, Any]) -> pl.DataFrame:
    rows = session.execute(query).all()
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")


def _only(query: Any, column: Any, item_ids: Sequence[int] | None) -> Any:
    return query if item_ids is None else query.where(column.in_(list(item_ids)))


def latest_run(session: Session, kind: str) -> int | None:
    run_id = session.execute(
        select(func.max(PlanRunRow.id)).where(
            PlanRunRow.kind == kind, PlanRunRow.status == "succeeded"
        )
    ).scalar()
    return None if run_id is None else int(run_id)


def open_lines(session: Session, item_ids: Sequence[int] | None = None) -> pl.DataFrame:
    """Open PO lines (PO approved … partially received, line not cancelled) with what is
    still to come: ``open_qty`` = ordered − delivered (rejected units count as delivered:
    they left the pipeline), and the date they are expected."""
    L, P = PurchaseOrderLineRow, PurchaseOrderRow
    # Receipts of open lines only (of the items asked for): a store holds years of them.
    open_ids = (
        select(L.id)
        .join(P, P.id == L.po_id)
        .where(P.status.in_(OPEN_STATUSES), L.cancelled.is_(False))
    )
    if item_ids is not None:
        open_ids = open_ids.where(L.item_id.in_(list(item_ids)))
    delivered = (
        select(
            ReceiptRow.po_line_id.label("line_id"),
            func.sum(ReceiptRow.qty_received).label("delivered"),
        )
        .where(ReceiptRow.po_line_id.in_(open_ids))
        .group_by(ReceiptRow.po_line_id)
        .subquery()
    )
    query = (
        select(
            L.id,
            L.po_id,
            P.number,
            L.line_no,
            P.supplier_id,
            P.status,
            L.item_id,
            L.qty,
            func.coalesce(delivered.c.delivered, 0.0),
            L.unit_price,
            func.coalesce(L.expected_date, L.confirmed_date, L.promised_date, L.need_date),
            L.shipped_qty,
        )
        .join(P, P.id == L.po_id)
        .outerjoin(delivered, delivered.c.line_id == L.id)
        .where(P.status.in_(OPEN_STATUSES), L.cancelled.is_(False))
    )
    lines = frame(
        session,
        _only(query, L.item_id, item_ids),
        {
            "line_id": pl.Int64,
            "po_id": pl.Int64,
            "po": pl.Utf8,
            "line_no": pl.Int64,
            "supplier_id": pl.Int64,
            "status": pl.Utf8,
            "item_id": pl.Int64,
            "qty": pl.Float64,
            "delivered": pl.Float64,
            "unit_price": pl.Float64,
            "due_date": pl.Date,
            "shipped_qty": pl.Float64,
        },
    )
    return lines.with_columns(
        (pl.col("qty") - pl.col("delivered")).clip(lower_bound=0.0).alias("open_qty"),
        (
            (pl.col("status") == PurchaseOrderStatus.SHIPPED.value)
            | pl.col("shipped_qty").is_not_null()
        ).alias("shipped"),
    ).filter(pl.col("open_qty") > 0)


def po_line_history(session: Session, item_ids: Sequence[int] | None) -> pl.DataFrame:
    """Past PO lines of these items (not cancelled): the anomaly check's history."""
    L, P = PurchaseOrderLineRow, PurchaseOrderRow
    query = (
        select(L.item_id, P.supplier_id, L.qty, L.unit_price, P.order_date)
        .join(P, P.id == L.po_id)
        .where(L.cancelled.is_(False), P.status != PurchaseOrderStatus.CANCELLED)
    )
    return frame(
        session,
        _only(query, L.item_id, item_ids),
        {
            "item_id": pl.Int64,
            "supplier_id": pl.Int64,
            "qty": pl.Float64,
            "unit_price": pl.Float64,
            "order_date": pl.Date,
        },
    )


def positions(
    session: Session,
    item_ids: Sequence[int] | None = None,
    lines: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The inventory position's parts per item: on hand, on order, backorders, allocated,
    and the quantity of open (not yet decided) order proposals. ``lines``: the items'
    open lines when the caller has read them already."""
    stock = frame(
        session,
        _only(
            select(
                ItemRow.id,
                func.coalesce(InventoryRow.on_hand, 0.0),
                func.coalesce(InventoryRow.backordered, 0.0),
                func.coalesce(InventoryRow.allocated, 0.0),
            ).outerjoin(InventoryRow, InventoryRow.item_id == ItemRow.id),
            ItemRow.id,
            item_ids,
        ),
        {
            "item_id": pl.Int64,
            "on_hand": pl.Float64,
            "backordered": pl.Float64,
            "allocated": pl.Float64,
        },
    )
    on_order = (
        (open_lines(session, item_ids) if lines is None else lines)
        .group_by("item_id")
        .agg(pl.col("open_qty").sum().alias("on_order"))
    )
    proposed = frame(
        session,
        _only(
            select(ProposalRow.item_id, func.sum(ProposalRow.qty))
            .where(ProposalRow.status == "open", ProposalRow.kind == "order")
            .group_by(ProposalRow.item_id),
            ProposalRow.item_id,
            item_ids,
        ),
        {"item_id": pl.Int64, "proposed": pl.Float64},
    )
    return (
        stock.join(on_order, on="item_id", how="left")
        .join(proposed, on="item_id", how="left")
        .with_columns(pl.col("on_order", "proposed").fill_null(0.0))
    )


@dataclass(frozen=True)
class TriggerState:
    policy_run: int | None
    position: float  # on hand − backorders − allocated + open on order
    proposed: float  # open order proposals
    trigger: float | None  # the position at or below which the policy orders (+ uplifts)

    @property
    def due(self) -> bool:
        """The position, with the open proposals, is at or below the trigger."""
        return (
            self.policy_run is not None
            and self.trigger is not None
            and self.position + self.proposed <= self.trigger
        )


def _trigger_state_statement() -> Any:
    """One SELECT of scalar subqueries: the latest policy run, the item's stock, open PO
    quantity, open proposals, policy levels and the uplifts in force (built once)."""
    item: Any = bindparam("item")
    day: Any = bindparam("day")
    L, P, I = PurchaseOrderLineRow, PurchaseOrderRow, InventoryRow  # noqa: E741
    run = (
        select(func.max(PlanRunRow.id))
        .where(PlanRunRow.kind == "policy", PlanRunRow.status == "succeeded")
        .scalar_subquery()
    )
    delivered = (
        select(func.coalesce(func.sum(ReceiptRow.qty_received), 0.0))
        .where(ReceiptRow.po_line_id == L.id)
        .scalar_subquery()
    )
    remaining = L.qty - delivered
    stock = select(I.on_hand - I.backordered - I.allocated).where(I.item_id == item)
    on_order = (
        select(func.coalesce(func.sum(case((remaining > 0, remaining), else_=0.0)), 0.0))
        .join(P, P.id == L.po_id)
        .where(L.item_id == item, P.status.in_(OPEN_STATUSES), L.cancelled.is_(False))
    )
    proposed = select(func.coalesce(func.sum(ProposalRow.qty), 0.0)).where(
        ProposalRow.status == "open", ProposalRow.kind == "order", ProposalRow.item_id == item
    )
    U = BufferUpliftRow
    uplift = select(func.coalesce(func.sum(U.qty), 0.0)).where(
        U.item_id == item, U.start_date <= day, U.end_date > day
    )

    def policy(column: Any) -> Any:
        return (
            select(column)
            .where(ItemPolicyRow.run_id == run, ItemPolicyRow.item_id == item)
            .scalar_subquery()
        )

    return select(
        run,
        stock.scalar_subquery(),
        on_order.scalar_subquery(),
        proposed.scalar_subquery(),
        policy(ItemPolicyRow.logic),
        policy(ItemPolicyRow.reorder_point),
        policy(ItemPolicyRow.order_up_to),
        policy(ItemPolicyRow.container_qty),
        uplift.scalar_subquery(),
    )


_TRIGGER_STATE = _trigger_state_statement()


def trigger_state(session: Session | Connection, item_id: int, as_of: date) -> TriggerState:
    """What the pull trigger needs to decide whether to look further, in one statement:
    the position (on hand − backorders − allocated + what is still to come on open
    lines), the open proposals, and the position at or below which the policy orders —
    the reorder point (rop, min_max), (N − 1)·C (kanban), or just under S (order_up_to,
    which orders whenever the position is below S) — raised by the uplifts in force."""
    run, stock, on_order, proposed, logic, rop, up_to, container, up = session.execute(
        _TRIGGER_STATE, {"item": item_id, "day": as_of}
    ).one()
    trigger = None
    if logic in ("rop", "min_max") and rop is not None:
        trigger = float(rop) + float(up)
    elif logic == "kanban" and up_to is not None and container:
        trigger = float(up_to) + float(up) - float(container)
    elif logic == "order_up_to" and up_to is not None:
        trigger = math.nextafter(float(up_to) + float(up), -math.inf)
    return TriggerState(
        None if run is None else int(run),
        float(stock or 0.0) + float(on_order),
        float(proposed),
        trigger,
    )


def with_uplifts(session: Session, pol: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Add the buffer uplifts in force on ``as_of`` (``takt risk uplift``) to each item's
    safety stock, reorder point and order-up-to level, and say so in its reason; an
    uplift lapses by itself on its end date."""
    U = BufferUpliftRow
    query = (
        select(
            U.item_id,
            func.sum(U.qty).label("uplift"),
            func.max(U.end_date).label("uplift_until"),
        )
        .where(U.start_date <= as_of, U.end_date > as_of)
        .group_by(U.item_id)
    )
    ups = frame(
        session, query, {"item_id": pl.Int64, "uplift": pl.Float64, "uplift_until": pl.Date}
    )
    if ups.is_empty():
        return pol.with_columns(pl.lit(0.0).alias("uplift"))
    raised = pol.join(ups, on="item_id", how="left").with_columns(pl.col("uplift").fill_null(0.0))
    up = pl.col("uplift") > 0
    return raised.with_columns(
        *[
            pl.when(up & pl.col(c).is_not_null()).then(pl.col(c) + pl.col("uplift")).otherwise(c)
            for c in ("safety_stock", "reorder_point", "order_up_to")
        ],
        pl.when(up)
        .then(
            pl.concat_str(
                pl.col("reason").fill_null(""),
                pl.lit("; buffer uplift +"),
                pl.col("uplift").round(2).cast(pl.Utf8),
                pl.lit(" until "),
                pl.col("uplift_until").cast(pl.Utf8),
            )
        )
        .otherwise(pl.col("reason"))
        .alias("reason"),
    ).drop("uplift_until")


POLICY_FIELDS = {
    "strategy": pl.Utf8,
    "logic": pl.Utf8,
    "rule": pl.Utf8,
    "reason": pl.Utf8,
    "safety_stock": pl.Float64,
    "reorder_point": pl.Float64,
    "order_up_to": pl.Float64,
    "order_qty": pl.Float64,
    "container_qty": pl.Float64,
    "review_period_days": pl.Float64,
    "demand_per_day": pl.Float64,
    "lead_time_days": pl.Float64,
}


def policies(session: Session, run_id: int, item_ids: Sequence[int] | None = None) -> pl.DataFrame:
    """The policy of every item in a policy run, with the item's master data."""
    P = ItemPolicyRow
    query = (
        select(
            P.item_id,
            ItemRow.sku,
            ItemRow.location,
            ItemRow.category,
            ItemRow.criticality,
            *[P.__table__.c[c] for c in POLICY_FIELDS],
        )
        .join(ItemRow, ItemRow.id == P.item_id)
        .where(P.run_id == run_id)
    )
    schema = {
        "item_id": pl.Int64,
        "sku": pl.Utf8,
        "location": pl.Utf8,
        "category": pl.Utf8,
        "criticality": pl.Utf8,
        **POLICY_FIELDS,
    }
    out = frame(session, _only(query, P.item_id, item_ids), schema)
    return out.with_columns((pl.col("sku") + "@" + pl.col("location")).alias("item"))


def offers(session: Session, as_of: date, item_ids: Sequence[int] | None = None) -> pl.DataFrame:
    """Every offer of the items with what sourcing weighs: the supplier blocked or at
    risk on ``as_of``, lead-time quantiles (measured, else quoted) and the open blanket
    agreement line (the one with the most left when there are several)."""
    Of, S = OfferRow, SupplierRow
    base = frame(
        session,
        _only(
            select(
                Of.item_id,
                Of.supplier_id,
                S.code,
                S.region,
                Of.role,
                Of.allocation_share,
                Of.moq,
                Of.pack_multiple,
                Of.unit_price,
                Of.delivery_weekdays,
                Of.quoted_lead_time_days,
                S.blocked,
            ).join(S, S.id == Of.supplier_id),
            Of.item_id,
            item_ids,
        ),
        {
            "item_id": pl.Int64,
            "supplier_id": pl.Int64,
            "supplier": pl.Utf8,
            "region": pl.Utf8,
            "role": pl.Utf8,
            "allocation_share": pl.Float64,
            "moq": pl.Float64,
            "pack_multiple": pl.Float64,
            "unit_price": pl.Float64,
            "delivery_weekdays": pl.Int64,
            "quoted": pl.Float64,
            "supplier_blocked": pl.Boolean,
        },
    )
    run_id = latest_run(session, "suppliers")
    stats = frame(
        session,
        _only(
            select(
                LeadTimeStatRow.item_id,
                LeadTimeStatRow.supplier_id,
                func.coalesce(LeadTimeStatRow.predicted_q50, LeadTimeStatRow.q50),
                func.coalesce(LeadTimeStatRow.predicted_q90, LeadTimeStatRow.q90),
            ).where(LeadTimeStatRow.run_id == (run_id or -1)),
            LeadTimeStatRow.item_id,
            item_ids,
        ),
        {"item_id": pl.Int64, "supplier_id": pl.Int64, "lt_q50": pl.Float64, "lt_q90": pl.Float64},
    )
    R = RiskEventRow
    risks = frame(
        session,
        select(R.supplier_id, R.region, R.start_date, R.expected_duration_days).where(
            R.severity.in_(AT_RISK_SEVERITIES), R.start_date <= as_of
        ),
        {"supplier_id": pl.Int64, "region": pl.Utf8, "start": pl.Date, "days": pl.Int64},
    ).filter(pl.col("start") + pl.duration(days=pl.col("days")) > pl.lit(as_of))
    risky_suppliers = risks["supplier_id"].drop_nulls().unique().implode()
    risky_regions = risks["region"].drop_nulls().unique().implode()
    A, AL = AgreementRow, AgreementLineRow
    agreements = frame(
        session,
        _only(
            select(
                AL.item_id,
                A.supplier_id,
                AL.id,
                A.id,
                A.number,
                AL.committed_qty,
                AL.released_qty,
                AL.unit_price,
            )
            .join(A, A.id == AL.agreement_id)
            .where(and_(A.start_date <= as_of, A.end_date >= as_of)),
            AL.item_id,
            item_ids,
        ),
        {
            "item_id": pl.Int64,
            "supplier_id": pl.Int64,
            # Sourcing accounts per agreement line (one per agreement and item).
            "agreement_id": pl.Int64,
            "agreement_header_id": pl.Int64,
            "agreement": pl.Utf8,
            "agreement_committed_qty": pl.Float64,
            "agreement_released_qty": pl.Float64,
            "agreement_unit_price": pl.Float64,
        },
    )
    agreements = agreements.sort(
        pl.col("agreement_committed_qty") - pl.col("agreement_released_qty"), descending=True
    ).unique(["item_id", "supplier_id"], keep="first")
    return (
        base.join(stats, on=["item_id", "supplier_id"], how="left")
        .join(agreements, on=["item_id", "supplier_id"], how="left")
        .with_columns(
            pl.coalesce("lt_q50", "quoted").alias("lt_q50"),
            pl.coalesce("lt_q90", "quoted").alias("lt_q90"),
            (
                pl.col("supplier_id").is_in(risky_suppliers) | pl.col("region").is_in(risky_regions)
            ).alias("supplier_at_risk"),
        )
    )


def offers_for_strategy(offers_frame: pl.DataFrame, strategy: pl.DataFrame) -> pl.DataFrame:
    """Offers with ``lead_time_days`` = the quantile the item's strategy orders with."""
    return offers_frame.join(strategy.select("item_id", "strategy"), on="item_id").with_columns(
        pl.when(pl.col("strategy") == "buffer")
        .then(pl.col("lt_q50"))
        .otherwise(pl.col("lt_q90"))
        .alias("lead_time_days")
    )
