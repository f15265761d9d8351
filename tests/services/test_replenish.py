"""Plan run, proposals, approvals and PO creation on both backends (hand-worked world)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select

from takt.errors import InvalidInputError, NotFoundError
from takt.services.locks import LockedError, run_lock
from takt.services.replenish import (
    approve_proposals,
    compare_plans,
    list_proposals,
    reject_proposals,
    run_plan,
)
from takt.store.db import transaction
from takt.store.models import (
    AgreementLineRow,
    PlanRunRow,
    ProposalRow,
    PurchaseOrderEventRow,
    PurchaseOrderLineRow,
    PurchaseOrderRow,
)
from tests.services.replenish_world import AS_OF, build_world


def by_item(frame):  # type: ignore[no-untyped-def]
    return {r["item"].split("@")[0] + ":" + r["kind"]: r for r in frame.iter_rows(named=True)}


def test_plan_run_proposes_sources_decides_and_places_orders(engine: Engine) -> None:
    build_world(engine)
    result = run_plan(engine)
    assert result.as_of == AS_OF
    got = by_item(result.proposals)
    assert set(got) == {"A:order", "B:order", "D:order", "C:push_out"}

    a = got["A:order"]
    assert (a["qty"], a["supplier"], a["decision"], a["status"]) == (
        100.0,
        "S1",
        "auto",
        "approved",
    )
    # Needed when IP 30 reaches the safety stock 10 (2 days); S1 needs 3 days, so it
    # arrives a day into the safety stock (1 day of cover): not late, auto-approved.
    assert a["need_date"] == AS_OF + timedelta(days=2)
    assert (a["order_date"], a["delivery_date"]) == (AS_OF, AS_OF + timedelta(days=3))
    assert "within the safety stock (1 days of cover)" in a["reason"]
    assert "reorder point 40" in a["reason"] and "position 30" in a["reason"]
    assert a["po"] is not None and a["line_no"] == 1

    b = got["B:order"]
    assert (b["qty"], b["decision"], b["status"], b["po"]) == (190.0, "queue", "open", None)
    assert "auto-approve limit" in b["approval_reason"]

    d = got["D:order"]
    assert d["supplier"] is None and d["decision"] == "queue"
    assert "no offer" in d["reason"]

    c = got["C:push_out"]
    assert c["new_date"] == AS_OF + timedelta(days=49)
    assert c["decision"] == "queue"

    s = result.summary
    assert (s["orders"], s["auto_approved"], s["queued"], s["unsourced"]) == (3, 1, 2, 1)
    assert s["reschedules"] == {"push_out": 1}
    assert s["purchase_orders"] == 1

    with transaction(engine) as session:
        po = session.execute(
            select(PurchaseOrderRow).where(PurchaseOrderRow.number == a["po"])
        ).scalar_one()
        assert po.status.value == "approved"
        line = po.lines[0]
        assert (line.qty, float(line.unit_price), line.need_date) == (
            100.0,
            2.0,
            AS_OF + timedelta(3),
        )
        assert "reorder point 40" in (line.reason or "")
        assert line.explanation is not None and line.explanation["position"] == 30.0
        actions = session.scalars(
            select(PurchaseOrderEventRow.action).where(PurchaseOrderEventRow.po_id == po.id)
        ).all()
        assert actions == ["created"]
        run = session.get(PlanRunRow, result.run_id)
        assert run is not None and run.status == "succeeded" and run.kind == "plan"
        assert run.parameters["horizon_days"] == 56


def test_a_second_plan_supersedes_open_proposals_and_sees_the_new_po(engine: Engine) -> None:
    build_world(engine)
    first = run_plan(engine)
    second = run_plan(engine)
    assert second.summary["superseded"] == 3  # B, D and C's push-out; A was approved
    got = by_item(second.proposals)
    assert "A:order" not in got  # A's 100 is on order now: position 130
    assert set(got) == {"B:order", "D:order", "C:push_out"}
    assert list_proposals(engine, status="superseded").height == 3
    diff = {
        r["item"].split("@")[0]: r["change"]
        for r in compare_plans(engine, second.run_id).iter_rows(named=True)
    }
    assert diff == {"A": "gone", "B": "same", "C": "same", "D": "same"}
    assert compare_plans(engine, second.run_id, first.run_id).height == 4


def test_approving_proposals_places_orders_and_changes_lines(engine: Engine) -> None:
    build_world(engine)
    result = run_plan(engine)
    got = by_item(result.proposals)
    touched = approve_proposals(
        engine, [got["B:order"]["id"], got["C:push_out"]["id"]], actor="buyer1"
    )
    assert "PO-OLD-1" in touched and len(touched) == 2
    with transaction(engine) as session:
        lines = session.execute(
            select(
                PurchaseOrderLineRow.item_id,
                PurchaseOrderLineRow.qty,
                PurchaseOrderLineRow.need_date,
                PurchaseOrderRow.number,
            )
            .join(PurchaseOrderRow)
            .order_by(PurchaseOrderLineRow.id)
        ).all()
        # B's line joined A's PO (same supplier and delivery day).
        new_po = got["A:order"]["po"]
        assert [(q, n) for _i, q, _d, n in lines if n == new_po] == [
            (100.0, new_po),
            (190.0, new_po),
        ]
        moved = [d for _i, _q, d, n in lines if n == "PO-OLD-1"]
        assert moved == [AS_OF + timedelta(days=49)]
        events = session.execute(
            select(PurchaseOrderEventRow.actor, PurchaseOrderEventRow.action).order_by(
                PurchaseOrderEventRow.id
            )
        ).all()
        assert ("buyer1", "lines_added") in events and ("buyer1", "push_out") in events
    approved = list_proposals(engine, status="approved")
    assert set(approved["id"].to_list()) == {
        got[k]["id"] for k in ("A:order", "B:order", "C:push_out")
    }
    with pytest.raises(InvalidInputError, match="only open proposals"):
        approve_proposals(engine, [got["B:order"]["id"]], actor="buyer1")
    with pytest.raises(InvalidInputError, match="no supplier"):
        approve_proposals(engine, [got["D:order"]["id"]], actor="buyer1")
    with pytest.raises(NotFoundError, match="no proposal 999999"):
        approve_proposals(engine, [999999], actor="buyer1")
    assert reject_proposals(engine, [got["D:order"]["id"]], actor="buyer1", note="obsolete") == 1
    rejected = list_proposals(engine, status="rejected")
    assert rejected["approval_reason"][0].endswith("rejected: obsolete")


def test_one_plan_run_at_a_time(engine: Engine) -> None:
    build_world(engine)
    held = run_lock(engine, "plan run", holder="someone else")
    refused = pytest.raises(LockedError, match="another plan run is running: someone else")
    with held, refused:
        run_plan(engine)
    assert run_plan(engine).summary["orders"] == 3  # released: runs again


def test_a_failing_plan_writes_nothing_and_the_rerun_gives_the_result(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_world(engine)
    import takt.services.replenish as service

    real = service.place_orders

    def crash(*args, **kwargs):  # type: ignore[no-untyped-def]
        real(*args, **kwargs)
        raise RuntimeError("power cut")

    monkeypatch.setattr(service, "place_orders", crash)
    with pytest.raises(Exception, match="power cut"):
        run_plan(engine)
    with transaction(engine) as session:
        assert session.scalar(select(func.count()).select_from(ProposalRow)) == 0
        assert session.scalar(select(func.count()).select_from(PurchaseOrderRow)) == 1  # old
        status = session.scalars(select(PlanRunRow.status).where(PlanRunRow.kind == "plan")).all()
        assert status == ["failed"]
    monkeypatch.setattr(service, "place_orders", real)
    again = run_plan(engine)
    assert again.summary["orders"] == 3 and again.summary["purchase_orders"] == 1


def test_blanket_releases_are_tracked(engine: Engine) -> None:
    from takt.store.models import AgreementRow

    ids = build_world(engine)
    with transaction(engine) as session:
        s1 = session.execute(select(PurchaseOrderRow.supplier_id)).scalar_one()
        ba = AgreementRow(
            number="BA-1",
            supplier_id=s1,
            start_date=AS_OF - timedelta(30),
            end_date=AS_OF + timedelta(300),
        )
        session.add(ba)
        session.flush()
        from decimal import Decimal

        session.add(
            AgreementLineRow(
                agreement_id=ba.id,
                item_id=ids["A"],
                committed_qty=1000.0,
                unit_price=Decimal("1.80"),
                released_qty=850.0,
            )
        )
    result = run_plan(engine)
    a = by_item(result.proposals)["A:order"]
    assert a["agreement"] == "BA-1" and a["unit_price"] == pytest.approx(1.8)
    assert "950" in a["warning"]  # 950 of 1000 after this release: near exhaustion
    assert a["decision"] == "queue"  # the buyer sees the warning before it goes out
    with transaction(engine) as session:
        assert session.scalar(select(AgreementLineRow.released_qty)) == 850.0
    (number,) = approve_proposals(engine, [a["id"]], actor="buyer1")
    with transaction(engine) as session:
        assert session.scalar(select(AgreementLineRow.released_qty)) == 950.0
        po = session.execute(
            select(PurchaseOrderRow).where(PurchaseOrderRow.number == number)
        ).scalar_one()
        assert po.agreement_id is not None


KILLED_PLAN = """
import os, sys
import takt.services.replenish as service
from takt.store.db import make_engine

