"""Migrations: empty -> head -> base -> head on both backends, and head matches the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from takt.errors import StoreError
from takt.store.db import (
    current_revision,
    downgrade,
    head_revision,
    make_engine,
    require_current,
    table_names,
    upgrade,
)
from takt.store.models import Base
from tests.conftest import BACKENDS, fresh_database_url

EXPECTED_TABLES = {
    "items",
    "suppliers",
    "offers",
    "blanket_agreements",
    "agreement_lines",
    "inventory_balances",
    "demand_signals",
    "demand_buckets",
    "purchase_orders",
    "purchase_order_lines",
    "po_events",
    "receipts",
    "risk_events",
    "import_runs",
    "plan_runs",
    "item_classifications",
    "forecasts",
    "forecast_accuracy",
    "forecast_holdout",
    "lead_time_demand",
    "lead_time_stats",
    "lead_time_drift",
    "supplier_scorecards",
    "supplier_trends",
}


@pytest.mark.parametrize("backend", BACKENDS)
def test_upgrade_from_empty_to_head_and_back(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    engine = make_engine(fresh_database_url(backend, tmp_path, request))
    assert current_revision(engine) is None
    with pytest.raises(StoreError, match="takt db upgrade"):
        require_current(engine)

    upgrade(engine)
    assert current_revision(engine) == head_revision()
    assert set(table_names(engine)) >= EXPECTED_TABLES
    require_current(engine)

    # The migrated schema is exactly what the models declare (types, constraints, indexes).
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
        )
    assert diff == []

    downgrade(engine, "base")
    assert set(table_names(engine)) <= {"alembic_version"}
    upgrade(engine)
    assert set(table_names(engine)) >= EXPECTED_TABLES
    engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_check_constraints_exist(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    engine = make_engine(fresh_database_url(backend, tmp_path, request))
    upgrade(engine)
    checks = {c["name"] for c in inspect(engine).get_check_constraints("receipts")}
    assert "ck_receipts_rejected_within_received" in checks
    engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_0008_adds_the_forecast_holdout_and_removes_it_again(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    engine = make_engine(fresh_database_url(backend, tmp_path, request))
    upgrade(engine, "0007")
    assert "forecast_holdout" not in table_names(engine)
    with pytest.raises(StoreError, match="at revision 0007"):
        require_current(engine)  # a store from before the holdout must be upgraded
    upgrade(engine)
    assert current_revision(engine) == "0008" == head_revision()
    columns = {c["name"]: c for c in inspect(engine).get_columns("forecast_holdout")}
    assert list(columns) == [
        "run_id",
        "item_id",
        "pattern",
        "first_demand",
        "adi",
        "cv2",
        "actual",
        "forecast",
    ]
    assert columns["first_demand"]["nullable"] and columns["adi"]["nullable"]
    assert not columns["forecast"]["nullable"]
    keys = inspect(engine).get_pk_constraint("forecast_holdout")["constrained_columns"]
    assert keys == ["run_id", "item_id"]
    cascades = {
        fk["referred_table"]: fk["options"].get("ondelete")
        for fk in inspect(engine).get_foreign_keys("forecast_holdout")
    }
    assert cascades == {"plan_runs": "CASCADE", "items": "CASCADE"}
    downgrade(engine, "0007")
    assert "forecast_holdout" not in table_names(engine)
    assert current_revision(engine) == "0007"
    engine.dispose()


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    with engine.connect() as conn:
        mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
        fks = conn.exec_driver_sql("PRAGMA foreign_keys").scalar()
    assert mode == "wal"
    assert fks == 1
    engine.dispose()


def test_unsupported_url_is_a_clear_error() -> None:
    from takt.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="unsupported database 'mysql'"):
        make_engine("mysql://localhost/x")
    with pytest.raises(ConfigurationError, match="not a database URL"):
        make_engine("not a url")
