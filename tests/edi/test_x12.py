"""X12 004010 encode/decode: exact round trips, the fixed envelope, a realistic 850.

The strategies here are imported by the other ``test_x12_*`` modules.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from takt.edi._x12_syntax import (
    ELEMENT_CODES,
    FUNCTIONAL_IDS,
    GROUP_CODE_PLACES,
    GROUP_CODES,
    SEGMENT_CODES,
    SET_CODE_PLACES,
    SET_CODES,
)
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
from takt.edi.x12 import Separators, X12Error, decode, encode
from takt.errors import InvalidInputError

# ---------------------------------------------------------------------------
# Strategies. Text is any printable Unicode (accents, CJK, punctuation such as
# ":", "+", "'", "^", "|") except the three default separators.

PRINTABLE = st.characters(blacklist_categories=("C", "Zl", "Zp", "Zs")) | st.just(" ")


def text(min_size: int = 1, max_size: int = 20, avoid: str = "*>~") -> st.SearchStrategy[str]:
    chars = PRINTABLE.filter(lambda char: char not in avoid)
    return st.text(chars, min_size=min_size, max_size=max_size)


def maybe(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.just("") | strategy


quantities = st.decimals(min_value=0, max_value=Decimal("999999"), places=3).map(float)
prices = st.decimals(min_value=0, max_value=Decimal("9999999"), places=4)
days = st.dates()
line_numbers = st.integers(1, 10**6)


@st.composite
def envelopes(draw: st.DrawFn, avoid: str = "*>~") -> Envelope:
    partner_ids = text(2, 15, avoid=avoid).filter(lambda value: not value.endswith(" "))
    control = draw(st.integers(1, 999_999_990))
    group = draw(st.none() | st.integers(1, 999_999_990).filter(lambda n: n != control))
    stamp = draw(st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 31)))
    return Envelope(
        sender_id=draw(partner_ids),
        receiver_id=draw(partner_ids),
        control_number=control,
        prepared_at=stamp.replace(microsecond=0),
        group_control_number=group,
        test=draw(st.booleans()),
    )


@st.composite
def order_lines(draw: st.DrawFn, changes: tuple[LineChange, ...]) -> OrderLineDoc:
    return OrderLineDoc(
        line_no=draw(line_numbers),
        sku=draw(maybe(text(max_size=48))),
        location=draw(maybe(text(2, 30))),
        qty=draw(quantities),
        unit_price=draw(prices),
        uom=draw(text(2, 2)),
        need_date=draw(st.none() | days),
        supplier_part=draw(st.none() | text(max_size=48)),
        change=draw(st.sampled_from(changes)),
    )


@st.composite
def purchase_orders(draw: st.DrawFn, purpose: OrderPurpose | None = None) -> PurchaseOrderDoc:
    purpose = purpose or draw(st.sampled_from(OrderPurpose))
    original = purpose is OrderPurpose.ORIGINAL
    changes = (
        (LineChange.UNCHANGED,)
        if original
        else (LineChange.ADD, LineChange.CHANGE, LineChange.DELETE)
    )
    return PurchaseOrderDoc(
        po_number=draw(text(max_size=22)),
        order_date=draw(days),
        buyer_id=draw(maybe(text(2, 30))),
        supplier_id=draw(maybe(text(2, 30))),
        lines=tuple(
            draw(st.lists(order_lines(changes), min_size=1 if original else 0, max_size=4))
        ),
        purpose=purpose,
        currency=draw(maybe(text(3, 3))),
        agreement_number=draw(st.none() | text(max_size=30)),
        change_sequence=0 if original else draw(st.integers(0, 99_999_999)),
    )


@st.composite
def order_responses(draw: st.DrawFn) -> OrderResponseDoc:
    lines = st.builds(
        AckLineDoc,
        line_no=line_numbers,
        status=st.sampled_from(AckLineStatus),
        qty=quantities,
        sku=maybe(text(max_size=48)),
        delivery_date=st.none() | days,
        unit_price=st.none() | prices,
        reason=maybe(text(max_size=80)),
    )
    return OrderResponseDoc(
        po_number=draw(text(max_size=22)),
        response_date=draw(days),
        lines=tuple(draw(st.lists(lines, max_size=4))),
        supplier_ref=draw(maybe(text(max_size=30))),
    )


@st.composite
def ship_notices(draw: st.DrawFn) -> ShipNoticeDoc:
    lines = st.builds(
        ShipLineDoc,
        line_no=line_numbers,
        sku=text(max_size=48),
        qty=quantities,
        uom=text(2, 2),
    )
    return ShipNoticeDoc(
        shipment_id=draw(text(2, 30)),
        po_number=draw(text(max_size=22)),
        ship_date=draw(days),
        expected_arrival=draw(days),
        lines=tuple(draw(st.lists(lines, max_size=4))),
        carrier=draw(maybe(text(max_size=35))),
        tracking=draw(maybe(text(max_size=30))),
    )


@st.composite
def invoices(draw: st.DrawFn) -> InvoiceDoc:
    lines = st.builds(
        InvoiceLineDoc,
        line_no=line_numbers,
        sku=maybe(text(max_size=48)),
        qty=quantities,
        unit_price=prices,
        uom=text(2, 2),
    )
    return InvoiceDoc(
        invoice_number=draw(text(max_size=22)),
        invoice_date=draw(days),
        po_number=draw(text(max_size=22)),
        lines=tuple(draw(st.lists(lines, max_size=4))),
        total=Decimal(draw(st.integers(-(10**12), 10**12))).scaleb(-2),
        currency=draw(maybe(text(3, 3))),
    )


SEGMENT_TAGS = ("BEG", "PO1", "DTM", "N1", "REF", "BAK", "ACK", "LIN", "SN1", "IT1")


@st.composite
def functional_acks(draw: st.DrawFn) -> FunctionalAckDoc:
    """997 content in the form a 997 carries it (see takt.edi._x12_ack)."""
    set_id = draw(st.sampled_from(["850", "860", "855", "856", "810"]))
    functional_id = FUNCTIONAL_IDS[set_id]
    group = draw(st.integers(1, 999_999_999))
    count = draw(st.integers(1, 6))
    errors: list[X12Error] = []
    for number in draw(st.lists(st.integers(1, count), unique=True, max_size=3)):
        key = (set_id, f"{number:04d}")
        listed: list[X12Error] = []
        for position in sorted(draw(st.sets(st.integers(2, 60), max_size=3))):
            tag = draw(st.sampled_from(SEGMENT_TAGS))
            elements = sorted(draw(st.sets(st.integers(1, 20), max_size=3)))
            codes = [c for c in SEGMENT_CODES if c != "8" or not elements]
            if not elements or draw(st.booleans()):
                code = draw(st.sampled_from(codes))
                listed.append(
                    X12Error(
                        tag,
                        position,
                        SEGMENT_CODES[code],
                        None,
                        code,
                        functional_id,
                        group,
                        *key,
                        position,
                    )
                )
            for element in elements:
                code = draw(st.sampled_from(list(ELEMENT_CODES)))
                listed.append(
                    X12Error(
                        tag,
                        position,
                        ELEMENT_CODES[code],
                        element,
                        code,
                        functional_id,
                        group,
                        *key,
                        position,
                    )
                )
        set_codes = draw(st.sets(st.sampled_from(list(SET_CODES)), max_size=3))
        set_codes |= {"5"} if listed else set()
        errors += listed
        for code in sorted(set_codes, key=int):
            segment, place = SET_CODE_PLACES[code]
            errors.append(
                X12Error(segment, 0, SET_CODES[code], place, code, functional_id, group, *key)
            )
    for code in sorted(
        draw(st.sets(st.sampled_from(["1", "2", "3", "4", "5", "6"]), max_size=2)), key=int
    ):
        segment, place = GROUP_CODE_PLACES[code]
        errors.append(X12Error(segment, 0, GROUP_CODES[code], place, code, functional_id, group))
    return FunctionalAckDoc(
        acknowledged_control_number=group,
        accepted=draw(st.booleans()),
        errors=tuple(errors),
        acknowledged_group_control_number=group,
        acknowledged_set_ids=(set_id,) * count,
    )


KINDS: dict[str, st.SearchStrategy[Document]] = {
    "850": purchase_orders(OrderPurpose.ORIGINAL),
    "860": purchase_orders(OrderPurpose.CHANGE) | purchase_orders(OrderPurpose.CANCEL),
    "855": order_responses(),
    "856": ship_notices(),
    "810": invoices(),
    "997": functional_acks(),
}


@st.composite
def interchanges(draw: st.DrawFn) -> Interchange:
    """Several kinds, each kind's documents together (one functional group each)."""
    kinds = draw(st.permutations(list(KINDS)))[: draw(st.integers(0, len(KINDS)))]
    documents: list[Document] = []
    for kind in kinds:
        documents += draw(st.lists(KINDS[kind], min_size=1, max_size=2))
    envelope = draw(envelopes())
    if not documents:  # no GS: ISA09 gives the century as 20YY, no seconds, no GS06
        stamp = envelope.prepared_at.replace(second=0)
        stamp = stamp.replace(year=2000 + stamp.year % 100)
        envelope = replace(envelope, prepared_at=stamp, group_control_number=None)
    return Interchange(envelope, tuple(documents))


