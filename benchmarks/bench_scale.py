"""Scale-out on Dask against the local engine: the forecast and policy stages of a plan
run over a synthetic weekly demand history, on this machine.

Input: ``--items`` items x ``--weeks`` weeks of weekly demand, generated with NumPy
(vectorised, no loop per item) straight into the partitioned Parquet layout of
``takt.services.history_export`` (``partition=NNNNN/part.parquet`` and the manifest;
``--items-per-partition`` items each, default 25,000). The mix: smooth (Poisson sizes)
and erratic (negative-binomial sizes) items used in most weeks, some of them seasonal;
intermittent (Poisson) and lumpy (negative-binomial) items used in 1 week of 1.5 to 8;
new items (history starting in the second year) and items no longer used (some long
enough to classify as dying). Lead times of 2 to 120 days (log-normal). With 104 weeks
no series reaches the 105 periods the seasonality test needs, so nothing is routed to
seasonal ETS (see docs/scaling.md).

What is timed (both engines use the same ``ForecastSpec``; the database is left out, its
write rate is measured separately, below):

- local engine, in a child process of its own (so its peak memory is its own): read every
  partition into one frame, ``forecast_partition`` on all items at once (one partition, as
  ``run_forecast`` does; ``n_jobs`` from ``--local-jobs``), ``combine_parts``; then the
  policy stage, ``size_policies`` on every item at once;
- Dask engine: a ``LocalCluster`` of ``--workers`` single-threaded worker processes
  (started before the clock runs; its start-up is printed apart). Forecast:
  ``client.map(scale.forecast_task, partition paths, lead-time subsets, spec=spec)``,
  results gathered as they complete (forecast rows dropped once counted, as the run does
  once they are written), ``combine_parts`` on the client. Policy: the features split into
  as many pieces as partitions, scattered to the workers, ``client.map(scale.policy_task,
  pieces, ...)``, concatenated (as ``scale._policy`` does).

The policy stage's features are the forecast tables (classification, lead-time demand)
joined with synthetic supply columns (category, criticality, unit cost, MOQ, pack, lead
time statistics, OTIF, risks; deterministic per item id), shaped like what
``assemble_features`` returns; building them is timed apart and not part of either engine.

Also reported: the CPU seconds per 1,000 items of the forecast (the local process; the
Dask workers), which do not depend on other load on the machine. ``--repeat N`` runs each
engine N times, alternating the order, and reports medians.

Checked in the run: the classification, accuracy, lead-time-demand and policy tables of
the two engines are identical (``polars.testing.assert_frame_equal``, ``check_exact``).

Memory: peak RSS of the local engine's process (its process tree with ``--local-jobs 2``),
of each Dask worker process and of the client (scheduler included: a LocalCluster runs the
scheduler in the client's process), sampled every 0.25 s with psutil.

Database (``--store-items N``, default off): the first N items' history as demand buckets,
then ``export_demand_history`` from the store (the read side), then one run's rows of those
items (accuracy and forecasts through ``store_part``, classification and lead-time demand
through ``store_tables``, policies through ``store_policies``) and, on PostgreSQL, the same
forecast rows by ``COPY`` for comparison; into a fresh SQLite file and a fresh PostgreSQL
database (``--pg``; dropped afterwards), one transaction each, timed per table.

    python benchmarks/bench_scale.py [--items 1000000] [--weeks 104] [--workers 2]
        [--backtest-windows 8] [--backtest-horizon 8] [--local-jobs 1 [2]]
        [--items-per-partition 25000] [--out DIR] [--reuse-history] [--repeat 1]
        [--skip-local] [--skip-dask] [--skip-policy]
        [--store-items 25000] [--backends sqlite postgresql] [--pg URL]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import psutil  # type: ignore[import-untyped]  # a dependency of distributed

from takt.services.forecast_parts import ForecastSpec, ForecastTables, combine_parts, ltd_horizon
from takt.services.history_export import (
    MANIFEST,
    SCHEMA,
    HistoryExport,
    HistoryPartition,
    _manifest,
    read_history_export,
    read_history_partition,
    split_items,
)

LAST_PERIOD = date(2026, 11, 23)  # a Monday: the last complete week
AS_OF = LAST_PERIOD + timedelta(days=7)
DAYS_PER_PERIOD = 7.0
TABLES = ("classification", "accuracy", "lead_time_demand")
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
MIB = 1024 * 1024


# ---------------------------------------------------------------- synthetic history


def _partition_history(ids: np.ndarray, weeks: int, seed: int) -> tuple[pl.DataFrame, np.ndarray]:
    """Weekly demand of the items ``ids`` (rows with demand only, as the store holds it)
    and their quoted lead times in days."""
    rng = np.random.default_rng(seed)
    n = ids.size
    pattern = rng.choice(4, size=n, p=[0.35, 0.20, 0.25, 0.20])  # smooth erratic interm. lumpy
    frequent = pattern <= 1
    # Weekly occurrence: frequent items in 90-100 % of weeks, rare ones every 1.5-8 weeks.
    adi = np.exp(rng.uniform(np.log(1.5), np.log(8.0), n))
    occurrence = np.where(frequent, rng.uniform(0.9, 1.0, n), 1.0 / adi)
    level = np.select(
        [frequent, pattern == 3],
        [np.exp(rng.normal(np.log(20.0), 0.9, n)), np.exp(rng.normal(np.log(8.0), 0.7, n))],
        rng.uniform(0.5, 3.0, n),
    )
    # Negative-binomial shape for erratic and lumpy sizes (CV² of the sizes >= 0.49).
    shape = np.where(pattern == 1, rng.uniform(0.7, 1.5, n), rng.uniform(0.35, 0.9, n))
    seasonal = frequent & (rng.random(n) < 0.10)
    amplitude = np.where(seasonal, rng.uniform(0.3, 0.6, n), 0.0)
    peak = rng.integers(0, 52, n)
    trend = np.exp(rng.normal(0.0, 0.1, n))

    t = np.arange(weeks)
    mean = level[:, None] * (
        1.0 + amplitude[:, None] * np.cos(2 * np.pi * (t[None, :] - peak[:, None]) / 52.0)
    )
    mean *= trend[:, None] ** (t[None, :] / 52.0)
    poisson = rng.poisson(mean).astype(np.float64)
    shape2 = np.broadcast_to(shape[:, None], mean.shape)
    negbin = rng.negative_binomial(shape2, shape2 / (shape2 + mean)).astype(np.float64)
    size = np.where((pattern == 1)[:, None] | (pattern == 3)[:, None], negbin, poisson)
    size = np.where(frequent[:, None], size, size + 1.0)  # a rare use is at least one unit
    qty = np.where(rng.random(mean.shape) < occurrence[:, None], size, 0.0)

    # Life cycle: 6 % new (first demand in the second year), 4 % no longer used (last use
    # 8 to 78 weeks before the end: some classify as dying, no demand in the last year).
    start = np.where(rng.random(n) < 0.06, rng.integers(weeks // 2, weeks - 4, n), 0)
    end = np.where(rng.random(n) < 0.04, rng.integers(weeks // 4, weeks - 8, n), weeks)
    qty[t[None, :] < start[:, None]] = 0.0
    qty[t[None, :] >= end[:, None]] = 0.0
    first = np.maximum(qty[np.arange(n), start], 1.0)  # history starts with a demand
    qty[np.arange(n), start] = first

    rows, cols = np.nonzero(qty)
    first_day = LAST_PERIOD - timedelta(weeks=weeks - 1)
    epoch = (first_day - date(1970, 1, 1)).days
    frame = pl.DataFrame(
        {
            "item_id": ids[rows].astype(np.int64),
            "period": pl.Series(epoch + 7 * cols.astype(np.int32)).cast(pl.Date),
            "qty": qty[rows, cols],
        }
    )
    lead_days = np.clip(np.exp(rng.normal(np.log(14.0), 0.8, n)), 2.0, 120.0).round()
    return frame, lead_days


def generate(out: Path, items: int, weeks: int, per_partition: int, seed: int = 7) -> HistoryExport:
    """Write the history export and ``lead_times.parquet`` (item_id, lead time in days)."""
    folder = out / "history"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    count = math.ceil(items / per_partition)
    groups = split_items(range(1, items + 1), count)
    parts, leads = [], []
    for k, group in enumerate(groups):
        ids = np.arange(group[0], group[-1] + 1, dtype=np.int64)
        frame, lead_days = _partition_history(ids, weeks, seed * 100_003 + k)
        relative = Path(f"partition={k:05d}") / "part.parquet"
        (folder / relative.parent).mkdir()
        frame.cast(SCHEMA).write_parquet(folder / relative)  # type: ignore[arg-type]
        parts.append(HistoryPartition(relative, group[0], group[-1], ids.size, frame.height))
        leads.append(pl.DataFrame({"item_id": ids, "lead_time_days": lead_days}))
    export = HistoryExport(folder, "week", AS_OF, LAST_PERIOD, tuple(parts))
    (folder / MANIFEST).write_text(json.dumps(_manifest(export), indent=2))
    pl.concat(leads).write_parquet(out / "lead_times.parquet")
    return read_history_export(folder)


def lead_times_in_periods(out: Path) -> dict[str, float]:
    """As ``forecasting.lead_times_in_periods``: days / 7, at least a quarter period."""
    frame = pl.read_parquet(out / "lead_times.parquet")
    ids = frame["item_id"].cast(pl.Utf8).to_list()
    return {
        i: max(d / DAYS_PER_PERIOD, 0.25) for i, d in zip(ids, frame["lead_time_days"], strict=True)
    }


def make_spec(args: argparse.Namespace, lead_times: dict[str, float], n_jobs: int) -> ForecastSpec:
    return ForecastSpec(
        grain="week",
        horizon=13,
        backtest_windows=args.backtest_windows,
        backtest_horizon=args.backtest_horizon,
        last_period=LAST_PERIOD,
        ltd_horizon=ltd_horizon(13, list(lead_times.values())),
        n_jobs=n_jobs,
    )


# ---------------------------------------------------------------- policy features


def features(tables: ForecastTables, out: Path) -> pl.DataFrame:
    """One row per item, the columns ``assemble_features`` gives: the forecast tables plus
    synthetic supply data drawn from the item id (the same for both engines)."""
    cls = tables.classification.select(
        pl.col("item").cast(pl.Int64).alias("item_id"),
        "pattern",
        "adi",
        "cv2",
        "abc",
        "xyz",
        pl.col("mean_demand").alias("mean_per_period"),
    )
    ltd = tables.lead_time_demand.select(
        pl.col("item").cast(pl.Int64).alias("item_id"),
        pl.col("mean").alias("ltd_mean"),
        pl.col("q0.5").alias("ltd_q50"),
        pl.col("q0.9").alias("ltd_q90"),
        pl.col("q0.95").alias("ltd_q95"),
        pl.col("q0.99").alias("ltd_q99"),
        (pl.col("lead_time") * DAYS_PER_PERIOD).alias("ltd_lead_time_days"),
    )
    lead = pl.read_parquet(out / "lead_times.parquet")
    ids = lead["item_id"].to_numpy()
    rng = np.random.default_rng(11)
    n = ids.size
    u = rng.random((n, 8))
    supply = pl.DataFrame(
        {
            "item_id": ids,
            "category": np.array(["direct", "indirect", "mro"])[
                np.searchsorted([0.6, 0.85], u[:, 0])
            ],
            "criticality": np.array(["line_stopper", "important", "normal"])[
                np.searchsorted([0.05, 0.25], u[:, 1])
            ],
            "lifecycle": "active",
            "unit_cost": np.round(np.exp(rng.normal(np.log(8.0), 1.2, n)), 2),
            "moq": np.where(u[:, 2] < 0.5, 1.0, np.round(10 ** (u[:, 2] * 2))),
            "pack_multiple": np.where(u[:, 3] < 0.6, 1.0, np.array([5.0, 10.0, 25.0])[ids % 3]),
            "quoted": lead["lead_time_days"].to_numpy(),
            "lead_time_cv": np.clip(rng.gamma(2.0, 0.1, n), 0.0, 1.5),
            "otif_pct": np.clip(100 - rng.gamma(1.5, 5.0, n), 20.0, 100.0),
            "defect_rate": np.clip(rng.gamma(1.0, 0.006, n), 0.0, 0.2),
            "n_offers": np.where(u[:, 4] < 0.7, 1, 2),
            "supplier_risk": np.array(["none", "low", "medium", "high"])[
                np.searchsorted([0.8, 0.9, 0.97], u[:, 5])
            ],
            "region_risk": np.array(["none", "medium"])[(u[:, 6] < 0.05).astype(np.int64)],
            "remaining": np.where(u[:, 7] < 0.03, 20.0, 0.0),
        }
    )
    return (
        supply.join(cls, on="item_id", how="left")
        .join(ltd, on="item_id", how="left")
        .with_columns(
            pl.format("P{}@MAIN", "item_id").alias("item"),
            pl.col("pattern").fill_null("new"),
            pl.coalesce(pl.col("mean_per_period") / DAYS_PER_PERIOD, pl.lit(0.0)).alias(
                "demand_mean"
            ),
            pl.coalesce((pl.col("mean_per_period") / DAYS_PER_PERIOD).sqrt(), pl.lit(0.0)).alias(
                "demand_sd"
            ),
            (pl.col("n_offers") == 1).alias("single_source"),
            (pl.col("otif_pct") / 100).alias("otif"),
            pl.col("quoted").alias("lead_time_mean_days"),
            (pl.col("quoted") * pl.col("lead_time_cv")).alias("lead_time_sd_days"),
            (pl.col("quoted") * (1 + 1.65 * pl.col("lead_time_cv")) + pl.col("remaining")).alias(
                "time_to_recover_days"
            ),
        )
        .sort("item_id")
    )


def empty_overrides() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "item": pl.Utf8,
            "strategy": pl.Utf8,
            "logic": pl.Utf8,
            "note": pl.Utf8,
            "service_target": pl.Float64,
        }
    )


# ---------------------------------------------------------------- memory sampling


class PeakRss:
    """Peak resident memory of processes, sampled in a thread. ``targets()`` returns
    name -> list of pids (their RSS is summed, children included if ``tree``)."""

    def __init__(self, targets: Any, tree: bool = False, every: float = 0.25) -> None:
        self.targets, self.tree, self.every = targets, tree, every
        self.peak: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _rss(self, pid: int) -> int:
        try:
            proc = psutil.Process(pid)
            total = int(proc.memory_info().rss)
            if self.tree:
                for child in proc.children(recursive=True):
                    with contextlib.suppress(psutil.Error):
                        total += child.memory_info().rss
            return total
        except psutil.Error:
            return 0

    def sample(self) -> None:
        for name, pids in self.targets().items():
            value = sum(self._rss(p) for p in pids)
            self.peak[name] = max(self.peak.get(name, 0), value)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.every)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()


def _cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU seconds of a process (all its threads; for this process, its
    waited-for children too): the load-independent cost of the work."""
    if pid is None:
        own = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


