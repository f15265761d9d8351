"""Calibration of the demand estimate from a holdout: forecast bias b and rate uncertainty φ.

A policy that plugs an estimated mean into the distribution of lead-time demand treats
the mean as known and under-delivers its service target (Prak, Teunter & Syntetos, "On
the calculation of safety stocks when demand is forecasted", *EJOR* 256(2), 2017,
454–461). The cure is to size for the error of the estimate, measured on the items'
own recent history: hold out the last H periods before the origin, make the estimate
the policy makes from the history before them, and compare it with what happened.

Per group of items (demand pattern and age, :func:`with_calibration_groups`):

- b = Σ a_i / Σ f_i, the ratio of actual to estimated demand over the holdout
  (:func:`~takt.policy._ltd_uncertain.estimate_forecast_bias`); a market that declined
  or grew shows here, and the policy sizes with b·f instead of f;
- φ, the squared CV of the true demand rate around the corrected estimate b·f, less
  the sampling noise of H periods of the demand process
  (:func:`~takt.policy._ltd_uncertain.estimate_rate_uncertainty` on b·f and b²·v);
  the policy sizes for it through ``demand_rate_cv2`` of
  :func:`~takt.policy.parameters.compute_parameters`.

Here a_i is the holdout's mean demand per period, f_i the estimate per period made at the
holdout origin, v_i = f_i²·((1 + CV²)·ADI − 1) the per-period variance of the
compound-Bernoulli demand at that rate (orders with probability 1/ADI, sizes of squared
CV CV²; ADI below 1 counts as 1, a missing ADI as 1 and a missing CV² as 0), all in the
same periods as ADI. Groups are paths, ``pattern/age``: each pattern is estimated too,
and a group with fewer than ``min_items`` usable items (a positive estimate) borrows its
pattern's values, a pattern with too few the values of all usable items pooled (group
``"all"``). In both estimates a positive estimate counts as at least one unit over the
holdout (``min_forecast``, 1/H per period): an estimate decayed to almost nothing that
meets a revived demand is not a proportional error, and its term (a − f)²/f would
otherwise swamp its group (``docs/benchmarks.md``, carparts calibration).

:func:`apply_calibration` then scales each item's demand mean and sd by its group's b
and sets its ``demand_rate_cv2`` to the group's φ; items in no group and dying items
(never reordered) keep b = 1 and φ = 0; a group missing from the table takes the nearest
level above it that is there.

Polars in gives polars out; pandas in gives pandas out.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import polars as pl

from takt.errors import InvalidInputError
from takt.policy._ltd_uncertain import (
    estimate_forecast_bias,
    estimate_rate_uncertainty,
    rate_estimate,
)
from takt.signals.panel import answer_in_kind, to_polars

POOLED = "all"
MIN_ITEMS = 30
YOUNG_DAYS = 730  # under two years since its first demand at the origin, an item is "young"
CALIBRATION_SCHEMA = {
    "group": pl.Utf8,
    "items": pl.Int64,
    "bias": pl.Float64,
    "rate_cv2": pl.Float64,
    "borrowed": pl.Boolean,
}


def _require_columns(frame: pl.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InvalidInputError(f"{what} lacks the column(s) {', '.join(missing)}")


def _numbers(frame: pl.DataFrame, column: str) -> np.ndarray:
    try:
        values = frame[column].cast(pl.Float64).to_numpy()
    except pl.exceptions.InvalidOperationError:
        raise InvalidInputError(f"{column} must be numeric") from None
    return np.asarray(values, dtype=np.float64)


def _check(values: np.ndarray, ok: np.ndarray, labels: pl.Series, column: str, rule: str) -> None:
    """Raise naming ``column`` and the first row's label where ``ok`` fails."""
    if not ok.all():
        bad = int(np.flatnonzero(~ok)[0])
        raise InvalidInputError(
            f"{column} must be {rule} (got {float(values[bad])!r} for {labels[bad]!r})"
        )


def with_calibration_groups(
    frame: Any,
    origin: date,
    *,
    pattern: str = "pattern",
    first_demand: str = "first_demand",
    young_days: int = YOUNG_DAYS,
    out: str = "group",
) -> Any:
    """``frame`` with the column ``out``: ``"<pattern>/young"`` for items whose first demand
    is less than ``young_days`` before ``origin``, ``"<pattern>/old"`` for the others, null
    for items without a first demand (no history) and for dying items.

    >>> frame = pl.DataFrame({"pattern": ["smooth", "lumpy", "dying", "new"],
    ...     "first_demand": [date(2020, 1, 1), date(2024, 6, 1), date(2020, 1, 1), None]})
    >>> with_calibration_groups(frame, date(2025, 1, 1))["group"].to_list()
    ['smooth/old', 'lumpy/young', None, None]
    """
    data, pandas = to_polars(frame)
    _require_columns(data, (pattern, first_demand), "the item frame")
    if young_days < 1:
        raise InvalidInputError(f"young_days must be at least 1 (got {young_days})")
    young = pl.col(first_demand) > pl.lit(origin - timedelta(days=young_days))
    label = (
        pl.when(pl.col(first_demand).is_null() | (pl.col(pattern) == "dying"))
        .then(None)
        .otherwise(
            pl.col(pattern) + pl.when(young).then(pl.lit("/young")).otherwise(pl.lit("/old"))
        )
    )
    return answer_in_kind(data.with_columns(label.alias(out)), pandas)


