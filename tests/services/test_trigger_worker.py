"""The background trigger: due items handed over by signals are decided in a thread or
in a child process (the server's choice), with the same proposals as in the request."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from takt.services.trigger import post_signal
from takt.services.trigger_worker import TriggerWorker
from tests.services.replenish_world import build_world
from tests.services.test_pull_trigger import AT, proposals, set_on_hand


@pytest.mark.parametrize("process", [False, True], ids=["thread", "process"])
def test_due_items_are_decided_in_the_background(engine: Engine, process: bool) -> None:
    ids = build_world(engine)
    set_on_hand(engine, ids["A"], 60.0)
    worker = TriggerWorker(engine, process=process, max_wait=0.05).start()
    try:
        assert worker.process is process
        above = post_signal(engine, item="A", qty=5.0, at=AT, key="k0", defer=worker.submit)
        assert above.decision is None
        due = post_signal(engine, item="A", qty=20.0, at=AT, key="k1", defer=worker.submit)
        assert (due.decision, due.proposal_id, due.position) == ("queued", None, 35.0)
        # Handed over twice (a retry): the open proposal counts, no second order.
        worker.submit(ids["A"], "k1", "A@MAIN", AT.date())
        assert worker.flush(timeout=60)
        assert proposals(engine) == [(ids["A"], 100.0, "auto", "k1")]
    finally:
        worker.stop()
    assert worker.flush(timeout=1)  # nothing left over


def test_a_memory_database_keeps_the_worker_in_a_thread() -> None:
    from takt.store.db import make_engine

    assert not TriggerWorker(make_engine("sqlite://"), process=True).process
