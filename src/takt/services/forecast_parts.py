"""A forecast run in two steps, so that it can run over item partitions: each partition
of the demand history is classified, backtested and forecast on its own
(:func:`forecast_partition`, pure: frames in, frames out, on any machine), then the parts
are combined where the whole run's statistics are needed (:func:`combine_parts`):

- ABC classes rank every item's annual value against all the others;
- the lead-time demand quantiles pool every item's standardised backtest errors per
  demand pattern and lead time;
- the accuracy summary averages over every item.

Each partition also makes the holdout the policy run calibrates the forecast on
(:func:`holdout_fit`, ``docs/calibration.md``): the same forecaster refit on the history
before the last ``holdout_periods`` periods (one year by default), its mean forecast per
period over those periods against their actual mean. It is a single origin on purpose:
the rolling-origin backtest's origins, one period apart, average the error of the rate
away (φ 0.19 instead of 0.67 on carparts, ``docs/benchmarks.md``). Its cost is one more
fit and predict per partition (the backtest of that fit is one window of one period).
The holdout fit runs with ``partial=True`` like the main fit, so an item's rows do not
depend on the partition it lands in.

The local engine runs one partition and combines it; the Dask engine runs many on a
cluster and combines them on the client. The same functions run in both, so the same
history gives the same tables (``tests/services/test_scale.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np
import polars as pl

from takt.errors import InvalidInputError
from takt.signals.classify import ClassifyConfig, abc_classes
from takt.signals.forecast import (
    DEFAULT_QUANTILES,
    ERROR_SCHEMA,
    DemandForecaster,
    finish_lead_time_demand,
    future_periods,
    pooled_error_quantiles,
    summarise_accuracy,
)
from takt.signals.panel import INTERVALS

# The holdout of the policy's calibration: one year of each grain's periods.
HOLDOUT_PERIODS = {"day": 364, "week": 52, "month": 12}
HOLDOUT_SCHEMA = {
    "item": pl.Utf8,
    "pattern": pl.Utf8,
    "first_demand": pl.Date,
    "adi": pl.Float64,
    "cv2": pl.Float64,
    "actual": pl.Float64,
    "forecast": pl.Float64,
}


def empty_holdout() -> pl.DataFrame:
    return pl.DataFrame(schema=HOLDOUT_SCHEMA)


def shift_periods(period: date, grain: str, periods: int) -> date:
    """The start of the period ``periods`` periods after ``period`` (before, if negative)."""
    unit = INTERVALS[grain][1:]
    shifted: date = pl.select(pl.lit(period).dt.offset_by(f"{periods}{unit}")).item()
    return shifted


@dataclass(frozen=True)
class ForecastSpec:
    """What every partition of one forecast run shares.

    ``last_period`` is the last complete period of the whole history (every series runs
    to it); ``ltd_horizon`` the periods predicted for lead-time demand (the longest lead
    time of any item, plus one, at least ``horizon``); ``holdout_periods`` the periods of
    the calibration holdout (:func:`holdout_fit`; ``None``: one year of the grain,
    :data:`HOLDOUT_PERIODS`; 0: none).
    """

    grain: str
    horizon: int
    backtest_windows: int
    backtest_horizon: int
    last_period: date
    ltd_horizon: int
    n_jobs: int = 1
    quantiles: tuple[float, ...] = DEFAULT_QUANTILES
    holdout_periods: int | None = None

    def __post_init__(self) -> None:
        periods = self.holdout_periods
        if periods is None:
            if self.grain not in HOLDOUT_PERIODS:
                raise InvalidInputError(f"grain must be day, week or month, not {self.grain!r}")
            object.__setattr__(self, "holdout_periods", HOLDOUT_PERIODS[self.grain])
        elif isinstance(periods, bool) or not isinstance(periods, int) or periods < 0:
            raise InvalidInputError(
                f"holdout_periods must be a whole number >= 0 (got {periods!r})"
            )

    @property
    def holdout_origin(self) -> date | None:
        """The first held-out period (``None`` without a holdout)."""
        if not self.holdout_periods:
            return None
        return shift_periods(self.last_period, self.grain, 1 - self.holdout_periods)

    def forecaster(self) -> DemandForecaster:
        return DemandForecaster(
            grain=self.grain,
            horizon=self.horizon,
            backtest_windows=self.backtest_windows,
            backtest_horizon=self.backtest_horizon,
            n_jobs=self.n_jobs,
        )


@dataclass(frozen=True)
class ForecastPart:
    """One partition's results: per item except ``errors`` (its share of the pooled
    standardised errors, ``pattern, h, z``)."""

    classification: pl.DataFrame
    accuracy: pl.DataFrame
    forecasts: pl.DataFrame  # item, period, forecast: the first ``horizon`` periods
    ltd_base: pl.DataFrame  # item, pattern, lead_time, mean, s, h
    errors: pl.DataFrame
    backtested: int  # backtest rows (0: nothing in this partition was long enough)
    # item, pattern, first_demand, adi, cv2, actual, forecast (:func:`holdout_fit`)
    holdout: pl.DataFrame = field(default_factory=empty_holdout)

    def without_forecasts(self) -> ForecastPart:
        """The part without the per-item tables no combined table needs (forecasts and
        holdout), once they are written to the store."""
        return replace(self, forecasts=self.forecasts.clear(), holdout=self.holdout.clear())


@dataclass(frozen=True)
class ForecastTables:
    """A whole run's results, as stored."""

    classification: pl.DataFrame
    accuracy: pl.DataFrame
    lead_time_demand: pl.DataFrame
    by_pattern: pl.DataFrame
    overall: dict[str, Any]


