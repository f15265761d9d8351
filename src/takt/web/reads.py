"""The reads the pages need beyond :mod:`takt.services.browse`, each a few indexed
queries returning plain values: the dashboard's figures, the approval queue a page at a
time, one item's projected position, a supplier's measured lead times, the risk events
in force and a supplier's own open orders.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import polars as pl
from sqlalchemy import Engine, func, select

from takt.errors import TaktError
from takt.services import replenish_data as data
from takt.services.browse import Page
from takt.services.policy import _item_id
from takt.services.replenish import PROPOSAL_COLUMNS, _proposal_query
from takt.store.db import transaction
from takt.store.models import (
    InventoryRow,
    ItemRow,
    PlanRunRow,
    ProposalRow,
    PurchaseOrderLineRow,
    PurchaseOrderRow,
    ReceiptRow,
    RiskEventRow,
    SupplierRow,
)

MAX_PAGE = 200


def utc_today() -> date:
    return datetime.now(UTC).date()


def stock_value(engine: Engine) -> dict[str, float]:
    """Working capital in stock: Σ on hand × unit cost, with the items and units."""
    with transaction(engine) as session:
        value, units, items = session.execute(
            select(
                func.coalesce(func.sum(InventoryRow.on_hand * ItemRow.unit_cost), 0),
                func.coalesce(func.sum(InventoryRow.on_hand), 0.0),
                func.count(InventoryRow.item_id),
            ).join(ItemRow, ItemRow.id == InventoryRow.item_id)
        ).one()
    return {"value": float(value), "units": float(units), "items": float(items)}


def dashboard(engine: Engine) -> dict[str, Any]:
    """The dashboard's figures: working capital in stock, service from the latest
    simulation run, exposure from the risk report, and today's proposals."""
    from takt.services.risk import risk_report

    simulation = latest_simulation(engine)
    service = None
    if simulation is not None:
        baseline = simulation["summary"].get("baseline") or {}
        scenario = simulation["summary"].get("scenario") or {}
        service = {
            "run": simulation["id"],
            "fill_rate": (baseline.get("overall") or {}).get("fill_rate"),
            "scenario": scenario.get("scenario"),
            "scenario_fill_rate": (scenario.get("overall") or {}).get("fill_rate"),
        }
    exposure: dict[str, Any]
    try:
        report = risk_report(engine)
    except TaktError as exc:  # e.g. a store with no item yet: say so, show the rest
        exposure = {"error": str(exc)}
    else:
        exposed = report.items.filter(pl.col("exposed").fill_null(False))
        exposure = {
            "items": report.items.height,
            "exposed": exposed.height,
            "hit": int(exposed["hit"].fill_null(False).sum()) if exposed.height else 0,
            "actions": report.actions.height,
        }
    today = utc_today()
    return {
        "stock": stock_value(engine),
        "service": service,
        "exposure": exposure,
        "counts": proposals_on(engine, today),
        "queue": proposals_page(engine, limit=1).total,
        "today": today,
    }


def proposals_on(engine: Engine, day: date) -> list[dict[str, Any]]:
    """Proposals created on ``day`` (UTC), counted by decision and status."""
    start = datetime.combine(day, time())
    P = ProposalRow
    with transaction(engine) as session:
        rows = session.execute(
            select(P.decision, P.status, func.count())
            .where(P.created_at >= start, P.created_at < start + timedelta(days=1))
            .group_by(P.decision, P.status)
            .order_by(P.decision, P.status)
        ).all()
    return [{"decision": d or "none", "status": s, "count": int(n)} for d, s, n in rows]


