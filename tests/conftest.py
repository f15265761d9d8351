"""Shared fixtures: a migrated store on SQLite and, where reachable, on PostgreSQL.

``TAKT_TEST_POSTGRES_URL`` names a PostgreSQL server database the tests may use to
create (and drop) a private database of their own; `.ci/run` sets it. Without a
reachable server the PostgreSQL half of each store test is skipped with the reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from takt.store.db import make_engine, upgrade
from takt.store.models import Base

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
BACKENDS = ["sqlite", "postgresql"]


def _pg_admin_url() -> str:
    return os.environ.get("TAKT_TEST_POSTGRES_URL", DEFAULT_PG)


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """URL of a fresh, empty PostgreSQL database for this test session."""
    admin_url = make_url(_pg_admin_url())
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:  # any connection failure means: skip, with the reason
        reason = f"PostgreSQL not reachable at {admin_url.render_as_string()}: {exc}"
        if os.environ.get("TAKT_REQUIRE_POSTGRES"):
            pytest.fail(reason + " (TAKT_REQUIRE_POSTGRES is set)")
        pytest.skip(reason)
    name = f"takt_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield admin_url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def fresh_database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """An empty database of ``backend`` (a new file, or a new PostgreSQL database)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'takt.db'}"
    server_url = make_url(request.getfixturevalue("pg_server_url"))
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    name = f"takt_t_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()

    def drop() -> None:
        admin2 = create_engine(server_url, isolation_level="AUTOCOMMIT")
        with admin2.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin2.dispose()

    request.addfinalizer(drop)
    return server_url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def _migrated_engines(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Engine]]:
    engines: dict[str, Engine] = {}
    yield engines
    for engine in engines.values():
        engine.dispose()


@pytest.fixture(params=BACKENDS)
def engine(
    request: pytest.FixtureRequest,
    _migrated_engines: dict[str, Engine],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Engine]:
    """A store migrated to head, emptied after each test; one run per backend."""
    backend: str = request.param
    if backend not in _migrated_engines:
        if backend == "sqlite":
            url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'takt.db'}"
        else:
            url = request.getfixturevalue("pg_server_url")
        eng = make_engine(url)
        upgrade(eng)
        _migrated_engines[backend] = eng
    eng = _migrated_engines[backend]
    yield eng
    _empty(eng)


def _empty(engine: Engine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))


@pytest.fixture
def backend(engine: Engine) -> str:
    return engine.dialect.name


def find_data_dir() -> Path | None:
    """The shared real-data folder (carparts, hospital): ``TAKT_DATA_DIR``, else the
    ``shared/data`` beside the checkout (as CI lays it), else the team's usual place."""
    candidates = [
        os.environ.get("TAKT_DATA_DIR"),
        Path(__file__).resolve().parents[2] / "shared" / "data",
        "/work/shared/data",
    ]
    for candidate in candidates:
        if candidate and (Path(candidate) / "carparts.csv").is_file():
            return Path(candidate)
    return None


@pytest.fixture
def data_dir() -> Path:
    found = find_data_dir()
    if found is None:
        reason = "real data (carparts.csv) not found: set TAKT_DATA_DIR to shared/data"
        if os.environ.get("TAKT_REQUIRE_DATA"):
            pytest.fail(reason)
        pytest.skip(reason)
    return found
