"""Risk monitoring over the store: exposure (time-to-survive against time-to-recover) for
every item and supplier, one recommended action per exposed item, leading indicators
from the supplier scorecard trend, and temporary buffer uplifts.

The computation is :mod:`takt.signals.risk` (pure); this module reads its inputs: demand
per day from the last 365 days of daily buckets (else the policy's), stock on hand, the
open PO lines, offers with the measured lead times of the latest supplier run (else the
quoted ones) and the risk events.

A buffer uplift (``takt risk uplift``) raises one item's safety stock, reorder point and
order-up-to level by a number of units for a number of days: the plan run and the pull
trigger add it while it is in force (:func:`takt.services.replenish_data.with_uplifts`),
and it lapses by itself on its end date: nobody has to remember to take it back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from takt.errors import InvalidInputError, NotFoundError
from takt.services import replenish_data as data
from takt.services.policy import _item_id
from takt.signals.risk import exposure, leading_indicators, recommend, supplier_exposure
from takt.store.db import transaction
from takt.store.models import (
    BufferUpliftRow,
    DemandBucketRow,
    InventoryRow,
    ItemPolicyRow,
    ItemRow,
    LeadTimeStatRow,
    OfferRow,
    RiskEventRow,
    SupplierRow,
    SupplierTrendRow,
)


@dataclass(frozen=True)
class RiskReport:
    as_of: date
    items: pl.DataFrame  # exposure per item (signals.risk.exposure)
    suppliers: pl.DataFrame  # per supplier (signals.risk.supplier_exposure)
    actions: pl.DataFrame  # one recommended action per exposed item
    alerts: pl.DataFrame  # leading indicators from the scorecard trend


@dataclass(frozen=True)
class Uplift:
    id: int
    item: str
    qty: float
    start: date
    end: date
    reason: str
    risk_event: str | None


def add_uplift(
    engine: Engine,
    item: str,
    *,
    qty: float,
    days: int,
    start: date | None = None,
    reason: str = "",
    risk_event: str | None = None,
    actor: str = "cli",
) -> Uplift:
    """Raise ``item``'s buffer by ``qty`` units for ``days`` days from ``start`` (today)."""
    if not qty > 0:
        raise InvalidInputError(f"uplift qty must be > 0 (got {qty!r})")
    if days < 1:
        raise InvalidInputError(f"uplift days must be at least 1 (got {days!r})")
    start = start or datetime.now(UTC).date()
    item_id = _item_id(engine, item)
    with transaction(engine) as session:
        event_id = None
        if risk_event is not None:
            event_id = session.execute(
                select(RiskEventRow.id).where(RiskEventRow.key == risk_event)
            ).scalar()
            if event_id is None:
                raise NotFoundError(f"no risk event {risk_event!r}")
        row = BufferUpliftRow(
            item_id=item_id,
            qty=float(qty),
            start_date=start,
            end_date=start + timedelta(days=days),
            reason=reason,
            risk_event_id=event_id,
            created_by=actor,
        )
        session.add(row)
        session.flush()
        return Uplift(row.id, item, row.qty, row.start_date, row.end_date, reason, risk_event)


def list_uplifts(engine: Engine, *, active_on: date | None = None) -> list[dict[str, Any]]:
    """Uplifts, newest first; only those in force on ``active_on`` when given."""
    U = BufferUpliftRow
    query = (
        select(U, ItemRow.sku, ItemRow.location, RiskEventRow.key)
        .join(ItemRow, ItemRow.id == U.item_id)
        .outerjoin(RiskEventRow, RiskEventRow.id == U.risk_event_id)
        .order_by(U.id.desc())
    )
    if active_on is not None:
        query = query.where(U.start_date <= active_on, U.end_date > active_on)
    with transaction(engine) as session:
        return [
            {
                "id": u.id,
                "item": f"{sku}@{location}",
                "qty": u.qty,
                "start": u.start_date,
                "until": u.end_date,
                "reason": u.reason,
                "risk_event": key,
                "by": u.created_by,
            }
            for u, sku, location, key in session.execute(query).all()
        ]


def end_uplift(engine: Engine, uplift_id: int, *, on: date | None = None) -> None:
    """End an uplift early (from ``on``, default today)."""
    on = on or datetime.now(UTC).date()
    with transaction(engine) as session:
        row = session.get(BufferUpliftRow, uplift_id)
        if row is None:
            raise NotFoundError(f"no buffer uplift {uplift_id}")
        if on <= row.start_date:
            session.delete(row)
        elif on < row.end_date:
            row.end_date = on


