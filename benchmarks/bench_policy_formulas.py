"""Speed of the policy formula layer over one million items.

For N items with random, realistic parameters (seeded): demand over the lead time and
over review + lead time (random lead time), safety stock for a cycle service level and for
a fill rate, reorder point, order-up-to level, EOQ rounded to MOQ and pack, kanban count.
Target: all of it for 1,000,000 items in <= 5 s (median of 3 runs).

Baseline in the same run: a per-item Python loop doing the same with stockpyl's functions
(EOQ, standard normal loss; the fill-rate k by brentq on that loss) where stockpyl is
installed, else with math/scipy.stats scalars, on a 10,000-item subset extrapolated to N.
Also timed: the exact (r, Q) optimum under normal demand for all N items, against
stockpyl's per-item (r, Q) iteration on a small subset.

    python benchmarks/bench_policy_formulas.py [--items 1000000] [--baseline-items 10000]
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import optimize, stats

from takt.policy.formulas import (
    economic_order_quantity,
    kanban_count,
    lead_time_demand,
    order_up_to_level,
    reorder_point,
    round_order_quantity,
    rq_optimal_normal,
    safety_stock_cycle_service,
    safety_stock_fill_rate,
)

try:  # test/benchmark-only dependency
    from stockpyl import eoq as sp_eoq
    from stockpyl import loss_functions as sp_loss
    from stockpyl import rq as sp_rq
except ImportError:  # pragma: no cover - depends on the environment
    sp_eoq = sp_loss = sp_rq = None

DAYS_PER_YEAR = 365.0
CARRYING_RATE = 0.25


def make_items(n: int, seed: int = 20240601) -> dict[str, np.ndarray]:
    """Parameters of n items as a planner would have them (per day, in days)."""
    rng = np.random.default_rng(seed)
    demand = rng.lognormal(mean=1.5, sigma=1.2, size=n)  # units per day, median ~4.5
    return {
        "demand": demand,
        "demand_sd": demand * rng.uniform(0.2, 1.5, n),
        "lead_time": rng.choice([2.0, 5.0, 7.0, 10.0, 14.0, 21.0, 30.0, 45.0], n),
        "lead_time_sd": rng.uniform(0.0, 0.3, n) * 10.0,
        "review": rng.choice([1.0, 7.0, 14.0], n),
        "unit_cost": rng.lognormal(mean=2.5, sigma=1.0, size=n),
        "order_cost": rng.uniform(20.0, 150.0, n),
        "moq": rng.choice([0.0, 10.0, 50.0, 100.0, 500.0], n),
        "pack": rng.choice([1.0, 6.0, 12.0, 24.0, 48.0], n),
        "container": rng.choice([5.0, 10.0, 25.0, 50.0], n),
        "cycle_service": rng.choice([0.90, 0.95, 0.975, 0.99], n),
        "fill_rate": rng.choice([0.95, 0.98, 0.99, 0.995], n),
        "kanban_safety": rng.uniform(0.0, 0.1, n),
    }


def takt_parameters(it: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every parameter for every item, vectorised."""
    ltd = lead_time_demand(it["demand"], it["demand_sd"], it["lead_time"], it["lead_time_sd"])
    rl = lead_time_demand(
        it["demand"], it["demand_sd"], it["lead_time"], it["lead_time_sd"], it["review"]
    )
    ss = safety_stock_cycle_service(it["cycle_service"], ltd.sd)
    ss_rl = safety_stock_cycle_service(it["cycle_service"], rl.sd)
    annual = it["demand"] * DAYS_PER_YEAR
    eoq = economic_order_quantity(it["order_cost"], it["unit_cost"] * CARRYING_RATE, annual)
    ss_fill = safety_stock_fill_rate(it["fill_rate"], np.maximum(eoq, 1e-9), ltd.sd)
    return {
        "safety_stock": ss,
        "safety_stock_fill_rate": ss_fill,
        "reorder_point": reorder_point(ltd.mean, ss),
        "order_up_to": order_up_to_level(rl.mean, ss_rl),
        "order_quantity": round_order_quantity(eoq, it["moq"], it["pack"]),
        "kanbans": kanban_count(
            it["demand"], it["lead_time"], it["container"], it["kanban_safety"]
        ),
    }


def _fill_rate_k(target: float, loss: Callable[[float], float]) -> float:
    if target >= 0.3989422804014327:  # G(0): k <= 0, floored at 0 as Takt does
        return 0.0
    return float(optimize.brentq(lambda k: loss(k) - target, 0.0, 40.0, xtol=1e-12))


def _math_loss(z: float) -> float:
    return math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi) - z * 0.5 * math.erfc(z / math.sqrt(2))


def _scalar_functions() -> tuple[Callable[[float, float, float], float], Callable[[float], float]]:
    """EOQ and standard normal loss for one item: stockpyl's if installed, else math."""
    if sp_eoq is not None:

        def eoq_of(k: float, h: float, d: float) -> float:
            return float(sp_eoq.economic_order_quantity(k, h, d)[0])

        def loss_of(z: float) -> float:
            return float(sp_loss.standard_normal_loss(z)[0])

        return eoq_of, loss_of
    return (lambda k, h, d: math.sqrt(2 * k * d / h)), _math_loss


