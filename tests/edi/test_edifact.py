"""EDIFACT D.96A: encode→decode round trips, the exact envelope, a hand-written ORDERS."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from takt.edi._edifact_syntax import SYNTAX_ERROR_NAMES, describe
from takt.edi.documents import (
    AckLineDoc,
    AckLineStatus,
    Document,
    Envelope,
    FunctionalAckDoc,
    Interchange,
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
from takt.edi.edifact import EdifactError, decode, encode

SETTINGS = settings(max_examples=60, deadline=None)

# ---------------------------------------------------------------- strategies

# UNOC text: printable ISO 8859-1, weighted towards the EDIFACT service characters
# ' + : ? (escaped with ?) and * (a plain character in syntax version 3).
_SPECIAL = st.sampled_from(list("'+:?*"))
_LATIN1 = st.characters(min_codepoint=0x20, max_codepoint=0x7E) | st.characters(
    min_codepoint=0xA0, max_codepoint=0xFF
)
_CHAR = st.one_of(_SPECIAL, _LATIN1)


def texts(max_size: int, min_size: int = 1) -> st.SearchStrategy[str]:
    return st.text(alphabet=_CHAR, min_size=min_size, max_size=max_size)


quantities = st.integers(0, 10**9).map(lambda n: n / 1000)
prices = st.decimals(min_value=0, max_value=10**9, places=4, allow_nan=False, allow_infinity=False)
days = st.dates(min_value=date(1900, 1, 1), max_value=date(2199, 12, 31))
line_numbers = st.integers(1, 999_999)
currencies = st.sampled_from(["EUR", "USD", "CHF", "GBP", "SEK"])
units = st.sampled_from(["EA", "PCE", "KGM", "MTR"]) | texts(3)

envelopes = st.builds(
    Envelope,
    sender_id=texts(35),
    receiver_id=texts(35) | st.just("4012345000009"),
    control_number=st.integers(0, 10**14 - 1),
    prepared_at=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)).map(
        lambda moment: moment.replace(second=0, microsecond=0)
    ),
    test=st.booleans(),
)


@st.composite
def purchase_orders(draw: st.DrawFn, purpose: OrderPurpose | None = None) -> PurchaseOrderDoc:
    chosen = draw(st.sampled_from(OrderPurpose)) if purpose is None else purpose
    lines = draw(
        st.lists(
            st.builds(
                OrderLineDoc,
                line_no=line_numbers,
                sku=texts(35),
                location=texts(25),
                qty=quantities,
                unit_price=prices,
                uom=units,
                need_date=st.none() | days,
                supplier_part=st.none() | texts(35),
                change=st.sampled_from(LineChange),
            ),
            max_size=4,
        )
    )
    return PurchaseOrderDoc(
        po_number=draw(texts(35)),
        order_date=draw(days),
        buyer_id=draw(texts(35)),
        supplier_id=draw(texts(35)),
        lines=tuple(lines),
        purpose=chosen,
        currency=draw(currencies),
        agreement_number=draw(st.none() | texts(35)),
        change_sequence=0 if chosen is OrderPurpose.ORIGINAL else draw(st.integers(0, 10**9 - 1)),
    )


order_responses = st.builds(
    OrderResponseDoc,
    po_number=texts(35),
    response_date=days,
    lines=st.lists(
        st.builds(
            AckLineDoc,
            line_no=line_numbers,
            status=st.sampled_from(AckLineStatus),
            qty=quantities,
            sku=st.just("") | texts(35),
            delivery_date=st.none() | days,
            unit_price=st.none() | prices,
            reason=st.just("") | texts(350),
        ),
        max_size=4,
    ).map(tuple),
    supplier_ref=st.just("") | texts(35),
)

ship_notices = st.builds(
    ShipNoticeDoc,
    shipment_id=texts(35),
    po_number=texts(35),
    ship_date=days,
    expected_arrival=days,
    lines=st.lists(
        st.builds(ShipLineDoc, line_no=line_numbers, sku=texts(35), qty=quantities, uom=units),
        max_size=4,
    ).map(tuple),
    carrier=st.just("") | texts(35),
    tracking=st.just("") | texts(35),
)

invoices = st.builds(
    InvoiceDoc,
    invoice_number=texts(35),
    invoice_date=days,
    po_number=texts(35),
    lines=st.lists(
        st.builds(
            InvoiceLineDoc,
            line_no=line_numbers,
            sku=texts(35),
            qty=quantities,
            unit_price=prices,
            uom=units,
        ),
        max_size=4,
    ).map(tuple),
    total=st.decimals(min_value=-(10**12), max_value=10**12, places=2, allow_nan=False),
    currency=currencies,
)

_codes = st.sampled_from(sorted(SYNTAX_ERROR_NAMES)) | st.just("99")
_identifiers = st.tuples(
    st.sampled_from(["ORDERS", "ORDRSP", "DESADV", "INVOIC"]),
    st.just("D"),
    st.just("96A"),
    st.just("UN"),
) | st.just(("ORDRSP", "D", "96A", "UN", "EAN005"))


@st.composite
def _reported(
    draw: st.DrawFn,
    tags: list[str],
    reference: str = "",
    identifier: tuple[str, ...] = (),
    in_body: bool = False,
) -> EdifactError:
    """One error as a CONTRL carries it: code, element/component, UCS position."""
    code = draw(_codes)
    element = draw(st.none() | st.integers(0, 998))
    return EdifactError(
        segment=draw(st.sampled_from(tags)),
        position=0,
        message=describe(code),
        element=element,
        code=code,
        message_ref=reference,
        message_identifier=identifier,
        message_position=draw(st.integers(1, 999_999)) if in_body else None,
        component=draw(st.none() | st.integers(1, 999)) if element is not None else None,
    )


@st.composite
def acknowledgements(draw: st.DrawFn) -> FunctionalAckDoc:
    """CONTRL documents in the "as reported" form (what decoding a CONTRL gives).

    At most one interchange-level error (UCI), then per message (UCM) at most one
    UNH/UNT-level error and the UCS/UCD errors; every UCM reports at least one.
    """
    control = draw(st.integers(0, 10**14 - 1))
    if draw(st.booleans()):
        return FunctionalAckDoc(acknowledged_control_number=control, accepted=True)
    errors = draw(st.lists(_reported(["UNA", "UNB", "UNZ", ""]), max_size=1))
    set_ids = []
    for reference in draw(st.lists(texts(14), max_size=3, unique=True)):
        identifier = draw(_identifiers)
        set_ids.append(identifier[0])
        head = draw(st.lists(_reported(["UNH", "UNT", ""], reference, identifier), max_size=1))
        body = _reported([""], reference, identifier, in_body=True)
        errors += head + draw(st.lists(body, min_size=0 if head else 1, max_size=4))
    return FunctionalAckDoc(
        acknowledged_control_number=control,
        accepted=False,
        errors=tuple(errors),
        acknowledged_set_ids=tuple(set_ids),
    )


def _round_trip(envelope: Envelope, *documents: Document) -> None:
    interchange = Interchange(envelope=envelope, documents=documents)
    assert decode(encode(interchange)) == interchange


# ---------------------------------------------------------------- round trips


@SETTINGS
@given(envelopes, purchase_orders(OrderPurpose.ORIGINAL))
def test_orders_round_trip(envelope: Envelope, order: PurchaseOrderDoc) -> None:
    _round_trip(envelope, order)


@SETTINGS
@given(
    envelopes, st.sampled_from([OrderPurpose.CHANGE, OrderPurpose.CANCEL]).flatmap(purchase_orders)
)
def test_ordchg_round_trip(envelope: Envelope, change: PurchaseOrderDoc) -> None:
    _round_trip(envelope, change)


@SETTINGS
@given(envelopes, order_responses)
def test_ordrsp_round_trip(envelope: Envelope, response: OrderResponseDoc) -> None:
    _round_trip(envelope, response)


@SETTINGS
@given(envelopes, ship_notices)
def test_desadv_round_trip(envelope: Envelope, notice: ShipNoticeDoc) -> None:
    _round_trip(envelope, notice)


@SETTINGS
@given(envelopes, invoices)
def test_invoic_round_trip(envelope: Envelope, invoice: InvoiceDoc) -> None:
    _round_trip(envelope, invoice)


@SETTINGS
@given(envelopes, acknowledgements())
def test_contrl_round_trip(envelope: Envelope, ack: FunctionalAckDoc) -> None:
    _round_trip(envelope, ack)


@settings(max_examples=25, deadline=None)
@given(
    envelopes,
    st.lists(
        st.one_of(purchase_orders(), order_responses, ship_notices, invoices, acknowledgements()),
        min_size=1,
        max_size=5,
    ),
)
def test_mixed_interchange_round_trip(envelope: Envelope, documents: list[Document]) -> None:
    _round_trip(envelope, *documents)


def test_every_service_character_is_released_and_read_back() -> None:
    order = SAMPLES["ORDERS"]
    assert isinstance(order, PurchaseOrderDoc)
    tricky = "A'B+C:D?E*F"
    text = encode(Interchange(ENVELOPE, (_with_po(order, tricky),)))
    assert "BGM+220+A?'B?+C?:D??E*F+9'" in text  # * is a plain character in syntax 3
    assert decode(text).documents[0].po_number == tricky  # type: ignore[union-attr]


def _with_po(order: PurchaseOrderDoc, po_number: str) -> PurchaseOrderDoc:
    return PurchaseOrderDoc(
        po_number=po_number,
        order_date=order.order_date,
        buyer_id=order.buyer_id,
        supplier_id=order.supplier_id,
        lines=order.lines,
    )


# ---------------------------------------------------------------- fixed samples

ENVELOPE = Envelope(
    sender_id="TAKTBUYER",
    receiver_id="4012345000009",
    control_number=4711,
    prepared_at=datetime(2024, 3, 5, 14, 7),
)
SAMPLES: dict[str, Document] = {
    "ORDERS": PurchaseOrderDoc(
        po_number="PO-2024-0042",
        order_date=date(2024, 3, 5),
        buyer_id="TAKTBUYER",
        supplier_id="4012345000009",
        lines=(
            OrderLineDoc(
                1,
                "BOLT-M8",
                "DOCK-A",
                1200.0,
                Decimal("0.0425"),
                "PCE",
                date(2024, 3, 12),
                "ACME-8812",
            ),
            OrderLineDoc(2, "NUT-M8", "DOCK-B", 1150.5, Decimal("0.0110"), "EA", date(2024, 3, 14)),
        ),
        currency="EUR",
        agreement_number="FRAME-77",
    ),
    "ORDCHG": PurchaseOrderDoc(
        po_number="PO-2024-0042",
        order_date=date(2024, 3, 6),
        buyer_id="TAKTBUYER",
        supplier_id="4012345000009",
        lines=(
            OrderLineDoc(
                1,
                "BOLT-M8",
                "DOCK-A",
                1500.0,
                Decimal("0.0425"),
                "PCE",
                date(2024, 3, 12),
                change=LineChange.CHANGE,
            ),
            OrderLineDoc(2, "NUT-M8", "DOCK-B", 0.0, Decimal("0.0110"), change=LineChange.DELETE),
            OrderLineDoc(3, "WASHER-M8", "DOCK-B", 500.0, Decimal("0.005"), change=LineChange.ADD),
        ),
        purpose=OrderPurpose.CHANGE,
        change_sequence=2,
    ),
    "ORDRSP": OrderResponseDoc(
        po_number="PO-2024-0042",
        response_date=date(2024, 3, 6),
        lines=(
            AckLineDoc(1, AckLineStatus.ACCEPTED, 1200.0, "BOLT-M8", date(2024, 3, 12)),
            AckLineDoc(
                2,
                AckLineStatus.CHANGED,
                1000.0,
                "NUT-M8",
                date(2024, 3, 15),
                Decimal("0.0115"),
                "Only 1000 in stock; rest 'next' week",
            ),
        ),
        supplier_ref="OC-99812",
    ),
    "DESADV": ShipNoticeDoc(
        shipment_id="ASN-5521",
        po_number="PO-2024-0042",
        ship_date=date(2024, 3, 11),
        expected_arrival=date(2024, 3, 12),
        lines=(ShipLineDoc(1, "BOLT-M8", 1200.0, "PCE"), ShipLineDoc(2, "NUT-M8", 1000.0)),
        carrier="DHL Freight",
        tracking="JJD0001234",
    ),
    "INVOIC": InvoiceDoc(
        invoice_number="INV-88120",
        invoice_date=date(2024, 3, 13),
        po_number="PO-2024-0042",
        lines=(
            InvoiceLineDoc(1, "BOLT-M8", 1200.0, Decimal("0.0425"), "PCE"),
            InvoiceLineDoc(2, "NUT-M8", 1000.0, Decimal("0.0115")),
        ),
        total=Decimal("62.50"),
    ),
    "CONTRL": FunctionalAckDoc(acknowledged_control_number=815, accepted=True),
}


def test_several_messages_give_the_exact_envelope() -> None:
    """UNA, UNB, UNH refs 1..n, UNT counting UNH..UNT, UNZ counting messages."""
    documents = (SAMPLES["DESADV"], SAMPLES["CONTRL"], SAMPLES["INVOIC"])
    text = encode(Interchange(ENVELOPE, documents))
    assert text == (
        "UNA:+.? '"
        "UNB+UNOC:3+TAKTBUYER:ZZ+4012345000009:14+240305:1407+4711'"
        "UNH+1+DESADV:D:96A:UN'"
        "BGM+351+ASN-5521+9'DTM+11:20240311:102'DTM+17:20240312:102'"
        "RFF+ON:PO-2024-0042'RFF+CN:JJD0001234'TDT+20++++:::DHL Freight'CPS+1'"
        "LIN+1++BOLT-M8:IN'QTY+12:1200:PCE'RFF+ON:PO-2024-0042:1'"
        "LIN+2++NUT-M8:IN'QTY+12:1000:EA'RFF+ON:PO-2024-0042:2'CNT+2:2'"
        "UNT+16+1'"
        "UNH+2+CONTRL:D:3:UN'UCI+815+4012345000009+TAKTBUYER+7'UNT+3+2'"
        "UNH+3+INVOIC:D:96A:UN'"
        "BGM+380+INV-88120+9'DTM+137:20240313:102'RFF+ON:PO-2024-0042'CUX+2:EUR:4'"
        "LIN+1++BOLT-M8:IN'QTY+47:1200:PCE'PRI+AAA:0.0425'"
        "LIN+2++NUT-M8:IN'QTY+47:1000:EA'PRI+AAA:0.0115'"
        "UNS+S'CNT+2:2'MOA+86:62.50'"
        "UNT+15+3'"
        "UNZ+3+4711'"
    )
    assert decode(text) == Interchange(ENVELOPE, documents)


def test_test_indicator_is_unb_0035() -> None:
    envelope = Envelope("TAKTBUYER", "SUPPLIER", 9, datetime(2024, 3, 5, 14, 7), test=True)
    text = encode(Interchange(envelope, (SAMPLES["CONTRL"],)))
    assert "UNB+UNOC:3+TAKTBUYER:ZZ+SUPPLIER:ZZ+240305:1407+9++++++1'" in text
    assert decode(text).envelope.test is True


def test_ordchg_carries_actions_and_the_order_version() -> None:
    text = encode(Interchange(ENVELOPE, (SAMPLES["ORDCHG"],)))
    assert "BGM+230+PO-2024-0042+4'" in text
    assert "RFF+ON:PO-2024-0042::2'" in text
    assert "LIN+1+3+BOLT-M8:IN'" in text and "LIN+2+2+NUT-M8:IN'" in text
    assert "LIN+3+1+WASHER-M8:IN'" in text


# A supplier's own ORDERS, hand-written in D.96A layout with a line break after each
# segment, segments Takt does not map (IMD, FTX, NAD address, TAX) and UNA absent.
HAND_WRITTEN_ORDERS = """\
UNB+UNOC:3+5412345000013:14+TAKTBUYER:ZZ+240611:0915+20240611001'
UNH+ME000001+ORDERS:D:96A:UN'
BGM+220+4500012345+9'
DTM+137:20240611:102'
FTX+AAI+++Please deliver to gate 3?: ring twice'
RFF+CT:RA-2024/17'
NAD+BY+5412345000013::9++Brasserie du Nord+Rue de l?'Usine 12+Namur++5000+BE'
NAD+SU+TAKTBUYER::92'
CUX+2:EUR:9'
LIN+10++MALT-PILS-25:IN'
PIA+1+MP25-B:SA'
IMD+F++:::Pilsner malt, 25 kg sack'
QTY+21:40:BG'
DTM+2:20240618:102'
PRI+AAA:31.90'
LOC+7+GATE3'
LIN+20++HOPS-SAAZ:IN'
QTY+21:12.5:KGM'
DTM+2:20240620:102'
PRI+AAA:18.4'
LOC+7+COLD-STORE'
TAX+7+VAT+++:::21'
UNS+S'
CNT+2:2'
UNT+24+ME000001'
UNZ+1+20240611001'
"""


def test_hand_written_orders_sample_is_read() -> None:
    received = decode(HAND_WRITTEN_ORDERS)
    assert received.envelope == Envelope(
        "5412345000013", "TAKTBUYER", 20240611001, datetime(2024, 6, 11, 9, 15)
    )
    (order,) = received.documents
    assert order == PurchaseOrderDoc(
        po_number="4500012345",
        order_date=date(2024, 6, 11),
        buyer_id="5412345000013",
        supplier_id="TAKTBUYER",
        lines=(
            OrderLineDoc(
                10,
                "MALT-PILS-25",
                "GATE3",
                40.0,
                Decimal("31.90"),
                "BG",
                date(2024, 6, 18),
                "MP25-B",
            ),
            OrderLineDoc(
                20, "HOPS-SAAZ", "COLD-STORE", 12.5, Decimal("18.4"), "KGM", date(2024, 6, 20)
            ),
        ),
        currency="EUR",
        agreement_number="RA-2024/17",
    )
