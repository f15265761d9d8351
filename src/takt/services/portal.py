"""The supplier portal: what a supplier's own account may read and send.

A supplier sees its own items (those it has an offer for) with its offer terms, their
daily consumption, the latest forecast, their stock positions with the policy's reorder
point and order-up-to level (vendor-managed inventory), and its own purchase orders once
they were sent to it. It answers an order with an ``OrderResponse`` and announces a
shipment with a ``DespatchAdvice``: JSON documents whose field names are those of UBL
2.3, applied by :func:`takt.services.purchasing.acknowledge_in` and
:func:`~takt.services.purchasing.ship_in` in one transaction with the audit event
(actor ``portal:<supplier code>``).

Every function takes the supplier's id and scopes each query by it. Another supplier's
purchase order, or one not yet sent, is "not found" with the same words as one that does
not exist, so an answer never reveals that it exists; another supplier's item is unknown
the same way. On order, the position counts this supplier's orders only.

A document is applied once: its ``ID`` is kept in the audit event, and the same ``ID``
sent again by the same supplier with the same content changes nothing (a duplicate); with
other content it is refused (:class:`DocumentConflictError`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

import polars as pl
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import Engine, Select, and_, case, func, select
from sqlalchemy.orm import Session

from takt.domain.entities import DEFAULT_LOCATION
from takt.domain.enums import Grain, PurchaseOrderStatus
from takt.errors import InvalidInputError, NotFoundError
from takt.services.browse import MAX_LIMIT, Page, _like, _plain
from takt.services.dates import Day
from takt.services.purchasing import OVER_DELIVERY_TOLERANCE, acknowledge_in, ship_in
from takt.services.replenish_data import latest_run, open_lines, positions
from takt.store.db import transaction
from takt.store.models import (
    DemandBucketRow,
    ForecastRow,
    ItemPolicyRow,
    ItemRow,
    OfferRow,
    PlanRunRow,
    PurchaseOrderEventRow,
    PurchaseOrderLineRow,
    PurchaseOrderRow,
    ReceiptRow,
    SupplierRow,
)

# Orders the buyer has not sent yet may still change or disappear: the supplier does not
# see them, and they do not count as on order from it.
UNSENT = (PurchaseOrderStatus.DRAFT, PurchaseOrderStatus.APPROVED)
VISIBLE_STATUSES = [s for s in PurchaseOrderStatus if s not in UNSENT]
OPEN_STATUSES = [s for s in VISIBLE_STATUSES if s.is_open]
MAX_CONSUMPTION_DAYS = 730
MAX_DOCUMENT_LINES = 10_000
LINE_NUMBER = r"^[1-9][0-9]{0,8}$"
QTY_EPSILON = 1e-9


class DocumentConflictError(InvalidInputError):
    """A document ID the supplier used before, sent again with other content."""


# --------------------------------------------------------------------------- documents


class _Ubl(BaseModel):
    """UBL 2.3 names as aliases (the Python names also accepted); unknown fields refused."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Quantity(_Ubl):
    """``cbc:Quantity``: the amount and its UN/ECE Rec. 20 unit (the item's unit)."""

    value: float = Field(ge=0, le=1e12, allow_inf_nan=False)
    unit_code: str = Field(alias="unitCode", min_length=1, max_length=16)


class DeliveredQuantity(Quantity):
    value: float = Field(gt=0, le=1e12, allow_inf_nan=False)


class Period(_Ubl):
    end_date: Day = Field(alias="EndDate")


class OrderReference(_Ubl):
    id: str = Field(alias="ID", min_length=1, max_length=64, description="The PO number")


LineStatus = Literal["Accepted", "Modified", "Rejected"]


class ResponseDelivery(_Ubl):
    promised_delivery_period: Period | None = Field(default=None, alias="PromisedDeliveryPeriod")


