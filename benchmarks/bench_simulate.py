"""Speed of takt.simulate: the base-stock kernel on one core, against SimPy and NumPy.

Part 1, one core (numba limited to one thread): N one-for-one base-stock items (kanban,
one-unit containers, reviewed daily), demand bootstrapped from a year of Poisson history
(means 2-20 a day), lognormal lead times (means 3-15 days, CV 0.3), backorders, 365 days
× 20 replications. Timed: the kernel alone (what the item-days/s target is about) and the
whole ``simulate`` call (inputs checked, tables built, KPI frames); wall and CPU time, the
median of ``--repeat`` runs. Target: >= 100 million item-days per second. For reference,
the general kernel (every policy, scenarios) on the same items, and the same items with
Poisson demand drawn by the kernel.

Baselines of the same system in the same run, on fewer items:

- SimPy: one process per item (order, then receive and meet demand at mid-day), one
  process per open order that delivers after its lead time;
- NumPy: a Python loop over days, every step vectorised over items × replications.

Both compute the same KPIs (fill rate, stock-out days, on hand); their fill rates are
printed next to Takt's as a check that the three models agree.

Part 2, both cores: 100,000 items × 365 days × 20 replications with the full disruption
model: every policy (kanban, rop, min_max, order_up_to), every demand model, random lead
times, 400 suppliers in 8 regions, and a scenario with all five disruption types (region
closure, supplier outage, quality failure, lead-time stretch, demand spike). Target: under
a minute, end to end.

    python benchmarks/bench_simulate.py [--items 20000] [--simpy-items 50]
        [--numpy-items 2000] [--full-items 100000] [--repeat 5] [--skip-full]
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
import polars as pl

import takt.simulate.engine as engine
from takt.simulate import Disruption, Scenario, simulate
from takt.simulate._disruptions import compile_scenario
from takt.simulate._items import read_items
from takt.simulate._lead_times import build_lead_time_tables

DAYS = 365
REPLICATIONS = 20


@dataclass
class Timing:
    wall: float
    cpu: float


def timed(fn: Callable[[], Any], repeat: int) -> tuple[Timing, Any]:
    """Median wall and CPU seconds of ``repeat`` calls, and the last result."""
    walls, cpus = [], []
    result = None
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return Timing(statistics.median(walls), statistics.median(cpus)), result


def base_stock_items(n: int, seed: int = 20240601) -> tuple[pl.DataFrame, pl.DataFrame]:
    """N base-stock items and a year of Poisson daily history for each."""
    rng = np.random.default_rng(seed)
    rate = rng.uniform(2.0, 20.0, n)
    lead = rng.uniform(3.0, 15.0, n)
    lead_sd = 0.3 * lead
    # S covers demand over L + 1 days plus two sd of it (demand and lead-time variance).
    sd = np.sqrt(rate * (lead + 1) + rate**2 * lead_sd**2)
    level = np.ceil(rate * (lead + 1) + 2.0 * sd)
    names = [f"I{i:07d}" for i in range(n)]
    items = pl.DataFrame(
        {
            "item": names,
            "supplier": [f"S{i % 400:03d}" for i in range(n)],
            "logic": "kanban",
            "container_qty": 1.0,
            "kanban_count": level,
            "lead_time_mean_days": lead,
            "lead_time_sd_days": lead_sd,
            "demand_model": "bootstrap",
            "demand_mean": rate,
        }
    )
    history = pl.DataFrame(
        {
            "item": np.repeat(names, DAYS),
            "qty": rng.poisson(np.repeat(rate, DAYS)).astype(np.float64),
        }
    )
    return items, history


def kernel_seconds(
    items: pl.DataFrame, history: pl.DataFrame | None, repeat: int, general: bool = False
) -> Timing:
    """The kernel alone (inputs prepared once), as simulate runs it."""
    data = read_items(items, history)
    spend = np.zeros(len(data))
    disruption = compile_scenario(None, data.labels, spend, 0, DAYS)
    tables = build_lead_time_tables(data.lead_time_mean, data.lead_time_sd, DAYS)
    original = engine.fast_path
    if general:
        engine.fast_path = lambda data, *_: np.zeros(len(data), bool)  # type: ignore[assignment]
    try:

        def run() -> Any:
            return engine._run(data, tables, disruption, 0, DAYS, 0, REPLICATIONS, False)

        run()  # compile or load from cache
        timing, _ = timed(run, repeat)
    finally:
        engine.fast_path = original
    return timing


class _SimpyShop:
    """State of one SimPy replication: plain lists and Python's RNG keep it fast."""

    def __init__(self, items: pl.DataFrame, history: pl.DataFrame, seed: int) -> None:
        self.random = random.Random(seed)
        self.level = [float(x) for x in items["kanban_count"]]
        mean = items["lead_time_mean_days"].to_numpy()
        sd = items["lead_time_sd_days"].to_numpy()
        log_var = np.log1p((sd / mean) ** 2)
        self.log_mean = (np.log(mean) - log_var / 2).tolist()
        self.log_sd = np.sqrt(log_var).tolist()
        self.values = history["qty"].to_numpy().reshape(len(items), DAYS).tolist()
        self.net = list(self.level)
        self.pipeline = [0.0] * len(items)
        self.demand = self.served = self.stockout_days = 0.0

    def deliver(self, env: Any, i: int, quantity: float, lead: int) -> Any:
        # A quarter past the start of day t + L: after that day's order, before its demand.
        yield env.timeout(lead + 0.25)
        self.pipeline[i] -= quantity
        self.net[i] += quantity

    def item(self, env: Any, i: int) -> Any:
        draw = self.random
        history = self.values[i]
        while True:
            q = math.floor(self.level[i] - (self.net[i] + self.pipeline[i]) + 1e-9)
            if q > 0:
                lead = math.floor(draw.lognormvariate(self.log_mean[i], self.log_sd[i]) + 0.5)
                self.pipeline[i] += q
                env.process(self.deliver(env, i, q, lead))
            yield env.timeout(0.5)
            d = history[draw.randrange(DAYS)]
            self.served += min(d, max(self.net[i], 0.0))
            self.net[i] -= d
            self.demand += d
            self.stockout_days += self.net[i] < 0
            yield env.timeout(0.5)


