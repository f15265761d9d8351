"""Import throughput: the validated bulk path against a naive row-by-row ORM baseline.

Loads the real carparts history (130,252 rows, ``demand-series``) through
``import_file`` on SQLite (and PostgreSQL when reachable), and compares the rows per
second with a baseline that validates nothing and adds one ORM object per row,
measured in the same run on the first 10,000 rows. Prints medians of 3 runs.

    python benchmarks/bench_import.py [--postgres URL] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

import polars as pl
from sqlalchemy import create_engine, text

from takt.domain.enums import Category, Criticality, Grain, Lifecycle
from takt.services.imports import ImportOptions, import_file
from takt.store.db import make_engine, transaction, upgrade
from takt.store.models import DemandBucketRow, ItemRow

DATA = (
    Path(os.environ.get("TAKT_DATA_DIR", Path(__file__).resolve().parents[2] / "shared" / "data"))
    / "carparts.csv"
)
BASELINE_ROWS = 10_000
CREATED: list[str] = []  # PostgreSQL databases to drop at the end


def fresh(url_kind: str, pg: str | None, workdir: Path) -> str:
    if url_kind == "sqlite":
        return f"sqlite:///{workdir / f'{uuid.uuid4().hex}.db'}"
    assert pg is not None
    name = f"takt_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    CREATED.append(name)
    return pg.rsplit("/", 1)[0] + f"/{name}"


def bench_takt(url: str) -> float:
    engine = make_engine(url)
    upgrade(engine)
    started = time.perf_counter()
    result = import_file(
        engine, "demand-series", DATA, options=ImportOptions(grain=Grain.MONTH, create_items=True)
    )
    seconds = time.perf_counter() - started
    engine.dispose()
    return result.rows / seconds


def bench_naive(url: str) -> float:
    """One ORM object per row, flushed per row: how a quick script would do it."""
    frame = pl.read_csv(DATA, n_rows=BASELINE_ROWS, try_parse_dates=True)
    engine = make_engine(url)
    upgrade(engine)
    started = time.perf_counter()
    with transaction(engine) as session:
        items: dict[str, int] = {}
        for sku, period, qty in frame.iter_rows():
            if str(sku) not in items:
                item = ItemRow(
                    sku=str(sku),
                    location="MAIN",
                    unit_cost=0,
                    category=Category.DIRECT,
                    criticality=Criticality.NORMAL,
                    lifecycle=Lifecycle.ACTIVE,
                )
                session.add(item)
                session.flush()
                items[str(sku)] = item.id
            session.add(
                DemandBucketRow(
                    item_id=items[str(sku)],
                    grain=Grain.MONTH,
                    period_start=period
                    if isinstance(period, date)
                    else date.fromisoformat(str(period)),
                    qty=float(qty),
                )
            )
            session.flush()
    seconds = time.perf_counter() - started
    engine.dispose()
    return frame.height / seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    backends = ["sqlite"]
    try:
        with create_engine(args.postgres).connect():
            backends.append("postgresql")
    except Exception as exc:  # no server: report SQLite only
        print(f"PostgreSQL not reachable ({exc}); SQLite only")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        print(
            f"carparts demand-series, {DATA.stat().st_size / 1e6:.1f} MB, median of {args.repeat}"
        )
        print(f"{'backend':<11} {'takt rows/s':>12} {'naive rows/s':>13} {'ratio':>7}")
        for backend in backends:
            takt = [bench_takt(fresh(backend, args.postgres, workdir)) for _ in range(args.repeat)]
            naive = [
                bench_naive(fresh(backend, args.postgres, workdir)) for _ in range(args.repeat)
            ]
            t, n = statistics.median(takt), statistics.median(naive)
            print(f"{backend:<11} {t:>12,.0f} {n:>13,.0f} {t / n:>6.1f}x")
    if CREATED:
        admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name in CREATED:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
