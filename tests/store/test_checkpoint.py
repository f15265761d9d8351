"""SQLite's write-ahead log is copied back by a background thread, not by a commit."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import text

from takt.store.db import WalCheckpointer, make_engine


def test_checkpoints_run_in_the_background_and_truncate_at_stop(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    checkpointer = WalCheckpointer(engine, interval=0.05)
    assert checkpointer.active
    with engine.begin() as conn:
        # Commits no longer checkpoint: the log is left to the thread.
        assert conn.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 0
        conn.execute(text("CREATE TABLE t (x BLOB)"))
    wal = tmp_path / "w.db-wal"
    checkpointer.start()
    for _ in range(50):
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (randomblob(8000))"))
    deadline = time.monotonic() + 10
    while checkpointer.checkpoints < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert checkpointer.checkpoints >= 2
    assert wal.stat().st_size > 0
    checkpointer.stop()
    assert wal.stat().st_size == 0  # TRUNCATE: everything is in the database file
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 50


def test_nothing_to_do_on_memory_or_postgresql() -> None:
    memory = WalCheckpointer(make_engine("sqlite://"))
    memory.start()
    memory.stop()
    assert not memory.active and memory.checkpoints == 0
    pg = WalCheckpointer(make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none"))
    pg.start()
    pg.stop()
    assert not pg.active and pg.checkpoints == 0