real = service.place_orders

def die(*args, **kwargs):
    real(*args, **kwargs)  # POs written inside the plan's transaction ...
    os._exit(9)  # ... and the process is killed before it commits

service.place_orders = die
service.run_plan(make_engine(sys.argv[1]))
"""


def test_a_killed_plan_leaves_no_partial_orders_and_the_rerun_gives_the_result(
    engine: Engine,
) -> None:
    import subprocess
    import sys

    build_world(engine)
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()  # the child must not share our connections
    done = subprocess.run([sys.executable, "-c", KILLED_PLAN, url], timeout=120)
    assert done.returncode == 9
    with transaction(engine) as session:
        assert session.scalar(select(func.count()).select_from(ProposalRow)) == 0
        assert session.scalars(select(PurchaseOrderRow.number)).all() == ["PO-OLD-1"]
        assert session.scalars(
            select(PlanRunRow.status).where(PlanRunRow.kind == "plan")
        ).all() == ["running"]
    # The dead process's lock is taken over; its run is marked interrupted.
    again = run_plan(engine)
    got = by_item(again.proposals)
    assert set(got) == {"A:order", "B:order", "D:order", "C:push_out"}
    assert (got["A:order"]["qty"], got["A:order"]["decision"]) == (100.0, "auto")
    assert again.summary["purchase_orders"] == 1
    with transaction(engine) as session:
        runs = session.execute(
            select(PlanRunRow.status, PlanRunRow.error)
            .where(PlanRunRow.kind == "plan")
            .order_by(PlanRunRow.id)
        ).all()
    assert runs[0][0] == "failed" and "interrupted" in (runs[0][1] or "")
    assert runs[1][0] == "succeeded"
