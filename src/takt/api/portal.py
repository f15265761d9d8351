"""The supplier portal under ``/api/portal``: a supplier's account reads its own items,
their consumption, forecasts and stock positions (vendor-managed inventory) and its own
purchase orders, answers them (``OrderResponse``) and announces shipments
(``DespatchAdvice``) as UBL 2.3-named JSON. Internal users are refused (403); the
scoping to the supplier is done by :mod:`takt.services.portal`."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Response, status

from takt.api.deps import EngineDep, SupplierUser
from takt.services import browse
from takt.services import portal as service
from takt.services.dates import Day
from takt.services.portal import DespatchAdvice, DocumentConflictError, OrderResponse
from takt.services.users import User

router = APIRouter(tags=["supplier portal"])

Limit = Annotated[int, Query(ge=1, le=browse.MAX_LIMIT)]
Offset = Annotated[int, Query(ge=0, le=10**9)]
Search = Annotated[str | None, Query(max_length=100, description="Part of the SKU or description")]
Item = Annotated[str | None, Query(min_length=1, max_length=200, description="SKU@LOCATION")]
STATUSES = "^(open|all|" + "|".join(s.value for s in service.VISIBLE_STATUSES) + ")$"


def _supplier(user: User) -> int:
    assert user.supplier_id is not None  # SupplierUser admits supplier accounts only
    return user.supplier_id


def _page(page: browse.Page) -> dict[str, Any]:
    return {"items": page.items, "total": page.total, "limit": page.limit, "offset": page.offset}


@router.get("/items")
def items(
    engine: EngineDep,
    user: SupplierUser,
    search: Search = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Your items (those you have an offer for) with your offer terms."""
    return _page(
        service.own_items(
            engine, supplier_id=_supplier(user), search=search, limit=limit, offset=offset
        )
    )


@router.get("/consumption")
def consumption(
    engine: EngineDep,
    user: SupplierUser,
    item: Item = None,
    days: Annotated[int, Query(ge=1, le=service.MAX_CONSUMPTION_DAYS)] = 90,
    until: Annotated[Day | None, Query(description="Last day (default: latest data)")] = None,
    search: Search = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Daily consumption of your items over ``days`` days up to ``until``."""
    return service.consumption(
        engine,
        supplier_id=_supplier(user),
        item=item,
        days=days,
        until=until,
        search=search,
        limit=limit,
        offset=offset,
    )


@router.get("/forecasts")
def forecasts(
    engine: EngineDep,
    user: SupplierUser,
    item: Item = None,
    search: Search = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    """The latest forecast of your items, period by period."""
    return service.forecasts(
        engine, supplier_id=_supplier(user), item=item, search=search, limit=limit, offset=offset
    )


@router.get("/positions")
def positions(
    engine: EngineDep,
    user: SupplierUser,
    item: Item = None,
    search: Search = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Stock positions of your items: on hand, backordered, allocated, on order from you,
    and the reorder point and order-up-to level you replenish against."""
    return service.stock_positions(
        engine, supplier_id=_supplier(user), item=item, search=search, limit=limit, offset=offset
    )


@router.get("/purchase-orders")
def purchase_orders(
    engine: EngineDep,
    user: SupplierUser,
    status_: Annotated[str, Query(alias="status", pattern=STATUSES)] = "open",
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Your purchase orders: ``open`` (default), ``all`` or one status."""
    return _page(
        service.purchase_orders(
            engine, supplier_id=_supplier(user), status=status_, limit=limit, offset=offset
        )
    )


@router.get("/purchase-orders/{number}")
def purchase_order(
    engine: EngineDep,
    user: SupplierUser,
    number: str,
    format_: Annotated[
        Literal["json", "ubl"], Query(alias="format", description="ubl: as a UBL 2.3 Order")
    ] = "json",
) -> dict[str, Any]:
    """One of your purchase orders with its lines (``format=ubl``: as a UBL Order)."""
    order = service.purchase_order(engine, supplier_id=_supplier(user), number=number)
    return service.as_ubl_order(order) if format_ == "ubl" else order


def _answer(result: service.DocumentResult, response: Response) -> dict[str, Any]:
    if result.duplicate:
        response.status_code = status.HTTP_200_OK
    return asdict(result)


@router.post("/purchase-orders/{number}/order-response", status_code=status.HTTP_201_CREATED)
def order_response(
    body: OrderResponse, engine: EngineDep, user: SupplierUser, number: str, response: Response
) -> dict[str, Any]:
    """Answer a purchase order line by line (Accepted, Modified or Rejected); the same
    document ``ID`` again is a duplicate (200, nothing changes)."""
    try:
        result = service.answer_order(
            engine, supplier_id=_supplier(user), number=number, response=body
        )
    except DocumentConflictError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    return _answer(result, response)


@router.post("/despatch-advices", status_code=status.HTTP_201_CREATED)
def despatch_advice(
    body: DespatchAdvice, engine: EngineDep, user: SupplierUser, response: Response
) -> dict[str, Any]:
    """Announce a shipment against one of your purchase orders; the same document ``ID``
    again is a duplicate (200, nothing changes)."""
    try:
        result = service.despatch(engine, supplier_id=_supplier(user), advice=body)
    except DocumentConflictError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    return _answer(result, response)
