"""Loaders for transactional documents: signals, demand series, purchase orders, receipts.

These are the idempotent ones: a signal key, PO number or receipt number already
stored with the same content is skipped; with different content it is an error
(a key must never be reused for another event).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import polars as pl
from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from takt.domain.enums import Criticality, Grain, Lifecycle
from takt.ingest.validate import ROW, Problems
from takt.services.import_support import (
    IN_BATCH,
    ImportOptions,
    ImportResult,
    attach_items,
    attach_suppliers,
    chunks,
    insert_frame,
    insert_rows,
    item_table,
    money,
    same,
    to_records,
    utc,
)
from takt.store.models import (
    AgreementRow,
    DemandBucketRow,
    ItemRow,
    PurchaseOrderEventRow,
    PurchaseOrderLineRow,
    PurchaseOrderRow,
    ReceiptRow,
    SignalRow,
)

# --------------------------------------------------------------------------- signals


def derive_signal_keys(frame: pl.DataFrame) -> pl.Series:
    """Deterministic keys for rows without one: a hash of the row's content and how many
    identical rows came before it in the file, so a re-import maps to the same keys."""
    content = ["sku", "location", "timestamp", "qty", "source"]
    occurrence = frame.select(pl.int_range(pl.len()).over(content).alias("n"))["n"]
    keys = []
    for sku, loc, ts, qty, src, n in zip(
        *(frame[c].to_list() for c in content), occurrence.to_list(), strict=True
    ):
        text = f"{sku}|{loc}|{ts.isoformat()}|{qty!r}|{src}|{n}"
        keys.append("auto:" + hashlib.sha1(text.encode()).hexdigest()[:32])
    return pl.Series("key", keys, dtype=pl.Utf8)


def load_signals(
    session: Session, f: pl.DataFrame, p: Problems, r: ImportResult, _o: ImportOptions
) -> None:
    if f["key"].null_count():
        f = f.with_columns(pl.coalesce(pl.col("key"), derive_signal_keys(f)).alias("key"))
    f = attach_items(session, f, p)
    if p.total:
        return
    existing: dict[str, tuple[int, datetime, float, str]] = {}
    for part in chunks(f["key"].to_list(), IN_BATCH):
        query = select(
            SignalRow.key, SignalRow.item_id, SignalRow.at, SignalRow.qty, SignalRow.source
        ).where(SignalRow.key.in_(part))
        for key, item_id, at, qty, source in session.execute(query):
            existing[key] = (item_id, at, qty, str(source.value))
    if existing:
        stored = f.filter(pl.col("key").is_in(list(existing)))
        for rec in stored.iter_rows(named=True):
            old = existing[rec["key"]]
            new = (rec["item_id"], rec["timestamp"], rec["qty"], rec["source"])
            if not all(same(a, b) for a, b in zip(old, new, strict=True)):
                p.add(
                    rec[ROW],
                    "key",
                    f"key {rec['key']!r} is already stored for a different "
                    f"signal ({old[2]:g} at {utc(old[1]).isoformat()}); keys must not be reused",
                )
        if p.total:
            return
        r.unchanged += stored.height
        f = f.filter(~pl.col("key").is_in(list(existing)))
    insert_frame(
        session,
        SignalRow,
        f,
        {"key": "key", "item_id": "item_id", "at": "timestamp", "qty": "qty", "source": "source"},
    )
    r.inserted += f.height
    daily = (
        f.group_by("item_id", pl.col("timestamp").dt.date().alias("period_start"))
        .agg(pl.col("qty").sum())
        .with_columns(pl.lit(Grain.DAY.value).alias("grain"))
    )
    add_to_buckets(session, daily.to_dicts())
    if f.height:
        r.notes.append(f"{daily.height} daily demand bucket(s) updated")


def _upsert_statement(session: Session, table: Table, *, add: bool) -> Any:
    """INSERT ... ON CONFLICT on the bucket key, adding to or replacing the quantity."""
    dialect = session.get_bind().dialect.name
    stmt = (postgresql if dialect == "postgresql" else sqlite).insert(table)
    qty = table.c.qty + stmt.excluded.qty if add else stmt.excluded.qty
    return stmt.on_conflict_do_update(
        index_elements=["item_id", "grain", "period_start"], set_={"qty": qty}
    )


def add_to_buckets(session: Session, rows: list[dict[str, Any]]) -> None:
    """Add quantities to demand buckets (creating them), in the caller's transaction."""
    table = DemandBucketRow.__table__
    assert isinstance(table, Table)
    for part in chunks(rows, 10_000):
        session.execute(_upsert_statement(session, table, add=True), list(part))


