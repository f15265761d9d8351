"""The pull trigger off the request path: signals posted to the API hand their due items
to one background thread, which sources, decides and places them in small batches.

A signal request then costs a few milliseconds whatever happens next: it stores the
signal, consumes stock and checks the trigger in one statement; when the item is due,
the worker picks it up (after the signal's transaction committed) within ``max_wait``
seconds, together with whatever else became due meanwhile, and runs
:func:`takt.services.trigger.trigger_many` on them: the same decisions as the trigger
inside the request, one sourcing and approval pass per batch. ``trigger_many``
re-reads every position, so an item handed over twice, or already covered by a
proposal made meanwhile, gets no second order. Failures are logged and the batch's
items are tried once more alone; nothing is half-written (one transaction per batch).

``process=True`` (what ``takt serve`` uses) runs the worker in a child process of its
own: a batch is ~100 ms of interpreter time, and in the server's process it holds the
interpreter lock the event loop needs, which alone took the p99 of single signals from
5 ms to 160 ms at 200 req/s (``docs/benchmarks.md``). The child reads the store
through its own connections; SQLite serialises the few milliseconds of its writes.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import threading
import time
from collections.abc import Callable
from datetime import date
from multiprocessing.process import BaseProcess
from typing import Any, cast

import polars as pl
from sqlalchemy import Engine

from takt.services.replenish import ReplenishSettings
from takt.services.trigger import SignalResult, trigger_many
from takt.store.db import transaction

log = logging.getLogger(__name__)
_STOP = None  # the end of the queue (pickles as itself for a child process)


class TriggerWorker:
    """One daemon thread draining due items; ``submit`` is thread-safe and never blocks."""

    def __init__(
        self,
        engine: Engine,
        *,
        settings: ReplenishSettings | None = None,
        actor: str = "api",
        max_wait: float = 0.2,
        max_batch: int = 200,
        recheck_seconds: float = 60.0,
        on_done: Callable[[int], None] | None = None,
        process: bool = False,
    ) -> None:
        self.engine = engine
        # A database in this process's memory cannot be shared with a child.
        self.process = process and engine.url.database not in (None, "", ":memory:")
        self.on_done = on_done
        self.settings = settings or ReplenishSettings()
        self.actor = actor
        self.max_wait = max_wait
        self.max_batch = max_batch
        self._queue: queue.Queue[object] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._idle = threading.Event()
        self._idle.set()
        # Items the full check found not due (e.g. an order-up-to item between review
        # days): not checked again for ``recheck_seconds``, however often they are handed
        # over; the nightly plan run sees every item anyway.
        self.recheck_seconds = recheck_seconds
        self._not_due: dict[tuple[int, date], float] = {}
        self.processed = 0
        self.proposals: list[SignalResult] = []  # the latest batch's, for inspection
        self.failures = 0
        # Process mode: the child, what was handed to it and what it has done.
        self._lock = threading.Lock()
        self._child: BaseProcess | None = None
        self._done: Any = None
        self._submitted = 0

    def start(self) -> TriggerWorker:
        if self.process:
            return self._start_process()
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="takt-trigger", daemon=True)
            self._thread.start()
        return self

    def _start_process(self) -> TriggerWorker:
        with self._lock:
            if self._child is not None:
                return self
            context = multiprocessing.get_context("spawn")
            self._queue = context.Queue()  # type: ignore[assignment]
            self._done = context.Value("q", 0)
            self._submitted = 0
            self._child = context.Process(
                target=_child_main,
                args=(
                    self.engine.url.render_as_string(hide_password=False),
                    self.settings,
                    self.actor,
                    self.max_wait,
                    self.max_batch,
                    self.recheck_seconds,
                    self._queue,
                    self._done,
                ),
                name="takt-trigger",
                daemon=True,
            )
            self._child.start()
        return self

    def submit(self, item_id: int, key: str, item: str, as_of: date) -> None:
        if self.process:
            with self._lock:
                self._submitted += 1
        self._idle.clear()
        self._queue.put((item_id, key, item, as_of))

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until everything submitted so far is processed."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process:
                if self._done is None or self._done.value >= self._submitted:
                    return True
            elif self._queue.empty() and self._idle.is_set():
                return True
            time.sleep(0.01)
        return False

    def stop(self, timeout: float = 30.0) -> None:
        if self._child is not None:
            self._queue.put(_STOP)
            self._child.join(timeout)
            if self._child.is_alive():
                self._child.terminate()
            self._child = None
            self._queue.close()  # type: ignore[attr-defined]
            self._queue.join_thread()  # type: ignore[attr-defined]
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            batch = [first]
            deadline = time.monotonic() + self.max_wait
            stop = False
            while len(batch) < self.max_batch:
                try:
                    nxt = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if nxt is _STOP:
                    stop = True
                    break
                batch.append(nxt)
            self._process(batch)
            if self.on_done is not None:
                self.on_done(len(batch))
            if self._queue.empty():
                self._idle.set()
            if stop:
                return

    def _process(self, batch: list[object]) -> None:
        latest: dict[int, tuple[int, str, str, date]] = {}
        now = time.monotonic()
        for entry in batch:
            due = cast(tuple[int, str, str, date], entry)
            checked = self._not_due.get((due[0], due[3]))
            if checked is not None and now - checked < self.recheck_seconds:
                continue
            latest[due[0]] = due  # the latest signal of an item is credited
        by_day: dict[date, list[tuple[int, str, str, date]]] = {}
        for entry in latest.values():
            by_day.setdefault(entry[3], []).append(entry)
        for as_of, entries in sorted(by_day.items()):
            try:
                self._decide(entries, as_of)
            except Exception:
                log.exception(
                    "trigger batch of %d item(s) failed; retrying one by one", len(entries)
                )
                for one in entries:
                    try:
                        self._decide([one], as_of)
                    except Exception:
                        self.failures += 1
                        log.exception("trigger for item %s failed", one[2])

    def _decide(self, entries: list[tuple[int, str, str, date]], as_of: date) -> None:
        due = pl.DataFrame(
            {
                "item_id": [e[0] for e in entries],
                "key": [e[1] for e in entries],
                "item": [e[2] for e in entries],
            },
            schema={"item_id": pl.Int64, "key": pl.Utf8, "item": pl.Utf8},
        )
        with transaction(self.engine) as session:
            self.proposals = trigger_many(session, due, self.settings, self.actor, as_of=as_of)
        self.processed += len(entries)
        proposed = {p.item for p in self.proposals}
        now = time.monotonic()
        if len(self._not_due) > 100_000:
            self._not_due.clear()
        for item_id, _key, item, _day in entries:
            if item not in proposed:
                self._not_due[(item_id, as_of)] = now


def _child_main(
    url: str,
    settings: ReplenishSettings,
    actor: str,
    max_wait: float,
    max_batch: int,
    recheck_seconds: float,
    inbox: Any,
    done: Any,
) -> None:
    """The worker's loop in a child process, on an engine of its own."""
    from takt.store.db import make_engine

    def count(n: int) -> None:
        with done.get_lock():
            done.value += n

    worker = TriggerWorker(
        make_engine(url),
        settings=settings,
        actor=actor,
        max_wait=max_wait,
        max_batch=max_batch,
        recheck_seconds=recheck_seconds,
        on_done=count,
    )
    worker._queue = inbox
    worker._run()
