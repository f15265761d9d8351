"""Named locks in the store: one plan run at a time per database, on SQLite and PostgreSQL.

A lock is a row in ``run_locks`` (primary key = its name), inserted in its own committed
transaction, so a second process sees it at once. The holder is named by host and process
id; a lock whose process is gone (it was killed) is taken over, checked on the same host
with ``os.kill(pid, 0)``, and on another host once it is older than ``stale_after``.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError

from takt.errors import TaktError
from takt.store.db import transaction
from takt.store.models import RunLockRow


class LockedError(TaktError):
    """The lock is held by another live process."""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _try_acquire(engine: Engine, name: str, holder: str, stale_after: timedelta) -> str | None:
    """Take the lock; None on success, else who holds it (in words)."""
    host, pid = socket.gethostname(), os.getpid()
    try:
        with transaction(engine) as session:
            session.add(
                RunLockRow(
                    name=name, holder=holder, host=host, pid=pid, acquired_at=datetime.now(UTC)
                )
            )
        return None
    except IntegrityError:
        pass
    with transaction(engine) as session:
        row = session.execute(select(RunLockRow).where(RunLockRow.name == name)).scalar()
        if row is None:
            return "(released meanwhile)"
        since = row.acquired_at if row.acquired_at.tzinfo else row.acquired_at.replace(tzinfo=UTC)
        dead = (row.host == host and not _alive(row.pid)) or (
            row.host != host and datetime.now(UTC) - since > stale_after
        )
        if dead:
            session.delete(row)
            return "(stale lock removed)"
        return (
            f"{row.holder} (process {row.pid} on {row.host}, since {since:%Y-%m-%d %H:%M:%S} UTC)"
        )


@contextmanager
def run_lock(
    engine: Engine,
    name: str,
    *,
    holder: str,
    wait_seconds: float = 0.0,
    stale_after: timedelta = timedelta(hours=6),
) -> Iterator[None]:
    """Hold the lock ``name`` for the block; wait up to ``wait_seconds`` for it, then refuse
    with a :class:`LockedError` naming who holds it."""
    deadline = time.monotonic() + wait_seconds
    while True:
        held_by = _try_acquire(engine, name, holder, stale_after)
        if held_by is None:
            break
        if held_by.startswith("("):
            continue  # gone or stale: try again at once
        if time.monotonic() >= deadline:
            raise LockedError(
                f"another {name} is running: {held_by}; wait for it to finish "
                f"(or pass a longer wait)"
            )
        time.sleep(0.2)
    try:
        yield
    finally:
        with transaction(engine) as session:
            session.execute(
                delete(RunLockRow).where(RunLockRow.name == name, RunLockRow.pid == os.getpid())
            )
