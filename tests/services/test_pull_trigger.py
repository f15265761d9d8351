"""The pull trigger: a signal updates the position and proposes at once; idempotent;
no lost update under concurrency (both backends)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, select, update

from takt.errors import InvalidInputError, NotFoundError
from takt.services.trigger import post_signal
from takt.store.db import transaction
from takt.store.models import InventoryRow, ProposalRow, SignalRow
from tests.services.replenish_world import build_world

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def stock(engine: Engine, item_id: int) -> tuple[float, float]:
    with transaction(engine) as session:
        row = session.execute(
            select(InventoryRow.on_hand, InventoryRow.backordered).where(
                InventoryRow.item_id == item_id
            )
        ).one()
    return float(row[0]), float(row[1])


def set_on_hand(engine: Engine, item_id: int, qty: float) -> None:
    with transaction(engine) as session:
        session.execute(
            update(InventoryRow).where(InventoryRow.item_id == item_id).values(on_hand=qty)
        )


def proposals(engine: Engine) -> list[tuple[int, float, str | None, str | None]]:
    with transaction(engine) as session:
        return [
            (r[0], r[1], r[2], r[3])
            for r in session.execute(
                select(
                    ProposalRow.item_id,
                    ProposalRow.qty,
                    ProposalRow.decision,
                    ProposalRow.signal_key,
                ).order_by(ProposalRow.id)
            )
        ]


def test_a_signal_above_the_trigger_only_takes_stock(engine: Engine) -> None:
    ids = build_world(engine)
    set_on_hand(engine, ids["A"], 60.0)
    r = post_signal(engine, item="A", qty=15.0, at=AT, key="k1")
    assert (r.duplicate, r.position, r.proposal_id) == (False, 45.0, None)
    assert stock(engine, ids["A"]) == (45.0, 0.0)
    assert proposals(engine) == []


def test_a_signal_reaching_the_reorder_point_proposes_at_once_and_once_only(
    engine: Engine,
) -> None:
    ids = build_world(engine)
    set_on_hand(engine, ids["A"], 60.0)
    r = post_signal(engine, item="A@MAIN", qty=25.0, at=AT, key="k1", source="kanban")
    assert r.position == 35.0 and r.proposal_id is not None
    assert r.decision == "auto" and r.po is not None  # 100 at 2.00: within the limit
    assert proposals(engine) == [(ids["A"], 100.0, "auto", "k1")]
    # The same signal again changes nothing: no second consumption, no second proposal.
    again = post_signal(engine, item="A", qty=25.0, at=AT, key="k1", source="kanban")
    assert again.duplicate and again.proposal_id is None
    assert stock(engine, ids["A"]) == (35.0, 0.0)
    assert len(proposals(engine)) == 1
    # The next signal sees the 100 on order: position 130 - 5 > 40, nothing to propose.
    nxt = post_signal(engine, item="A", qty=5.0, at=AT, key="k2")
    assert nxt.position == 130.0 and nxt.proposal_id is None
    with pytest.raises(InvalidInputError, match="already stored for a different signal"):
        post_signal(engine, item="A", qty=7.0, at=AT, key="k1", source="kanban")


def test_an_open_queued_proposal_counts_so_the_trigger_does_not_repeat(engine: Engine) -> None:
    ids = build_world(engine)
    set_on_hand(engine, ids["B"], 30.0)
    first = post_signal(engine, item="B", qty=15.0, at=AT, key="b1")
    assert first.decision == "queue" and first.po is None  # 185 at 50.00: over the limit
    second = post_signal(engine, item="B", qty=1.0, at=AT, key="b2")
    assert second.proposal_id is None  # 14 + 185 proposed is above the min of 20
    assert len(proposals(engine)) == 1


def test_a_shortfall_becomes_a_backorder(engine: Engine) -> None:
    ids = build_world(engine)
    post_signal(engine, item="D", qty=12.0, at=AT, key="d1")
    assert stock(engine, ids["D"]) == (0.0, 12.0)


def test_bad_signals_are_refused_clearly(engine: Engine) -> None:
    build_world(engine)
    with pytest.raises(NotFoundError, match="no item NOPE@MAIN"):
        post_signal(engine, item="NOPE", qty=1.0, at=AT)
    with pytest.raises(InvalidInputError, match="qty must be > 0"):
        post_signal(engine, item="A", qty=0.0, at=AT)
    with pytest.raises(InvalidInputError, match="unknown signal source 'fax'"):
        post_signal(engine, item="A", qty=1.0, at=AT, source="fax")


def test_many_threads_posting_for_the_same_items_lose_no_update(engine: Engine) -> None:
    ids = build_world(engine)
    set_on_hand(engine, ids["A"], 10_000.0)
    set_on_hand(engine, ids["C"], 10_000.0)
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for k in range(10):
                item = "A" if (n + k) % 2 else "C"
                post_signal(engine, item=item, qty=float(k + 1), at=AT, key=f"t{n}-{k}")
                # Every third signal is sent twice (a retry): it must count once.
                if k % 3 == 0:
                    post_signal(engine, item=item, qty=float(k + 1), at=AT, key=f"t{n}-{k}")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    expected = {"A": 0.0, "C": 0.0}
    for n in range(8):
        for k in range(10):
            expected["A" if (n + k) % 2 else "C"] += k + 1
    assert stock(engine, ids["A"]) == (10_000.0 - expected["A"], 0.0)
    assert stock(engine, ids["C"]) == (10_000.0 - expected["C"], 0.0)
    with transaction(engine) as session:
        assert session.scalar(select(func.count()).select_from(SignalRow)) == 80
