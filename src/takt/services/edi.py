"""EDI with suppliers: purchase orders out, acknowledgements, ship notices and invoices in.

Out: an approved PO goes to its supplier as an X12 850 or an EDIFACT ORDERS, by the
supplier's preference; a change to a PO already sent goes as an 860 / ORDCHG built from
the difference between the lines now and the lines last sent. Every interchange sent
takes the next control number towards its partner, recorded in ``edi_interchanges``
where a unique key makes a reused number impossible even under concurrency.

In: one interchange is decoded (syntax and envelope checked by :mod:`takt.edi.x12` or
:mod:`takt.edi.edifact`), then checked against the store (known partner, addressed to
us, not a repeat, every PO known and the supplier's own) and applied in one transaction:
855/ORDRSP confirm PO lines, 856/DESADV put quantities in transit with an expected
arrival the plan uses, 810/INVOIC are matched three ways (PO price, received quantity,
total) and held for a person on a mismatch, 997/CONTRL mark our interchange accepted or
rejected. Any problem rejects the whole interchange: nothing of it is applied, and the
answer is a negative 997/CONTRL naming the segment and the error. Every inbound
interchange is answered, and every answer is itself recorded as sent.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from types import ModuleType
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from takt.config import get_settings
from takt.domain.enums import EdiPreference, InspectionResult, PurchaseOrderStatus
from takt.edi import edifact, x12
from takt.edi.documents import (
    EdiError,
    EdiRejected,
    Envelope,
    FunctionalAckDoc,
    Interchange,
    InvoiceDoc,
    LineChange,
    OrderLineDoc,
    OrderPurpose,
    OrderResponseDoc,
    PurchaseOrderDoc,
    ShipNoticeDoc,
)
from takt.errors import InvalidInputError, NotFoundError, TaktError
from takt.replenish.lifecycle import next_status
from takt.services.purchasing import _event, _order, acknowledge_in, ship_in
from takt.store.db import transaction
from takt.store.models import (
    AgreementRow,
    EdiInterchangeRow,
    InvoiceLineRow,
    InvoiceRow,
    ItemRow,
    PurchaseOrderLineRow,
    PurchaseOrderRow,
    ReceiptRow,
    SupplierRow,
)

STANDARDS: dict[str, ModuleType] = {"x12": x12, "edifact": edifact}
# Set ids named in the interchange log, per document class and standard.
_SET_IDS = {
    ("x12", "original"): "850",
    ("x12", "change"): "860",
    ("edifact", "original"): "ORDERS",
    ("edifact", "change"): "ORDCHG",
}
_HEADER_TAGS = {
    "x12": {"OrderResponseDoc": "BAK", "ShipNoticeDoc": "BSN", "InvoiceDoc": "BIG",
            "FunctionalAckDoc": "AK1", "PurchaseOrderDoc": "BEG"},
    "edifact": {"OrderResponseDoc": "BGM", "ShipNoticeDoc": "BGM", "InvoiceDoc": "BGM",
                "FunctionalAckDoc": "UCI", "PurchaseOrderDoc": "BGM"},
}  # fmt: skip


@dataclass(frozen=True)
class SentInterchange:
    po: str
    standard: str
    partner: str
    control_number: int
    document_type: str
    text: str


@dataclass(frozen=True)
class ReceivedInterchange:
    standard: str
    partner: str | None
    control_number: int | None
    accepted: bool
    answer: str
    errors: tuple[str, ...] = ()
    applied: tuple[str, ...] = field(default_factory=tuple)


class _Refused(TaktError):
    """A business check failed on a decoded interchange: reject it whole."""

    def __init__(self, errors: list[EdiError]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


def detect_standard(text: str) -> str:
    """``x12`` for an ISA envelope, ``edifact`` for UNA/UNB; anything else is refused."""
    head = text.lstrip("\ufeff \r\n\t")[:3]
    if head == "ISA":
        return "x12"
    if head in ("UNA", "UNB"):
        return "edifact"
    raise InvalidInputError(
        f"not an EDI interchange: it starts with {head!r}, not ISA (X12) or UNA/UNB (EDIFACT)"
    )


def partner_id(supplier: SupplierRow) -> str:
    return supplier.edi_id or supplier.code


def _next_control_number(session: Session, standard: str, partner: str) -> int:
    last = session.execute(
        select(func.max(EdiInterchangeRow.control_number)).where(
            EdiInterchangeRow.direction == "out",
            EdiInterchangeRow.standard == standard,
            EdiInterchangeRow.partner == partner,
        )
    ).scalar()
    return int(last or 0) + 1


def _record_out(
    session: Session,
    *,
    standard: str,
    supplier_id: int | None,
    partner: str,
    control_number: int,
    document_type: str,
    text: str,
    actor: str,
    detail: dict[str, Any],
) -> EdiInterchangeRow:
    row = EdiInterchangeRow(
        direction="out",
        standard=standard,
        supplier_id=supplier_id,
        partner=partner,
        control_number=control_number,
        dedupe_key=f"out:{standard}:{partner}:{control_number}",
        document_types=document_type,
        status="sent",
        actor=actor,
        payload=text,
        detail=detail,
    )
    session.add(row)
    session.flush()
    return row


def _standard_of(supplier: SupplierRow) -> str:
    if supplier.edi_preference not in (EdiPreference.X12, EdiPreference.EDIFACT):
        raise InvalidInputError(
            f"supplier {supplier.code} takes purchase orders by "
            f"{supplier.edi_preference.value}, not EDI (set edi_preference to x12 or edifact)"
        )
    return supplier.edi_preference.value


def _line_snapshot(line: PurchaseOrderLineRow) -> dict[str, Any]:
    return {
        "qty": line.qty,
        "price": str(line.unit_price),
        "need_date": line.need_date.isoformat() if line.need_date else None,
        "cancelled": line.cancelled,
    }


def _order_lines(
    session: Session, po: PurchaseOrderRow, changes: dict[int, LineChange] | None
) -> tuple[OrderLineDoc, ...]:
    items = dict(
        session.execute(
            select(ItemRow.id, ItemRow).where(ItemRow.id.in_([ln.item_id for ln in po.lines]))
        ).all()
    )
    out = []
    for line in po.lines:
        change = LineChange.UNCHANGED if changes is None else changes.get(line.line_no)
        if change is None or (changes is None and line.cancelled):
            continue
        item = items[line.item_id]
        out.append(
            OrderLineDoc(
                line_no=line.line_no,
                sku=item.sku,
                location=item.location,
                qty=float(line.qty),
                unit_price=Decimal(line.unit_price),
                uom=item.uom,
                need_date=line.need_date,
                change=change,
            )
        )
    return tuple(out)


def send_purchase_order(
    engine: Engine, number: str, *, actor: str, now: datetime | None = None
) -> SentInterchange:
    """Send PO ``number`` by EDI: an approved PO as 850/ORDERS (and it becomes ``sent``);
    a PO already sent whose lines changed since as 860/ORDCHG (a cancelled PO as a
    cancellation). Refused when there is nothing to send."""
    now = now or datetime.now(UTC)
    with transaction(engine) as session:
        po = _order(session, number)
        supplier = session.get(SupplierRow, po.supplier_id)
        assert supplier is not None
        standard = _standard_of(supplier)
        partner = partner_id(supplier)
        last = session.execute(
            select(EdiInterchangeRow)
            .where(
                EdiInterchangeRow.direction == "out",
                EdiInterchangeRow.supplier_id == supplier.id,
                EdiInterchangeRow.detail["po"].as_string() == number,
            )
            .order_by(EdiInterchangeRow.id.desc())
            .limit(1)
        ).scalar()
        agreement = (
            session.get(AgreementRow, po.agreement_id) if po.agreement_id is not None else None
        )
        snapshot = {str(ln.line_no): _line_snapshot(ln) for ln in po.lines}
        if po.status is PurchaseOrderStatus.APPROVED:
            purpose, changes = OrderPurpose.ORIGINAL, None
            sequence = 0
        elif last is None:
            raise InvalidInputError(
                f"PO {number} is {po.status.value}; only approved POs are sent "
                "(and changes to POs sent by EDI)"
            )
        else:
            before = last.detail.get("lines", {})
            changes = {}
            for key, now_line in snapshot.items():
                was = before.get(key)
                if was is None:
                    changes[int(key)] = LineChange.ADD
                elif now_line["cancelled"] and not was["cancelled"]:
                    changes[int(key)] = LineChange.DELETE
                elif now_line != was:
                    changes[int(key)] = LineChange.CHANGE
            cancelled = po.status is PurchaseOrderStatus.CANCELLED
            if not changes and not cancelled:
                raise InvalidInputError(f"PO {number} has not changed since it was last sent")
            purpose = OrderPurpose.CANCEL if cancelled else OrderPurpose.CHANGE
            sequence = int(last.detail.get("sequence", 0)) + 1
        document = PurchaseOrderDoc(
            po_number=po.number,
            order_date=po.order_date,
            buyer_id=get_settings().edi_id,
            supplier_id=partner,
            lines=_order_lines(session, po, changes),
            purpose=purpose,
            currency=po.currency,
            agreement_number=agreement.number if agreement is not None else None,
            change_sequence=sequence,
        )
        control = _next_control_number(session, standard, partner)
        envelope = Envelope(get_settings().edi_id, partner, control, now)
        text = STANDARDS[standard].encode(Interchange(envelope, (document,)))
        kind = _SET_IDS[(standard, "original" if sequence == 0 else "change")]
        _record_out(
            session,
            standard=standard,
            supplier_id=supplier.id,
            partner=partner,
            control_number=control,
            document_type=kind,
            text=text,
            actor=actor,
            detail={"po": number, "lines": snapshot, "sequence": sequence},
        )
        if po.status is PurchaseOrderStatus.APPROVED:
            before_status = po.status
            po.status = next_status(number, before_status, "send")
            po.updated_at = now
            _event(
                session,
                po,
                actor=actor,
                action="send",
                before=before_status,
                detail={"channel": standard, "control_number": control, "document": kind},
            )
        else:
            _event(
                session,
                po,
                actor=actor,
                action="send_change",
                before=po.status,
                detail={"channel": standard, "control_number": control, "document": kind},
            )
        return SentInterchange(number, standard, partner, control, kind, text)


# ----------------------------------------------------------------------------- inbound


def _segment_tags(text: str, standard: str) -> list[str]:
    """The tag of every segment of the interchange, in order (position = index + 1)."""
    body = text.lstrip("\ufeff \r\n\t")
    if standard == "x12":
        if len(body) < 106:
            return []
        element, terminator = body[3], body[105]
        return [s.strip().split(element)[0] for s in body.split(terminator) if s.strip()]
    segments = re.split(r"(?<!\?)'", body)
    return [re.split(r"(?<!\?)\+", s.strip())[0] for s in segments if s.strip()]


def _header_position(text: str, standard: str, tag: str, ordinal: int) -> int:
    """Position of the ``ordinal``-th ``tag`` segment: where a refused document starts."""
    seen = 0
    for position, found in enumerate(_segment_tags(text, standard), start=1):
        if found == tag:
            seen += 1
            if seen == ordinal:
                return position
    return 1


def _reply_envelope(session: Session, standard: str, partner: str, now: datetime) -> Envelope:
    control = _next_control_number(session, standard, partner)
    return Envelope(get_settings().edi_id, partner, control, now)


def receive_interchange(
    engine: Engine, text: str, *, actor: str, now: datetime | None = None
) -> ReceivedInterchange:
    """Decode, check and apply one inbound interchange; always returns the answer."""
    now = now or datetime.now(UTC)
    standard = detect_standard(text)
    codec = STANDARDS[standard]
    try:
        interchange: Interchange = codec.decode(text)
    except EdiRejected as rejected:
        return _reject(engine, standard, text, rejected, list(rejected.errors), actor, now)
    envelope = interchange.envelope
    try:
        with transaction(engine) as session:
            applied = _apply(session, standard, text, interchange, actor, now)
            supplier = _supplier_by_partner(session, envelope.sender_id)
            inbound = EdiInterchangeRow(
                direction="in",
                standard=standard,
                supplier_id=supplier.id,
                partner=envelope.sender_id,
                control_number=envelope.control_number,
                dedupe_key=f"in:{standard}:{envelope.sender_id}:{envelope.control_number}",
                document_types=",".join(sorted(set(_set_ids(interchange, standard)))),
                status="applied",
                actor=actor,
                payload=text,
                detail={"applied": applied},
            )
            session.add(inbound)
            session.flush()
            answer = _answer(session, standard, interchange, envelope.sender_id, supplier.id, now)
            inbound.answer = answer or None
            return ReceivedInterchange(
                standard,
                envelope.sender_id,
                envelope.control_number,
                True,
                answer,
                applied=tuple(applied),
            )
    except _Refused as refused:
        error = EdiRejected(
            refused.errors,
            sender_id=envelope.sender_id,
            receiver_id=envelope.receiver_id,
            control_number=envelope.control_number,
            group_control_number=envelope.group_control_number or envelope.control_number,
            set_ids=_set_ids(interchange, standard),
        )
        return _reject(engine, standard, text, error, refused.errors, actor, now)
    except IntegrityError:  # the same interchange applied concurrently: refuse the repeat
        error = EdiRejected(
            [_repeat_error(standard, envelope.sender_id, envelope.control_number)],
            sender_id=envelope.sender_id,
            receiver_id=envelope.receiver_id,
            control_number=envelope.control_number,
            group_control_number=envelope.group_control_number or envelope.control_number,
            set_ids=_set_ids(interchange, standard),
        )
        return _reject(engine, standard, text, error, list(error.errors), actor, now)


def _set_ids(interchange: Interchange, standard: str) -> tuple[str, ...]:
    names = {
        "OrderResponseDoc": ("855", "ORDRSP"),
        "ShipNoticeDoc": ("856", "DESADV"),
        "InvoiceDoc": ("810", "INVOIC"),
        "FunctionalAckDoc": ("997", "CONTRL"),
        "PurchaseOrderDoc": ("850", "ORDERS"),
    }
    which = 0 if standard == "x12" else 1
    return tuple(names[type(d).__name__][which] for d in interchange.documents)


def _answer(
    session: Session,
    standard: str,
    received: Interchange | EdiRejected,
    partner: str,
    supplier_id: int | None,
    now: datetime,
) -> str:
    """Our 997/CONTRL to ``received``, recorded as sent; "" where none is due: an
    acknowledgement is never acknowledged, and an interchange whose envelope could not be
    read at all has no reference to answer (X12 would need a TA1)."""
    if isinstance(received, Interchange) and all(
        isinstance(d, FunctionalAckDoc) for d in received.documents
    ):
        return ""
    codec = STANDARDS[standard]
    envelope = _reply_envelope(session, standard, partner, now)
    try:
        reply = codec.functional_ack(received, envelope=envelope)
    except InvalidInputError:
        return ""
    text: str = codec.encode(reply)
    _record_out(
        session,
        standard=standard,
        supplier_id=supplier_id,
        partner=partner,
        control_number=envelope.control_number,
        document_type="997" if standard == "x12" else "CONTRL",
        text=text,
        actor="takt",
        detail={"answers": _control_of(received)},
    )
    return text


def _control_of(received: Interchange | EdiRejected) -> int | None:
    if isinstance(received, Interchange):
        return received.envelope.control_number
    return received.control_number


def _reject(
    engine: Engine,
    standard: str,
    text: str,
    rejected: EdiRejected,
    errors: Sequence[EdiError],
    actor: str,
    now: datetime,
) -> ReceivedInterchange:
    """Record the refused interchange and answer it negatively (nothing else is written)."""
    partner = rejected.sender_id or "UNKNOWN"
    with transaction(engine) as session:
        supplier = session.execute(
            select(SupplierRow).where(
                (SupplierRow.edi_id == partner)
                | ((SupplierRow.edi_id.is_(None)) & (SupplierRow.code == partner))
            )
        ).scalar()
        answer = _answer(
            session, standard, rejected, partner, supplier.id if supplier else None, now
        )
        session.add(
            EdiInterchangeRow(
                direction="in",
                standard=standard,
                supplier_id=supplier.id if supplier else None,
                partner=partner,
                control_number=rejected.control_number or 0,
                dedupe_key=None,
                document_types=",".join(rejected.set_ids) or "?",
                status="rejected",
                actor=actor,
                payload=text,
                answer=answer or None,
                errors=[str(e) for e in errors],
                detail={},
            )
        )
    return ReceivedInterchange(
        standard,
        rejected.sender_id,
        rejected.control_number,
        False,
        answer,
        errors=tuple(str(e) for e in errors),
    )


def _repeat_error(standard: str, partner: str, control: int) -> EdiError:
    segment, element = ("ISA", 13) if standard == "x12" else ("UNB", 5)
    return EdiError(
        segment,
        1,
        f"interchange control number {control} from {partner} was already received",
        element=element,
        code="025" if standard == "x12" else "26",
    )


def _supplier_by_partner(session: Session, partner: str) -> SupplierRow:
    supplier = session.execute(
        select(SupplierRow).where(
            (SupplierRow.edi_id == partner)
            | ((SupplierRow.edi_id.is_(None)) & (SupplierRow.code == partner))
        )
    ).scalar()
    if supplier is None:
        raise NotFoundError(partner)
    return supplier


def _apply(
    session: Session,
    standard: str,
    text: str,
    interchange: Interchange,
    actor: str,
    now: datetime,
) -> list[str]:
    envelope = interchange.envelope
    sender_at = ("ISA", 6) if standard == "x12" else ("UNB", 2)
    receiver_at = ("ISA", 8) if standard == "x12" else ("UNB", 3)
    try:
        supplier = _supplier_by_partner(session, envelope.sender_id)
    except NotFoundError:
        raise _Refused(
            [EdiError(sender_at[0], 1, f"unknown sender {envelope.sender_id!r}", sender_at[1])]
        ) from None
    if envelope.receiver_id != get_settings().edi_id:
        raise _Refused(
            [
                EdiError(
                    receiver_at[0],
                    1,
                    f"addressed to {envelope.receiver_id!r}, not to us ({get_settings().edi_id!r})",
                    receiver_at[1],
                )
            ]
        )
    repeat = session.execute(
        select(EdiInterchangeRow.id).where(
            EdiInterchangeRow.dedupe_key
            == f"in:{standard}:{envelope.sender_id}:{envelope.control_number}"
        )
    ).scalar()
    if repeat is not None:
        raise _Refused([_repeat_error(standard, envelope.sender_id, envelope.control_number)])
    applied: list[str] = []
    ordinals: dict[str, int] = {}
    who = f"edi:{supplier.code}"
    for document in interchange.documents:
        kind = type(document).__name__
        ordinals[kind] = ordinals.get(kind, 0) + 1
        tag = _HEADER_TAGS[standard][kind]
        position = _header_position(text, standard, tag, ordinals[kind])
        try:
            applied.append(_apply_one(session, supplier, document, who, now))
        except (InvalidInputError, NotFoundError) as error:
            raise _Refused([EdiError(tag, position, str(error), code="")]) from None
    return applied


def _po_of(session: Session, supplier: SupplierRow, number: str) -> PurchaseOrderRow:
    po = _order(session, number)
    if po.supplier_id != supplier.id:
        raise NotFoundError(f"PO {number} is not an order to {supplier.code}")
    return po


def _apply_one(
    session: Session, supplier: SupplierRow, document: object, who: str, now: datetime
) -> str:
    if isinstance(document, OrderResponseDoc):
        po = _po_of(session, supplier, document.po_number)
        confirmations = {
            ln.line_no: (ln.qty if ln.status.value != "rejected" else 0.0, ln.delivery_date)
            for ln in document.lines
        }
        reasons = {str(ln.line_no): ln.reason for ln in document.lines if ln.reason}
        status = acknowledge_in(
            session,
            po.number,
            actor=who,
            confirmations=confirmations,
            detail={
                "edi": True,
                "statuses": {str(ln.line_no): ln.status.value for ln in document.lines},
                "reasons": reasons,
            },
        )
        return f"PO {po.number} acknowledged ({status})"
    if isinstance(document, ShipNoticeDoc):
        po = _po_of(session, supplier, document.po_number)
        quantities: dict[int, float] = {}
        for ln in document.lines:
            quantities[ln.line_no] = quantities.get(ln.line_no, 0.0) + ln.qty
        ship_in(
            session,
            po.number,
            actor=who,
            expected=document.expected_arrival,
            quantities=quantities,
            detail={"shipment": document.shipment_id, "tracking": document.tracking},
        )
        return f"PO {po.number} shipment {document.shipment_id} due {document.expected_arrival}"
    if isinstance(document, InvoiceDoc):
        return _match_invoice(session, supplier, document)
    if isinstance(document, FunctionalAckDoc):
        ours = session.execute(
            select(EdiInterchangeRow).where(
                EdiInterchangeRow.direction == "out",
                EdiInterchangeRow.supplier_id == supplier.id,
                EdiInterchangeRow.control_number == document.acknowledged_control_number,
            )
        ).scalar()
        if ours is None:
            raise NotFoundError(
                f"no interchange {document.acknowledged_control_number} was sent to {supplier.code}"
            )
        ours.status = "accepted" if document.accepted else "rejected"
        ours.errors = [str(e) for e in document.errors] or None
        return f"interchange {ours.control_number} {ours.status} by {supplier.code}"
    raise InvalidInputError(f"Takt does not accept {type(document).__name__} from suppliers")


def _match_invoice(session: Session, supplier: SupplierRow, doc: InvoiceDoc) -> str:
    """Three-way match: each line against its PO line's price and the accepted receipts;
    the total against the lines. A mismatch holds the invoice for a person."""
    settings = get_settings()
    po = _po_of(session, supplier, doc.po_number)
    exists = session.execute(
        select(InvoiceRow.id).where(
            InvoiceRow.supplier_id == supplier.id, InvoiceRow.number == doc.invoice_number
        )
    ).scalar()
    if exists is not None:
        raise InvalidInputError(f"invoice {doc.invoice_number} was already received")
    lines = {ln.line_no: ln for ln in po.lines}
    accepted = dict(
        session.execute(
            select(
                ReceiptRow.po_line_id,
                func.sum(ReceiptRow.qty_received - ReceiptRow.qty_rejected),
            )
            .where(
                ReceiptRow.po_line_id.in_([ln.id for ln in po.lines]),
                ReceiptRow.inspection != InspectionResult.PENDING,
            )
            .group_by(ReceiptRow.po_line_id)
        ).all()
    )
    invoiced_before = dict(
        session.execute(
            select(InvoiceLineRow.po_line_id, func.sum(InvoiceLineRow.qty))
            .join(InvoiceRow, InvoiceRow.id == InvoiceLineRow.invoice_id)
            .where(InvoiceRow.po_id == po.id)
            .group_by(InvoiceLineRow.po_line_id)
        ).all()
    )
    invoice = InvoiceRow(
        number=doc.invoice_number,
        supplier_id=supplier.id,
        po_id=po.id,
        invoice_date=doc.invoice_date,
        currency=doc.currency,
        total=doc.total,
        status="matched",
        reasons=[],
    )
    reasons: list[str] = []
    computed = Decimal(0)
    for ln in doc.lines:
        line = lines.get(ln.line_no)
        if line is None:
            raise NotFoundError(f"PO {po.number} has no line {ln.line_no}")
        computed += Decimal(str(ln.qty)) * ln.unit_price
        why = []
        price = Decimal(line.unit_price)
        tolerance = price * Decimal(str(settings.invoice_price_tolerance_pct)) / 100
        if abs(ln.unit_price - price) > tolerance:
            why.append(f"price {ln.unit_price.normalize()} against the PO's {price.normalize()}")
        received = float(accepted.get(line.id) or 0.0)
        billed = float(invoiced_before.get(line.id) or 0.0) + ln.qty
        allowed = received * (1 + settings.invoice_qty_tolerance_pct / 100)
        if billed > allowed + 1e-9:
            why.append(f"{billed:g} invoiced against {received:g} received and accepted")
        invoice.lines.append(
            InvoiceLineRow(
                line_no=ln.line_no,
                po_line_id=line.id,
                qty=ln.qty,
                unit_price=ln.unit_price,
                matched=not why,
                reason="; ".join(why),
            )
        )
        reasons += [f"line {ln.line_no}: {w}" for w in why]
    if abs(computed - doc.total) > Decimal(str(settings.invoice_total_tolerance)):
        reasons.append(f"total {doc.total} is not the sum of the lines {computed}")
    if doc.currency and po.currency != doc.currency:  # X12 may leave CUR out
        reasons.append(f"currency {doc.currency}, the PO is in {po.currency}")
    invoice.status = "held" if reasons else "matched"
    invoice.reasons = reasons
    session.add(invoice)
    return f"invoice {doc.invoice_number} {invoice.status}" + (
        f" ({'; '.join(reasons)})" if reasons else ""
    )


def list_invoices(engine: Engine, *, status: str | None = None) -> list[dict[str, Any]]:
    with transaction(engine) as session:
        query = (
            select(InvoiceRow, SupplierRow.code, PurchaseOrderRow.number)
            .join(SupplierRow, SupplierRow.id == InvoiceRow.supplier_id)
            .join(PurchaseOrderRow, PurchaseOrderRow.id == InvoiceRow.po_id)
            .order_by(InvoiceRow.id)
        )
        if status:
            query = query.where(InvoiceRow.status == status)
        return [
            {
                "invoice": inv.number,
                "supplier": code,
                "po": po,
                "date": inv.invoice_date,
                "total": inv.total,
                "currency": inv.currency,
                "status": inv.status,
                "reasons": "; ".join(inv.reasons),
            }
            for inv, code, po in session.execute(query).all()
        ]


def list_interchanges(engine: Engine, *, limit: int = 50) -> list[dict[str, Any]]:
    with transaction(engine) as session:
        rows = session.execute(
            select(EdiInterchangeRow).order_by(EdiInterchangeRow.id.desc()).limit(limit)
        ).scalars()
        return [
            {
                "id": r.id,
                "direction": r.direction,
                "standard": r.standard,
                "partner": r.partner,
                "control": r.control_number,
                "documents": r.document_types,
                "status": r.status,
                "errors": "; ".join(r.errors or []),
            }
            for r in rows
        ]