class ResponseLineItem(_Ubl):
    id: str = Field(alias="ID", pattern=LINE_NUMBER, description="The PO line number")
    quantity: Quantity | None = Field(default=None, alias="Quantity")
    # UBL's own place for the code; OrderLine.LineStatusCode is accepted as well.
    line_status_code: LineStatus | None = Field(default=None, alias="LineStatusCode")
    delivery: ResponseDelivery | None = Field(default=None, alias="Delivery")


class ResponseOrderLine(_Ubl):
    line_item: ResponseLineItem = Field(alias="LineItem")
    line_status_code: LineStatus | None = Field(default=None, alias="LineStatusCode")
    note: str | None = Field(default=None, alias="Note", max_length=1000)

    @model_validator(mode="after")
    def _one_status(self) -> ResponseOrderLine:
        inner = self.line_item.line_status_code
        if self.line_status_code is None and inner is None:
            raise ValueError("LineStatusCode is required (Accepted, Modified or Rejected)")
        if None not in (self.line_status_code, inner) and self.line_status_code != inner:
            raise ValueError("LineStatusCode and LineItem.LineStatusCode disagree")
        return self

    @property
    def status(self) -> LineStatus:
        found = self.line_status_code or self.line_item.line_status_code
        assert found is not None  # the validator above
        return found

    @property
    def promised(self) -> date | None:
        delivery = self.line_item.delivery
        period = delivery.promised_delivery_period if delivery else None
        return period.end_date if period else None


class OrderResponse(_Ubl):
    """The supplier's answer to a purchase order (UBL ``OrderResponse``): per line
    Accepted (as ordered), Modified (its quantity and/or promised date) or Rejected
    (confirmed 0). Lines not named are confirmed as ordered."""

    id: str = Field(alias="ID", min_length=1, max_length=64)
    issue_date: Day = Field(alias="IssueDate")
    note: str | None = Field(default=None, alias="Note", max_length=1000)
    order_reference: OrderReference = Field(alias="OrderReference")
    order_line: list[ResponseOrderLine] = Field(
        default_factory=list, alias="OrderLine", max_length=MAX_DOCUMENT_LINES
    )


class ShipmentDelivery(_Ubl):
    estimated_delivery_period: Period = Field(alias="EstimatedDeliveryPeriod")


class Consignment(_Ubl):
    id: str | None = Field(default=None, alias="ID", min_length=1, max_length=64)
    carrier_assigned_id: str | None = Field(
        default=None, alias="CarrierAssignedID", min_length=1, max_length=100
    )


class Shipment(_Ubl):
    id: str = Field(alias="ID", min_length=1, max_length=64)
    delivery: ShipmentDelivery = Field(alias="Delivery")
    consignment: Consignment | None = Field(default=None, alias="Consignment")


class OrderLineReference(_Ubl):
    line_id: str = Field(alias="LineID", pattern=LINE_NUMBER, description="The PO line number")


class DespatchLine(_Ubl):
    id: str = Field(alias="ID", min_length=1, max_length=64)
    delivered_quantity: DeliveredQuantity = Field(alias="DeliveredQuantity")
    order_line_reference: OrderLineReference = Field(alias="OrderLineReference")


class DespatchAdvice(_Ubl):
    """A ship notice (UBL ``DespatchAdvice``): what left for which PO lines and when it
    is expected. Quantities add to what earlier notices shipped on the line."""

    id: str = Field(alias="ID", min_length=1, max_length=64)
    issue_date: Day = Field(alias="IssueDate")
    note: str | None = Field(default=None, alias="Note", max_length=1000)
    order_reference: OrderReference = Field(alias="OrderReference")
    shipment: Shipment = Field(alias="Shipment")
    despatch_line: list[DespatchLine] = Field(
        alias="DespatchLine", min_length=1, max_length=MAX_DOCUMENT_LINES
    )


@dataclass(frozen=True)
class DocumentResult:
    """A document applied (or recognised as a duplicate) and the PO's lines after it."""

    document: str
    po: str
    status: str
    duplicate: bool
    lines: list[dict[str, Any]]