# ---------------------------------------------------------------------------
# Round trips


@pytest.mark.parametrize("kind", list(KINDS))
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_round_trip_is_exact_for_every_document_kind(kind: str, data: st.DataObject) -> None:
    interchange = Interchange(data.draw(envelopes()), (data.draw(KINDS[kind]),))
    assert decode(encode(interchange)) == interchange


@settings(max_examples=60, deadline=None)
@given(interchanges())
def test_round_trip_is_exact_for_mixed_interchanges(interchange: Interchange) -> None:
    assert decode(encode(interchange)) == interchange


SEPARATOR_CHARS = "*|^:+!#$%&;@~>\\"


@st.composite
def separator_sets(draw: st.DrawFn) -> Separators:
    element, component, segment = draw(
        st.lists(st.sampled_from(SEPARATOR_CHARS), min_size=3, max_size=3, unique=True)
    )
    return Separators(element, component, segment, line_break=draw(st.booleans()))


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_round_trip_with_other_separators_lets_values_hold_the_default_ones(
    data: st.DataObject,
) -> None:
    """Separators are read from the ISA: with "|" as element separator, "*" is just text."""
    separators = data.draw(separator_sets())
    avoid = separators.element + separators.component + separators.segment
    po = PurchaseOrderDoc(
        po_number=data.draw(text(max_size=22, avoid=avoid)),
        order_date=date(2024, 5, 2),
        buyer_id=data.draw(text(2, 30, avoid=avoid)),
        supplier_id="SUP",
        lines=(
            OrderLineDoc(1, data.draw(text(max_size=48, avoid=avoid)), "DC", 1.0, Decimal("2")),
        ),
    )
    interchange = Interchange(data.draw(envelopes(avoid)), (po,))
    assert decode(encode(interchange, separators=separators)) == interchange


