"""Enumerations of the procurement domain. Values are the words used in files and the API."""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    """What an item is bought for: it decides which replenishment logic fits."""

    DIRECT = "direct"  # goes into the product; production schedules drive it
    INDIRECT = "indirect"  # consumables, packaging, office; min-max logic
    MRO = "mro"  # maintenance, repair and operations spares; intermittent


class Criticality(StrEnum):
    """How badly a stock-out hurts."""

    LINE_STOPPER = "line_stopper"
    IMPORTANT = "important"
    NORMAL = "normal"


class Lifecycle(StrEnum):
    ACTIVE = "active"
    NEW = "new"
    PHASE_OUT = "phase_out"


class EdiPreference(StrEnum):
    """How a supplier wants to receive purchase orders."""

    X12 = "x12"
    EDIFACT = "edifact"
    PORTAL = "portal"
    EMAIL = "email"


class OfferRole(StrEnum):
    PRIMARY = "primary"
    ALTERNATE = "alternate"


class SignalSource(StrEnum):
    """Where a consumption signal came from."""

    POS = "pos"
    PRODUCTION = "production"
    KANBAN = "kanban"
    MRO = "mro"
    MANUAL = "manual"


class Grain(StrEnum):
    """Length of a demand bucket."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class PurchaseOrderStatus(StrEnum):
    """PO lifecycle: draft -> approved -> sent -> acknowledged -> shipped -> received -> closed."""

    DRAFT = "draft"
    APPROVED = "approved"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    SHIPPED = "shipped"
    PARTIALLY_RECEIVED = "partially_received"
    RECEIVED = "received"
    CLOSED = "closed"
    CANCELLED = "cancelled"

    @property
    def is_open(self) -> bool:
        """True while goods are still expected (counts as on order in the position)."""
        return self in _OPEN_STATUSES


_OPEN_STATUSES = frozenset(
    {
        PurchaseOrderStatus.APPROVED,
        PurchaseOrderStatus.SENT,
        PurchaseOrderStatus.ACKNOWLEDGED,
        PurchaseOrderStatus.SHIPPED,
        PurchaseOrderStatus.PARTIALLY_RECEIVED,
    }
)


class InspectionResult(StrEnum):
    """Outcome of incoming quality inspection for one receipt."""

    ACCEPTED = "accepted"
    PARTIAL = "partial"  # some units rejected
    REJECTED = "rejected"  # the whole receipt rejected
    PENDING = "pending"  # not yet inspected: nothing enters on hand


class RiskType(StrEnum):
    FIRE = "fire"
    FLOOD = "flood"
    WEATHER = "weather"
    PORT_CLOSURE = "port_closure"
    STRIKE = "strike"
    FINANCIAL = "financial"
    GEOPOLITICAL = "geopolitical"
    CYBER = "cyber"
    QUALITY = "quality"
    OUTAGE = "outage"
    OTHER = "other"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"
