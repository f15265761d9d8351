"""Monte Carlo stress test of replenishment policies: :func:`simulate`.

Every item runs its policy day by day over ``warmup_days + days`` days, ``replications``
times, under normal conditions or a disruption scenario; the KPIs come back per item,
per supplier, per strategy and for all items. The model (see ``docs/simulate.md``):

- a day is: review and order (review days), receive, meet demand, count (Snyder & Shen,
  *Fundamentals of Supply Chain Theory*, 2nd ed., 2019, ch. 4); an order placed on day t
  with a lead time of ℓ days is available from the start of day t + ℓ;
- inventory position = on hand + pipeline − backorders drives every order; orders are
  rounded up to the MOQ and a pack multiple; open orders can cross;
- lead times are lognormal (mean, sd in days) rounded to whole days, constant when the
  sd is 0; demand is bootstrapped from the item's daily history or drawn from a
  distribution (Poisson, normal, gamma, compound Bernoulli);
- unmet demand is backordered, or lost with ``lost_sales=True``.

Reproducible: an item's results depend only on ``seed``, its own name and its own inputs,
not on the other items in the run or the number of threads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from takt.errors import InvalidInputError
from takt.simulate._base_stock import simulate_base_stock
from takt.simulate._disruptions import DisruptionArrays, compile_scenario, pin_ranks
from takt.simulate._items import Items, read_items
from takt.simulate._kernel import (
    _EPS,
    BOOTSTRAP,
    KANBAN,
    LOT,
    MOQ,
    N_KPIS,
    PACK,
    simulate_items,
)
from takt.simulate._kpis import (
    GroupTotals,
    finish_groups,
    group_totals,
    item_kpis,
    merge_totals,
)
from takt.simulate._lead_times import LeadTimeTables, build_lead_time_tables
from takt.simulate._random import FloatArray, IntArray, item_seeds
from takt.simulate._trajectory import (
    TRAJECTORY_SCHEMA,
    trace_buffers,
    traced_rows,
    trajectory_frame,
)
from takt.simulate.scenarios import Scenario, load_scenarios

BASELINE = "baseline"


@dataclass(frozen=True)
class SimulationResult:
    """KPIs of one run (one scenario), means over the replications.

    Attributes
    ----------
    items : one row per item (see :func:`simulate` for the columns).
    suppliers : one row per (supplier, region), the items' KPIs pooled.
    strategies : one row per strategy (jit / hybrid / buffer / unassigned), pooled.
    overall : one row, every item pooled.
    targets : which lanes (supplier, region) each supply disruption hit.
    trajectories : the traced items' days, one row per item, replication and measured
        day (see :func:`simulate`); no rows when none was traced.
    """

    items: pl.DataFrame
    suppliers: pl.DataFrame
    strategies: pl.DataFrame
    overall: pl.DataFrame
    targets: pl.DataFrame
    scenario: str
    days: int
    replications: int
    warmup_days: int
    seed: int
    lost_sales: bool
    trajectories: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema=TRAJECTORY_SCHEMA)
    )
    # What the pooled frames are made of, to merge runs over item partitions.
    totals: dict[str, GroupTotals] = field(default_factory=dict, repr=False)
    holding_rate: float = 0.25
    days_per_year: float = 365.0


def simulate(
    items: pl.DataFrame,
    *,
    days: int = 365,
    replications: int = 20,
    scenario: Scenario | str | Path | None = None,
    demand_history: pl.DataFrame | None = None,
    seed: int = 0,
    lost_sales: bool = False,
    holding_rate: float = 0.25,
    warmup_days: int = 0,
    days_per_year: float = 365.0,
    trajectories: Sequence[str] | None = None,
    partial: bool = False,
) -> SimulationResult:
    """Simulate every item's policy and return its KPIs (a pure function of its inputs).

    Parameters
    ----------
    items : polars.DataFrame
        One row per item. Required: ``item`` (unique), ``supplier``, ``logic`` (kanban /
        rop / min_max / order_up_to), ``lead_time_mean_days``. Policy levels by logic:
        kanban ``container_qty`` (or ``order_qty``) and ``kanban_count`` (or
        ``order_up_to`` = N·C); rop ``reorder_point`` and ``order_qty``; min_max
        ``reorder_point`` and ``order_up_to``; order_up_to ``order_up_to``. Optional:
        ``review_period_days`` (1), ``moq`` (0), ``pack_multiple`` (1; 0 = none),
        ``initial_on_hand`` (the policy's top level), ``lead_time_sd_days`` (0),
        ``unit_cost`` (0), ``region``, ``category``, ``criticality`` (line_stopper /
        important / normal), ``strategy`` (jit / hybrid / buffer), ``time_to_recover_days``
        (the supplier's TTR). Demand: ``demand_model`` (bootstrap / poisson / normal /
        gamma / compound / replay; inferred when null; replay plays ``demand_history``
        back in order from the first warm-up day), ``demand_mean`` and ``demand_sd`` per
        day, ``adi`` (days between demands, ≥ 1) and ``cv2`` (of the non-zero sizes)
        for compound demand. Takt's policy output (:func:`takt.policy.parameters.
        compute_parameters`) joined to the item master fits this contract.
    days : int
        Days measured (after the warm-up). Default 365.
    replications : int
        Independent runs per item. Default 20.
    scenario : Scenario, name, path or None
        Disruptions (a standard scenario name, a TOML file with one scenario, or a
        :class:`Scenario`); None for normal conditions.
    demand_history : polars.DataFrame, optional
        Columns ``item`` and ``qty``: one row per item and day, zero days included; the
        days of an item are resampled with replacement (bootstrap).
    seed : int
        Seed of every random stream; each item's streams are derived from it and the
        item's name.
    lost_sales : bool
        Unmet demand is lost (True) or backordered (False, default).
    holding_rate : float
        Carrying cost per year as a share of the stock's value. Default 0.25.
    warmup_days : int
        Days simulated before the measured days (the start state is full stock and an
        empty pipeline). Scenario days count from the end of the warm-up.
    days_per_year : float
        Days of the year the holding rate refers to. Default 365.
    trajectories : list of item names, optional
        Items whose every measured day is recorded (a few: the frame has replications ×
        days rows per item). None (default) records nothing and costs nothing. Tracing
        changes no KPI.
    partial : bool
        ``items`` is one partition of a larger run: scenario targets that no item here
        has hit nothing instead of being refused (check and pin the scenario on all the
        items first with :func:`pin_scenario`; merge the parts with
        :func:`merge_results`).

    Returns
    -------
    SimulationResult
        ``items`` columns: the labels (``item``, ``supplier``, ``region``, ``category``,
        ``criticality``, ``strategy``, ``logic``); ``demand`` (units over the run);
        ``fill_rate`` (units served from stock on the day of demand / demand) with
        ``_se``, ``_p05``, ``_p95``; ``cycle_service_level`` (share of replenishment
        cycles without a stock-out) with ``_se``; ``stockout_days`` (days ending with
        unmet demand) with ``_se``; ``stockout_events`` (runs of such days);
        ``line_stop_days`` and ``line_stop_events`` (the same, line-stopper items only);
        ``avg_on_hand`` (units, end of day); ``working_capital`` (average on-hand value);
        ``carrying_cost`` (over the run); ``orders``, ``deliveries`` (days with a
        receipt), ``units_ordered``, ``units_received``, ``units_rejected``;
        ``tts_days`` (mean of (on hand + pipeline − backorders) / expected daily demand)
        and ``tts_min_days`` (its minimum in a run); ``time_to_recover_days``;
        ``exposed`` (tts_days < TTR) and ``exposed_share`` (share of days with TTS <
        TTR), null where TTR is not given.

        ``trajectories`` columns: ``item``, ``replication``, ``day`` (0 = the first
        measured day, as scenario days); the end-of-day ``on_hand``, ``position`` (on hand
        + pipeline − backorders), ``backorders`` and ``stockout`` (the day counts in
        ``stockout_days``); ``received`` (units accepted into stock that day); and the
        policy's levels as reference lines: ``reorder_point`` (rop, min_max; null for
        kanban and order_up_to) and ``order_up_to`` (N·C, S, or r + Q for rop).

    Raises
    ------
    InvalidInputError
        A required column is missing, a value is invalid (naming the column and item),
        or the scenario is invalid or targets a supplier, region or item not in
        ``items``, or ``trajectories`` names an item not in ``items``.

    Examples
    --------
    One-for-one base stock S = 12, lead time 3 days, Poisson demand of 2 a day: the
    chance that a day ends without a stock-out is P(D over L + 1 = 4 days ≤ 12) = 0.936
    (Zipkin, *Foundations of Inventory Management*, 2000, ch. 6).

    >>> items = pl.DataFrame({"item": ["A"], "supplier": ["S1"], "logic": ["kanban"],
    ...     "container_qty": [1.0], "kanban_count": [12], "lead_time_mean_days": [3.0],
    ...     "demand_mean": [2.0]})
    >>> result = simulate(items, days=5000, replications=8, seed=1, warmup_days=10)
    >>> round(result.items["cycle_service_level"][0], 3)
    0.937
    """
    _check_run(days, replications, warmup_days, holding_rate, days_per_year, seed)
    data, resolved, disruption, tables = _prepare(
        items, demand_history, scenario, days, warmup_days, days_per_year, strict=not partial
    )
    total = warmup_days + days
    traced = traced_rows(data, trajectories)
    per_rep, recorded = _run(
        data, tables, disruption, seed, total, warmup_days, replications, lost_sales, traced
    )
    frame, sums = item_kpis(per_rep, data, days, holding_rate, days_per_year)
    totals = {name: group_totals(frame, sums, data, keys) for name, keys in POOLS.items()}

    def pooled(name: str) -> pl.DataFrame:
        return finish_groups(totals[name], days, holding_rate, days_per_year)

    return SimulationResult(
        items=frame,
        suppliers=pooled("suppliers"),
        strategies=pooled("strategies"),
        overall=pooled("overall"),
        targets=disruption.targets,
        scenario=resolved.name if resolved is not None else BASELINE,
        days=days,
        replications=replications,
        warmup_days=warmup_days,
        seed=seed,
        lost_sales=lost_sales,
        trajectories=trajectory_frame(data, traced, recorded),
        totals=totals,
        holding_rate=holding_rate,
        days_per_year=days_per_year,
    )


POOLS: dict[str, tuple[str, ...]] = {
    "suppliers": ("supplier", "region"),
    "strategies": ("strategy",),
    "overall": (),
}


def pin_scenario(
    items: pl.DataFrame,
    scenario: Scenario | str | Path | None,
    *,
    days: int = 365,
    warmup_days: int = 0,
    days_per_year: float = 365.0,
) -> Scenario | None:
    """``scenario`` checked against all of ``items`` (as :func:`simulate` would), with its
    supplier and region ranks replaced by the names they pick among them: what every
    partition of a partitioned run simulates."""
    data, resolved, _, _ = _prepare(items, None, scenario, days, warmup_days, days_per_year)
    if resolved is None:
        return None
    spend = np.nan_to_num(data.demand_rate) * data.unit_cost * days_per_year
    return pin_ranks(resolved, data.labels, spend)


def merge_results(parts: Sequence[SimulationResult]) -> SimulationResult:
    """One result from those of disjoint item partitions (same scenario, days, seed),
    items in the order given: item rows as the partitions computed them, pooled frames
    from their merged totals (sums over items in another order: equal to rounding)."""
    if not parts:
        raise InvalidInputError("no partition results to merge")
    first = parts[0]
    for part in parts[1:]:
        same = (part.scenario, part.days, part.replications, part.seed, part.lost_sales)
        if same != (first.scenario, first.days, first.replications, first.seed, first.lost_sales):
            raise InvalidInputError("partition results of different runs cannot be merged")
    totals = {name: merge_totals([p.totals[name] for p in parts]) for name in POOLS}

    def pooled(name: str) -> pl.DataFrame:
        return finish_groups(totals[name], first.days, first.holding_rate, first.days_per_year)

    return SimulationResult(
        items=pl.concat([p.items for p in parts], how="vertical_relaxed"),
        suppliers=pooled("suppliers"),
        strategies=pooled("strategies"),
        overall=pooled("overall"),
        targets=pl.concat([p.targets for p in parts]).unique(maintain_order=True),
        scenario=first.scenario,
        days=first.days,
        replications=first.replications,
        warmup_days=first.warmup_days,
        seed=first.seed,
        lost_sales=first.lost_sales,
        trajectories=pl.concat([p.trajectories for p in parts]),
        totals=totals,
        holding_rate=first.holding_rate,
        days_per_year=first.days_per_year,
    )


def trace(
    items: pl.DataFrame,
    names: Sequence[str],
    *,
    days: int = 365,
    replications: int = 20,
    scenario: Scenario | str | Path | None = None,
    demand_history: pl.DataFrame | None = None,
    seed: int = 0,
    lost_sales: bool = False,
    warmup_days: int = 0,
) -> pl.DataFrame:
    """The trajectories of the items ``names``: ``simulate(items, ...,
    trajectories=names).trajectories``, at the cost of those items only.

    Every item of ``items`` still counts for the scenario's targets (a supplier rank is
    a rank among all of them), and an item's days depend only on ``seed``, its own inputs
    and the scenario, so this is the run that :func:`simulate` with the same arguments
    made; use it to look into a few items of a large run after the fact.

    Raises
    ------
    InvalidInputError
        As :func:`simulate`.
    """
    _check_run(days, replications, warmup_days, 0.0, 365.0, seed)
    data, _, disruption, tables = _prepare(items, demand_history, scenario, days, warmup_days)
    total = warmup_days + days
    traced = traced_rows(data, names)
    _, recorded = _run(
        data,
        tables,
        disruption,
        seed,
        total,
        warmup_days,
        replications,
        lost_sales,
        traced,
        traced_only=True,
    )
    return trajectory_frame(data, traced, recorded)


def _prepare(
    items: pl.DataFrame,
    demand_history: pl.DataFrame | None,
    scenario: Scenario | str | Path | None,
    days: int,
    warmup_days: int,
    days_per_year: float = 365.0,
    *,
    strict: bool = True,
) -> tuple[Items, Scenario | None, DisruptionArrays, LeadTimeTables]:
    """Checked items, the scenario compiled onto them, and the lead-time tables."""
    data = read_items(items, demand_history)
    resolved = _resolve_scenario(scenario)
    # Spend only ranks suppliers and regions, so the year's length does not change it.
    spend = np.nan_to_num(data.demand_rate) * data.unit_cost * days_per_year
    disruption = compile_scenario(resolved, data.labels, spend, warmup_days, days, strict=strict)
    total = warmup_days + days
    tables = build_lead_time_tables(data.lead_time_mean, data.lead_time_sd, total)
    return data, resolved, disruption, tables


def _check_run(
    days: int,
    replications: int,
    warmup_days: int,
    holding_rate: float,
    days_per_year: float,
    seed: int,
) -> None:
    for name, value, low in (("days", days, 1), ("replications", replications, 1)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
            raise InvalidInputError(f"{name} must be a whole number >= {low} (got {value!r})")
    if isinstance(warmup_days, bool) or not isinstance(warmup_days, int | np.integer):
        raise InvalidInputError(f"warmup_days must be a whole number >= 0 (got {warmup_days!r})")
    if warmup_days < 0:
        raise InvalidInputError(f"warmup_days must be a whole number >= 0 (got {warmup_days!r})")
    if not (np.isfinite(holding_rate) and holding_rate >= 0):
        raise InvalidInputError(f"holding_rate must be finite and >= 0 (got {holding_rate!r})")
    if not (np.isfinite(days_per_year) and days_per_year > 0):
        raise InvalidInputError(f"days_per_year must be > 0 (got {days_per_year!r})")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise InvalidInputError(f"seed must be an integer (got {seed!r})")


def _resolve_scenario(scenario: Scenario | str | Path | None) -> Scenario | None:
    if scenario is None or isinstance(scenario, Scenario):
        return scenario
    if not isinstance(scenario, str | Path):
        raise InvalidInputError(
            f"scenario must be a Scenario, a name or a path (got {type(scenario).__name__})"
        )
    loaded = load_scenarios(scenario)
    if len(loaded) != 1:
        names = ", ".join(s.name for s in loaded)
        raise InvalidInputError(
            f"scenario {str(scenario)!r} holds {len(loaded)} scenarios ({names}); "
            "pass one Scenario, or use compare_strategies for several"
        )
    return loaded[0]


def fast_path(data: Items, tables: LeadTimeTables, disruption: DisruptionArrays) -> np.ndarray:
    """Items the stripped-down base-stock kernel can run (same results, faster)."""
    lot = data.levels[:, LOT]
    pack = data.levels[:, PACK]
    with np.errstate(divide="ignore", invalid="ignore"):
        lot_packs = np.where(pack > 0.0, lot / np.where(pack > 0, pack, 1.0), 1.0)
    # The same test, in the same floating point, as the kernel's "rounding" flag.
    no_rounding = (lot >= data.levels[:, MOQ]) & (
        np.abs(lot_packs - np.floor(lot_packs + 0.5)) <= _EPS * lot_packs
    )
    return np.asarray(
        (data.logic == KANBAN)
        & (data.review_days == 1)
        & no_rounding
        & (data.demand_model == BOOTSTRAP)
        & (np.diff(data.history_indptr) > 0)
        & (tables.size[tables.profile] >= 1)
        & (disruption.supply_profile == 0)
        & (disruption.demand_profile == 0),
        dtype=bool,
    )


def _run(
    data: Items,
    tables: LeadTimeTables,
    disruption: DisruptionArrays,
    seed: int,
    total: int,
    warmup_days: int,
    replications: int,
    lost_sales: bool,
    traced: IntArray | None = None,
    *,
    traced_only: bool = False,
) -> tuple[FloatArray, FloatArray]:
    """KPI sums per item and replication, and the traced items' days.

    Traced items run in the general kernel, which records; the fast path gives the same
    numbers to the last bit, so tracing changes no KPI. ``traced_only`` runs only them
    (the other items' KPI rows are then left unwritten).
    """
    seeds = item_seeds(data.labels.get_column("item"), int(seed))
    rate = np.nan_to_num(data.demand_rate)
    exposure = np.where(np.isnan(data.time_to_recover), -1.0, data.time_to_recover * rate)
    if traced is None:
        traced = np.zeros(0, dtype=np.int64)
    recorded, trace_slot = trace_buffers(len(data), traced, replications, total - warmup_days)
    out = np.empty((len(data), replications, N_KPIS))
    fast = fast_path(data, tables, disruption) & (trace_slot < 0)
    if traced_only:
        fast[:] = False
    rows_fast = np.flatnonzero(fast).astype(np.int64)
    rows_general = np.sort(traced) if traced_only else np.flatnonzero(~fast).astype(np.int64)
    if len(rows_fast):
        simulate_base_stock(
            out,
            rows_fast,
            seeds,
            data.levels,
            data.history,
            data.history_indptr,
            tables.profile,
            tables.start,
            tables.size,
            tables.low,
            tables.entries,
            exposure,
            total,
            warmup_days,
            replications,
            lost_sales,
        )
    if len(rows_general):
        simulate_items(
            out,
            rows_general,
            seeds,
            data.logic,
            data.review_days,
            data.levels,
            data.demand_model,
            data.demand_parameters,
            data.history,
            data.history_indptr,
            data.demand_table_start,
            data.demand_table_size,
            data.demand_entries,
            tables.profile,
            tables.start,
            tables.size,
            tables.low,
            tables.log_mean,
            tables.log_sd,
            tables.entries,
            disruption.supply_profile,
            disruption.release_day,
            disruption.accept_share,
            disruption.stretch_factor,
            disruption.demand_profile,
            disruption.demand_factor,
            exposure,
            recorded,
            trace_slot,
            total,
            warmup_days,
            replications,
            lost_sales,
        )
    return out, recorded
