"""One settings object for the whole application (environment prefix ``TAKT_``)."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime settings, read from the environment and an optional ``.env`` file.

    ``TAKT_DATABASE_URL`` selects the store: the embedded default is a SQLite file
    (``sqlite:///takt.db``); production uses PostgreSQL through psycopg 3, e.g.
    ``postgresql+psycopg://user@host:5432/takt``.
    """

    model_config = SettingsConfigDict(env_prefix="TAKT_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///takt.db"
    # Cap on the number of problems one import reports (all are counted).
    import_error_cap: int = 50
    # Rows per INSERT batch when loading large files.
    import_batch_rows: int = 20_000
    # Our EDI partner id (ISA06 / UNB sender) and the three-way-match tolerances.
    edi_id: str = "TAKT"
    invoice_price_tolerance_pct: float = 2.0
    invoice_qty_tolerance_pct: float = 0.0
    invoice_total_tolerance: float = 0.01
    # Policy runs: size for the bias and uncertainty of the demand estimate, measured on a
    # holdout of this many days before the plan date (docs/calibration.md).
    policy_calibration: bool = True
    policy_holdout_days: int = 91
    # What a policy run sizes on: the latest forecast run's forecasts, calibrated on that
    # run's one-year holdout, or the 365-day trailing mean, calibrated on the holdout above.
    policy_demand_source: Literal["forecast", "history"] = "forecast"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
