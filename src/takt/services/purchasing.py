"""Purchase orders after they exist: the lifecycle (send, acknowledge, ship, cancel,
close), line changes from the plan, and receiving with incoming inspection.

Every change is one transaction with its audit event (who, when, what, from which status
to which); an action the lifecycle does not allow is refused with the reason
(:mod:`takt.replenish.lifecycle`). A receipt carries its inspection result: rejected
units never enter on hand, they count in the supplier's defect rate (the scorecard reads
``receipts.qty_rejected``), and when the position then needs it the pull trigger proposes
a replacement in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import polars as pl
from sqlalchemy import Engine, case, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from takt.domain.enums import InspectionResult, PurchaseOrderStatus
from takt.errors import InvalidInputError, NotFoundError
from takt.replenish.lifecycle import check_transition, next_status, receive_status
from takt.store.db import transaction
from takt.store.models import (
    InventoryRow,
    ItemRow,
    PurchaseOrderEventRow,
    PurchaseOrderLineRow,
    PurchaseOrderRow,
    ReceiptRow,
    SupplierRow,
)

# A receipt may exceed what is open on the line by this share (over-delivery tolerance).
OVER_DELIVERY_TOLERANCE = 0.10


@dataclass(frozen=True)
class ReceiptResult:
    receipt: str
    po: str
    line_no: int
    accepted: float
    rejected: float
    status: str
    duplicate: bool
    replacement_proposal: int | None


def _order(session: Session, number: str, *, lock: bool = True) -> PurchaseOrderRow:
    query = select(PurchaseOrderRow).where(PurchaseOrderRow.number == number)
    if lock:
        query = query.with_for_update()
    po = session.execute(query).scalar()
    if po is None:
        raise NotFoundError(f"no purchase order {number}")
    return po


def _event(
    session: Session,
    po: PurchaseOrderRow,
    *,
    actor: str,
    action: str,
    before: PurchaseOrderStatus | None,
    detail: dict[str, Any],
    line_id: int | None = None,
) -> None:
    session.add(
        PurchaseOrderEventRow(
            po_id=po.id,
            line_id=line_id,
            at=datetime.now(UTC),
            actor=actor,
            action=action,
            from_status=None if before is None else before.value,
            to_status=po.status.value,
            detail=detail,
        )
    )


def transition(engine: Engine, number: str, action: str, *, actor: str, note: str = "") -> str:
    """approve, send, cancel or close a PO; returns its new status."""
    if action in ("receive", "acknowledge", "ship"):
        raise InvalidInputError(f"use the {action} command for that: it needs quantities")
    with transaction(engine) as session:
        po = _order(session, number)
        before = po.status
        po.status = next_status(number, before, action)
        po.updated_at = datetime.now(UTC)
        if action == "cancel":
            session.execute(
                update(PurchaseOrderLineRow)
                .where(PurchaseOrderLineRow.po_id == po.id)
                .values(cancelled=True)
            )
        detail: dict[str, Any] = {"note": note} if note else {}
        if action == "send":
            channel = session.execute(
                select(SupplierRow.edi_preference).where(SupplierRow.id == po.supplier_id)
            ).scalar_one()
            detail["channel"] = channel.value
        _event(session, po, actor=actor, action=action, before=before, detail=detail)
        return po.status.value


def _line(session: Session, po: PurchaseOrderRow, line_no: int) -> PurchaseOrderLineRow:
    line = session.execute(
        select(PurchaseOrderLineRow).where(
            PurchaseOrderLineRow.po_id == po.id, PurchaseOrderLineRow.line_no == line_no
        )
    ).scalar()
    if line is None:
        raise NotFoundError(f"PO {po.number} has no line {line_no}")
    return line


def _open_lines_named(
    po: PurchaseOrderRow, named: Mapping[int, object]
) -> dict[int, PurchaseOrderLineRow]:
    """The PO's open lines by number; a line number in ``named`` that is not one of
    them is refused."""
    lines = {ln.line_no: ln for ln in po.lines if not ln.cancelled}
    unknown = sorted(set(named) - set(lines))
    if unknown:
        raise NotFoundError(f"PO {po.number} has no open line {unknown[0]}")
    return lines


def acknowledge(
    engine: Engine,
    number: str,
    *,
    actor: str,
    confirmations: dict[int, tuple[float, date | None]] | None = None,
) -> str:
    """The supplier confirms the order: per line number, the confirmed quantity and date
    (lines not named are confirmed as ordered, on their requested date)."""
    with transaction(engine) as session:
        return acknowledge_in(session, number, actor=actor, confirmations=confirmations)


def acknowledge_in(
    session: Session,
    number: str,
    *,
    actor: str,
    confirmations: Mapping[int, tuple[float, date | None]] | None = None,
    detail: Mapping[str, Any] | None = None,
) -> str:
    """:func:`acknowledge` inside the caller's transaction (EDI applies a whole
    interchange or nothing)."""
    po = _order(session, number)
    before = po.status
    check_transition(number, before, "acknowledge")
    confirmations = confirmations or {}
    lines = _open_lines_named(po, confirmations)
    changed = {}
    for line_no, line in lines.items():
        qty, when = confirmations.get(line_no, (line.qty, line.need_date))
        if qty < 0:
            raise InvalidInputError(f"PO {number} line {line_no}: confirmed qty must be >= 0")
        line.confirmed_qty = qty
        line.confirmed_date = when or line.need_date
        if qty != line.qty or line.confirmed_date != line.need_date:
            changed[str(line_no)] = {"qty": qty, "date": str(line.confirmed_date)}
    po.status = next_status(number, before, "acknowledge")
    po.updated_at = datetime.now(UTC)
    _event(
        session,
        po,
        actor=actor,
        action="acknowledge",
        before=before,
        detail={"changed": changed, **(detail or {})},
    )
    return po.status.value


def ship(
    engine: Engine,
    number: str,
    *,
    actor: str,
    expected: date,
    quantities: dict[int, float] | None = None,
) -> str:
    """An advance ship notice: goods on the way, expected on ``expected`` (per line the
    quantity shipped; lines not named ship what is confirmed, else ordered)."""
    with transaction(engine) as session:
        return ship_in(session, number, actor=actor, expected=expected, quantities=quantities)


def ship_in(
    session: Session,
    number: str,
    *,
    actor: str,
    expected: date,
    quantities: Mapping[int, float] | None = None,
    detail: Mapping[str, Any] | None = None,
) -> str:
    """:func:`ship` inside the caller's transaction. Quantities named are added to what
    earlier notices shipped on the line (several shipments per line); with none named the
    line ships what is confirmed, else ordered."""
    po = _order(session, number)
    before = po.status
    check_transition(number, before, "ship")
    quantities = quantities or {}
    lines = _open_lines_named(po, quantities)
    for line_no, line in lines.items():
        if line_no in quantities:
            if quantities[line_no] < 0:
                raise InvalidInputError(f"PO {number} line {line_no}: shipped qty must be >= 0")
            line.shipped_qty = (line.shipped_qty or 0.0) + quantities[line_no]
            line.expected_date = expected
        elif not quantities:
            line.shipped_qty = line.confirmed_qty if line.confirmed_qty is not None else line.qty
            line.expected_date = expected
    po.status = next_status(number, before, "ship")
    po.updated_at = datetime.now(UTC)
    _event(
        session,
        po,
        actor=actor,
        action="ship",
        before=before,
        detail={
            "expected": expected.isoformat(),
            "lines": {str(k): v for k, v in quantities.items()},
            **(detail or {}),
        },
    )
    return po.status.value


def apply_line_change(
    session: Session,
    line_id: int,
    kind: str,
    new_date: date | None,
    *,
    actor: str,
    proposal_id: int,
) -> str:
    """Apply an approved reschedule to an open line; returns the PO number."""
    line = session.get(PurchaseOrderLineRow, line_id)
    if line is None or line.cancelled:
        raise InvalidInputError(f"proposal {proposal_id}: its PO line is gone or cancelled")
    po = session.get(PurchaseOrderRow, line.po_id)
    assert po is not None
    before = po.status
    if kind == "cancel":
        check_transition(po.number, po.status, "cancel")
        line.cancelled = True
        if all(ln.cancelled for ln in po.lines):
            po.status = PurchaseOrderStatus.CANCELLED
        detail: dict[str, Any] = {"line": line.line_no, "proposal": proposal_id}
    else:
        if po.status not in (
            PurchaseOrderStatus.APPROVED,
            PurchaseOrderStatus.SENT,
            PurchaseOrderStatus.ACKNOWLEDGED,
        ):
            raise InvalidInputError(
                f"PO {po.number} is {po.status.value}: its dates can no longer be changed"
            )
        detail = {
            "line": line.line_no,
            "proposal": proposal_id,
            "from": str(line.need_date),
            "to": str(new_date),
        }
        line.need_date = new_date
    po.updated_at = datetime.now(UTC)
    _event(session, po, actor=actor, action=kind, before=before, detail=detail, line_id=line.id)
    return po.number


def _add_stock(session: Session, item_id: int, accepted: float, at: datetime) -> None:
    """Accepted units onto on hand, filling backorders first (one statement)."""
    table = InventoryRow.__table__
    col = table.c
    dialect = session.get_bind().dialect.name
    stmt = (
        (postgresql if dialect == "postgresql" else sqlite)
        .insert(table)
        .values(item_id=item_id, on_hand=accepted, allocated=0.0, backordered=0.0, as_of=at)
    )
    filled = case((col.backordered < accepted, col.backordered), else_=accepted)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["item_id"],
            set_={
                "on_hand": col.on_hand + accepted - filled,
                "backordered": col.backordered - filled,
            },
        )
    )


def receive(
    engine: Engine,
    number: str,
    line_no: int,
    qty: float,
    *,
    rejected: float = 0.0,
    inspection: str | None = None,
    receipt: str | None = None,
    received_on: date | None = None,
    note: str | None = None,
    actor: str = "cli",
) -> ReceiptResult:
    """Receive ``qty`` on a PO line, ``rejected`` of them failing inspection."""
    from takt.services.trigger import trigger_item

    if not qty > 0:
        raise InvalidInputError(f"received qty must be > 0 (got {qty!r})")
    if not 0 <= rejected <= qty:
        raise InvalidInputError(f"rejected qty must be within 0 and the received {qty:g}")
    expected = (
        InspectionResult.ACCEPTED
        if rejected == 0
        else InspectionResult.REJECTED
        if rejected == qty
        else InspectionResult.PARTIAL
    )
    result = InspectionResult(inspection) if inspection else expected
    if result is InspectionResult.PENDING:
        raise InvalidInputError("receive after inspection: give accepted, partial or rejected")
    if result is not expected:
        raise InvalidInputError(
            f"inspection {result.value!r} does not fit {rejected:g} rejected of {qty:g} "
            f"(that is {expected.value!r})"
        )
    received_on = received_on or datetime.now(UTC).date()
    with transaction(engine) as session:
        po = _order(session, number)
        line = _line(session, po, line_no)
        if receipt is not None:
            old = session.execute(
                select(
                    ReceiptRow.po_line_id, ReceiptRow.qty_received, ReceiptRow.qty_rejected
                ).where(ReceiptRow.number == receipt)
            ).first()
            if old is not None:
                if (old[0], old[1], old[2]) != (line.id, qty, rejected):
                    raise InvalidInputError(
                        f"receipt {receipt} is already stored with other content"
                    )
                return ReceiptResult(
                    receipt, number, line_no, qty - rejected, rejected, po.status.value, True, None
                )
        before = po.status
        check_transition(number, before, "receive")
        if line.cancelled:
            raise InvalidInputError(f"PO {number} line {line_no} is cancelled")
        delivered = float(
            session.execute(
                select(func.coalesce(func.sum(ReceiptRow.qty_received), 0.0)).where(
                    ReceiptRow.po_line_id == line.id
                )
            ).scalar_one()
        )
        open_qty = max(line.qty - delivered, 0.0)
        if qty > open_qty * (1 + OVER_DELIVERY_TOLERANCE) + 1e-9:
            raise InvalidInputError(
                f"PO {number} line {line_no}: receiving {qty:g} but only {open_qty:g} is open "
                f"(over-delivery tolerance {OVER_DELIVERY_TOLERANCE:.0%})"
            )
        count = session.execute(
            select(func.count()).select_from(ReceiptRow).where(ReceiptRow.po_line_id == line.id)
        ).scalar_one()
        number_text = receipt or f"R-{number}-{line_no}-{count + 1}"
        session.add(
            ReceiptRow(
                number=number_text,
                po_line_id=line.id,
                received_on=received_on,
                qty_received=qty,
                qty_rejected=rejected,
                inspection=result,
                note=note,
            )
        )
        accepted = qty - rejected
        if accepted > 0:
            _add_stock(session, line.item_id, accepted, datetime.now(UTC))
        session.flush()
        po.status = receive_status(number, before, fully_delivered=_fully_delivered(session, po))
        po.updated_at = datetime.now(UTC)
        _event(
            session,
            po,
            actor=actor,
            action="receive",
            before=before,
            line_id=line.id,
            detail={
                "receipt": number_text,
                "line": line_no,
                "received": qty,
                "rejected": rejected,
                "inspection": result.value,
            },
        )
        replacement = None
        if rejected > 0:
            triggered = trigger_item(
                session, line.item_id, as_of=received_on, actor=actor, source="receipt"
            )
            replacement = triggered.proposal_id
        return ReceiptResult(
            number_text, number, line_no, accepted, rejected, po.status.value, False, replacement
        )


def _fully_delivered(session: Session, po: PurchaseOrderRow) -> bool:
    delivered = dict(
        session.execute(
            select(ReceiptRow.po_line_id, func.sum(ReceiptRow.qty_received))
            .join(PurchaseOrderLineRow, PurchaseOrderLineRow.id == ReceiptRow.po_line_id)
            .where(PurchaseOrderLineRow.po_id == po.id)
            .group_by(ReceiptRow.po_line_id)
        ).all()
    )
    return all(
        delivered.get(line.id, 0.0) >= line.qty - 1e-9 for line in po.lines if not line.cancelled
    )


PO_COLUMNS = {
    "po": pl.Utf8,
    "supplier": pl.Utf8,
    "status": pl.Utf8,
    "order_date": pl.Date,
    "agreement_id": pl.Int64,
    "lines": pl.Int64,
    "value": pl.Float64,
}


def list_purchase_orders(
    engine: Engine,
    *,
    status: str | None = None,
    supplier: str | None = None,
    limit: int | None = None,
) -> pl.DataFrame:
    P, L = PurchaseOrderRow, PurchaseOrderLineRow
    query = (
        select(
            P.number,
            SupplierRow.code,
            P.status,
            P.order_date,
            P.agreement_id,
            func.count(L.id),
            func.sum(case((L.cancelled.is_(False), L.qty * L.unit_price), else_=0)),
        )
        .join(SupplierRow, SupplierRow.id == P.supplier_id)
        .outerjoin(L, L.po_id == P.id)
        .group_by(P.id, P.number, SupplierRow.code, P.status, P.order_date, P.agreement_id)
        .order_by(P.id.desc())
    )
    if status:
        known = [s.value for s in PurchaseOrderStatus]
        if status not in known:
            raise InvalidInputError(f"status: one of {', '.join(known)} (got {status!r})")
        query = query.where(P.status == PurchaseOrderStatus(status))
    if supplier:
        query = query.where(SupplierRow.code == supplier)
    if limit:
        query = query.limit(limit)
    with transaction(engine) as session:
        rows = [
            (r[0], r[1], r[2].value, r[3], r[4], r[5], float(r[6] or 0))
            for r in session.execute(query).all()
        ]
    return pl.DataFrame(rows, schema=PO_COLUMNS, orient="row")


LINE_COLUMNS = {
    "po": pl.Utf8,
    "line": pl.Int64,
    "supplier": pl.Utf8,
    "status": pl.Utf8,
    "order_date": pl.Date,
    "sku": pl.Utf8,
    "location": pl.Utf8,
    "qty": pl.Float64,
    "unit_price": pl.Float64,
    "need_date": pl.Date,
    "confirmed_qty": pl.Float64,
    "confirmed_date": pl.Date,
    "shipped_qty": pl.Float64,
    "expected_date": pl.Date,
    "received": pl.Float64,
    "rejected": pl.Float64,
    "cancelled": pl.Boolean,
    "reason": pl.Utf8,
}


def purchase_order_lines(engine: Engine, number: str | None = None) -> pl.DataFrame:
    """Every PO line (or one PO's) with what has been confirmed, shipped and received."""
    P, L = PurchaseOrderRow, PurchaseOrderLineRow
    received = (
        select(
            ReceiptRow.po_line_id.label("line_id"),
            func.sum(ReceiptRow.qty_received).label("received"),
            func.sum(ReceiptRow.qty_rejected).label("rejected"),
        )
        .group_by(ReceiptRow.po_line_id)
        .subquery()
    )
    query = (
        select(
            P.number,
            L.line_no,
            SupplierRow.code,
            P.status,
            P.order_date,
            ItemRow.sku,
            ItemRow.location,
            L.qty,
            L.unit_price,
            L.need_date,
            L.confirmed_qty,
            L.confirmed_date,
            L.shipped_qty,
            L.expected_date,
            func.coalesce(received.c.received, 0.0),
            func.coalesce(received.c.rejected, 0.0),
            L.cancelled,
            L.reason,
        )
        .join(P, P.id == L.po_id)
        .join(SupplierRow, SupplierRow.id == P.supplier_id)
        .join(ItemRow, ItemRow.id == L.item_id)
        .outerjoin(received, received.c.line_id == L.id)
        .order_by(P.id, L.line_no)
    )
    if number is not None:
        query = query.where(P.number == number)
    with transaction(engine) as session:
        rows = [(*r[:3], r[3].value, *r[4:8], float(r[8]), *r[9:]) for r in session.execute(query)]
    return pl.DataFrame(rows, schema=LINE_COLUMNS, orient="row")


def show_purchase_order(
    engine: Engine, number: str
) -> tuple[dict[str, Any], pl.DataFrame, pl.DataFrame]:
    """A PO's header, lines and audit trail."""
    with transaction(engine) as session:
        po = _order(session, number, lock=False)
        supplier = session.get(SupplierRow, po.supplier_id)
        assert supplier is not None
        header = {
            "po": po.number,
            "supplier": supplier.code,
            "supplier_name": supplier.name,
            "status": po.status.value,
            "order_date": po.order_date,
            "channel": supplier.edi_preference.value,
        }
        trail = session.execute(
            select(
                PurchaseOrderEventRow.at,
                PurchaseOrderEventRow.actor,
                PurchaseOrderEventRow.action,
                PurchaseOrderEventRow.from_status,
                PurchaseOrderEventRow.to_status,
            )
            .where(PurchaseOrderEventRow.po_id == po.id)
            .order_by(PurchaseOrderEventRow.id)
        ).all()
        events = pl.DataFrame(
            [(at.isoformat(timespec="seconds"), *rest) for at, *rest in trail],
            schema={
                "at": pl.Utf8,
                "actor": pl.Utf8,
                "action": pl.Utf8,
                "from_status": pl.Utf8,
                "to_status": pl.Utf8,
            },
            orient="row",
        )
    return header, purchase_order_lines(engine, number), events
