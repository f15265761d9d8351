"""The demo job: generator output goes through the importers unchanged, and the
streamed files import into one consistent database on both backends."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from sqlalchemy import Engine

from takt.domain.enums import Grain
from takt.ingest.specs import LOAD_ORDER
from takt.services.demo import build_demo_database, write_demo_files
from takt.services.imports import ImportOptions, import_file
from takt.services.summary import table_counts


def test_build_demo_database(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    path.write_text("not a database")  # a stale file is replaced, not reused
    report = build_demo_database(path, items=60, seed=7)
    assert report.loaded["items"] == 60
    assert report.loaded["signals"] > 60 * 100  # two years of daily consumption
    assert report.loaded["purchase-orders"] > 0 and report.loaded["receipts"] > 0
    assert not [f for f in report.findings if f.severity == "error"]
    again = build_demo_database(path, items=60, seed=7)
    assert again.loaded == report.loaded  # deterministic


def test_streamed_files_import_into_one_database(engine: Engine, tmp_path: Path) -> None:
    written = write_demo_files(
        tmp_path, items=450, seed=3, file_format="csv", grain="week", chunk_items=200
    )
    assert written["items"] == 450
    for kind in LOAD_ORDER:
        if kind not in written:
            continue
        options = ImportOptions(grain=Grain.WEEK)
        result = import_file(engine, kind, tmp_path / f"{kind}.csv", options=options)
        assert result.inserted == written[kind], kind
    counts = table_counts(engine)
    assert counts["items"] == 450
    assert counts["purchase_order_lines"] == written["purchase-orders"]
    assert counts["demand_buckets"] == written["demand-series"]


def test_parquet_parts_import_as_one_file(engine: Engine, tmp_path: Path) -> None:
    written = write_demo_files(tmp_path, items=300, file_format="parquet", chunk_items=100)
    parts = sorted((tmp_path / "items").glob("*.parquet"))
    assert len(parts) == 3
    assert sum(pl.read_parquet(p).height for p in parts) == 300
    assert import_file(engine, "items", tmp_path / "items").inserted == written["items"]
