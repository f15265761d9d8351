"""The web pages' world: the replenishment world of the API tests (users of every role,
suppliers S1 and S2 with portal accounts) planned as of its date, plus what the pages
show: demand history and a weekly forecast for A, a supplier scorecard with its trend and
receipts for S1, an open PO for S2, a risk event on S1 and two simulation runs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from takt.domain.enums import Grain, InspectionResult, PurchaseOrderStatus
from takt.services.replenish import list_proposals, run_plan
from takt.services.risk import add_risk_event
from takt.services.users import add_user
from takt.store.db import transaction
from takt.store.models import (
    DemandBucketRow,
    ForecastAccuracyRow,
    ForecastRow,
    ItemRow,
    PlanRunRow,
    PurchaseOrderLineRow,
    PurchaseOrderRow,
    ReceiptRow,
    SupplierRow,
    SupplierScorecardRow,
    SupplierTrendRow,
)
from tests.services.replenish_world import AS_OF, build_world

ROLES = ("viewer", "planner", "buyer", "admin")
S2_PO = "PO-S2-0007"
HISTORY_PO = "PO-S1-HIST"
LEAD_TIMES = (4, 5, 5, 6, 7, 9)  # days from order to receipt on S1's past order
SIM_FILL_RATE = 0.9731  # the newer simulation run's fill rate in normal conditions


@dataclass(frozen=True)
class WebWorld:
    proposals: dict[str, int]  # the open proposal id by item ("B@MAIN": …)
    auto_po: str  # the PO the plan's auto-approved order (A, S1) went on; approved, unsent


def password(username: str) -> str:
    return f"{username}-password"


def build_web_world(engine: Engine) -> WebWorld:
    ids = build_world(engine)
    for role in ROLES:
        add_user(engine, role, password(role), role=role)
    for code in ("S1", "S2"):
        name = f"supplier-{code.lower()}"
        add_user(engine, name, password(name), role="supplier", supplier=code)
    run_plan(engine, as_of=AS_OF)
    today = datetime.now(UTC).date()
    with transaction(engine) as session:
        suppliers = dict(session.execute(select(SupplierRow.code, SupplierRow.id)).all())
        _history_and_forecast(session, ids["A"])
        _supplier_record(session, suppliers["S1"], ids["A"], today)
        s2 = PurchaseOrderRow(
            number=S2_PO,
            supplier_id=suppliers["S2"],
            status=PurchaseOrderStatus.SENT,
            order_date=AS_OF,
        )
        session.add(s2)
        session.flush()
        session.add(
            PurchaseOrderLineRow(
                po_id=s2.id,
                line_no=1,
                item_id=ids["D"],
                qty=25.0,
                unit_price=Decimal("3.50"),
                need_date=AS_OF,
            )
        )
        for fill, scenario_fill in ((0.5, 0.4), (SIM_FILL_RATE, 0.9012)):
            session.add(_simulation_run(fill, scenario_fill))
    add_risk_event(
        engine,
        key="s1-fire",
        type="fire",
        severity="high",
        start=today - timedelta(days=1),
        expected_duration_days=30,
        supplier="S1",
        description="fire at the S1 plant",
    )
    open_ = list_proposals(engine, status="open")
    auto = list_proposals(engine, status="approved", item="A@MAIN")
    return WebWorld(dict(zip(open_["item"], open_["id"], strict=True)), auto["po"][0])


def _history_and_forecast(session: Session, item_id: int) -> None:
    for back in range(1, 120):
        day = AS_OF - timedelta(days=back)
        session.add(
            DemandBucketRow(
                item_id=item_id, grain=Grain.DAY, period_start=day, qty=float(8 + (back * 7) % 5)
            )
        )
    run = PlanRunRow(
        kind="forecast",
        status="succeeded",
        as_of=AS_OF,
        parameters={"grain": "week"},
        seed=0,
        finished_at=datetime.now(UTC),
    )
    session.add(run)
    session.flush()
    for week in range(13):
        session.add(
            ForecastRow(
                run_id=run.id, item_id=item_id, period_start=AS_OF + timedelta(weeks=week), qty=70.0
            )
        )
    session.add(
        ForecastAccuracyRow(
            run_id=run.id,
            item_id=item_id,
            pattern="smooth",
            model="ets",
            origins=8,
            rmsse=0.8,
            mase=0.7,
            bias=0.01,
            wape=0.1,
            ltd_error=0.05,
            actual=70.0,
            forecast=71.0,
        )
    )


def _supplier_record(session: Session, supplier_id: int, item_id: int, today: date) -> None:
    po = PurchaseOrderRow(
        number=HISTORY_PO,
        supplier_id=supplier_id,
        status=PurchaseOrderStatus.RECEIVED,
        order_date=AS_OF - timedelta(days=60),
    )
    session.add(po)
    session.flush()
    for n, days in enumerate(LEAD_TIMES, start=1):
        line = PurchaseOrderLineRow(
            po_id=po.id,
            line_no=n,
            item_id=item_id,
            qty=10.0,
            unit_price=Decimal("2"),
            need_date=po.order_date,
        )
        session.add(line)
        session.flush()
        session.add(
            ReceiptRow(
                number=f"R-{n}",
                po_line_id=line.id,
                received_on=po.order_date + timedelta(days=days),
                qty_received=10.0,
                qty_rejected=0.0,
                inspection=InspectionResult.ACCEPTED,
            )
        )
    run = PlanRunRow(
        kind="suppliers",
        status="succeeded",
        as_of=AS_OF,
        parameters={},
        seed=0,
        finished_at=datetime.now(UTC),
    )
    session.add(run)
    session.flush()
    session.add(
        SupplierScorecardRow(
            run_id=run.id,
            supplier_id=supplier_id,
            lines=6,
            on_time_pct=83.3,
            in_full_pct=100.0,
            otif_pct=83.3,
            open_past_due=0,
            lead_time_mean=6.0,
            lead_time_std=1.8,
            lead_time_cv=0.3,
            defect_rate=0.0,
            defect_ppm=0.0,
            ack_latency_days=1.0,
            disruption_events=0,
            disruption_response_days=None,
            otif_score=83.3,
            lead_time_score=70.0,
            quality_score=100.0,
            responsiveness_score=90.0,
            score=85.5,
            rank=1,
        )
    )
    for window in range(4):
        start = AS_OF - timedelta(days=28 * (4 - window))
        session.add(
            SupplierTrendRow(
                run_id=run.id,
                supplier_id=supplier_id,
                period_start=start,
                period_end=start + timedelta(days=27),
                lines=3,
                otif_pct=90.0 - 5 * window,
                defect_rate=0.0,
                lead_time_mean=5.0 + window,
            )
        )


def _simulation_run(fill: float, scenario_fill: float) -> PlanRunRow:
    def one(scenario: str, rate: float) -> dict[str, object]:
        overall = {
            "fill_rate": rate,
            "cycle_service_level": rate - 0.02,
            "stockout_days": 3.5,
            "line_stop_days": 0.0,
            "working_capital": 1234.5,
            "carrying_cost": 308.6,
            "orders": 42.0,
            "exposed_items": 1,
        }
        strategies = [
            {
                "strategy": "buffer",
                "items": 3,
                "fill_rate": rate,
                "stockout_days": 2.0,
                "working_capital": 1000.0,
                "exposed_items": 0,
            },
            {
                "strategy": "jit",
                "items": 1,
                "fill_rate": rate - 0.1,
                "stockout_days": 9.0,
                "working_capital": 234.5,
                "exposed_items": 1,
            },
        ]
        worst = [
            {
                "item": "A@MAIN",
                "supplier": "S1",
                "strategy": "buffer",
                "fill_rate": rate,
                "stockout_days": 3.0,
                "tts_days": 4.0,
            }
        ]
        return {
            "scenario": scenario,
            "overall": overall,
            "strategies": strategies,
            "suppliers": [],
            "exposed_items": 1,
            "worst_items": worst,
        }

    summary = {
        "items": 4,
        "baseline": one("baseline", fill),
        "scenario": one("supplier_outage", scenario_fill),
    }
    return PlanRunRow(
        kind="simulation",
        status="succeeded",
        as_of=AS_OF,
        parameters={"days": 365, "replications": 20, "seed": 0},
        seed=0,
        summary=summary,
        finished_at=datetime.now(UTC),
    )


def po_of(engine: Engine, proposal_id: int) -> str | None:
    """The PO number a proposal became (None while it is open)."""
    frame = list_proposals(engine, status=None)
    row = frame.filter(frame["id"] == proposal_id)
    return None if row.height == 0 else row["po"][0]


def item_id(engine: Engine, sku: str) -> int:
    with transaction(engine) as session:
        return int(session.execute(select(ItemRow.id).where(ItemRow.sku == sku)).scalar_one())


LOGIN_TOKEN = re.compile(r'name="login_token" value="([^"]+)"')
CSRF_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def sign_in(client: TestClient, username: str, secret: str | None = None) -> str:
    """Sign ``client`` in through the form; returns the session's CSRF token."""
    form = client.get("/login")
    token = LOGIN_TOKEN.search(form.text)
    assert token, form.text
    answer = client.post(
        "/login",
        data={
            "username": username,
            "password": secret or password(username),
            "login_token": token.group(1),
            "next": "/runs",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    page = client.get(answer.headers["location"])
    csrf = CSRF_TOKEN.search(page.text)
    assert csrf, page.text
    return csrf.group(1)
