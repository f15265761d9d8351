"""The partitioned Parquet export of demand history: the rows the forecast run reads,
split into whole-item partitions, written all or nothing, read back with clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from sqlalchemy import Engine

from takt.demo.generator import DemoConfig, generate
from takt.errors import InvalidInputError
from takt.services.forecasting import load_history
from takt.services.history_export import (
    MANIFEST,
    export_demand_history,
    read_history_export,
    read_history_partition,
    split_items,
)
from takt.services.imports import import_frame


@pytest.fixture(scope="module")
def frames() -> dict[str, pl.DataFrame]:
    return generate(DemoConfig(items=40, seed=5))


def load(engine: Engine, frames: dict[str, pl.DataFrame]) -> None:
    for kind in ("items", "suppliers", "offers", "signals"):
        import_frame(engine, kind, frames[kind])


def test_partitions_hold_exactly_the_history_the_forecast_reads(
    engine: Engine, frames: dict[str, pl.DataFrame], tmp_path: Path
) -> None:
    load(engine, frames)
    export = export_demand_history(engine, tmp_path / "h", grain="week", partitions=3)
    whole, as_of = load_history(engine, "week", None)
    assert export.as_of == as_of
    assert export.last_period == whole["period"].max()
    assert len(export.partitions) == 3
    parts = [read_history_partition(export.directory / p.path) for p in export.partitions]
    # Items are whole and contiguous: no item in two partitions, ranges ordered.
    ids = [set(p["item_id"].to_list()) for p in parts]
    assert not (ids[0] & ids[1]) and not (ids[1] & ids[2])
    assert [p.items for p in export.partitions] == [len(s) for s in ids]
    assert max(p.items for p in export.partitions) - min(p.items for p in export.partitions) <= 1
    firsts = [p.first_item_id for p in export.partitions]
    assert firsts == sorted(firsts)
    assert export.rows == whole.height == sum(p.height for p in parts)
    assert_frame_equal(pl.concat(parts).sort("item_id", "period"), whole.sort("item_id", "period"))
    # The manifest describes it, and reading the folder gives the same export.
    meta = json.loads((tmp_path / "h" / MANIFEST).read_text())
    assert meta["grain"] == "week" and meta["items"] == 40 and len(meta["partitions"]) == 3
    assert read_history_export(tmp_path / "h") == export


def test_export_is_all_or_nothing_and_replaces_an_earlier_one(
    engine: Engine, frames: dict[str, pl.DataFrame], tmp_path: Path
) -> None:
    load(engine, frames)
    target = tmp_path / "h"
    first = export_demand_history(engine, target, partitions=2)

    def crash(done: int, total: int) -> None:
        if done == 2:
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        export_demand_history(engine, target, partitions=4, progress=crash)
    # The earlier export is untouched and no staging folder is left beside it.
    assert read_history_export(target) == first
    assert [p.name for p in tmp_path.iterdir()] == ["h"]
    again = export_demand_history(engine, target, partitions=4)
    assert len(again.partitions) == 4
    assert sorted(p.name for p in target.iterdir()) == [
        MANIFEST,
        *(f"partition={k:05d}" for k in range(4)),
    ]


def test_refuses_folders_it_does_not_own_and_bad_settings(
    engine: Engine, frames: dict[str, pl.DataFrame], tmp_path: Path
) -> None:
    with pytest.raises(InvalidInputError, match="no demand history"):
        export_demand_history(engine, tmp_path / "empty")
    load(engine, frames)
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(InvalidInputError, match="holds other files"):
        export_demand_history(engine, other)
    assert (other / "notes.txt").read_text() == "mine"
    with pytest.raises(InvalidInputError, match="is a file"):
        export_demand_history(engine, other / "notes.txt")
    with pytest.raises(InvalidInputError, match="partitions must be at least 1"):
        export_demand_history(engine, tmp_path / "h", partitions=0)
    with pytest.raises(InvalidInputError, match="grain must be"):
        export_demand_history(engine, tmp_path / "h", grain="year")


def test_reading_names_what_is_wrong(
    engine: Engine, frames: dict[str, pl.DataFrame], tmp_path: Path
) -> None:
    with pytest.raises(InvalidInputError, match="not a demand-history export"):
        read_history_export(tmp_path)
    load(engine, frames)
    export = export_demand_history(engine, tmp_path / "h", partitions=2)
    damaged = export.directory / export.partitions[1].path
    damaged.write_bytes(b"PAR1 not really")
    with pytest.raises(InvalidInputError, match=r"partition=00001.*not a readable Parquet"):
        read_history_partition(damaged)
    pl.DataFrame({"item": [1], "qty": [1.0]}).write_parquet(damaged)
    with pytest.raises(InvalidInputError, match=r"lacks column\(s\) \['item_id', 'period'\]"):
        read_history_partition(damaged)
    damaged.unlink()
    with pytest.raises(InvalidInputError, match=r"partition file partition=00001.* is missing"):
        read_history_export(export.directory)
    (export.directory / MANIFEST).write_text('{"format": "takt demand history", "version": 9}')
    with pytest.raises(InvalidInputError, match="not a version 1"):
        read_history_export(export.directory)


def test_split_items_is_balanced_and_keeps_order() -> None:
    parts = split_items(list(range(10)), 3)
    assert [list(p) for p in parts] == [[0, 1, 2], [3, 4, 5, 6], [7, 8, 9]]
    assert [list(p) for p in split_items([1, 2], 5)] == [[1], [2]]
