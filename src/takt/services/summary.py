"""Counts of what the store holds."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from takt.store.db import require_current
from takt.store.models import Base


def table_counts(engine: Engine) -> dict[str, int]:
    """Rows per table, in dependency order."""
    require_current(engine)
    counts: dict[str, int] = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            counts[table.name] = int(
                conn.execute(select(func.count()).select_from(table)).scalar_one()
            )
    return counts
