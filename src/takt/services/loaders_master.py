"""Loaders for master data: items, suppliers, offers, agreements, inventory, risk events."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from takt.ingest.validate import ROW, Problems
from takt.services.import_support import (
    IN_BATCH,
    ImportResult,
    attach_items,
    attach_suppliers,
    chunks,
    money,
    to_records,
    upsert,
)
from takt.store.models import (
    AgreementLineRow,
    AgreementRow,
    InventoryRow,
    ItemRow,
    OfferRow,
    RiskEventRow,
    SupplierRow,
)


def load_items(session: Session, f: pl.DataFrame, p: Problems, r: ImportResult, _o: Any) -> None:
    records = to_records(
        money(f, "unit_cost"),
        {
            c: c
            for c in (
                "sku",
                "location",
                "description",
                "uom",
                "unit_cost",
                "category",
                "criticality",
                "lifecycle",
            )
        },
    )
    upsert(session, ItemRow, records, ("sku", "location"), r)


def load_suppliers(
    session: Session, f: pl.DataFrame, p: Problems, r: ImportResult, _o: Any
) -> None:
    f = f.with_columns(pl.col("country").str.to_uppercase())
    bad = f.filter(~pl.col("country").str.contains(r"^[A-Z]{2}$"))
    p.add_rows(bad, "country", lambda x: f"not a two-letter ISO country code: {x['country']!r}")
    cols = (
        "name",
        "country",
        "region",
        "edi_preference",
        "contact_name",
        "contact_email",
        "contact_phone",
    )
    upsert(
        session,
        SupplierRow,
        to_records(f, {"code": "supplier", **{c: c for c in cols}}),
        ("code",),
        r,
    )


def load_offers(session: Session, f: pl.DataFrame, p: Problems, r: ImportResult, _o: Any) -> None:
    f = attach_suppliers(session, attach_items(session, f, p), p)
    if p.total:
        return
    price_breaks = [
        [
            {"min_qty": float(q), "unit_price": price}
            for q, price in (part.split(":") for part in (text or "").split(";") if part)
        ]
        for text in f["price_breaks"].to_list()
    ]
    records = to_records(
        money(f, "unit_price"),
        {
            "supplier_id": "supplier_id",
            "item_id": "item_id",
            "quoted_lead_time_days": "lead_time_days",
            "unit_price": "unit_price",
            "moq": "moq",
            "pack_multiple": "pack_multiple",
            "role": "role",
            "allocation_share": "allocation_share",
            "delivery_weekdays": "delivery_weekdays",
        },
    )
    for rec, breaks in zip(records, price_breaks, strict=True):
        rec["price_breaks"] = breaks
    upsert(session, OfferRow, records, ("supplier_id", "item_id"), r)


def load_agreements(
    session: Session, f: pl.DataFrame, p: Problems, r: ImportResult, _o: Any
) -> None:
    f = attach_suppliers(session, attach_items(session, f, p), p)
    if p.total:
        return
    headers = f.sort(ROW).unique("agreement", keep="first", maintain_order=True)
    header_result = ImportResult("agreements", r.file, headers.height)
    upsert(
        session,
        AgreementRow,
        to_records(
            money(headers, "committed_value"),
            {
                "number": "agreement",
                "supplier_id": "supplier_id",
                "start_date": "start_date",
                "end_date": "end_date",
                "currency": "currency",
                "committed_value": "committed_value",
            },
        ),
        ("number",),
        header_result,
    )
    ids: dict[str, int] = {}
    for part in chunks(headers["agreement"].to_list(), IN_BATCH):
        ids.update(
            session.execute(
                select(AgreementRow.number, AgreementRow.id).where(
                    AgreementRow.number.in_(list(part))
                )
            ).all()
        )
    f = f.with_columns(pl.col("agreement").replace_strict(ids, return_dtype=pl.Int64).alias("aid"))
    upsert(
        session,
        AgreementLineRow,
        to_records(
            money(f, "unit_price"),
            {
                "agreement_id": "aid",
                "item_id": "item_id",
                "committed_qty": "committed_qty",
                "unit_price": "unit_price",
                "released_qty": "released_qty",
            },
        ),
        ("agreement_id", "item_id"),
        r,
    )
    r.notes.append(
        f"{headers.height} agreement(s): {header_result.inserted} new, "
        f"{header_result.updated} updated"
    )


def load_inventory(
    session: Session, f: pl.DataFrame, p: Problems, r: ImportResult, _o: Any
) -> None:
    f = attach_items(session, f, p)
    if p.total:
        return
    now = datetime.now(UTC)
    f = f.with_columns(pl.col("as_of").fill_null(now))
    records = to_records(
        f,
        {
            "item_id": "item_id",
            "on_hand": "on_hand",
            "allocated": "allocated",
            "backordered": "backordered",
            "as_of": "as_of",
        },
    )
    upsert(session, InventoryRow, records, ("item_id",), r)


def load_risk_events(
    session: Session, f: pl.DataFrame, p: Problems, r: ImportResult, _o: Any
) -> None:
    f = attach_suppliers(session, f, p, optional=True)
    if p.total:
        return
    records = to_records(
        f,
        {
            "key": "event",
            "supplier_id": "supplier_id",
            "region": "region",
            "type": "type",
            "severity": "severity",
            "start_date": "start_date",
            "expected_duration_days": "expected_duration_days",
            "description": "description",
        },
    )
    upsert(session, RiskEventRow, records, ("key",), r)
