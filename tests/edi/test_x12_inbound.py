"""Inbound X12: every envelope and syntax check, and the 997 that answers it.

Each test breaks one rule in an otherwise good interchange and checks that
``decode`` names the segment, the element and the X12 code, and that
``functional_ack`` answers with a rejecting 997 (AK9*R) whose AK3/AK4 (or AK5,
AK905) say the same.
"""

from __future__ import annotations

import re
from dataclasses import replace as dc_replace
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from takt.edi.documents import (
    AckLineDoc,
    AckLineStatus,
    Document,
    EdiRejected,
    Envelope,
    FunctionalAckDoc,
    Interchange,
    InvoiceDoc,
    InvoiceLineDoc,
    OrderResponseDoc,
    ShipLineDoc,
    ShipNoticeDoc,
)
from takt.edi.x12 import Separators, X12Error, decode, encode, functional_ack
from takt.errors import InvalidInputError
from tests.edi.test_x12 import ENVELOPE, KINDS, purchase_order

OURS = Envelope("ACMESUPPLY", "TAKTBUYER", 501, datetime(2024, 3, 5, 15, 0))

RESPONSE = OrderResponseDoc(
    "PO-1001",
    date(2024, 3, 6),
    (AckLineDoc(1, AckLineStatus.ACCEPTED, 120.0, "SKU-1", date(2024, 3, 20), Decimal("2.35")),),
)
NOTICE = ShipNoticeDoc(
    "SHP-1", "PO-1001", date(2024, 3, 18), date(2024, 3, 20), (ShipLineDoc(1, "SKU-1", 120.0),)
)
INVOICE = InvoiceDoc(
    "INV-9",
    date(2024, 3, 21),
    "PO-1001",
    (InvoiceLineDoc(1, "SKU-1", 120.0, Decimal("2.35")),),
    Decimal("282.00"),
)


def lines_of(*documents: Document) -> list[str]:
    """A good interchange as segment lines (terminator and newline per line)."""
    text = encode(Interchange(ENVELOPE, documents), separators=Separators(line_break=True))
    return text.splitlines()


