"""Speed of compute_parameters: stocking parameters for one million items.

Three timings (median of ``--repeat`` runs, seeded items):

- normal path: N items (default 1,000,000) that the normal approximation sizes (smooth and
  erratic items with enough volume, and new items; generated, then the few that fail the
  normal test dropped), every strategy and logic. Target <= 5 s.
- Monte Carlo path: ``--mc-items`` intermittent and lumpy items (2,000 samples each),
  reported as items per second.
- mixed run (``--mixed``): N items in a realistic mix of patterns, once, with the share of
  each method.

Baseline in the same run: a per-item Python loop over scipy.stats doing the same sizing
(normal: norm.ppf, EOQ, MOQ/pack rounding, kanban count; Monte Carlo: lognormal lead
times, binomial counts and gamma sizes with scipy.stats ``rvs`` per item, then the sample
quantile) on ``--baseline-items`` items, extrapolated to N and to items per second.

    python benchmarks/bench_policy_parameters.py [--items 1000000] [--mc-items 20000]
        [--baseline-items 10000] [--repeat 3] [--mixed]
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl
from scipy import stats

from takt.policy.parameters import ParameterConfig, compute_parameters

NORMAL_MIX = {"smooth": 0.6, "erratic": 0.25, "new": 0.15}
MC_MIX = {"intermittent": 0.55, "lumpy": 0.45}
REAL_MIX = {
    "smooth": 0.30,
    "erratic": 0.15,
    "intermittent": 0.25,
    "lumpy": 0.15,
    "new": 0.08,
    "dying": 0.07,
}


def make_items(n: int, mix: dict[str, float], seed: int = 20240601) -> pl.DataFrame:
    """N items as the plan run would assemble them (per day, in days)."""
    rng = np.random.default_rng(seed)
    pattern = rng.choice(list(mix), n, p=list(mix.values()))
    frequent = np.isin(pattern, ["smooth", "erratic", "new", "dying"])
    # Frequent items: 12-200 a day; intermittent/lumpy: one demand every 2-30 days.
    adi = np.where(frequent, 1.0, rng.uniform(2.0, 30.0, n))
    # Erratic sizes up to CV² 1 keep most erratic items inside the normal test.
    size_cv2 = np.where(pattern == "lumpy", rng.uniform(0.5, 2.0, n), 0.2)
    size_cv2 = np.where(pattern == "erratic", rng.uniform(0.5, 1.0, n), size_cv2)
    size_cv2 = np.where(frequent & (pattern != "erratic"), rng.uniform(0.01, 0.1, n), size_cv2)
    size = np.where(frequent, rng.lognormal(3.5, 0.6, n), rng.lognormal(1.5, 0.8, n))
    demand = size / adi
    demand_sd = demand * np.sqrt(np.maximum((1.0 + size_cv2) * adi - 1.0, 0.0))
    lead = rng.choice([2.0, 5.0, 7.0, 10.0, 14.0, 21.0, 30.0], n)
    strategy = rng.choice(["jit", "hybrid", "buffer"], n, p=[0.3, 0.3, 0.4])
    logic = np.where(
        strategy == "jit",
        "kanban",
        rng.choice(["rop", "min_max", "order_up_to"], n, p=[0.5, 0.2, 0.3]),
    )
    return pl.DataFrame(
        {
            "item": [f"I{i:07d}" for i in range(n)],
            "strategy": strategy,
            "logic": logic,
            "pattern": pattern,
            "abc": rng.choice(["A", "B", "C"], n, p=[0.2, 0.3, 0.5]),
            "criticality": rng.choice(
                ["line_stopper", "important", "normal"], n, p=[0.1, 0.3, 0.6]
            ),
            "demand_mean": demand,
            "demand_sd": demand_sd,
            "adi": adi,
            "cv2": size_cv2,
            "lead_time_mean_days": lead,
            "lead_time_sd_days": lead * rng.uniform(0.0, 0.2, n),
            "moq": rng.choice([0.0, 10.0, 50.0, 100.0], n),
            "pack_multiple": rng.choice([1.0, 6.0, 12.0, 24.0], n),
            "unit_cost": rng.lognormal(2.5, 1.0, n),
            "time_to_recover_days": rng.choice([7.0, 14.0, 30.0, 60.0], n),
        }
    )


def median_seconds(run: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


_CONFIG = ParameterConfig()
_TARGETS = {("A", "normal"): 0.98, ("B", "normal"): 0.95, ("C", "normal"): 0.90}


def _baseline_common(row: dict[str, Any]) -> tuple[float, float, float]:
    """Target, review period, order quantity of one item, the per-item Python way."""
    target = _CONFIG.service_targets[(row["abc"], row["criticality"])]
    review = _CONFIG.review_period_days[row["strategy"]]
    d = row["demand_mean"]
    if row["abc"] == "C":
        raw = d * _CONFIG.period_of_cover_days
    else:
        h = row["unit_cost"] * _CONFIG.holding_rate
        raw = math.sqrt(2.0 * _CONFIG.order_cost * d * 365.0 / h)
    raw = min(raw, d * _CONFIG.max_order_cover_days)
    q = math.ceil(max(raw, row["moq"]) / row["pack_multiple"]) * row["pack_multiple"]
    return target, review, q


def baseline_normal(items: pl.DataFrame) -> list[float]:
    out = []
    for row in items.iter_rows(named=True):
        target, review, q = _baseline_common(row)
        d, sd = row["demand_mean"], row["demand_sd"]
        if row["pattern"] == "new":
            sd = max(sd, d, math.sqrt(d))
        p = review + row["lead_time_mean_days"]
        sigma = math.sqrt(p * sd**2 + d**2 * row["lead_time_sd_days"] ** 2)
        ss = max(float(stats.norm.ppf(target)) * sigma, 0.0)
        rop = d * p + ss
        if row["strategy"] == "hybrid":
            rop += max(d * row["time_to_recover_days"] - ss, 0.0)
        if row["logic"] == "kanban":
            c = math.ceil(max(d, row["moq"]) / row["pack_multiple"]) * row["pack_multiple"]
            out.append(math.ceil(d * p * (1.0 + max(0.1, ss / (d * p))) / c) * c)
        else:
            out.append(rop + q)
    return out


def baseline_montecarlo(items: pl.DataFrame, samples: int, seed: int = 0) -> list[float]:
    rng = np.random.default_rng(seed)
    out = []
    for row in items.iter_rows(named=True):
        target, review, _ = _baseline_common(row)
        mu_l, sd_l = row["lead_time_mean_days"], row["lead_time_sd_days"]
        log_sd = math.sqrt(math.log1p((sd_l / mu_l) ** 2))
        lead = stats.lognorm.rvs(
            log_sd, scale=mu_l * math.exp(-0.5 * log_sd**2), size=samples, random_state=rng
        )
        days = review + lead
        whole = np.floor(days)
        p = 1.0 / row["adi"]
        count = stats.binom.rvs(whole.astype(int), p, random_state=rng)
        shape, scale = 1.0 / row["cv2"], row["demand_mean"] * row["adi"] * row["cv2"]
        demand = np.where(
            count > 0,
            stats.gamma.rvs(np.maximum(count, 1) * shape, scale=scale, random_state=rng),
            0.0,
        )
        partial = stats.bernoulli.rvs(p, size=samples, random_state=rng) * (days - whole)
        demand += partial * stats.gamma.rvs(shape, scale=scale, size=samples, random_state=rng)
        out.append(float(np.quantile(demand, target, method="inverted_cdf")))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--mc-items", type=int, default=20_000)
    parser.add_argument("--baseline-items", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--mixed", action="store_true")
    args = parser.parse_args()
    n, n_mc, n_base = args.items, args.mc_items, args.baseline_items

    # Compile (or load the cached kernels) outside the timings.
    compute_parameters(make_items(100, MC_MIX, seed=1))

    # Keep the items the normal approximation sizes (a few short-interval erratic ones
    # fail the normal test and would be Monte Carlo).
    candidates = make_items(n + n // 20, NORMAL_MIX)
    sized_by = compute_parameters(candidates).get_column("method")
    normal_items = candidates.filter(sized_by == "normal").head(n)
    n = normal_items.height
    normal_s, out = median_seconds(lambda: compute_parameters(normal_items), args.repeat)
    share = out.get_column("method").value_counts(normalize=True).sort("method")
    print(f"normal path: {n:,} items in {normal_s:.2f} s (median of {args.repeat})")
    print("  methods: " + ", ".join(f"{m} {s:.1%}" for m, s in share.rows()))

    base = normal_items.head(n_base)
    base_s, _ = median_seconds(lambda: baseline_normal(base), 1)
    base_full = base_s * n / n_base
    print(
        f"  baseline per-item scipy.stats loop: {base_s:.2f} s for {n_base:,} items, "
        f"{base_full:.1f} s extrapolated to {n:,} -> {base_full / normal_s:.0f}x faster"
    )

    mc_items = make_items(n_mc, MC_MIX, seed=7)
    mc_s, out = median_seconds(lambda: compute_parameters(mc_items), args.repeat)
    mc_share = float((out.get_column("method") == "montecarlo").mean() or 0.0)
    mc_rate = n_mc / mc_s
    samples = ParameterConfig().montecarlo_samples
    print(
        f"Monte Carlo path: {n_mc:,} intermittent/lumpy items ({mc_share:.0%} Monte Carlo, "
        f"{samples:,} samples each) in {mc_s:.2f} s -> {mc_rate:,.0f} items/s"
    )
    base_mc = mc_items.head(min(n_base, n_mc))
    base_mc_s, _ = median_seconds(lambda: baseline_montecarlo(base_mc, samples), 1)
    base_rate = base_mc.height / base_mc_s
    print(
        f"  baseline per-item scipy.stats loop: {base_rate:,.0f} items/s "
        f"({base_mc.height:,} items in {base_mc_s:.2f} s) -> {mc_rate / base_rate:.1f}x faster"
    )

    if args.mixed:
        n = args.items
        mixed = make_items(n, REAL_MIX, seed=11)
        mixed_s, out = median_seconds(lambda: compute_parameters(mixed), 1)
        share = out.get_column("method").value_counts(normalize=True).sort("method")
        print(f"mixed run: {n:,} items in {mixed_s:.1f} s (once)")
        print("  methods: " + ", ".join(f"{m} {s:.1%}" for m, s in share.rows()))


if __name__ == "__main__":
    main()
