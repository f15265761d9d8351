"""Calibration of a policy run's demand estimate on the store's own history (the service
side of :mod:`takt.policy.calibration`; docs/calibration.md).

The policy sizes on one of two demand estimates (``policy_demand_source``), each
calibrated on a holdout of that same estimator:

``forecast`` (the default): the latest forecast run's mean forecast per period. Its
holdout is the run's table ``forecast_holdout``
(:func:`takt.services.forecast_parts.holdout_fit`): the forecaster refit a year (H
periods) before the run's end, f = its mean forecast per period over the H periods, a =
their actual mean, with the pattern, ADI and CV² of that fit. Group = that pattern and
the age at the holdout's origin (``young``: first demand less than two years before it).
b and φ are applied with each item's group at the plan date (its current pattern and
age). A forecast run without holdout rows (``holdout_periods`` 0, no history before the
holdout, or a run from before the table) leaves the estimate uncalibrated and says why.

``history``: the mean per day over the 365 days before the plan date. Its holdout is
the last H days before the plan date (``policy_holdout_days``, 91 by default). Per
item, from the daily demand buckets:

- f = the estimate the policy would have made at the holdout's origin, the mean per day
  over the 365 days before it (zeros included, as :func:`~.policy.assemble_features`);
- a = the mean per day over the H days of the holdout;
- both times the forecast run's days per period, so that they are in the periods of its
  ADI and CV² (v = f²·((1 + CV²)·ADI − 1)), and H counted in those periods (whole
  periods, at least 1);
- group = demand pattern (the latest forecast run's) and age: ``young`` when the item's
  first daily demand is less than two years before the origin, else ``old``.
  With less than 365 + H days of daily buckets before the plan date, or no item with
  demand before the holdout, nothing is changed and the run says why.

In both, items without demand, dying items and items whose lifecycle is ``phase_out``
are in no group (they keep their estimate and take no part in b and φ); b and φ per
group (below 30 usable items the pattern's, then the pooled ones; a positive estimate
counts as at least one unit over the holdout) scale each item's demand mean and sd and
set its ``demand_rate_cv2``.

Both engines call :func:`calibrate_features` once, on the client, before any
partitioning, so the local and Dask policy tables stay identical. Sums run over rows read
in (item, day) order so that reruns give the same bits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import polars as pl
from sqlalchemy import Engine, case, func, select

from takt.config import get_settings
from takt.errors import InvalidInputError
from takt.policy.calibration import (
    CALIBRATION_SCHEMA,
    MIN_ITEMS,
    apply_calibration,
    estimate_calibration,
    with_calibration_groups,
)
from takt.services.forecast_parts import HOLDOUT_SCHEMA
from takt.services.runs import latest_run_id
from takt.store.models import DemandBucketRow, ForecastHoldoutRow, PlanRunRow

ESTIMATE_DAYS = 365  # the history estimate: the mean over this many days
DEMAND_SOURCES = ("forecast", "history")
_GROUP = "calibration_group"


def _empty_table() -> pl.DataFrame:
    return pl.DataFrame(schema=CALIBRATION_SCHEMA)


@dataclass(frozen=True)
class Calibration:
    """What a policy run did about the error of its demand estimate."""

    applied: bool
    holdout_days: int
    holdout_periods: int
    reason: str = ""  # why it was not applied
    table: pl.DataFrame = field(default_factory=_empty_table)
    source: str = "history"  # the demand estimate calibrated (DEMAND_SOURCES)
    origin: date | None = None  # the holdout's first day (of its first period)

    def summary(self) -> dict[str, Any]:
        """For the run's stored JSON and ``--output json``."""
        return {
            "source": self.source,
            "applied": self.applied,
            "reason": self.reason,
            "origin": self.origin.isoformat() if self.origin else None,
            "holdout_days": self.holdout_days,
            "holdout_periods": self.holdout_periods,
            "min_items": MIN_ITEMS,
            "groups": self.table.to_dicts(),
        }


def calibration_options(enabled: bool | None, holdout_days: int | None) -> tuple[bool, int]:
    """The arguments, or the settings ``policy_calibration`` and ``policy_holdout_days``."""
    settings = get_settings()
    on = settings.policy_calibration if enabled is None else enabled
    days = settings.policy_holdout_days if holdout_days is None else holdout_days
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise InvalidInputError(f"the holdout must be a whole number of days >= 1 (got {days!r})")
    return bool(on), days