def estimate_calibration(
    holdout: Any,
    *,
    periods: int,
    min_items: int = MIN_ITEMS,
    min_forecast: float | None = None,
    item: str = "item",
    group: str = "group",
    actual: str = "actual",
    forecast: str = "forecast",
    adi: str = "adi",
    cv2: str = "cv2",
) -> Any:
    """Bias b and rate uncertainty φ per group of items, from a holdout (see module doc).

    Parameters
    ----------
    holdout : polars or pandas DataFrame
        One row per item: ``item`` (its name, for messages), ``group`` (its label; null
        leaves the item out), ``actual`` a_i (the holdout's mean demand per period; null
        leaves it out), ``forecast`` f_i (the estimate per period made at the holdout's
        origin; null or 0 leaves it out), ``adi`` and ``cv2`` of its demand, in the
        same periods (null: 1 and 0).
    periods : int
        H, the periods in the holdout.
    min_items : int
        A group with fewer usable items borrows the values of the level above it (its
        pattern's for ``pattern/age``, then the pooled ones).
    min_forecast : float, optional
        Positive estimates below it count as it; default 1/H (one unit over the holdout).

    Returns
    -------
    DataFrame (the kind given) with ``group`` (``"all"`` first: every usable item
    pooled, then every level of the groups' paths in order, a pattern before its ages),
    ``items`` (usable items: a positive estimate and an actual), ``bias`` b, ``rate_cv2``
    φ and ``borrowed`` (true where the group had fewer than ``min_items`` usable items and
    took the values of the level above).

    Raises
    ------
    InvalidInputError
        A column is missing, an item repeats, a group is named ``"all"``, or an actual,
        forecast, ADI or CV² is negative or not finite (naming the column and item);
        ``periods`` or ``min_items`` below 1.

    Equations: b̂ = Σa/Σf, then φ̂ = max(0, Σ[(a − b̂f)² − b̂²v/H]/(b̂f) / Σ b̂f), v =
    f²·((1 + CV²)·ADI − 1), by the method of moments (:mod:`._ltd_uncertain`).

    Examples
    --------
    >>> holdout = pl.DataFrame({"item": ["A", "B"], "group": ["g", "g"],
    ...     "actual": [1.0, 1.5], "forecast": [2.0, 2.0], "adi": [1.0, 1.0], "cv2": [0.0, 0.0]})
    >>> estimate_calibration(holdout, periods=12, min_items=1).row(1)
    ('g', 2, 0.625, 0.04, False)
    >>> holdout = holdout.with_columns(group=pl.Series(["g/old", "g/young"]))
    >>> estimate_calibration(holdout, periods=12, min_items=2)["group"].to_list()
    ['all', 'g', 'g/old', 'g/young']
    """
    data, pandas = to_polars(holdout)
    _require_columns(data, (item, group, actual, forecast, adi, cv2), "the holdout")
    if isinstance(periods, bool) or not isinstance(periods, int | np.integer) or periods < 1:
        raise InvalidInputError(f"periods must be a whole number >= 1 (got {periods!r})")
    if min_items < 1:
        raise InvalidInputError(f"min_items must be at least 1 (got {min_items})")
    least = 1.0 / periods if min_forecast is None else float(min_forecast)
    duplicated = data.filter(pl.col(item).is_duplicated())
    if duplicated.height:
        raise InvalidInputError(f"item {duplicated[item][0]!r} appears more than once")
    if (data[group] == POOLED).any():
        raise InvalidInputError(f"{group} {POOLED!r} is reserved for the pooled estimate")

    data = data.filter(pl.col(group).is_not_null())
    names = data[item]
    a, f = _numbers(data, actual), _numbers(data, forecast)
    ratio, size_cv2 = _numbers(data, adi), _numbers(data, cv2)
    with np.errstate(invalid="ignore"):
        for values, column in ((a, actual), (f, forecast)):
            given = ~np.isnan(values)
            _check(
                values,
                ~given | (np.isfinite(values) & (values >= 0)),
                names,
                column,
                "finite and >= 0",
            )
        _check(ratio, np.isnan(ratio) | (ratio >= 0), names, adi, ">= 0")
        _check(
            size_cv2,
            np.isnan(size_cv2) | (np.isfinite(size_cv2) & (size_cv2 >= 0)),
            names,
            cv2,
            "finite and >= 0",
        )
    # An infinite ADI (no interval measured) and a missing one count as an order every period.
    ratio = np.where(np.isfinite(ratio), np.maximum(ratio, 1.0), 1.0)
    size_cv2 = np.nan_to_num(size_cv2, nan=0.0)
    variance = f * f * np.maximum((1.0 + size_cv2) * ratio - 1.0, 0.0)
    labels = data[group].cast(pl.Utf8).to_numpy().astype(str)

    bias = estimate_forecast_bias(a, f, labels, min_items=min_items, min_forecast=least)
    b = rate_estimate(bias, labels)
    phi = estimate_rate_uncertainty(
        a,
        b * f,
        b * b * variance,
        labels,
        periods=int(periods),
        min_items=min_items,
        min_forecast=least,
    )
    usable = (f > 0) & ~np.isnan(a)
    groups = list(bias)  # "all", then every level of the paths, parents first
    items = [
        int(usable.sum())
        if g == POOLED
        else int((usable & ((labels == g) | np.char.startswith(labels, g + "/"))).sum())
        for g in groups
    ]
    table = pl.DataFrame(
        {
            "group": groups,
            "items": items,
            "bias": [bias[g] for g in groups],
            "rate_cv2": [phi[g] for g in groups],
            "borrowed": [g != POOLED and n < min_items for g, n in zip(groups, items, strict=True)],
        },
        schema=CALIBRATION_SCHEMA,
    )
    return answer_in_kind(table, pandas)


