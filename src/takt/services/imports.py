"""Import service: validated, atomic, idempotent loading of ERP exports into the store.

One file is one transaction: every problem found (bad value, unknown reference,
duplicate key, conflict with what is stored) is reported with file, row and column,
and nothing of the file is written. Re-importing the same file changes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

import polars as pl
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from takt.config import get_settings
from takt.domain.enums import Grain, InspectionResult
from takt.errors import ImportValidationError, InputProblem, InvalidInputError
from takt.ingest.reader import read_table
from takt.ingest.specs import SPECS, FileSpec
from takt.ingest.validate import (
    ROW,
    Problems,
    add_row_numbers,
    check_unique,
    parse_frame,
    resolve_columns,
)
from takt.services import loaders_documents as docs
from takt.services import loaders_master as master
from takt.services.import_support import ImportOptions, ImportResult
from takt.store.db import require_current, transaction
from takt.store.models import (
    ImportRunRow,
)


def import_file(
    engine: Engine,
    kind: str,
    path: str | Path,
    *,
    encoding: str = "utf-8",
    sheet: str | None = None,
    options: ImportOptions | None = None,
) -> ImportResult:
    """Validate and load one file of ``kind`` (see :data:`takt.ingest.specs.SPECS`)."""
    spec = _spec(kind)
    raw = read_table(path, encoding=encoding, sheet=sheet)
    return _import(engine, spec, raw.frame, raw.file, raw.first_row, raw.sha256, options)


def import_frame(
    engine: Engine,
    kind: str,
    frame: pl.DataFrame,
    *,
    source: str = "(frame)",
    options: ImportOptions | None = None,
) -> ImportResult:
    """Load a Polars frame in the file format of ``kind`` (rows numbered from 1)."""
    spec = _spec(kind)
    if frame.height == 0:
        raise ImportValidationError([InputProblem(source, None, None, "no data rows")])
    digest = hashlib.sha256(frame.write_ipc(None).getvalue()).hexdigest()
    return _import(engine, spec, frame, source, 1, digest, options)


def _spec(kind: str) -> FileSpec:
    try:
        return SPECS[kind]
    except KeyError:
        raise InvalidInputError(
            f"unknown import kind {kind!r}; choose one of: {', '.join(SPECS)}"
        ) from None


def _import(
    engine: Engine,
    spec: FileSpec,
    frame: pl.DataFrame,
    file: str,
    first_row: int,
    sha256: str,
    options: ImportOptions | None,
) -> ImportResult:
    options = options or ImportOptions()
    require_current(engine)
    problems = Problems(file, cap=get_settings().import_error_cap)
    numbered = add_row_numbers(frame, first_row)
    renamed, ignored = resolve_columns(numbered.drop(ROW), spec, problems, options.mapping)
    problems.raise_if_any()
    parsed = parse_frame(renamed.with_columns(numbered[ROW]), spec, problems)
    parsed = _ROW_CHECKS.get(spec.kind, _no_checks)(parsed, problems, options)
    check_unique(parsed, spec.key, problems)
    problems.raise_if_any()

    result = ImportResult(spec.kind, file, parsed.height, ignored_columns=ignored)
    loader = _LOADERS[spec.kind]
    try:
        with transaction(engine) as session:
            loader(session, parsed, problems, result, options)
            problems.raise_if_any()
            session.add(
                ImportRunRow(
                    kind=spec.kind,
                    file=file[-1000:],
                    sha256=sha256,
                    rows=result.rows,
                    inserted=result.inserted,
                    updated=result.updated,
                    unchanged=result.unchanged,
                )
            )
    except IntegrityError as exc:
        # A constraint the checks above did not foresee (e.g. a concurrent writer).
        detail = str(exc.orig).splitlines()[0] if exc.orig else str(exc)
        raise ImportValidationError(
            [InputProblem(file, None, None, f"rejected by the database: {detail}")]
        ) from exc
    if result.inserted + result.updated >= ANALYZE_AFTER_ROWS:
        refresh_statistics(engine, spec.kind)
    return result


# A load this large changes the tables enough for the query planner to need fresh
# statistics at once (PostgreSQL's autovacuum gets to it only later): after a 2-million
# line PO import its stale estimates made single-item lookups scan whole tables.
ANALYZE_AFTER_ROWS = 10_000
_TABLES = {
    "items": ("items",),
    "suppliers": ("suppliers",),
    "offers": ("offers",),
    "agreements": ("blanket_agreements", "agreement_lines"),
    "inventory": ("inventory_balances",),
    "signals": ("demand_signals", "demand_buckets"),
    "demand-series": ("demand_buckets",),
    "purchase-orders": ("purchase_orders", "purchase_order_lines", "po_events"),
    "receipts": ("receipts",),
    "risk-events": ("risk_events",),
}


def refresh_statistics(engine: Engine, kind: str) -> None:
    """ANALYZE the tables an import of ``kind`` wrote (PostgreSQL; SQLite plans well
    enough without and has no autovacuum lag to cover)."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in _TABLES.get(kind, ()):
            conn.execute(text(f"ANALYZE {table}"))