def _items_frame(session: Session, as_of: date) -> pl.DataFrame:
    I = ItemRow  # noqa: E741
    items = data.frame(
        session,
        select(I.id, I.sku, I.location, I.criticality, I.unit_cost),
        {
            "item_id": pl.Int64,
            "sku": pl.Utf8,
            "location": pl.Utf8,
            "criticality": pl.Utf8,
            "unit_cost": pl.Float64,
        },
    )
    daily = data.frame(
        session,
        select(
            DemandBucketRow.item_id,
            func.sum(DemandBucketRow.qty),
            func.sum(DemandBucketRow.qty * DemandBucketRow.qty),
        )
        .where(
            DemandBucketRow.grain == "day",
            DemandBucketRow.period_start >= as_of - timedelta(days=365),
            DemandBucketRow.period_start < as_of,
        )
        .group_by(DemandBucketRow.item_id),
        {"item_id": pl.Int64, "total": pl.Float64, "squares": pl.Float64},
    ).with_columns((pl.col("total") / 365).alias("d_mean"))
    daily = daily.with_columns(
        (pl.col("squares") / 365 - pl.col("d_mean") ** 2).clip(lower_bound=0).sqrt().alias("d_sd")
    )
    policy_run = data.latest_run(session, "policy")
    policy = data.frame(
        session,
        select(ItemPolicyRow.item_id, ItemPolicyRow.demand_per_day).where(
            ItemPolicyRow.run_id == (policy_run or -1)
        ),
        {"item_id": pl.Int64, "policy_mean": pl.Float64},
    )
    stock = data.frame(
        session,
        select(InventoryRow.item_id, InventoryRow.on_hand - InventoryRow.backordered),
        {"item_id": pl.Int64, "on_hand": pl.Float64},
    )
    coming = data.open_lines(session).group_by("item_id").agg(pl.col("open_qty").sum())
    return (
        items.join(daily, on="item_id", how="left")
        .join(policy, on="item_id", how="left")
        .join(stock, on="item_id", how="left")
        .join(coming, on="item_id", how="left")
        .select(
            "item_id",
            (pl.col("sku") + "@" + pl.col("location")).alias("item"),
            pl.coalesce("d_mean", "policy_mean", pl.lit(0.0)).alias("demand_mean"),
            pl.coalesce("d_sd", pl.col("policy_mean").sqrt(), pl.lit(0.0)).alias("demand_sd"),
            pl.col("on_hand").fill_null(0.0),
            pl.col("open_qty").fill_null(0.0).alias("on_order"),
            "criticality",
            "unit_cost",
        )
    )


def _supply_frame(session: Session) -> pl.DataFrame:
    offers = data.frame(
        session,
        select(
            OfferRow.item_id,
            OfferRow.supplier_id,
            ItemRow.sku,
            ItemRow.location,
            SupplierRow.code,
            SupplierRow.region,
            OfferRow.role,
            OfferRow.allocation_share,
            OfferRow.quoted_lead_time_days,
        )
        .join(ItemRow, ItemRow.id == OfferRow.item_id)
        .join(SupplierRow, SupplierRow.id == OfferRow.supplier_id),
        {
            "item_id": pl.Int64,
            "supplier_id": pl.Int64,
            "sku": pl.Utf8,
            "location": pl.Utf8,
            "supplier": pl.Utf8,
            "region": pl.Utf8,
            "role": pl.Utf8,
            "share": pl.Float64,
            "quoted": pl.Float64,
        },
    )
    run = data.latest_run(session, "suppliers")
    measured = data.frame(
        session,
        select(
            LeadTimeStatRow.item_id,
            LeadTimeStatRow.supplier_id,
            LeadTimeStatRow.mean,
            LeadTimeStatRow.q95,
        ).where(LeadTimeStatRow.run_id == (run or -1)),
        {"item_id": pl.Int64, "supplier_id": pl.Int64, "lt_mean": pl.Float64, "lt_q95": pl.Float64},
    )
    return offers.join(measured, on=["item_id", "supplier_id"], how="left").select(
        (pl.col("sku") + "@" + pl.col("location")).alias("item"),
        "supplier",
        "region",
        "role",
        "share",
        pl.coalesce("lt_mean", "quoted").alias("lead_time_days"),
        pl.coalesce("lt_q95", "quoted").alias("lead_time_q95_days"),
    )


def _events_frame(session: Session) -> pl.DataFrame:
    E = RiskEventRow
    return data.frame(
        session,
        select(
            E.key,
            E.type,
            E.severity,
            E.start_date,
            E.expected_duration_days,
            SupplierRow.code,
            E.region,
        ).outerjoin(SupplierRow, SupplierRow.id == E.supplier_id),
        {
            "key": pl.Utf8,
            "type": pl.Utf8,
            "severity": pl.Utf8,
            "start": pl.Date,
            "expected_duration_days": pl.Int64,
            "supplier": pl.Utf8,
            "region": pl.Utf8,
        },
    )


