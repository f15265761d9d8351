"""Forecast accuracy on real data and speed at scale.

Accuracy (rolling origin, last 12 months, horizons 1-6, refit at each origin):
  - carparts, the 2,509 full series: Takt's default routing against single models
    (IMAPA, ADIDA, Croston SBA) on every series; target RMSSE <= 0.69, |bias| <= 10 %.
  - hospital, 767 series: the default against the seasonal naive.
Speed: classification, backtest (8 origins x 8 weeks, refit) and a 13-week forecast
of N weekly series of two years (demo generator), both cores, against calling
statsforecast directly on the same frame with the same models; target <= 1.3x.

    python benchmarks/bench_forecast.py [--series 100000] [--skip-accuracy] [--skip-speed]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import polars as pl

from takt.signals.forecast import DemandForecaster
from takt.signals.panel import Columns

DATA = Path(
    os.environ.get("TAKT_DATA_DIR", Path(__file__).resolve().parents[2] / "shared" / "data")
)
REAL = Columns("series_id", "period", "demand")
ALL = ("smooth", "erratic", "seasonal", "intermittent", "lumpy", "new")


def line(name: str, fc: DemandForecaster) -> None:
    row = fc.accuracy_summary(None).row(0, named=True)
    print(
        f"  {name:<28} items {row['items']:>5}  RMSSE {row['rmsse']:.3f}  MASE {row['mase']:.3f}"
        f"  bias {row['bias']:+.1%}  WAPE {row['wape']:.3f}  LTD(3) {row['ltd_error']:.3f}"
    )


def accuracy() -> None:
    carparts = pl.read_csv(DATA / "carparts.csv", try_parse_dates=True)
    full = carparts.group_by("series_id").len().filter(pl.col("len") == 51)["series_id"]
    carparts = carparts.filter(pl.col("series_id").is_in(full.implode()))
    print("carparts, 2,509 full series, 7 origins x 6 months")
    line("takt default", DemandForecaster(columns=REAL).fit(carparts))
    for model in ("imapa", "adida", "croston_sba"):
        line(
            f"{model} on pattern series",
            DemandForecaster(columns=REAL, routing={k: model for k in ALL}).fit(carparts),
        )
    hospital = pl.read_csv(DATA / "hospital.csv", try_parse_dates=True)
    print("hospital, 767 series, 7 origins x 6 months")
    line("takt default", DemandForecaster(columns=REAL, n_jobs=2).fit(hospital))
    line(
        "seasonal naive",
        DemandForecaster(columns=REAL, routing={k: "seasonal_naive" for k in ALL}).fit(hospital),
    )


def weekly_series(n: int) -> pl.DataFrame:
    from takt.demo.generator import DemoConfig, iter_chunks

    parts = [
        chunk["demand-series"].select(
            (pl.col("sku") + "@" + pl.col("location")).alias("item"), "period", "qty"
        )
        for chunk in iter_chunks(DemoConfig(items=n, seed=1), chunk_items=20_000, grain="week")
    ]
    return pl.concat(parts)


def speed(n: int) -> None:
    from statsforecast import StatsForecast

    from takt.signals.models import fallback_model, make_model

    history = weekly_series(n)
    print(f"speed: {n:,} weekly series, {history.height:,} rows, n_jobs=2")
    started = time.perf_counter()
    fc = DemandForecaster(
        grain="week", horizon=13, backtest_windows=8, backtest_horizon=8, n_jobs=2
    ).fit(history)
    fc.predict()
    ours = time.perf_counter() - started

    # Baseline: statsforecast alone on the same frame and the same per-series models.
    assert fc.panel_ is not None and fc.backtest_ is not None and fc.classification_ is not None
    frame = fc.panel_.frame
    bt_models = fc.backtest_.rows.select("item", "model").unique()
    started = time.perf_counter()
    for routes, label in ((bt_models, "cv"), (fc.classification_.select("item", "model"), "fc")):
        for (model,), group in routes.partition_by("model", as_dict=True).items():
            if model == "zero":
                continue
            sub = frame.filter(pl.col("unique_id").is_in(group["item"].implode()))
            sf = StatsForecast(
                models=[make_model(str(model), 52)],
                freq="1w",
                n_jobs=2,
                fallback_model=fallback_model(),
            )
            if label == "cv":
                sf.cross_validation(df=sub, h=8, n_windows=8, step_size=1, refit=True)
            else:
                sf.forecast(df=sub, h=13)
    direct = time.perf_counter() - started
    print(
        f"  takt (classify + backtest + accuracy + forecast): {ours:7.1f} s "
        f"= {n / ours:,.0f} series/s"
    )
    print(
        f"  statsforecast directly (same models, same frame): {direct:7.1f} s "
        f"= {n / direct:,.0f} series/s"
    )
    print(f"  overhead: {ours / direct:.2f}x (target <= 1.3x)")
    print("  patterns:", dict(fc.classification_["pattern"].value_counts().iter_rows()))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--series", type=int, default=100_000)
    parser.add_argument("--skip-accuracy", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    args = parser.parse_args()
    if not args.skip_accuracy:
        accuracy()
    if not args.skip_speed:
        speed(args.series)


if __name__ == "__main__":
    main()
