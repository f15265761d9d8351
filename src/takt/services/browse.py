"""Paged, searchable reads of the store for the API and the web pages.

Every listing is one indexed query with ``LIMIT``/``OFFSET`` and a ``COUNT``, so it stays
fast on 100,000 items; search is a case-insensitive substring match on the natural keys
and names. Rows come back as plain dicts of JSON-friendly values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, func, or_, select

from takt.errors import NotFoundError
from takt.services.policy import _item_id
from takt.store.db import transaction
from takt.store.models import (
    AgreementLineRow,
    AgreementRow,
    DemandBucketRow,
    ForecastAccuracyRow,
    ForecastRow,
    InventoryRow,
    ItemClassificationRow,
    ItemPolicyRow,
    ItemRow,
    LeadTimeStatRow,
    OfferRow,
    PlanRunRow,
    RiskEventRow,
    SupplierRow,
    SupplierScorecardRow,
    SupplierTrendRow,
)

MAX_LIMIT = 500
TREND_FIELDS = ("period_start", "lines", "otif_pct", "defect_rate", "lead_time_mean")


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int


def _page(engine: Engine, query: Any, names: list[str], limit: int, offset: int) -> Page:
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    with transaction(engine) as session:
        total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = session.execute(query.limit(limit).offset(offset)).all()
    return Page([dict(zip(names, _plain(r), strict=True)) for r in rows], total, limit, offset)


def _plain(row: Any) -> list[Any]:
    out = []
    for v in row:
        if hasattr(v, "value") and not isinstance(v, int | float | str):
            v = v.value  # enums
        elif v.__class__.__name__ == "Decimal":
            v = float(v)
        out.append(v)
    return out


def _like(search: str | None, *columns: Any) -> Any:
    if not search:
        return None
    pattern = f"%{search.lower()}%"
    return or_(*(func.lower(c).like(pattern) for c in columns))


def items_page(
    engine: Engine, *, search: str | None = None, limit: int = 50, offset: int = 0
) -> Page:
    I = ItemRow  # noqa: E741
    query = (
        select(
            I.sku,
            I.location,
            I.description,
            I.category,
            I.criticality,
            I.unit_cost,
            func.coalesce(InventoryRow.on_hand, 0.0),
        )
        .outerjoin(InventoryRow, InventoryRow.item_id == I.id)
        .order_by(I.sku, I.location)
    )
    where = _like(search, I.sku, I.description)
    if where is not None:
        query = query.where(where)
    names = ["sku", "location", "description", "category", "criticality", "unit_cost", "on_hand"]
    page = _page(engine, query, names, limit, offset)
    for row in page.items:
        row["item"] = f"{row['sku']}@{row['location']}"
    return page


def suppliers_page(
    engine: Engine, *, search: str | None = None, limit: int = 50, offset: int = 0
) -> Page:
    S = SupplierRow
    query = select(S.code, S.name, S.country, S.region, S.edi_preference, S.blocked).order_by(
        S.code
    )
    where = _like(search, S.code, S.name)
    if where is not None:
        query = query.where(where)
    names = ["code", "name", "country", "region", "edi_preference", "blocked"]
    return _page(engine, query, names, limit, offset)


def offers_page(
    engine: Engine,
    *,
    supplier: str | None = None,
    search: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page:
    O = OfferRow  # noqa: E741
    query = (
        select(
            SupplierRow.code,
            ItemRow.sku,
            ItemRow.location,
            O.role,
            O.quoted_lead_time_days,
            O.unit_price,
            O.moq,
            O.pack_multiple,
            O.allocation_share,
        )
        .join(SupplierRow, SupplierRow.id == O.supplier_id)
        .join(ItemRow, ItemRow.id == O.item_id)
        .order_by(SupplierRow.code, ItemRow.sku, ItemRow.location)
    )
    if supplier:
        query = query.where(SupplierRow.code == supplier)
    where = _like(search, ItemRow.sku)
    if where is not None:
        query = query.where(where)
    names = [
        "supplier", "sku", "location", "role", "lead_time_days", "unit_price", "moq",
        "pack_multiple", "share",
    ]  # fmt: skip
    return _page(engine, query, names, limit, offset)


def agreements_page(engine: Engine, *, limit: int = 50, offset: int = 0) -> Page:
    A = AgreementRow
    query = (
        select(
            A.number,
            SupplierRow.code,
            A.start_date,
            A.end_date,
            A.currency,
            func.count(AgreementLineRow.id),
            func.coalesce(func.sum(AgreementLineRow.committed_qty), 0.0),
            func.coalesce(func.sum(AgreementLineRow.released_qty), 0.0),
        )
        .join(SupplierRow, SupplierRow.id == A.supplier_id)
        .outerjoin(AgreementLineRow, AgreementLineRow.agreement_id == A.id)
        .group_by(A.id, A.number, SupplierRow.code, A.start_date, A.end_date, A.currency)
        .order_by(A.number)
    )
    names = [
        "number", "supplier", "start", "end", "currency", "lines", "committed_qty",
        "released_qty",
    ]  # fmt: skip
    return _page(engine, query, names, limit, offset)


def inventory_page(
    engine: Engine, *, search: str | None = None, limit: int = 50, offset: int = 0
) -> Page:
    V = InventoryRow
    query = (
        select(ItemRow.sku, ItemRow.location, V.on_hand, V.allocated, V.backordered, V.as_of)
        .join(ItemRow, ItemRow.id == V.item_id)
        .order_by(ItemRow.sku, ItemRow.location)
    )
    where = _like(search, ItemRow.sku)
    if where is not None:
        query = query.where(where)
    names = ["sku", "location", "on_hand", "allocated", "backordered", "as_of"]
    return _page(engine, query, names, limit, offset)


def runs_page(engine: Engine, *, kind: str | None = None, limit: int = 50, offset: int = 0) -> Page:
    R = PlanRunRow
    query = select(
        R.id, R.kind, R.status, R.as_of, R.started_at, R.finished_at, R.summary, R.error
    ).order_by(R.id.desc())
    if kind:
        query = query.where(R.kind == kind)
    names = ["id", "kind", "status", "as_of", "started_at", "finished_at", "summary", "error"]
    return _page(engine, query, names, limit, offset)


def risk_events_page(engine: Engine, *, limit: int = 50, offset: int = 0) -> Page:
    E = RiskEventRow
    query = (
        select(
            E.key,
            E.type,
            E.severity,
            E.start_date,
            E.expected_duration_days,
            SupplierRow.code,
            E.region,
            E.description,
        )
        .outerjoin(SupplierRow, SupplierRow.id == E.supplier_id)
        .order_by(E.start_date.desc(), E.key)
    )
    names = [
        "key", "type", "severity", "start", "expected_duration_days", "supplier", "region",
        "description",
    ]  # fmt: skip
    return _page(engine, query, names, limit, offset)


def _latest(session: Any, kind: str) -> int | None:
    found: int | None = session.execute(
        select(func.max(PlanRunRow.id)).where(
            PlanRunRow.kind == kind, PlanRunRow.status == "succeeded"
        )
    ).scalar()
    return found


def item_detail(engine: Engine, item: str, *, history_days: int = 365) -> dict[str, Any]:
    """One item: master data, stock, classification, policy with its reason, forecast with
    its accuracy, and its daily demand of the last ``history_days`` days."""
    item_id = _item_id(engine, item)
    with transaction(engine) as session:
        row = session.get(ItemRow, item_id)
        if row is None:  # pragma: no cover - _item_id found it
            raise NotFoundError(item)
        stock = session.execute(
            select(InventoryRow.on_hand, InventoryRow.allocated, InventoryRow.backordered).where(
                InventoryRow.item_id == item_id
            )
        ).first()
        forecast_run = _latest(session, "forecast")
        policy_run = _latest(session, "policy")
        cls = session.execute(
            select(
                ItemClassificationRow.pattern,
                ItemClassificationRow.abc,
                ItemClassificationRow.xyz,
                ItemClassificationRow.adi,
                ItemClassificationRow.cv2,
            ).where(
                ItemClassificationRow.run_id == (forecast_run or -1),
                ItemClassificationRow.item_id == item_id,
            )
        ).first()
        policy = session.execute(
            select(ItemPolicyRow).where(
                ItemPolicyRow.run_id == (policy_run or -1), ItemPolicyRow.item_id == item_id
            )
        ).scalar()
        forecast = session.execute(
            select(ForecastRow.period_start, ForecastRow.qty)
            .where(ForecastRow.run_id == (forecast_run or -1), ForecastRow.item_id == item_id)
            .order_by(ForecastRow.period_start)
        ).all()
        accuracy = session.execute(
            select(
                ForecastAccuracyRow.model,
                ForecastAccuracyRow.rmsse,
                ForecastAccuracyRow.bias,
                ForecastAccuracyRow.ltd_error,
            ).where(
                ForecastAccuracyRow.run_id == (forecast_run or -1),
                ForecastAccuracyRow.item_id == item_id,
            )
        ).first()
        last = session.execute(
            select(func.max(DemandBucketRow.period_start)).where(
                DemandBucketRow.item_id == item_id, DemandBucketRow.grain == "day"
            )
        ).scalar()
        history: list[Any] = []
        if last is not None:
            history = list(
                session.execute(
                    select(DemandBucketRow.period_start, DemandBucketRow.qty)
                    .where(
                        DemandBucketRow.item_id == item_id,
                        DemandBucketRow.grain == "day",
                        DemandBucketRow.period_start > last - timedelta(days=history_days),
                    )
                    .order_by(DemandBucketRow.period_start)
                ).all()
            )
        policy_fields = (
            "strategy", "logic", "reason", "service_target", "method", "safety_stock",
            "reorder_point", "order_up_to", "order_qty", "kanban_count", "container_qty",
            "contingency_reserve", "days_of_cover", "demand_per_day", "lead_time_days",
        )  # fmt: skip
        return {
            "item": f"{row.sku}@{row.location}",
            "sku": row.sku,
            "location": row.location,
            "description": row.description,
            "category": row.category.value,
            "criticality": row.criticality.value,
            "unit_cost": float(row.unit_cost),
            "on_hand": stock[0] if stock else 0.0,
            "allocated": stock[1] if stock else 0.0,
            "backordered": stock[2] if stock else 0.0,
            "classification": dict(zip(("pattern", "abc", "xyz", "adi", "cv2"), cls, strict=True))
            if cls
            else None,
            "policy": {f: getattr(policy, f) for f in policy_fields} if policy else None,
            "forecast": [{"period": p, "qty": q} for p, q in forecast],
            "accuracy": dict(zip(("model", "rmsse", "bias", "ltd_error"), accuracy, strict=True))
            if accuracy
            else None,
            "history": [{"day": d, "qty": q} for d, q in history],
        }


def supplier_detail(engine: Engine, code: str) -> dict[str, Any]:
    """One supplier: master data, latest scorecard, its trend and lead-time statistics."""
    with transaction(engine) as session:
        s = session.execute(select(SupplierRow).where(SupplierRow.code == code)).scalar()
        if s is None:
            raise NotFoundError(f"no supplier {code!r}")
        run = _latest(session, "suppliers")
        card = session.execute(
            select(SupplierScorecardRow).where(
                SupplierScorecardRow.run_id == (run or -1), SupplierScorecardRow.supplier_id == s.id
            )
        ).scalar()
        trend = session.execute(
            select(
                SupplierTrendRow.period_start,
                SupplierTrendRow.lines,
                SupplierTrendRow.otif_pct,
                SupplierTrendRow.defect_rate,
                SupplierTrendRow.lead_time_mean,
            )
            .where(SupplierTrendRow.run_id == (run or -1), SupplierTrendRow.supplier_id == s.id)
            .order_by(SupplierTrendRow.period_start)
        ).all()
        lead = session.execute(
            select(
                ItemRow.sku,
                ItemRow.location,
                LeadTimeStatRow.n,
                LeadTimeStatRow.mean,
                LeadTimeStatRow.std,
                LeadTimeStatRow.q50,
                LeadTimeStatRow.q95,
            )
            .join(ItemRow, ItemRow.id == LeadTimeStatRow.item_id)
            .where(LeadTimeStatRow.run_id == (run or -1), LeadTimeStatRow.supplier_id == s.id)
            .order_by(ItemRow.sku)
        ).all()
        card_fields = [c.name for c in SupplierScorecardRow.__table__.columns]
        return {
            "code": s.code,
            "name": s.name,
            "country": s.country,
            "region": s.region,
            "edi_preference": s.edi_preference.value,
            "scorecard": {f: _plain([getattr(card, f)])[0] for f in card_fields} if card else None,
            "trend": [dict(zip(TREND_FIELDS, t, strict=True)) for t in trend],
            "lead_times": [
                dict(zip(("sku", "location", "n", "mean", "sd", "q50", "q95"), r, strict=True))
                for r in lead
            ],
        }