# --------------------------------------------------------------------------- scoping


def _own_items(supplier_id: int, *columns: Any) -> Select[Any]:
    """Items the supplier has an offer for (with ``columns`` of the item or its offer)."""
    return (
        select(*columns)
        .select_from(ItemRow)
        .join(OfferRow, and_(OfferRow.item_id == ItemRow.id, OfferRow.supplier_id == supplier_id))
        .order_by(ItemRow.sku, ItemRow.location)
    )


def _narrow(query: Select[Any], item: str | None, search: str | None) -> Select[Any]:
    if item is not None:
        sku, _, location = item.partition("@")
        query = query.where(ItemRow.sku == sku, ItemRow.location == (location or DEFAULT_LOCATION))
    where = _like(search, ItemRow.sku, ItemRow.description)
    return query if where is None else query.where(where)


def _window(
    session: Session, query: Select[Any], limit: int, offset: int
) -> tuple[list[Any], int, int, int]:
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    return list(session.execute(query.limit(limit).offset(offset)).all()), total, limit, offset


def _item_page(
    session: Session,
    supplier_id: int,
    *,
    item: str | None,
    search: str | None,
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], int, int, int]:
    """One page of the supplier's items as ``{item_id, item, sku, location, uom}``; a
    named ``item`` that is not one of them is unknown."""
    query = _narrow(
        _own_items(supplier_id, ItemRow.id, ItemRow.sku, ItemRow.location, ItemRow.uom),
        item,
        search,
    )
    rows, total, limit, offset = _window(session, query, limit, offset)
    if item is not None and total == 0:
        raise NotFoundError(f"unknown item {item!r} (use SKU@LOCATION)")
    page = [
        {"item_id": i, "item": f"{sku}@{loc}", "sku": sku, "location": loc, "uom": uom}
        for i, sku, loc, uom in rows
    ]
    return page, total, limit, offset


def _own_order(
    session: Session, supplier_id: int, number: str, *, lock: bool = True
) -> PurchaseOrderRow:
    query = select(PurchaseOrderRow).where(
        PurchaseOrderRow.number == number,
        PurchaseOrderRow.supplier_id == supplier_id,
        PurchaseOrderRow.status.in_(VISIBLE_STATUSES),
    )
    po = session.execute(query.with_for_update() if lock else query).scalar()
    if po is None:  # the words of purchasing._order: whose it is stays unsaid
        raise NotFoundError(f"no purchase order {number}")
    return po


# --------------------------------------------------------------------------- reads


OFFER_TERMS = (
    "role", "allocation_share", "quoted_lead_time_days", "moq", "pack_multiple", "unit_price",
)  # fmt: skip


