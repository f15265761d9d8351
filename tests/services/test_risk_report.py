"""Risk exposure over the store: TTS against TTR per item and supplier, a recommended
action per exposed item, and the uplift that answers it (both backends)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from takt.domain.enums import RiskType, Severity
from takt.services.replenish import run_plan
from takt.services.risk import apply_uplifts, list_uplifts, risk_report
from takt.store.db import transaction
from takt.store.models import RiskEventRow, SupplierRow
from tests.services.replenish_world import AS_OF, build_world
from tests.services.test_replenish import by_item


def _fire_at_s1(engine: Engine, days: int = 20) -> None:
    with transaction(engine) as session:
        s1 = session.execute(select(SupplierRow.id).where(SupplierRow.code == "S1")).scalar_one()
        session.add(
            RiskEventRow(
                key="fire-s1",
                supplier_id=s1,
                type=RiskType.FIRE,
                severity=Severity.HIGH,
                start_date=AS_OF,
                expected_duration_days=days,
                description="plant fire",
            )
        )


def test_exposure_and_actions_by_hand(engine: Engine) -> None:
    build_world(engine)
    _fire_at_s1(engine)
    report = risk_report(engine, as_of=AS_OF)
    items = {r["item"]: r for r in report.items.iter_rows(named=True)}
    # A: 30 on hand, nothing on order, 10 a day -> survives 3 days; S1 recovers in the 20
    # days left of the fire + its 3-day lead time = 23 -> exposed by 20 days, 200 short.
    a = items["A@MAIN"]
    assert a["time_to_survive_days"] == pytest.approx(3.0)
    assert a["time_to_recover_days"] == pytest.approx(23.0)
    assert a["exposed"] and a["gap_days"] == pytest.approx(20.0)
    assert a["units_short"] == pytest.approx(200.0)
    assert a["events"] == ["fire-s1"]
    # C: 500 on hand + 100 on order = 60 days: not exposed. D: no offer at all.
    assert not items["C@MAIN"]["exposed"]
    assert items["C@MAIN"]["time_to_survive_days"] == pytest.approx(60.0)
    suppliers = {r["supplier"]: r for r in report.suppliers.iter_rows(named=True)}
    assert suppliers["S1"]["exposed_items"] == 2  # A and B
    actions = {r["item"]: r for r in report.actions.iter_rows(named=True)}
    assert set(actions) == {"A@MAIN", "B@MAIN"}
    # S2 is unaffected but takes 5 days, longer than A survives: raise A's buffer instead.
    assert actions["A@MAIN"]["action"] == "raise_buffer"
    assert actions["A@MAIN"]["uplift_qty"] == pytest.approx(200.0)


def test_the_recommended_uplift_reaches_the_plan(engine: Engine) -> None:
    build_world(engine)
    _fire_at_s1(engine)
    report = risk_report(engine, as_of=AS_OF)
    made = apply_uplifts(engine, report.actions, as_of=AS_OF, actor="planner")
    assert {u.item for u in made} == {"A@MAIN", "B@MAIN"}
    assert all(u.end > AS_OF + timedelta(days=20) for u in made)
    assert len(list_uplifts(engine, active_on=AS_OF)) == 2
    a = by_item(run_plan(engine, as_of=AS_OF).proposals)["A:order"]
    assert "buffer uplift +200" in a["reason"]


def test_no_event_no_action(engine: Engine) -> None:
    build_world(engine)
    report = risk_report(engine, as_of=AS_OF)
    assert report.actions.height == 0
    assert not report.items.filter(report.items["hit"]).height
