"""Read the store back as frames in the import file formats (``takt.ingest.specs``).

The engines take these frames, the scale-out engine reads them from Parquet, and a
round trip (import -> extract -> import) changes nothing.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from sqlalchemy import Engine, Select, select
from sqlalchemy.orm import aliased

from takt.domain.weekdays import format_weekdays
from takt.store.models import (
    AgreementRow,
    ItemRow,
    OfferRow,
    PurchaseOrderLineRow,
    PurchaseOrderRow,
    ReceiptRow,
    RiskEventRow,
    SupplierRow,
)


def _frame(engine: Engine, query: Select[*tuple[Any, ...]], schema: dict[str, Any]) -> pl.DataFrame:
    with engine.connect() as conn:
        rows = [tuple(getattr(v, "value", v) for v in r) for r in conn.execute(query)]
    return pl.DataFrame(rows, schema=schema, orient="row")


def purchase_orders(engine: Engine) -> pl.DataFrame:
    """One row per PO line (cancelled lines carry status 'cancelled')."""
    agreement = aliased(AgreementRow)
    query = (
        select(
            PurchaseOrderRow.number,
            SupplierRow.code,
            PurchaseOrderLineRow.line_no,
            ItemRow.sku,
            ItemRow.location,
            PurchaseOrderLineRow.qty,
            PurchaseOrderLineRow.unit_price,
            PurchaseOrderRow.order_date,
            PurchaseOrderLineRow.need_date,
            PurchaseOrderLineRow.promised_date,
            PurchaseOrderRow.status,
            PurchaseOrderLineRow.cancelled,
            agreement.number,
            PurchaseOrderRow.currency,
        )
        .join(PurchaseOrderLineRow, PurchaseOrderLineRow.po_id == PurchaseOrderRow.id)
        .join(SupplierRow, SupplierRow.id == PurchaseOrderRow.supplier_id)
        .join(ItemRow, ItemRow.id == PurchaseOrderLineRow.item_id)
        .outerjoin(agreement, agreement.id == PurchaseOrderRow.agreement_id)
        .order_by(PurchaseOrderRow.number, PurchaseOrderLineRow.line_no)
    )
    frame = _frame(
        engine,
        query,
        {
            "po": pl.Utf8,
            "supplier": pl.Utf8,
            "line": pl.Int64,
            "sku": pl.Utf8,
            "location": pl.Utf8,
            "qty": pl.Float64,
            "unit_price": pl.Float64,
            "order_date": pl.Date,
            "need_date": pl.Date,
            "promised_date": pl.Date,
            "status": pl.Utf8,
            "cancelled": pl.Boolean,
            "agreement": pl.Utf8,
            "currency": pl.Utf8,
        },
    )
    return frame.with_columns(
        pl.when(pl.col("cancelled"))
        .then(pl.lit("cancelled"))
        .otherwise(pl.col("status"))
        .alias("status")
    ).drop("cancelled")


def receipts(engine: Engine) -> pl.DataFrame:
    query = (
        select(
            ReceiptRow.number,
            PurchaseOrderRow.number,
            PurchaseOrderLineRow.line_no,
            ReceiptRow.received_on,
            ReceiptRow.qty_received,
            ReceiptRow.qty_rejected,
            ReceiptRow.inspection,
            ReceiptRow.note,
        )
        .join(PurchaseOrderLineRow, PurchaseOrderLineRow.id == ReceiptRow.po_line_id)
        .join(PurchaseOrderRow, PurchaseOrderRow.id == PurchaseOrderLineRow.po_id)
        .order_by(ReceiptRow.number)
    )
    return _frame(
        engine,
        query,
        {
            "receipt": pl.Utf8,
            "po": pl.Utf8,
            "line": pl.Int64,
            "received_on": pl.Date,
            "qty_received": pl.Float64,
            "qty_rejected": pl.Float64,
            "inspection": pl.Utf8,
            "note": pl.Utf8,
        },
    )


def offers(engine: Engine) -> pl.DataFrame:
    query = (
        select(
            SupplierRow.code,
            ItemRow.sku,
            ItemRow.location,
            OfferRow.quoted_lead_time_days,
            OfferRow.unit_price,
            OfferRow.moq,
            OfferRow.pack_multiple,
            OfferRow.role,
            OfferRow.allocation_share,
            OfferRow.delivery_weekdays,
            OfferRow.price_breaks,
        )
        .join(SupplierRow, SupplierRow.id == OfferRow.supplier_id)
        .join(ItemRow, ItemRow.id == OfferRow.item_id)
        .order_by(SupplierRow.code, ItemRow.sku, ItemRow.location)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    base = [tuple(getattr(v, "value", v) for v in r[:9]) for r in rows]
    frame = pl.DataFrame(
        base,
        schema={
            "supplier": pl.Utf8,
            "sku": pl.Utf8,
            "location": pl.Utf8,
            "lead_time_days": pl.Int64,
            "unit_price": pl.Float64,
            "moq": pl.Float64,
            "pack_multiple": pl.Float64,
            "role": pl.Utf8,
            "allocation_share": pl.Float64,
        },
        orient="row",
    )
    weekdays = [format_weekdays(r[9]) for r in rows]
    breaks = [";".join(f"{b['min_qty']:g}:{b['unit_price']}" for b in r[10] or []) for r in rows]
    return frame.with_columns(
        pl.Series("delivery_weekdays", weekdays, dtype=pl.Utf8),
        pl.Series("price_breaks", breaks, dtype=pl.Utf8),
    )


def suppliers(engine: Engine) -> pl.DataFrame:
    query = select(
        SupplierRow.code,
        SupplierRow.name,
        SupplierRow.country,
        SupplierRow.region,
        SupplierRow.edi_preference,
    ).order_by(SupplierRow.code)
    return _frame(
        engine,
        query,
        {
            "supplier": pl.Utf8,
            "name": pl.Utf8,
            "country": pl.Utf8,
            "region": pl.Utf8,
            "edi_preference": pl.Utf8,
        },
    )


def risk_events(engine: Engine) -> pl.DataFrame:
    query = (
        select(
            RiskEventRow.key,
            RiskEventRow.type,
            RiskEventRow.severity,
            RiskEventRow.start_date,
            RiskEventRow.expected_duration_days,
            SupplierRow.code,
            RiskEventRow.region,
            RiskEventRow.description,
        )
        .outerjoin(SupplierRow, SupplierRow.id == RiskEventRow.supplier_id)
        .order_by(RiskEventRow.key)
    )
    return _frame(
        engine,
        query,
        {
            "event": pl.Utf8,
            "type": pl.Utf8,
            "severity": pl.Utf8,
            "start_date": pl.Date,
            "expected_duration_days": pl.Int64,
            "supplier": pl.Utf8,
            "region": pl.Utf8,
            "description": pl.Utf8,
        },
    )
