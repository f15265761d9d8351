"""Demand classification per item, vectorised over a whole panel.

- Demand pattern (Syntetos, Boylan & Croston 2005, "On the categorization of demand
  patterns", JORS 56(5)): ADI = periods / periods with demand, CV² = squared
  coefficient of variation of the non-zero demand sizes; cut-offs ADI 1.32 and
  CV² 0.49 give smooth / erratic / intermittent / lumpy. Two more classes come
  first: ``new`` (fewer than ``min_periods`` since the first demand) and ``dying``
  (no demand in the last ``dying_after`` periods: no forecast, flagged for review,
  no automatic reorder).
- ABC by annual consumption value (Pareto: A up to ``abc_a`` of cumulative value,
  B up to ``abc_b``), XYZ by the coefficient of variation of per-period demand over
  the last year (X below ``xyz_x``, Y below ``xyz_y``, Z above).
- Seasonality: the 90 % autocorrelation test at the seasonal lag used by
  Hyndman & Athanasopoulos' Theta method (|r_m| > 1.645·sqrt((1 + 2·Σ_{k<m} r_k²)/n)),
  only for smooth and erratic series with at least two full seasons.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
from numba import njit

from takt.signals.panel import PERIODS_PER_YEAR, Panel

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

PATTERNS = ("smooth", "erratic", "intermittent", "lumpy", "new", "dying")


@dataclass(frozen=True)
class ClassifyConfig:
    adi_cutoff: float = 1.32
    cv2_cutoff: float = 0.49
    min_periods: int | None = None  # default: one year of periods, at most 13
    dying_after: int | None = None  # default: one year of periods
    abc_a: float = 0.80
    abc_b: float = 0.95
    xyz_x: float = 0.5
    xyz_y: float = 1.0
    season_length: int | None = None  # default by grain: 7 day, 52 week, 12 month

    def resolved(self, grain: str) -> ClassifyConfig:
        year = PERIODS_PER_YEAR[grain]
        return ClassifyConfig(
            self.adi_cutoff,
            self.cv2_cutoff,
            self.min_periods if self.min_periods is not None else min(year, 13),
            self.dying_after if self.dying_after is not None else year,
            self.abc_a,
            self.abc_b,
            self.xyz_x,
            self.xyz_y,
            self.season_length or {"day": 7, "week": 52, "month": 12}[grain],
        )


def _segment_sum(x: FloatArray, indptr: IntArray) -> FloatArray:
    out = np.add.reduceat(x, indptr[:-1]) if len(x) else np.zeros(len(indptr) - 1)
    return np.where(np.diff(indptr) > 0, out, 0.0)


def _position_in_series(indptr: IntArray) -> IntArray:
    lengths = np.diff(indptr)
    return np.arange(indptr[-1]) - np.repeat(indptr[:-1], lengths)


def _tail_mask(indptr: IntArray, periods: int) -> npt.NDArray[np.bool_]:
    """True for each series' last ``periods`` values."""
    lengths = np.diff(indptr)
    return _position_in_series(indptr) >= np.repeat(lengths - periods, lengths)


@njit(cache=True)
def _seasonal(
    values: FloatArray, indptr: IntArray, m: int, eligible: npt.NDArray[np.bool_]
) -> npt.NDArray[np.bool_]:  # pragma: no cover - compiled
    out = np.zeros(len(indptr) - 1, dtype=np.bool_)
    for i in range(len(indptr) - 1):
        if not eligible[i]:
            continue
        x = values[indptr[i] : indptr[i + 1]]
        n = len(x)
        if n < 2 * m + 1:
            continue
        mean = x.mean()
        d = x - mean
        denom = (d * d).sum()
        if denom <= 0.0:
            continue
        acc = 0.0
        r_m = 0.0
        for k in range(1, m + 1):
            r = (d[k:] * d[: n - k]).sum() / denom
            if k < m:
                acc += r * r
            else:
                r_m = r
        out[i] = abs(r_m) > 1.645 * np.sqrt((1.0 + 2.0 * acc) / n)
    return out


