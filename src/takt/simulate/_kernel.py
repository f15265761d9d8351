"""The day loop: one item, one replication at a time, compiled; items in parallel.

Events of a day t (periodic review every R days, t = 0, R, 2R, …; the same order as the
discrete-time base-stock model of Snyder & Shen, *Fundamentals of Supply Chain Theory*,
2nd ed., 2019, ch. 4: order, receive, demand):

1. Review (review days only): inventory position IP = on hand + pipeline − backorders;
   the policy decides a quantity, rounded up to the MOQ and then to a pack multiple, and
   the order is placed with a lead time of ℓ whole days (× the stretch factor of a
   lead-time stretch, rounded) and is due at the start of day t + ℓ; a supplier outage
   covering that day moves it to the first day after the outage. ℓ = 0 arrives today.
2. Receipts: everything due today arrives (arrivals can cross); a quality failure rejects
   its share, which never enters stock; backorders are filled first.
3. Demand: the day's demand (× a demand spike) is served from on hand; the rest is
   backordered or lost (``lost_sales``).
4. End of day: KPIs are counted on the end-of-day state (from day ``warmup`` on), and a
   traced item's state is recorded.

So an order placed on day t covers demand from day t on, and with constant ℓ and daily
review the net inventory at the end of a day is S − D[t−ℓ, t], a demand over ℓ + 1 days.

Policies (IP at review, s = ``reorder_point``, S = ``order_up_to``):

- kanban: N·C in the loop (S); order ⌊(S − IP)/C⌋ whole containers of C (base stock, one
  for one with C = 1; Monden's kanban loop);
- rop, (r, Q) with whole lots: if IP ≤ s order n·Q, the least n with IP + n·Q > s
  (Hadley & Whitin 1963);
- min_max, (s, S): if IP ≤ s order S − IP;
- order_up_to, (R, S): order S − IP when positive.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from takt.simulate._random import (
    FloatArray,
    IntArray,
    U64Array,
    alias_pick,
    below,
    gamma,
    next_u64,
    poisson,
    standard_normal,
    stream,
    uniform,
)

KANBAN, ROP, MIN_MAX, ORDER_UP_TO = 0, 1, 2, 3
LOGICS = ("kanban", "rop", "min_max", "order_up_to")
BOOTSTRAP, POISSON, NORMAL, GAMMA, COMPOUND, REPLAY = 0, 1, 2, 3, 4, 5
DEMAND_MODELS = ("bootstrap", "poisson", "normal", "gamma", "compound", "replay")

# Per replication, per item (last axis of the kernel's output).
KPI_FIELDS = (
    "demand",
    "served",
    "stockout_days",
    "stockout_events",
    "cycles",
    "cycles_ok",
    "on_hand_days",
    "orders",
    "deliveries",
    "units_ordered",
    "units_received",
    "units_rejected",
    "position_days",
    "min_position",
    "exposed_days",
)
N_KPIS = len(KPI_FIELDS)
(
    DEMAND,
    SERVED,
    STOCKOUT_DAYS,
    STOCKOUT_EVENTS,
    CYCLES,
    CYCLES_OK,
    ON_HAND_DAYS,
    ORDERS,
    DELIVERIES,
    UNITS_ORDERED,
    UNITS_RECEIVED,
    UNITS_REJECTED,
    POSITION_DAYS,
    MIN_POSITION,
    EXPOSED_DAYS,
) = range(N_KPIS)
# Per item, replication and measured day (last axis of the optional trace array).
TRACE_FIELDS = ("on_hand", "position", "backorders", "received", "stockout")
N_TRACE = len(TRACE_FIELDS)
TRACE_ON_HAND, TRACE_POSITION, TRACE_BACKORDERS, TRACE_RECEIVED, TRACE_STOCKOUT = range(N_TRACE)
# Levels (columns of ``levels``).
REORDER_POINT, ORDER_UP_TO_LEVEL, LOT, MOQ, PACK, INITIAL = range(6)
# A shortage smaller than this is rounding, not a stock-out.
_EPS = 1e-9


@njit(cache=True)
def _order_quantity(
    logic: int, position: float, s: float, big_s: float, lot: float, per_lot: float
) -> float:  # pragma: no cover - compiled
    """The policy's order before MOQ and pack; ``per_lot`` is 1/lot (0 when lot is 0).

    Multiplying by a reciprocal and flooring in floating point keeps this off the slow
    divide and float-int conversions: the day loop is latency bound on IP -> order -> IP.
    """
    if logic == KANBAN:
        return float(np.floor((big_s - position) * per_lot + _EPS)) * lot
    if logic == ROP:
        if per_lot == 0.0 or position > s:
            return 0.0
        return (float(np.floor((s - position) * per_lot + _EPS)) + 1.0) * lot
    if logic == MIN_MAX:
        return big_s - position if position <= s else 0.0
    return big_s - position


@njit(cache=True)
def round_to_supply_terms(quantity: float, moq: float, pack: float) -> float:  # pragma: no cover
    """Raise to the MOQ, then up to a whole number of packs (pack 0: no pack rounding)."""
    q = max(quantity, moq)
    if pack > 0.0:
        q = float(np.ceil(q / pack - _EPS)) * pack
    return q


@njit(cache=True)
def fill_demand(
    out: FloatArray,
    s: np.uint64,
    g: np.uint64,
    model: int,
    a: float,
    b: float,
    c: float,
    history: FloatArray,
    h_start: int,
    h_length: int,
    table_entries: U64Array,
    table_start: int,
    table_size: int,
) -> None:  # pragma: no cover - compiled
    """A replication's daily demand: one draw a day from the item's demand stream.

    (a, b, c) by model: poisson (mean, -, -), drawn from its alias table (pmf over 0 …
    size − 1, the tail folded onto the last value) where it has one, else by
    ``poisson``; replay: the item's history in order from the first day of the run
    (warm-up included), no draw; normal (mean, sd, -), negative draws read as
    0; gamma (shape, scale, mean), the mean when shape is 0 (no variation); compound
    (occurrence probability, size shape, size scale) or (p, 0, size) for constant sizes.
    Drawing the demand path before the day loop keeps the samplers' calls (and the
    registers they clobber) out of that loop.
    """
    n = len(out)
    if model == BOOTSTRAP:
        if h_length == 0:
            out[:] = 0.0
            return
        first = np.uint64(h_start)
        length = np.uint64(h_length)
        for t in range(n):
            z, s = next_u64(s, g)
            out[t] = history[first + below(z, length)]
    elif model == REPLAY:  # the history in order, day t = value t (cycling past its end)
        if h_length == 0:
            out[:] = 0.0
            return
        for t in range(n):
            out[t] = history[h_start + t % h_length]
    elif model == POISSON and table_size > 0:
        table = np.uint64(table_start)
        columns = np.uint64(table_size)
        for t in range(n):
            z, s = next_u64(s, g)
            out[t] = float(alias_pick(z, table_entries, table, columns))
    elif model == POISSON:
        exp_minus_a = math.exp(-a)
        for t in range(n):
            out[t], s = poisson(s, g, a, exp_minus_a)
    elif model == NORMAL:
        for t in range(n):
            x, s = standard_normal(s, g)
            x = a + b * x
            out[t] = x if x > 0.0 else 0.0
    elif model == GAMMA:
        for t in range(n):
            if a > 0.0:
                out[t], s = gamma(s, g, a, b)
            else:
                out[t] = c
    else:  # compound Bernoulli: an order with probability a, its size gamma(b, c) or c
        for t in range(n):
            u, s = uniform(s, g)
            if u >= a:
                out[t] = 0.0
            elif b > 0.0:
                out[t], s = gamma(s, g, b, c)
            else:
                out[t] = c


@njit(cache=True)
def fill_lead_times(
    out: IntArray,
    s: np.uint64,
    g: np.uint64,
    size: int,
    low: int,
    first: int,
    entries: U64Array,
    log_mean: float,
    log_sd: float,
    cap: int,
) -> None:  # pragma: no cover - compiled
    """The lead time, in whole days, of an order placed on each day of a replication.

    One draw a day whether or not an order is placed, so an order placed on day t has
    the same lead time under every policy and scenario (common random numbers). A
    constant lead time draws nothing.
    """
    if size == 1:
        out[:] = low
    elif size > 1:
        table = np.uint64(first)
        columns = np.uint64(size)
        for t in range(len(out)):
            z, s = next_u64(s, g)
            out[t] = low + alias_pick(z, entries, table, columns)
    else:
        for t in range(len(out)):
            x, s = standard_normal(s, g)
            days = np.floor(math.exp(log_mean + log_sd * x) + 0.5)
            out[t] = np.int64(days) if days < cap else cap


@njit(parallel=True, cache=True)
def simulate_items(
    out: FloatArray,
    rows: IntArray,
    seeds: U64Array,
    logic: IntArray,
    review_days: IntArray,
    levels: FloatArray,
    demand_model: IntArray,
    demand_parameters: FloatArray,
    history: FloatArray,
    history_indptr: IntArray,
    demand_table_start: IntArray,
    demand_table_size: IntArray,
    demand_entries: U64Array,
    lt_profile: IntArray,
    lt_start: IntArray,
    lt_size: IntArray,
    lt_low: IntArray,
    lt_log_mean: FloatArray,
    lt_log_sd: FloatArray,
    lt_entries: U64Array,
    supply_profile: IntArray,
    release_day: IntArray,
    accept_share: FloatArray,
    stretch_factor: FloatArray,
    demand_profile: IntArray,
    demand_factor: FloatArray,
    exposure_level: FloatArray,
    trace: FloatArray,
    trace_slot: IntArray,
    total_days: int,
    warmup_days: int,
    replications: int,
    lost_sales: bool,
) -> None:  # pragma: no cover - compiled
    """Write the KPI sums of the items ``rows`` into ``out[item, replication, kpi]``.

    An item with ``trace_slot[i] = k >= 0`` also writes its end-of-day state of every
    measured day into ``trace[k, replication, day]`` (the fields of ``TRACE_FIELDS``);
    -1 records nothing, and ``trace`` may then have no rows.

    Profile 0 of ``supply_profile`` / ``demand_profile`` is "undisturbed" (identity
    rows). ``release_day[p, a]`` is the day an arrival due on day a is received,
    ``accept_share[p, t]`` the accepted share of receipts on day t, ``stretch_factor[p,
    t]`` the lead-time factor of orders placed on day t and ``demand_factor[g, t]`` the
    demand multiplier of day t. An arrival on day ``total_days`` or later is never
    received inside the run.
    """
    for j in prange(len(rows)):
        i = rows[j]
        item_logic = logic[i]
        review_every = review_days[i]
        s = levels[i, REORDER_POINT]
        big_s = levels[i, ORDER_UP_TO_LEVEL]
        lot = levels[i, LOT]
        per_lot = 1.0 / lot if lot > 0.0 else 0.0
        moq = levels[i, MOQ]
        pack = levels[i, PACK]
        # Whole lots (kanban, rop) that already meet MOQ and pack need no rounding.
        lot_packs = lot / pack if pack > 0.0 else 1.0
        rounding = not (
            item_logic in (KANBAN, ROP)
            and lot >= moq
            and abs(lot_packs - np.floor(lot_packs + 0.5)) <= _EPS * lot_packs
        )
        cycle_at_review = item_logic in (KANBAN, ORDER_UP_TO)
        exposure = exposure_level[i]
        lt = lt_profile[i]
        supply = supply_profile[i]
        release = release_day[supply]
        accept = accept_share[supply]
        spike = demand_profile[i]
        slot = trace_slot[i]
        due = np.zeros(total_days + 1)
        demand = np.empty(total_days)
        lead = np.empty(total_days, dtype=np.int64)
        for r in range(replications):
            ds, dg = stream(seeds[i], 2 * r)
            ls, lg = stream(seeds[i], 2 * r + 1)
            fill_demand(
                demand,
                ds,
                dg,
                demand_model[i],
                demand_parameters[i, 0],
                demand_parameters[i, 1],
                demand_parameters[i, 2],
                history,
                history_indptr[i],
                history_indptr[i + 1] - history_indptr[i],
                demand_entries,
                demand_table_start[i],
                demand_table_size[i],
            )
            if spike != 0:
                demand *= demand_factor[spike]
            fill_lead_times(
                lead,
                ls,
                lg,
                lt_size[lt],
                lt_low[lt],
                lt_start[lt],
                lt_entries,
                lt_log_mean[lt],
                lt_log_sd[lt],
                total_days,
            )
            if supply != 0:
                stretched = np.floor(lead * stretch_factor[supply] + 0.5)
                lead[:] = np.minimum(stretched, total_days).astype(np.int64)
            due[:] = 0.0
            net = levels[i, INITIAL]  # on hand − backorders
            pipeline = 0.0
            next_review = 0
            demand_sum = served_sum = on_hand_days = position_days = 0.0
            units_ordered = units_rejected = pipeline_at_start = 0.0
            stockout_days = stockout_events = cycles = cycles_ok = 0
            orders = deliveries = exposed_days = cycle_days = 0
            min_position = np.inf
            previous_short = cycle_short = False
            for t in range(total_days):
                measured = t >= warmup_days
                if t == warmup_days:
                    pipeline_at_start = pipeline
                if t == next_review:
                    next_review += review_every
                    q = _order_quantity(item_logic, net + pipeline, s, big_s, lot, per_lot)
                    ordered = q > _EPS
                    if ordered:
                        if rounding:
                            q = round_to_supply_terms(q, moq, pack)
                        # An outage moves the arrival to its end (identity for profile 0).
                        arrival = release[np.uint64(min(t + lead[t], total_days))]
                        due[np.uint64(arrival)] += q
                        pipeline += q
                        if measured:
                            orders += 1
                            units_ordered += q
                    # A replenishment cycle ends at each review (periodic policies) or
                    # at each order (reorder-point policies).
                    if (cycle_at_review or ordered) and cycle_days > 0:
                        cycles += 1
                        cycles_ok += 0 if cycle_short else 1
                        cycle_short = False
                        cycle_days = 0
                # Receipts, branch-free: with random lead times arrivals are random.
                received = due[np.uint64(t)]
                accepted = received * accept[np.uint64(t)]
                pipeline -= received
                net += accepted
                d = demand[np.uint64(t)]
                available = net if net > 0.0 else 0.0
                served = d if d < available else available
                if lost_sales:
                    net -= served
                    short = d - served > _EPS
                else:
                    net -= d
                    short = net < -_EPS
                if measured:
                    demand_sum += d
                    served_sum += served
                    deliveries += received > 0.0
                    units_rejected += received - accepted
                    stockout_days += short
                    stockout_events += short and not previous_short
                    previous_short = short
                    cycle_short |= short
                    cycle_days += 1
                    on_hand_days += net if net > 0.0 else 0.0
                    position = net + pipeline
                    if slot >= 0:
                        day = trace[slot, r, t - warmup_days]
                        day[TRACE_ON_HAND] = net if net > 0.0 else 0.0
                        day[TRACE_POSITION] = position
                        day[TRACE_BACKORDERS] = -net if net < 0.0 else 0.0
                        day[TRACE_RECEIVED] = accepted
                        day[TRACE_STOCKOUT] = short
                    position = position if position > 0.0 else 0.0
                    position_days += position
                    min_position = min(min_position, position)
                    exposed_days += position < exposure
            if cycle_days > 0:
                cycles += 1
                cycles_ok += 0 if cycle_short else 1
            kpi = out[i, r]
            kpi[DEMAND] = demand_sum
            kpi[SERVED] = served_sum
            kpi[STOCKOUT_DAYS] = stockout_days
            kpi[STOCKOUT_EVENTS] = stockout_events
            kpi[CYCLES] = cycles
            kpi[CYCLES_OK] = cycles_ok
            kpi[ON_HAND_DAYS] = on_hand_days
            kpi[ORDERS] = orders
            kpi[DELIVERIES] = deliveries
            kpi[UNITS_ORDERED] = units_ordered
            # Accepted = on order at the start + ordered since − still on order − rejected.
            kpi[UNITS_RECEIVED] = pipeline_at_start + units_ordered - pipeline - units_rejected
            kpi[UNITS_REJECTED] = units_rejected
            kpi[POSITION_DAYS] = position_days
            kpi[MIN_POSITION] = min_position if min_position < np.inf else 0.0
            kpi[EXPOSED_DAYS] = exposed_days
