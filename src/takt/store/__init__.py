"""Store layer: SQLAlchemy tables, sessions and Alembic migrations."""
