"""A batch of signals means what the same signals one by one mean (both backends)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select

from takt.errors import InvalidInputError
from takt.services.signals_bulk import post_signals
from takt.services.trigger import post_signal
from takt.store.db import transaction
from takt.store.models import DemandBucketRow, SignalRow
from tests.services.replenish_world import build_world
from tests.services.test_pull_trigger import proposals, set_on_hand, stock

AT = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _batch() -> list[dict[str, object]]:
    return [
        {"item": "A@MAIN", "qty": 10.0, "at": AT, "key": "a1", "source": "pos"},
        {"item": "A", "qty": 15.0, "at": AT + timedelta(hours=1), "key": "a2"},
        {"item": "C@MAIN", "qty": 600.0, "at": AT, "key": "c1", "source": "kanban"},
    ]


def test_a_batch_consumes_stock_and_triggers_like_one_by_one(engine: Engine) -> None:
    ids = build_world(engine)
    set_on_hand(engine, ids["A"], 60.0)
    result = post_signals(engine, _batch())
    assert (result.accepted, result.duplicates, result.items) == (3, 0, 2)
    assert stock(engine, ids["A"]) == (35.0, 0.0)  # 60 - 25
    assert stock(engine, ids["C"]) == (0.0, 100.0)  # 500 on hand, 600 wanted
    # A at 35 is below its reorder point 40 (proposed by the batch's last A signal); C at
    # 0 on hand - 100 backordered + 100 open = 0 is below its 40 too
    assert [(p.item, p.key) for p in result.proposals] == [("A@MAIN", "a2"), ("C@MAIN", "c1")]
    assert (ids["A"], 100.0, "auto", "a2") in proposals(engine)
    with transaction(engine) as session:
        day = session.execute(
            select(DemandBucketRow.qty).where(DemandBucketRow.item_id == ids["A"])
        ).scalar_one()
    assert day == 25.0


def test_the_same_batch_again_changes_nothing(engine: Engine) -> None:
    ids = build_world(engine)
    set_on_hand(engine, ids["A"], 60.0)
    post_signals(engine, _batch())
    before = (stock(engine, ids["A"]), len(proposals(engine)))
    again = post_signals(engine, _batch())
    assert (again.accepted, again.duplicates, again.proposals) == (0, 3, [])
    assert (stock(engine, ids["A"]), len(proposals(engine))) == before


def test_a_bad_signal_names_its_place_and_nothing_is_written(engine: Engine) -> None:
    ids = build_world(engine)
    batch = [*_batch(), {"item": "NOPE@MAIN", "qty": 1.0, "key": "x"}]
    with pytest.raises(InvalidInputError, match=r"signals\[3\]\.item: no item NOPE@MAIN"):
        post_signals(engine, batch)
    with pytest.raises(InvalidInputError, match=r"signals\[1\]\.qty: must be a number > 0"):
        post_signals(engine, [_batch()[0], {"item": "A", "qty": -2}])
    post_signal(engine, item="A", qty=1.0, at=AT, key="used")
    with pytest.raises(InvalidInputError, match=r"signals\[0\]\.key: 'used' is already stored"):
        post_signals(engine, [{"item": "A", "qty": 2.0, "at": AT, "key": "used"}])
    with transaction(engine) as session:
        assert session.execute(select(func.count(SignalRow.key))).scalar_one() == 1
    assert stock(engine, ids["C"]) == (500.0, 0.0)