def _trend_frame(session: Session) -> pl.DataFrame:
    T = SupplierTrendRow
    run = data.latest_run(session, "suppliers")
    return data.frame(
        session,
        select(
            SupplierRow.code,
            T.period_start,
            T.period_end,
            T.lines,
            T.otif_pct,
            T.defect_rate,
            T.lead_time_mean,
        )
        .join(SupplierRow, SupplierRow.id == T.supplier_id)
        .where(T.run_id == (run or -1)),
        {
            "supplier": pl.Utf8,
            "period_start": pl.Date,
            "period_end": pl.Date,
            "lines": pl.Int64,
            "otif_pct": pl.Float64,
            "defect_rate": pl.Float64,
            "lead_time_mean": pl.Float64,
        },
    )


def risk_report(
    engine: Engine,
    *,
    as_of: date | None = None,
    horizon_days: int = 30,
    latent: bool = False,
) -> RiskReport:
    """Exposure of every item and supplier on ``as_of`` (today), a recommended action for
    each exposed item (hit by an event; every exposed item with ``latent``) and the
    scorecard's leading indicators."""
    as_of = as_of or datetime.now(UTC).date()
    with transaction(engine) as session:
        items = _items_frame(session, as_of)
        supply = _supply_frame(session)
        events = _events_frame(session)
        lines = data.open_lines(session)
        trend = _trend_frame(session)
        names = data.frame(
            session,
            select(ItemRow.id, ItemRow.sku, ItemRow.location),
            {"item_id": pl.Int64, "sku": pl.Utf8, "location": pl.Utf8},
        )
        suppliers = data.frame(
            session,
            select(SupplierRow.id, SupplierRow.code),
            {"supplier_id": pl.Int64, "s": pl.Utf8},
        )
    items = items.drop("item_id")
    at_risk = exposure(items, supply, events, as_of=as_of, horizon_days=horizon_days)
    per_supplier = supplier_exposure(items, supply, events, as_of=as_of, horizon_days=horizon_days)
    open_lines = (
        lines.join(names, on="item_id", how="left")
        .join(suppliers, on="supplier_id", how="left")
        .select(
            pl.col("po").alias("po_number"),
            "line_no",
            (pl.col("sku") + "@" + pl.col("location")).alias("item"),
            pl.col("s").alias("supplier"),
            pl.col("open_qty").alias("qty_open"),
            "due_date",
        )
    )
    actions = recommend(at_risk, supply, open_lines, as_of=as_of, latent=latent)
    alerts = leading_indicators(trend) if trend.height else pl.DataFrame()
    return RiskReport(as_of, at_risk, per_supplier, actions, alerts)


def apply_uplifts(
    engine: Engine, actions: pl.DataFrame, *, as_of: date, actor: str = "cli"
) -> list[Uplift]:
    """Turn the ``raise_buffer`` (and line-stopper ``also_buffer``) recommendations into
    buffer uplifts from ``as_of``, linked to the first event behind each."""
    wanted = actions.filter(
        ((pl.col("action") == "raise_buffer") | pl.col("also_buffer").fill_null(False))
        & (pl.col("uplift_qty") > 0)
    )
    made = []
    for row in wanted.iter_rows(named=True):
        made.append(
            add_uplift(
                engine,
                row["item"],
                qty=float(row["uplift_qty"]),
                days=max(int(-(-row["uplift_days"] // 1)), 1),
                start=as_of,
                reason=row["reason"],
                actor=actor,
            )
        )
    return made


def add_risk_event(
    engine: Engine,
    *,
    key: str,
    type: str,
    severity: str,
    start: date,
    expected_duration_days: int,
    supplier: str | None = None,
    region: str | None = None,
    description: str = "",
) -> None:
    """Post a risk event on a supplier or a region (or both); its key is unique."""
    from takt.domain.enums import RiskType, Severity

    if supplier is None and region is None:
        raise InvalidInputError("a risk event names a supplier, a region or both")
    with transaction(engine) as session:
        if session.execute(select(RiskEventRow.id).where(RiskEventRow.key == key)).scalar():
            raise InvalidInputError(f"risk event {key!r} exists already")
        supplier_id = None
        if supplier is not None:
            supplier_id = session.execute(
                select(SupplierRow.id).where(SupplierRow.code == supplier)
            ).scalar()
            if supplier_id is None:
                raise NotFoundError(f"no supplier {supplier!r}")
        session.add(
            RiskEventRow(
                key=key,
                type=RiskType(type),
                severity=Severity(severity),
                start_date=start,
                expected_duration_days=expected_duration_days,
                supplier_id=supplier_id,
                region=region,
                description=description,
            )
        )
