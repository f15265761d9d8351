"""Speed of compute_parameters: stocking parameters for one million items.

Timings (median of ``--repeat`` runs, seeded items):

- normal path: N items (default 1,000,000) that the normal approximation sizes (smooth and
  erratic items with enough volume, and new items; generated, then the few that fail the
  normal test dropped), every strategy and logic. Target <= 5 s.
- intermittent and lumpy path: ``--compound-items`` intermittent and lumpy items sized by
  the compound convolution (the default), and the first ``--mc-items`` of them by the
  Monte Carlo (2,000 samples each), as items per second; and how far the Monte Carlo's
  reorder points fall from the exact ones.
- mixed run (``--mixed``): N items in a realistic mix of patterns: total seconds, the share
  of items per method and the seconds spent in the compound kernel. Target <= 5 s.

Baselines in the same run, a per-item Python loop over scipy.stats doing the same sizing,
extrapolated to N and to items per second: normal (norm.ppf, EOQ, MOQ/pack rounding,
kanban count) and Monte Carlo (lognormal lead times, binomial counts and gamma sizes with
scipy.stats ``rvs`` per item, then the sample quantile) on ``--baseline-items`` items;
compound (binomial pmfs at 16 Gauss-Hermite lead-time nodes, gamma cdfs, brentq for the
quantile) on ``--exact-baseline-items`` items.

    python benchmarks/bench_policy_parameters.py [--items 1000000] [--mc-items 20000]
        [--compound-items 200000] [--baseline-items 10000] [--exact-baseline-items 1000]
        [--repeat 3] [--mixed]
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
from scipy import optimize, stats

import takt.policy._ltd_levels as levels_module
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
        # The fraction of a last period brings a full order with probability p·f.
        count += stats.bernoulli.rvs(p * (days - whole), random_state=rng)
        shape, scale = 1.0 / row["cv2"], row["demand_mean"] * row["adi"] * row["cv2"]
        demand = np.where(
            count > 0,
            stats.gamma.rvs(np.maximum(count, 1) * shape, scale=scale, random_state=rng),
            0.0,
        )
        out.append(float(np.quantile(demand, target, method="inverted_cdf")))
    return out


_HERMITE_NODES, _HERMITE_WEIGHTS = np.polynomial.hermite_e.hermegauss(16)


def _mixture_quantile(counts: Any, shape: float, scale: float, target: float) -> float:
    k = np.arange(len(counts))

    def below(x: float) -> float:
        sizes = stats.gamma.cdf(x, np.maximum(k, 1) * shape, scale=scale)
        return float(counts[0] + np.sum(counts[1:] * sizes[1:]) - target)

    if below(0.0) >= 0.0:
        return 0.0
    return float(optimize.brentq(below, 0.0, 4.0 * scale * shape * len(k), xtol=1e-9))


def baseline_compound(items: pl.DataFrame) -> list[float]:
    """The convolution per item with scipy.stats: lead time at 16 Gauss-Hermite nodes."""
    out = []
    weights = _HERMITE_WEIGHTS / _HERMITE_WEIGHTS.sum()
    for row in items.iter_rows(named=True):
        target, review, _ = _baseline_common(row)
        mu_l, sd_l = row["lead_time_mean_days"], row["lead_time_sd_days"]
        log_sd = math.sqrt(math.log1p((sd_l / mu_l) ** 2))
        days = review + mu_l * np.exp(log_sd * _HERMITE_NODES - 0.5 * log_sd**2)
        p = 1.0 / row["adi"]
        k = np.arange(int(days.max()) + 2)
        whole = np.floor(days)
        part = days - whole
        pmf = (1.0 - part) * stats.binom.pmf(k[:, None], whole, p) + part * stats.binom.pmf(
            k[:, None], whole + 1, p
        )
        counts = pmf @ weights
        shape, scale = 1.0 / row["cv2"], row["demand_mean"] * row["adi"] * row["cv2"]
        out.append(_mixture_quantile(counts, shape, scale, target))
    return out


class _KernelTimer:
    """Wraps the compound kernel inside compute_parameters to add up its seconds."""

    def __init__(self) -> None:
        self.kernel = levels_module.compound_reorder_points
        self.seconds = 0.0

    def __call__(self, *args: Any) -> Any:
        start = time.perf_counter()
        try:
            return self.kernel(*args)
        finally:
            self.seconds += time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--mc-items", type=int, default=20_000)
    parser.add_argument("--compound-items", type=int, default=200_000)
    parser.add_argument("--baseline-items", type=int, default=10_000)
    parser.add_argument("--exact-baseline-items", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--mixed", action="store_true")
    args = parser.parse_args()
    n, n_mc, n_base = args.items, args.mc_items, args.baseline_items

    # Compile (or load the cached kernels) outside the timings.
    compute_parameters(make_items(100, MC_MIX, seed=1))
    compute_parameters(make_items(100, MC_MIX, seed=1), ParameterConfig(ltd_method="montecarlo"))

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

    n_exact = max(args.compound_items, n_mc)
    exact_items = make_items(n_exact, MC_MIX, seed=7)
    exact_s, exact_out = median_seconds(lambda: compute_parameters(exact_items), args.repeat)
    exact_share = float((exact_out.get_column("method") == "compound").mean() or 0.0)
    exact_rate = n_exact / exact_s
    print(
        f"compound path: {n_exact:,} intermittent/lumpy items ({exact_share:.0%} compound) "
        f"in {exact_s:.2f} s -> {exact_rate:,.0f} items/s"
    )
    mc_items, exact_out = exact_items.head(n_mc), exact_out.head(n_mc)
    base_exact = mc_items.head(min(args.exact_baseline_items, n_mc))
    base_exact_s, _ = median_seconds(lambda: baseline_compound(base_exact), 1)
    base_exact_rate = base_exact.height / base_exact_s
    print(
        f"  baseline per-item scipy.stats convolution: {base_exact_rate:,.0f} items/s "
        f"({base_exact.height:,} items in {base_exact_s:.2f} s) "
        f"-> {exact_rate / base_exact_rate:.0f}x faster"
    )

    mc_config = ParameterConfig(ltd_method="montecarlo")
    mc_s, out = median_seconds(lambda: compute_parameters(mc_items, mc_config), args.repeat)
    mc_rows = out.get_column("method") == "montecarlo"
    mc_share = float(mc_rows.mean() or 0.0)
    mc_rate = n_mc / mc_s
    samples = mc_config.montecarlo_samples
    print(
        f"Monte Carlo path: the same items ({mc_share:.0%} Monte Carlo, {samples:,} samples "
        f"each) in {mc_s:.2f} s -> {mc_rate:,.0f} items/s; compound is "
        f"{exact_rate / mc_rate:.0f}x faster"
    )
    exact_rop = exact_out.filter(mc_rows).get_column("reorder_point").to_numpy()
    mc_rop = out.filter(mc_rows).get_column("reorder_point").to_numpy()
    gap = np.abs(mc_rop - exact_rop) / np.maximum(exact_rop, 1e-12)
    print(
        f"  Monte Carlo reorder points vs compound: median {np.median(gap):.2%}, "
        f"95th percentile {np.quantile(gap, 0.95):.2%} apart (sampling error)"
    )
    base_mc = mc_items.head(min(n_base, n_mc))
    base_mc_s, _ = median_seconds(lambda: baseline_montecarlo(base_mc, samples), 1)
    base_rate = base_mc.height / base_mc_s
    print(
        f"  baseline per-item scipy.stats Monte Carlo loop: {base_rate:,.0f} items/s "
        f"({base_mc.height:,} items in {base_mc_s:.2f} s) -> Monte Carlo "
        f"{mc_rate / base_rate:.1f}x, compound {exact_rate / base_rate:.0f}x faster"
    )

    if args.mixed:
        n = args.items
        mixed = make_items(n, REAL_MIX, seed=11)
        timer = _KernelTimer()
        levels_module.compound_reorder_points = timer  # type: ignore[assignment]
        try:
            mixed_s, out = median_seconds(lambda: compute_parameters(mixed), args.repeat)
        finally:
            levels_module.compound_reorder_points = timer.kernel
        share = out.get_column("method").value_counts(normalize=True).sort("method")
        print(f"mixed run: {n:,} items in {mixed_s:.2f} s (median of {args.repeat})")
        print("  methods: " + ", ".join(f"{m} {s:.1%}" for m, s in share.rows()))
        print(
            f"  compound kernel: {timer.seconds / args.repeat:.2f} s a run "
            f"({timer.seconds / args.repeat / mixed_s:.0%} of the run)"
        )


if __name__ == "__main__":
    main()