# --------------------------------------------------------------------------- row checks


def _no_checks(frame: pl.DataFrame, _p: Problems, _o: ImportOptions) -> pl.DataFrame:
    return frame


def _check_agreements(frame: pl.DataFrame, problems: Problems, _o: ImportOptions) -> pl.DataFrame:
    bad = frame.filter(pl.col("end_date") < pl.col("start_date"))
    problems.add_rows(bad, "end_date", lambda r: f"ends before it starts ({r['start_date']})")
    _check_header_consistency(
        frame,
        "agreement",
        ("supplier", "start_date", "end_date", "currency", "committed_value"),
        problems,
    )
    return frame


def _check_purchase_orders(
    frame: pl.DataFrame, problems: Problems, _o: ImportOptions
) -> pl.DataFrame:
    _check_header_consistency(
        frame, "po", ("supplier", "order_date", "status", "agreement", "currency"), problems
    )
    return frame


def _check_receipts(frame: pl.DataFrame, problems: Problems, _o: ImportOptions) -> pl.DataFrame:
    over = frame.filter(pl.col("qty_rejected") > pl.col("qty_received"))
    problems.add_rows(
        over, "qty_rejected", lambda r: f"{r['qty_rejected']:g} rejected of {r['qty_received']:g}"
    )
    derived = (
        pl.when(pl.col("qty_rejected") <= 0)
        .then(pl.lit(InspectionResult.ACCEPTED.value))
        .when(pl.col("qty_rejected") >= pl.col("qty_received"))
        .then(pl.lit(InspectionResult.REJECTED.value))
        .otherwise(pl.lit(InspectionResult.PARTIAL.value))
    )
    frame = frame.with_columns(derived.alias("__derived"))
    given = pl.col("inspection")
    inconsistent = frame.filter(
        given.is_not_null()
        & (given != InspectionResult.PENDING.value)
        & (given != pl.col("__derived"))
    )
    problems.add_rows(
        inconsistent,
        "inspection",
        lambda r: (
            f"'{r['inspection']}' does not match {r['qty_rejected']:g} rejected "
            f"of {r['qty_received']:g} received (expected '{r['__derived']}')"
        ),
    )
    return frame.with_columns(given.fill_null(pl.col("__derived"))).drop("__derived")


def _check_risk_events(frame: pl.DataFrame, problems: Problems, _o: ImportOptions) -> pl.DataFrame:
    bad = frame.filter(pl.col("supplier").is_null() & pl.col("region").is_null())
    problems.add_rows(bad, "supplier", lambda _r: "give a supplier, a region or both")
    return frame


def _check_demand_series(frame: pl.DataFrame, _p: Problems, options: ImportOptions) -> pl.DataFrame:
    every = {Grain.DAY: "1d", Grain.WEEK: "1w", Grain.MONTH: "1mo"}[options.grain]
    return frame.with_columns(pl.col("period").dt.truncate(every))


def _check_header_consistency(
    frame: pl.DataFrame, group: str, columns: Sequence[str], problems: Problems
) -> None:
    """Rows of one document (agreement, PO) must repeat the same header values."""
    ordered = (
        frame.sort(ROW)
        .group_by(group, maintain_order=True)
        .agg(
            *[pl.col(c).first().alias(f"__h_{c}") for c in columns],
            pl.col(ROW).first().alias("__first"),
        )
    )
    joined = frame.join(ordered, on=group, how="left")
    for c in columns:
        differs = joined.filter(~pl.col(c).eq_missing(pl.col(f"__h_{c}")))
        problems.add_rows(differs, c, _header_message(c, group))


def _header_message(column: str, group: str) -> Callable[[dict[str, object]], str]:
    def message(r: dict[str, object]) -> str:
        return (
            f"{r[column]!r} differs from {r[f'__h_{column}']!r} in row {r['__first']} "
            f"of the same {group} {r[group]!r}"
        )

    return message


_ROW_CHECKS: dict[str, Callable[[pl.DataFrame, Problems, ImportOptions], pl.DataFrame]] = {
    "agreements": _check_agreements,
    "purchase-orders": _check_purchase_orders,
    "receipts": _check_receipts,
    "risk-events": _check_risk_events,
    "demand-series": _check_demand_series,
}


Loader = Callable[[Session, pl.DataFrame, Problems, ImportResult, ImportOptions], None]
_LOADERS: dict[str, Loader] = {
    "items": master.load_items,
    "suppliers": master.load_suppliers,
    "offers": master.load_offers,
    "agreements": master.load_agreements,
    "inventory": master.load_inventory,
    "risk-events": master.load_risk_events,
    "signals": docs.load_signals,
    "demand-series": docs.load_demand_series,
    "purchase-orders": docs.load_purchase_orders,
    "receipts": docs.load_receipts,
}

__all__ = ["ImportOptions", "ImportResult", "import_file", "import_frame"]
