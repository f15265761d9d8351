"""Dates and timestamps accepted from outside (API bodies and queries, portal documents):
within 1900-01-01 … 2199-12-31, so date arithmetic on them (a year back, a lead time
ahead) can never leave the calendar and a typo like year 1 is refused with a 422 naming
the field instead of failing deep inside."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, TypeVar

from pydantic import AfterValidator

EARLIEST = date(1900, 1, 1)
LATEST = date(2199, 12, 31)
_D = TypeVar("_D", date, datetime)


def in_range(value: _D) -> _D:
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST <= day <= LATEST:
        raise ValueError(f"must be between {EARLIEST} and {LATEST}")
    return value


Day = Annotated[date, AfterValidator(in_range)]
Moment = Annotated[datetime, AfterValidator(in_range)]
