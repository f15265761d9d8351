"""Lookups by key go in batches (PostgreSQL takes at most 65,535 parameters per
statement): with a tiny batch size every lookup spans several batches."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from takt.store.db import transaction
from takt.store.models import AgreementLineRow, ReceiptRow
from tests.services.conftest import load_examples


def test_imports_give_the_same_result_when_lookups_span_many_batches(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import takt.services.loaders_documents as documents
    import takt.services.loaders_master as master

    monkeypatch.setattr(documents, "IN_BATCH", 1)
    monkeypatch.setattr(master, "IN_BATCH", 1)
    results = load_examples(engine)
    assert results["receipts"].inserted == 2 and results["agreements"].inserted >= 2
    with transaction(engine) as session:
        assert session.scalar(select(func.count()).select_from(ReceiptRow)) == 2
        assert session.scalar(select(func.count()).select_from(AgreementLineRow)) >= 2


def test_every_import_kind_names_the_tables_to_analyze() -> None:
    from takt.ingest.specs import LOAD_ORDER
    from takt.services.imports import _TABLES
    from takt.store.models import Base

    assert set(_TABLES) == set(LOAD_ORDER)
    tables = set(Base.metadata.tables)
    assert {t for names in _TABLES.values() for t in names} <= tables


def test_a_large_import_refreshes_the_planner_statistics(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import takt.services.imports as imports

    analyzed: list[str] = []
    real = imports.refresh_statistics

    def spy(eng: Engine, kind: str) -> None:
        analyzed.append(kind)
        real(eng, kind)  # really runs ANALYZE on PostgreSQL

    monkeypatch.setattr(imports, "refresh_statistics", spy)
    monkeypatch.setattr(imports, "ANALYZE_AFTER_ROWS", 2)
    load_examples(engine)
    assert "purchase-orders" in analyzed and "items" in analyzed
