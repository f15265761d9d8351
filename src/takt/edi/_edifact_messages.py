"""UNTDID D.96A message mapping: Takt documents to and from ORDERS, ORDCHG, ORDRSP, DESADV, INVOIC.

Every message is written in the segment order of its D.96A branching diagram and
read back into the same dataclass. Readers log each problem (with its UN/ECE 0085
code and position) and return ``None`` for a message with any problem, so the
interchange is rejected as a whole and nothing half-read is ever applied.

Code lists used (D.96A):

* 1001 document name: 220 order, 230 purchase order change request,
  231 purchase order response, 351 despatch advice, 380 commercial invoice.
* 1225 message function: 9 original, 4 change, 1 cancellation; ORDRSP writes
  29 (accepted without amendment), 27 (not accepted) or 4 (change), derived from
  the lines, and reads any value (the lines carry the answer).
* 1229 action request (LIN): 1 added, 2 deleted, 3 changed, 4 no action
  (ORDCHG); 5 accepted, 3 changed, 7 not accepted (ORDRSP; 6 "accepted with
  amendment" is read as changed).
* 2005 date qualifier: 137 document date, 2 delivery date requested (ORDERS,
  ORDCHG; ORDRSP confirmed date, 69 and 67 also read), 11 despatch date,
  17 estimated delivery date; 2379 = 102 (CCYYMMDD).
* 1153 reference qualifier: CT contract, ON order number (purchase); in ORDCHG
  RFF+ON C506 4000 (reference version number) carries ``change_sequence``, in
  DESADV/INVOIC lines C506 1156 carries the PO line; CN carrier's reference
  number carries the tracking number.
* 3035 party: BY buyer, SU supplier; C082 3055 = 9 (EAN/GS1) for a 13-digit GLN,
  otherwise 92 (assigned by buyer).
* 6063 quantity: 21 ordered, 113 quantity to be delivered (confirmed), 12 despatch,
  47 invoiced; 6411 unit as given (default EA).
* 5125 price: AAA calculation net; 5025 amount: 86 message total monetary amount.
* 6347/6343 currency: 2 reference currency, 9 order currency, 4 invoicing currency.
* 7143 item type: IN buyer's item number (the SKU); PIA 4347 = 1 additional
  identification with 7143 = SA supplier's article number.
* 3227 location: 7 place of delivery (per order line).
* 8051 transport stage: 20 main carriage; the carrier's name goes in C040 3128.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal

from pydifact.segments import Segment

from takt.edi._edifact_syntax import (
    CONTROL_COUNT_MISMATCH,
    INVALID_VALUE,
    MISSING,
    VALUE_NOT_SUPPORTED,
    ErrorLog,
    RawSegment,
    amount_value,
    date_value,
    integer_value,
    quantity_value,
    read_code,
    read_date,
    read_integer,
    read_number,
    read_text,
    segment,
    text_value,
)
from takt.edi.documents import (
    AckLineDoc,
    AckLineStatus,
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

BusinessDoc = PurchaseOrderDoc | OrderResponseDoc | ShipNoticeDoc | InvoiceDoc

_LINE_ACTION = {
    LineChange.ADD: "1",
    LineChange.DELETE: "2",
    LineChange.CHANGE: "3",
    LineChange.UNCHANGED: "4",
}
_LINE_CHANGE = {code: change for change, code in _LINE_ACTION.items()}
_ACK_ACTION = {
    AckLineStatus.ACCEPTED: "5",
    AckLineStatus.CHANGED: "3",
    AckLineStatus.REJECTED: "7",
}
_ACK_STATUS = {"5": AckLineStatus.ACCEPTED, "6": AckLineStatus.CHANGED} | {
    code: status for status, code in _ACK_ACTION.items()
}
_FTX_LINE = 70  # C108 4440 is an..70, five of them per FTX
_CURRENCY = re.compile(r"[A-Z]{3}")


def is_gln(party_id: str) -> bool:
    """A 13-digit GS1 Global Location Number (qualified 14 in UNB, 9 in NAD)."""
    return len(party_id) == 13 and party_id.isascii() and party_id.isdigit()


# ================================================================== writing


def write_message(doc: BusinessDoc) -> tuple[str, list[Segment]]:
    """The message type and the segments between UNH and UNT for ``doc``."""
    if isinstance(doc, PurchaseOrderDoc):
        return _write_order(doc)
    if isinstance(doc, OrderResponseDoc):
        return "ORDRSP", _write_response(doc)
    if isinstance(doc, ShipNoticeDoc):
        return "DESADV", _write_ship_notice(doc)
    return "INVOIC", _write_invoice(doc)


def _dtm(qualifier: str, day: date) -> Segment:
    return segment("DTM", [qualifier, date_value(day), "102"])


def _party(qualifier: str, party_id: str, label: str) -> Segment:
    value = text_value(party_id, label=label, max_length=35)
    return segment("NAD", qualifier, [value, "", "9" if is_gln(value) else "92"])


def _currency(currency: str, usage: str, label: str) -> Segment:
    if not _CURRENCY.fullmatch(currency):
        raise InvalidInputError(f"{label} currency {currency!r} is not an ISO 4217 code")
    return segment("CUX", ["2", currency, usage])


def _write_order(doc: PurchaseOrderDoc) -> tuple[str, list[Segment]]:
    """ORDERS (purpose ORIGINAL) or ORDCHG (CHANGE, CANCEL), D.96A.

    BGM (1001 220 / 230, 1004 PO number, 1225 9 / 4 / 1), DTM+137, RFF+CT, for
    ORDCHG RFF+ON with C506 4000 = ``change_sequence``, NAD+BY, NAD+SU, CUX+2::9;
    per line LIN (1082 line, 1229 action, C212 SKU:IN), PIA+1 (SA), QTY+21, DTM+2,
    PRI+AAA, LOC+7; then UNS+S and CNT+2, in the D.96A ORDERS/ORDCHG segment order.
    An ORDERS line carries 1229 only when its ``change`` is not UNCHANGED; an ORDCHG
    line always does (UNCHANGED → 4, no action), so the supplier sees the whole order.
    """
    po = text_value(doc.po_number, label="purchase order po_number", max_length=35)
    label = f"purchase order {po}"
    if doc.purpose is OrderPurpose.ORIGINAL:
        if doc.change_sequence != 0:
            raise InvalidInputError(f"{label}: an original order has change_sequence 0")
        kind = "ORDERS"
        body = [segment("BGM", ["220"], po, "9")]
    else:
        kind = "ORDCHG"
        body = [segment("BGM", ["230"], po, "4" if doc.purpose is OrderPurpose.CHANGE else "1")]
    body.append(_dtm("137", doc.order_date))
    if doc.agreement_number is not None:
        agreement = text_value(doc.agreement_number, label=f"{label} agreement", max_length=35)
        body.append(segment("RFF", ["CT", agreement]))
    if kind == "ORDCHG":
        version = integer_value(doc.change_sequence, label=f"{label} change_sequence", max_digits=9)
        body.append(segment("RFF", ["ON", po, "", version]))
    body.append(_party("BY", doc.buyer_id, f"{label} buyer_id"))
    body.append(_party("SU", doc.supplier_id, f"{label} supplier_id"))
    body.append(_currency(doc.currency, "9", label))
    for line in doc.lines:
        body.extend(_write_order_line(line, kind, label))
    body.append(segment("UNS", "S"))
    body.append(segment("CNT", ["2", str(len(doc.lines))]))
    return kind, body


def _write_order_line(line: OrderLineDoc, kind: str, label: str) -> list[Segment]:
    where = f"{label} line {line.line_no}"
    number = integer_value(line.line_no, label=f"{where} line_no", max_digits=6)
    action = _LINE_ACTION[line.change]
    if kind == "ORDERS" and line.change is LineChange.UNCHANGED:
        action = ""
    sku = text_value(line.sku, label=f"{where} sku", max_length=35)
    out = [segment("LIN", number, action, [sku, "IN"])]
    if line.supplier_part is not None:
        part = text_value(line.supplier_part, label=f"{where} supplier_part", max_length=35)
        out.append(segment("PIA", "1", [part, "SA"]))
    qty = quantity_value(line.qty, label=f"{where} qty")
    out.append(
        segment("QTY", ["21", qty, text_value(line.uom, label=f"{where} uom", max_length=3)])
    )
    if line.need_date is not None:
        out.append(_dtm("2", line.need_date))
    out.append(segment("PRI", ["AAA", amount_value(line.unit_price, label=f"{where} unit_price")]))
    location = text_value(line.location, label=f"{where} location", max_length=25)
    out.append(segment("LOC", "7", [location]))
    return out


def _write_response(doc: OrderResponseDoc) -> list[Segment]:
    """ORDRSP D.96A: BGM 231, DTM+137, RFF+ON (the PO); per line LIN (1229 5/3/7),
    QTY+113, DTM+2 (confirmed date), FTX+AAI (reason, up to five 70-character
    C108 lines), PRI+AAA; UNS+S, CNT+2.
    """
    po = text_value(doc.po_number, label="order response po_number", max_length=35)
    label = f"order response to {po}"
    statuses = {line.status for line in doc.lines}
    function = "4"
    if statuses == {AckLineStatus.ACCEPTED}:
        function = "29"
    elif statuses == {AckLineStatus.REJECTED}:
        function = "27"
    ref = text_value(doc.supplier_ref, label=f"{label} supplier_ref", max_length=35, required=False)
    body = [segment("BGM", ["231"], ref, function), _dtm("137", doc.response_date)]
    body.append(segment("RFF", ["ON", po]))
    for line in doc.lines:
        where = f"{label} line {line.line_no}"
        number = integer_value(line.line_no, label=f"{where} line_no", max_digits=6)
        sku = text_value(line.sku, label=f"{where} sku", max_length=35, required=False)
        body.append(segment("LIN", number, _ACK_ACTION[line.status], [sku, "IN"] if sku else ""))
        body.append(segment("QTY", ["113", quantity_value(line.qty, label=f"{where} qty")]))
        if line.delivery_date is not None:
            body.append(_dtm("2", line.delivery_date))
        if line.reason:
            body.append(segment("FTX", "AAI", "", "", _text_lines(line.reason, f"{where} reason")))
        if line.unit_price is not None:
            price = amount_value(line.unit_price, label=f"{where} unit_price")
            body.append(segment("PRI", ["AAA", price]))
    body.append(segment("UNS", "S"))
    body.append(segment("CNT", ["2", str(len(doc.lines))]))
    return body


def _text_lines(text: str, label: str) -> list[str]:
    checked = text_value(text, label=label, max_length=5 * _FTX_LINE)
    return [checked[i : i + _FTX_LINE] for i in range(0, len(checked), _FTX_LINE)]


def _write_ship_notice(doc: ShipNoticeDoc) -> list[Segment]:
    """DESADV D.96A: BGM 351, DTM+11, DTM+17, RFF+ON (the PO), RFF+CN (tracking),
    TDT+20 (carrier name in C040 3128), CPS+1 (one consignment), per line LIN
    (1082 numbered 1..n in this DESADV), QTY+12, RFF+ON:po:line (C506 1156 links the
    PO line), CNT+2. D.96A DESADV has no UNS.
    """
    shipment = text_value(doc.shipment_id, label="ship notice shipment_id", max_length=35)
    label = f"ship notice {shipment}"
    po = text_value(doc.po_number, label=f"{label} po_number", max_length=35)
    body = [
        segment("BGM", ["351"], shipment, "9"),
        _dtm("11", doc.ship_date),
        _dtm("17", doc.expected_arrival),
        segment("RFF", ["ON", po]),
    ]
    if doc.tracking:
        tracking = text_value(doc.tracking, label=f"{label} tracking", max_length=35)
        body.append(segment("RFF", ["CN", tracking]))
    if doc.carrier:
        carrier = text_value(doc.carrier, label=f"{label} carrier", max_length=35)
        body.append(segment("TDT", "20", "", "", "", ["", "", "", carrier]))
    if doc.lines:
        body.append(segment("CPS", "1"))
    for sequence, line in enumerate(doc.lines, start=1):
        where = f"{label} line {line.line_no}"
        po_line = integer_value(line.line_no, label=f"{where} line_no", max_digits=6)
        sku = text_value(line.sku, label=f"{where} sku", max_length=35)
        uom = text_value(line.uom, label=f"{where} uom", max_length=3)
        body.append(
            segment("LIN", integer_value(sequence, label=where, max_digits=6), "", [sku, "IN"])
        )
        body.append(segment("QTY", ["12", quantity_value(line.qty, label=f"{where} qty"), uom]))
        body.append(segment("RFF", ["ON", po, po_line]))
    body.append(segment("CNT", ["2", str(len(doc.lines))]))
    return body


def _write_invoice(doc: InvoiceDoc) -> list[Segment]:
    """INVOIC D.96A: BGM 380, DTM+137, RFF+ON (the PO), CUX+2::4; per line LIN
    (1082 = the PO line invoiced), QTY+47, PRI+AAA; UNS+S, CNT+2, MOA+86 (the
    total as sent; Takt does not recompute it here).
    """
    number = text_value(doc.invoice_number, label="invoice invoice_number", max_length=35)
    label = f"invoice {number}"
    po = text_value(doc.po_number, label=f"{label} po_number", max_length=35)
    body = [
        segment("BGM", ["380"], number, "9"),
        _dtm("137", doc.invoice_date),
        segment("RFF", ["ON", po]),
        _currency(doc.currency, "4", label),
    ]
    for line in doc.lines:
        where = f"{label} line {line.line_no}"
        po_line = integer_value(line.line_no, label=f"{where} line_no", max_digits=6)
        sku = text_value(line.sku, label=f"{where} sku", max_length=35)
        uom = text_value(line.uom, label=f"{where} uom", max_length=3)
        body.append(segment("LIN", po_line, "", [sku, "IN"]))
        body.append(segment("QTY", ["47", quantity_value(line.qty, label=f"{where} qty"), uom]))
        price = amount_value(line.unit_price, label=f"{where} unit_price")
        body.append(segment("PRI", ["AAA", price]))
    body.append(segment("UNS", "S"))
    body.append(segment("CNT", ["2", str(len(doc.lines))]))
    total = amount_value(doc.total, label=f"{label} total", max_digits=18)
    body.append(segment("MOA", ["86", total]))
    return body


# ================================================================== reading


class _Reader:
    """One message split into header, LIN groups and summary, with checked reads."""

    def __init__(self, segments: Sequence[RawSegment], log: ErrorLog, decimal_mark: str) -> None:
        self.unh = segments[0]
        self.end = segments[-1]  # UNT, or the last segment read when UNT is missing
        body = segments[1:-1] if self.end.tag == "UNT" else segments[1:]
        self.body = list(body)
        self.log = log
        self.decimal_mark = decimal_mark
        self.errors_before = len(log.errors)
        self.header: list[RawSegment] = []
        self.lines: list[list[RawSegment]] = []
        self.summary: list[RawSegment] = []
        for seg in body:
            if self.summary or seg.tag in ("UNS", "CNT"):
                self.summary.append(seg)
            elif seg.tag == "LIN":
                self.lines.append([seg])
            elif self.lines:
                self.lines[-1].append(seg)
            else:
                self.header.append(seg)

    @property
    def failed(self) -> bool:
        return len(self.log.errors) > self.errors_before

    @staticmethod
    def find(
        group: Sequence[RawSegment], tag: str, qualifier: str | None = None
    ) -> RawSegment | None:
        for seg in group:
            if seg.tag == tag and (qualifier is None or seg.get(1) == qualifier):
                return seg
        return None

    def need(
        self,
        group: Sequence[RawSegment],
        tag: str,
        qualifier: str | None,
        *,
        anchor: RawSegment,
        what: str,
    ) -> RawSegment | None:
        """The segment, or a 13 "missing" error placed at the start of its group."""
        found = self.find(group, tag, qualifier)
        if found is None:
            name = f"{tag}+{qualifier}" if qualifier else tag
            self.log.add(tag, anchor.position, MISSING, f"{what} ({name}) is missing")
        return found

    def text(
        self,
        seg: RawSegment,
        element: int,
        component: int = 1,
        *,
        label: str,
        max_length: int,
        required: bool = True,
    ) -> str:
        return read_text(
            seg, self.log, element, component, label=label, max_length=max_length, required=required
        )

    def number(
        self, seg: RawSegment, element: int, component: int, *, label: str, max_digits: int = 15
    ) -> Decimal | None:
        return read_number(
            seg,
            self.log,
            element,
            component,
            label=label,
            decimal_mark=self.decimal_mark,
            max_digits=max_digits,
        )

    def quantity(self, seg: RawSegment | None, *, label: str) -> float | None:
        value = self.number(seg, 1, 2, label=label) if seg else None
        return float(value) if value is not None else None

    def date(
        self, group: Sequence[RawSegment], qualifier: str, *, anchor: RawSegment, what: str
    ) -> date | None:
        seg = self.need(group, "DTM", qualifier, anchor=anchor, what=what)
        return read_date(seg, self.log, label=what) if seg else None

    def document(self, code: str, *, what: str) -> RawSegment | None:
        """BGM with C002 1001 = ``code`` (another document name → 14, not supported)."""
        bgm = self.need(self.header, "BGM", None, anchor=self.unh, what="beginning of message")
        if bgm is not None:
            read_code(
                bgm,
                self.log,
                1,
                1,
                label=f"{what} document name code",
                allowed={code},
                unsupported=VALUE_NOT_SUPPORTED,
            )
        return bgm

    def order_reference(self, *, required: bool = True) -> tuple[RawSegment | None, str]:
        if required:
            rff = self.need(
                self.header, "RFF", "ON", anchor=self.unh, what="order number reference"
            )
        else:
            rff = self.find(self.header, "RFF", "ON")
        po = self.text(rff, 1, 2, label="order number", max_length=35) if rff else ""
        return rff, po

    def party(self, qualifier: str, what: str) -> str:
        nad = self.need(self.header, "NAD", qualifier, anchor=self.unh, what=what)
        return self.text(nad, 2, 1, label=f"{what} id", max_length=35) if nad else ""

    def currency(self) -> str:
        cux = self.need(self.header, "CUX", None, anchor=self.unh, what="currency")
        if cux is None:
            return ""
        value = self.text(cux, 1, 2, label="currency", max_length=3)
        if value and not _CURRENCY.fullmatch(value):
            self.log.at(cux, INVALID_VALUE, f"currency {value!r} is not an ISO 4217 code", 1, 2)
        return value

    def summary_start(self) -> None:
        self.need(self.body, "UNS", "S", anchor=self.end, what="section control")

    def line_count(self) -> None:
        """CNT+2 (number of line items) must equal the LIN groups read → 29."""
        cnt = self.find(self.summary, "CNT", "2")
        if cnt is None:
            return
        count = read_integer(cnt, self.log, 1, 2, label="line item count", max_digits=18)
        if count is not None and count != len(self.lines):
            self.log.at(
                cnt,
                CONTROL_COUNT_MISMATCH,
                f"CNT says {count} line items, counted {len(self.lines)}",
                1,
                2,
            )

    def po_line(self, group: Sequence[RawSegment], po: str) -> int | None:
        """The PO line a DESADV/INVOIC line answers: RFF+ON C506 1156, else LIN 1082."""
        rff = self.find(group, "RFF", "ON")
        if rff is not None and rff.get(1, 3):
            line_po = rff.get(1, 2)
            if po and line_po and line_po != po:
                self.log.at(
                    rff,
                    INVALID_VALUE,
                    f"line refers to order {line_po!r}, the header to {po!r}",
                    1,
                    2,
                )
            return read_integer(rff, self.log, 1, 3, label="order line number", max_digits=6)
        return read_integer(group[0], self.log, 1, label="line item number", max_digits=6)


def read_message(
    kind: str, segments: Sequence[RawSegment], log: ErrorLog, decimal_mark: str
) -> BusinessDoc | None:
    """Read one D.96A message (UNH..UNT as received) into its document, or ``None``."""
    reader = _Reader(segments, log, decimal_mark)
    return _READERS[kind](reader, kind)


def _read_order(r: _Reader, kind: str) -> PurchaseOrderDoc | None:
    bgm = r.document("220" if kind == "ORDERS" else "230", what=kind)
    po, purpose = "", OrderPurpose.ORIGINAL
    if bgm is not None:
        po = r.text(bgm, 2, label="order number", max_length=35)
        if kind == "ORDERS":
            read_code(bgm, r.log, 3, label="message function", allowed={"9"}, required=False)
        else:
            function = read_code(bgm, r.log, 3, label="message function", allowed={"1", "4"})
            purpose = OrderPurpose.CANCEL if function == "1" else OrderPurpose.CHANGE
    order_date = r.date(r.header, "137", anchor=r.unh, what="order date")
    contract = r.find(r.header, "RFF", "CT")
    agreement = r.text(contract, 1, 2, label="contract number", max_length=35) if contract else None
    change_sequence = 0
    if kind == "ORDCHG":
        rff, referenced = r.order_reference(required=False)
        if rff is not None:
            if referenced and po and referenced != po:
                r.log.at(
                    rff, INVALID_VALUE, f"changes order {referenced!r}, BGM names {po!r}", 1, 2
                )
            version = read_integer(
                rff, r.log, 1, 4, label="order version", max_digits=9, required=False
            )
            change_sequence = version or 0
    buyer = r.party("BY", "buyer")
    supplier = r.party("SU", "supplier")
    currency = r.currency()
    lines = [_read_order_line(r, group, kind) for group in r.lines]
    r.summary_start()
    r.line_count()
    if r.failed or order_date is None:
        return None
    return PurchaseOrderDoc(
        po_number=po,
        order_date=order_date,
        buyer_id=buyer,
        supplier_id=supplier,
        lines=tuple(line for line in lines if line is not None),
        purpose=purpose,
        currency=currency,
        agreement_number=agreement,
        change_sequence=change_sequence,
    )


def _read_order_line(r: _Reader, group: list[RawSegment], kind: str) -> OrderLineDoc | None:
    lin = group[0]
    line_no = read_integer(lin, r.log, 1, label="line item number", max_digits=6)
    action = read_code(
        lin, r.log, 2, label="line action", allowed=set(_LINE_CHANGE), required=kind == "ORDCHG"
    )
    sku = r.text(lin, 3, 1, label="item number", max_length=35)
    pia = r.find(group, "PIA", "1")
    part = r.text(pia, 2, 1, label="supplier article number", max_length=35) if pia else None
    qty_seg = r.need(group, "QTY", "21", anchor=lin, what="ordered quantity")
    qty = r.quantity(qty_seg, label="ordered quantity")
    uom = r.text(qty_seg, 1, 3, label="unit", max_length=3, required=False) if qty_seg else ""
    need = r.find(group, "DTM", "2")
    need_date = read_date(need, r.log, label="requested delivery date") if need else None
    pri = r.need(group, "PRI", "AAA", anchor=lin, what="net price")
    price = r.number(pri, 1, 2, label="net price") if pri else None
    loc = r.need(group, "LOC", "7", anchor=lin, what="place of delivery")
    location = r.text(loc, 2, 1, label="place of delivery", max_length=25) if loc else ""
    if line_no is None or qty is None or price is None or (need and need_date is None):
        return None
    return OrderLineDoc(
        line_no=line_no,
        sku=sku,
        location=location,
        qty=qty,
        unit_price=price,
        uom=uom or "EA",
        need_date=need_date,
        supplier_part=part,
        change=_LINE_CHANGE.get(action, LineChange.UNCHANGED),
    )


def _read_response(r: _Reader, kind: str) -> OrderResponseDoc | None:
    bgm = r.document("231", what=kind)
    supplier_ref = (
        r.text(bgm, 2, label="response number", max_length=35, required=False) if bgm else ""
    )
    response_date = r.date(r.header, "137", anchor=r.unh, what="response date")
    _, po = r.order_reference()
    lines = [_read_response_line(r, group) for group in r.lines]
    r.summary_start()
    r.line_count()
    if r.failed or response_date is None:
        return None
    return OrderResponseDoc(
        po_number=po,
        response_date=response_date,
        lines=tuple(line for line in lines if line is not None),
        supplier_ref=supplier_ref,
    )


def _read_response_line(r: _Reader, group: list[RawSegment]) -> AckLineDoc | None:
    lin = group[0]
    line_no = read_integer(lin, r.log, 1, label="line item number", max_digits=6)
    code = read_code(lin, r.log, 2, label="line action", allowed=set(_ACK_STATUS))
    status = _ACK_STATUS.get(code)
    sku = r.text(lin, 3, 1, label="item number", max_length=35, required=False)
    qty_seg = r.find(group, "QTY", "113")
    if qty_seg is None and status is not AckLineStatus.REJECTED:
        r.log.add("QTY", lin.position, MISSING, "confirmed quantity (QTY+113) is missing")
    qty = r.quantity(qty_seg, label="confirmed quantity") if qty_seg else 0.0
    dtm = next(filter(None, (r.find(group, "DTM", q) for q in ("2", "69", "67"))), None)
    delivery = read_date(dtm, r.log, label="confirmed delivery date") if dtm else None
    pri = r.find(group, "PRI", "AAA")
    price = r.number(pri, 1, 2, label="net price") if pri else None
    reason = " ".join(_free_text(ftx) for ftx in group if ftx.tag == "FTX")
    if line_no is None or status is None or qty is None:
        return None
    return AckLineDoc(
        line_no=line_no,
        status=status,
        qty=qty,
        sku=sku,
        delivery_date=delivery,
        unit_price=price,
        reason=reason,
    )


def _free_text(ftx: RawSegment) -> str:
    """FTX C108 lines joined: full 70-character lines continue, shorter ones get a space."""
    text, previous = "", _FTX_LINE
    for piece in ftx.components(4):
        text += ("" if previous == _FTX_LINE else " ") + piece
        previous = len(piece)
    return text


def _read_ship_notice(r: _Reader, kind: str) -> ShipNoticeDoc | None:
    bgm = r.document("351", what=kind)
    shipment = r.text(bgm, 2, label="despatch advice number", max_length=35) if bgm else ""
    ship_date = r.date(r.header, "11", anchor=r.unh, what="despatch date")
    arrival = r.date(r.header, "17", anchor=r.unh, what="estimated delivery date")
    _, po = r.order_reference()
    cn = r.find(r.header, "RFF", "CN")
    tracking = (
        r.text(cn, 1, 2, label="carrier's reference", max_length=35, required=False) if cn else ""
    )
    tdt = r.find(r.header, "TDT")
    carrier = ""
    if tdt is not None:
        carrier = r.text(tdt, 5, 4, label="carrier name", max_length=35, required=False) or r.text(
            tdt, 5, 1, label="carrier identification", max_length=17, required=False
        )
    lines: list[ShipLineDoc | None] = []
    for group in r.lines:
        lin = group[0]
        sku = r.text(lin, 3, 1, label="item number", max_length=35)
        qty_seg = r.need(group, "QTY", "12", anchor=lin, what="despatch quantity")
        qty = r.quantity(qty_seg, label="despatch quantity")
        uom = r.text(qty_seg, 1, 3, label="unit", max_length=3, required=False) if qty_seg else ""
        line_no = r.po_line(group, po)
        if line_no is None or qty is None:
            lines.append(None)
        else:
            lines.append(ShipLineDoc(line_no=line_no, sku=sku, qty=qty, uom=uom or "EA"))
    r.line_count()
    if r.failed or ship_date is None or arrival is None:
        return None
    return ShipNoticeDoc(
        shipment_id=shipment,
        po_number=po,
        ship_date=ship_date,
        expected_arrival=arrival,
        lines=tuple(line for line in lines if line is not None),
        carrier=carrier,
        tracking=tracking,
    )


def _read_invoice(r: _Reader, kind: str) -> InvoiceDoc | None:
    bgm = r.document("380", what=kind)
    number = r.text(bgm, 2, label="invoice number", max_length=35) if bgm else ""
    invoice_date = r.date(r.header, "137", anchor=r.unh, what="invoice date")
    _, po = r.order_reference()
    currency = r.currency()
    lines: list[InvoiceLineDoc | None] = []
    for group in r.lines:
        lin = group[0]
        sku = r.text(lin, 3, 1, label="item number", max_length=35)
        qty_seg = r.need(group, "QTY", "47", anchor=lin, what="invoiced quantity")
        qty = r.quantity(qty_seg, label="invoiced quantity")
        uom = r.text(qty_seg, 1, 3, label="unit", max_length=3, required=False) if qty_seg else ""
        pri = r.need(group, "PRI", "AAA", anchor=lin, what="net price")
        price = r.number(pri, 1, 2, label="net price") if pri else None
        line_no = r.po_line(group, po)
        if line_no is None or qty is None or price is None:
            lines.append(None)
        else:
            lines.append(
                InvoiceLineDoc(line_no=line_no, sku=sku, qty=qty, unit_price=price, uom=uom or "EA")
            )
    r.summary_start()
    r.line_count()
    moa = r.need(r.summary, "MOA", "86", anchor=r.end, what="message total")
    total = r.number(moa, 1, 2, label="message total", max_digits=18) if moa else None
    if r.failed or invoice_date is None or total is None:
        return None
    return InvoiceDoc(
        invoice_number=number,
        invoice_date=invoice_date,
        po_number=po,
        lines=tuple(line for line in lines if line is not None),
        total=total,
        currency=currency,
    )


_READERS: dict[str, Callable[[_Reader, str], BusinessDoc | None]] = {
    "ORDERS": _read_order,
    "ORDCHG": _read_order,
    "ORDRSP": _read_response,
    "DESADV": _read_ship_notice,
    "INVOIC": _read_invoice,
}
MESSAGE_TYPES = frozenset(_READERS)
