"""Forecast run: demand history from the store -> classification, backtest, forecasts and
lead-time demand -> stored per plan run, all results of a run in one transaction.

The run also stores its calibration holdout (table ``forecast_holdout``,
:func:`takt.services.forecast_parts.holdout_fit`): per item, the forecaster refit on the
history before the last ``holdout_periods`` periods (default one year: 52 weeks, 12
months, 364 days; 0 turns it off), its mean forecast per period over them and their
actual mean. The policy run sizes on the forecasts and calibrates them on it
(``docs/calibration.md``); the run's parameters record ``holdout_periods`` and
``holdout_origin``, the first held-out period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from takt.domain.enums import Grain, OfferRole
from takt.errors import InvalidInputError
from takt.services.forecast_parts import (
    ForecastPart,
    ForecastSpec,
    ForecastTables,
    combine_parts,
    forecast_partition,
    ltd_horizon,
)
from takt.services.import_support import chunks
from takt.services.runs import finish_run, latest_run_id, recorded_run
from takt.signals.panel import INTERVALS
from takt.store.db import require_current, transaction
from takt.store.models import (
    DemandBucketRow,
    ForecastAccuracyRow,
    ForecastHoldoutRow,
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
HOLDOUT_COLUMNS = ("pattern", "first_demand", "adi", "cv2", "actual", "forecast")
DAYS_PER_PERIOD = {"day": 1.0, "week": 7.0, "month": 365.25 / 12}
BATCH = 20_000


@dataclass(frozen=True)
class ForecastRunResult:
    run_id: int
    items: int
    summary: pl.DataFrame  # accuracy by pattern
    overall: dict[str, Any]
    seconds: float


def history_as_of(engine: Engine, as_of: date | None) -> date:
    """``as_of``, or the day after the latest demand bucket."""
    if as_of is not None:
        return as_of
    with engine.connect() as conn:
        latest = conn.execute(select(func.max(DemandBucketRow.period_start))).scalar()
    if latest is None:
        raise InvalidInputError("no demand history in the store: import signals or a demand series")
    return latest + timedelta(days=1)


def load_history(
    engine: Engine,
    grain: str,
    as_of: date | None,
    *,
    item_ids: tuple[int, int] | None = None,
) -> tuple[pl.DataFrame, date]:
    """Bucketed demand ``item_id, period, qty`` of complete periods before ``as_of``.

    Items with imported buckets of ``grain`` use them; the others aggregate their daily
    buckets (derived from signals). ``item_ids`` (first, last) reads one range of items.
    """
    as_of = history_as_of(engine, as_of)
    query = select(
        DemandBucketRow.item_id,
        DemandBucketRow.grain,
        DemandBucketRow.period_start,
        DemandBucketRow.qty,
    ).where(
        DemandBucketRow.grain.in_([Grain.DAY, Grain(grain)]),
        DemandBucketRow.period_start < as_of,
    )
    if item_ids is not None:
        query = query.where(DemandBucketRow.item_id.between(*item_ids))
    with engine.connect() as conn:
        rows = conn.execute(
            query.order_by(DemandBucketRow.item_id, DemandBucketRow.period_start)
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
        .group_by("item_id", "period", maintain_order=True)
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


def forecast_spec(
    history: pl.DataFrame,
    lead_times: dict[str, float],
    *,
    grain: str,
    horizon: int,
    backtest_windows: int | None,
    backtest_horizon: int | None,
    n_jobs: int = 1,
    holdout_periods: int | None = None,
) -> ForecastSpec:
    """The run's shared settings for ``history`` (``item_id, period, qty``);
    ``holdout_periods`` ``None`` is one year of ``grain``."""
    items = history["item_id"].unique().cast(pl.Utf8).to_list()
    return ForecastSpec(
        grain=grain,
        horizon=horizon,
        backtest_windows=backtest_windows or {"day": 14, "week": 8, "month": 7}[grain],
        backtest_horizon=backtest_horizon or {"day": 14, "week": 8, "month": 6}[grain],
        last_period=history["period"].max(),  # type: ignore[arg-type]
        ltd_horizon=ltd_horizon(horizon, [lead_times.get(i, 1.0) for i in items]),
        n_jobs=n_jobs,
        holdout_periods=holdout_periods,
    )


def as_forecaster_input(history: pl.DataFrame) -> pl.DataFrame:
    """``item_id, period, qty`` as the forecaster reads it (items as text)."""
    return history.select(pl.col("item_id").cast(pl.Utf8).alias("item"), "period", "qty")


def run_forecast(
    engine: Engine,
    *,
    grain: str = "week",
    horizon: int = 13,
    as_of: date | None = None,
    n_jobs: int = 1,
    backtest_windows: int | None = None,
    backtest_horizon: int | None = None,
    holdout_periods: int | None = None,
    actor: str = "cli",
) -> ForecastRunResult:
    """Run and store one forecast: classification, accuracy, forecasts, lead-time demand
    and the calibration holdout (the local engine: one partition holding every item).

    ``holdout_periods``: the calibration holdout's length (default one year of ``grain``;
    0: none, and the policy run does not calibrate the forecasts)."""
    require_current(engine)
    started = datetime.now(UTC)
    history, as_of = load_history(engine, grain, as_of)
    if history.height == 0:
        raise InvalidInputError(f"no complete {grain} of demand before {as_of}")
    lead_times = lead_times_in_periods(engine, grain)
    spec = forecast_spec(
        history,
        lead_times,
        grain=grain,
        horizon=horizon,
        backtest_windows=backtest_windows,
        backtest_horizon=backtest_horizon,
        n_jobs=n_jobs,
        holdout_periods=holdout_periods,
    )
    params = run_parameters(spec, actor, engine="local")
    with recorded_run(engine, kind="forecast", as_of=as_of, parameters=params) as run_id:
        part = forecast_partition(as_forecaster_input(history), lead_times, spec)
        tables = combine_parts([part], spec)
        with transaction(engine) as session:
            store_part(session, run_id, part)
            store_tables(session, run_id, tables)
    seconds = (datetime.now(UTC) - started).total_seconds()
    return finish_forecast(engine, run_id, tables, seconds)


def run_parameters(spec: ForecastSpec, actor: str, **extra: Any) -> dict[str, Any]:
    return {
        "grain": spec.grain,
        "horizon": spec.horizon,
        "backtest_windows": spec.backtest_windows,
        "backtest_horizon": spec.backtest_horizon,
        "n_jobs": spec.n_jobs,
        "holdout_periods": spec.holdout_periods,
        "holdout_origin": spec.holdout_origin,
        "actor": actor,
        **extra,
    }


def finish_forecast(
    engine: Engine,
    run_id: int,
    tables: ForecastTables,
    seconds: float,
    extra: dict[str, Any] | None = None,
) -> ForecastRunResult:
    items = tables.classification.height
    finish_run(
        engine,
        run_id,
        {
            "overall": tables.overall,
            "by_pattern": tables.by_pattern.to_dicts(),
            "items": items,
            "seconds": seconds,
            **(extra or {}),
        },
    )
    return ForecastRunResult(run_id, items, tables.by_pattern, tables.overall, seconds)


def _insert(session: Session, model: Any, frame: pl.DataFrame) -> None:
    for part in chunks(frame.fill_nan(None).to_dicts(), BATCH):
        session.execute(model.__table__.insert(), list(part))


def store_part(session: Session, run_id: int, part: ForecastPart) -> None:
    """A partition's final per-item rows: accuracy, forecasts and the holdout."""
    item_id = pl.col("item").cast(pl.Int64).alias("item_id")
    run = pl.lit(run_id).alias("run_id")
    _insert(session, ForecastAccuracyRow, part.accuracy.select(run, item_id, *ACCURACY_COLUMNS))
    _insert(
        session,
        ForecastRow,
        part.forecasts.select(
            run, item_id, pl.col("period").alias("period_start"), pl.col("forecast").alias("qty")
        ),
    )
    _insert(session, ForecastHoldoutRow, part.holdout.select(run, item_id, *HOLDOUT_COLUMNS))


def store_tables(session: Session, run_id: int, tables: ForecastTables) -> None:
    """The rows that need every partition: classification (global ABC) and lead-time
    demand (pooled error quantiles)."""
    item_id = pl.col("item").cast(pl.Int64).alias("item_id")
    run = pl.lit(run_id).alias("run_id")
    cls = tables.classification.select(
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
    lt = tables.lead_time_demand.select(
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
    _insert(session, ItemClassificationRow, cls)
    _insert(session, LeadTimeDemandRow, lt)


RESULT_TABLES = (
    ItemClassificationRow,
    ForecastAccuracyRow,
    ForecastRow,
    LeadTimeDemandRow,
    ForecastHoldoutRow,
)


def discard_results(engine: Engine, run_id: int) -> None:
    """Delete every result row of a run that did not finish (written in batches)."""
    with transaction(engine) as session:
        for model in RESULT_TABLES:
            session.execute(delete(model).where(model.run_id == run_id))


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
    "holdout": (ForecastHoldoutRow, list(HOLDOUT_COLUMNS)),
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
