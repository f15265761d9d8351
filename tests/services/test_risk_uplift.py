"""Temporary buffer uplifts: the plan and the pull trigger honour them while they are in
force, and they lapse by themselves."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine

from takt.errors import InvalidInputError, NotFoundError
from takt.services.replenish import run_plan
from takt.services.risk import add_uplift, end_uplift, list_uplifts
from tests.services.replenish_world import AS_OF, build_world
from tests.services.test_replenish import by_item


def test_an_uplift_in_force_raises_the_reorder_point_and_an_expired_one_does_not(
    engine: Engine,
) -> None:
    build_world(engine)
    # C: reorder point 40, position 500 on hand + 100 open = 600: no order of its own.
    expired = add_uplift(
        engine, "C@MAIN", qty=600, days=10, start=AS_OF - timedelta(days=10), reason="old"
    )
    assert expired.end == AS_OF  # ends the day before the plan: lapsed
    got = by_item(run_plan(engine, as_of=AS_OF).proposals)
    assert "C:order" not in got

    add_uplift(engine, "C@MAIN", qty=600, days=14, start=AS_OF, reason="port closure")
    got = by_item(run_plan(engine, as_of=AS_OF).proposals)
    c = got["C:order"]  # reorder point 40 + 600 = 640 > 600: order
    assert "reached the reorder point 640" in c["reason"]
    assert "buffer uplift +600" in c["reason"]
    active = list_uplifts(engine, active_on=AS_OF)
    assert [u["qty"] for u in active] == [600.0]
    assert len(list_uplifts(engine)) == 2


def test_ending_an_uplift_early_takes_it_out_of_the_plan(engine: Engine) -> None:
    build_world(engine)
    up = add_uplift(engine, "C@MAIN", qty=600, days=14, start=AS_OF - timedelta(days=1))
    end_uplift(engine, up.id, on=AS_OF)
    assert list_uplifts(engine, active_on=AS_OF) == []
    assert "C:order" not in by_item(run_plan(engine, as_of=AS_OF).proposals)


def test_uplift_input_is_checked(engine: Engine) -> None:
    build_world(engine)
    with pytest.raises(InvalidInputError, match="qty must be > 0"):
        add_uplift(engine, "C@MAIN", qty=0, days=3)
    with pytest.raises(InvalidInputError, match="days must be at least 1"):
        add_uplift(engine, "C@MAIN", qty=5, days=0)
    with pytest.raises(NotFoundError, match="unknown item"):
        add_uplift(engine, "NOPE@MAIN", qty=5, days=3)
    with pytest.raises(NotFoundError, match="no risk event"):
        add_uplift(engine, "C@MAIN", qty=5, days=3, risk_event="missing")