def loop_parameters(it: dict[str, np.ndarray], n: int) -> dict[str, list[float]]:
    """The same per item in a Python loop (the way one would without vectorising)."""
    eoq_of, loss_of = _scalar_functions()
    out: dict[str, list[float]] = {k: [] for k in ("ss", "fill", "rop", "s", "q", "kanban")}
    for i in range(n):
        d, sd = float(it["demand"][i]), float(it["demand_sd"][i])
        lt, lt_sd, r = (
            float(it["lead_time"][i]),
            float(it["lead_time_sd"][i]),
            float(it["review"][i]),
        )
        sigma = math.sqrt(lt * sd * sd + d * d * lt_sd * lt_sd)
        sigma_rl = math.sqrt((lt + r) * sd * sd + d * d * lt_sd * lt_sd)
        z = stats.norm.ppf(float(it["cycle_service"][i]))
        ss = z * sigma
        eoq = eoq_of(
            float(it["order_cost"][i]), float(it["unit_cost"][i]) * CARRYING_RATE, d * DAYS_PER_YEAR
        )
        target = (1 - float(it["fill_rate"][i])) * max(eoq, 1e-9) / sigma if sigma > 0 else 1.0
        k = _fill_rate_k(target, loss_of) if sigma > 0 else 0.0
        pack, moq = float(it["pack"][i]), float(it["moq"][i])
        q = math.ceil(max(eoq, moq) / pack) * pack if eoq > 0 else 0.0
        need = d * lt * (1 + float(it["kanban_safety"][i])) / float(it["container"][i])
        out["ss"].append(ss)
        out["fill"].append(k * sigma)
        out["rop"].append(d * lt + ss)
        out["s"].append(d * (lt + r) + z * sigma_rl)
        out["q"].append(q)
        out["kanban"].append(float(max(math.ceil(need), 1)))
    return out


def median_seconds(fn: Callable[[], Any], repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def check_agreement(vec: dict[str, np.ndarray], loop: dict[str, list[float]], n: int) -> None:
    pairs = {
        "ss": "safety_stock",
        "fill": "safety_stock_fill_rate",
        "rop": "reorder_point",
        "s": "order_up_to",
        "q": "order_quantity",
        "kanban": "kanbans",
    }
    for short, name in pairs.items():
        np.testing.assert_allclose(vec[name][:n], loop[short], rtol=1e-6, atol=1e-6, err_msg=name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--baseline-items", type=int, default=10_000)
    parser.add_argument("--rq-baseline-items", type=int, default=200)
    args = parser.parse_args()
    n, m = args.items, min(args.baseline_items, args.items)
    items = make_items(n)
    baseline_name = "stockpyl per-item loop" if sp_eoq is not None else "math/scipy per-item loop"

    takt_parameters(make_items(1000))  # warm-up (imports, first calls)
    takt_s = median_seconds(lambda: takt_parameters(items))
    print(f"items: {n:,}")
    print(f"takt, all parameters (SS x2, ROP, S, EOQ->MOQ/pack, kanbans): {takt_s:.3f} s")

    sub = {k: v[:m] for k, v in items.items()}
    loop_s = median_seconds(lambda: loop_parameters(sub, m), repeats=3)
    check_agreement(takt_parameters(sub), loop_parameters(sub, m), m)
    loop_full = loop_s * n / m
    print(
        f"baseline, {baseline_name}: {loop_s:.3f} s for {m:,} items -> {loop_full:.1f} s "
        f"for {n:,} (extrapolated); results agree"
    )
    print(
        f"speed-up: {loop_full / takt_s:.0f}x   target <= 5 s: {'met' if takt_s <= 5 else 'MISSED'}"
    )

    # Exact (r, Q) under normal demand (Snyder & Shen ch. 5), yearly units.
    annual = items["demand"] * DAYS_PER_YEAR
    rq_args = (
        items["unit_cost"] * CARRYING_RATE,
        items["unit_cost"] * 2.0,  # backorder cost per unit-year
        items["order_cost"],
        annual,
        items["demand_sd"] * math.sqrt(DAYS_PER_YEAR),
        items["lead_time"] / DAYS_PER_YEAR,
    )
    rq_s = median_seconds(lambda: rq_optimal_normal(*rq_args), repeats=3)
    print(f"takt, exact (r, Q) optimum for {n:,} items: {rq_s:.3f} s")
    if sp_rq is not None:
        k = min(args.rq_baseline_items, n)

        def rq_loop() -> None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # fsolve's progress notes
                for i in range(k):
                    sp_rq.r_q_loss_function_approximation(*(float(a[i]) for a in rq_args))

        rq_loop_s = median_seconds(rq_loop, repeats=1) * n / k
        print(
            f"baseline, stockpyl r_q_loss_function_approximation per item: {rq_loop_s:.0f} s "
            f"for {n:,} (extrapolated from {k:,}); speed-up {rq_loop_s / rq_s:.0f}x"
        )


if __name__ == "__main__":
    main()
