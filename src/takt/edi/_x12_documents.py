"""Business documents as X12 004010 transaction sets: 850, 860, 855, 856 and 810.

Each ``encode_*`` writes the segments between ST and SE; each ``decode_*`` reads
them back into the same dataclass, or returns ``None`` after recording errors
on the :class:`SetReader`. Segment and element names follow the X12 004010
transaction set tables:

* 850 Purchase Order: BEG, CUR, REF*CT, N1*BY, N1*SE, then per line PO1
  (PO101 line, PO102 quantity, PO103 unit, PO104 price, PO106/107 ``BP`` buyer
  part = SKU, PO108/109 ``VP`` vendor part), DTM*002 (delivery requested) and
  ``N1*ST**92*<location>`` (ship-to inside the PO1 loop); CTT line count.
* 860 Purchase Order Change Request - Buyer Initiated: BCH (01 cancel, 04
  change; BCH05 change sequence), the same header, POC lines (POC02 change
  code, POC03 quantity, POC05 unit, POC06 price, POC08.. product ids), CTT.
* 855 Purchase Order Acknowledgment: BAK, then per line PO1 (line, price, SKU),
  ACK (ACK01 IA/IC/IR, ACK02/03 quantity and unit, ACK04/05 ``067`` current
  schedule delivery date) and N9*L1 + MSG for the reason; CTT.
* 856 Ship Notice/Manifest: BSN, DTM*011 shipped and DTM*017 estimated
  delivery, HL shipment level (TD5 carrier, REF*CN carrier reference), HL order
  level (PRF purchase order), HL item levels (LIN with the PO line number in
  LIN01 and BP SKU, SN1 quantity and unit); CTT number of HL segments.
* 810 Invoice: BIG (BIG01 date, BIG02 invoice number, BIG04 PO number), CUR*SE,
  IT1 lines (IT101 PO line, IT102 quantity, IT103 unit, IT104 price, BP SKU),
  TDS total in cents (N2); CTT.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from takt.edi._x12_syntax import (
    FUNCTIONAL_IDS,
    Segment,
    SegmentWriter,
    SetReader,
    format_cents,
    format_date,
    format_real,
)
from takt.edi.documents import (
    AckLineDoc,
    AckLineStatus,
    Document,
    FunctionalAckDoc,
    InvoiceDoc,
    InvoiceLineDoc,
    LineChange,
    OrderLineDoc,
    OrderPurpose,
    OrderResponseDoc,
    PurchaseOrderDoc,
    ShipLineDoc,
    ShipNoticeDoc,
)
from takt.errors import InvalidInputError

# 860 POC02 (element 670): what Takt writes per LineChange, and how it reads codes.
POC_CODES = {LineChange.ADD: "AI", LineChange.CHANGE: "CA", LineChange.DELETE: "DI"}
POC_CHANGES = ("CA", "CB", "CE", "CT", "PC", "PQ", "PR", "QD", "QI", "RA", "RE", "RQ", "RS", "RZ")
POC_READ = {
    "AI": LineChange.ADD,
    "DI": LineChange.DELETE,
    "NC": LineChange.UNCHANGED,
    **{code: LineChange.CHANGE for code in POC_CHANGES},
}
# 855 ACK01 (element 668).
ACK_CODES = {
    AckLineStatus.ACCEPTED: "IA",
    AckLineStatus.CHANGED: "IC",
    AckLineStatus.REJECTED: "IR",
}
ACK_READ = {
    "IA": AckLineStatus.ACCEPTED,
    "IC": AckLineStatus.CHANGED,
    "DR": AckLineStatus.CHANGED,
    "IQ": AckLineStatus.CHANGED,
    "IP": AckLineStatus.CHANGED,
    "IB": AckLineStatus.CHANGED,
    "IS": AckLineStatus.CHANGED,
    "IR": AckLineStatus.REJECTED,
    "ID": AckLineStatus.REJECTED,
}
# ACK04 / DTM01 qualifiers (element 374) read as the confirmed delivery date.
DELIVERY_QUALIFIERS = {"067", "017", "002"}
MAX_LINE_NO = 10**20 - 1  # PO101/POC01/IT101/LIN01 are AN 1/20


def set_id_of(doc: Document) -> str:
    """The transaction set (ST01) a Takt document travels as."""
    if isinstance(doc, PurchaseOrderDoc):
        return "850" if doc.purpose is OrderPurpose.ORIGINAL else "860"
    kinds = {
        OrderResponseDoc: "855",
        ShipNoticeDoc: "856",
        InvoiceDoc: "810",
        FunctionalAckDoc: "997",
    }
    for kind, set_id in kinds.items():
        if isinstance(doc, kind):
            return set_id
    raise InvalidInputError(f"{type(doc).__name__} is not a document X12 can carry")


def group_by_function(documents: Iterable[Document]) -> list[tuple[str, list[Document]]]:
    """Documents in functional groups (GS01), groups in order of first appearance.

    One group per kind: PO (850), PC (860), PR (855), SH (856), IN (810), FA (997).
    """
    groups: dict[str, list[Document]] = {}
    for doc in documents:
        groups.setdefault(FUNCTIONAL_IDS[set_id_of(doc)], []).append(doc)
    return list(groups.items())


def _line_no(value: int, field: str) -> str:
    if not 1 <= value <= MAX_LINE_NO:
        raise InvalidInputError(f"{field} {value} must be a positive line number of ≤ 20 digits")
    return str(value)


def _product_ids(w: SegmentWriter, where: str, sku: str, supplier_part: str | None) -> list[str]:
    """``BP`` (buyer's part = SKU) and ``VP`` (vendor's part) qualifier/id pairs."""
    ids: list[str] = []
    if sku:
        ids += ["BP", w.text(sku, f"{where} sku", max_length=48)]
    if supplier_part:
        ids += ["VP", w.text(supplier_part, f"{where} supplier_part", max_length=48)]
    return ids


# ---------------------------------------------------------------------------
# 850 / 860


def encode_order(doc: PurchaseOrderDoc, w: SegmentWriter) -> None:
    """Write an 850 (purpose ORIGINAL) or an 860 (CHANGE / CANCEL) body.

    An 860 carries only the lines whose ``change`` is not UNCHANGED; an 850
    needs at least one line and no change codes.
    """
    where = f"purchase order {doc.po_number!r}"
    po_number = w.text(doc.po_number, f"{where} po_number", max_length=22)
    original = doc.purpose is OrderPurpose.ORIGINAL
    if original:
        if doc.change_sequence:
            raise InvalidInputError(
                f"{where}: change_sequence {doc.change_sequence} needs purpose CHANGE (860); "
                "an original order (850 BEG) has none"
            )
        if not doc.lines:
            raise InvalidInputError(f"{where}: an 850 needs at least one line (PO1)")
        w.add("BEG", "00", "SA", po_number, "", format_date(doc.order_date))
    else:
        if not 0 <= doc.change_sequence <= 99_999_999:
            raise InvalidInputError(f"{where}: change_sequence must fit BCH05 (8 digits)")
        purpose = "04" if doc.purpose is OrderPurpose.CHANGE else "01"
        sequence = str(doc.change_sequence)
        w.add("BCH", purpose, "SA", po_number, "", sequence, format_date(doc.order_date))
    if doc.currency:
        w.add("CUR", "BY", w.text(doc.currency, f"{where} currency", min_length=3, max_length=3))
    if doc.agreement_number:
        w.add("REF", "CT", w.text(doc.agreement_number, f"{where} agreement_number", max_length=30))
    for qualifier, party, name in (
        ("BY", doc.buyer_id, "buyer_id"),
        ("SE", doc.supplier_id, "supplier_id"),
    ):
        if party:
            w.add(
                "N1",
                qualifier,
                "",
                "92",
                w.text(party, f"{where} {name}", min_length=2, max_length=80),
            )
    lines = [line for line in doc.lines if original or line.change is not LineChange.UNCHANGED]
    for line in lines:
        here = f"{where} line {line.line_no}"
        qty = format_real(line.qty, f"{here} qty", max_digits=15)
        uom = w.text(line.uom, f"{here} uom", min_length=2, max_length=2)
        price = format_real(line.unit_price, f"{here} unit_price", max_digits=17)
        ids = _product_ids(w, here, line.sku, line.supplier_part)
        number = _line_no(line.line_no, f"{here} line_no")
        if original:
            if line.change is not LineChange.UNCHANGED:
                raise InvalidInputError(f"{here}: change {line.change} can only be sent in an 860")
            w.add("PO1", number, qty, uom, price, "", *ids)
        else:
            w.add("POC", number, POC_CODES[line.change], qty, "", uom, price, "", *ids)
        if line.need_date is not None:
            w.add("DTM", "002", format_date(line.need_date))
        if line.location:
            location = w.text(line.location, f"{here} location", min_length=2, max_length=80)
            w.add("N1", "ST", "", "92", location)
    w.add("CTT", str(len(lines)))


@dataclass
class _OrderLine:
    line_no: int | None
    qty: float | None
    uom: str
    price: Decimal | None
    ids: dict[str, str]
    change: LineChange = LineChange.UNCHANGED
    need_date: date | None = None
    location: str = ""


def decode_order(r: SetReader) -> PurchaseOrderDoc | None:
    """Read an 850 or 860 body (see :func:`encode_order`)."""
    change = r.set_id == "860"
    head = r.begin("BCH" if change else "BEG", "beginning segment for purchase order")
    if head is None:
        return None
    errors = len(r.errors)
    if change:
        purpose_code = r.code(head, 1, {"01", "04"})
        purpose = OrderPurpose.CANCEL if purpose_code == "01" else OrderPurpose.CHANGE
        sequence = r.integer(head, 5) or 0
        order_date = r.date(head, 6, required=True)
    else:
        r.code(head, 1, {"00"})
        purpose, sequence = OrderPurpose.ORIGINAL, 0
        order_date = r.date(head, 5, required=True)
    r.text(head, 2, required=True)
    po_number = r.text(head, 3, required=True)
    currency, agreement, parties = "", None, {"BY": "", "SE": ""}
    lines: list[_OrderLine] = []
    line_tag = "POC" if change else "PO1"
    for seg in r.body()[1:]:
        current = lines[-1] if lines else None
        if seg.tag == line_tag:
            lines.append(_order_line(r, seg, change))
        elif seg.tag == "CTT":
            break
        elif current is None and seg.tag == "CUR":
            currency = r.text(seg, 2, required=True)
        elif current is None and seg.tag == "REF" and seg.get(1) == "CT":
            agreement = r.text(seg, 2, required=True)
        elif current is None and seg.tag == "N1" and seg.get(1) in parties:
            parties[seg.get(1)] = r.text(seg, 4, required=True)
        elif current is not None and seg.tag == "DTM" and seg.get(1) == "002":
            current.need_date = r.date(seg, 2, required=True)
        elif current is not None and seg.tag == "N1" and seg.get(1) == "ST":
            current.location = r.text(seg, 4, required=True)
    if not lines and not change:
        r.missing("PO1", r.end(), "baseline item data")
    if len(r.errors) > errors or order_date is None:
        return None
    return PurchaseOrderDoc(
        po_number=po_number,
        order_date=order_date,
        buyer_id=parties["BY"],
        supplier_id=parties["SE"],
        lines=tuple(
            OrderLineDoc(
                line_no=line.line_no or 0,
                sku=line.ids.get("BP", ""),
                location=line.location,
                qty=line.qty or 0.0,
                unit_price=line.price or Decimal(0),
                uom=line.uom,
                need_date=line.need_date,
                supplier_part=line.ids.get("VP"),
                change=line.change,
            )
            for line in lines
        ),
        purpose=purpose,
        currency=currency,
        agreement_number=agreement,
        change_sequence=sequence,
    )


def _order_line(r: SetReader, seg: Segment, change: bool) -> _OrderLine:
    line_no = r.integer(seg, 1, required=True)
    if not change:
        return _OrderLine(
            line_no=line_no,
            qty=r.real(seg, 2, required=True),
            uom=r.text(seg, 3, required=True),
            price=r.decimal(seg, 4, required=True),
            ids=r.product_ids(seg, 6),
        )
    code = r.code(seg, 2, set(POC_READ))
    units = r.components(seg, 5, required=True)
    return _OrderLine(
        line_no=line_no,
        qty=r.real(seg, 3, required=True),
        uom=units[0] if units else "",
        price=r.decimal(seg, 6, required=True),
        ids=r.product_ids(seg, 8),
        change=POC_READ.get(code or "", LineChange.CHANGE),
    )


# ---------------------------------------------------------------------------
# 855


def encode_order_response(doc: OrderResponseDoc, w: SegmentWriter) -> None:
    """Write an 855 body.

    BAK02 follows the lines: AD (all accepted as ordered), RD (all rejected),
    AK (no lines), AC otherwise. AckLineDoc has no unit, so ACK03 is ``EA``.
    """
    where = f"order response for {doc.po_number!r}"
    statuses = {line.status for line in doc.lines}
    if not statuses:
        kind = "AK"
    elif statuses == {AckLineStatus.ACCEPTED}:
        kind = "AD"
    elif statuses == {AckLineStatus.REJECTED}:
        kind = "RD"
    else:
        kind = "AC"
    po_number = w.text(doc.po_number, f"{where} po_number", max_length=22)
    day = format_date(doc.response_date)
    ref = (
        w.text(doc.supplier_ref, f"{where} supplier_ref", max_length=30) if doc.supplier_ref else ""
    )
    w.add("BAK", "00", kind, po_number, day, "", "", "", ref, day)
    for line in doc.lines:
        here = f"{where} line {line.line_no}"
        price = (
            ""
            if line.unit_price is None
            else format_real(line.unit_price, f"{here} unit_price", max_digits=17)
        )
        w.add(
            "PO1",
            _line_no(line.line_no, f"{here} line_no"),
            "",
            "",
            price,
            "",
            *_product_ids(w, here, line.sku, None),
        )
        qty = format_real(line.qty, f"{here} qty", max_digits=15)
        dated = [] if line.delivery_date is None else ["067", format_date(line.delivery_date)]
        w.add("ACK", ACK_CODES[line.status], qty, "EA", *dated)
        if line.reason:
            w.add("N9", "L1", "REASON")
            w.add("MSG", w.text(line.reason, f"{here} reason", max_length=264))
    w.add("CTT", str(len(doc.lines)))


@dataclass
class _AckLine:
    line_no: int | None
    price: Decimal | None
    sku: str
    ordered: float | None
    ack: Segment | None = None
    status: AckLineStatus | None = None
    qty: float | None = None
    delivery: date | None = None
    reason: list[str] = field(default_factory=list)


def decode_order_response(r: SetReader) -> OrderResponseDoc | None:
    """Read an 855 body (see :func:`encode_order_response`)."""
    head = r.begin("BAK", "beginning segment for purchase order acknowledgment")
    if head is None:
        return None
    errors = len(r.errors)
    r.text(head, 1, required=True)
    r.text(head, 2, required=True)
    po_number = r.text(head, 3, required=True)
    po_date = r.date(head, 4, required=True)
    supplier_ref = r.text(head, 8)
    response_date = r.date(head, 9) or po_date
    lines: list[_AckLine] = []
    for seg in [*r.body()[1:], r.end()]:
        current = lines[-1] if lines else None
        if seg.tag in ("PO1", "CTT", "SE") and current is not None and current.ack is None:
            r.missing("ACK", seg, f"line item acknowledgment for line {current.line_no}")
        if seg.tag == "PO1":
            ids = r.product_ids(seg, 6)
            lines.append(
                _AckLine(
                    r.integer(seg, 1, required=True),
                    r.decimal(seg, 4),
                    ids.get("BP", ""),
                    r.real(seg, 2),
                )
            )
        elif seg.tag in ("CTT", "SE"):
            break
        elif current is None:
            continue
        elif seg.tag == "ACK":
            _read_ack(r, seg, current)
        elif seg.tag == "DTM" and seg.get(1) in DELIVERY_QUALIFIERS and current.delivery is None:
            current.delivery = r.date(seg, 2, required=True)
        elif seg.tag == "MSG":
            current.reason.append(r.text(seg, 1, required=True))
    if len(r.errors) > errors or response_date is None:
        return None
    return OrderResponseDoc(
        po_number=po_number,
        response_date=response_date,
        lines=tuple(
            AckLineDoc(
                line_no=line.line_no or 0,
                status=line.status or AckLineStatus.REJECTED,
                qty=line.qty or 0.0,
                sku=line.sku,
                delivery_date=line.delivery,
                unit_price=line.price,
                reason=" ".join(line.reason),
            )
            for line in lines
        ),
        supplier_ref=supplier_ref,
    )


def _read_ack(r: SetReader, seg: Segment, line: _AckLine) -> None:
    if line.ack is not None:
        r.error(
            "ACK", seg, f"line {line.line_no} has a second ACK; Takt reads one per line", code="5"
        )
        return
    line.ack = seg
    code = r.code(seg, 1, set(ACK_READ))
    line.status = ACK_READ.get(code or "")
    line.qty = r.real(seg, 2)
    if line.qty is None and seg.get(2) == "":
        if line.status is AckLineStatus.REJECTED:
            line.qty = 0.0
        elif line.ordered is not None:
            line.qty = line.ordered
        else:
            r.error(
                "ACK", seg, "ACK02 quantity is missing and PO102 gives none", element=2, code="2"
            )
    delivery = r.date(seg, 5)
    if seg.get(4) in DELIVERY_QUALIFIERS:
        line.delivery = delivery


# ---------------------------------------------------------------------------
# 856


def encode_ship_notice(doc: ShipNoticeDoc, w: SegmentWriter, prepared_at: datetime) -> None:
    """Write an 856 body: shipment, order and item hierarchical levels.

    BSN03/BSN04 are the date and time the notice was prepared (the envelope's
    ``prepared_at``); the shipment date travels in DTM*011.
    """
    where = f"ship notice {doc.shipment_id!r}"
    shipment = w.text(doc.shipment_id, f"{where} shipment_id", min_length=2, max_length=30)
    w.add("BSN", "00", shipment, format_date(prepared_at.date()), f"{prepared_at:%H%M}", "0002")
    w.add("DTM", "011", format_date(doc.ship_date))
    w.add("DTM", "017", format_date(doc.expected_arrival))
    w.add("HL", "1", "", "S", "1")
    if doc.carrier:
        w.add("TD5", "", "", "", "", w.text(doc.carrier, f"{where} carrier", max_length=35))
    if doc.tracking:
        w.add("REF", "CN", w.text(doc.tracking, f"{where} tracking", max_length=30))
    w.add("HL", "2", "1", "O", "1" if doc.lines else "0")
    w.add("PRF", w.text(doc.po_number, f"{where} po_number", max_length=22))
    for number, line in enumerate(doc.lines, start=3):
        here = f"{where} line {line.line_no}"
        w.add("HL", str(number), "2", "I", "0")
        sku = w.text(line.sku, f"{here} sku", max_length=48)
        w.add("LIN", _line_no(line.line_no, f"{here} line_no"), "BP", sku)
        qty = format_real(line.qty, f"{here} qty", max_digits=10)
        w.add("SN1", "", qty, w.text(line.uom, f"{here} uom", min_length=2, max_length=2))
    w.add("CTT", str(len(doc.lines) + 2))


@dataclass
class _ShipLine:
    line_no: int | None
    sku: str
    qty: float | None = None
    uom: str = ""
    quantity_seen: bool = False


def decode_ship_notice(r: SetReader) -> ShipNoticeDoc | None:
    """Read an 856 body (see :func:`encode_ship_notice`)."""
    head = r.begin("BSN", "beginning segment for ship notice")
    if head is None:
        return None
    errors = len(r.errors)
    r.text(head, 1, required=True)
    shipment_id = r.text(head, 2, required=True)
    r.date(head, 3, required=True)
    r.time(head, 4, required=True)
    dates: dict[str, date | None] = {}
    carrier, tracking, po_number = "", "", ""
    lines: list[_ShipLine] = []
    for seg in [*r.body()[1:], r.end()]:
        current = lines[-1] if lines else None
        if seg.tag in ("HL", "LIN", "CTT", "SE") and current and not current.quantity_seen:
            r.missing("SN1", seg, f"item detail (shipment) for line {current.line_no}")
            current.quantity_seen = True
        if seg.tag == "HL":
            r.text(seg, 1, required=True)
            r.text(seg, 3, required=True)
        elif seg.tag == "DTM" and seg.get(1) in ("011", "017") and seg.get(1) not in dates:
            dates[seg.get(1)] = r.date(seg, 2, required=True)
        elif seg.tag == "TD5" and not carrier:
            carrier = r.text(seg, 5)
        elif seg.tag == "REF" and seg.get(1) == "CN" and not tracking:
            tracking = r.text(seg, 2, required=True)
        elif seg.tag == "PRF":
            number = r.text(seg, 1, required=True)
            if po_number and number != po_number:
                r.error(
                    "PRF",
                    seg,
                    f"a second purchase order {number!r}; Takt reads one PO per "
                    f"ship notice and this one is for {po_number!r}",
                    code="5",
                )
            po_number = po_number or number
        elif seg.tag == "LIN":
            ids = r.product_ids(seg, 2)
            lines.append(_ShipLine(r.integer(seg, 1, required=True), ids.get("BP", "")))
        elif seg.tag == "SN1":
            if current is None or current.quantity_seen:
                r.error("SN1", seg, "SN1 must follow its LIN", code="2")
                continue
            current.quantity_seen = True
            current.qty = r.real(seg, 2, required=True)
            current.uom = r.text(seg, 3, required=True)
    for qualifier, what in (
        ("011", "date shipped (DTM*011)"),
        ("017", "estimated delivery (DTM*017)"),
    ):
        if qualifier not in dates:
            r.missing("DTM", r.end(), what)
    if not po_number:
        r.missing("PRF", r.end(), "purchase order reference")
    ship_date, arrival = dates.get("011"), dates.get("017")
    if len(r.errors) > errors or ship_date is None or arrival is None:
        return None
    return ShipNoticeDoc(
        shipment_id=shipment_id,
        po_number=po_number,
        ship_date=ship_date,
        expected_arrival=arrival,
        lines=tuple(
            ShipLineDoc(line_no=line.line_no or 0, sku=line.sku, qty=line.qty or 0.0, uom=line.uom)
            for line in lines
        ),
        carrier=carrier,
        tracking=tracking,
    )


# ---------------------------------------------------------------------------
# 810


def encode_invoice(doc: InvoiceDoc, w: SegmentWriter) -> None:
    """Write an 810 body; TDS01 is the total in cents (N2, two implied decimals)."""
    where = f"invoice {doc.invoice_number!r}"
    number = w.text(doc.invoice_number, f"{where} invoice_number", max_length=22)
    po_number = w.text(doc.po_number, f"{where} po_number", max_length=22)
    w.add("BIG", format_date(doc.invoice_date), number, "", po_number)
    if doc.currency:
        w.add("CUR", "SE", w.text(doc.currency, f"{where} currency", min_length=3, max_length=3))
    for line in doc.lines:
        here = f"{where} line {line.line_no}"
        w.add(
            "IT1",
            _line_no(line.line_no, f"{here} line_no"),
            format_real(line.qty, f"{here} qty", max_digits=10),
            w.text(line.uom, f"{here} uom", min_length=2, max_length=2),
            format_real(line.unit_price, f"{here} unit_price", max_digits=17),
            "",
            *_product_ids(w, here, line.sku, None),
        )
    w.add("TDS", format_cents(doc.total, f"{where} total", max_digits=15))
    w.add("CTT", str(len(doc.lines)))


def decode_invoice(r: SetReader) -> InvoiceDoc | None:
    """Read an 810 body (see :func:`encode_invoice`)."""
    head = r.begin("BIG", "beginning segment for invoice")
    if head is None:
        return None
    errors = len(r.errors)
    invoice_date = r.date(head, 1, required=True)
    invoice_number = r.text(head, 2, required=True)
    r.date(head, 3)
    po_number = r.text(head, 4, required=True)
    currency, total = "", None
    lines: list[InvoiceLineDoc] = []
    for seg in r.body()[1:]:
        if seg.tag == "CUR" and not lines:
            currency = r.text(seg, 2, required=True)
        elif seg.tag == "IT1":
            line_no = r.integer(seg, 1, required=True)
            qty = r.real(seg, 2, required=True)
            uom = r.text(seg, 3, required=True)
            price = r.decimal(seg, 4, required=True)
            sku = r.product_ids(seg, 6).get("BP", "")
            lines.append(InvoiceLineDoc(line_no or 0, sku, qty or 0.0, price or Decimal(0), uom))
        elif seg.tag == "TDS":
            total = r.cents(seg, 1, required=True)
    if total is None and not any(seg.tag == "TDS" for seg in r.body()):
        r.missing("TDS", r.end(), "total monetary value summary")
    if len(r.errors) > errors or invoice_date is None or total is None:
        return None
    return InvoiceDoc(
        invoice_number=invoice_number,
        invoice_date=invoice_date,
        po_number=po_number,
        lines=tuple(lines),
        total=total,
        currency=currency,
    )
