"""Data-quality findings on the example data set, on both backends."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import Engine

from takt.services.imports import import_file
from takt.services.quality import find_issues
from takt.store.db import transaction
from tests.services.conftest import load_examples


def findings_by_code(engine: Engine, as_of: date | None = None) -> dict[str, list[str]]:
    with transaction(engine) as session:
        return {f.code: f.examples for f in find_issues(session, as_of=as_of)}


def test_example_data_findings(engine: Engine) -> None:
    load_examples(engine)
    found = findings_by_code(engine, as_of=date(2026, 11, 15))
    # P-300 is a line-stopper bought from one supplier only.
    assert found["single-source-critical"] == ["P-300@PLANT-1"]
    # Promised 2026-11-12 and need date 2026-11-12: both late on the 15th, not received.
    assert found["overdue"] == ["PO-26-0002/1", "PO-26-0003/1"]
    assert "no-source" not in found and "agreement-expired" not in found
    later = findings_by_code(engine, as_of=date(2027, 1, 5))
    assert later["agreement-expired"] == ["BA-2026-001"]


def test_items_without_source_or_balance(engine: Engine, tmp_path: Path) -> None:
    load_examples(engine)
    path = tmp_path / "i.csv"
    path.write_text("sku,location,unit_cost,category\nP-999,PLANT-1,1,mro\n")
    import_file(engine, "items", path)
    found = findings_by_code(engine)
    assert found["no-source"] == ["P-999@PLANT-1"]
    assert found["no-balance"] == ["P-999@PLANT-1"]
    assert "P-999@PLANT-1" in found["no-history"]


def test_clean_store_has_no_findings(engine: Engine) -> None:
    assert findings_by_code(engine) == {}