# --------------------------------------------------------------------------- demand series


def load_demand_series(
    session: Session, f: pl.DataFrame, p: Problems, r: ImportResult, o: ImportOptions
) -> None:
    if o.create_items:
        known = item_table(session)
        new = (
            f.select("sku", "location")
            .unique(maintain_order=True)
            .join(known, on=["sku", "location"], how="anti")
        )
        if new.height:
            insert_rows(
                session,
                ItemRow,
                new.with_columns(
                    pl.lit("").alias("description"),
                    pl.lit("EA").alias("uom"),
                    pl.lit(0.0).alias("unit_cost"),
                    pl.lit(o.new_item_category.value).alias("category"),
                    pl.lit(Criticality.NORMAL.value).alias("criticality"),
                    pl.lit(Lifecycle.ACTIVE.value).alias("lifecycle"),
                ).to_dicts(),
            )
            r.notes.append(f"{new.height} new item(s) created ({o.new_item_category.value})")
    f = attach_items(session, f, p)
    if p.total:
        return
    grain = o.grain.value
    existing: dict[tuple[int, Any], float] = {}
    item_ids = f["item_id"].unique().to_list()
    for part in chunks(item_ids, IN_BATCH):
        query = select(
            DemandBucketRow.item_id, DemandBucketRow.period_start, DemandBucketRow.qty
        ).where(DemandBucketRow.grain == o.grain, DemandBucketRow.item_id.in_(part))
        for item_id, period, qty in session.execute(query):
            existing[(item_id, period)] = qty
    rows = f.select(
        "item_id", pl.col("period").alias("period_start"), "qty", pl.lit(grain).alias("grain")
    ).to_dicts()
    changed = []
    for row in rows:
        old = existing.get((row["item_id"], row["period_start"]))
        if old is None:
            r.inserted += 1
            changed.append(row)
        elif same(old, row["qty"]):
            r.unchanged += 1
        else:
            r.updated += 1
            changed.append(row)
    table = DemandBucketRow.__table__
    assert isinstance(table, Table)
    for part in chunks(changed, 10_000):
        session.execute(_upsert_statement(session, table, add=False), list(part))


# --------------------------------------------------------------------------- purchase orders


def load_purchase_orders(
    session: Session, f: pl.DataFrame, p: Problems, r: ImportResult, o: ImportOptions
) -> None:
    f = attach_suppliers(session, attach_items(session, f, p), p)
    agreements = pl.DataFrame(
        session.execute(
            select(AgreementRow.number, AgreementRow.id, AgreementRow.supplier_id)
        ).all(),
        schema={"agreement": pl.Utf8, "agreement_id": pl.Int64, "agreement_supplier": pl.Int64},
        orient="row",
    )
    f = f.join(agreements, on="agreement", how="left")
    p.add_rows(
        f.filter(pl.col("agreement").is_not_null() & pl.col("agreement_id").is_null()),
        "agreement",
        lambda x: f"unknown blanket agreement {x['agreement']!r}",
    )
    p.add_rows(
        f.filter(
            pl.col("agreement_id").is_not_null()
            & (pl.col("agreement_supplier") != pl.col("supplier_id"))
        ),
        "agreement",
        lambda x: (
            f"agreement {x['agreement']!r} belongs to another supplier than {x['supplier']!r}"
        ),
    )
    if p.total:
        return
    numbers = f["po"].unique().to_list()
    stored: dict[str, dict[int, tuple[int, float, Any]]] = {}
    for part in chunks(numbers, IN_BATCH):
        query = (
            select(
                PurchaseOrderRow.number,
                PurchaseOrderLineRow.line_no,
                PurchaseOrderLineRow.item_id,
                PurchaseOrderLineRow.qty,
                PurchaseOrderLineRow.unit_price,
            )
            .join(PurchaseOrderLineRow, PurchaseOrderLineRow.po_id == PurchaseOrderRow.id)
            .where(PurchaseOrderRow.number.in_(part))
        )
        for number, line_no, item_id, qty, price in session.execute(query):
            stored.setdefault(number, {})[line_no] = (item_id, qty, price)
    if stored:
        old_rows = f.filter(pl.col("po").is_in(list(stored)))
        for rec in old_rows.iter_rows(named=True):
            line = stored[rec["po"]].get(rec["line"])
            if line is None or not (
                line[0] == rec["item_id"]
                and same(line[1], rec["qty"])
                and same(line[2], rec["unit_price"])
            ):
                p.add(
                    rec[ROW],
                    "po",
                    f"PO {rec['po']!r} is already stored with other content; "
                    "change stored POs through their lifecycle, not by re-import",
                )
        if p.total:
            return
        r.unchanged += old_rows.height
        f = f.filter(~pl.col("po").is_in(list(stored)))
    if f.height == 0:
        return
    now = datetime.now(UTC)
    headers = f.sort(ROW).unique("po", keep="first", maintain_order=True)
    insert_rows(
        session,
        PurchaseOrderRow,
        to_records(
            headers,
            {
                "number": "po",
                "supplier_id": "supplier_id",
                "agreement_id": "agreement_id",
                "status": "status",
                "order_date": "order_date",
                "currency": "currency",
            },
        ),
    )
    ids: dict[str, int] = {}
    for part in chunks(headers["po"].to_list(), IN_BATCH):
        id_query = select(PurchaseOrderRow.number, PurchaseOrderRow.id).where(
            PurchaseOrderRow.number.in_(part)
        )
        ids.update((number, po_id) for number, po_id in session.execute(id_query))
    f = f.with_columns(pl.col("po").replace_strict(ids, return_dtype=pl.Int64).alias("po_id"))
    insert_rows(
        session,
        PurchaseOrderLineRow,
        to_records(
            money(f, "unit_price"),
            {
                "po_id": "po_id",
                "line_no": "line",
                "item_id": "item_id",
                "qty": "qty",
                "unit_price": "unit_price",
                "need_date": "need_date",
                "promised_date": "promised_date",
            },
        ),
    )
    events = [
        {
            "po_id": ids[h["po"]],
            "line_id": None,
            "at": now,
            "actor": o.actor,
            "action": "imported",
            "from_status": None,
            "to_status": h["status"],
            "detail": {"file": r.file, "row": h[ROW]},
        }
        for h in headers.iter_rows(named=True)
    ]
    insert_rows(session, PurchaseOrderEventRow, events)
    r.inserted += f.height
    r.notes.append(f"{headers.height} purchase order(s) created")