def proposals_page(
    engine: Engine,
    *,
    status: str | None = "open",
    ids: list[int] | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page:
    """Proposals (oldest first, as a queue is worked) one page at a time: only the
    page's rows are read, with their count."""
    limit, offset = max(1, min(limit, MAX_PAGE)), max(0, offset)
    query = _proposal_query()
    if status is not None:
        query = query.where(ProposalRow.status == status)
    if ids is not None:
        query = query.where(ProposalRow.id.in_(ids))
    with transaction(engine) as session:
        total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        frame = data.frame(session, query.limit(limit).offset(offset), PROPOSAL_COLUMNS)
    return Page(frame.to_dicts(), int(total), limit, offset)


def open_proposals(engine: Engine) -> pl.DataFrame:
    """The whole open queue, for the CSV export."""
    with transaction(engine) as session:
        query = _proposal_query().where(ProposalRow.status == "open")
        return data.frame(session, query, PROPOSAL_COLUMNS)


def projected_position(
    engine: Engine, item: str, *, demand_per_day: float, start: date, days: int = 28
) -> dict[str, Any]:
    """Net stock (on hand − backorders − allocated) day by day from ``start``: open PO
    lines arrive on their expected date (overdue ones on the first day), demand takes
    ``demand_per_day``. ``position`` is the end-of-day level, ``arrivals`` what came."""
    item_id = _item_id(engine, item)
    with transaction(engine) as session:
        stock = session.execute(
            select(InventoryRow.on_hand, InventoryRow.backordered, InventoryRow.allocated).where(
                InventoryRow.item_id == item_id
            )
        ).first()
        lines = data.open_lines(session, [item_id])
        codes = data.frame(
            session,
            select(SupplierRow.id, SupplierRow.code),
            {"supplier_id": pl.Int64, "s": pl.Utf8},
        )
    on_hand, backordered, allocated = (float(v) for v in stock) if stock else (0.0, 0.0, 0.0)
    lines = lines.join(codes, on="supplier_id", how="left").sort("due_date", "po", "line_no")
    dates = [start + timedelta(days=d) for d in range(days + 1)]
    arrivals = [0.0] * len(dates)
    for due, qty in zip(lines["due_date"], lines["open_qty"], strict=True):
        index = 0 if due is None or due <= start else (due - start).days
        if index < len(dates):
            arrivals[index] += float(qty)
    level, position = on_hand - backordered - allocated, []
    for day, arriving in enumerate(arrivals):
        level += arriving - (demand_per_day if day > 0 else 0.0)
        position.append(round(level, 3))
    return {
        "on_hand": on_hand,
        "backordered": backordered,
        "allocated": allocated,
        "on_order": float(lines["open_qty"].sum()) if lines.height else 0.0,
        "demand_per_day": demand_per_day,
        "dates": dates,
        "position": position,
        "arrivals": arrivals,
        "lines": [
            {
                "po": r["po"],
                "line_no": r["line_no"],
                "supplier": r["s"],
                "status": r["status"],
                "due_date": r["due_date"],
                "open_qty": r["open_qty"],
                "overdue": r["due_date"] is not None and r["due_date"] < start,
            }
            for r in lines.iter_rows(named=True)
        ],
    }


def received_lead_times(engine: Engine, code: str, *, limit: int = 5000) -> list[float]:
    """Measured lead times (days from order to receipt) of a supplier's latest receipts."""
    P, L, R = PurchaseOrderRow, PurchaseOrderLineRow, ReceiptRow
    with transaction(engine) as session:
        rows = session.execute(
            select(R.received_on, P.order_date)
            .join(L, L.id == R.po_line_id)
            .join(P, P.id == L.po_id)
            .join(SupplierRow, SupplierRow.id == P.supplier_id)
            .where(SupplierRow.code == code)
            .order_by(R.id.desc())
            .limit(limit)
        ).all()
    return [float((received - ordered).days) for received, ordered in rows]


def active_events(engine: Engine, day: date, *, lookback_days: int = 730) -> list[dict[str, Any]]:
    """Risk events in force on ``day`` (started, not yet over), most severe first."""
    E = RiskEventRow
    with transaction(engine) as session:
        rows = session.execute(
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
            .where(E.start_date <= day, E.start_date > day - timedelta(days=lookback_days))
            .order_by(E.start_date.desc(), E.key)
        ).all()
    order = {"critical": 0, "high": 1, "medium": 2, "low": 3}
    events = []
    for key, kind, severity, start, duration, supplier, region, description in rows:
        end = start + timedelta(days=int(duration or 0))
        if end > day:
            events.append(
                {
                    "key": key,
                    "type": getattr(kind, "value", kind),
                    "severity": getattr(severity, "value", severity),
                    "start": start,
                    "end": end,
                    "supplier": supplier,
                    "region": region,
                    "description": description,
                }
            )
    return sorted(events, key=lambda e: order.get(str(e["severity"]), 9))


def latest_simulation(engine: Engine) -> dict[str, Any] | None:
    """The latest simulation run that finished: id, dates, parameters and summary."""
    R = PlanRunRow
    with transaction(engine) as session:
        run = session.execute(
            select(R)
            .where(R.kind == "simulation", R.status == "succeeded")
            .order_by(R.id.desc())
            .limit(1)
        ).scalar()
        if run is None:
            return None
        return {
            "id": run.id,
            "as_of": run.as_of,
            "finished_at": run.finished_at,
            "parameters": dict(run.parameters or {}),
            "summary": dict(run.summary or {}),
        }


def portal_orders(engine: Engine, supplier_id: int, *, limit: int = 20, offset: int = 0) -> Page:
    """A supplier's own open orders (sent, not fully received), newest first, each with
    its lines. What a supplier may see is :mod:`takt.services.portal`'s rule, scoped by
    the signed-in account's supplier, never by a parameter."""
    from takt.services import portal

    orders = portal.purchase_orders(
        engine, supplier_id=supplier_id, status="open", limit=min(limit, MAX_PAGE), offset=offset
    )
    for order in orders.items:
        found = portal.purchase_order(engine, supplier_id=supplier_id, number=order["po"])
        order["lines"] = [line for line in found["lines"] if not line["cancelled"]]
    return orders
