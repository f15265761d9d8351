"""Every inbound EDIFACT check: the rejection names the segment, and the CONTRL says so."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from takt.edi.documents import (
    AckLineStatus,
    EdiError,
    EdiRejected,
    Envelope,
    FunctionalAckDoc,
    Interchange,
    OrderResponseDoc,
    ShipNoticeDoc,
)
from takt.edi.edifact import EdifactError, decode, encode, functional_ack
from takt.errors import InvalidInputError

# A supplier's answer to PO-2024-0042: an ORDRSP and a DESADV in one interchange.
# Segment positions (UNB = 1) are on the right; UNT counts UNH..UNT.
INBOUND = """\
UNA:+.? '
UNB+UNOC:3+4012345000009:14+TAKTBUYER:ZZ+240306:0800+318'
UNH+1+ORDRSP:D:96A:UN'
BGM+231+OC-99812+4'
DTM+137:20240306:102'
RFF+ON:PO-2024-0042'
LIN+1+5+BOLT-M8:IN'
QTY+113:1200'
DTM+2:20240312:102'
LIN+2+3+NUT-M8:IN'
QTY+113:1000'
DTM+2:20240315:102'
FTX+AAI+++Only 1000 in stock'
UNS+S'
CNT+2:2'
UNT+14+1'
UNH+2+DESADV:D:96A:UN'
BGM+351+ASN-5521+9'
DTM+11:20240311:102'
DTM+17:20240312:102'
RFF+ON:PO-2024-0042'
CPS+1'
LIN+1++BOLT-M8:IN'
QTY+12:1200:PCE'
RFF+ON:PO-2024-0042:1'
CNT+2:1'
UNT+11+2'
UNZ+2+318'
"""
# positions:  UNB 1 | UNH 2, BGM 3, DTM 4, RFF 5, LIN 6, QTY 7, DTM 8, LIN 9, QTY 10,
# DTM 11, FTX 12, UNS 13, CNT 14, UNT 15 | UNH 16, BGM 17, DTM 18, DTM 19, RFF 20,
# CPS 21, LIN 22, QTY 23, RFF 24, CNT 25, UNT 26 | UNZ 27
TAKT = Envelope("TAKTBUYER", "4012345000009", 77, datetime(2024, 3, 6, 8, 5))
UCI = "UCI+318+4012345000009+TAKTBUYER+4"
ORDRSP = "ORDRSP:D:96A:UN"
DESADV = "DESADV:D:96A:UN"


def _rejected(text: str) -> EdiRejected:
    with pytest.raises(EdiRejected) as caught:
        decode(text)
    rejected = caught.value
    assert (rejected.sender_id, rejected.receiver_id, rejected.control_number) == (
        "4012345000009",
        "TAKTBUYER",
        318,
    )
    return rejected


def _contrl(rejected: EdiRejected) -> str:
    """The CONTRL body (UCI..last UCx) answering ``rejected``; checks it reads back."""
    answer = functional_ack(rejected, envelope=TAKT)
    (ack,) = answer.documents
    assert isinstance(ack, FunctionalAckDoc) and not ack.accepted
    assert ack.acknowledged_control_number == 318
    text = encode(answer)
    assert decode(text) == answer
    body = text.split("UNH+1+CONTRL:D:3:UN'")[1].split("'UNT+")[0]
    return body


def _where(error: EdiError) -> tuple[object, ...]:
    assert isinstance(error, EdifactError)
    return (
        error.segment,
        error.position,
        error.element,
        error.component,
        error.code,
        error.message_ref,
        error.message_position,
    )


def test_the_untouched_inbound_interchange_is_read() -> None:
    received = decode(INBOUND)
    response, notice = received.documents
    assert isinstance(response, OrderResponseDoc) and isinstance(notice, ShipNoticeDoc)
    assert response.po_number == notice.po_number == "PO-2024-0042"
    assert [line.status for line in response.lines] == [
        AckLineStatus.ACCEPTED,
        AckLineStatus.CHANGED,
    ]
    assert response.lines[1].reason == "Only 1000 in stock"
    assert notice.lines[0].line_no == 1 and notice.lines[0].qty == 1200.0
    assert notice.expected_arrival == date(2024, 3, 12)
    answer = encode(functional_ack(received, envelope=TAKT))
    assert "UCI+318+4012345000009+TAKTBUYER+7'UNT+3+1'" in answer


def test_wrong_unt_count() -> None:
    rejected = _rejected(INBOUND.replace("UNT+14+1", "UNT+12+1"))
    (error,) = rejected.errors
    assert _where(error) == ("UNT", 15, 1, None, "29", "1", 14)
    assert error.message == "UNT says 12 segments, counted 14"
    assert rejected.set_ids == ("ORDRSP", "DESADV")
    assert _contrl(rejected) == f"{UCI}'UCM+1+{ORDRSP}+4+29+UNT+2"


def test_unt_reference_differs_from_unh() -> None:
    rejected = _rejected(INBOUND.replace("UNT+11+2", "UNT+11+3"))
    (error,) = rejected.errors
    assert _where(error) == ("UNT", 26, 2, None, "28", "2", 11)
    assert _contrl(rejected) == f"{UCI}'UCM+2+{DESADV}+4+28+UNT+3"


def test_wrong_unz_count() -> None:
    rejected = _rejected(INBOUND.replace("UNZ+2+318", "UNZ+3+318"))
    (error,) = rejected.errors
    assert _where(error) == ("UNZ", 27, 1, None, "29", "", None)
    assert error.message == "UNZ says 3 messages, counted 2"
    assert _contrl(rejected) == f"{UCI}+29+UNZ+2"


def test_unz_reference_differs_from_unb() -> None:
    rejected = _rejected(INBOUND.replace("UNZ+2+318", "UNZ+2+319"))
    (error,) = rejected.errors
    assert _where(error) == ("UNZ", 27, 2, None, "28", "", None)
    assert _contrl(rejected) == f"{UCI}+28+UNZ+3"


def test_missing_bgm() -> None:
    text = INBOUND.replace("BGM+231+OC-99812+4'\n", "").replace("UNT+14+1", "UNT+13+1")
    rejected = _rejected(text)
    (error,) = rejected.errors
    # a missing segment is placed at the start of its group: here the UNH
    assert _where(error) == ("BGM", 2, None, None, "13", "1", 1)
    assert _contrl(rejected) == f"{UCI}'UCM+1+{ORDRSP}+4'UCS+1+13"


def test_bad_date() -> None:
    rejected = _rejected(INBOUND.replace("DTM+11:20240311:102", "DTM+11:20240231:102"))
    (error,) = rejected.errors
    assert _where(error) == ("DTM", 18, 1, 2, "12", "2", 3)
    assert _contrl(rejected) == f"{UCI}'UCM+2+{DESADV}+4'UCS+3'UCD+12+2:2"


def test_non_numeric_quantity() -> None:
    rejected = _rejected(INBOUND.replace("QTY+113:1000", "QTY+113:1O00"))
    (error,) = rejected.errors
    assert _where(error) == ("QTY", 10, 1, 2, "37", "1", 9)
    assert _contrl(rejected) == f"{UCI}'UCM+1+{ORDRSP}+4'UCS+9'UCD+37+2:2"


def test_unknown_message_type() -> None:
    rejected = _rejected(INBOUND.replace("UNH+2+DESADV:D:96A:UN", "UNH+2+DELJIT:D:96A:UN"))
    (error,) = rejected.errors
    assert _where(error) == ("UNH", 16, 2, 1, "14", "2", 1)
    assert rejected.set_ids == ("ORDRSP", "DELJIT")
    assert _contrl(rejected) == f"{UCI}'UCM+2+DELJIT:D:96A:UN+4+14+UNH+3:1"


def test_truncated_file() -> None:
    rejected = _rejected(INBOUND[: INBOUND.index("QTY+12:1200") + len("QTY+12:12")])
    cut, no_unt, no_unz = rejected.errors
    assert _where(cut) == ("QTY", 23, None, None, "13", "", None)
    assert _where(no_unt) == ("UNT", 23, None, None, "13", "2", 8)
    assert _where(no_unz) == ("UNZ", 23, None, None, "13", "", None)
    # a UCI reports one interchange-level error: the cut, not the missing UNZ it causes
    assert _contrl(rejected) == f"{UCI}+13'UCM+2+{DESADV}+4+13+UNT"


def test_unescaped_apostrophe_splits_a_segment() -> None:
    text = INBOUND.replace("in stock'", "in stock; can't ship: rest next week'")
    rejected = _rejected(text)
    garbage, count = rejected.errors
    assert _where(garbage) == ("t ship: rest next week", 13, None, None, "12", "1", 12)
    assert _where(count) == ("UNT", 16, 1, None, "29", "1", 15)
    assert _contrl(rejected) == f"{UCI}'UCM+1+{ORDRSP}+4+29+UNT+2'UCS+12+12"


def test_unescaped_plus_gives_too_many_constituents() -> None:
    rejected = _rejected(INBOUND.replace("QTY+12:1200:PCE", "QTY+12:1200+PCE"))
    (error,) = rejected.errors
    assert _where(error) == ("QTY", 23, 2, None, "16", "2", 8)
    assert _contrl(rejected) == f"{UCI}'UCM+2+{DESADV}+4'UCS+8'UCD+16+3"


def test_every_error_is_listed_and_kept_to_its_message() -> None:
    text = (
        INBOUND.replace("QTY+113:1000", "QTY+113:1O00")
        .replace("DTM+11:20240311:102", "DTM+11:2024-03-11:102")
        .replace("UNZ+2+318", "UNZ+1+318")
    )
    rejected = _rejected(text)
    assert [(e.segment, e.position, e.code) for e in rejected.errors] == [
        ("QTY", 10, "37"),
        ("DTM", 18, "12"),
        ("UNZ", 27, "29"),
    ]
    assert _contrl(rejected) == (
        f"{UCI}+29+UNZ+2'UCM+1+{ORDRSP}+4'UCS+9'UCD+37+2:2'UCM+2+{DESADV}+4'UCS+3'UCD+12+2:2"
    )


def test_without_una_the_iso_9735_defaults_apply() -> None:
    received = decode(INBOUND.split("\n", 1)[1])
    assert len(received.documents) == 2


def test_the_decimal_mark_advised_in_una_is_used() -> None:
    comma = INBOUND.replace("UNA:+.? '", "UNA:+,? '").replace("QTY+113:1000", "QTY+113:999,5")
    response = decode(comma).documents[0]
    assert isinstance(response, OrderResponseDoc) and response.lines[1].qty == 999.5
    rejected = _rejected(INBOUND.replace("QTY+113:1000", "QTY+113:999,5"))
    (error,) = rejected.errors
    assert _where(error) == ("QTY", 10, 1, 2, "19", "1", 9)


def test_missing_unb_leaves_nothing_to_acknowledge() -> None:
    with pytest.raises(EdiRejected) as caught:
        decode("UNH+1+ORDRSP:D:96A:UN'UNT+2+1'")
    rejected = caught.value
    assert _where(rejected.errors[0])[:2] == ("UNB", 1)
    assert rejected.control_number is None
    with pytest.raises(InvalidInputError):
        functional_ack(rejected, envelope=TAKT)


def test_unsupported_syntax_version_is_code_2() -> None:
    rejected = _rejected(INBOUND.replace("UNB+UNOC:3", "UNB+UNOC:4"))
    (error,) = rejected.errors
    assert _where(error)[:5] == ("UNB", 1, 1, 2, "2")


def test_encode_refuses_values_edifact_cannot_carry() -> None:
    notice = decode(INBOUND).documents[1]
    assert isinstance(notice, ShipNoticeDoc)
    too_long = ShipNoticeDoc(
        "X" * 36, notice.po_number, notice.ship_date, notice.expected_arrival, notice.lines
    )
    with pytest.raises(InvalidInputError, match="longer than 35"):
        encode(Interchange(TAKT, (too_long,)))
    line_break = ShipNoticeDoc("A\nB", "PO", date(2024, 3, 1), date(2024, 3, 2), ())
    with pytest.raises(InvalidInputError, match="UNOC"):
        encode(Interchange(TAKT, (line_break,)))


_EDITS = st.tuples(
    st.integers(0, len(INBOUND)), st.integers(0, 4), st.text(alphabet="'+:?*AZ09 .,\n", max_size=3)
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_EDITS, min_size=1, max_size=4))
def test_any_damage_is_rejected_cleanly_and_answered(edits: list[tuple[int, int, str]]) -> None:
    """Random cuts and insertions: decode raises EdiRejected or reads; never anything else."""
    text = INBOUND
    for position, cut, insert in edits:
        text = text[:position] + insert + text[position + cut :]
    try:
        decode(text)
    except EdiRejected as rejected:
        if rejected.control_number is not None:
            answer = functional_ack(rejected, envelope=TAKT)
            assert decode(encode(answer)) == answer
