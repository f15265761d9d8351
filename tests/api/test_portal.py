"""The supplier portal (``/api/portal``): each supplier sees its own items, consumption,
forecasts, positions and purchase orders and nothing of another's; OrderResponse and
DespatchAdvice documents are applied whole or not at all, once (both backends).

The world of ``tests/services/replenish_world.py`` (A, B, C offered by S1 as primary and
S2 as alternate, D by nobody, PO-OLD-1 of S1 sent with 100 of C) gains, by hand:

- E: offered by S1 only (on hand 12, backordered 2, allocated 1; rop 15, up to 60);
  F: offered by S2 only, in KG (on hand 5; min_max 8 / 30).
- Daily consumption: A 8, 12, 10 on 27 Feb - 1 Mar 2026 (and 99 on 20 Nov 2025, a
  weekly bucket of 500), E 5 on 28 Feb, F 7 on 2 Mar.
- Forecast runs: an old one (A 1), the latest successful one (A 70 and 72, E 35, F 49)
  and a newer failed one (A 999).
- POs: PO-S1-2 of S1 sent (1: 90 A need 6 Mar, 2: 40 E need 9 Mar, 3: 20 B cancelled),
  PO-S1-NEW of S1 approved, not sent (500 A), PO-S1-DONE of S1 closed (10 A),
  PO-S2-1 of S2 acknowledged (30 A).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, select

from takt.domain.enums import (
    Category,
    Criticality,
    Grain,
    Lifecycle,
    OfferRole,
    PurchaseOrderStatus,
)
from takt.services.purchasing import transition
from takt.services.replenish import run_plan
from takt.store.db import transaction
from takt.store.models import (
    DemandBucketRow,
    ForecastRow,
    InventoryRow,
    ItemPolicyRow,
    ItemRow,
    OfferRow,
    PlanRunRow,
    PurchaseOrderEventRow,
    PurchaseOrderLineRow,
    PurchaseOrderRow,
    SupplierRow,
)
from tests.api.conftest import ROLES, Api
from tests.services.conftest import snapshot

P = "/api/portal"


# --------------------------------------------------------------------------- the world


def _supplier_ids(engine: Engine) -> dict[str, int]:
    with transaction(engine) as session:
        return dict(session.execute(select(SupplierRow.code, SupplierRow.id)).all())


def extend_world(engine: Engine, ids: dict[str, int]) -> dict[str, int]:
    """Add E, F, consumption, forecasts and POs (see the module doc); returns item and
    forecast run ids by name."""
    sup = _supplier_ids(engine)
    out = dict(ids)
    with transaction(engine) as session:
        for sku, desc, uom, on_hand, back, alloc in (
            ("E", "Steel bracket", "EA", 12.0, 2.0, 1.0),
            ("F", "Hose clamp", "KG", 5.0, 0.0, 0.0),
        ):
            item = ItemRow(
                sku=sku,
                location="MAIN",
                description=desc,
                uom=uom,
                unit_cost=Decimal("1"),
                category=Category.DIRECT,
                criticality=Criticality.NORMAL,
                lifecycle=Lifecycle.ACTIVE,
            )
            session.add(item)
            session.flush()
            out[sku] = item.id
            session.add(
                InventoryRow(
                    item_id=item.id,
                    on_hand=on_hand,
                    backordered=back,
                    allocated=alloc,
                    as_of=datetime(2026, 3, 2, tzinfo=UTC),
                )
            )
        for sku, code, lead, moq, pack, price in (
            ("E", "S1", 7, 20.0, 5.0, "3.50"),
            ("F", "S2", 4, 10.0, 10.0, "1.25"),
        ):
            session.add(
                OfferRow(
                    supplier_id=sup[code],
                    item_id=out[sku],
                    quoted_lead_time_days=lead,
                    moq=moq,
                    pack_multiple=pack,
                    unit_price=Decimal(price),
                    role=OfferRole.PRIMARY,
                    allocation_share=1.0,
                )
            )
        for sku, logic, rop, up_to in (("E", "rop", 15.0, 60.0), ("F", "min_max", 8.0, 30.0)):
            session.add(
                ItemPolicyRow(
                    run_id=ids["policy_run"],
                    item_id=out[sku],
                    strategy="buffer",
                    logic=logic,
                    rule="test",
                    reason="test",
                    reorder_point=rop,
                    order_up_to=up_to,
                )
            )
        for sku, grain, day, qty in (
            ("A", Grain.DAY, date(2025, 11, 20), 99.0),
            ("A", Grain.DAY, date(2026, 2, 27), 8.0),
            ("A", Grain.DAY, date(2026, 2, 28), 12.0),
            ("A", Grain.DAY, date(2026, 3, 1), 10.0),
            ("A", Grain.WEEK, date(2026, 2, 23), 500.0),
            ("E", Grain.DAY, date(2026, 2, 28), 5.0),
            ("F", Grain.DAY, date(2026, 3, 2), 7.0),
        ):
            session.add(DemandBucketRow(item_id=out[sku], grain=grain, period_start=day, qty=qty))
        for name, status, as_of, rows in (
            ("old_forecast", "succeeded", date(2026, 2, 1), [("A", date(2026, 2, 2), 1.0)]),
            (
                "forecast",
                "succeeded",
                date(2026, 3, 2),
                [
                    ("A", date(2026, 3, 2), 70.0),
                    ("A", date(2026, 3, 9), 72.0),
                    ("E", date(2026, 3, 2), 35.0),
                    ("F", date(2026, 3, 2), 49.0),
                ],
            ),
            ("failed_forecast", "failed", date(2026, 3, 2), [("A", date(2026, 3, 2), 999.0)]),
        ):
            run = PlanRunRow(
                kind="forecast", status=status, as_of=as_of, parameters={"grain": "week"}, seed=0
            )
            session.add(run)
            session.flush()
            out[name] = run.id
            for sku, period, qty in rows:
                session.add(
                    ForecastRow(run_id=run.id, item_id=out[sku], period_start=period, qty=qty)
                )
        orders = (
            (
                "PO-S1-2",
                "S1",
                PurchaseOrderStatus.SENT,
                date(2026, 3, 1),
                [
                    ("A", 90.0, "2.00", date(2026, 3, 6), False),
                    ("E", 40.0, "3.50", date(2026, 3, 9), False),
                    ("B", 20.0, "50.00", date(2026, 3, 9), True),
                ],
            ),
            (
                "PO-S1-NEW",
                "S1",
                PurchaseOrderStatus.APPROVED,
                date(2026, 3, 2),
                [("A", 500.0, "2.00", date(2026, 3, 5), False)],
            ),
            (
                "PO-S1-DONE",
                "S1",
                PurchaseOrderStatus.CLOSED,
                date(2026, 1, 10),
                [("A", 10.0, "2.00", date(2026, 1, 14), False)],
            ),
            (
                "PO-S2-1",
                "S2",
                PurchaseOrderStatus.ACKNOWLEDGED,
                date(2026, 2, 28),
                [("A", 30.0, "4.00", date(2026, 3, 4), False)],
            ),
        )
        for number, code, status_, order_date, lines in orders:
            po = PurchaseOrderRow(
                number=number, supplier_id=sup[code], status=status_, order_date=order_date
            )
            session.add(po)
            session.flush()
            for no, (sku, qty, price, need, cancelled) in enumerate(lines, start=1):
                session.add(
                    PurchaseOrderLineRow(
                        po_id=po.id,
                        line_no=no,
                        item_id=out[sku],
                        qty=qty,
                        unit_price=Decimal(price),
                        need_date=need,
                        cancelled=cancelled,
                    )
                )
    return out


@pytest.fixture
def world(api: Api) -> dict[str, int]:
    return extend_world(api.engine, api.ids)


def lines_of(engine: Engine, number: str) -> dict[int, dict[str, Any]]:
    with transaction(engine) as session:
        rows = (
            session.execute(
                select(PurchaseOrderLineRow)
                .join(PurchaseOrderRow, PurchaseOrderRow.id == PurchaseOrderLineRow.po_id)
                .where(PurchaseOrderRow.number == number)
            )
            .scalars()
            .all()
        )
        return {
            r.line_no: {
                "confirmed_qty": r.confirmed_qty,
                "confirmed_date": r.confirmed_date,
                "shipped_qty": r.shipped_qty,
                "expected_date": r.expected_date,
            }
            for r in rows
        }


def po_status(engine: Engine, number: str) -> str:
    with transaction(engine) as session:
        found = session.execute(
            select(PurchaseOrderRow.status).where(PurchaseOrderRow.number == number)
        ).scalar_one()
        return found.value


def events_of(engine: Engine, number: str) -> list[tuple[str, str, dict[str, Any]]]:
    with transaction(engine) as session:
        rows = session.execute(
            select(
                PurchaseOrderEventRow.action,
                PurchaseOrderEventRow.actor,
                PurchaseOrderEventRow.detail,
            )
            .join(PurchaseOrderRow, PurchaseOrderRow.id == PurchaseOrderEventRow.po_id)
            .where(PurchaseOrderRow.number == number)
            .order_by(PurchaseOrderEventRow.id)
        ).all()
        return [(a, b, c) for a, b, c in rows]


def skus(body: dict[str, Any]) -> list[str]:
    return [row["sku"] for row in body["items"]]


def by_sku(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["sku"]: row for row in body["items"]}


# --------------------------------------------------------------------------- access


def order_response(number: str = "PO-S1-2", **changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "ID": "RSP-1",
        "IssueDate": "2026-03-02",
        "OrderReference": {"ID": number},
        "OrderLine": [
            {
                "LineItem": {
                    "ID": "1",
                    "Quantity": {"value": 80, "unitCode": "EA"},
                    "Delivery": {"PromisedDeliveryPeriod": {"EndDate": "2026-03-07"}},
                },
                "LineStatusCode": "Modified",
                "Note": "80 now, the rest next week",
            },
            {"LineItem": {"ID": "2"}, "LineStatusCode": "Accepted"},
        ],
    }
    doc.update(changes)
    return doc


def despatch_advice(
    number: str = "PO-S1-2", doc_id: str = "DES-1", lines: list[tuple[str, float]] | None = None
) -> dict[str, Any]:
    return {
        "ID": doc_id,
        "IssueDate": "2026-03-03",
        "OrderReference": {"ID": number},
        "Shipment": {
            "ID": "SHP-77",
            "Delivery": {"EstimatedDeliveryPeriod": {"EndDate": "2026-03-05"}},
            "Consignment": {"CarrierAssignedID": "1Z999AA10123456784"},
        },
        "DespatchLine": [
            {
                "ID": str(i),
                "DeliveredQuantity": {"value": qty, "unitCode": "EA"},
                "OrderLineReference": {"LineID": line},
            }
            for i, (line, qty) in enumerate(lines or [("1", 60.0)], start=1)
        ],
    }


ENDPOINTS: list[tuple[str, str, Callable[[], dict[str, Any]] | None]] = [
    ("GET", "/items", None),
    ("GET", "/consumption", None),
    ("GET", "/forecasts", None),
    ("GET", "/positions", None),
    ("GET", "/purchase-orders", None),
    ("GET", "/purchase-orders/PO-S1-2", None),
    ("POST", "/purchase-orders/PO-S1-2/order-response", order_response),
    ("POST", "/despatch-advices", despatch_advice),
]


@pytest.mark.parametrize(("method", "url", "body"), ENDPOINTS, ids=[e[1] for e in ENDPOINTS])
def test_only_supplier_accounts_get_in(
    api: Api,
    world: dict[str, int],
    method: str,
    url: str,
    body: Callable[[], dict[str, Any]] | None,
) -> None:
    kw = {} if body is None else {"json": body()}
    before = snapshot(api.engine)
    anonymous = api.client.request(method, P + url, **kw)
    assert anonymous.status_code == 401, anonymous.text
    for role in ROLES:
        answer = api.client.request(method, P + url, headers=api.headers(role), **kw)
        assert answer.status_code == 403, (role, answer.text)
        assert "supplier accounts" in answer.json()["detail"]
    assert snapshot(api.engine) == before
    own = api.client.request(method, P + url, headers=api.headers("S1"), **kw)
    assert own.status_code in (200, 201), own.text


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", "/api/items"),
        ("GET", "/api/proposals"),
        ("GET", "/api/purchase-orders"),
        ("GET", "/api/purchase-orders/PO-OLD-1"),
        ("GET", "/api/inventory"),
        ("POST", "/api/proposals/approve"),
    ],
)
def test_supplier_accounts_are_refused_internal_endpoints(api: Api, method: str, url: str) -> None:
    kw = {"json": {"ids": [1]}} if method == "POST" else {}
    for who in ("S1", "S2"):
        answer = api.client.request(method, url, headers=api.headers(who), **kw)  # type: ignore[arg-type]
        assert answer.status_code == 403, answer.text
        assert "role" in answer.json()["detail"]
    # the same request passes the role check for the buyer
    answer = api.client.request(method, url, headers=api.headers("buyer"), **kw)  # type: ignore[arg-type]
    assert answer.status_code != 403, answer.text


def test_the_document_schemas_carry_ubl_names(api: Api) -> None:
    schemas = api.client.get("/openapi.json").json()["components"]["schemas"]
    response = schemas["OrderResponse"]
    assert set(response["properties"]) == {"ID", "IssueDate", "Note", "OrderReference", "OrderLine"}
    assert response["additionalProperties"] is False
    assert {"ID", "DeliveredQuantity", "OrderLineReference"} == set(
        schemas["DespatchLine"]["properties"]
    )


# --------------------------------------------------------------------------- items


def test_items_are_the_suppliers_own_with_its_terms(api: Api, world: dict[str, int]) -> None:
    s1 = api.get("S1", f"{P}/items").json()
    assert skus(s1) == ["A", "B", "C", "E"]  # D has no offer, F is S2's only
    assert s1["total"] == 4
    a, e = by_sku(s1)["A"], by_sku(s1)["E"]
    assert a == {
        "item": "A@MAIN",
        "sku": "A",
        "location": "MAIN",
        "description": "",
        "uom": "EA",
        "role": "primary",
        "share": 1.0,
        "lead_time_days": 3,
        "moq": 50.0,
        "pack_multiple": 10.0,
        "unit_price": 2.0,
    }
    assert (e["description"], e["lead_time_days"], e["moq"], e["pack_multiple"]) == (
        "Steel bracket",
        7,
        20.0,
        5.0,
    )
    assert e["unit_price"] == 3.5

    s2 = api.get("S2", f"{P}/items").json()
    assert skus(s2) == ["A", "B", "C", "F"]
    a2 = by_sku(s2)["A"]  # S2's own terms on the shared item, not S1's
    assert (a2["role"], a2["share"], a2["lead_time_days"], a2["moq"], a2["unit_price"]) == (
        "alternate",
        0.0,
        5,
        1.0,
        4.0,
    )
    assert by_sku(s2)["F"]["uom"] == "KG"


def test_items_are_paged_and_searchable(api: Api, world: dict[str, int]) -> None:
    page = api.get("S1", f"{P}/items?limit=2&offset=2").json()
    assert (skus(page), page["total"], page["limit"], page["offset"]) == (["C", "E"], 4, 2, 2)
    assert skus(api.get("S1", f"{P}/items?search=BRACK").json()) == ["E"]
    assert api.get("S2", f"{P}/items?search=bracket").json() == {
        "items": [],
        "total": 0,
        "limit": 50,
        "offset": 0,
    }
    assert api.get("S1", f"{P}/items?limit=501").status_code == 422


# --------------------------------------------------------------------------- consumption


def test_consumption_is_daily_demand_of_own_items(api: Api, world: dict[str, int]) -> None:
    s1 = api.get("S1", f"{P}/consumption").json()
    # the window ends on S1's latest day with consumption (F's 2 March is S2's)
    assert (s1["from"], s1["until"], s1["days"]) == ("2025-12-02", "2026-03-01", 90)
    assert skus(s1) == ["A", "B", "C", "E"]
    a = by_sku(s1)["A"]
    assert a["series"] == [
        {"day": "2026-02-27", "qty": 8.0},
        {"day": "2026-02-28", "qty": 12.0},
        {"day": "2026-03-01", "qty": 10.0},
    ]  # not 20 November (before the window) nor the weekly bucket
    assert a["total"] == 30.0
    assert by_sku(s1)["E"]["series"] == [{"day": "2026-02-28", "qty": 5.0}]
    assert by_sku(s1)["B"]["series"] == []

    one = api.get("S1", f"{P}/consumption?item=A@MAIN&days=2").json()
    assert [p["qty"] for p in one["items"][0]["series"]] == [12.0, 10.0]
    assert one["total"] == 1
    back = api.get("S1", f"{P}/consumption?item=A&until=2026-02-28&days=1").json()
    assert back["items"][0]["series"] == [{"day": "2026-02-28", "qty": 12.0}]
    assert api.get("S1", f"{P}/consumption?days=0").status_code == 422


def test_consumption_of_another_suppliers_item_is_unknown(api: Api, world: dict[str, int]) -> None:
    s2 = api.get("S2", f"{P}/consumption").json()
    assert skus(s2) == ["A", "B", "C", "F"]
    assert s2["until"] == "2026-03-02"
    assert by_sku(s2)["F"]["series"] == [{"day": "2026-03-02", "qty": 7.0}]
    theirs = api.get("S2", f"{P}/consumption?item=E@MAIN")
    nobodys = api.get("S2", f"{P}/consumption?item=Z@MAIN")
    assert (theirs.status_code, nobodys.status_code) == (404, 404)
    assert theirs.json()["detail"] == nobodys.json()["detail"].replace("Z@", "E@")
    assert api.get("S1", f"{P}/consumption?item=D@MAIN").status_code == 404  # nobody's offer


# --------------------------------------------------------------------------- forecasts


def test_forecasts_are_the_latest_run_for_own_items(api: Api, world: dict[str, int]) -> None:
    s1 = api.get("S1", f"{P}/forecasts").json()
    assert (s1["run"], s1["as_of"], s1["grain"]) == (world["forecast"], "2026-03-02", "week")
    assert skus(s1) == ["A", "B", "C", "E"]
    assert by_sku(s1)["A"]["periods"] == [
        {"period_start": "2026-03-02", "qty": 70.0},
        {"period_start": "2026-03-09", "qty": 72.0},
    ]  # not the old run's 1 nor the failed run's 999
    assert by_sku(s1)["E"]["periods"] == [{"period_start": "2026-03-02", "qty": 35.0}]
    only = api.get("S1", f"{P}/forecasts?item=E@MAIN").json()
    assert skus(only) == ["E"]

    s2 = api.get("S2", f"{P}/forecasts").json()
    assert skus(s2) == ["A", "B", "C", "F"]
    assert by_sku(s2)["F"]["periods"] == [{"period_start": "2026-03-02", "qty": 49.0}]
    assert api.get("S2", f"{P}/forecasts?item=E@MAIN").status_code == 404


def test_forecasts_before_any_run_are_empty(api: Api) -> None:
    body = api.get("S1", f"{P}/forecasts").json()
    assert body["run"] is None
    assert all(row["periods"] == [] for row in body["items"])
    assert skus(body) == ["A", "B", "C"]


# --------------------------------------------------------------------------- positions


def test_positions_count_only_this_suppliers_orders(api: Api, world: dict[str, int]) -> None:
    s1 = by_sku(api.get("S1", f"{P}/positions").json())
    assert list(s1) == ["A", "B", "C", "E"]
    # A: PO-S1-2's 90 only (not S2's 30, not the unsent 500, not the closed 10)
    assert (s1["A"]["on_hand"], s1["A"]["on_order"], s1["A"]["position"]) == (30.0, 90.0, 120.0)
    assert (s1["A"]["logic"], s1["A"]["reorder_point"], s1["A"]["order_up_to"]) == (
        "rop",
        40.0,
        140.0,
    )
    assert s1["B"]["on_order"] == 0.0  # its line is cancelled
    assert (s1["B"]["reorder_point"], s1["B"]["order_up_to"]) == (20.0, 200.0)
    assert s1["C"]["on_order"] == 100.0  # PO-OLD-1
    assert s1["E"] == {
        "item": "E@MAIN",
        "sku": "E",
        "location": "MAIN",
        "uom": "EA",
        "on_hand": 12.0,
        "backordered": 2.0,
        "allocated": 1.0,
        "on_order": 40.0,
        "net_stock": 9.0,
        "position": 49.0,
        "logic": "rop",
        "reorder_point": 15.0,
        "order_up_to": 60.0,
    }

    s2_body = api.get("S2", f"{P}/positions").json()
    assert s2_body["policy_run"] == world["policy_run"]
    s2 = by_sku(s2_body)
    assert list(s2) == ["A", "B", "C", "F"]
    assert (s2["A"]["on_order"], s2["C"]["on_order"]) == (30.0, 0.0)
    assert (s2["F"]["on_hand"], s2["F"]["logic"], s2["F"]["reorder_point"]) == (
        5.0,
        "min_max",
        8.0,
    )
    assert api.get("S2", f"{P}/positions?item=E@MAIN").status_code == 404
    one = api.get("S1", f"{P}/positions?item=C@MAIN").json()
    assert (skus(one), one["items"][0]["on_order"]) == (["C"], 100.0)


# --------------------------------------------------------------------------- purchase orders


def test_purchase_orders_are_own_and_sent(api: Api, world: dict[str, int]) -> None:
    s1 = api.get("S1", f"{P}/purchase-orders").json()
    assert [r["po"] for r in s1["items"]] == ["PO-S1-2", "PO-OLD-1"]
    first = s1["items"][0]
    assert first == {
        "po": "PO-S1-2",
        "status": "sent",
        "order_date": "2026-03-01",
        "currency": "EUR",
        "lines": 2,
        "value": 320.0,  # 90 x 2.00 + 40 x 3.50; the cancelled line not counted
        "first_need_date": "2026-03-06",
    }
    every = api.get("S1", f"{P}/purchase-orders?status=all").json()
    assert [r["po"] for r in every["items"]] == ["PO-S1-2", "PO-OLD-1", "PO-S1-DONE"]
    closed = api.get("S1", f"{P}/purchase-orders?status=closed").json()
    assert [r["po"] for r in closed["items"]] == ["PO-S1-DONE"]
    assert api.get("S1", f"{P}/purchase-orders?status=approved").status_code == 422

    s2 = api.get("S2", f"{P}/purchase-orders?status=all").json()
    assert [r["po"] for r in s2["items"]] == ["PO-S2-1"]
    assert api.get("S2", f"{P}/purchase-orders?status=sent").json()["items"] == []


def test_purchase_order_with_lines(api: Api, world: dict[str, int]) -> None:
    body = api.get("S1", f"{P}/purchase-orders/PO-S1-2").json()
    assert (body["po"], body["supplier"], body["status"], body["order_date"]) == (
        "PO-S1-2",
        "S1",
        "sent",
        "2026-03-01",
    )
    assert [ln["line"] for ln in body["lines"]] == [1, 2, 3]
    assert body["lines"][1] == {
        "line": 2,
        "item": "E@MAIN",
        "sku": "E",
        "location": "MAIN",
        "description": "Steel bracket",
        "uom": "EA",
        "qty": 40.0,
        "unit_price": 3.5,
        "need_date": "2026-03-09",
        "confirmed_qty": None,
        "confirmed_date": None,
        "shipped_qty": None,
        "expected_date": None,
        "received": 0.0,
        "rejected": 0.0,
        "cancelled": False,
    }
    assert body["lines"][2]["cancelled"] is True
    assert "reason" not in body["lines"][0]  # internal planning reasons stay inside


def test_purchase_order_as_ubl_order(api: Api, world: dict[str, int]) -> None:
    order = api.get("S1", f"{P}/purchase-orders/PO-S1-2?format=ubl").json()
    assert (order["ID"], order["IssueDate"], order["DocumentCurrencyCode"]) == (
        "PO-S1-2",
        "2026-03-01",
        "EUR",
    )
    assert order["SellerSupplierParty"]["Party"]["PartyIdentification"] == {"ID": "S1"}
    first = order["OrderLine"][0]["LineItem"]
    assert first["ID"] == "1"
    assert first["Quantity"] == {"value": 90.0, "unitCode": "EA"}
    assert first["Price"]["PriceAmount"] == {"value": 2.0, "currencyID": "EUR"}
    assert first["LineExtensionAmount"] == {"value": 180.0, "currencyID": "EUR"}
    assert first["Delivery"]["RequestedDeliveryPeriod"] == {"EndDate": "2026-03-06"}
    assert first["Item"]["BuyersItemIdentification"] == {"ID": "A"}
    assert "LineStatusCode" not in first
    assert order["OrderLine"][2]["LineItem"]["LineStatusCode"] == "Cancelled"
    assert api.get("S1", f"{P}/purchase-orders/PO-S1-2?format=xml").status_code == 422


@pytest.mark.parametrize(
    ("who", "number"),
    [("S2", "PO-S1-2"), ("S2", "PO-OLD-1"), ("S1", "PO-S2-1"), ("S1", "PO-S1-NEW")],
)
def test_a_purchase_order_not_yours_is_not_found(
    api: Api, world: dict[str, int], who: str, number: str
) -> None:
    answer = api.get(who, f"{P}/purchase-orders/{number}")
    assert answer.status_code == 404
    # the same words as for one that does not exist: nothing is revealed
    assert answer.json() == {"detail": f"no purchase order {number}"}
    assert api.get(who, f"{P}/purchase-orders/PO-NOPE").json() == {
        "detail": "no purchase order PO-NOPE"
    }


# --------------------------------------------------------------------------- order response


def test_order_response_confirms_the_lines(api: Api, world: dict[str, int]) -> None:
    answer = api.post("S1", f"{P}/purchase-orders/PO-S1-2/order-response", json=order_response())
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["document"], body["po"], body["status"], body["duplicate"]) == (
        "RSP-1",
        "PO-S1-2",
        "acknowledged",
        False,
    )
    assert body["lines"][0]["confirmed_qty"] == 80.0
    assert po_status(api.engine, "PO-S1-2") == "acknowledged"
    stored = lines_of(api.engine, "PO-S1-2")
    assert (stored[1]["confirmed_qty"], stored[1]["confirmed_date"]) == (80.0, date(2026, 3, 7))
    # Accepted without a quantity or date: as ordered, on the date needed
    assert (stored[2]["confirmed_qty"], stored[2]["confirmed_date"]) == (40.0, date(2026, 3, 9))
    assert stored[3]["confirmed_qty"] is None  # the cancelled line is left alone
    action, actor, detail = events_of(api.engine, "PO-S1-2")[-1]
    assert (action, actor) == ("acknowledge", "portal:S1")
    assert detail["order_response"] == "RSP-1"
    assert detail["statuses"] == {"1": "Modified", "2": "Accepted"}
    assert detail["notes"] == {"1": "80 now, the rest next week"}
    assert detail["changed"] == {"1": {"qty": 80.0, "date": "2026-03-07"}}


def test_a_rejected_line_is_confirmed_zero(api: Api, world: dict[str, int]) -> None:
    doc = order_response(
        OrderLine=[
            # UBL's own place for the code (in LineItem) is understood as well
            {"LineItem": {"ID": "2", "LineStatusCode": "Rejected"}, "Note": "discontinued"}
        ]
    )
    answer = api.post("S1", f"{P}/purchase-orders/PO-S1-2/order-response", json=doc)
    assert answer.status_code == 201, answer.text
    stored = lines_of(api.engine, "PO-S1-2")
    assert stored[2]["confirmed_qty"] == 0.0
    # a line not named is confirmed as ordered
    assert (stored[1]["confirmed_qty"], stored[1]["confirmed_date"]) == (90.0, date(2026, 3, 6))
    assert events_of(api.engine, "PO-S1-2")[-1][2]["statuses"] == {"2": "Rejected"}


def _set(doc: dict[str, Any], path: list[Any], value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return doc


BAD_RESPONSES: dict[str, tuple[list[Any], Any, Any]] = {
    "negative quantity": (
        ["OrderLine", 0, "LineItem", "Quantity", "value"],
        -5,
        ["body", "OrderLine", 0, "LineItem", "Quantity", "value"],
    ),
    "unknown status code": (
        ["OrderLine", 0, "LineStatusCode"],
        "Maybe",
        ["body", "OrderLine", 0, "LineStatusCode"],
    ),
    "line id not a number": (
        ["OrderLine", 0, "LineItem", "ID"],
        "first",
        ["body", "OrderLine", 0, "LineItem", "ID"],
    ),
    "unknown field": (["Colour"], "red", ["body", "Colour"]),
    "bad date": (["IssueDate"], "yesterday", ["body", "IssueDate"]),
    "unknown line id": (["OrderLine", 0, "LineItem", "ID"], "7", "OrderLine[0].LineItem.ID"),
    "cancelled line": (["OrderLine", 0, "LineItem", "ID"], "3", "OrderLine[0].LineItem.ID"),
    "wrong unit": (
        ["OrderLine", 0, "LineItem", "Quantity", "unitCode"],
        "KG",
        "OrderLine[0].LineItem.Quantity.unitCode",
    ),
    "accepted with another quantity": (
        ["OrderLine", 0, "LineStatusCode"],
        "Accepted",
        "OrderLine[0].LineItem.Quantity.value",
    ),
    "another order referenced": (["OrderReference", "ID"], "PO-OLD-1", "OrderReference.ID"),
    "no status code": (["OrderLine", 1, "LineStatusCode"], None, ["body", "OrderLine", 1]),
}


@pytest.mark.parametrize("case", list(BAD_RESPONSES))
def test_a_bad_order_response_names_the_field_and_writes_nothing(
    api: Api, world: dict[str, int], case: str
) -> None:
    path, value, named = BAD_RESPONSES[case]
    before = snapshot(api.engine)
    doc = _set(order_response(), path, value)
    answer = api.post("S1", f"{P}/purchase-orders/PO-S1-2/order-response", json=doc)
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    if isinstance(named, str):
        assert detail.startswith(named), detail
    else:
        assert named in [e["loc"] for e in detail], detail
    assert snapshot(api.engine) == before


def test_a_repeated_order_response_is_a_duplicate(api: Api, world: dict[str, int]) -> None:
    url = f"{P}/purchase-orders/PO-S1-2/order-response"
    assert api.post("S1", url, json=order_response()).status_code == 201
    after_first = snapshot(api.engine)
    again = api.post("S1", url, json=order_response())
    assert again.status_code == 200
    assert (again.json()["duplicate"], again.json()["lines"][0]["confirmed_qty"]) == (True, 80.0)
    assert [e[0] for e in events_of(api.engine, "PO-S1-2")].count("acknowledge") == 1
    assert snapshot(api.engine) == after_first
    other = _set(order_response(), ["OrderLine", 0, "LineItem", "Quantity", "value"], 70)
    conflict = api.post("S1", url, json=other)
    assert conflict.status_code == 409
    assert conflict.json()["detail"].startswith("ID: order response RSP-1")
    assert snapshot(api.engine) == after_first
    # a new ID revises the answer (acknowledged may be acknowledged again)
    revised = _set(other, ["ID"], "RSP-2")
    assert api.post("S1", url, json=revised).status_code == 201
    assert lines_of(api.engine, "PO-S1-2")[1]["confirmed_qty"] == 70.0


def test_another_supplier_cannot_answer_your_order(api: Api, world: dict[str, int]) -> None:
    before = snapshot(api.engine)
    for number in ("PO-S1-2", "PO-OLD-1"):
        answer = api.post(
            "S2",
            f"{P}/purchase-orders/{number}/order-response",
            json=order_response(number),
        )
        assert answer.status_code == 404
        assert answer.json() == {"detail": f"no purchase order {number}"}
    unsent = api.post(
        "S1",
        f"{P}/purchase-orders/PO-S1-NEW/order-response",
        json=order_response("PO-S1-NEW", OrderLine=[]),
    )
    assert unsent.status_code == 404
    assert snapshot(api.engine) == before
    assert lines_of(api.engine, "PO-S1-2")[1]["confirmed_qty"] is None


# --------------------------------------------------------------------------- despatch advice


def test_despatch_advices_ship_and_add_up(api: Api, world: dict[str, int]) -> None:
    first = api.post("S1", f"{P}/despatch-advices", json=despatch_advice())
    assert first.status_code == 201, first.text
    assert (first.json()["status"], first.json()["duplicate"]) == ("shipped", False)
    stored = lines_of(api.engine, "PO-S1-2")
    assert (stored[1]["shipped_qty"], stored[1]["expected_date"]) == (60.0, date(2026, 3, 5))
    assert stored[2]["shipped_qty"] is None  # not on this notice
    assert po_status(api.engine, "PO-S1-2") == "shipped"
    action, actor, detail = events_of(api.engine, "PO-S1-2")[-1]
    assert (action, actor) == ("ship", "portal:S1")
    assert (detail["despatch_advice"], detail["shipment"], detail["tracking"]) == (
        "DES-1",
        "SHP-77",
        "1Z999AA10123456784",
    )

    second = despatch_advice(doc_id="DES-2", lines=[("1", 20.0), ("1", 10.0), ("2", 40.0)])
    second["Shipment"]["Delivery"]["EstimatedDeliveryPeriod"]["EndDate"] = "2026-03-08"
    assert api.post("S1", f"{P}/despatch-advices", json=second).status_code == 201
    stored = lines_of(api.engine, "PO-S1-2")
    assert (stored[1]["shipped_qty"], stored[1]["expected_date"]) == (90.0, date(2026, 3, 8))
    assert (stored[2]["shipped_qty"], stored[2]["expected_date"]) == (40.0, date(2026, 3, 8))
    # the buyer's view shows who shipped
    trail = api.get("buyer", "/api/purchase-orders/PO-S1-2").json()["events"]
    assert [(e["action"], e["actor"]) for e in trail] == [
        ("ship", "portal:S1"),
        ("ship", "portal:S1"),
    ]


def test_a_repeated_despatch_advice_is_a_duplicate(api: Api, world: dict[str, int]) -> None:
    assert api.post("S1", f"{P}/despatch-advices", json=despatch_advice()).status_code == 201
    after_first = snapshot(api.engine)
    again = api.post("S1", f"{P}/despatch-advices", json=despatch_advice())
    assert again.status_code == 200
    assert (again.json()["duplicate"], again.json()["lines"][0]["shipped_qty"]) == (True, 60.0)
    assert snapshot(api.engine) == after_first
    assert lines_of(api.engine, "PO-S1-2")[1]["shipped_qty"] == 60.0  # not 120

    changed = despatch_advice(lines=[("1", 50.0)])
    conflict = api.post("S1", f"{P}/despatch-advices", json=changed)
    assert conflict.status_code == 409
    assert conflict.json()["detail"].startswith("ID: despatch advice DES-1")
    elsewhere = api.post("S1", f"{P}/despatch-advices", json=despatch_advice("PO-OLD-1"))
    assert elsewhere.status_code == 409  # the same ID on another order
    assert snapshot(api.engine) == after_first

    # IDs are the supplier's own: S2's DES-1 is another document
    s2 = api.post("S2", f"{P}/despatch-advices", json=despatch_advice("PO-S2-1", lines=[("1", 30)]))
    assert (s2.status_code, s2.json()["duplicate"]) == (201, False)
    assert lines_of(api.engine, "PO-S2-1")[1]["shipped_qty"] == 30.0


BAD_DESPATCHES: dict[str, tuple[list[Any], Any, Any]] = {
    "negative quantity": (
        ["DespatchLine", 0, "DeliveredQuantity", "value"],
        -1,
        ["body", "DespatchLine", 0, "DeliveredQuantity", "value"],
    ),
    "zero quantity": (
        ["DespatchLine", 0, "DeliveredQuantity", "value"],
        0,
        ["body", "DespatchLine", 0, "DeliveredQuantity", "value"],
    ),
    "no lines": (["DespatchLine"], [], ["body", "DespatchLine"]),
    "no expected date": (
        ["Shipment", "Delivery"],
        {},
        ["body", "Shipment", "Delivery", "EstimatedDeliveryPeriod"],
    ),
    "unknown field": (["Shipment", "Carrier"], "DHL", ["body", "Shipment", "Carrier"]),
    "unknown line": (
        ["DespatchLine", 0, "OrderLineReference", "LineID"],
        "9",
        "DespatchLine[0].OrderLineReference.LineID",
    ),
    "cancelled line": (
        ["DespatchLine", 0, "OrderLineReference", "LineID"],
        "3",
        "DespatchLine[0].OrderLineReference.LineID",
    ),
    "wrong unit": (
        ["DespatchLine", 0, "DeliveredQuantity", "unitCode"],
        "KG",
        "DespatchLine[0].DeliveredQuantity.unitCode",
    ),
    "far more than ordered": (
        ["DespatchLine", 0, "DeliveredQuantity", "value"],
        200,
        "DespatchLine[0].DeliveredQuantity.value",
    ),
    "expected before issued": (
        ["Shipment", "Delivery", "EstimatedDeliveryPeriod", "EndDate"],
        "2026-03-01",
        "Shipment.Delivery.EstimatedDeliveryPeriod.EndDate",
    ),
}


@pytest.mark.parametrize("case", list(BAD_DESPATCHES))
def test_a_bad_despatch_advice_names_the_field_and_writes_nothing(
    api: Api, world: dict[str, int], case: str
) -> None:
    path, value, named = BAD_DESPATCHES[case]
    before = snapshot(api.engine)
    answer = api.post("S1", f"{P}/despatch-advices", json=_set(despatch_advice(), path, value))
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    if isinstance(named, str):
        assert detail.startswith(named), detail
    else:
        assert named in [e["loc"] for e in detail], detail
    assert snapshot(api.engine) == before


def test_another_supplier_cannot_ship_your_order(api: Api, world: dict[str, int]) -> None:
    before = snapshot(api.engine)
    for number in ("PO-S1-2", "PO-OLD-1", "PO-NOPE"):
        answer = api.post("S2", f"{P}/despatch-advices", json=despatch_advice(number))
        assert answer.status_code == 404
        assert answer.json() == {"detail": f"no purchase order {number}"}
    assert snapshot(api.engine) == before
    assert lines_of(api.engine, "PO-S1-2")[1]["shipped_qty"] is None


# --------------------------------------------------------------------------- end to end


def test_a_planned_order_reaches_the_supplier_once_sent(api: Api) -> None:
    result = run_plan(api.engine)
    proposals = result.proposals
    number = proposals.filter((proposals["item"] == "A@MAIN") & (proposals["kind"] == "order"))[
        "po"
    ][0]
    assert po_status(api.engine, number) == "approved"
    assert api.get("S1", f"{P}/purchase-orders/{number}").status_code == 404
    assert number not in [r["po"] for r in api.get("S1", f"{P}/purchase-orders").json()["items"]]
    before = api.get("S1", f"{P}/positions?item=A@MAIN").json()["items"][0]["on_order"]
    assert before == 0.0  # the unsent order is not on order from S1 yet

    transition(api.engine, number, "send", actor="buyer")
    sent = api.get("S1", f"{P}/purchase-orders").json()["items"]
    assert [r["po"] for r in sent] == [number, "PO-OLD-1"]
    assert api.get("S1", f"{P}/positions?item=A@MAIN").json()["items"][0]["on_order"] == 100.0
    assert api.get("S2", f"{P}/purchase-orders/{number}").status_code == 404

    accept = {
        "ID": "R-9",
        "IssueDate": "2026-03-02",
        "OrderReference": {"ID": number},
        "OrderLine": [
            {
                "LineItem": {"ID": "1", "Quantity": {"value": 100, "unitCode": "EA"}},
                "LineStatusCode": "Accepted",
            }
        ],
    }
    url = f"{P}/purchase-orders/{number}/order-response"
    assert api.post("S1", url, json=accept).json()["status"] == "acknowledged"
    shipped = api.post("S1", f"{P}/despatch-advices", json=despatch_advice(number, "D-9"))
    assert shipped.json()["status"] == "shipped"
    order = api.get("S1", f"{P}/purchase-orders/{number}").json()
    assert (order["lines"][0]["confirmed_qty"], order["lines"][0]["shipped_qty"]) == (100.0, 60.0)
    trail = api.get("buyer", f"/api/purchase-orders/{number}").json()["events"]
    assert [(e["action"], e["actor"]) for e in trail][-3:] == [
        ("send", "buyer"),
        ("acknowledge", "portal:S1"),
        ("ship", "portal:S1"),
    ]
