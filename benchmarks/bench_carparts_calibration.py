"""Calibration on real data: do Takt's policies deliver the fill rate they promise?

Data: ``../shared/data/carparts.csv`` (2,674 monthly series of slow-moving car parts,
Jan 1998 – Mar 2002; the 2,509 series that run all 51 months are used).

Protocol (issue #6, item 6):

1. Fit on months 1–39 (Jan 1998 – Mar 2001) only: Takt's demand classification
   (Syntetos–Boylan), its routed forecast (IMAPA for intermittent and lumpy, SES for
   smooth and erratic; ``takt.signals.forecast.DemandForecaster``) and its policy engine
   (``takt.policy.parameters.compute_parameters``, fill-rate targets, the exact compound
   lead-time-demand distribution) for an order-up-to policy reviewed every month.
2. Lead times: each item draws a constant lead time of 1, 2 or 3 months, uniformly, from
   ``numpy.random.default_rng(LEAD_TIME_SEED)`` in series order. Stated here because the
   data has no lead times.
3. Replay: the simulation engine (``takt.simulate.simulate``, demand model ``replay``)
   plays the actual demand of months 28–51: months 28–39 (known at fit time) as the
   warm-up from a full start, then the 12 test months (Apr 2001 – Mar 2002) measured,
   with backorders. One "day" of the engine is one month here.
4. Achieved fill rate = units served from stock in the month of demand / units demanded,
   summed over the items of a group (aggregate, intermittent, lumpy); targets 90, 95 and
   98 %. Pass: within ±2 points of the target in every group.
5. Baseline: the textbook normal-approximation policy (Silver, Pyke & Thomas ch. 6): SES
   forecast, σ of the one-step SES errors, demand over R + L normal, S = (R + L)·f + k·σ·
   sqrt(R + L) with k from the normal loss function G(k) = (1 − β)·f·R / (σ·sqrt(R + L)).
   Its k is then tuned (bisection on one common service input) until its aggregate
   achieved fill rate equals Takt's, and the average inventory value of the two is
   compared at that equal fill rate. Unit costs are not in the data: inventory is
   reported in units and valued at one unit cost per part (value = units).

Run: ``.venv/bin/python benchmarks/bench_carparts_calibration.py`` (about a minute).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl
from scipy import optimize, stats

from takt.policy.parameters import ParameterConfig, compute_parameters
from takt.signals.forecast import DemandForecaster
from takt.simulate import simulate

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "carparts.csv"
FIT_MONTHS = 39
TEST_MONTHS = 12
WARMUP_MONTHS = 12
LEAD_TIME_SEED = 20260
TARGETS = (0.90, 0.95, 0.98)
TOLERANCE = 0.02
GROUPS = ("aggregate", "intermittent", "lumpy")


def load(path: Path) -> tuple[pl.DataFrame, np.ndarray, list[str]]:
    """Long frame of the full series and a (series × 51 months) matrix."""
    raw = pl.read_csv(path, schema_overrides={"series_id": pl.Utf8}, try_parse_dates=True)
    lengths = raw.group_by("series_id").len()
    full = lengths.filter(pl.col("len") == lengths["len"].max())["series_id"]
    frame = raw.filter(pl.col("series_id").is_in(full.implode())).sort("series_id", "period")
    names = frame["series_id"].unique(maintain_order=True).to_list()
    matrix = frame["demand"].to_numpy().astype(np.float64).reshape(len(names), -1)
    return frame, matrix, names


def fit(frame: pl.DataFrame, names: list[str]) -> pl.DataFrame:
    """Takt's classification and forecast on the fit months: one row per item."""
    months = frame["period"].unique().sort()
    history = frame.filter(pl.col("period") < months[FIT_MONTHS]).rename(
        {"series_id": "item", "demand": "qty"}
    )
    forecaster = DemandForecaster(grain="month", horizon=1, backtest_windows=1).fit(history)
    forecast = forecaster.predict(horizon=1)
    assert forecaster.classification_ is not None
    cls = forecaster.classification_.select("item", "pattern", "adi", "cv2", "abc")
    fitted = (
        pl.DataFrame({"item": names})
        .join(cls, on="item", how="left")
        .join(forecast.select("item", "forecast"), on="item", how="left")
    )
    return fitted


