"""Request bodies of the API (pydantic): each field validated, a bad one answered with 422
naming it."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from takt.services.dates import Day, Moment

Source = Literal["pos", "production", "kanban", "mro", "manual"]
# Database ids are 64-bit; anything larger cannot name a row.
Id = Annotated[int, Field(ge=1, le=2**62)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SignalCreate(_Strict):
    item: str = Field(min_length=1, max_length=200, description="SKU@LOCATION (or SKU)")
    qty: float = Field(gt=0, allow_inf_nan=False, le=1e12)
    at: Moment | None = Field(default=None, description="When it was consumed (now)")
    source: Source = "manual"
    key: str | None = Field(default=None, min_length=1, max_length=200)


class SignalBatch(_Strict):
    signals: list[SignalCreate] = Field(min_length=1, max_length=50_000)


class ProposalIds(_Strict):
    ids: list[Id] = Field(min_length=1, max_length=10_000)
    note: str = Field(default="", max_length=1000)


class Note(_Strict):
    note: str = Field(default="", max_length=1000)


class ReceiptCreate(_Strict):
    po: str = Field(min_length=1, max_length=64)
    line_no: int = Field(ge=1, le=1_000_000)
    qty: float = Field(gt=0, allow_inf_nan=False, le=1e12)
    rejected: float = Field(default=0.0, ge=0, allow_inf_nan=False, le=1e12)
    receipt: str | None = Field(default=None, min_length=1, max_length=64)
    received_on: Day | None = None
    note: str | None = Field(default=None, max_length=1000)


class PlanRunCreate(_Strict):
    as_of: Day | None = None


class SimulationCreate(_Strict):
    scenario: str | None = Field(default="supplier_outage", max_length=64)
    days: int = Field(default=365, ge=1, le=3650)
    replications: int = Field(default=20, ge=1, le=200)
    seed: int = Field(default=0, ge=0, le=2**31 - 1)


class RiskEventCreate(_Strict):
    key: str = Field(min_length=1, max_length=64)
    type: Literal[
        "fire", "flood", "weather", "port_closure", "strike", "financial", "geopolitical",
        "quality", "cyber", "outage", "other",
    ]  # fmt: skip
    severity: Literal["low", "medium", "high", "critical"]
    start: Day
    expected_duration_days: int = Field(ge=0, le=3650)
    supplier: str | None = Field(default=None, min_length=1, max_length=64)
    region: str | None = Field(default=None, min_length=1, max_length=64)
    description: str = Field(default="", max_length=2000)


class UpliftCreate(_Strict):
    item: str = Field(min_length=1, max_length=200)
    qty: float = Field(gt=0, allow_inf_nan=False, le=1e12)
    days: int = Field(ge=1, le=3650)
    start: Day | None = None
    reason: str = Field(default="", max_length=1000)
    risk_event: str | None = Field(default=None, min_length=1, max_length=64)
