"""Reads: health, items, suppliers, offers, agreements, inventory, scorecards, forecasts
with accuracy. Every list is paged (``limit`` ≤ 500, ``offset``) and searchable."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from takt.api.deps import EngineDep, Viewer
from takt.errors import InvalidInputError
from takt.services import browse

router = APIRouter()

Limit = Annotated[int, Query(ge=1, le=browse.MAX_LIMIT)]
Offset = Annotated[int, Query(ge=0, le=10**9)]
Search = Annotated[str | None, Query(max_length=100)]


def _page(page: browse.Page) -> dict[str, Any]:
    return {"items": page.items, "total": page.total, "limit": page.limit, "offset": page.offset}


@router.get("/health", tags=["meta"])
def health() -> dict[str, str]:
    """Liveness (no sign-in needed)."""
    return {"status": "ok"}


@router.get("/me", tags=["meta"])
def me(user: Viewer) -> dict[str, Any]:
    """Who the caller is."""
    return {"username": user.username, "role": user.role}


@router.get("/items", tags=["items"])
def items(
    engine: EngineDep, _: Viewer, search: Search = None, limit: Limit = 50, offset: Offset = 0
) -> dict[str, Any]:
    """Items with stock on hand; ``search`` matches SKU or description."""
    return _page(browse.items_page(engine, search=search, limit=limit, offset=offset))


@router.get("/items/{item}", tags=["items"])
def item(engine: EngineDep, _: Viewer, item: str) -> dict[str, Any]:
    """One item (SKU@LOCATION): stock, classification, policy and its reason, forecast
    with accuracy, daily demand of the last year."""
    return browse.item_detail(engine, item)


@router.get("/suppliers", tags=["suppliers"])
def suppliers(
    engine: EngineDep, _: Viewer, search: Search = None, limit: Limit = 50, offset: Offset = 0
) -> dict[str, Any]:
    return _page(browse.suppliers_page(engine, search=search, limit=limit, offset=offset))


@router.get("/suppliers/{code}", tags=["suppliers"])
def supplier(engine: EngineDep, _: Viewer, code: str) -> dict[str, Any]:
    """One supplier: scorecard, its trend, lead-time statistics per item."""
    return browse.supplier_detail(engine, code)


@router.get("/offers", tags=["suppliers"])
def offers(
    engine: EngineDep,
    _: Viewer,
    supplier: Annotated[str | None, Query(max_length=64)] = None,
    search: Search = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    return _page(
        browse.offers_page(engine, supplier=supplier, search=search, limit=limit, offset=offset)
    )


@router.get("/agreements", tags=["suppliers"])
def agreements(
    engine: EngineDep, _: Viewer, limit: Limit = 50, offset: Offset = 0
) -> dict[str, Any]:
    """Blanket agreements with committed and released quantities."""
    return _page(browse.agreements_page(engine, limit=limit, offset=offset))


@router.get("/inventory", tags=["items"])
def inventory(
    engine: EngineDep, _: Viewer, search: Search = None, limit: Limit = 50, offset: Offset = 0
) -> dict[str, Any]:
    return _page(browse.inventory_page(engine, search=search, limit=limit, offset=offset))


@router.get("/scorecards", tags=["suppliers"])
def scorecards(engine: EngineDep, _: Viewer) -> list[dict[str, Any]]:
    """The latest supplier scorecards, best first."""
    from takt.services.supplier_signals import export_supplier_run

    try:
        rows: list[dict[str, Any]] = export_supplier_run(engine, "scorecards").to_dicts()
    except InvalidInputError:  # no supplier run yet
        return []
    return rows


@router.get("/forecasts/accuracy", tags=["forecasts"])
def forecast_accuracy(
    engine: EngineDep, _: Viewer, limit: Limit = 50, offset: Offset = 0
) -> dict[str, Any]:
    """Per item of the latest forecast run: model, RMSSE, bias and lead-time-demand error."""
    from takt.services.forecasting import export_run

    try:
        frame = export_run(engine, "accuracy")
    except InvalidInputError:  # no forecast run yet
        return {"items": [], "total": 0, "limit": limit, "offset": offset}
    rows = frame.slice(offset, limit).to_dicts()
    return {"items": rows, "total": frame.height, "limit": limit, "offset": offset}


@router.get("/runs", tags=["runs"])
def runs(
    engine: EngineDep,
    _: Viewer,
    kind: Annotated[str | None, Query(max_length=32)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Runs of every kind (forecast, suppliers, policy, plan, simulation), newest first."""
    return _page(browse.runs_page(engine, kind=kind, limit=limit, offset=offset))
