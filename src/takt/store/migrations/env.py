"""Alembic environment: the engine comes from Takt (``config.attributes['engine']``)
or from ``TAKT_DATABASE_URL``."""

from __future__ import annotations

from alembic import context

from takt.store.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        from takt.config import get_settings
        from takt.store.db import make_engine

        engine = make_engine(get_settings().database_url)
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        context.run_migrations()


run_migrations_online()