def abc_classes(value: FloatArray, config: ClassifyConfig = ClassifyConfig()) -> npt.NDArray[Any]:
    """ABC class of each annual consumption value (Pareto over all of ``value``).

    An item is A while the value share of the items before it (largest first; equal
    values in the order given) is under ``abc_a``, B under ``abc_b``, else C; no value
    is C. A global ranking: a partitioned run calls it once on every item, in item order.
    """
    order = np.argsort(-value, kind="stable")
    grand = value.sum()
    cum_share = np.empty_like(value)
    cum_share[order] = np.cumsum(value[order]) / grand if grand > 0 else 1.0
    # An item is A if the share *before* it is still under the A cut-off.
    before = cum_share - (value / grand if grand > 0 else 0.0)
    abc = np.where(before < config.abc_a, "A", np.where(before < config.abc_b, "B", "C")).astype(
        object
    )
    abc[value <= 0] = "C"
    return abc


def classify_panel(
    panel: Panel,
    config: ClassifyConfig = ClassifyConfig(),
    unit_cost: dict[str, float] | None = None,
) -> pl.DataFrame:
    """One row per item: pattern, ADI, CV², ABC, XYZ, seasonality and their inputs."""
    cfg = config.resolved(panel.grain)
    assert cfg.min_periods is not None and cfg.dying_after is not None
    assert cfg.season_length is not None
    values, indptr = panel.values, panel.indptr
    lengths = np.diff(indptr)
    demand = values > 0
    pos = _position_in_series(indptr)
    nonzero = _segment_sum(demand.astype(np.float64), indptr)
    total = _segment_sum(values, indptr)
    # Periods from the first demand on (leading zeros are not history of this item).
    first_pos = np.minimum.reduceat(np.where(demand, pos, np.iinfo(np.int64).max), indptr[:-1])
    active = np.where(nonzero > 0, lengths - first_pos, 0)
    last_pos = np.maximum.reduceat(np.where(demand, pos, -1), indptr[:-1])
    since_last = np.where(nonzero > 0, lengths - 1 - last_pos, lengths)

    with np.errstate(divide="ignore", invalid="ignore"):
        adi = np.where(nonzero > 0, active / nonzero, np.inf)
        size_mean = np.where(nonzero > 0, total / nonzero, 0.0)
        sq = _segment_sum(np.where(demand, values**2, 0.0), indptr)
        size_var = np.where(nonzero > 1, (sq - nonzero * size_mean**2) / (nonzero - 1), 0.0)
        cv2 = np.where(size_mean > 0, np.maximum(size_var, 0.0) / size_mean**2, 0.0)

    pattern = np.where(
        adi < cfg.adi_cutoff,
        np.where(cv2 < cfg.cv2_cutoff, "smooth", "erratic"),
        np.where(cv2 < cfg.cv2_cutoff, "intermittent", "lumpy"),
    ).astype(object)
    pattern[active < cfg.min_periods] = "new"
    pattern[(since_last >= cfg.dying_after) & (lengths >= cfg.dying_after)] = "dying"

    year = PERIODS_PER_YEAR[panel.grain]
    tail = _tail_mask(indptr, year)
    tail_n = np.minimum(lengths, year).astype(np.float64)
    tail_sum = _segment_sum(np.where(tail, values, 0.0), indptr)
    tail_sq = _segment_sum(np.where(tail, values**2, 0.0), indptr)
    with np.errstate(divide="ignore", invalid="ignore"):
        tail_mean = tail_sum / tail_n
        tail_sd = np.sqrt(np.maximum(tail_sq / tail_n - tail_mean**2, 0.0))
        cv = np.where(tail_mean > 0, tail_sd / tail_mean, np.inf)
    xyz = np.where(cv < cfg.xyz_x, "X", np.where(cv < cfg.xyz_y, "Y", "Z")).astype(object)

    annual_qty = tail_mean * year
    costs = (
        np.array([unit_cost.get(i, 0.0) for i in panel.items]) if unit_cost else np.ones(len(panel))
    )
    value = annual_qty * costs
    abc = abc_classes(value, cfg)

    eligible = np.isin(pattern, ["smooth", "erratic"])
    seasonal = _seasonal(values, indptr, cfg.season_length, eligible)

    return pl.DataFrame(
        {
            "item": panel.items.astype(str),
            "pattern": pattern.astype(str),
            "adi": adi,
            "cv2": cv2,
            "periods": lengths,
            "demand_periods": nonzero.astype(np.int64),
            "periods_since_demand": since_last.astype(np.int64),
            "mean_demand": np.where(lengths > 0, total / np.maximum(lengths, 1), 0.0),
            "annual_qty": annual_qty,
            "annual_value": value,
            "abc": abc.astype(str),
            "cv": cv,
            "xyz": xyz.astype(str),
            "seasonal": seasonal,
            "review": np.isin(pattern, ["dying", "new"]),
        }
    )