def join(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"


def recount(lines: list[str]) -> list[str]:
    """Fix every SE01 so a test breaks only the rule it means to."""
    out, start = [], 0
    for number, line in enumerate(lines):
        if line.startswith("ST*"):
            start = number
        if line.startswith("SE*"):
            parts = line.rstrip("~").split("*")
            line = f"SE*{number - start + 1}*{parts[2]}~"
        out.append(line)
    return out


def replace(lines: list[str], old: str, new: str | None) -> list[str]:
    """Replace (or, with ``None``, drop) the one line starting with ``old``."""
    hits = [number for number, line in enumerate(lines) if line.startswith(old)]
    assert len(hits) == 1, (old, hits)
    changed = list(lines)
    if new is None:
        del changed[hits[0]]
    else:
        changed[hits[0]] = new
    return changed


def rejected(text: str) -> EdiRejected:
    with pytest.raises(EdiRejected) as raised:
        decode(text)
    return raised.value


def answer(error: EdiRejected) -> tuple[FunctionalAckDoc, list[str]]:
    """functional_ack's 997 document and its segments, checked to survive a round trip."""
    reply = functional_ack(error, envelope=OURS)
    (ack,) = reply.documents
    assert isinstance(ack, FunctionalAckDoc)
    assert not ack.accepted
    text = encode(reply)
    assert decode(text) == reply  # exact: in these tests GS06 == ISA13
    segments = text.split("~")
    body = segments[segments.index("ST*997*0001") + 1 : -4]
    assert body[-1].startswith("AK9*R*")
    return ack, body


def only(error: EdiRejected) -> X12Error:
    assert len(error.errors) == 1, [str(e) for e in error.errors]
    (found,) = error.errors
    assert isinstance(found, X12Error)
    return found


def test_good_interchange_is_accepted_by_a_997_at_group_level() -> None:
    received = decode(join(lines_of(purchase_order(), purchase_order(po_number="PO-2"))))
    reply = functional_ack(received, envelope=OURS)
    assert reply.documents == (FunctionalAckDoc(42, True, (), 42, ("850", "850")),)
    assert "AK1*PO*42~AK9*A*2*2*2~" in encode(reply)


def test_997s_are_not_acknowledged() -> None:
    ack = FunctionalAckDoc(7, True, (), 7, ("855",))
    reply = functional_ack(decode(join(lines_of(ack, purchase_order()))), envelope=OURS)
    assert [doc.acknowledged_set_ids for doc in reply.documents] == [("850",)]  # type: ignore[union-attr]
    assert reply.documents[0].acknowledged_group_control_number == 43  # type: ignore[union-attr]


# ---------------------------------------------------------------------------
# Transaction set envelope: SE01, SE02, unknown ST01


def test_wrong_se01_is_rejected_with_the_count() -> None:
    lines = replace(lines_of(purchase_order()), "SE*11*0001", "SE*12*0001~")
    error = rejected(join(lines))
    found = only(error)
    assert (found.segment, found.element, found.code) == ("SE", 1, "4")
    assert found.message == "SE01 says 12 segments, counted 11"
    assert found.position == 13 and found.set_position == 11
    assert (error.sender_id, error.receiver_id) == ("TAKTBUYER", "ACMESUPPLY")
    assert (error.control_number, error.group_control_number, error.set_ids) == (42, 42, ("850",))
    ack, body = answer(error)
    assert body == ["AK1*PO*42", "AK2*850*0001", "AK5*R*4", "AK9*R*1*1*0"]
    assert [(e.segment, e.element, e.code) for e in ack.errors] == [("SE", 1, "4")]


def test_se02_not_matching_st02_is_rejected() -> None:
    error = rejected(join(replace(lines_of(purchase_order()), "SE*11*0001", "SE*11*0009~")))
    found = only(error)
    assert (found.segment, found.element, found.code) == ("SE", 2, "3")
    assert "'0009' does not match ST02 '0001'" in found.message
    _, body = answer(error)
    assert body[1:3] == ["AK2*850*0001", "AK5*R*3"]


def test_unknown_transaction_set_id_is_rejected() -> None:
    lines = replace(lines_of(purchase_order()), "ST*850*0001", "ST*851*0001~")
    error = rejected(join(lines))
    found = only(error)
    assert (found.segment, found.element, found.code) == ("ST", 1, "1")
    assert error.set_ids == ("851",)
    _, body = answer(error)
    assert body == ["AK1*PO*42", "AK2*851*0001", "AK5*R*1", "AK9*R*1*1*0"]


def test_set_in_the_wrong_functional_group_is_rejected() -> None:
    lines = replace(lines_of(purchase_order()), "GS*PO*", None)
    lines.insert(1, "GS*IN*TAKTBUYER*ACMESUPPLY*20240305*1430*42*X*004010~")
    found = only(rejected(join(lines)))
    assert (found.segment, found.element, found.code) == ("ST", 1, "6")
    assert "belongs in a PO group, not IN" in found.message


# ---------------------------------------------------------------------------
# Functional group and interchange envelopes


def test_wrong_ge01_is_rejected() -> None:
    error = rejected(join(replace(lines_of(purchase_order()), "GE*1*42", "GE*2*42~")))
    found = only(error)
    assert (found.segment, found.element, found.code) == ("GE", 1, "5")
    assert found.message == "GE01 says 2 transaction sets, counted 1"
    _, body = answer(error)
    assert body == ["AK1*PO*42", "AK9*R*1*1*0*5"]


def test_ge02_not_matching_gs06_is_rejected() -> None:
    error = rejected(join(replace(lines_of(purchase_order()), "GE*1*42", "GE*1*43~")))
    found = only(error)
    assert (found.segment, found.element, found.code) == ("GE", 2, "4")
    _, body = answer(error)
    assert body == ["AK1*PO*42", "AK9*R*1*1*0*4"]


def test_wrong_iea01_is_rejected_and_the_997_rejects_the_group() -> None:
    error = rejected(join(replace(lines_of(purchase_order()), "IEA*1*", "IEA*2*000000042~")))
    (found,) = error.errors
    assert (found.segment, found.element, found.code) == ("IEA", 1, "021")
    assert found.message == "IEA01 says 2 groups, counted 1"
    ack, body = answer(error)
    # Interchange faults are TA1 matters: no AK3/AK4 or AK9 code for them, but AK9*R.
    assert ack.errors == ()
    assert body == ["AK1*PO*42", "AK9*R*1*1*0"]


def test_iea02_not_matching_isa13_is_rejected() -> None:
    error = rejected(join(replace(lines_of(purchase_order()), "IEA*1*", "IEA*1*000000043~")))
    (found,) = error.errors
    assert (found.segment, found.element, found.code) == ("IEA", 2, "001")
    _, body = answer(error)
    assert body == ["AK1*PO*42", "AK9*R*1*1*0"]


def test_isa_of_the_wrong_length_is_rejected_naming_the_element() -> None:
    lines = lines_of(purchase_order())
    lines[0] = lines[0].replace("TAKTBUYER      ", "TAKTBUYER     ")
    assert len(lines[0]) == 105
    error = rejected(join(lines))
    assert [(e.segment, e.position, e.element, e.code) for e in error.errors] == [
        ("ISA", 1, None, "022"),
        ("ISA", 1, 6, "006"),
    ]
    assert error.errors[0].message == "ISA is 105 characters long; X12 fixes it at 106"
    assert (error.sender_id, error.control_number) == ("TAKTBUYER", 42)
    ack, body = answer(error)
    assert ack.errors == () and body == ["AK1*PO*42", "AK9*R*1*1*0"]


def test_isa_fields_are_checked() -> None:
    isa = lines_of(purchase_order())[0]
    bad = isa.replace("*240305*1430*U*00401*000000042*0*P*", "*241305*2460*U*00501*00000004X*2*X*")
    error = rejected(join([bad, *lines_of(purchase_order())[1:]]))
    assert [(e.element, e.code) for e in error.errors] == [
        (9, "014"),
        (10, "015"),
        (12, "017"),
        (13, "018"),
        (14, "019"),
        (15, "020"),
        (2, "001"),  # IEA02 cannot match an unreadable ISA13
    ]


# ---------------------------------------------------------------------------
# Mandatory beginning segments


@pytest.mark.parametrize(
    ("document", "tag"),
    [(purchase_order(), "BEG"), (RESPONSE, "BAK"), (NOTICE, "BSN"), (INVOICE, "BIG")],
)
def test_missing_beginning_segment_is_rejected(document: Document, tag: str) -> None:
    set_id = {"BEG": "850", "BAK": "855", "BSN": "856", "BIG": "810"}[tag]
    error = rejected(join(recount(replace(lines_of(document), f"{tag}*", None))))
    found = only(error)
    assert (found.segment, found.element, found.code, found.set_position) == (tag, None, "3", 2)
    ack, body = answer(error)
    assert body[1:4] == [f"AK2*{set_id}*0001", f"AK3*{tag}*2**3", "AK5*R*5"]
    assert [(e.segment, e.position, e.code) for e in ack.errors] == [(tag, 2, "3"), ("ST", 0, "5")]


def test_beginning_segment_out_of_place_is_rejected() -> None:
    lines = lines_of(purchase_order())
    beg = lines.pop(3)
    lines.insert(5, beg)
    found = only(rejected(join(lines)))
    assert (found.segment, found.code, found.set_position) == ("BEG", "7", 4)


# ---------------------------------------------------------------------------
# Element values


def test_bad_date_is_rejected_with_an_ak4() -> None:
    lines = replace(lines_of(purchase_order()), "BEG*", "BEG*00*SA*PO-1001**20241305~")
    error = rejected(join(lines))
    found = only(error)
    assert (found.segment, found.element, found.code, found.set_position) == ("BEG", 5, "8", 2)
    ack, body = answer(error)
    assert body == [
        "AK1*PO*42",
        "AK2*850*0001",
        "AK3*BEG*2**8",
        "AK4*5**8",
        "AK5*R*5",
        "AK9*R*1*1*0",
    ]
    assert ack.errors[0].message == "invalid date"


def test_non_numeric_quantity_is_rejected_with_an_ak4() -> None:
    lines = replace(lines_of(purchase_order()), "PO1*", "PO1*1*12O*EA*2.35**BP*SKU-1~")
    error = rejected(join(lines))
    found = only(error)
    assert (found.segment, found.element, found.code, found.set_position) == ("PO1", 2, "6", 7)
    assert found.message == "PO102 '12O' is not a number"
    _, body = answer(error)
    assert body[2:4] == ["AK3*PO1*7**8", "AK4*2**6"]


def test_missing_mandatory_element_is_rejected() -> None:
    lines = replace(lines_of(INVOICE), "BIG*", "BIG*20240321*INV-9~")
    found = only(rejected(join(lines)))
    assert (found.segment, found.element, found.code) == ("BIG", 4, "1")
    assert found.message == "BIG04 is missing"


def test_every_error_is_listed_not_just_the_first() -> None:
    lines = replace(lines_of(purchase_order()), "BEG*", "BEG*00*SA*PO-1001**2024030~")
    lines = replace(lines, "PO1*", "PO1*1*ten*EA*2.35**BP*SKU-1~")
    lines = replace(lines, "GE*", "GE*3*42~")
    error = rejected(join(lines))
    assert [(e.segment, e.element, e.code) for e in error.errors] == [
        ("BEG", 5, "8"),
        ("PO1", 2, "6"),
        ("GE", 1, "5"),
    ]
    _, body = answer(error)
    assert body == [
        "AK1*PO*42",
        "AK2*850*0001",
        "AK3*BEG*2**8",
        "AK4*5**8",
        "AK3*PO1*7**8",
        "AK4*2**6",
        "AK5*R*5",
        "AK9*R*1*1*0*5",
    ]


def test_value_holding_the_component_separator_is_rejected() -> None:
    lines = replace(lines_of(purchase_order()), "REF*CT", "REF*CT*AG>9~")
    found = only(rejected(join(lines)))
    assert (found.segment, found.element, found.code) == ("REF", 2, "6")


def test_ship_notice_without_expected_arrival_is_rejected() -> None:
    found = only(rejected(join(recount(replace(lines_of(NOTICE), "DTM*017", None)))))
    assert (found.segment, found.code) == ("DTM", "3")
    assert "DTM*017" in found.message


def test_order_response_line_without_ack_is_rejected() -> None:
    found = only(rejected(join(recount(replace(lines_of(RESPONSE), "ACK*", None)))))
    assert (found.segment, found.code, found.set_position) == ("ACK", "3", 4)


# ---------------------------------------------------------------------------
# Truncated files and garbage


def test_truncated_file_is_rejected() -> None:
    text = join(lines_of(purchase_order()))
    cut = text[: text.index("CTT*1~") + 4]
    error = rejected(cut)
    assert [(e.segment, e.element, e.code) for e in error.errors] == [
        ("CTT", None, "023"),
        ("SE", None, "2"),
        ("GE", None, "3"),
        ("IEA", None, "023"),
    ]
    assert (error.control_number, error.group_control_number, error.set_ids) == (42, 42, ("850",))
    ack, body = answer(error)
    assert body == ["AK1*PO*42", "AK2*850*0001", "AK5*R*2", "AK9*R*1*1*0*3"]
    assert {(e.segment, e.code) for e in ack.errors} == {("SE", "2"), ("GE", "3")}


@pytest.mark.parametrize(
    "garbage",
    ["", "hello, world", "UNA:+.? 'UNB+UNOC:3+X+Y'", "ISA*00*   *00", "ISA" + "*" * 20],
)
def test_garbage_is_rejected_and_cannot_be_answered_by_a_997(garbage: str) -> None:
    error = rejected(garbage)
    assert error.errors[0].segment == "ISA" and error.errors[0].position == 1
    assert error.errors[0].code in {"022", "023", "004", "027"}
    assert error.control_number is None or garbage.startswith("ISA")
    with pytest.raises(InvalidInputError, match="TA1"):
        functional_ack(error, envelope=OURS)


# ---------------------------------------------------------------------------
# Reading a partner's 997


PARTNER_997 = (
    "ISA*00*          *00*          *01*123456789      *ZZ*TAKTBUYER      "
    "*240306*0812*U*00401*000000077*0*P*:\n"
    "GS*FA*123456789*TAKTBUYER*20240306*0812*77*X*004010\n"
    "ST*997*0001\n"
    "AK1*PO*42\n"
    "AK2*850*0001\n"
    "AK3*PO1*7**8\n"
    "AK4*4**4*2.3\n"
    "AK3*N9*9**2\n"
    "AK5*R*5\n"
    "AK2*850*0002\n"
    "AK5*A\n"
    "AK9*P*2*2*1\n"
    "SE*11*0001\n"
    "GE*1*77\n"
    "IEA*1*000000077\n"
)


def test_partners_997_with_newline_terminators_is_read() -> None:
    received = decode(PARTNER_997)
    assert received.envelope.sender_id == "123456789"
    (ack,) = received.documents
    assert isinstance(ack, FunctionalAckDoc)
    assert (ack.acknowledged_control_number, ack.acknowledged_group_control_number) == (42, 42)
    assert not ack.accepted  # AK9*P: partially accepted is not accepted
    assert ack.acknowledged_set_ids == ("850", "850")
    assert [(e.segment, e.position, e.element, e.code) for e in ack.errors] == [
        ("PO1", 7, 4, "4"),
        ("N9", 9, None, "2"),
        ("ST", 0, None, "5"),
    ]
    assert all(isinstance(e, X12Error) and e.set_control_number == "0001" for e in ack.errors)
    assert re.search("too short", ack.errors[0].message)


# ---------------------------------------------------------------------------
# Any rejection: the 997 answering it reads back exactly


BAD_VALUES = ["", "X", "20241332", "-", "1.2.3", "ZZZZZZZZZZ", "0", "12O"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(list(KINDS)), st.data())
def test_every_answerable_rejection_gets_a_997_that_reads_back_exactly(
    kind: str, data: st.DataObject
) -> None:
    """Break one element (or drop a segment) anywhere after the ISA of a good interchange."""
    segments = encode(Interchange(ENVELOPE, (data.draw(KINDS[kind]),))).split("~")[:-1]
    number = data.draw(st.integers(1, len(segments) - 1))
    elements = segments[number].split("*")
    where = data.draw(st.integers(0, len(elements)))
    if where == len(elements):
        del segments[number]
    else:
        elements[where] = data.draw(st.sampled_from(BAD_VALUES))
        segments[number] = "*".join(elements)
    try:
        decode("~".join(segments) + "~")
    except EdiRejected as error:
        try:
            reply = functional_ack(error, envelope=OURS)
        except InvalidInputError as refused:  # the GS itself was broken
            assert "no 997 can answer" in str(refused)
            return
        (ack,) = reply.documents
        assert isinstance(ack, FunctionalAckDoc) and not ack.accepted
        group = ack.acknowledged_group_control_number
        assert group is not None
        # A 997 carries the group number only (AK102); Takt's GS06 defaults to ISA13.
        expected = dc_replace(ack, acknowledged_control_number=group)
        assert decode(encode(reply)).documents == (expected,)
