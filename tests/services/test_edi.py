"""EDI in the store (both backends): POs out with control numbers unique per partner,
changes as 860/ORDCHG, and inbound 855/856/810/997 applied whole or not at all, each
answered with a 997/CONTRL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select, update

from takt.domain.enums import EdiPreference
from takt.edi import edifact, x12
from takt.edi.documents import (
    AckLineDoc,
    AckLineStatus,
    Envelope,
    FunctionalAckDoc,
    Interchange,
    InvoiceDoc,
    InvoiceLineDoc,
    LineChange,
    OrderPurpose,
    OrderResponseDoc,
    PurchaseOrderDoc,
    ShipLineDoc,
    ShipNoticeDoc,
)
from takt.errors import InvalidInputError
from takt.services.edi import list_invoices, receive_interchange, send_purchase_order
from takt.services.purchasing import receive
from takt.store.db import transaction
from takt.store.models import (
    EdiInterchangeRow,
    PurchaseOrderEventRow,
    PurchaseOrderLineRow,
    PurchaseOrderRow,
    SupplierRow,
)
from tests.services.replenish_world import AS_OF
from tests.services.test_purchasing import planned_po

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
CODECS = {"x12": x12, "edifact": edifact}


def _from_supplier(standard: str, control: int, *documents: object) -> str:
    envelope = Envelope("S1", "TAKT", control, NOW)
    return CODECS[standard].encode(Interchange(envelope, tuple(documents)))  # type: ignore[arg-type]


def _line(engine: Engine, number: str) -> PurchaseOrderLineRow:
    with transaction(engine) as session:
        line = session.execute(
            select(PurchaseOrderLineRow)
            .join(PurchaseOrderRow, PurchaseOrderRow.id == PurchaseOrderLineRow.po_id)
            .where(PurchaseOrderRow.number == number, PurchaseOrderLineRow.line_no == 1)
        ).scalar_one()
        session.expunge(line)
        return line


def _status(engine: Engine, number: str) -> str:
    with transaction(engine) as session:
        return (
            session.execute(
                select(PurchaseOrderRow.status).where(PurchaseOrderRow.number == number)
            )
            .scalar_one()
            .value
        )


def _events(engine: Engine) -> int:
    with transaction(engine) as session:
        return int(session.execute(select(func.count(PurchaseOrderEventRow.id))).scalar_one())


def _use(engine: Engine, standard: str) -> None:
    with transaction(engine) as session:
        session.execute(update(SupplierRow).values(edi_preference=EdiPreference(standard)))


@pytest.fixture(params=["x12", "edifact"])
def standard(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_an_approved_po_goes_out_in_the_suppliers_standard(engine: Engine, standard: str) -> None:
    _, number = planned_po(engine)
    _use(engine, standard)
    sent = send_purchase_order(engine, number, actor="buyer1", now=NOW)
    assert (sent.standard, sent.partner, sent.control_number) == (standard, "S1", 1)
    assert sent.document_type == ("850" if standard == "x12" else "ORDERS")
    assert sent.text.startswith("ISA" if standard == "x12" else "UNA")
    decoded = CODECS[standard].decode(sent.text)
    assert decoded.envelope.control_number == 1
    (po,) = decoded.documents
    assert isinstance(po, PurchaseOrderDoc)
    assert (po.po_number, po.purpose, len(po.lines)) == (number, OrderPurpose.ORIGINAL, 1)
    assert (po.lines[0].sku, po.lines[0].qty) == ("A", 100.0)
    assert _status(engine, number) == "sent"
    with pytest.raises(InvalidInputError, match="has not changed"):
        send_purchase_order(engine, number, actor="buyer1", now=NOW)


def test_a_change_after_sending_goes_as_a_change_order_with_the_next_control_number(
    engine: Engine, standard: str
) -> None:
    _, number = planned_po(engine)
    _use(engine, standard)
    send_purchase_order(engine, number, actor="buyer1", now=NOW)
    with transaction(engine) as session:
        session.execute(update(PurchaseOrderLineRow).values(qty=120.0))
    change = send_purchase_order(engine, number, actor="buyer1", now=NOW)
    assert change.control_number == 2
    assert change.document_type == ("860" if standard == "x12" else "ORDCHG")
    (doc,) = CODECS[standard].decode(change.text).documents
    assert isinstance(doc, PurchaseOrderDoc)
    assert (doc.purpose, doc.change_sequence) == (OrderPurpose.CHANGE, 1)
    assert [(ln.line_no, ln.qty, ln.change) for ln in doc.lines] == [(1, 120.0, LineChange.CHANGE)]


def test_acknowledgement_ship_notice_and_invoice_update_the_order(
    engine: Engine, standard: str
) -> None:
    _, number = planned_po(engine)
    _use(engine, standard)
    send_purchase_order(engine, number, actor="buyer1", now=NOW)
    ack = OrderResponseDoc(
        number,
        AS_OF,
        (AckLineDoc(1, AckLineStatus.CHANGED, 90.0, "A", AS_OF + timedelta(days=4)),),
    )
    result = receive_interchange(engine, _from_supplier(standard, 501, ack), actor="edi")
    assert result.accepted, result.errors
    line = _line(engine, number)
    assert (line.confirmed_qty, line.confirmed_date) == (90.0, AS_OF + timedelta(days=4))
    assert _status(engine, number) == "acknowledged"
    answer = CODECS[standard].decode(result.answer).documents[0]
    assert isinstance(answer, FunctionalAckDoc)
    assert (answer.accepted, answer.acknowledged_control_number) == (True, 501)

    asn = ShipNoticeDoc(
        "SHP-1", number, AS_OF + timedelta(days=1), AS_OF + timedelta(days=5),
        (ShipLineDoc(1, "A", 90.0),),
    )  # fmt: skip
    assert receive_interchange(engine, _from_supplier(standard, 502, asn), actor="edi").accepted
    line = _line(engine, number)
    assert (line.shipped_qty, line.expected_date) == (90.0, AS_OF + timedelta(days=5))
    assert _status(engine, number) == "shipped"

    receive(engine, number, 1, 90.0, received_on=AS_OF + timedelta(days=5), actor="dock")
    good = InvoiceDoc(
        "INV-1", AS_OF + timedelta(days=6), number,
        (InvoiceLineDoc(1, "A", 90.0, Decimal("2.00")),), Decimal("180.00"),
    )  # fmt: skip
    bad = InvoiceDoc(
        "INV-2", AS_OF + timedelta(days=6), number,
        (InvoiceLineDoc(1, "A", 10.0, Decimal("2.50")),), Decimal("25.00"),
    )  # fmt: skip
    result = receive_interchange(engine, _from_supplier(standard, 503, good, bad), actor="edi")
    assert result.accepted, result.errors
    invoices = {row["invoice"]: row for row in list_invoices(engine)}
    assert invoices["INV-1"]["status"] == "matched"
    assert invoices["INV-2"]["status"] == "held"
    # 90 already invoiced + 10 = 100 against 90 received; 2.50 against the PO's 2.00
    assert "100 invoiced against 90 received" in invoices["INV-2"]["reasons"]
    assert "price 2.5 against the PO's 2" in invoices["INV-2"]["reasons"]


def test_a_repeated_interchange_is_refused_and_changes_nothing(
    engine: Engine, standard: str
) -> None:
    _, number = planned_po(engine)
    _use(engine, standard)
    send_purchase_order(engine, number, actor="buyer1", now=NOW)
    ack = OrderResponseDoc(number, AS_OF, (AckLineDoc(1, AckLineStatus.ACCEPTED, 100.0, "A"),))
    text = _from_supplier(standard, 77, ack)
    assert receive_interchange(engine, text, actor="edi").accepted
    events = _events(engine)
    again = receive_interchange(engine, text, actor="edi")
    assert not again.accepted
    assert "already received" in again.errors[0]
    assert _events(engine) == events
    answer = CODECS[standard].decode(again.answer).documents[0]
    assert isinstance(answer, FunctionalAckDoc) and not answer.accepted


def test_an_unknown_po_rejects_the_whole_interchange(engine: Engine, standard: str) -> None:
    _, number = planned_po(engine)
    _use(engine, standard)
    send_purchase_order(engine, number, actor="buyer1", now=NOW)
    good = OrderResponseDoc(number, AS_OF, (AckLineDoc(1, AckLineStatus.ACCEPTED, 100.0, "A"),))
    unknown = OrderResponseDoc("PO-NOPE", AS_OF, (AckLineDoc(1, AckLineStatus.ACCEPTED, 1.0),))
    result = receive_interchange(engine, _from_supplier(standard, 9, good, unknown), actor="edi")
    assert not result.accepted
    assert "no purchase order PO-NOPE" in result.errors[0]
    assert ("BAK" if standard == "x12" else "BGM") in result.errors[0]
    assert _status(engine, number) == "sent"  # the good one was not applied either
    assert _line(engine, number).confirmed_qty is None
    with transaction(engine) as session:
        row = session.execute(
            select(EdiInterchangeRow).where(EdiInterchangeRow.direction == "in")
        ).scalar_one()
        assert (row.status, row.dedupe_key) == ("rejected", None)


def test_a_broken_interchange_is_answered_negatively_naming_the_segment(
    engine: Engine, standard: str
) -> None:
    _, number = planned_po(engine)
    _use(engine, standard)
    send_purchase_order(engine, number, actor="buyer1", now=NOW)
    ack = OrderResponseDoc(number, AS_OF, (AckLineDoc(1, AckLineStatus.ACCEPTED, 100.0, "A"),))
    text = _from_supplier(standard, 12, ack)
    if standard == "x12":
        broken = text.replace("~SE*", "~SE*9", 1)  # a wrong segment count
        segment = "SE"
    else:
        broken = text.replace("'UNT+", "'UNT+9", 1)
        segment = "UNT"
    result = receive_interchange(engine, broken, actor="edi")
    assert not result.accepted
    assert f"segment {segment}" in result.errors[0]
    assert _status(engine, number) == "sent"
    answer = CODECS[standard].decode(result.answer).documents[0]
    assert isinstance(answer, FunctionalAckDoc)
    assert not answer.accepted and answer.acknowledged_control_number == 12


def test_unknown_sender_and_foreign_partners_po_are_refused(engine: Engine) -> None:
    _, number = planned_po(engine)
    send_purchase_order(engine, number, actor="buyer1", now=NOW)
    ack = OrderResponseDoc(number, AS_OF, (AckLineDoc(1, AckLineStatus.ACCEPTED, 100.0, "A"),))
    stranger = x12.encode(Interchange(Envelope("EVIL", "TAKT", 1, NOW), (ack,)))
    result = receive_interchange(engine, stranger, actor="edi")
    assert not result.accepted and "unknown sender 'EVIL'" in result.errors[0]
    # S2 (the alternate of the world) is a known partner, but the PO is S1's
    other = x12.encode(Interchange(Envelope("S2", "TAKT", 1, NOW), (ack,)))
    result = receive_interchange(engine, other, actor="edi")
    assert not result.accepted and f"PO {number} is not an order to S2" in result.errors[0]


def test_not_edi_at_all_is_refused_clearly(engine: Engine) -> None:
    with pytest.raises(InvalidInputError, match="not an EDI interchange"):
        receive_interchange(engine, "hello", actor="edi")


def test_email_suppliers_are_not_sent_edi(engine: Engine) -> None:
    _, number = planned_po(engine)
    _use(engine, "email")
    with pytest.raises(InvalidInputError, match="takes purchase orders by email"):
        send_purchase_order(engine, number, actor="buyer1", now=NOW)


def test_the_suppliers_functional_ack_marks_our_interchange_and_is_not_answered(
    engine: Engine, standard: str
) -> None:
    _, number = planned_po(engine)
    _use(engine, standard)
    sent = send_purchase_order(engine, number, actor="buyer1", now=NOW)
    received = CODECS[standard].decode(sent.text)
    their_ack = CODECS[standard].functional_ack(received, envelope=Envelope("S1", "TAKT", 900, NOW))
    text = CODECS[standard].encode(their_ack)
    result = receive_interchange(engine, text, actor="edi")
    assert result.accepted and result.answer == ""
    assert result.applied == (f"interchange {sent.control_number} accepted by S1",)
    with transaction(engine) as session:
        statuses = session.execute(
            select(EdiInterchangeRow.direction, EdiInterchangeRow.status).order_by(
                EdiInterchangeRow.id
            )
        ).all()
    assert [tuple(s) for s in statuses] == [("out", "accepted"), ("in", "applied")]
