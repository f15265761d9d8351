"""The business documents Takt exchanges with suppliers, independent of syntax.

X12 (``takt.edi.x12``) and EDIFACT (``takt.edi.edifact``) both encode and decode
these dataclasses, so the services that send purchase orders and apply
acknowledgements, ship notices and invoices never see a segment. One
:class:`Interchange` is one envelope (ISA..IEA or UNB..UNZ) holding documents of
one kind or several.

Mapping (X12 004010 / EDIFACT D96A):

==============================  ==========  ==========
document                        X12         EDIFACT
==============================  ==========  ==========
:class:`PurchaseOrderDoc`       850 / 860   ORDERS / ORDCHG
:class:`OrderResponseDoc`       855         ORDRSP
:class:`ShipNoticeDoc`          856         DESADV
:class:`InvoiceDoc`             810         INVOIC
:class:`FunctionalAckDoc`       997         CONTRL
==============================  ==========  ==========

Quantities are floats (units of the line's ``uom``); money is ``Decimal``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from takt.errors import TaktError


class OrderPurpose(StrEnum):
    """Why a purchase-order document is sent (850 BEG01 / ORDERS BGM 1225)."""

    ORIGINAL = "original"  # 850 BEG01=00, ORDERS BGM 1225=9
    CHANGE = "change"  # 860 BCH01=04, ORDCHG BGM 1225=4
    CANCEL = "cancel"  # 860 BCH01=01, ORDCHG BGM 1225=1


class LineChange(StrEnum):
    """What a change order does to one line (860 POC02 / ORDCHG LIN 1229)."""

    ADD = "add"  # POC02=AI, LIN 1229=1
    CHANGE = "change"  # POC02=QD/CA..., LIN 1229=3
    DELETE = "delete"  # POC02=DI, LIN 1229=2
    UNCHANGED = "unchanged"  # not sent in a change order


class AckLineStatus(StrEnum):
    """A supplier's answer for one order line (855 ACK01 / ORDRSP LIN 1229)."""

    ACCEPTED = "accepted"  # ACK01=IA, LIN 1229=5
    CHANGED = "changed"  # ACK01=IC (or DR/IQ), LIN 1229=3
    REJECTED = "rejected"  # ACK01=IR, LIN 1229=7


@dataclass(frozen=True, slots=True)
class Envelope:
    """Interchange envelope: who sends to whom, and the control numbers.

    ``sender_id``/``receiver_id`` are partner ids (at most 15 characters for X12,
    35 for EDIFACT). ``control_number`` is the interchange control number
    (ISA13 / UNB 0020); it must be unique per partner and is persisted by the
    service. ``group_control_number`` is GS06 (X12 only; defaults to the
    interchange number). Transaction-set / message references (ST02 / UNH 0062)
    are numbered 1..n inside the interchange by the encoder.
    """

    sender_id: str
    receiver_id: str
    control_number: int
    prepared_at: datetime
    group_control_number: int | None = None
    test: bool = False


@dataclass(frozen=True, slots=True)
class OrderLineDoc:
    line_no: int
    sku: str
    location: str
    qty: float
    unit_price: Decimal
    uom: str = "EA"
    need_date: date | None = None
    supplier_part: str | None = None
    change: LineChange = LineChange.UNCHANGED


@dataclass(frozen=True, slots=True)
class PurchaseOrderDoc:
    """A purchase order (850/ORDERS) or a change to one (860/ORDCHG)."""

    po_number: str
    order_date: date
    buyer_id: str
    supplier_id: str
    lines: tuple[OrderLineDoc, ...]
    purpose: OrderPurpose = OrderPurpose.ORIGINAL
    currency: str = "EUR"
    agreement_number: str | None = None
    change_sequence: int = 0  # 860 BCH05 / ORDCHG document version; 0 for originals


@dataclass(frozen=True, slots=True)
class AckLineDoc:
    line_no: int
    status: AckLineStatus
    qty: float  # quantity the supplier confirms (0 when rejected)
    sku: str = ""
    delivery_date: date | None = None  # confirmed date
    unit_price: Decimal | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class OrderResponseDoc:
    """Purchase-order acknowledgement (855/ORDRSP)."""

    po_number: str
    response_date: date
    lines: tuple[AckLineDoc, ...]
    supplier_ref: str = ""


@dataclass(frozen=True, slots=True)
class ShipLineDoc:
    line_no: int  # the PO line shipped against
    sku: str
    qty: float
    uom: str = "EA"


@dataclass(frozen=True, slots=True)
class ShipNoticeDoc:
    """Advance ship notice (856/DESADV): one shipment against one PO."""

    shipment_id: str
    po_number: str
    ship_date: date
    expected_arrival: date
    lines: tuple[ShipLineDoc, ...]
    carrier: str = ""
    tracking: str = ""


@dataclass(frozen=True, slots=True)
class InvoiceLineDoc:
    line_no: int  # the PO line invoiced
    sku: str
    qty: float
    unit_price: Decimal
    uom: str = "EA"


@dataclass(frozen=True, slots=True)
class InvoiceDoc:
    """Invoice (810/INVOIC) against one PO; ``total`` is TDS / MOA 86 as sent."""

    invoice_number: str
    invoice_date: date
    po_number: str
    lines: tuple[InvoiceLineDoc, ...]
    total: Decimal
    currency: str = "EUR"


@dataclass(frozen=True, slots=True)
class EdiError:
    """One problem in a received interchange, precise enough for a person to fix.

    ``segment`` is the tag (``"SE"``, ``"UNT"``), ``position`` the 1-based
    segment position in the interchange, ``element`` the 1-based element
    position (``None`` for a whole segment), ``code`` the error code reported
    in the 997 (AK304/AK403) or CONTRL (UCS/UCD 0085).
    """

    segment: str
    position: int
    message: str
    element: int | None = None
    code: str = ""

    def __str__(self) -> str:
        where = f"segment {self.segment} at position {self.position}"
        if self.element is not None:
            where += f", element {self.element}"
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class FunctionalAckDoc:
    """997/CONTRL: accepted or rejected, with the errors, for one received interchange."""

    acknowledged_control_number: int
    accepted: bool
    errors: tuple[EdiError, ...] = ()
    acknowledged_group_control_number: int | None = None  # X12 only
    acknowledged_set_ids: tuple[str, ...] = ()  # e.g. ("850",) or ("ORDERS",)


Document = PurchaseOrderDoc | OrderResponseDoc | ShipNoticeDoc | InvoiceDoc | FunctionalAckDoc


@dataclass(frozen=True, slots=True)
class Interchange:
    envelope: Envelope
    documents: tuple[Document, ...] = field(default_factory=tuple)


class EdiRejected(TaktError, ValueError):
    """A received interchange broke the syntax or the envelope rules.

    Carries every error found and as much of the envelope as could be read, so
    the caller can answer with a negative 997/CONTRL and apply nothing.
    """

    def __init__(
        self,
        errors: list[EdiError] | tuple[EdiError, ...],
        *,
        sender_id: str | None = None,
        receiver_id: str | None = None,
        control_number: int | None = None,
        group_control_number: int | None = None,
        set_ids: tuple[str, ...] = (),
    ) -> None:
        self.errors = tuple(errors)
        self.sender_id = sender_id
        self.receiver_id = receiver_id
        self.control_number = control_number
        self.group_control_number = group_control_number
        self.set_ids = set_ids
        first = str(self.errors[0]) if self.errors else "unknown error"
        more = f" (and {len(self.errors) - 1} more)" if len(self.errors) > 1 else ""
        super().__init__(f"EDI interchange rejected: {first}{more}")
