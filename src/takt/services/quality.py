"""Data-quality findings a planner should see before trusting a plan.

Each check is one set-based query; a finding carries its severity, a sentence, how
many records it concerns and a few examples to look up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, exists, func, literal, or_, select
from sqlalchemy.orm import Session

from takt.domain.enums import Criticality, Grain, OfferRole, PurchaseOrderStatus
from takt.store.models import (
    AgreementLineRow,
    AgreementRow,
    DemandBucketRow,
    InventoryRow,
    ItemRow,
    OfferRow,
    PurchaseOrderLineRow,
    PurchaseOrderRow,
    ReceiptRow,
    SupplierRow,
)

OPEN_STATUSES = [s for s in PurchaseOrderStatus if s.is_open]


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str  # error | warning | info
    message: str
    count: int
    examples: list[str] = field(default_factory=list)


def _item_label() -> ColumnElement[str]:
    return ItemRow.sku + literal("@") + ItemRow.location


def find_issues(
    session: Session, *, as_of: date | None = None, dying_days: int = 120
) -> list[Finding]:
    """All findings on the store; ``as_of`` defaults to the day after the latest demand."""
    if as_of is None:
        latest = session.execute(select(func.max(DemandBucketRow.period_start))).scalar()
        as_of = (latest + timedelta(days=1)) if latest else date.today()
    label = _item_label()
    findings: list[Finding] = []

    def add(code: str, severity: str, message: str, query: object) -> None:
        rows = [str(r) for r in session.execute(query).scalars().all()]  # type: ignore[call-overload]
        if rows:
            findings.append(Finding(code, severity, message, len(rows), sorted(rows)[:5]))

    has_offer = exists().where(OfferRow.item_id == ItemRow.id)
    add(
        "no-source",
        "error",
        "items with no supplier offer (cannot be reordered)",
        select(label).where(~has_offer),
    )
    primaries = (
        select(OfferRow.item_id, func.count().label("n"))
        .where(OfferRow.role == OfferRole.PRIMARY)
        .group_by(OfferRow.item_id)
        .subquery()
    )
    add(
        "no-primary",
        "error",
        "items with offers but no primary supplier",
        select(label).where(has_offer, ~exists().where(primaries.c.item_id == ItemRow.id)),
    )
    add(
        "many-primaries",
        "warning",
        "items with more than one primary supplier",
        select(label).join(primaries, primaries.c.item_id == ItemRow.id).where(primaries.c.n > 1),
    )
    shares = (
        select(
            OfferRow.item_id,
            func.sum(OfferRow.allocation_share).label("total"),
            func.count().label("n"),
        )
        .group_by(OfferRow.item_id)
        .subquery()
    )
    add(
        "shares",
        "warning",
        "dual-sourced items whose allocation shares do not sum to 1",
        select(label)
        .join(shares, shares.c.item_id == ItemRow.id)
        .where(shares.c.n > 1, func.abs(shares.c.total - 1.0) > 0.001),
    )
    add(
        "single-source-critical",
        "warning",
        "line-stopper items with a single source",
        select(label)
        .join(shares, shares.c.item_id == ItemRow.id)
        .where(shares.c.n == 1, ItemRow.criticality == Criticality.LINE_STOPPER),
    )
    add(
        "no-balance",
        "warning",
        "items without an inventory balance (taken as zero)",
        select(label).where(~exists().where(InventoryRow.item_id == ItemRow.id)),
    )
    recent = exists().where(
        DemandBucketRow.item_id == ItemRow.id,
        DemandBucketRow.grain == Grain.DAY,
        DemandBucketRow.period_start >= as_of - timedelta(days=dying_days),
        DemandBucketRow.qty > 0,
    )
    any_history = exists().where(DemandBucketRow.item_id == ItemRow.id, DemandBucketRow.qty > 0)
    add(
        "dying",
        "info",
        f"items with history but no demand in the last {dying_days} days",
        select(label).where(any_history, ~recent),
    )
    add(
        "no-history",
        "info",
        "items with no demand history at all",
        select(label).where(~any_history),
    )
    received = (
        select(ReceiptRow.po_line_id, func.sum(ReceiptRow.qty_received).label("qty"))
        .group_by(ReceiptRow.po_line_id)
        .subquery()
    )
    due = func.coalesce(PurchaseOrderLineRow.promised_date, PurchaseOrderLineRow.need_date)
    add(
        "overdue",
        "warning",
        f"open PO lines past their promised date (as of {as_of})",
        select(
            PurchaseOrderRow.number
            + literal("/")
            + func.cast(PurchaseOrderLineRow.line_no, SupplierRow.code.type)
        )
        .join(PurchaseOrderLineRow.order)
        .outerjoin(received, received.c.po_line_id == PurchaseOrderLineRow.id)
        .where(
            PurchaseOrderRow.status.in_(OPEN_STATUSES),
            ~PurchaseOrderLineRow.cancelled,
            due < as_of,
            or_(received.c.qty.is_(None), received.c.qty < PurchaseOrderLineRow.qty),
        ),
    )
    add(
        "agreement-exhausted",
        "warning",
        "blanket agreement lines released 90 % or more",
        select(AgreementRow.number + literal(":") + ItemRow.sku)
        .join(AgreementLineRow.agreement)
        .join(ItemRow, ItemRow.id == AgreementLineRow.item_id)
        .where(
            and_(
                AgreementLineRow.committed_qty > 0,
                AgreementLineRow.released_qty >= 0.9 * AgreementLineRow.committed_qty,
            )
        ),
    )
    add(
        "agreement-expired",
        "info",
        "blanket agreements that have ended",
        select(AgreementRow.number).where(AgreementRow.end_date < as_of),
    )
    add(
        "idle-supplier",
        "info",
        "suppliers with no offers",
        select(SupplierRow.code).where(~exists().where(OfferRow.supplier_id == SupplierRow.id)),
    )
    order = {"error": 0, "warning": 1, "info": 2}
    return sorted(findings, key=lambda f: (order[f.severity], f.code))
