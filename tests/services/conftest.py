from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from takt.domain.enums import Grain
from takt.ingest.specs import LOAD_ORDER
from takt.services.imports import ImportOptions, ImportResult, import_file
from takt.store.models import Base

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load_examples(engine: Engine, *, until: str | None = None) -> dict[str, ImportResult]:
    """Import the example files in load order, stopping before ``until``."""
    results = {}
    for kind in LOAD_ORDER:
        if kind == until:
            break
        options = ImportOptions(grain=Grain.MONTH) if kind == "demand-series" else None
        results[kind] = import_file(engine, kind, EXAMPLES / f"{kind}.csv", options=options)
    return results


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (minus timestamps set by the database), for equality checks."""
    state = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            cols = [
                c
                for c in table.columns
                if c.name not in ("created_at", "updated_at", "received_at", "at")
            ]
            rows = conn.execute(select(*cols)).all()
            state[table.name] = sorted(tuple(map(str, r)) for r in rows)
    return state


@pytest.fixture
def examples() -> Path:
    return EXAMPLES