def own_items(
    engine: Engine,
    *,
    supplier_id: int,
    search: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page:
    """The supplier's items with its offer terms; ``search`` matches SKU or description."""
    O = OfferRow  # noqa: E741
    query = _narrow(
        _own_items(
            supplier_id,
            ItemRow.sku,
            ItemRow.location,
            ItemRow.description,
            ItemRow.uom,
            *[O.__table__.c[c] for c in OFFER_TERMS],
        ),
        None,
        search,
    )
    names = [
        "sku", "location", "description", "uom", "role", "share", "lead_time_days", "moq",
        "pack_multiple", "unit_price",
    ]  # fmt: skip
    with transaction(engine) as session:
        rows, total, limit, offset = _window(session, query, limit, offset)
    items = [dict(zip(names, _plain(r), strict=True)) for r in rows]
    for row in items:
        row["item"] = f"{row['sku']}@{row['location']}"
    return Page(items, total, limit, offset)


def consumption(
    engine: Engine,
    *,
    supplier_id: int,
    item: str | None = None,
    days: int = 90,
    until: date | None = None,
    search: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    """Daily consumption (demand buckets of grain day) of the supplier's items over the
    ``days`` days up to ``until`` (default: the latest day with consumption of any of
    them). Days without a bucket had none recorded."""
    if not 1 <= days <= MAX_CONSUMPTION_DAYS:
        raise InvalidInputError(f"days must be within 1 and {MAX_CONSUMPTION_DAYS}")
    B = DemandBucketRow
    with transaction(engine) as session:
        page, total, limit, offset = _item_page(
            session, supplier_id, item=item, search=search, limit=limit, offset=offset
        )
        if until is None:
            offered = and_(OfferRow.item_id == B.item_id, OfferRow.supplier_id == supplier_id)
            until = session.execute(
                select(func.max(B.period_start)).join(OfferRow, offered).where(B.grain == Grain.DAY)
            ).scalar()
        start = None if until is None else until - timedelta(days=days - 1)
        series: dict[int, list[dict[str, Any]]] = {row["item_id"]: [] for row in page}
        if until is not None and page:
            rows = session.execute(
                select(B.item_id, B.period_start, B.qty)
                .where(
                    B.item_id.in_(list(series)),
                    B.grain == Grain.DAY,
                    B.period_start >= start,
                    B.period_start <= until,
                )
                .order_by(B.item_id, B.period_start)
            ).all()
            for item_id, day, qty in rows:
                series[item_id].append({"day": day, "qty": float(qty)})
    for row in page:
        row["series"] = series[row.pop("item_id")]
        row["total"] = sum(point["qty"] for point in row["series"])
    return {
        "from": start,
        "until": until,
        "days": days,
        "items": page,
        "total": total,
        "limit": limit,
        "offset": offset,
    }


def forecasts(
    engine: Engine,
    *,
    supplier_id: int,
    item: str | None = None,
    search: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    """The latest successful forecast run's periods and quantities for the supplier's
    items (no run yet: ``run`` is null and every item has no periods)."""
    with transaction(engine) as session:
        page, total, limit, offset = _item_page(
            session, supplier_id, item=item, search=search, limit=limit, offset=offset
        )
        run_id = latest_run(session, "forecast")
        run = session.get(PlanRunRow, run_id) if run_id is not None else None
        periods: dict[int, list[dict[str, Any]]] = {row["item_id"]: [] for row in page}
        if run is not None and page:
            F = ForecastRow
            rows = session.execute(
                select(F.item_id, F.period_start, F.qty)
                .where(F.run_id == run.id, F.item_id.in_(list(periods)))
                .order_by(F.item_id, F.period_start)
            ).all()
            for item_id, period, qty in rows:
                periods[item_id].append({"period_start": period, "qty": qty})
        header = {
            "run": run_id,
            "as_of": run.as_of if run else None,
            "grain": (run.parameters or {}).get("grain") if run else None,
        }
    for row in page:
        row["periods"] = periods[row.pop("item_id")]
    return {**header, "items": page, "total": total, "limit": limit, "offset": offset}


POSITION_POLICY = ("logic", "reorder_point", "order_up_to")


def stock_positions(
    engine: Engine,
    *,
    supplier_id: int,
    item: str | None = None,
    search: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    """Per item of the supplier: on hand, backordered, allocated, what is on order from
    this supplier (open lines of its sent POs, not other suppliers'), net stock
    (on hand − backordered − allocated), position (net stock + that on order) and the
    latest policy run's logic, reorder point and order-up-to level: what a vendor
    managing the stock ships against."""
    with transaction(engine) as session:
        page, total, limit, offset = _item_page(
            session, supplier_id, item=item, search=search, limit=limit, offset=offset
        )
        ids = [row["item_id"] for row in page]
        policy_run = latest_run(session, "policy")
        by_item: dict[int, dict[str, Any]] = {}
        if ids:
            own = open_lines(session, ids).filter(
                (pl.col("supplier_id") == supplier_id)
                & pl.col("status").is_in([s.value for s in OPEN_STATUSES])
            )
            stock = positions(session, ids, lines=own).drop("proposed")
            by_item = {row.pop("item_id"): row for row in stock.to_dicts()}
            P = ItemPolicyRow
            for item_id, *values in session.execute(
                select(P.item_id, *[P.__table__.c[c] for c in POSITION_POLICY]).where(
                    P.run_id == (policy_run or -1), P.item_id.in_(ids)
                )
            ):
                by_item[item_id].update(zip(POSITION_POLICY, values, strict=True))
    for row in page:
        found = by_item.get(row.pop("item_id"), {})
        net = found.get("on_hand", 0.0) - found.get("backordered", 0.0)
        net -= found.get("allocated", 0.0)
        on_order = found.get("on_order", 0.0)
        row.update(
            {
                **{f: found.get(f, 0.0) for f in ("on_hand", "backordered", "allocated")},
                "on_order": on_order,
                "net_stock": net,
                "position": net + on_order,
                **{f: found.get(f) for f in POSITION_POLICY},
            }
        )
    return {
        "policy_run": policy_run,
        "items": page,
        "total": total,
        "limit": limit,
        "offset": offset,
    }


def purchase_orders(
    engine: Engine,
    *,
    supplier_id: int,
    status: str = "open",
    limit: int = 50,
    offset: int = 0,
) -> Page:
    """The supplier's purchase orders, newest first: ``open`` (sent … partially
    received), ``all`` or one status (never those not sent yet)."""
    if status == "open":
        statuses = OPEN_STATUSES
    elif status == "all":
        statuses = VISIBLE_STATUSES
    elif status in {s.value for s in VISIBLE_STATUSES}:
        statuses = [PurchaseOrderStatus(status)]
    else:
        allowed = ", ".join(["open", "all", *(s.value for s in VISIBLE_STATUSES)])
        raise InvalidInputError(f"status must be one of {allowed} (got {status!r})")
    P, L = PurchaseOrderRow, PurchaseOrderLineRow
    live = L.cancelled.is_(False)
    query = (
        select(
            P.number,
            P.status,
            P.order_date,
            P.currency,
            func.count(case((live, L.id))),
            func.coalesce(func.sum(case((live, L.qty * L.unit_price), else_=0)), 0),
            func.min(case((live, L.need_date))),
        )
        .outerjoin(L, L.po_id == P.id)
        .where(P.supplier_id == supplier_id, P.status.in_(statuses))
        .group_by(P.id, P.number, P.status, P.order_date, P.currency)
        .order_by(P.order_date.desc(), P.id.desc())
    )
    names = ["po", "status", "order_date", "currency", "lines", "value", "first_need_date"]
    with transaction(engine) as session:
        rows, total, limit, offset = _window(session, query, limit, offset)
    return Page([dict(zip(names, _plain(r), strict=True)) for r in rows], total, limit, offset)


# PO line columns shown as they are stored, and what a document's answer shows of a line.
LINE_COLUMNS = (
    "qty", "unit_price", "need_date", "confirmed_qty", "confirmed_date", "shipped_qty",
    "expected_date",
)  # fmt: skip
LINE_FIELDS = (
    "line", "sku", "location", "description", "uom", *LINE_COLUMNS, "received", "rejected",
    "cancelled",
)  # fmt: skip
ANSWER_FIELDS = ("qty", "confirmed_qty", "confirmed_date", "shipped_qty", "expected_date")


def _order_lines(session: Session, po: PurchaseOrderRow) -> list[dict[str, Any]]:
    L = PurchaseOrderLineRow
    received = (
        select(
            ReceiptRow.po_line_id.label("line_id"),
            func.sum(ReceiptRow.qty_received).label("received"),
            func.sum(ReceiptRow.qty_rejected).label("rejected"),
        )
        .join(L, L.id == ReceiptRow.po_line_id)
        .where(L.po_id == po.id)
        .group_by(ReceiptRow.po_line_id)
        .subquery()
    )
    rows = session.execute(
        select(
            L.line_no,
            ItemRow.sku,
            ItemRow.location,
            ItemRow.description,
            ItemRow.uom,
            *[L.__table__.c[c] for c in LINE_COLUMNS],
            func.coalesce(received.c.received, 0.0),
            func.coalesce(received.c.rejected, 0.0),
            L.cancelled,
        )
        .join(ItemRow, ItemRow.id == L.item_id)
        .outerjoin(received, received.c.line_id == L.id)
        .where(L.po_id == po.id)
        .order_by(L.line_no)
    ).all()
    lines = [dict(zip(LINE_FIELDS, _plain(r), strict=True)) for r in rows]
    for line in lines:
        line["item"] = f"{line['sku']}@{line['location']}"
    return lines


def purchase_order(engine: Engine, *, supplier_id: int, number: str) -> dict[str, Any]:
    """One of the supplier's purchase orders with its lines: what was ordered, confirmed,
    shipped and received."""
    with transaction(engine) as session:
        po = _own_order(session, supplier_id, number, lock=False)
        supplier = session.get(SupplierRow, supplier_id)
        assert supplier is not None  # a purchase order of it was found
        return {
            "po": po.number,
            "supplier": supplier.code,
            "supplier_name": supplier.name,
            "status": po.status.value,
            "order_date": po.order_date,
            "currency": po.currency,
            "lines": _order_lines(session, po),
        }


def _amount(value: float, currency: str) -> dict[str, Any]:
    return {"value": value, "currencyID": currency}


def as_ubl_order(order: dict[str, Any]) -> dict[str, Any]:
    """:func:`purchase_order` in UBL 2.3 ``Order`` names: the line ``ID`` is what an
    OrderResponse's ``LineItem.ID`` and a DespatchAdvice's ``OrderLineReference.LineID``
    name; a cancelled line carries ``LineStatusCode`` ``Cancelled``."""
    currency = order["currency"]
    lines = []
    for ln in order["lines"]:
        item: dict[str, Any] = {
            "ID": str(ln["line"]),
            "Quantity": {"value": ln["qty"], "unitCode": ln["uom"]},
            "LineExtensionAmount": _amount(ln["qty"] * ln["unit_price"], currency),
            "Price": {"PriceAmount": _amount(ln["unit_price"], currency)},
            "Delivery": {
                "RequestedDeliveryPeriod": {"EndDate": ln["need_date"]},
                "DeliveryLocation": {"ID": ln["location"]},
            },
            "Item": {
                "Description": ln["description"],
                "BuyersItemIdentification": {"ID": ln["sku"]},
            },
        }
        if ln["cancelled"]:
            item["LineStatusCode"] = "Cancelled"
        lines.append({"LineItem": item})
    return {
        "ID": order["po"],
        "IssueDate": order["order_date"],
        "DocumentCurrencyCode": currency,
        "SellerSupplierParty": {
            "Party": {
                "PartyIdentification": {"ID": order["supplier"]},
                "PartyName": {"Name": order["supplier_name"]},
            }
        },
        "OrderLine": lines,
    }


# --------------------------------------------------------------------------- documents in


def _fingerprint(document: BaseModel) -> str:
    return hashlib.sha256(document.model_dump_json(by_alias=True).encode()).hexdigest()


def _seen_before(
    session: Session,
    supplier_id: int,
    *,
    action: str,
    key: str,
    kind: str,
    document: OrderResponse | DespatchAdvice,
    number: str,
) -> bool:
    """True when this very document was applied before (its ID is in the ``key`` of an
    audit event of one of the supplier's POs); the same ID with other content is a
    conflict."""
    E = PurchaseOrderEventRow
    stored: Any = E.detail
    earlier = session.execute(
        select(PurchaseOrderRow.number, E.detail)
        .join(PurchaseOrderRow, PurchaseOrderRow.id == E.po_id)
        .where(
            PurchaseOrderRow.supplier_id == supplier_id,
            E.action == action,
            stored[key].as_string() == document.id,
        )
        .limit(1)
    ).first()
    if earlier is None:
        return False
    earlier_po, detail = earlier
    if earlier_po != number or detail.get("fingerprint") != _fingerprint(document):
        raise DocumentConflictError(
            f"ID: {kind} {document.id} was already applied to PO {earlier_po} with other "
            "content; send a new ID for a new document"
        )
    return True


def _result(
    session: Session, po: PurchaseOrderRow, document: str, *, duplicate: bool
) -> DocumentResult:
    session.flush()
    lines = [
        {"line": ln.line_no, **{f: getattr(ln, f) for f in ANSWER_FIELDS}}
        for ln in po.lines
        if not ln.cancelled
    ]
    return DocumentResult(document, po.number, po.status.value, duplicate, lines)


def _uoms(session: Session, lines: dict[int, PurchaseOrderLineRow]) -> dict[int, str]:
    ids = {ln.item_id for ln in lines.values()}
    uom = dict(session.execute(select(ItemRow.id, ItemRow.uom).where(ItemRow.id.in_(ids))).all())
    return {no: uom[ln.item_id] for no, ln in lines.items()}


def _actor(session: Session, supplier_id: int) -> str:
    code = session.execute(
        select(SupplierRow.code).where(SupplierRow.id == supplier_id)
    ).scalar_one()
    return f"portal:{code}"


def _check_unit(where: str, quantity: Quantity, uom: str, line_no: int) -> None:
    if quantity.unit_code != uom:
        raise InvalidInputError(
            f"{where}.unitCode: line {line_no} is ordered in {uom!r}, not {quantity.unit_code!r}"
        )


def answer_order(
    engine: Engine, *, supplier_id: int, number: str, response: OrderResponse
) -> DocumentResult:
    """Apply an OrderResponse to the supplier's PO ``number``: the lines confirmed
    (Accepted: as ordered; Modified: its quantity and/or promised date; Rejected: 0), the
    PO acknowledged, one audit event; all or nothing."""
    with transaction(engine) as session:
        po = _own_order(session, supplier_id, number)
        if response.order_reference.id != number:
            raise InvalidInputError(
                f"OrderReference.ID: {response.order_reference.id!r} is not the order "
                f"answered ({number})"
            )
        if _seen_before(
            session,
            supplier_id,
            action="acknowledge",
            key="order_response",
            kind="order response",
            document=response,
            number=number,
        ):
            return _result(session, po, response.id, duplicate=True)
        lines = {ln.line_no: ln for ln in po.lines if not ln.cancelled}
        uoms = _uoms(session, lines)
        confirmations: dict[int, tuple[float, date | None]] = {}
        for i, order_line in enumerate(response.order_line):
            where = f"OrderLine[{i}].LineItem"
            line_no = int(order_line.line_item.id)
            if line_no in confirmations:
                raise InvalidInputError(f"{where}.ID: line {line_no} is answered twice")
            if line_no not in lines:
                raise InvalidInputError(f"{where}.ID: PO {number} has no open line {line_no}")
            ordered = lines[line_no].qty
            given = order_line.line_item.quantity
            if given is not None:
                _check_unit(f"{where}.Quantity", given, uoms[line_no], line_no)
            status = order_line.status
            if status == "Accepted":
                if given is not None and abs(given.value - ordered) > QTY_EPSILON:
                    raise InvalidInputError(
                        f"{where}.Quantity.value: an Accepted line confirms the ordered "
                        f"{ordered:g} (got {given.value:g}; use Modified to change it)"
                    )
                qty = ordered
            elif status == "Rejected":
                if given is not None and given.value != 0:
                    raise InvalidInputError(
                        f"{where}.Quantity.value: a Rejected line confirms 0 (got {given.value:g})"
                    )
                qty = 0.0
            else:
                if given is None and order_line.promised is None:
                    raise InvalidInputError(
                        f"{where}: a Modified line needs its Quantity or "
                        "Delivery.PromisedDeliveryPeriod.EndDate"
                    )
                qty = ordered if given is None else given.value
            confirmations[line_no] = (qty, order_line.promised)
        answered = {int(ol.line_item.id): ol for ol in response.order_line}
        acknowledge_in(
            session,
            number,
            actor=_actor(session, supplier_id),
            confirmations=confirmations,
            detail={
                "channel": "portal",
                "order_response": response.id,
                "issue_date": response.issue_date.isoformat(),
                "statuses": {str(n): ol.status for n, ol in answered.items()},
                "notes": {str(n): ol.note for n, ol in answered.items() if ol.note},
                "fingerprint": _fingerprint(response),
            },
        )
        return _result(session, po, response.id, duplicate=False)


def despatch(engine: Engine, *, supplier_id: int, advice: DespatchAdvice) -> DocumentResult:
    """Apply a DespatchAdvice to the supplier's PO it names: each line's quantity added to
    what it shipped before (up to the ordered quantity plus the over-delivery tolerance),
    the expected date set, the PO shipped, one audit event; all or nothing."""
    number = advice.order_reference.id
    with transaction(engine) as session:
        po = _own_order(session, supplier_id, number)
        if _seen_before(
            session,
            supplier_id,
            action="ship",
            key="despatch_advice",
            kind="despatch advice",
            document=advice,
            number=number,
        ):
            return _result(session, po, advice.id, duplicate=True)
        expected = advice.shipment.delivery.estimated_delivery_period.end_date
        if expected < advice.issue_date:
            raise InvalidInputError(
                f"Shipment.Delivery.EstimatedDeliveryPeriod.EndDate: {expected} is before the "
                f"IssueDate {advice.issue_date}"
            )
        lines = {ln.line_no: ln for ln in po.lines if not ln.cancelled}
        uoms = _uoms(session, lines)
        quantities: dict[int, float] = {}
        seen: set[str] = set()
        for i, despatch_line in enumerate(advice.despatch_line):
            where = f"DespatchLine[{i}]"
            if despatch_line.id in seen:
                raise InvalidInputError(f"{where}.ID: {despatch_line.id!r} appears twice")
            seen.add(despatch_line.id)
            line_no = int(despatch_line.order_line_reference.line_id)
            if line_no not in lines:
                raise InvalidInputError(
                    f"{where}.OrderLineReference.LineID: PO {number} has no open line {line_no}"
                )
            delivered = despatch_line.delivered_quantity
            _check_unit(f"{where}.DeliveredQuantity", delivered, uoms[line_no], line_no)
            quantities[line_no] = quantities.get(line_no, 0.0) + delivered.value
            line = lines[line_no]
            shipped = (line.shipped_qty or 0.0) + quantities[line_no]
            if shipped > line.qty * (1 + OVER_DELIVERY_TOLERANCE) + QTY_EPSILON:
                raise InvalidInputError(
                    f"{where}.DeliveredQuantity.value: line {line_no} would have {shipped:g} "
                    f"shipped of {line.qty:g} ordered (over-delivery tolerance "
                    f"{OVER_DELIVERY_TOLERANCE:.0%})"
                )
        consignment = advice.shipment.consignment
        ship_in(
            session,
            number,
            actor=_actor(session, supplier_id),
            expected=expected,
            quantities=quantities,
            detail={
                "channel": "portal",
                "despatch_advice": advice.id,
                "issue_date": advice.issue_date.isoformat(),
                "shipment": advice.shipment.id,
                "tracking": consignment.carrier_assigned_id if consignment else None,
                "fingerprint": _fingerprint(advice),
            },
        )
        return _result(session, po, advice.id, duplicate=False)