def demand_source_option(source: str | None) -> str:
    """``source``, or the setting ``policy_demand_source``."""
    chosen = get_settings().policy_demand_source if source is None else source
    if chosen not in DEMAND_SOURCES:
        raise InvalidInputError(
            f"the demand source must be {' or '.join(DEMAND_SOURCES)} (got {chosen!r})"
        )
    return chosen


def _first_days(engine: Engine) -> pl.DataFrame:
    """Per item with daily buckets: its first bucket and its first day with demand."""
    bucket = DemandBucketRow
    query = (
        select(
            bucket.item_id,
            func.min(bucket.period_start),
            func.min(case((bucket.qty > 0, bucket.period_start))),
        )
        .where(bucket.grain == "day")
        .group_by(bucket.item_id)
        .order_by(bucket.item_id)
    )
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(query)]
    return pl.DataFrame(
        rows,
        schema={"item_id": pl.Int64, "first_bucket": pl.Date, "first_demand": pl.Date},
        orient="row",
    )


def _window_sums(engine: Engine, start: date, origin: date, as_of: date) -> pl.DataFrame:
    """Per item: demand over [start, origin) and over [origin, as_of)."""
    bucket = DemandBucketRow
    query = (
        select(bucket.item_id, bucket.period_start, bucket.qty)
        .where(bucket.grain == "day", bucket.period_start >= start, bucket.period_start < as_of)
        # In order: the sums below are the same on every run.
        .order_by(bucket.item_id, bucket.period_start)
    )
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(query)]
    daily = pl.DataFrame(
        rows, schema={"item_id": pl.Int64, "day": pl.Date, "qty": pl.Float64}, orient="row"
    )
    return daily.group_by("item_id", maintain_order=True).agg(
        pl.col("qty").filter(pl.col("day") < origin).sum().alias("before"),
        pl.col("qty").filter(pl.col("day") >= origin).sum().alias("after"),
    )


def calibrate_features(
    engine: Engine,
    feats: pl.DataFrame,
    as_of: date,
    days_per_period: float,
    *,
    enabled: bool | None = None,
    holdout_days: int | None = None,
    demand_source: str | None = None,
) -> tuple[pl.DataFrame, Calibration]:
    """``feats`` (of :func:`~.policy.assemble_features`, assembled with the same
    ``demand_source``) with demand mean and sd scaled by the bias b and
    ``demand_rate_cv2`` set to φ of each item's group, and what was done.

    ``enabled``, ``holdout_days`` (of the ``history`` source) and ``demand_source``
    default to the settings ``policy_calibration``, ``policy_holdout_days`` and
    ``policy_demand_source``.
    """
    on, days = calibration_options(enabled, holdout_days)
    if demand_source_option(demand_source) == "forecast":
        return _calibrate_forecast(engine, feats, as_of, days_per_period, enabled=on)
    periods = max(int(days // days_per_period), 1)

    def unchanged(reason: str) -> tuple[pl.DataFrame, Calibration]:
        return feats, Calibration(False, days, periods, reason, origin=as_of - timedelta(days=days))

    if not on:
        return unchanged("turned off (policy_calibration)")
    origin = as_of - timedelta(days=days)
    start = origin - timedelta(days=ESTIMATE_DAYS)
    firsts = _first_days(engine)
    if firsts.height == 0 or firsts["first_bucket"].min() > start:  # type: ignore[operator]
        return unchanged(
            f"less than {ESTIMATE_DAYS} + {days} days of daily demand before {as_of.isoformat()}"
        )
    sums = _window_sums(engine, start, origin, as_of)
    holdout = (
        feats.select("item_id", "item", "pattern", "lifecycle", "adi", "cv2")
        .join(sums, on="item_id", how="left", maintain_order="left")
        .join(
            firsts.select("item_id", "first_demand"),
            on="item_id",
            how="left",
            maintain_order="left",
        )
        .with_columns(
            (pl.col("before").fill_null(0.0) / ESTIMATE_DAYS * days_per_period).alias("forecast"),
            (pl.col("after").fill_null(0.0) / days * days_per_period).alias("actual"),
        )
    )
    holdout = _without_phase_outs(with_calibration_groups(holdout, origin, out=_GROUP))
    if holdout.filter(pl.col(_GROUP).is_not_null() & (pl.col("forecast") > 0)).height == 0:
        return unchanged(f"no item had demand in the {ESTIMATE_DAYS} days before the holdout")
    table = estimate_calibration(holdout, periods=periods, group=_GROUP)
    calibrated = apply_calibration(
        feats.join(
            holdout.select("item_id", _GROUP), on="item_id", how="left", maintain_order="left"
        ),
        table,
        group=_GROUP,
    ).drop(_GROUP)
    return calibrated, Calibration(True, days, periods, table=table, origin=origin)


def _without_phase_outs(frame: pl.DataFrame) -> pl.DataFrame:
    # A phase-out's demand ends by plan, not by an error of the estimate: counted in,
    # the few that stopped would set b and φ for every active item of their pattern.
    return frame.with_columns(
        pl.when(pl.col("lifecycle") == "phase_out")
        .then(None)
        .otherwise(pl.col(_GROUP))
        .alias(_GROUP)
    )


def _forecast_holdout(engine: Engine, run_id: int) -> tuple[pl.DataFrame, dict[str, Any]]:
    """The holdout rows of forecast run ``run_id`` (in item order) and its parameters."""
    row = ForecastHoldoutRow
    query = (
        select(
            row.item_id, row.pattern, row.first_demand, row.adi, row.cv2, row.actual, row.forecast
        )
        .where(row.run_id == run_id)
        .order_by(row.item_id)
    )
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(query)]
        parameters = conn.execute(
            select(PlanRunRow.parameters).where(PlanRunRow.id == run_id)
        ).scalar()
    schema = {"item_id": pl.Int64, **{c: t for c, t in HOLDOUT_SCHEMA.items() if c != "item"}}
    holdout = pl.DataFrame(rows, schema=schema, orient="row")
    return holdout, dict(parameters or {})


def _first_demand(engine: Engine, as_of: date) -> pl.DataFrame:
    """Per item: its first bucket with demand before ``as_of`` (any grain)."""
    bucket = DemandBucketRow
    query = (
        select(bucket.item_id, func.min(bucket.period_start))
        .where(bucket.qty > 0, bucket.period_start < as_of)
        .group_by(bucket.item_id)
        .order_by(bucket.item_id)
    )
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(query)]
    return pl.DataFrame(rows, schema={"item_id": pl.Int64, "first_demand": pl.Date}, orient="row")