# ---------------------------------------------------------------------------
# Values X12 cannot carry


ENVELOPE = Envelope("TAKTBUYER", "ACMESUPPLY", 42, datetime(2024, 3, 5, 14, 30))


def purchase_order(**changes: object) -> PurchaseOrderDoc:
    line = OrderLineDoc(1, "SKU-1", "DC01", 120.0, Decimal("2.35"), need_date=date(2024, 3, 20))
    fields: dict[str, object] = {
        "po_number": "PO-1001",
        "order_date": date(2024, 3, 5),
        "buyer_id": "TAKT",
        "supplier_id": "ACME",
        "lines": (line,),
        "agreement_number": "AG-9",
    }
    fields.update(changes)
    return PurchaseOrderDoc(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("po", "field", "what"),
    [
        (purchase_order(po_number="PO*1001"), "po_number", "element separator"),
        (purchase_order(agreement_number="AG~9"), "agreement_number", "segment terminator"),
        (purchase_order(buyer_id="TA>KT"), "buyer_id", "component separator"),
        (
            purchase_order(lines=(OrderLineDoc(1, "SKU*1", "DC01", 1.0, Decimal(1)),)),
            "line 1 sku",
            "element separator",
        ),
        (
            purchase_order(lines=(OrderLineDoc(1, "S", "DC~01", 1.0, Decimal(1)),)),
            "line 1 location",
            "segment terminator",
        ),
    ],
)
def test_encode_refuses_a_value_holding_a_separator_and_names_the_field(
    po: PurchaseOrderDoc, field: str, what: str
) -> None:
    with pytest.raises(InvalidInputError) as raised:
        encode(Interchange(ENVELOPE, (po,)))
    assert field in str(raised.value)
    assert what in str(raised.value)
    assert "no release character" in str(raised.value)