def simpy_model(
    items: pl.DataFrame, history: pl.DataFrame, replications: int, seed: int
) -> tuple[float, float]:
    """The same base-stock system in SimPy; returns (fill rate, stock-out day share)."""
    import simpy

    demand = served = stockout_days = 0.0
    for r in range(replications):
        env = simpy.Environment()
        shop = _SimpyShop(items, history, seed + r)
        for i in range(len(items)):
            env.process(shop.item(env, i))
        env.run(until=DAYS)
        demand += shop.demand
        served += shop.served
        stockout_days += shop.stockout_days
    return served / demand, stockout_days / (len(items) * DAYS * replications)


def numpy_model(
    items: pl.DataFrame, history: pl.DataFrame, replications: int, seed: int
) -> tuple[float, float]:
    """The same system as a Python loop over days, vectorised over items × replications."""
    rng = np.random.default_rng(seed)
    n = len(items)
    lanes = n * replications
    level = np.repeat(items["kanban_count"].to_numpy().astype(np.float64), replications)
    mean = np.repeat(items["lead_time_mean_days"].to_numpy(), replications)
    sd = np.repeat(items["lead_time_sd_days"].to_numpy(), replications)
    log_var = np.log1p((sd / mean) ** 2)
    log_mean, log_sd = np.log(mean) - log_var / 2, np.sqrt(log_var)
    values = history["qty"].to_numpy()
    first = np.repeat(np.arange(n) * DAYS, replications)
    due = np.zeros((lanes, DAYS + 1))
    net = level.copy()
    pipeline = np.zeros(lanes)
    lane = np.arange(lanes)
    demand_total = served_total = stockout_days = 0.0
    for t in range(DAYS):
        q = np.floor(level - (net + pipeline) + 1e-9)
        ordered = q > 0
        lead = np.floor(np.exp(log_mean + log_sd * rng.standard_normal(lanes)) + 0.5)
        arrival = np.minimum(t + lead, DAYS).astype(np.int64)
        due[lane[ordered], arrival[ordered]] += q[ordered]
        pipeline += np.where(ordered, q, 0.0)
        received = due[:, t]
        pipeline -= received
        net += received
        d = values[first + rng.integers(0, DAYS, lanes)]
        served = np.minimum(d, np.maximum(net, 0.0))
        net -= d
        demand_total += d.sum()
        served_total += served.sum()
        stockout_days += np.count_nonzero(net < 0)
    return served_total / demand_total, stockout_days / (lanes * DAYS)


