"""KPIs from the kernel's per-replication sums: per item, and pooled per group.

Every KPI is computed per replication and then averaged over the replications; ``_se``
columns are the standard error of that mean (sd over replications / √replications, null
with one replication) and ``_p05`` / ``_p95`` the 5th and 95th percentiles over the
replications. A group's ratio KPIs pool its items (total served / total demand, not a
mean of item fill rates), replication by replication.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from takt.simulate._items import Items
from takt.simulate._kernel import KPI_FIELDS
from takt.simulate._random import FloatArray, IntArray

# Additive per item and replication: what groups sum before taking ratios.
_SUM_FIELDS = (
    "demand",
    "served",
    "stockout_days",
    "stockout_events",
    "line_stop_days",
    "line_stop_events",
    "cycles",
    "cycles_ok",
    "on_hand_value_days",
    "orders",
    "deliveries",
    "units_rejected",
    "position_days",
    "items_with_stockouts",
)


def _ratio(num: FloatArray, den: FloatArray) -> FloatArray:
    """num/den, 1 where den is 0 (no demand: nothing was short)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), 1.0)


def _mean_se(x: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Mean and standard error over the last axis (replications)."""
    reps = x.shape[-1]
    mean = x.mean(axis=-1)
    if reps < 2:
        return mean, np.full(mean.shape, np.nan)
    return mean, x.std(axis=-1, ddof=1) / np.sqrt(reps)


def _nullable(x: FloatArray) -> pl.Series:
    return pl.Series(x).fill_nan(None)


def item_kpis(
    per_rep: FloatArray,
    items: Items,
    days: int,
    holding_rate: float,
    days_per_year: float,
) -> tuple[pl.DataFrame, FloatArray]:
    """The per-item frame, and the additive sums (items, replications, fields) for groups."""
    labels = items.labels
    line_stopper = (labels.get_column("criticality") == "line_stopper").to_numpy()[:, None]
    cost = items.unit_cost[:, None]
    rate = items.demand_rate
    k = {name: per_rep[:, :, index] for index, name in enumerate(KPI_FIELDS)}
    fill = _ratio(k["served"], k["demand"])
    csl = _ratio(k["cycles_ok"], k["cycles"])
    fill_mean, fill_se = _mean_se(fill)
    csl_mean, csl_se = _mean_se(csl)
    stockout_mean, stockout_se = _mean_se(k["stockout_days"])
    on_hand = k["on_hand_days"].mean(axis=1) / days
    working_capital = on_hand * items.unit_cost
    with np.errstate(invalid="ignore", divide="ignore"):
        positive = rate > 0
        safe_rate = np.where(positive, rate, 1.0)
        tts = np.where(positive, k["position_days"].mean(axis=1) / days / safe_rate, np.nan)
        tts_min = np.where(positive, k["min_position"].mean(axis=1) / safe_rate, np.nan)
    ttr = items.time_to_recover
    assessed = ~np.isnan(ttr)
    exposed = np.where(assessed, positive & (tts < np.where(assessed, ttr, 0.0)), np.nan)
    exposed_share = np.where(assessed, k["exposed_days"].mean(axis=1) / days, np.nan)
    frame = labels.select(
        "item", "supplier", "region", "category", "criticality", "strategy", "logic"
    )
    frame = frame.with_columns(
        demand=k["demand"].mean(axis=1),
        fill_rate=fill_mean,
        fill_rate_se=_nullable(fill_se),
        fill_rate_p05=np.quantile(fill, 0.05, axis=1),
        fill_rate_p95=np.quantile(fill, 0.95, axis=1),
        cycle_service_level=csl_mean,
        cycle_service_level_se=_nullable(csl_se),
        stockout_days=stockout_mean,
        stockout_days_se=_nullable(stockout_se),
        stockout_events=k["stockout_events"].mean(axis=1),
        line_stop_days=np.where(line_stopper[:, 0], stockout_mean, 0.0),
        line_stop_events=np.where(line_stopper[:, 0], k["stockout_events"].mean(axis=1), 0.0),
        avg_on_hand=on_hand,
        working_capital=working_capital,
        carrying_cost=working_capital * holding_rate * days / days_per_year,
        orders=k["orders"].mean(axis=1),
        deliveries=k["deliveries"].mean(axis=1),
        units_ordered=k["units_ordered"].mean(axis=1),
        units_received=k["units_received"].mean(axis=1),
        units_rejected=k["units_rejected"].mean(axis=1),
        tts_days=_nullable(tts),
        tts_min_days=_nullable(tts_min),
        time_to_recover_days=_nullable(ttr),
        exposed=pl.Series(exposed).fill_nan(None).cast(pl.Boolean),
        exposed_share=_nullable(exposed_share),
    )
    sums = np.stack(
        [
            k["demand"],
            k["served"],
            k["stockout_days"],
            k["stockout_events"],
            k["stockout_days"] * line_stopper,
            k["stockout_events"] * line_stopper,
            k["cycles"],
            k["cycles_ok"],
            k["on_hand_days"] * cost,
            k["orders"],
            k["deliveries"],
            k["units_rejected"],
            k["position_days"],
            (k["stockout_days"] > 0).astype(np.float64),
        ],
        axis=2,
    )
    return frame, sums


@dataclass(frozen=True)
class GroupTotals:
    """What a group's pooled KPIs are made of, additive over items: one row of ``labels``
    per group, with its per-replication sums (groups, replications, fields), summed
    demand rate, item counts and the smallest item time-to-survive. Totals of disjoint
    item sets merge (:func:`merge_totals`), so a run over item partitions pools as one."""

    keys: tuple[str, ...]
    labels: pl.DataFrame
    sums: FloatArray
    rate: FloatArray
    items: IntArray
    exposed: IntArray
    assessed: IntArray
    tts_min: FloatArray


def _reduce(
    labels: pl.DataFrame, keys: tuple[str, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row order grouping equal keys (stable), each group's first position in it, and
    the first row of each group."""
    if keys:
        codes = (
            labels.select(pl.struct(list(keys)).rank("dense").cast(pl.Int64) - 1)
            .to_series()
            .to_numpy()
        )
    else:
        codes = np.zeros(labels.height, dtype=np.int64)
    order = np.argsort(codes, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(codes[order]) != 0])
    return order, starts, order[starts]


