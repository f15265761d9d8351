"""A forecast run in two steps, so that it can run over item partitions: each partition
of the demand history is classified, backtested and forecast on its own
(:func:`forecast_partition`, pure: frames in, frames out, on any machine), then the parts
are combined where the whole run's statistics are needed (:func:`combine_parts`):

- ABC classes rank every item's annual value against all the others;
- the lead-time demand quantiles pool every item's standardised backtest errors per
  demand pattern and lead time;
- the accuracy summary averages over every item.

The local engine runs one partition and combines it; the Dask engine runs many on a
cluster and combines them on the client. The same functions run in both, so the same
history gives the same tables (``tests/services/test_scale.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
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


@dataclass(frozen=True)
class ForecastSpec:
    """What every partition of one forecast run shares.

    ``last_period`` is the last complete period of the whole history (every series runs
    to it); ``ltd_horizon`` the periods predicted for lead-time demand (the longest lead
    time of any item, plus one, at least ``horizon``).
    """

    grain: str
    horizon: int
    backtest_windows: int
    backtest_horizon: int
    last_period: date
    ltd_horizon: int
    n_jobs: int = 1
    quantiles: tuple[float, ...] = DEFAULT_QUANTILES

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

    def without_forecasts(self) -> ForecastPart:
        """The part without its largest table (once that is written to the store)."""
        return replace(self, forecasts=self.forecasts.clear())


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
    items as text) with their lead times in periods (1 where missing)."""
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
    return ForecastPart(cls, forecaster.accuracy_, forecasts, base, errors, backtested)


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