def ltd_horizon(horizon: int, lead_times: Sequence[float]) -> int:
    """Periods to predict so the cumulative forecast covers the longest lead time."""
    longest = max(lead_times, default=1.0) + 1
    return max(horizon, int(np.ceil(longest)))


def forecast_partition(
    history: pl.DataFrame, lead_times: Mapping[str, float], spec: ForecastSpec
) -> ForecastPart:
    """Classify, backtest and forecast the items of ``history`` (``item, period, qty``;
    items as text) with their lead times in periods (1 where missing), and fit the
    calibration holdout (:func:`holdout_fit`)."""
    forecaster = spec.forecaster().fit(history, last_period=spec.last_period, partial=True)
    cls = forecaster.classification_
    assert cls is not None and forecaster.backtest_ is not None
    predicted = forecaster.predict(horizon=spec.ltd_horizon)
    known = {i: float(lead_times.get(i, 1.0)) for i in cls["item"].to_list()}
    base = forecaster.lead_time_base(known, forecast=predicted)
    last_kept = future_periods(spec.last_period, spec.grain, spec.horizon)[-1]
    forecasts = predicted.filter(pl.col("period") <= last_kept).select("item", "period", "forecast")
    backtested = forecaster.backtest_.rows.height
    errors = forecaster.scaled_errors() if backtested else pl.DataFrame(schema=ERROR_SCHEMA)
    assert forecaster.accuracy_ is not None
    holdout = holdout_fit(history, spec)
    return ForecastPart(cls, forecaster.accuracy_, forecasts, base, errors, backtested, holdout)


def holdout_fit(history: pl.DataFrame, spec: ForecastSpec) -> pl.DataFrame:
    """Per item of ``history`` (``item, period, qty``) with rows before the holdout: the
    forecaster's mean forecast per period over the last ``spec.holdout_periods`` periods
    (to ``spec.last_period``), fitted on the periods before them, and their actual mean
    (periods without a row count as zero); the pattern, ADI (null: no interval measured)
    and CV² the fit classified at the origin; the item's first period with demand.

    Empty without a holdout, when no item has history before it, or when the forecaster
    cannot fit what is there: the policy run then does not calibrate, and says why.
    """
    periods = spec.holdout_periods or 0
    origin = spec.holdout_origin
    if origin is None:
        return empty_holdout()
    before = history.filter(pl.col("period") < origin)
    if before.height == 0:
        return empty_holdout()
    forecaster = DemandForecaster(
        grain=spec.grain,
        horizon=periods,
        backtest_windows=1,
        backtest_horizon=1,
        n_jobs=spec.n_jobs,
    )
    try:
        forecaster.fit(before, last_period=shift_periods(origin, spec.grain, -1), partial=True)
    except InvalidInputError:
        return empty_holdout()
    cls = forecaster.classification_
    assert cls is not None
    predicted = (
        forecaster.predict(horizon=periods)
        .group_by("item", maintain_order=True)
        .agg(pl.col("forecast").mean())
    )
    actual = (
        history.filter(pl.col("period").is_between(origin, spec.last_period))
        .group_by("item", maintain_order=True)
        .agg((pl.col("qty").sum() / periods).alias("actual"))
    )
    first = (
        history.filter(pl.col("qty") > 0)
        .group_by("item", maintain_order=True)
        .agg(pl.col("period").min().alias("first_demand"))
    )
    return (
        cls.select(
            pl.col("item").cast(pl.Utf8),
            "pattern",
            pl.col("adi").cast(pl.Float64).replace(float("inf"), None),
            pl.col("cv2").cast(pl.Float64),
        )
        .join(first, on="item", how="left")
        .join(actual, on="item", how="left")
        .join(predicted, on="item", how="left")
        .with_columns(pl.col("actual").fill_null(0.0))
        .select(list(HOLDOUT_SCHEMA))
        .cast(HOLDOUT_SCHEMA)  # type: ignore[arg-type]
        .sort("item")
    )


def combine_parts(
    parts: Sequence[ForecastPart],
    spec: ForecastSpec,
    classify: ClassifyConfig = ClassifyConfig(),
) -> ForecastTables:
    """The run's tables from its parts: global ABC, pooled lead-time demand quantiles and
    the accuracy summary (see module doc)."""
    if not parts or sum(p.backtested for p in parts) == 0:
        held_out = spec.backtest_windows + spec.backtest_horizon - 1
        raise InvalidInputError(
            f"no series is long enough to backtest ({held_out} periods are held out); "
            "lower backtest_windows or backtest_horizon"
        )
    cls = pl.concat([p.classification for p in parts], how="vertical_relaxed").sort("item")
    cls = cls.with_columns(
        pl.Series("abc", abc_classes(cls["annual_value"].to_numpy(), classify).astype(str))
    )
    accuracy = pl.concat([p.accuracy for p in parts], how="vertical_relaxed").sort("item")
    errors = pl.concat([p.errors for p in parts], how="vertical_relaxed")
    residuals = pooled_error_quantiles(errors, spec.quantiles)
    base = pl.concat([p.ltd_base for p in parts], how="vertical_relaxed")
    ltd = finish_lead_time_demand(base, residuals, spec.quantiles)
    overall = summarise_accuracy(accuracy, None).row(0, named=True)
    return ForecastTables(cls, accuracy, ltd, summarise_accuracy(accuracy, "pattern"), overall)