def group_totals(
    item_frame: pl.DataFrame, sums: FloatArray, items: Items, keys: Sequence[str]
) -> GroupTotals:
    """Totals per group of items (``keys`` columns of the item frame; () = all items)."""
    keys = tuple(keys)
    order, starts, first_rows = _reduce(item_frame, keys)
    per_item = item_frame.select(
        exposed=pl.col("exposed").fill_null(False).cast(pl.Int64),
        assessed=pl.col("exposed").is_not_null().cast(pl.Int64),
        tts=pl.col("tts_days").fill_null(np.inf),
    )
    labels = item_frame[first_rows].select(keys) if keys else pl.DataFrame({"group": ["all"]})
    return GroupTotals(
        keys=keys,
        labels=labels,
        sums=np.add.reduceat(sums[order], starts, axis=0),
        rate=np.add.reduceat(np.nan_to_num(items.demand_rate)[order], starts),
        items=np.diff(np.r_[starts, len(order)]),
        exposed=np.add.reduceat(per_item.get_column("exposed").to_numpy()[order], starts),
        assessed=np.add.reduceat(per_item.get_column("assessed").to_numpy()[order], starts),
        tts_min=np.minimum.reduceat(per_item.get_column("tts").to_numpy()[order], starts),
    )


def merge_totals(parts: Sequence[GroupTotals]) -> GroupTotals:
    """One set of totals from those of disjoint item sets (in the order given)."""
    keys = parts[0].keys
    labels = pl.concat([p.labels for p in parts], how="vertical_relaxed")
    order, starts, first_rows = _reduce(labels, keys)

    def add(name: str) -> Any:
        stacked = np.concatenate([getattr(p, name) for p in parts])
        return np.add.reduceat(stacked[order], starts, axis=0)

    tts = np.concatenate([p.tts_min for p in parts])
    return GroupTotals(
        keys=keys,
        labels=labels[first_rows],
        sums=add("sums"),
        rate=add("rate"),
        items=add("items"),
        exposed=add("exposed"),
        assessed=add("assessed"),
        tts_min=np.minimum.reduceat(tts[order], starts),
    )


def finish_groups(
    totals: GroupTotals, days: int, holding_rate: float, days_per_year: float
) -> pl.DataFrame:
    """The pooled KPIs of each group from its totals (ratios replication by replication)."""
    s = {name: totals.sums[:, :, index] for index, name in enumerate(_SUM_FIELDS)}
    fill_mean, fill_se = _mean_se(_ratio(s["served"], s["demand"]))
    csl_mean, csl_se = _mean_se(_ratio(s["cycles_ok"], s["cycles"]))
    stockout_mean, stockout_se = _mean_se(s["stockout_days"])
    line_mean, line_se = _mean_se(s["line_stop_days"])
    events_mean, events_se = _mean_se(s["line_stop_events"])
    working_capital = s["on_hand_value_days"].mean(axis=1) / days
    rate = totals.rate
    with np.errstate(invalid="ignore", divide="ignore"):
        tts = np.where(rate > 0, s["position_days"].mean(axis=1) / days / rate, np.nan)
    tts_min_item = totals.tts_min
    keys = list(totals.keys)
    frame = totals.labels
    return frame.with_columns(
        items=totals.items,
        demand=s["demand"].mean(axis=1),
        fill_rate=fill_mean,
        fill_rate_se=_nullable(fill_se),
        cycle_service_level=csl_mean,
        cycle_service_level_se=_nullable(csl_se),
        stockout_days=stockout_mean,
        stockout_days_se=_nullable(stockout_se),
        items_with_stockouts=s["items_with_stockouts"].mean(axis=1),
        line_stop_days=line_mean,
        line_stop_days_se=_nullable(line_se),
        line_stop_events=events_mean,
        line_stop_events_se=_nullable(events_se),
        working_capital=working_capital,
        carrying_cost=working_capital * holding_rate * days / days_per_year,
        orders=s["orders"].mean(axis=1),
        deliveries=s["deliveries"].mean(axis=1),
        units_rejected=s["units_rejected"].mean(axis=1),
        tts_days=_nullable(tts),
        tts_min_item_days=_nullable(np.where(np.isinf(tts_min_item), np.nan, tts_min_item)),
        exposed_items=totals.exposed,
        assessed_items=totals.assessed,
    ).sort(keys if keys else "group")
