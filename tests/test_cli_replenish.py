"""Replenishment on the command line: plan, proposals, po, receive, signal, exports."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from takt.store.db import make_engine, upgrade
from tests.services.replenish_world import build_world
from tests.test_cli import run, run_main


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    engine = make_engine(url)
    upgrade(engine)
    build_world(engine)
    engine.dispose()
    return url


def test_a_buyers_day_on_the_command_line(url: str, tmp_path: Path) -> None:
    code, out, _ = run("plan", "-d", url, "--output", "json")
    assert code == 0
    plan = json.loads(out)
    assert plan["summary"]["orders"] == 3 and plan["summary"]["auto_approved"] == 1
    by_sku = {p["item"].split("@")[0] + ":" + p["kind"]: p for p in plan["proposals"]}
    number = by_sku["A:order"]["po"]

    code, out, _ = run("proposals", "-d", url)
    assert code == 0 and out.startswith("Proposals (open): 3")
    code, out, _ = run("proposals", "-d", url, "--output", "json")
    queue = {p["item"].split("@")[0]: p for p in json.loads(out)}
    assert set(queue) == {"B", "C", "D"}
    assert "auto-approve limit" in queue["B"]["approval_reason"]
    code, out, _ = run(
        "proposals", "approve", str(by_sku["B:order"]["id"]), "-d", url, "--as", "buyer1"
    )
    assert code == 0 and number in out

    code, out, _ = run("po", "show", number, "-d", url, "--output", "json")
    shown = json.loads(out)
    assert [line["qty"] for line in shown["lines"]] == [100.0, 190.0]
    assert [e["action"] for e in shown["events"]] == ["created", "lines_added"]

    assert run("po", "send", number, "-d", url)[0] == 0
    code, out, _ = run("po", "acknowledge", number, "--line", "2=180@2026-03-06", "-d", url)
    assert code == 0 and "acknowledged" in out
    code, out, _ = run("po", "ship", number, "--expected", "2026-03-06", "-d", url)
    assert code == 0 and "shipped" in out
    code, out, _ = run("receive", number, "1", "100", "--rejected", "10", "-d", url)
    assert code == 0 and "90 into stock, 10 rejected" in out and "partially_received" in out
    code, out, _ = run("po", "list", "-d", url, "--output", "json")
    assert {p["po"]: p["status"] for p in json.loads(out)}[number] == "partially_received"

    code, out, _ = run("signal", "C", "3", "--key", "scan-1", "-d", url)
    assert code == 0 and "position 597" in out and "no order needed" in out
    code, out, _ = run("signal", "C", "3", "--key", "scan-1", "-d", url)
    assert code == 0 and "already recorded" in out

    target = tmp_path / "po.csv"
    assert run("export", "purchase-orders", "--out", str(target), "-d", url)[0] == 0
    lines = pl.read_csv(target)
    assert lines.filter(pl.col("po") == number)["received"].to_list() == [100.0, 0.0]
    target = tmp_path / "proposals.parquet"
    assert run("export", "proposals", "--out", str(target), "-d", url)[0] == 0
    assert pl.read_parquet(target).height == 4


def test_refusals_are_one_line_and_exit_1(
    url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run_main(capsys, monkeypatch, "po", "send", "PO-OLD-1", "-d", url)
    assert code == 1
    assert "PO PO-OLD-1 is sent; it cannot send" in err and "Traceback" not in err
    code, _, err = run_main(capsys, monkeypatch, "proposals", "approve", "42", "-d", url)
    assert code == 1 and "no proposal 42" in err
    code, _, err = run_main(capsys, monkeypatch, "signal", "ZZZ", "1", "-d", url)
    assert code == 1 and "no item ZZZ@MAIN" in err
