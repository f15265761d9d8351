"""Supplier-signals runs on the store: stored per run on both backends, nothing partial."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import pytest
from sqlalchemy import Engine, func, select

from takt.demo.generator import DemoConfig, generate
from takt.errors import InvalidInputError, TaktError
from takt.services import supplier_signals
from takt.services.imports import import_frame
from takt.services.supplier_signals import export_supplier_run, run_supplier_signals
from takt.store.models import (
    LeadTimeStatRow,
    PlanRunRow,
    SupplierScorecardRow,
    SupplierTrendRow,
)

KINDS = ("items", "suppliers", "offers", "agreements", "purchase-orders", "receipts", "risk-events")


@pytest.fixture(scope="module")
def frames() -> dict[str, pl.DataFrame]:
    return generate(DemoConfig(items=120, seed=4))


def load(engine: Engine, frames: dict[str, pl.DataFrame]) -> None:
    for kind in KINDS:
        import_frame(engine, kind, frames[kind])


def count(engine: Engine, model: type) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(model)).scalar_one())


def test_supplier_run_is_stored(engine: Engine, frames: dict[str, pl.DataFrame]) -> None:
    load(engine, frames)
    result = run_supplier_signals(engine)
    suppliers = frames["suppliers"].height
    assert count(engine, SupplierScorecardRow) == result.scorecard.height <= suppliers
    assert count(engine, LeadTimeStatRow) == frames["offers"].height
    assert count(engine, SupplierTrendRow) == result.trend.height > suppliers  # months x suppliers
    cards = export_supplier_run(engine, "scorecards")
    assert cards["rank"].to_list() == sorted(cards["rank"].to_list())
    assert cards["score"].drop_nulls().is_between(0, 100).all()
    # the outage supplier named by the fire event answers with its outage length
    fire = frames["risk-events"].filter(pl.col("type") == "fire").row(0, named=True)
    outage = cards.filter(pl.col("supplier") == fire["supplier"])
    assert outage["disruption_response_days"][0] == pytest.approx(
        fire["expected_duration_days"], abs=10
    )
    lts = export_supplier_run(engine, "lead-times")
    assert set(lts["source"]) <= {"supplier_item", "supplier", "quoted"}
    assert (lts["predicted_q90"].drop_nulls() >= lts["predicted_q50"].drop_nulls()).all()
    with engine.connect() as conn:
        run = conn.execute(select(PlanRunRow.kind, PlanRunRow.status, PlanRunRow.as_of)).one()
    last_receipt = frames["receipts"]["received_on"].max()
    assert tuple(run) == ("suppliers", "succeeded", last_receipt + timedelta(days=1))


def test_failed_supplier_run_leaves_nothing(
    engine: Engine, frames: dict[str, pl.DataFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    load(engine, frames)
    calls = {"n": 0}
    real = supplier_signals.chunks

    def crash_on_last_table(seq, size):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("connection lost")
        return real(seq, size)

    monkeypatch.setattr(supplier_signals, "chunks", crash_on_last_table)
    with pytest.raises(TaktError, match="connection lost"):
        run_supplier_signals(engine)
    assert count(engine, LeadTimeStatRow) == 0 and count(engine, SupplierScorecardRow) == 0
    assert count(engine, SupplierTrendRow) == 0
    with engine.connect() as conn:
        assert conn.execute(select(PlanRunRow.status)).scalar_one() == "failed"


def test_no_receipts_is_a_clear_error(engine: Engine) -> None:
    with pytest.raises(InvalidInputError, match="no receipts"):
        run_supplier_signals(engine)
