"""Forecast run: demand history from the store -> classification, backtest, forecasts and
lead-time demand -> stored per plan run, all results of a run in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl
from sqlalchemy import Engine, func, select

from takt.domain.enums import Grain, OfferRole
from takt.errors import InvalidInputError
from takt.services.import_support import chunks
from takt.services.runs import finish_run, latest_run_id, recorded_run
from takt.signals.forecast import DemandForecaster
from takt.signals.panel import INTERVALS
from takt.store.db import require_current, transaction
from takt.store.models import (
    DemandBucketRow,
    ForecastAccuracyRow,
    ForecastRow,
    ItemClassificationRow,
    ItemRow,
    LeadTimeDemandRow,
    OfferRow,
    PlanRunRow,
)

ACCURACY_COLUMNS = (
    "pattern",
    "model",
    "origins",
    "rmsse",
    "mase",
    "bias",
    "wape",
    "ltd_error",
    "actual",
    "forecast",
)
DAYS_PER_PERIOD = {"day": 1.0, "week": 7.0, "month": 365.25 / 12}
BATCH = 20_000


@dataclass(frozen=True)
class ForecastRunResult:
    run_id: int
    items: int
    summary: pl.DataFrame  # accuracy by pattern
    overall: dict[str, Any]
    seconds: float


def load_history(engine: Engine, grain: str, as_of: date | None) -> tuple[pl.DataFrame, date]:
    """Bucketed demand ``item_id, period, qty`` of complete periods before ``as_of``.

    Items with imported buckets of ``grain`` use them; the others aggregate their daily
    buckets (derived from signals).
    """
    with engine.connect() as conn:
        if as_of is None:
            latest = conn.execute(select(func.max(DemandBucketRow.period_start))).scalar()
            if latest is None:
                raise InvalidInputError(
                    "no demand history in the store: import signals or a demand series"
                )
            as_of = latest + timedelta(days=1)
        rows = conn.execute(
            select(
                DemandBucketRow.item_id,
                DemandBucketRow.grain,
                DemandBucketRow.period_start,
                DemandBucketRow.qty,
            ).where(
                DemandBucketRow.grain.in_([Grain.DAY, Grain(grain)]),
                DemandBucketRow.period_start < as_of,
            )
        ).all()
    frame = pl.DataFrame(
        [(r[0], str(getattr(r[1], "value", r[1])), r[2], r[3]) for r in rows],
        schema={"item_id": pl.Int64, "grain": pl.Utf8, "period": pl.Date, "qty": pl.Float64},
        orient="row",
    )
    every = INTERVALS[grain]
    cutoff = pl.select(pl.lit(as_of).dt.truncate(every)).item()
    native = frame.filter(pl.col("grain") == grain)
    daily = frame.filter(
        (pl.col("grain") == "day") & ~pl.col("item_id").is_in(native["item_id"].unique().implode())
    )
    combined = pl.concat([native, daily]).with_columns(pl.col("period").dt.truncate(every))
    history = (
        combined.filter(pl.col("period") < cutoff)
        .group_by("item_id", "period")
        .agg(pl.col("qty").sum())
        .sort("item_id", "period")
    )
    return history, as_of


def lead_times_in_periods(engine: Engine, grain: str) -> dict[str, float]:
    """Quoted lead time of each item's primary offer, in periods of ``grain``."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(OfferRow.item_id, func.max(OfferRow.quoted_lead_time_days))
            .where(OfferRow.role == OfferRole.PRIMARY)
            .group_by(OfferRow.item_id)
        ).all()
    return {str(item_id): max(days / DAYS_PER_PERIOD[grain], 0.25) for item_id, days in rows}


def run_forecast(
    engine: Engine,
    *,
    grain: str = "week",
    horizon: int = 13,
    as_of: date | None = None,
    n_jobs: int = 1,
    backtest_windows: int | None = None,
    backtest_horizon: int | None = None,
    actor: str = "cli",
) -> ForecastRunResult:
    """Run and store one forecast: classification, accuracy, forecasts, lead-time demand."""
    require_current(engine)
    started = datetime.now(UTC)
    history, as_of = load_history(engine, grain, as_of)
    if history.height == 0:
        raise InvalidInputError(f"no complete {grain} of demand before {as_of}")
    windows = backtest_windows or {"day": 14, "week": 8, "month": 7}[grain]
    bt_h = backtest_horizon or {"day": 14, "week": 8, "month": 6}[grain]
    params = {
        "grain": grain,
        "horizon": horizon,
        "backtest_windows": windows,
        "backtest_horizon": bt_h,
        "n_jobs": n_jobs,
        "actor": actor,
    }
    with recorded_run(engine, kind="forecast", as_of=as_of, parameters=params) as run_id:
        forecaster = DemandForecaster(
            grain=grain,
            horizon=horizon,
            backtest_windows=windows,
            backtest_horizon=bt_h,
            n_jobs=n_jobs,
        ).fit(history.rename({"item_id": "item"}).with_columns(pl.col("item").cast(pl.Utf8)))
        lead_times = lead_times_in_periods(engine, grain)
        classification = forecaster.classification_
        assert classification is not None
        known = {i: lead_times.get(i, 1.0) for i in classification["item"].to_list()}
        ltd = forecaster.lead_time_demand(known)
        forecasts = forecaster.predict()
        _store(engine, run_id, forecaster, forecasts, ltd)
    summary = forecaster.accuracy_summary("pattern")
    overall = forecaster.accuracy_summary(None).row(0, named=True)
    seconds = (datetime.now(UTC) - started).total_seconds()
    finish_run(
        engine,
        run_id,
        {
            "overall": overall,
            "by_pattern": summary.to_dicts(),
            "items": classification.height,
            "seconds": seconds,
        },
    )
    return ForecastRunResult(run_id, classification.height, summary, overall, seconds)


