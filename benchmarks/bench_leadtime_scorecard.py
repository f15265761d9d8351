"""Lead-time statistics and supplier scorecards on ~1,000,000 receipt rows.

Builds the data by replicating the demo data set (``generate(DemoConfig(items=2000))``,
about 43,000 receipts) with new PO, SKU and supplier keys in every copy until there are
at least ``--receipts`` rows (default 1,000,000; about 1,000,000 PO lines, 50,000
offers, 600 suppliers), then times, as one unit, the three calls a plan run makes:
``line_outcomes`` + ``lead_time_stats`` + ``supplier_scorecard``. Median of
``--repeat`` runs (default 3). The target is at most 5 s for 1,000,000 receipts.

Two baselines in the same run:

- scaling: the same three calls on a tenth of the copies (~100,000 receipts); linear
  scaling means the rows per second stay about the same;
- pandas: a straightforward pandas ``groupby`` implementation of the same core
  statistics (lines from receipts, per supplier-item mean/std/quantiles, per supplier
  OTIF/in-full/defect rate), no fallback hierarchy, no disruption or score.

    python benchmarks/bench_leadtime_scorecard.py [--receipts 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import polars as pl

from takt.demo.generator import DemoConfig, generate
from takt.signals.leadtime import lead_time_stats, line_outcomes
from takt.signals.scorecard import ScorecardConfig, supplier_scorecard

AS_OF = date(2026, 11, 1)


def replicate(receipts_wanted: int) -> dict[str, pl.DataFrame]:
    demo = generate(DemoConfig(items=2000))
    per_copy = demo["receipts"].height
    copies = -(-receipts_wanted // per_copy)
    orders, receipts, offers, events = [], [], [], []
    for k in range(copies):
        tag = f"-{k:03d}"
        orders.append(
            demo["purchase-orders"].with_columns(
                pl.col("po") + tag, pl.col("sku") + tag, pl.col("supplier") + tag
            )
        )
        receipts.append(demo["receipts"].with_columns(pl.col("po") + tag))
        offers.append(demo["offers"].with_columns(pl.col("sku") + tag, pl.col("supplier") + tag))
        events.append(demo["risk-events"].with_columns(pl.col("supplier") + tag))
    return {
        "purchase-orders": pl.concat(orders).rechunk(),
        "receipts": pl.concat(receipts).rechunk(),
        "offers": pl.concat(offers).rechunk(),
        "risk-events": pl.concat(events).rechunk(),
        "copies": pl.DataFrame({"copies": [copies]}),
    }


def first_copies(data: dict[str, pl.DataFrame], share: float) -> dict[str, pl.DataFrame]:
    copies = int(data["copies"].item())
    keep = [f"-{k:03d}" for k in range(max(1, round(copies * share)))]
    pattern = "(" + "|".join(keep) + ")$"
    return {
        "purchase-orders": data["purchase-orders"].filter(pl.col("po").str.contains(pattern)),
        "receipts": data["receipts"].filter(pl.col("po").str.contains(pattern)),
        "offers": data["offers"].filter(pl.col("sku").str.contains(pattern)),
        "risk-events": data["risk-events"].filter(
            pl.col("supplier").fill_null("").str.contains(pattern)
        ),
    }


def takt_run(data: dict[str, pl.DataFrame]) -> None:
    outcomes = line_outcomes(data["purchase-orders"], data["receipts"], as_of=AS_OF)
    lead_time_stats(outcomes, data["offers"])
    supplier_scorecard(outcomes, ScorecardConfig(), as_of=AS_OF, risk_events=data["risk-events"])


def pandas_run(data: dict[str, Any]) -> None:
    """The core statistics as a quick pandas script would compute them."""
    import pandas as pd  # type: ignore[import-untyped]

    orders = data["purchase-orders"]
    receipts = data["receipts"]
    orders = orders[orders["status"] != "cancelled"]
    rec = receipts[receipts["received_on"] <= pd.Timestamp(AS_OF)]
    per_line = rec.groupby(["po", "line"]).agg(
        first_receipt=("received_on", "min"),
        qty_received=("qty_received", "sum"),
        qty_rejected=("qty_rejected", "sum"),
    )
    lines = orders.merge(per_line, on=["po", "line"], how="left")
    lines["lead_time_days"] = (lines["first_receipt"] - lines["order_date"]).dt.days
    grouped = lines.dropna(subset=["lead_time_days"]).groupby(["supplier", "sku", "location"])
    stats = grouped["lead_time_days"].agg(["count", "mean", "std"])
    quantiles = grouped["lead_time_days"].quantile([0.5, 0.9, 0.95]).unstack()
    stats.join(quantiles)
    due = lines["promised_date"].fillna(lines["need_date"])
    end = due + pd.Timedelta(days=0)
    start = due - pd.Timedelta(days=2)
    first_in_window = rec.merge(lines[["po", "line"]].assign(end=end), on=["po", "line"])
    by_end = (
        first_in_window[first_in_window["received_on"] <= first_in_window["end"]]
        .groupby(["po", "line"])["qty_received"]
        .sum()
        .rename("by_end")
    )
    lines = lines.merge(by_end, on=["po", "line"], how="left")
    lines["on_time"] = (lines["first_receipt"] >= start) & (lines["first_receipt"] <= end)
    lines["in_full"] = lines["by_end"].fillna(0.0) >= 0.98 * lines["qty"]
    lines["otif"] = lines["on_time"] & lines["in_full"]
    judged = lines[(end < pd.Timestamp(AS_OF)) & (end > pd.Timestamp(AS_OF - timedelta(365)))]
    judged.groupby("supplier").agg(
        lines=("otif", "size"),
        otif=("otif", "mean"),
        in_full=("in_full", "mean"),
        on_time=("on_time", "mean"),
        rejected=("qty_rejected", "sum"),
        received=("qty_received", "sum"),
    )


def median_seconds(run: Callable[[], None], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--receipts", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-pandas", action="store_true")
    args = parser.parse_args()

    started = time.perf_counter()
    full = replicate(args.receipts)
    tenth = first_copies(full, 0.1)
    print(f"data built in {time.perf_counter() - started:.1f} s")
    rows = []
    for name, data in (("takt, full", full), ("takt, ~1/10 (scaling)", tenth)):
        n = data["receipts"].height
        seconds = median_seconds(lambda data=data: takt_run(data), args.repeat)  # type: ignore[misc]
        rows.append((name, n, data["purchase-orders"].height, seconds))
    if not args.no_pandas:
        frames = {k: full[k].to_pandas() for k in ("purchase-orders", "receipts")}
        for key in ("order_date", "need_date", "promised_date"):
            frames["purchase-orders"][key] = frames["purchase-orders"][key].astype("datetime64[ns]")
        frames["receipts"]["received_on"] = frames["receipts"]["received_on"].astype(
            "datetime64[ns]"
        )
        seconds = median_seconds(lambda: pandas_run(frames), args.repeat)
        rows.append(("pandas groupby baseline, full", full["receipts"].height,
                     full["purchase-orders"].height, seconds))  # fmt: skip
    print(f"{'run':32} {'receipts':>10} {'PO lines':>10} {'seconds':>8} {'receipts/s':>12}")
    for name, n, lines, seconds in rows:
        print(f"{name:32} {n:>10,} {lines:>10,} {seconds:>8.2f} {n / seconds:>12,.0f}")


if __name__ == "__main__":
    main()