@settings(max_examples=40, deadline=None)
@given(
    st.tuples(text(max_size=10), st.sampled_from("*>~"), text(max_size=10)).map("".join),
    st.sampled_from(["po_number", "agreement_number", "supplier_id"]),
)
def test_any_text_holding_a_separator_is_refused_never_written(value: str, field: str) -> None:
    po = purchase_order(**{field: value})
    with pytest.raises(InvalidInputError, match=field):
        encode(Interchange(ENVELOPE, (po,)))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"po_number": "P" * 23}, "po_number"),
        ({"currency": "EURO"}, "currency"),
        ({"po_number": "PO\n1"}, "not printable"),
        ({"lines": ()}, "at least one line"),
        ({"change_sequence": 2}, "change_sequence"),
        (
            {"lines": (OrderLineDoc(1, "S", "DC", float("nan"), Decimal(1)),)},
            "finite",
        ),
        (
            {"lines": (OrderLineDoc(1, "S", "DC", 0.1 + 0.2, Decimal(1)),)},
            "digits",
        ),
        (
            {"lines": (OrderLineDoc(1, "S", "DC", 1.0, Decimal(1), change=LineChange.ADD),)},
            "860",
        ),
    ],
)
def test_encode_refuses_what_the_elements_cannot_hold(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        encode(Interchange(ENVELOPE, (purchase_order(**changes),)))


@pytest.mark.parametrize(
    "envelope",
    [
        Envelope("TAKT*BUY", "ACME", 1, datetime(2024, 1, 1)),
        Envelope("A" * 16, "ACME", 1, datetime(2024, 1, 1)),
        Envelope("TAKT ", "ACME", 1, datetime(2024, 1, 1)),
        Envelope("TAKT", "ACME", 10**9, datetime(2024, 1, 1)),
        Envelope("TAKT", "ACME", 0, datetime(2024, 1, 1)),
    ],
)
def test_encode_refuses_an_envelope_the_isa_cannot_hold(envelope: Envelope) -> None:
    with pytest.raises(InvalidInputError, match="envelope"):
        encode(Interchange(envelope, (purchase_order(),)))


def test_encode_refuses_separators_that_cannot_delimit() -> None:
    for separators in (Separators(element="A"), Separators(component="*"), Separators(segment=" ")):
        with pytest.raises(InvalidInputError, match="separator"):
            encode(Interchange(ENVELOPE, (purchase_order(),)), separators=separators)


# ---------------------------------------------------------------------------
# The envelope, exactly


def test_envelope_is_exact_for_an_interchange_with_several_documents() -> None:
    envelope = Envelope("TAKTBUYER", "ACMESUPPLY", 42, datetime(2024, 3, 5, 14, 30), test=True)
    second = purchase_order(po_number="PO-1002")
    notice = ShipNoticeDoc(
        "SHP-1", "PO-0999", date(2024, 3, 4), date(2024, 3, 6), (ShipLineDoc(1, "SKU-1", 5.0),)
    )
    text_out = encode(Interchange(envelope, (purchase_order(), second, notice)))
    segments = text_out.split("~")
    assert segments[-1] == ""
    isa = segments[0] + "~"
    assert len(isa) == 106
    assert isa[3] == "*" and isa[104] == ">" and isa[105] == "~"
    assert isa[:35] == "ISA*00*          *00*          *ZZ*"
    assert isa[35:50] == "TAKTBUYER      "  # ISA06, padded to 15
    assert isa[51:53] == "ZZ" and isa[54:69] == "ACMESUPPLY     "  # ISA07, ISA08
    assert isa[70:76] == "240305" and isa[77:81] == "1430"  # ISA09 YYMMDD, ISA10 HHMM
    assert isa[82] == "U" and isa[84:89] == "00401"  # ISA11, ISA12
    assert isa[90:99] == "000000042" and isa[100] == "0" and isa[102] == "T"  # ISA13-15
    assert segments[1:] == [
        "GS*PO*TAKTBUYER*ACMESUPPLY*20240305*1430*42*X*004010",
        "ST*850*0001",
        "BEG*00*SA*PO-1001**20240305",
        "CUR*BY*EUR",
        "REF*CT*AG-9",
        "N1*BY**92*TAKT",
        "N1*SE**92*ACME",
        "PO1*1*120*EA*2.35**BP*SKU-1",
        "DTM*002*20240320",
        "N1*ST**92*DC01",
        "CTT*1",
        "SE*11*0001",
        "ST*850*0002",
        "BEG*00*SA*PO-1002**20240305",
        "CUR*BY*EUR",
        "REF*CT*AG-9",
        "N1*BY**92*TAKT",
        "N1*SE**92*ACME",
        "PO1*1*120*EA*2.35**BP*SKU-1",
        "DTM*002*20240320",
        "N1*ST**92*DC01",
        "CTT*1",
        "SE*11*0002",
        "GE*2*42",
        "GS*SH*TAKTBUYER*ACMESUPPLY*20240305*1430*43*X*004010",
        "ST*856*0003",
        "BSN*00*SHP-1*20240305*1430*0002",
        "DTM*011*20240304",
        "DTM*017*20240306",
        "HL*1**S*1",
        "HL*2*1*O*1",
        "PRF*PO-0999",
        "HL*3*2*I*0",
        "LIN*1*BP*SKU-1",
        "SN1**5*EA",
        "CTT*3",
        "SE*12*0003",
        "GE*1*43",
        "IEA*2*000000042",
        "",
    ]


def test_group_control_number_and_seconds_travel_in_gs() -> None:
    envelope = Envelope("TAKT", "ACME", 7, datetime(2031, 12, 31, 23, 59, 58), 900)
    text_out = encode(Interchange(envelope, (purchase_order(),)))
    assert "GS*PO*TAKT*ACME*20311231*235958*900*X*004010~" in text_out
    assert text_out.endswith("GE*1*900~IEA*1*000000007~")
    assert decode(text_out).envelope == envelope


def test_decode_accepts_a_newline_after_each_terminator() -> None:
    interchange = Interchange(ENVELOPE, (purchase_order(),))
    with_breaks = encode(interchange, separators=Separators(line_break=True))
    assert with_breaks.count("~\n") == with_breaks.count("~")
    assert decode(with_breaks) == interchange
    assert decode(with_breaks.replace("\n", "\r\n")) == interchange


def test_change_order_carries_only_changed_lines_with_their_codes() -> None:
    lines = (
        OrderLineDoc(1, "A", "DC", 10.0, Decimal("1.5"), change=LineChange.CHANGE),
        OrderLineDoc(2, "B", "DC", 5.0, Decimal("2"), change=LineChange.UNCHANGED),
        OrderLineDoc(3, "C", "DC", 0.0, Decimal("3"), change=LineChange.DELETE),
        OrderLineDoc(4, "D", "DC", 2.0, Decimal("4"), change=LineChange.ADD),
    )
    change = purchase_order(purpose=OrderPurpose.CHANGE, change_sequence=3, lines=lines)
    text_out = encode(Interchange(ENVELOPE, (change,)))
    assert "GS*PC*" in text_out and "BCH*04*SA*PO-1001**3*20240305~" in text_out
    assert [s for s in text_out.split("~") if s.startswith("POC")] == [
        "POC*1*CA*10**EA*1.5**BP*A",
        "POC*3*DI*0**EA*3**BP*C",
        "POC*4*AI*2**EA*4**BP*D",
    ]
    back = decode(text_out).documents[0]
    assert isinstance(back, PurchaseOrderDoc)
    assert back.lines == tuple(line for line in lines if line.change is not LineChange.UNCHANGED)
    cancel = purchase_order(purpose=OrderPurpose.CANCEL, lines=())
    assert "BCH*01*SA*PO-1001**0*20240305~" in encode(Interchange(ENVELOPE, (cancel,)))


def test_invoice_total_travels_in_cents() -> None:
    invoice = InvoiceDoc(
        "INV-9",
        date(2024, 3, 21),
        "PO-1001",
        (InvoiceLineDoc(1, "SKU-1", 120.0, Decimal("2.35")),),
        Decimal("282.00"),
    )
    text_out = encode(Interchange(ENVELOPE, (invoice,)))
    assert "TDS*28200~" in text_out
    assert decode(text_out).documents == (invoice,)
    with pytest.raises(InvalidInputError, match="two decimals"):
        encode(
            Interchange(ENVELOPE, (InvoiceDoc("I", date(2024, 1, 1), "P", (), Decimal("1.005")),))
        )


# ---------------------------------------------------------------------------
# A realistic 850, written by hand after the X12 004010 850 layout: header
# (BEG, CUR, REF, PER, DTM, N1 loop with N3/N4), PO1 loops with PID, DTM and
# ship-to N1, CTT with the hash total of quantities.

NORDBOLT_850 = (
    (
        "ISA*00*          *00*          *ZZ*TAKTDEMO       *ZZ*NORDBOLT       "
        "*240611*0905*U*00401*000001203*0*P*>~\n"
    )
    + """\
GS*PO*TAKTDEMO*NORDBOLT*20240611*0905*1203*X*004010~
ST*850*0001~
BEG*00*SA*4500012345**20240611~
CUR*BY*EUR~
REF*CT*FA-2024-07~
PER*BD*J. MEIER*TE*+49 30 1234567~
DTM*002*20240625~
N1*BY*TAKT DEMO GMBH*92*TAKT~
N1*SE*NORDBOLT FASTENERS AB*92*NORDBOLT~
N3*INDUSTRIVAGEN 12~
N4*GOTEBORG**41755*SE~
PO1*10*2500*EA*0.0825**BP*M8-HEX-40*VP*NB-884012~
PID*F****HEX BOLT M8X40 ZINC PLATED~
DTM*002*20240625~
N1*ST*BERLIN DC*92*DC-BER~
PO1*20*12.5*KG*14.90**BP*WASHER-M8-BULK~
PID*F****WASHER M8 BULK~
DTM*002*20240702~
N1*ST*HAMBURG DC*92*DC-HAM~
CTT*2*2512.5~
SE*20*0001~
GE*1*1203~
IEA*1*000001203~
"""
)


def test_realistic_850_is_read_with_its_values() -> None:
    received = decode(NORDBOLT_850)
    assert received.envelope == Envelope(
        "TAKTDEMO", "NORDBOLT", 1203, datetime(2024, 6, 11, 9, 5), None, False
    )
    assert received.documents == (
        PurchaseOrderDoc(
            po_number="4500012345",
            order_date=date(2024, 6, 11),
            buyer_id="TAKT",
            supplier_id="NORDBOLT",
            lines=(
                OrderLineDoc(
                    10,
                    "M8-HEX-40",
                    "DC-BER",
                    2500.0,
                    Decimal("0.0825"),
                    "EA",
                    date(2024, 6, 25),
                    "NB-884012",
                ),
                OrderLineDoc(
                    20, "WASHER-M8-BULK", "DC-HAM", 12.5, Decimal("14.90"), "KG", date(2024, 7, 2)
                ),
            ),
            currency="EUR",
            agreement_number="FA-2024-07",
        ),
    )
