"""Shared pieces of the import loaders: results, options, reference lookups, upserts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, cast

import polars as pl
from sqlalchemy import Table, select, tuple_, update
from sqlalchemy.orm import Session

from takt.config import get_settings
from takt.domain.enums import Category, Grain
from takt.ingest.validate import Problems
from takt.store.models import Base, ItemRow, SupplierRow

IN_BATCH = 5_000  # keys per IN (...) lookup


@dataclass
class ImportResult:
    """What one import did: rows read, and rows inserted, updated or left unchanged."""

    kind: str
    file: str
    rows: int
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ImportOptions:
    mapping: Mapping[str, str] | None = None
    grain: Grain = Grain.DAY  # demand-series only
    create_items: bool = False  # demand-series only
    new_item_category: Category = Category.DIRECT
    actor: str = "import"

    def __post_init__(self) -> None:
        # Accept the plain words from Python callers ("week", "mro").
        object.__setattr__(self, "grain", Grain(self.grain))
        object.__setattr__(self, "new_item_category", Category(self.new_item_category))


def item_table(session: Session) -> pl.DataFrame:
    rows = session.execute(select(ItemRow.sku, ItemRow.location, ItemRow.id)).all()
    return pl.DataFrame(
        rows, schema={"sku": pl.Utf8, "location": pl.Utf8, "item_id": pl.Int64}, orient="row"
    )


def supplier_table(session: Session, column: str = "supplier") -> pl.DataFrame:
    rows = session.execute(select(SupplierRow.code, SupplierRow.id)).all()
    return pl.DataFrame(rows, schema={column: pl.Utf8, "supplier_id": pl.Int64}, orient="row")


def attach_items(session: Session, frame: pl.DataFrame, problems: Problems) -> pl.DataFrame:
    joined = frame.join(item_table(session), on=["sku", "location"], how="left")
    unknown = joined.filter(pl.col("item_id").is_null())
    problems.add_rows(
        unknown,
        "sku",
        lambda r: f"unknown item {r['sku']!r} at location {r['location']!r} (import items first)",
    )
    return joined


def attach_suppliers(
    session: Session, frame: pl.DataFrame, problems: Problems, *, optional: bool = False
) -> pl.DataFrame:
    joined = frame.join(supplier_table(session), on="supplier", how="left")
    unknown = joined.filter(pl.col("supplier_id").is_null())
    if optional:
        unknown = unknown.filter(pl.col("supplier").is_not_null())
    problems.add_rows(
        unknown,
        "supplier",
        lambda r: f"unknown supplier {r['supplier']!r} (import suppliers first)",
    )
    return joined


def chunks(seq: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(seq), size):
        yield seq[start : start + size]


def same(a: object, b: object) -> bool:
    if isinstance(a, (float, int, Decimal)) and isinstance(b, (float, int, Decimal)):
        return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a)))
    if isinstance(a, datetime) and isinstance(b, datetime):
        return utc(a) == utc(b)
    return a == b


def utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def upsert(
    session: Session,
    model: type[Base],
    records: list[dict[str, Any]],
    key: Sequence[str],
    result: ImportResult,
) -> None:
    """Insert new rows, update changed ones (matched on ``key``), count unchanged."""
    table = cast(Table, model.__table__)
    pk = [c.name for c in table.primary_key.columns]
    fields = list(records[0]) if records else []
    existing: dict[tuple[Any, ...], dict[str, Any]] = {}
    cols = [table.c[c] for c in dict.fromkeys([*pk, *key, *fields])]
    wanted = list({tuple(r[k] for k in key) for r in records})
    for part in chunks(wanted, IN_BATCH):
        condition = (
            table.c[key[0]].in_([p[0] for p in part])
            if len(key) == 1
            else tuple_(*[table.c[k] for k in key]).in_(part)
        )
        for row in session.execute(select(*cols).where(condition)).mappings():
            existing[tuple(row[k] for k in key)] = dict(row)
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for rec in records:
        old = existing.get(tuple(rec[k] for k in key))
        if old is None:
            inserts.append(rec)
        elif all(same(old[f], rec[f]) for f in fields):
            result.unchanged += 1
        else:
            updates.append({**{p: old[p] for p in pk}, **rec})
    insert_rows(session, model, inserts)
    for part in chunks(updates, get_settings().import_batch_rows):
        session.execute(update(model), list(part))
    result.inserted += len(inserts)
    result.updated += len(updates)


def insert_rows(session: Session, model: type[Base], records: Sequence[dict[str, Any]]) -> None:
    for part in chunks(records, get_settings().import_batch_rows):
        session.execute(cast(Table, model.__table__).insert(), list(part))


def insert_frame(
    session: Session, model: type[Base], frame: pl.DataFrame, columns: Mapping[str, str]
) -> None:
    """Insert a large frame batch by batch, so only one batch at a time is Python objects."""
    table = cast(Table, model.__table__)
    selected = frame.select([pl.col(src).alias(dst) for dst, src in columns.items()])
    for part in selected.iter_slices(get_settings().import_batch_rows):
        session.execute(table.insert(), part.to_dicts())


def to_records(frame: pl.DataFrame, columns: Mapping[str, str]) -> list[dict[str, Any]]:
    """Rows as dicts, renaming frame columns to table columns (``{table: frame}``)."""
    return frame.select([pl.col(src).alias(dst) for dst, src in columns.items()]).to_dicts()


def money(frame: pl.DataFrame, *columns: str) -> pl.DataFrame:
    return frame.with_columns(pl.col(c).round(6) for c in columns)
