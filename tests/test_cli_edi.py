"""EDI on the command line: send a PO to a file, receive the supplier's answer files."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from takt.edi import x12
from takt.edi.documents import (
    AckLineDoc,
    AckLineStatus,
    Envelope,
    FunctionalAckDoc,
    Interchange,
    OrderResponseDoc,
)
from takt.store.db import make_engine, upgrade
from tests.services.replenish_world import AS_OF, build_world
from tests.test_cli import run


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'e.db'}"
    engine = make_engine(url)
    upgrade(engine)
    build_world(engine)
    engine.dispose()
    return url


def test_send_receive_answer_and_log(url: str, tmp_path: Path) -> None:
    code, out, _ = run("plan", "-d", url, "--output", "json")
    number = next(p["po"] for p in json.loads(out)["proposals"] if p["item"] == "A@MAIN")
    outbox, inbox, answers = tmp_path / "out", tmp_path / "in", tmp_path / "answers"
    code, _, err = run("edi", "send", number, "--out", str(outbox), "-d", url)
    assert code == 0, err
    (sent,) = outbox.iterdir()
    assert sent.name == "S1-x12-000000001.edi"
    assert x12.decode(sent.read_text()).documents[0].po_number == number  # type: ignore[union-attr]

    now = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    ack = OrderResponseDoc(number, AS_OF, (AckLineDoc(1, AckLineStatus.ACCEPTED, 100.0, "A"),))
    inbox.mkdir()
    good = inbox / "855.edi"
    good.write_text(x12.encode(Interchange(Envelope("S1", "TAKT", 40, now), (ack,))))
    code, out, _ = run("edi", "receive", str(good), "--answers", str(answers), "-d", url)
    assert code == 0 and "accepted" in out and f"PO {number} acknowledged" in out
    answer = x12.decode((answers / "855.997.edi").read_text()).documents[0]
    assert isinstance(answer, FunctionalAckDoc) and answer.accepted

    code, out, _ = run("edi", "receive", str(good), "-d", url)  # the same file again
    assert code == 1 and "rejected" in out and "already received" in out

    code, out, _ = run("edi", "log", "-d", url, "--output", "json")
    log = json.loads(out)
    # newest first: the repeat and its negative 997, the 997 of the 855 and the 855, the 850
    assert [(r["direction"], r["status"], r["documents"]) for r in log] == [
        ("in", "rejected", "855"),
        ("out", "sent", "997"),
        ("out", "sent", "997"),
        ("in", "applied", "855"),
        ("out", "sent", "850"),
    ]
    code, out, _ = run("edi", "invoices", "-d", url)
    assert code == 0