# --------------------------------------------------------------------------- receipts


def load_receipts(
    session: Session, f: pl.DataFrame, p: Problems, r: ImportResult, _o: ImportOptions
) -> None:
    found: list[Any] = []
    # In batches: PostgreSQL takes at most 65,535 parameters in one statement.
    for part in chunks(f["po"].unique().to_list(), IN_BATCH):
        found.extend(
            session.execute(
                select(
                    PurchaseOrderRow.number, PurchaseOrderLineRow.line_no, PurchaseOrderLineRow.id
                )
                .join(PurchaseOrderLineRow, PurchaseOrderLineRow.po_id == PurchaseOrderRow.id)
                .where(PurchaseOrderRow.number.in_(list(part)))
            ).all()
        )
    lines = pl.DataFrame(
        found, schema={"po": pl.Utf8, "line": pl.Int64, "po_line_id": pl.Int64}, orient="row"
    )
    f = f.join(lines, on=["po", "line"], how="left")
    p.add_rows(
        f.filter(pl.col("po_line_id").is_null()),
        "line",
        lambda x: f"unknown PO line {x['po']!r} line {x['line']} (import purchase orders first)",
    )
    if p.total:
        return
    stored: dict[str, tuple[int, float, float]] = {}
    for part in chunks(f["receipt"].to_list(), IN_BATCH):
        query = select(
            ReceiptRow.number,
            ReceiptRow.po_line_id,
            ReceiptRow.qty_received,
            ReceiptRow.qty_rejected,
        ).where(ReceiptRow.number.in_(part))
        for number, line_id, received, rejected in session.execute(query):
            stored[number] = (line_id, received, rejected)
    if stored:
        old_rows = f.filter(pl.col("receipt").is_in(list(stored)))
        for rec in old_rows.iter_rows(named=True):
            old = stored[rec["receipt"]]
            new = (rec["po_line_id"], rec["qty_received"], rec["qty_rejected"])
            if not all(same(a, b) for a, b in zip(old, new, strict=True)):
                p.add(
                    rec[ROW],
                    "receipt",
                    f"receipt {rec['receipt']!r} is already stored with other content",
                )
        if p.total:
            return
        r.unchanged += old_rows.height
        f = f.filter(~pl.col("receipt").is_in(list(stored)))
    insert_rows(
        session,
        ReceiptRow,
        to_records(
            f,
            {
                "number": "receipt",
                "po_line_id": "po_line_id",
                "received_on": "received_on",
                "qty_received": "qty_received",
                "qty_rejected": "qty_rejected",
                "inspection": "inspection",
                "note": "note",
            },
        ),
    )
    r.inserted += f.height
