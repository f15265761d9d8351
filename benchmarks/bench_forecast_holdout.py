"""What the calibration holdout costs a forecast run: ``forecast_partition`` on one
partition of a synthetic weekly history (the generator of ``bench_scale.py``), with the
one-year holdout fit (the default since the policy sizes on the forecast) against
``holdout_periods=0``, alternating, median of ``--repeat`` runs each, in one process.

Run: ``.venv/bin/python benchmarks/bench_forecast_holdout.py --items 20000`` (about 4 min).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scale import LAST_PERIOD, _partition_history

from takt.services.forecast_parts import ForecastSpec, forecast_partition, ltd_horizon


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--weeks", type=int, default=104)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    frame, lead_days = _partition_history(np.arange(args.items), args.weeks, seed=7)
    history = frame.select(pl.col("item_id").cast(pl.Utf8).alias("item"), "period", "qty")
    lead = {str(i): max(d / 7.0, 1.0) for i, d in enumerate(lead_days)}
    spec = ForecastSpec(
        grain="week",
        horizon=13,
        backtest_windows=8,
        backtest_horizon=8,
        last_period=LAST_PERIOD,
        ltd_horizon=ltd_horizon(13, list(lead.values())),
    )
    specs = {
        "with holdout (52 weeks)": spec,
        "without (holdout_periods=0)": replace(spec, holdout_periods=0),
    }
    warm = history.filter(pl.col("item").is_in([str(i) for i in range(500)]))
    forecast_partition(warm, lead, spec)  # compile and warm up
    times: dict[str, list[float]] = {name: [] for name in specs}
    rows = 0
    for _ in range(args.repeat):
        for name, s in specs.items():
            start = time.perf_counter()
            part = forecast_partition(history, lead, s)
            times[name].append(time.perf_counter() - start)
            rows = max(rows, part.holdout.height)
    print(f"{args.items:,} items x {args.weeks} weeks, backtest 8 x 8; holdout rows {rows:,}")
    medians = {name: statistics.median(t) for name, t in times.items()}
    for name, seconds in medians.items():
        print(
            f"  {name:28s} median {seconds:7.1f} s  ({args.items / seconds:,.0f} items/s)  "
            f"runs {[round(t, 1) for t in times[name]]}"
        )
    with_, without = medians.values()
    print(f"  ratio with / without: {with_ / without:.2f}")


if __name__ == "__main__":
    main()
