"""The day loop of :mod:`._kernel`, stripped down for undisturbed daily kanban items.

Kanban items reviewed every day, whose container already meets MOQ and pack, with demand
bootstrapped from their history, a lead-time table and no scenario touching them, are the
bulk of a JIT plan and set the speed of a run. For them the review, rounding, scenario
and cycle bookkeeping cannot happen, and the day's two draws are made inside the loop
(where they overlap with the loop's dependent chain of position -> order -> position)
instead of in a pass of their own. The random numbers and the arithmetic are the same,
in the same order, as in the general kernel, so the results are identical to the last
bit (``tests/simulate`` checks this).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from takt.simulate._kernel import (
    _EPS,
    CYCLES,
    CYCLES_OK,
    DELIVERIES,
    DEMAND,
    EXPOSED_DAYS,
    INITIAL,
    LOT,
    MIN_POSITION,
    ON_HAND_DAYS,
    ORDER_UP_TO_LEVEL,
    ORDERS,
    POSITION_DAYS,
    SERVED,
    STOCKOUT_DAYS,
    STOCKOUT_EVENTS,
    UNITS_ORDERED,
    UNITS_RECEIVED,
    UNITS_REJECTED,
)
from takt.simulate._random import (
    FloatArray,
    IntArray,
    U64Array,
    alias_pick,
    below,
    next_u64,
    stream,
)

_Counts = tuple[float, float, float, float, float, int, int, int, int, int, float, bool]
_ZERO_COUNTS = (0.0, 0.0, 0.0, 0.0, 0.0, 0, 0, 0, 0, 0, np.inf, False)


@njit(cache=True, inline="always")
def _day(
    t: int,
    net: float,
    pipeline: float,
    ds: np.uint64,
    dg: np.uint64,
    ls: np.uint64,
    lg: np.uint64,
    due: FloatArray,
    big_s: float,
    lot: float,
    per_lot: float,
    history: FloatArray,
    h_start: np.uint64,
    h_length: np.uint64,
    lt_entries: U64Array,
    lt_first: np.uint64,
    lt_k: np.uint64,
    lt_min: int,
    total_days: int,
    lost_sales: bool,
) -> tuple[
    float, float, np.uint64, np.uint64, float, float, float, float, bool
]:  # pragma: no cover
    """One day of one replication: order, receive, meet demand (as in the general kernel).

    Returns the new (net, pipeline, demand state, lead state) and the day's (ordered,
    received, demand, served, short).
    """
    # The general kernel draws a lead time every day (constant ones without a draw,
    # which is the same value: the stream serves nothing else).
    z, ls = next_u64(ls, lg)
    q = float(np.floor((big_s - (net + pipeline)) * per_lot + _EPS)) * lot
    ordered = 0.0
    if q > _EPS:
        lead = lt_min + alias_pick(z, lt_entries, lt_first, lt_k)
        arrival = int(t + lead)
        if arrival > total_days:
            arrival = total_days
        due[np.uint64(arrival)] += q
        pipeline += q
        ordered = q
    received = due[np.uint64(t)]
    pipeline -= received
    net += received
    z, ds = next_u64(ds, dg)  # every item here has a history (see engine.fast_path)
    d = history[h_start + below(z, h_length)]
    available = net if net > 0.0 else 0.0
    served = d if d < available else available
    if lost_sales:
        net -= served
        short = d - served > _EPS
    else:
        net -= d
        short = net < -_EPS
    return net, pipeline, ds, ls, ordered, received, d, served, short


@njit(cache=True, inline="always")
def _count(
    counts: _Counts,
    net: float,
    pipeline: float,
    ordered: float,
    received: float,
    d: float,
    served: float,
    short: bool,
    exposure: float,
) -> _Counts:  # pragma: no cover - compiled
    """The day's KPI sums added to ``counts`` (order as in the general kernel)."""
    (
        demand_sum,
        served_sum,
        on_hand_days,
        position_days,
        units_ordered,
        stockout_days,
        stockout_events,
        orders,
        deliveries,
        exposed_days,
        min_position,
        previous_short,
    ) = counts
    if ordered > 0.0:
        orders += 1
        units_ordered += ordered
    demand_sum += d
    served_sum += served
    deliveries += received > 0.0
    stockout_days += short
    stockout_events += short and not previous_short
    on_hand_days += net if net > 0.0 else 0.0
    position = net + pipeline
    position = position if position > 0.0 else 0.0
    position_days += position
    min_position = min(min_position, position)
    exposed_days += position < exposure
    return (
        demand_sum,
        served_sum,
        on_hand_days,
        position_days,
        units_ordered,
        stockout_days,
        stockout_events,
        orders,
        deliveries,
        exposed_days,
        min_position,
        short,
    )


