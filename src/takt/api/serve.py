"""The app for ``uvicorn takt.api.serve:app`` (several workers): the store from
``TAKT_DATABASE_URL``."""

from __future__ import annotations

from takt.api.app import create_app
from takt.config import get_settings
from takt.store.db import make_engine

app = create_app(make_engine(get_settings().database_url), trigger_process=True)
