"""Forecast runs on the store: results stored per run on both backends, nothing partial."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from sqlalchemy import Engine, func, select

from takt.demo.generator import DemoConfig, generate
from takt.errors import InvalidInputError, TaktError
from takt.services import forecasting
from takt.services.forecasting import export_run, load_history, run_forecast
from takt.services.imports import ImportOptions, import_frame
from takt.store.models import ForecastAccuracyRow, ForecastRow, LeadTimeDemandRow, PlanRunRow

KINDS = ("items", "suppliers", "offers", "signals")


@pytest.fixture(scope="module")
def demo_frames() -> dict[str, pl.DataFrame]:
    return generate(DemoConfig(items=40, seed=11))


def load(engine: Engine, frames: dict[str, pl.DataFrame]) -> None:
    for kind in KINDS:
        import_frame(engine, kind, frames[kind], options=ImportOptions())


def count(engine: Engine, model: type) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(model)).scalar_one())


def test_forecast_run_is_stored(engine: Engine, demo_frames: dict[str, pl.DataFrame]) -> None:
    load(engine, demo_frames)
    result = run_forecast(engine, grain="week", horizon=6)
    assert result.items == 40
    assert count(engine, ForecastRow) == 40 * 6
    assert count(engine, LeadTimeDemandRow) == 40
    assert 0 < result.overall["rmsse"] < 1.5 and abs(result.overall["bias"]) < 0.3
    with engine.connect() as conn:
        run = conn.execute(select(PlanRunRow)).one()
    assert run.status == "succeeded" and run.as_of == date(2026, 11, 1)
    assert run.parameters["grain"] == "week" and run.summary["items"] == 40
    ltd = export_run(engine, "lead-time-demand")
    assert ltd.height == 40
    assert (ltd["q95"] >= ltd["q50"]).all()
    acc = export_run(engine, "accuracy", result.run_id)
    assert set(acc.columns) >= {"sku", "location", "rmsse", "bias", "ltd_error"}
    second = run_forecast(engine, grain="week", horizon=6)
    assert second.run_id == result.run_id + 1  # runs are kept side by side for comparison
    assert count(engine, ForecastRow) == 2 * 40 * 6


def test_history_uses_complete_periods_only(
    engine: Engine, demo_frames: dict[str, pl.DataFrame]
) -> None:
    load(engine, demo_frames)
    weekly, as_of = load_history(engine, "week", date(2026, 10, 29))  # a Thursday
    assert as_of == date(2026, 10, 29)
    assert weekly["period"].max() == date(2026, 10, 19)  # the week of the 26th is incomplete
    daily, _ = load_history(engine, "day", date(2026, 10, 29))
    per_item = (
        daily.filter(pl.col("period") >= date(2026, 10, 19))
        .group_by("item_id")
        .agg(pl.col("qty").filter(pl.col("period") < date(2026, 10, 26)).sum())
    )
    joined = weekly.filter(pl.col("period") == date(2026, 10, 19)).join(per_item, on="item_id")
    assert (joined["qty"] == joined["qty_right"]).all()


def test_failed_run_leaves_no_results(
    engine: Engine, demo_frames: dict[str, pl.DataFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    load(engine, demo_frames)
    calls = {"n": 0}
    real = forecasting.chunks

    def crash_on_third_table(seq, size):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return real(seq, size)

    monkeypatch.setattr(forecasting, "chunks", crash_on_third_table)
    with pytest.raises(TaktError, match="disk full"):
        run_forecast(engine, grain="week", horizon=4)
    assert count(engine, ForecastAccuracyRow) == 0 and count(engine, ForecastRow) == 0
    with engine.connect() as conn:
        run = conn.execute(select(PlanRunRow.status, PlanRunRow.error)).one()
    assert run.status == "failed" and "disk full" in run.error


def test_no_history_is_a_clear_error(engine: Engine) -> None:
    with pytest.raises(InvalidInputError, match="no demand history"):
        run_forecast(engine)
    with pytest.raises(InvalidInputError, match="no successful forecast run"):
        export_run(engine, "forecasts")