# ---------------------------------------------------------------- local engine (child)


def local_child(config: dict[str, Any]) -> None:
    """The local engine in this process; results to ``config['result']`` (JSON) and the
    tables to Parquet beside it."""
    from takt.policy.segment import load_rules
    from takt.services.forecast_parts import forecast_partition
    from takt.services.policy import size_policies

    out = Path(config["out"])
    target = Path(config["result"])
    args = argparse.Namespace(**config["args"])
    me = os.getpid()
    result: dict[str, Any] = {}
    with PeakRss(lambda: {"local": [me]}, tree=True) as peak:
        lead_times = lead_times_in_periods(out)
        spec = make_spec(args, lead_times, config["n_jobs"])
        export = read_history_export(out / "history")
        started = time.perf_counter()
        history = pl.concat(
            [read_history_partition(export.directory / p.path) for p in export.partitions]
        ).select(pl.col("item_id").cast(pl.Utf8).alias("item"), "period", "qty")
        read = time.perf_counter()
        cpu = _cpu_seconds()
        part = forecast_partition(history, lead_times, spec)
        fitted = time.perf_counter()
        cpu = _cpu_seconds() - cpu
        forecast_rows = part.forecasts.height
        del history
        tables = combine_parts([part.without_forecasts()], spec)
        combined = time.perf_counter()
        del part
        result["forecast"] = {
            "read": read - started,
            "fit": fitted - read,
            "combine": combined - fitted,
            "total": combined - started,
            "forecast_rows": forecast_rows,
            "cpu": cpu,
        }
        for name in TABLES:
            getattr(tables, name).write_parquet(target.with_name(f"{target.stem}_{name}.parquet"))
        if not config["skip_policy"]:
            started = time.perf_counter()
            feats = features(tables, out)
            built = time.perf_counter()
            policies = size_policies(feats, load_rules(None), empty_overrides(), DAYS_PER_PERIOD)
            sized = time.perf_counter()
            result["features"] = built - started
            result["policy"] = {"total": sized - built, "items": policies.height}
            policies.write_parquet(target.with_name(f"{target.stem}_policies.parquet"))
    result["peak_rss"] = peak.peak["local"]
    result["maxrss_self"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    target.write_text(json.dumps(result))


def run_local(args: argparse.Namespace, out: Path, n_jobs: int) -> dict[str, Any]:
    target = out / f"local_jobs{n_jobs}.json"
    config = {
        "out": str(out),
        "result": str(target),
        "n_jobs": n_jobs,
        "skip_policy": args.skip_policy,
        "args": {
            "backtest_windows": args.backtest_windows,
            "backtest_horizon": args.backtest_horizon,
        },
    }
    started = time.perf_counter()
    subprocess.run([sys.executable, __file__, "--local-child", json.dumps(config)], check=True)
    result: dict[str, Any] = json.loads(target.read_text())
    result["wall"] = time.perf_counter() - started
    result["tables"] = {
        name: pl.read_parquet(target.with_name(f"{target.stem}_{name}.parquet"))
        for name in (*TABLES, *(() if args.skip_policy else ("policies",)))
    }
    return result


# ---------------------------------------------------------------- Dask engine


def run_dask(args: argparse.Namespace, out: Path, export: HistoryExport) -> dict[str, Any]:
    from distributed import Client, LocalCluster, as_completed

    from takt.policy.segment import load_rules
    from takt.services.scale import forecast_task, policy_task

    result: dict[str, Any] = {}
    lead_times = lead_times_in_periods(out)
    spec = make_spec(args, lead_times, 1)
    paths = [str(export.directory / p.path) for p in export.partitions]
    ranges = [(p.first_item_id, p.last_item_id) for p in export.partitions]
    subsets = [
        {str(i): lead_times[str(i)] for i in range(lo, hi + 1) if str(i) in lead_times}
        for lo, hi in ranges
    ]
    started = time.perf_counter()
    with (
        LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,  # type: ignore[no-untyped-call]
    ):
        result["cluster_start"] = time.perf_counter() - started
        me = os.getpid()
        pids: dict[str, int] = {}

        def targets() -> dict[str, list[int]]:
            if not pids or any(not psutil.pid_exists(p) for p in pids.values()):
                try:
                    pids.clear()
                    pids.update(client.run(os.getpid))
                except Exception:  # a worker restarting: sample it next time
                    pass
            return {"client": [me], **{f"worker {a}": [p] for a, p in pids.items()}}

        with PeakRss(targets) as peak:
            workers = [p for name, ps in targets().items() if name != "client" for p in ps]
            cpu = sum(_cpu_seconds(p) for p in workers)
            started = time.perf_counter()
            futures = client.map(forecast_task, paths, subsets, spec=spec, pure=False)
            parts, forecast_rows, first_done = [], 0, 0.0
            for future in as_completed(futures):  # type: ignore[no-untyped-call]
                part = future.result()
                first_done = first_done or time.perf_counter()
                forecast_rows += part.forecasts.height
                parts.append(part.without_forecasts())
            mapped = time.perf_counter()
            cpu = sum(_cpu_seconds(p) for p in workers) - cpu
            tables = combine_parts(parts, spec)
            combined = time.perf_counter()
            del parts
            result["forecast"] = {
                "map": mapped - started,
                "first_part": first_done - started,
                "combine": combined - mapped,
                "total": combined - started,
                "forecast_rows": forecast_rows,
                "cpu": cpu,
            }
            result["tables"] = {name: getattr(tables, name) for name in TABLES}
            if not args.skip_policy:
                started = time.perf_counter()
                feats = features(tables, out)
                built = time.perf_counter()
                groups = split_items(feats["item_id"].to_list(), len(paths))
                pieces = [
                    feats.filter(pl.col("item_id").is_between(g[0], g[-1]))
                    for g in groups
                    if len(g)
                ]
                table = client.scatter(load_rules(None), broadcast=True)
                overrides = client.scatter(empty_overrides(), broadcast=True)
                futures = client.map(
                    policy_task,
                    client.scatter(pieces),
                    table=table,
                    overrides=overrides,
                    days_per_period=DAYS_PER_PERIOD,
                    pure=False,
                )
                done = [f.result() for f in as_completed(futures)]  # type: ignore[no-untyped-call]
                policies = pl.concat(done, how="vertical_relaxed").sort("item_id")
                sized = time.perf_counter()
                result["features"] = built - started
                result["policy"] = {"total": sized - built, "items": policies.height}
                result["tables"]["policies"] = policies
        result["peak_rss"] = dict(peak.peak)
    return result


# ---------------------------------------------------------------- database writes


def store_rates(args: argparse.Namespace, out: Path, export: HistoryExport) -> list[dict[str, Any]]:
    """Write one partition's rows of a run through the project's store functions."""
    from sqlalchemy import create_engine, insert, text
    from sqlalchemy.engine import make_url

    from takt.policy.segment import load_rules
    from takt.services.forecast_parts import forecast_partition
    from takt.services.forecasting import store_part, store_tables
    from takt.services.history_export import export_demand_history
    from takt.services.policy import size_policies, store_policies
    from takt.services.runs import recorded_run
    from takt.store.db import make_engine, transaction, upgrade
    from takt.store.models import DemandBucketRow, ForecastRow, ItemRow

    lead_times = lead_times_in_periods(out)
    spec = make_spec(args, lead_times, 1)
    history = pl.concat(
        [read_history_partition(export.directory / p.path) for p in export.partitions]
    ).filter(pl.col("item_id") <= args.store_items)
    frame = history.select(pl.col("item_id").cast(pl.Utf8).alias("item"), "period", "qty")
    part = forecast_partition(frame, lead_times, spec)
    tables = combine_parts([part], spec)
    policies = size_policies(
        features(tables, out).filter(pl.col("item_id") <= args.store_items),
        load_rules(None),
        empty_overrides(),
        DAYS_PER_PERIOD,
    )
    n = tables.classification.height
    rows = []
    for backend in args.backends:
        drop = None
        folder = Path(tempfile.mkdtemp(prefix="takt-bench-store-"))
        if backend == "sqlite":
            url = f"sqlite:///{folder / 'store.db'}"
        else:
            admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
            name = f"takt_bench_{uuid.uuid4().hex[:8]}"
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))

            def drop(name: str = name, admin: Any = admin) -> None:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()

            url = make_url(args.pg).set(database=name).render_as_string(hide_password=False)
        engine = make_engine(url)
        try:
            upgrade(engine)
            with transaction(engine) as session:
                session.execute(
                    insert(ItemRow),
                    [
                        {
                            "id": i,
                            "sku": f"P{i}",
                            "location": "MAIN",
                            "category": "direct",
                            "criticality": "normal",
                            "lifecycle": "active",
                        }
                        for i in range(1, n + 1)
                    ],
                )
            timings = {}
            # The read side: the history as demand buckets, then the export the workers read.
            buckets = history.select(
                "item_id",
                pl.lit("week").alias("grain"),
                pl.col("period").alias("period_start"),
                "qty",
            ).to_dicts()
            started = time.perf_counter()
            with transaction(engine) as session:
                for k in range(0, len(buckets), 20_000):
                    session.execute(insert(DemandBucketRow), buckets[k : k + 20_000])
            timings["demand buckets (Core executemany, for reference)"] = (
                time.perf_counter() - started,
                len(buckets),
            )
            started = time.perf_counter()
            exported = export_demand_history(engine, folder / "export", grain="week", as_of=AS_OF)
            timings["history export (export_demand_history; rows read)"] = (
                time.perf_counter() - started,
                exported.rows,
            )
            assert exported.rows == history.height and exported.last_period == LAST_PERIOD
            with recorded_run(engine, kind="forecast", as_of=AS_OF, parameters={}) as run_id:
                started = time.perf_counter()
                with transaction(engine) as session:
                    store_part(session, run_id, part)
                timings["accuracy + forecasts (store_part)"] = (
                    time.perf_counter() - started,
                    part.accuracy.height + part.forecasts.height,
                )
                started = time.perf_counter()
                with transaction(engine) as session:
                    store_tables(session, run_id, tables)
                timings["classification + lead-time demand (store_tables)"] = (
                    time.perf_counter() - started,
                    tables.classification.height + tables.lead_time_demand.height,
                )
                started = time.perf_counter()
                with transaction(engine) as session:
                    store_policies(session, run_id, policies)
                timings["policies (store_policies)"] = (
                    time.perf_counter() - started,
                    policies.height,
                )
            if backend == "postgresql":
                # For the scaling model: the same forecast rows by COPY (Takt does not).
                with recorded_run(engine, kind="forecast", as_of=AS_OF, parameters={}) as copy_run:
                    started = time.perf_counter()
                    csv = part.forecasts.select(
                        pl.lit(copy_run).alias("run_id"),
                        pl.col("item").cast(pl.Int64).alias("item_id"),
                        "period",
                        "forecast",
                    ).write_csv(include_header=False)
                    raw = engine.raw_connection()
                    try:
                        cursor = raw.cursor()
                        statement = (
                            f"COPY {ForecastRow.__tablename__} (run_id, item_id, period_start, qty)"
                            " FROM STDIN (FORMAT csv)"
                        )
                        with cursor.copy(statement) as copy:
                            copy.write(csv)
                        raw.commit()
                    finally:
                        raw.close()
                    timings["forecasts only, by COPY (not what Takt does)"] = (
                        time.perf_counter() - started,
                        part.forecasts.height,
                    )
            for what, (seconds, count) in timings.items():
                rows.append(
                    {
                        "backend": backend,
                        "what": what,
                        "rows": count,
                        "seconds": seconds,
                        "items": n,
                    }
                )
        finally:
            engine.dispose()
            if drop is not None:
                drop()
            shutil.rmtree(folder, ignore_errors=True)
    return rows