def takt_policy(fitted: pl.DataFrame, matrix_fit: np.ndarray, lead: np.ndarray, target: float):
    """Order-up-to levels from Takt's policy engine (periods are months)."""
    mean = fitted["forecast"].fill_null(0.0).to_numpy()
    sd = matrix_fit[:, -24:].std(axis=1)
    pattern = fitted["pattern"].fill_null("new").to_numpy()
    items = pl.DataFrame(
        {
            "item": fitted["item"],
            "strategy": "buffer",
            "logic": "order_up_to",
            "pattern": np.where(pattern == "dying", "intermittent", pattern),
            "abc": fitted["abc"].fill_null("C"),
            "criticality": "normal",
            "demand_mean": mean,
            "demand_sd": sd,
            "adi": fitted["adi"].replace(float("inf"), None).clip(lower_bound=1.0),
            "cv2": fitted["cv2"].fill_null(0.0),
            "lead_time_mean_days": lead.astype(np.float64),
            "lead_time_sd_days": 0.0,
            "moq": 1.0,
            "pack_multiple": 1.0,
            "unit_cost": 1.0,
            "service_target": target,
        }
    )
    config = ParameterConfig(
        review_period_days={"jit": 1.0, "hybrid": 1.0, "buffer": 1.0},
        service_measure="fill_rate",
        days_per_year=12.0,
    )
    out = compute_parameters(items, config)
    return out["order_up_to"].to_numpy(), out["method"].to_numpy()


def replay(names: list[str], matrix: np.ndarray, lead: np.ndarray, levels: np.ndarray):
    """Served and demanded units and average on hand per item over the test months."""
    start = FIT_MONTHS - WARMUP_MONTHS
    window = matrix[:, start:]
    items = pl.DataFrame(
        {
            "item": names,
            "supplier": "S",
            "logic": "order_up_to",
            "order_up_to": np.maximum(levels, 0.0),
            "review_period_days": 1,
            "lead_time_mean_days": lead.astype(np.float64),
            "demand_model": "replay",
        }
    )
    history = pl.DataFrame(
        {"item": np.repeat(np.asarray(names), window.shape[1]), "qty": window.ravel()}
    )
    result = simulate(
        items,
        days=TEST_MONTHS,
        replications=1,
        warmup_days=WARMUP_MONTHS,
        demand_history=history,
        seed=1,
        days_per_year=12.0,
    ).items
    demand = result["demand"].to_numpy()
    served = result["fill_rate"].fill_null(1.0).to_numpy() * demand
    return served, demand, result["avg_on_hand"].to_numpy()


def fill_rates(groups: dict[str, np.ndarray], served: np.ndarray, demand: np.ndarray):
    return {g: served[m].sum() / demand[m].sum() for g, m in groups.items()}