def full_items(n: int, seed: int = 7) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A realistic mix: every logic and demand model, 400 suppliers in 8 regions."""
    rng = np.random.default_rng(seed)
    names = [f"P{i:07d}" for i in range(n)]
    logic = rng.choice(["kanban", "rop", "min_max", "order_up_to"], n, p=[0.4, 0.3, 0.1, 0.2])
    model = rng.choice(["bootstrap", "poisson", "gamma", "compound"], n, p=[0.4, 0.2, 0.2, 0.2])
    rate = rng.lognormal(1.0, 0.8, n)
    lead = rng.choice([2.0, 5.0, 7.0, 10.0, 14.0, 21.0, 30.0], n)
    lead_sd = lead * rng.uniform(0.0, 0.5, n)
    review = np.where(logic == "order_up_to", 7, 1)
    protection = rate * (lead + review)
    spread = 2.0 * np.sqrt(protection * 2.0 + (rate * lead_sd) ** 2)
    lot = np.ceil(rate * 10.0)
    supplier = rng.integers(0, 400, n)
    items = pl.DataFrame(
        {
            "item": names,
            "supplier": [f"S{s:03d}" for s in supplier],
            "region": [f"R{s % 8}" for s in supplier],
            "category": rng.choice(["direct", "indirect", "mro"], n),
            "criticality": rng.choice(
                ["line_stopper", "important", "normal"], n, p=[0.1, 0.3, 0.6]
            ),
            "strategy": rng.choice(["jit", "hybrid", "buffer"], n),
            "logic": logic,
            "container_qty": np.ceil(rate),
            "kanban_count": np.ceil((protection + spread) / np.ceil(rate)),
            "reorder_point": protection + spread,
            "order_qty": lot,
            "order_up_to": protection + spread + lot,
            "review_period_days": review,
            "moq": np.where(rng.random(n) < 0.3, lot, 0.0),
            "pack_multiple": rng.choice([1.0, 5.0, 10.0], n),
            "lead_time_mean_days": lead,
            "lead_time_sd_days": lead_sd,
            "demand_model": model,
            "demand_mean": rate,
            "demand_sd": rate * rng.uniform(0.3, 1.2, n),
            "adi": np.where(model == "compound", rng.uniform(1.5, 6.0, n), np.nan),
            "cv2": np.where(model == "compound", rng.uniform(0.1, 1.5, n), np.nan),
            "unit_cost": rng.lognormal(2.0, 1.0, n),
            "time_to_recover_days": rng.choice([7.0, 14.0, 30.0, 60.0], n),
        }
    )
    bootstrapped = np.flatnonzero(model == "bootstrap")
    history = pl.DataFrame(
        {
            "item": np.repeat(np.asarray(names)[bootstrapped], 180),
            "qty": rng.poisson(np.repeat(rate[bootstrapped], 180)).astype(np.float64),
        }
    )
    return items, history


FULL_SCENARIO = Scenario(
    "everything",
    "all five disruption types",
    (
        Disruption("region_closure", 30, 21, region_rank=1),
        Disruption("supplier_outage", 100, 30, supplier_rank=2),
        Disruption("quality_failure", 150, 20, supplier_rank=3, reject_rate=0.3),
        Disruption("lead_time_stretch", 60, 90, factor=1.5, regions=("R1", "R2")),
        Disruption("demand_spike", 200, 14, increase_pct=50.0, categories=("direct",)),
    ),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--simpy-items", type=int, default=50)
    parser.add_argument("--numpy-items", type=int, default=2_000)
    parser.add_argument("--full-items", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-full", action="store_true")
    args = parser.parse_args()

    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    items, history = base_stock_items(args.items)
    item_days = args.items * DAYS * REPLICATIONS
    print(f"Part 1: one core, {args.items:,} base-stock items x {DAYS} days x {REPLICATIONS} reps")
    kernel = kernel_seconds(items, history, args.repeat)
    general = kernel_seconds(items, history, max(args.repeat // 2, 1), general=True)
    poisson_items = items.with_columns(demand_model=pl.lit("poisson"))
    poisson = kernel_seconds(poisson_items, None, max(args.repeat // 2, 1))
    simulate(items.head(10), demand_history=history, days=DAYS, replications=2)
    whole, result = timed(
        lambda: simulate(items, demand_history=history, days=DAYS, replications=REPLICATIONS),
        max(args.repeat // 2, 1),
    )

    def rate(t: Timing, days: float = item_days) -> str:
        return f"{days / t.cpu / 1e6:7.2f} M/s CPU, {days / t.wall / 1e6:7.2f} M/s wall"

    print(f"  base-stock kernel        {rate(kernel)}   ({kernel.wall:.2f} s wall)")
    print(f"  general kernel           {rate(general)}")
    print(f"  kernel, Poisson demand   {rate(poisson)}")
    print(f"  whole simulate() call    {rate(whole)}")
    takt_fill = float(result.overall["fill_rate"][0])
    takt_stockout = float(result.items["stockout_days"].sum()) / (args.items * DAYS)

    simpy_items = items.head(args.simpy_items)
    simpy_history = history.filter(pl.col("item").is_in(simpy_items["item"].implode()))
    simpy_reps = 2
    simpy_time, (simpy_fill, simpy_stockout) = timed(
        lambda: simpy_model(simpy_items, simpy_history, simpy_reps, 1), 3
    )
    simpy_days = args.simpy_items * DAYS * simpy_reps
    numpy_items = items.head(args.numpy_items)
    numpy_history = history.filter(pl.col("item").is_in(numpy_items["item"].implode()))
    numpy_time, (numpy_fill, numpy_stockout) = timed(
        lambda: numpy_model(numpy_items, numpy_history, REPLICATIONS, 1), 3
    )
    numpy_days = args.numpy_items * DAYS * REPLICATIONS
    kernel_speed = item_days / kernel.cpu
    print(
        f"  SimPy ({args.simpy_items} items x {simpy_reps} reps)   {rate(simpy_time, simpy_days)}"
    )
    print(f"  NumPy day loop ({args.numpy_items:,} items) {rate(numpy_time, numpy_days)}")
    print(
        f"  ratios (CPU): kernel / SimPy = {kernel_speed / (simpy_days / simpy_time.cpu):,.0f}x, "
        f"kernel / NumPy = {kernel_speed / (numpy_days / numpy_time.cpu):,.0f}x"
    )
    print(
        "  check, fill rate / stock-out day share: "
        f"Takt {takt_fill:.4f} / {takt_stockout:.4f}, SimPy {simpy_fill:.4f} / "
        f"{simpy_stockout:.4f} ({args.simpy_items} items), NumPy {numpy_fill:.4f} / "
        f"{numpy_stockout:.4f} ({args.numpy_items:,} items)"
    )
    verdict = "met" if kernel_speed >= 100e6 else "MISSED"
    print(f"  target >= 100 M item-days/s on one core: {verdict} ({kernel_speed / 1e6:.1f} M)")

    numba.set_num_threads(threads)
    if args.skip_full:
        return
    print(
        f"\nPart 2: {threads} threads, {args.full_items:,} items x {DAYS} days x "
        f"{REPLICATIONS} reps, every policy and demand model, all five disruptions"
    )
    t0 = time.perf_counter()
    full, full_history = full_items(args.full_items)
    print(f"  items generated in {time.perf_counter() - t0:.1f} s (not counted)")
    simulate(full.head(50), demand_history=full_history, scenario=FULL_SCENARIO, days=DAYS)
    full_time, full_result = timed(
        lambda: simulate(
            full,
            demand_history=full_history,
            scenario=FULL_SCENARIO,
            days=DAYS,
            replications=REPLICATIONS,
        ),
        1,
    )
    full_days = args.full_items * DAYS * REPLICATIONS
    print(
        f"  simulate(): {full_time.wall:.1f} s wall, {full_time.cpu:.1f} s CPU "
        f"({full_days / full_time.wall / 1e6:.1f} M item-days/s)"
    )
    print(
        f"  lanes disrupted: {full_result.targets.height}, overall fill rate "
        f"{float(full_result.overall['fill_rate'][0]):.4f}"
    )
    verdict = "met" if full_time.wall < 60 else "MISSED"
    print(f"  target < 60 s: {verdict}")


if __name__ == "__main__":
    main()