@njit(cache=True, inline="always")
def _store(
    kpi: FloatArray, counts: _Counts, pipeline: float, pipeline_at_start: float, days: int
) -> None:  # pragma: no cover - compiled
    (
        demand_sum,
        served_sum,
        on_hand_days,
        position_days,
        units_ordered,
        stockout_days,
        stockout_events,
        orders,
        deliveries,
        exposed_days,
        min_position,
        _,
    ) = counts
    kpi[DEMAND] = demand_sum
    kpi[SERVED] = served_sum
    kpi[STOCKOUT_DAYS] = stockout_days
    kpi[STOCKOUT_EVENTS] = stockout_events
    # Daily review: every day is a replenishment cycle.
    kpi[CYCLES] = days
    kpi[CYCLES_OK] = days - stockout_days
    kpi[ON_HAND_DAYS] = on_hand_days
    kpi[ORDERS] = orders
    kpi[DELIVERIES] = deliveries
    kpi[UNITS_ORDERED] = units_ordered
    kpi[UNITS_RECEIVED] = pipeline_at_start + units_ordered - pipeline - 0.0
    kpi[UNITS_REJECTED] = 0.0
    kpi[POSITION_DAYS] = position_days
    kpi[MIN_POSITION] = min_position if min_position < np.inf else 0.0
    kpi[EXPOSED_DAYS] = exposed_days


@njit(parallel=True, cache=True)
def simulate_base_stock(
    out: FloatArray,
    rows: IntArray,
    seeds: U64Array,
    levels: FloatArray,
    history: FloatArray,
    history_indptr: IntArray,
    lt_profile: IntArray,
    lt_start: IntArray,
    lt_size: IntArray,
    lt_low: IntArray,
    lt_entries: U64Array,
    exposure_level: FloatArray,
    total_days: int,
    warmup_days: int,
    replications: int,
    lost_sales: bool,
) -> None:  # pragma: no cover - compiled
    """Write KPI sums into ``out[item, replication, kpi]``, as ``simulate_items`` does.

    Every item here: kanban logic, review every day, bootstrap demand from a non-empty
    history, a lead-time table (``lt_size`` ≥ 1), no MOQ or pack rounding, no scenario.
    """
    measured_days = max(total_days - warmup_days, 0)
    for j in prange(len(rows)):
        i = rows[j]
        big_s = levels[i, ORDER_UP_TO_LEVEL]
        lot = levels[i, LOT]
        per_lot = 1.0 / lot if lot > 0.0 else 0.0
        h_start = np.uint64(history_indptr[i])
        h_length = np.uint64(history_indptr[i + 1] - history_indptr[i])
        lt = lt_profile[i]
        lt_k = np.uint64(lt_size[lt])
        lt_first = np.uint64(lt_start[lt])
        lt_min = lt_low[lt]
        exposure = exposure_level[i]
        due = np.zeros(total_days + 1)
        for r in range(replications):
            ds, dg = stream(seeds[i], 2 * r)
            ls, lg = stream(seeds[i], 2 * r + 1)
            due[:] = 0.0
            net = levels[i, INITIAL]
            pipeline = pipeline_at_start = 0.0
            counts = _ZERO_COUNTS
            for t in range(total_days):
                if t == warmup_days:
                    pipeline_at_start = pipeline
                net, pipeline, ds, ls, ordered, received, d, served, short = _day(
                    t, net, pipeline, ds, dg, ls, lg, due, big_s, lot, per_lot, history,
                    h_start, h_length, lt_entries, lt_first, lt_k, lt_min, total_days,
                    lost_sales,
                )  # fmt: skip
                if t >= warmup_days:
                    counts = _count(
                        counts, net, pipeline, ordered, received, d, served, short, exposure
                    )
            _store(out[i, r], counts, pipeline, pipeline_at_start, measured_days)