def _store(
    engine: Engine, run_id: int, fc: DemandForecaster, forecasts: pl.DataFrame, ltd: pl.DataFrame
) -> None:
    assert fc.classification_ is not None and fc.accuracy_ is not None
    item_id = pl.col("item").cast(pl.Int64).alias("item_id")
    run = pl.lit(run_id).alias("run_id")
    cls = fc.classification_.select(
        run,
        item_id,
        "pattern",
        pl.col("adi").replace(float("inf"), None),
        "cv2",
        "abc",
        "xyz",
        "seasonal",
        "review",
        "model",
        "mean_demand",
        "annual_value",
    )
    acc = fc.accuracy_.select(run, item_id, *ACCURACY_COLUMNS)
    fcs = forecasts.select(
        run, item_id, pl.col("period").alias("period_start"), pl.col("forecast").alias("qty")
    )
    lt = ltd.select(
        run,
        item_id,
        pl.col("lead_time").alias("lead_time_periods"),
        "mean",
        pl.col("q0.5").alias("q50"),
        pl.col("q0.8").alias("q80"),
        pl.col("q0.9").alias("q90"),
        pl.col("q0.95").alias("q95"),
        pl.col("q0.99").alias("q99"),
    )
    with transaction(engine) as session:
        for model, frame in (
            (ItemClassificationRow, cls),
            (ForecastAccuracyRow, acc),
            (ForecastRow, fcs),
            (LeadTimeDemandRow, lt),
        ):
            records = frame.fill_nan(None).to_dicts()
            for part in chunks(records, BATCH):
                session.execute(model.__table__.insert(), list(part))  # type: ignore[attr-defined]


EXPORTS = {
    "forecasts": (ForecastRow, ["period_start", "qty"]),
    "accuracy": (ForecastAccuracyRow, list(ACCURACY_COLUMNS)),
    "classifications": (
        ItemClassificationRow,
        [
            "pattern",
            "adi",
            "cv2",
            "abc",
            "xyz",
            "seasonal",
            "review",
            "model",
            "mean_demand",
            "annual_value",
        ],
    ),
    "lead-time-demand": (
        LeadTimeDemandRow,
        ["lead_time_periods", "mean", "q50", "q80", "q90", "q95", "q99"],
    ),
}


def export_run(engine: Engine, what: str, run_id: int | None = None) -> pl.DataFrame:
    """One result table of a run, with the item's natural key (sku, location)."""
    if what not in EXPORTS:
        raise InvalidInputError(f"cannot export {what!r}; choose from {', '.join(EXPORTS)}")
    model, columns = EXPORTS[what]
    run_id = run_id or latest_run_id(engine)
    with engine.connect() as conn:
        query = (
            select(ItemRow.sku, ItemRow.location, *[model.__table__.c[c] for c in columns])
            .join(ItemRow, ItemRow.id == model.item_id)  # type: ignore[attr-defined]
            .where(model.run_id == run_id)  # type: ignore[attr-defined]
            .order_by(ItemRow.sku, ItemRow.location)
        )
        rows = conn.execute(query).all()
    if not rows:
        raise InvalidInputError(f"run {run_id} has no {what}")
    return pl.DataFrame(
        [tuple(r) for r in rows], schema=["sku", "location", *columns], orient="row"
    )


def list_runs(engine: Engine, limit: int = 20) -> list[dict[str, Any]]:
    """The latest runs, newest first, with their headline accuracy (accuracy over time)."""
    require_current(engine)
    with transaction(engine) as session:
        rows = session.scalars(select(PlanRunRow).order_by(PlanRunRow.id.desc()).limit(limit)).all()
    runs = []
    for run in rows:
        overall = (run.summary or {}).get("overall", {})
        runs.append(
            {
                "run": run.id,
                "kind": run.kind,
                "status": run.status,
                "as_of": str(run.as_of),
                "grain": run.parameters.get("grain"),
                "items": (run.summary or {}).get("items"),
                "rmsse": overall.get("rmsse"),
                "bias": overall.get("bias"),
                "ltd_error": overall.get("ltd_error"),
                "error": run.error,
            }
        )
    return runs
