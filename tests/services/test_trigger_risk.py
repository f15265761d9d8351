"""The pull trigger with risk in mind: a demand far above the item's history goes to a
buyer with the reason, and a buffer uplift in force raises the trigger (both backends)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from takt.domain.enums import Grain
from takt.services.risk import add_uplift
from takt.services.trigger import post_signal
from takt.store.db import transaction
from takt.store.models import DemandBucketRow
from tests.services.replenish_world import AS_OF, build_world
from tests.services.test_pull_trigger import proposals, set_on_hand

AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _history(engine: Engine, item_id: int) -> None:
    """A year of 7, 10, 13, 7, 10, 13, … a day: mean 10, sd 2.45."""
    with transaction(engine) as session:
        for k in range(1, 366):
            session.add(
                DemandBucketRow(
                    item_id=item_id,
                    grain=Grain.DAY,
                    period_start=AS_OF - timedelta(days=k),
                    qty=float((7, 10, 13)[k % 3]),
                )
            )


def test_a_usual_day_orders_automatically(engine: Engine) -> None:
    ids = build_world(engine)
    _history(engine, ids["A"])
    set_on_hand(engine, ids["A"], 45.0)
    r = post_signal(engine, item="A", qty=12.0, at=AT, key="k1")
    assert r.proposal_id is not None and r.decision == "auto"


def test_a_demand_far_above_the_history_goes_to_a_buyer(engine: Engine) -> None:
    ids = build_world(engine)
    _history(engine, ids["A"])
    set_on_hand(engine, ids["A"], 45.0)
    r = post_signal(engine, item="A", qty=30.0, at=AT, key="k1")  # (30 − 10) / 2.45 ≈ 8 sd
    assert r.proposal_id is not None and r.decision == "queue"
    assert proposals(engine) == [(ids["A"], 100.0, "queue", "k1")]
    from takt.services.replenish import list_proposals

    reason = list_proposals(engine)["approval_reason"][0]
    assert "unusual demand: " in reason


def test_an_uplift_in_force_raises_the_pull_trigger(engine: Engine) -> None:
    ids = build_world(engine)
    set_on_hand(engine, ids["A"], 130.0)
    assert post_signal(engine, item="A", qty=5.0, at=AT, key="k1").proposal_id is None
    add_uplift(engine, "A@MAIN", qty=100.0, days=5, start=AS_OF)  # trigger 40 -> 140
    r = post_signal(engine, item="A", qty=5.0, at=AT, key="k2")
    assert r.position == 120.0 and r.proposal_id is not None