def ses_baseline(matrix_fit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """SES level (alpha fitted per item on one-step squared error) and the error sd."""
    n, t = matrix_fit.shape
    alphas = np.linspace(0.05, 0.5, 10)
    best_sse = np.full(n, np.inf)
    level_out = np.zeros(n)
    sd_out = np.zeros(n)
    for a in alphas:  # vectorised over items; 10 alphas x 39 months
        level = matrix_fit[:, :3].mean(axis=1)
        sse = np.zeros(n)
        for k in range(t):
            err = matrix_fit[:, k] - level
            if k >= 3:
                sse += err * err
            level = level + a * err
        better = sse < best_sse
        best_sse = np.where(better, sse, best_sse)
        level_out = np.where(better, level, level_out)
        sd_out = np.where(better, np.sqrt(sse / (t - 3)), sd_out)
    return level_out, sd_out


def normal_levels(level: np.ndarray, sd: np.ndarray, lead: np.ndarray, beta: float) -> np.ndarray:
    """Textbook (R, S): S = f·(R+L) + k·σ·sqrt(R+L), σ·sqrt(R+L)·G(k) = (1 − β)·f·R."""
    protection = 1.0 + lead
    sigma = sd * np.sqrt(protection)
    allowed = (1.0 - beta) * level * 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.where(sigma > 0, allowed / sigma, np.inf)
    k = _inverse_loss(g)
    return level * protection + np.where(sigma > 0, k * sigma, 0.0)


def _inverse_loss(g: np.ndarray) -> np.ndarray:
    """k with G(k) = g for the standard normal loss G(k) = φ(k) − k·(1 − Φ(k))."""
    grid = np.linspace(-4.0, 6.0, 20001)
    loss = stats.norm.pdf(grid) - grid * stats.norm.sf(grid)  # decreasing in k
    k = np.interp(-np.minimum(g, loss[0]), -loss, grid)
    return np.where(np.isfinite(g), k, -4.0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    t0 = time.perf_counter()
    frame, matrix, names = load(args.data)
    lead = np.random.default_rng(LEAD_TIME_SEED).integers(1, 4, size=len(names))
    fitted = fit(frame, names)
    pattern = fitted["pattern"].fill_null("new").to_numpy()
    groups = {
        "aggregate": np.ones(len(names), dtype=bool),
        "intermittent": pattern == "intermittent",
        "lumpy": pattern == "lumpy",
    }
    matrix_fit = matrix[:, :FIT_MONTHS]
    print(f"{len(names)} series; fit months 1-{FIT_MONTHS}, replay {TEST_MONTHS} months")
    print(
        "patterns (fit): "
        + ", ".join(f"{p} {int((pattern == p).sum())}" for p in np.unique(pattern))
        + f"; lead times 1/2/3 months: {np.bincount(lead)[1:].tolist()}"
    )
    print(f"fit in {time.perf_counter() - t0:.1f} s\n")

    ses_level, ses_sd = ses_baseline(matrix_fit)
    failures = 0
    print("target  group          achieved  ok    | Takt avg units   normal avg units at equal FR")
    for target in TARGETS:
        levels, methods = takt_policy(fitted, matrix_fit, lead, target)
        served, demand, on_hand = replay(names, matrix, lead, levels)
        achieved = fill_rates(groups, served, demand)

        def normal_fr(beta: float) -> float:
            lv = normal_levels(ses_level, ses_sd, lead, beta)
            s, d, _ = replay(names, matrix, lead, lv)
            return float(s.sum() / d.sum())

        lo, hi = 0.5, 0.9999
        try:
            beta = optimize.brentq(
                lambda b: normal_fr(b) - achieved["aggregate"], lo, hi, xtol=1e-4
            )
        except ValueError:
            beta = float("nan")
        if np.isfinite(beta):
            _, _, normal_on_hand = replay(
                names, matrix, lead, normal_levels(ses_level, ses_sd, lead, beta)
            )
            normal_units = normal_on_hand.sum()
        else:
            normal_units = float("nan")
        for g in GROUPS:
            ok = abs(achieved[g] - target) <= TOLERANCE
            failures += not ok
            tail = (
                f"| {on_hand.sum():12,.0f}   {normal_units:12,.0f} (normal input β {beta:.4f})"
                if g == "aggregate"
                else "|"
            )
            print(
                f"{target:6.0%}  {g:13s}  {achieved[g]:8.2%}  {'yes' if ok else 'NO ':3s}   {tail}"
            )
        kinds, counts = np.unique(methods, return_counts=True)
        print("        methods: " + ", ".join(f"{k} {c}" for k, c in zip(kinds, counts, strict=True)))
    print(f"\ntotal {time.perf_counter() - t0:.1f} s; {'PASS' if failures == 0 else 'FAIL'}")
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