def _calibrate_forecast(
    engine: Engine, feats: pl.DataFrame, as_of: date, days_per_period: float, *, enabled: bool
) -> tuple[pl.DataFrame, Calibration]:
    """Calibration of the forecasts on the latest forecast run's holdout (module doc)."""
    run_id = latest_run_id(engine, "forecast")
    holdout, parameters = _forecast_holdout(engine, run_id)
    periods = int(parameters.get("holdout_periods") or 0)
    origin_text = parameters.get("holdout_origin")
    origin = date.fromisoformat(origin_text) if origin_text else None
    days = round(periods * days_per_period)

    def unchanged(reason: str) -> tuple[pl.DataFrame, Calibration]:
        return feats, Calibration(False, days, periods, reason, source="forecast", origin=origin)

    if not enabled:
        return unchanged("turned off (policy_calibration)")
    if "holdout_periods" not in parameters:
        return unchanged(
            f"forecast run {run_id} has no holdout (it predates them): rerun the forecast"
        )
    if periods == 0 or origin is None:
        return unchanged(f"forecast run {run_id} has no holdout (holdout_periods 0)")
    if holdout.height == 0:
        return unchanged(
            f"forecast run {run_id} has no holdout: no item has demand history before "
            f"{origin.isoformat()} ({periods} periods before its end)"
        )
    at_origin = holdout.join(
        feats.select("item_id", "item", "lifecycle"),
        on="item_id",
        how="inner",
        maintain_order="left",
    )
    at_origin = _without_phase_outs(with_calibration_groups(at_origin, origin, out=_GROUP))
    if at_origin.filter(pl.col(_GROUP).is_not_null() & (pl.col("forecast") > 0)).height == 0:
        return unchanged(
            f"no item had a positive forecast at the holdout's origin {origin.isoformat()}"
        )
    table = estimate_calibration(at_origin, periods=periods, group=_GROUP)
    # Applied with each item's group now: its current pattern and its age at the plan date.
    labelled = feats.join(
        _first_demand(engine, as_of), on="item_id", how="left", maintain_order="left"
    )
    labelled = _without_phase_outs(with_calibration_groups(labelled, as_of, out=_GROUP))
    calibrated = apply_calibration(labelled, table, group=_GROUP).drop(_GROUP, "first_demand")
    return calibrated, Calibration(
        True, days, periods, table=table, source="forecast", origin=origin
    )