def apply_calibration(
    features: Any,
    calibration: Any,
    *,
    group: str = "group",
    pattern: str = "pattern",
    demand_mean: str = "demand_mean",
    demand_sd: str = "demand_sd",
    rate_cv2: str = "demand_rate_cv2",
) -> Any:
    """``features`` with ``demand_mean`` and ``demand_sd`` times the b of the item's group and
    ``demand_rate_cv2`` set to its φ (the table of :func:`estimate_calibration`).

    Items whose ``group`` is null, and dying items, keep their demand and get φ = 0; a
    group not in the table takes the nearest level above it that is (``"a/b"`` → ``"a"``
    → ``"all"``), or keeps its demand when none is. The ``group`` column is kept; rows
    keep their order.

    Raises
    ------
    InvalidInputError
        A column is missing, a group repeats in the table, or a b or φ is negative or
        not finite (naming the group).

    Examples
    --------
    >>> feats = pl.DataFrame({"group": ["g", None], "pattern": ["smooth", "new"],
    ...     "demand_mean": [10.0, 4.0], "demand_sd": [2.0, 1.0]})
    >>> table = pl.DataFrame({"group": ["g"], "bias": [0.5], "rate_cv2": [0.2]})
    >>> apply_calibration(feats, table).select("demand_mean", "demand_rate_cv2").rows()
    [(5.0, 0.2), (4.0, 0.0)]
    """
    data, pandas = to_polars(features)
    table, _ = to_polars(calibration)
    _require_columns(data, (group, pattern, demand_mean, demand_sd), "the item features")
    _require_columns(table, ("group", "bias", "rate_cv2"), "the calibration table")
    repeated = table.filter(pl.col("group").is_duplicated())
    if repeated.height:
        raise InvalidInputError(f"group {repeated['group'][0]!r} appears more than once")
    names = table["group"]
    for column in ("bias", "rate_cv2"):
        values = _numbers(table, column)
        with np.errstate(invalid="ignore"):
            _check(values, np.isfinite(values) & (values >= 0), names, column, "finite and >= 0")

    known = {
        str(g): (float(b), float(phi))
        for g, b, phi in zip(names, table["bias"], table["rate_cv2"], strict=True)
    }

    def nearest(label: str) -> tuple[float, float] | None:
        path = label
        while path:
            if path in known:
                return known[path]
            path = path.rpartition("/")[0]
        return known.get(POOLED)

    labels = data[group].cast(pl.Utf8).drop_nulls().unique(maintain_order=True).to_list()
    found: dict[str, tuple[float, float]] = {}
    for label in labels:
        value = nearest(label)
        if value is not None:
            found[label] = value
    lookup = pl.DataFrame(
        {
            "_group": list(found),
            "_bias": [v[0] for v in found.values()],
            "_phi": [v[1] for v in found.values()],
        },
        schema={"_group": pl.Utf8, "_bias": pl.Float64, "_phi": pl.Float64},
    )
    joined = data.with_columns(pl.col(group).cast(pl.Utf8).alias("_group")).join(
        lookup, on="_group", how="left", maintain_order="left"
    )
    kept = pl.col(pattern) == "dying"
    b = pl.when(kept).then(1.0).otherwise(pl.col("_bias").fill_null(1.0))
    phi = pl.when(kept).then(0.0).otherwise(pl.col("_phi").fill_null(0.0))
    out = joined.with_columns(
        (pl.col(demand_mean) * b).alias(demand_mean),
        (pl.col(demand_sd) * b).alias(demand_sd),
        phi.alias(rate_cv2),
    ).drop("_group", "_bias", "_phi")
    return answer_in_kind(out, pandas)
