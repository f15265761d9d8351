"""The demo job: generate the seeded demo data set and load it through the importers,
or write it as import files (streamed, bounded memory, up to a million items)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from takt.ingest.specs import LOAD_ORDER
from takt.services.forecasting import ForecastRunResult, run_forecast
from takt.services.imports import ImportOptions, import_frame
from takt.services.policy import PolicyRunResult, run_policy
from takt.services.quality import Finding, find_issues
from takt.services.replenish import PlanResult, run_plan
from takt.services.supplier_signals import SupplierRunResult, run_supplier_signals
from takt.store.db import make_engine, transaction, upgrade


@dataclass(frozen=True)
class DemoReport:
    database: Path
    loaded: dict[str, int]
    findings: list[Finding]
    seconds: float
    forecast: ForecastRunResult | None = None
    suppliers: SupplierRunResult | None = None
    policy: PolicyRunResult | None = None
    plan: PlanResult | None = None


@contextmanager
def _progress(console: Console | None) -> Iterator[Progress]:
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console or Console(stderr=True),
        transient=True,
    )
    with progress:
        yield progress


def build_demo_database(
    path: Path, *, items: int = 300, seed: int = 42, console: Console | None = None
) -> DemoReport:
    """(Re)create the SQLite file ``path`` from the generator, through the importers.

    Every frame goes through the same validation as a user's file, so the demo also
    proves the generator's output is importable. Demand history enters as signals,
    which derive the daily demand buckets.
    """
    from takt.demo.generator import DemoConfig, generate

    started = time.perf_counter()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    kinds = [k for k in LOAD_ORDER if k != "demand-series"]
    loaded: dict[str, int] = {}
    with _progress(console) as progress:
        task = progress.add_task("generating demo data", total=len(kinds) + 6)
        upgrade(engine)
        frames = generate(DemoConfig(items=items, seed=seed))
        progress.advance(task)
        for kind in kinds:
            progress.update(task, description=f"importing {kind} ({frames[kind].height:,} rows)")
            result = import_frame(
                engine,
                kind,
                frames[kind],
                source=f"demo:{kind}",
                options=ImportOptions(actor="demo"),
            )
            loaded[kind] = result.inserted
            progress.advance(task)
        progress.update(task, description="checking data quality")
        with transaction(engine) as session:
            findings = find_issues(session)
        progress.advance(task)
        progress.update(task, description="forecasting (weekly, with backtest)")
        forecast = run_forecast(engine, grain="week", horizon=13, actor="demo")
        progress.advance(task)
        progress.update(task, description="scoring suppliers, lead times")
        suppliers = run_supplier_signals(engine, actor="demo")
        progress.advance(task)
        progress.update(task, description="segmenting and sizing policies")
        policy = run_policy(engine, actor="demo")
        progress.advance(task)
        progress.update(task, description="planning the day: proposals, approvals, POs")
        plan = run_plan(engine, actor="demo")
        progress.advance(task)
    engine.dispose()
    seconds = time.perf_counter() - started
    return DemoReport(path, loaded, findings, seconds, forecast, suppliers, policy, plan)


def write_demo_files(
    out_dir: Path,
    *,
    items: int = 300,
    seed: int = 42,
    file_format: str = "csv",
    grain: str = "day",
    with_signals: bool = False,
    chunk_items: int = 10_000,
    console: Console | None = None,
) -> dict[str, int]:
    """Write the demo data set as import files, one chunk of items at a time.

    CSV: one file per kind, appended chunk by chunk. Parquet: one directory per kind
    with a part file per chunk (``takt import`` reads such a directory as one file).
    Returns rows written per kind.
    """
    from takt.demo.generator import DemoConfig, iter_chunks

    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, int] = {}
    config = DemoConfig(items=items, seed=seed)
    n_chunks = -(-items // chunk_items)
    with _progress(console) as progress:
        task = progress.add_task(f"writing {items:,} items", total=n_chunks)
        chunks = iter_chunks(
            config, chunk_items=chunk_items, grain=grain, with_signals=with_signals
        )
        for index, frames in enumerate(chunks):
            for kind, frame in frames.items():
                if frame.height == 0:
                    continue
                _write(out_dir, kind, frame, index, file_format, first=kind not in written)
                written[kind] = written.get(kind, 0) + frame.height
            progress.advance(task)
    return {k: written[k] for k in LOAD_ORDER if k in written}


def _write(
    out_dir: Path, kind: str, frame: pl.DataFrame, index: int, fmt: str, *, first: bool
) -> None:
    if fmt == "parquet":
        folder = out_dir / kind
        if first and folder.exists():
            for old in folder.glob("part-*.parquet"):
                old.unlink()
        folder.mkdir(exist_ok=True)
        frame.write_parquet(folder / f"part-{index:05d}.parquet")
        return
    path = out_dir / f"{kind}.csv"
    with path.open("w" if first else "a", encoding="utf-8", newline="") as handle:
        frame.write_csv(handle, include_header=first, datetime_format="%Y-%m-%dT%H:%M:%SZ")
