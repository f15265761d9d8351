"""Demand history as a partitioned Parquet export, so that the workers of a scaled-out
run each read their own items from shared storage instead of all querying the database
(``takt export demand-history --format parquet``).

Layout (Hive-style, readable by Polars, Dask, Spark, DuckDB)::

    DIR/_takt_history.json               manifest: grain, as of, last period, partitions
    DIR/partition=00000/part.parquet     item_id, period, qty (complete periods)
    DIR/partition=00001/part.parquet     ...

Items are split into contiguous ranges of item id with equal numbers of items; every
series of a partition is whole. The export is written beside ``DIR`` and moved into
place when complete, so a crash leaves the previous export (or none), never half of one.
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Engine, select

from takt.domain.enums import Grain
from takt.errors import InvalidInputError
from takt.services.forecasting import history_as_of, load_history
from takt.store.models import DemandBucketRow

MANIFEST = "_takt_history.json"
FORMAT_VERSION = 1
SCHEMA = {"item_id": pl.Int64, "period": pl.Date, "qty": pl.Float64}
DEFAULT_ITEMS_PER_PARTITION = 25_000


@dataclass(frozen=True)
class HistoryPartition:
    path: Path
    first_item_id: int
    last_item_id: int
    items: int
    rows: int


@dataclass(frozen=True)
class HistoryExport:
    directory: Path
    grain: str
    as_of: date
    last_period: date | None  # None: no complete period of demand
    partitions: tuple[HistoryPartition, ...]

    @property
    def items(self) -> int:
        return sum(p.items for p in self.partitions)

    @property
    def rows(self) -> int:
        return sum(p.rows for p in self.partitions)


def history_item_ids(engine: Engine, grain: str, as_of: date) -> list[int]:
    """Items with demand (daily or at ``grain``) before ``as_of``, in id order."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(DemandBucketRow.item_id)
            .where(
                DemandBucketRow.grain.in_([Grain.DAY, Grain(grain)]),
                DemandBucketRow.period_start < as_of,
            )
            .distinct()
            .order_by(DemandBucketRow.item_id)
        ).all()
    return [int(r[0]) for r in rows]


def split_items(item_ids: Sequence[int], partitions: int) -> list[Sequence[int]]:
    """``partitions`` contiguous runs of ``item_ids`` with equal counts (±1)."""
    n = len(item_ids)
    parts = max(1, min(partitions, n))
    bounds = [round(k * n / parts) for k in range(parts + 1)]
    return [item_ids[bounds[k] : bounds[k + 1]] for k in range(parts)]


def export_demand_history(
    engine: Engine,
    directory: str | Path,
    *,
    grain: str = "week",
    as_of: date | None = None,
    partitions: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> HistoryExport:
    """Write the demand history the forecast run would read (complete ``grain`` periods
    before ``as_of``) as ``partitions`` Parquet files (default: one per 25,000 items)."""
    if grain not in ("day", "week", "month"):
        raise InvalidInputError(f"grain must be day, week or month, not {grain!r}")
    if partitions is not None and partitions < 1:
        raise InvalidInputError(f"partitions must be at least 1, got {partitions}")
    target = Path(directory)
    _check_target(target)
    as_of = history_as_of(engine, as_of)
    ids = history_item_ids(engine, grain, as_of)
    if not ids:
        raise InvalidInputError(f"no demand before {as_of} to export")
    count = partitions or math.ceil(len(ids) / DEFAULT_ITEMS_PER_PARTITION)
    groups = split_items(ids, count)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        written = []
        for k, group in enumerate(groups):
            history, _ = load_history(engine, grain, as_of, item_ids=(group[0], group[-1]))
            relative = Path(f"partition={k:05d}") / "part.parquet"
            (staging / relative.parent).mkdir()
            history.select(*SCHEMA).cast(SCHEMA).write_parquet(staging / relative)  # type: ignore[arg-type]
            written.append(
                HistoryPartition(
                    relative,
                    group[0],
                    group[-1],
                    history["item_id"].n_unique(),
                    history.height,
                )
            )
            if progress is not None:
                progress(k + 1, len(groups))
        last = max((_last_period(staging / p.path) for p in written if p.rows), default=None)
        export = HistoryExport(target, grain, as_of, last, tuple(written))
        (staging / MANIFEST).write_text(json.dumps(_manifest(export), indent=2))
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return read_history_export(target)


def _check_target(target: Path) -> None:
    """Only an empty folder or an earlier export may be (re)written."""
    if target.exists() and not target.is_dir():
        raise InvalidInputError(f"{target} is a file, not a folder for the export")
    if target.is_dir() and any(target.iterdir()) and not (target / MANIFEST).exists():
        raise InvalidInputError(
            f"{target} holds other files: export into an empty folder or an earlier export"
        )


def _last_period(path: Path) -> date:
    value = pl.scan_parquet(path).select(pl.col("period").max()).collect().item()
    return value  # type: ignore[no-any-return]


def _manifest(export: HistoryExport) -> dict[str, Any]:
    return {
        "format": "takt demand history",
        "version": FORMAT_VERSION,
        "created": datetime.now(UTC).isoformat(),
        "grain": export.grain,
        "as_of": export.as_of.isoformat(),
        "last_period": export.last_period.isoformat() if export.last_period else None,
        "columns": {name: str(dtype) for name, dtype in SCHEMA.items()},
        "items": export.items,
        "rows": export.rows,
        "partitions": [
            {
                "path": p.path.as_posix(),
                "first_item_id": p.first_item_id,
                "last_item_id": p.last_item_id,
                "items": p.items,
                "rows": p.rows,
            }
            for p in export.partitions
        ],
    }


def read_history_export(directory: str | Path) -> HistoryExport:
    """The export in ``directory``, checked: its manifest, and every partition present."""
    folder = Path(directory)
    manifest = folder / MANIFEST
    if not manifest.exists():
        raise InvalidInputError(f"{folder} is not a demand-history export (no {MANIFEST})")
    try:
        meta = json.loads(manifest.read_text())
        if meta.get("format") != "takt demand history" or meta.get("version") != FORMAT_VERSION:
            raise InvalidInputError(
                f"{manifest}: not a version {FORMAT_VERSION} takt demand-history manifest"
            )
        parts = tuple(
            HistoryPartition(
                Path(p["path"]),
                int(p["first_item_id"]),
                int(p["last_item_id"]),
                int(p["items"]),
                int(p["rows"]),
            )
            for p in meta["partitions"]
        )
        export = HistoryExport(
            folder,
            str(meta["grain"]),
            date.fromisoformat(meta["as_of"]),
            date.fromisoformat(meta["last_period"]) if meta["last_period"] else None,
            parts,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInputError(f"{manifest}: unreadable manifest ({exc})") from exc
    for part in parts:
        if not (folder / part.path).exists():
            raise InvalidInputError(f"{folder}: partition file {part.path} is missing")
    return export


def read_history_partition(path: str | Path) -> pl.DataFrame:
    """One partition's rows (``item_id, period, qty``), checked against the schema."""
    try:
        frame = pl.read_parquet(path)
    except Exception as exc:  # polars raises several kinds for a damaged file
        raise InvalidInputError(f"{path}: not a readable Parquet file ({exc})") from exc
    missing = [c for c in SCHEMA if c not in frame.columns]
    if missing:
        raise InvalidInputError(f"{path}: lacks column(s) {missing}; has {frame.columns}")
    try:
        return frame.select(*SCHEMA).cast(SCHEMA)  # type: ignore[arg-type]
    except pl.exceptions.PolarsError as exc:
        raise InvalidInputError(f"{path}: a column has the wrong type ({exc})") from exc