# ---------------------------------------------------------------- report


def compare(local: dict[str, pl.DataFrame], dask: dict[str, pl.DataFrame]) -> list[str]:
    from polars.testing import assert_frame_equal

    lines = []
    for name in local:
        try:
            assert_frame_equal(local[name], dask[name], check_exact=True)
            lines.append(f"  {name:<17} identical ({local[name].height:,} rows)")
        except AssertionError as exc:
            lines.append(f"  {name:<17} DIFFERENT: {str(exc).splitlines()[0]}")
    return lines


def gib(value: int) -> str:
    return f"{value / 1024**3:.2f} GiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--weeks", type=int, default=104)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--backtest-windows", type=int, default=8)
    parser.add_argument("--backtest-horizon", type=int, default=8)
    parser.add_argument("--items-per-partition", type=int, default=25_000)
    parser.add_argument("--local-jobs", type=int, nargs="*", default=[1])
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each engine (medians)")
    parser.add_argument("--skip-local", action="store_true")
    parser.add_argument("--skip-dask", action="store_true")
    parser.add_argument("--skip-policy", action="store_true")
    parser.add_argument("--reuse-history", action="store_true", help="keep --out's history")
    parser.add_argument("--store-items", type=int, default=0, help="0: skip the store timing")
    parser.add_argument("--backends", nargs="*", default=["sqlite", "postgresql"])
    parser.add_argument("--pg", default=PG_ADMIN)
    parser.add_argument("--local-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.local_child:
        local_child(json.loads(args.local_child))
        return

    out = args.out or Path(tempfile.mkdtemp(prefix="takt-bench-scale-"))
    out.mkdir(parents=True, exist_ok=True)
    print(
        f"bench_scale: {args.items:,} items x {args.weeks} weeks, backtest "
        f"{args.backtest_windows} windows x {args.backtest_horizon} weeks, "
        f"{args.workers} Dask workers, {os.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / 1024**3:.0f} GiB; load {os.getloadavg()}",
        flush=True,
    )
    started = time.perf_counter()
    if args.reuse_history and (out / "history" / MANIFEST).exists():
        export = read_history_export(out / "history")
        print(f"history reused: {export.rows:,} rows in {len(export.partitions)} partitions")
    else:
        export = generate(out, args.items, args.weeks, args.items_per_partition)
        print(
            f"history generated: {export.rows:,} rows (weeks with demand) in "
            f"{len(export.partitions)} partitions, {time.perf_counter() - started:.1f} s",
            flush=True,
        )
    items = export.items

    runs: dict[str, list[dict[str, Any]]] = {}
    engines = ([] if args.skip_dask else ["dask"]) + (
        [] if args.skip_local else [f"local n_jobs={j}" for j in args.local_jobs]
    )
    for rep in range(args.repeat):
        # Alternate the order so that neither engine always runs first (warm caches, load).
        for name in engines if rep % 2 == 0 else engines[::-1]:
            load = os.getloadavg()[0]
            if name == "dask":
                r = run_dask(args, out, export)
                note = f"cluster start {r['cluster_start']:.1f} s, "
            else:
                r = run_local(args, out, int(name.split("=")[1]))
                note = ""
            r["load"] = load
            if rep:
                r.pop("tables")  # the first repetition's tables are compared
            runs.setdefault(name, []).append(r)
            print(
                f"  run {rep + 1} {name}: {note}forecast {r['forecast']['total']:.1f} s"
                + (f", policy {r['policy']['total']:.1f} s" if "policy" in r else "")
                + f" (1-min load before {load:.2f})",
                flush=True,
            )

    def median(name: str, *keys: str) -> float:
        values = []
        for r in runs[name]:
            value: Any = r
            for key in keys:
                value = value[key]
            values.append(value)
        return float(statistics.median(values))

    print(f"\n{items:,} items; medians of {args.repeat} run(s); load now {os.getloadavg()}")
    print(
        f"{'engine':<16} {'stage':<9} {'seconds':>9} {'items/s':>9} {'speed-up':>9}  "
        "detail (medians; speed-up = local n_jobs=1 / engine)"
    )
    base = next((k for k in runs if k.startswith("local")), None)
    for name in runs:
        for stage in ("forecast", "policy"):
            if stage not in runs[name][0]:
                continue
            seconds = median(name, stage, "total")
            ratio = f"{median(base, stage, 'total') / seconds:8.2f}x" if base else ""
            if stage == "forecast" and name == "dask":
                detail = (
                    f"map {median(name, stage, 'map'):.1f} s + combine "
                    f"{median(name, stage, 'combine'):.1f} s; workers' CPU "
                    f"{median(name, stage, 'cpu') / items * 1000:.2f} s per 1,000 items"
                )
            elif stage == "forecast":
                detail = (
                    f"read {median(name, stage, 'read'):.1f} + fit {median(name, stage, 'fit'):.1f}"
                    f" + combine {median(name, stage, 'combine'):.1f} s; fit CPU "
                    f"{median(name, stage, 'cpu') / items * 1000:.2f} s per 1,000 items"
                )
            else:
                detail = f"features (synthetic, not counted) {median(name, 'features'):.1f} s"
            if len(runs[name]) > 1:
                values = sorted(r[stage]["total"] for r in runs[name])
                detail += f"; runs {', '.join(f'{v:.1f}' for v in values)} s"
            print(
                f"{name:<16} {stage:<9} {seconds:9.1f} {items / seconds:9,.0f} {ratio:>9}  {detail}"
            )
    print("peak memory (RSS, highest over the runs):")
    for name, rs in runs.items():
        if name == "dask":
            for who in rs[0]["peak_rss"]:
                value = max(r["peak_rss"].get(who, 0) for r in rs)
                print(f"  dask {who:<32} {gib(value)}")
        else:
            print(
                f"  {name} process (tree) {gib(max(r['peak_rss'] for r in rs))}"
                f"  (ru_maxrss {gib(max(r['maxrss_self'] for r in rs))})"
            )
    if "dask" in runs and base is not None:
        print("dask tables against the local engine's (check_exact):")
        for line in compare(runs[base][0]["tables"], runs["dask"][0]["tables"]):
            print(line)
    if args.store_items:
        print(f"\nstore: one run's rows of {args.store_items:,} items, project store functions")
        print(f"{'backend':<11} {'rows':>9} {'seconds':>8} {'rows/s':>9} {'items/s':>9}  table(s)")
        for row in store_rates(args, out, export):
            print(
                f"{row['backend']:<11} {row['rows']:>9,} {row['seconds']:8.2f} "
                f"{row['rows'] / row['seconds']:9,.0f} {row['items'] / row['seconds']:9,.0f}"
                f"  {row['what']}"
            )
    summary = {
        k: [{kk: vv for kk, vv in r.items() if kk != "tables"} for r in v] for k, v in runs.items()
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
    print(f"\nfiles in {out}")


if __name__ == "__main__":
    main()
