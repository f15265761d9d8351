"""Plain dataclasses for the procurement domain (no I/O).

Money is ``Decimal`` at these edges; quantities are floats in the item's unit of
measure. Natural keys (``sku``/``location``, supplier ``code``, PO ``number``) are
what files and people use; database ids stay inside the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from takt.domain.enums import (
    Category,
    Criticality,
    EdiPreference,
    Grain,
    InspectionResult,
    Lifecycle,
    OfferRole,
    PurchaseOrderStatus,
    RiskType,
    Severity,
    SignalSource,
)
from takt.domain.weekdays import ALL_DAYS

DEFAULT_LOCATION = "MAIN"


@dataclass(frozen=True, slots=True)
class ItemKey:
    """A SKU at a location: the planning unit."""

    sku: str
    location: str = DEFAULT_LOCATION

    def __str__(self) -> str:
        return f"{self.sku}@{self.location}"


@dataclass(slots=True)
class Item:
    key: ItemKey
    description: str
    uom: str = "EA"
    unit_cost: Decimal = Decimal("0")
    category: Category = Category.DIRECT
    criticality: Criticality = Criticality.NORMAL
    lifecycle: Lifecycle = Lifecycle.ACTIVE


@dataclass(slots=True)
class Supplier:
    code: str
    name: str
    country: str
    region: str
    edi_preference: EdiPreference = EdiPreference.EMAIL
    contact_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None


@dataclass(frozen=True, slots=True)
class PriceBreak:
    min_qty: float
    unit_price: Decimal


@dataclass(slots=True)
class Offer:
    """Supplier-item terms."""

    supplier: str
    item: ItemKey
    quoted_lead_time_days: int
    unit_price: Decimal
    moq: float = 1.0
    pack_multiple: float = 1.0
    role: OfferRole = OfferRole.PRIMARY
    allocation_share: float = 1.0
    delivery_weekdays: int = ALL_DAYS
    price_breaks: list[PriceBreak] = field(default_factory=list)


@dataclass(slots=True)
class AgreementLine:
    item: ItemKey
    committed_qty: float
    unit_price: Decimal
    released_qty: float = 0.0

    @property
    def remaining_qty(self) -> float:
        return max(self.committed_qty - self.released_qty, 0.0)


@dataclass(slots=True)
class BlanketAgreement:
    number: str
    supplier: str
    start: date
    end: date
    committed_value: Decimal | None = None
    currency: str = "EUR"
    lines: list[AgreementLine] = field(default_factory=list)


@dataclass(slots=True)
class InventoryBalance:
    item: ItemKey
    on_hand: float
    allocated: float = 0.0
    backordered: float = 0.0
    as_of: datetime | None = None


@dataclass(frozen=True, slots=True)
class DemandSignal:
    """One consumption event; ``key`` makes it idempotent."""

    key: str
    item: ItemKey
    at: datetime
    qty: float
    source: SignalSource


@dataclass(frozen=True, slots=True)
class DemandBucket:
    item: ItemKey
    grain: Grain
    period_start: date
    qty: float


@dataclass(slots=True)
class PurchaseOrderLine:
    line_no: int
    item: ItemKey
    qty: float
    unit_price: Decimal
    need_date: date | None = None
    promised_date: date | None = None


@dataclass(slots=True)
class PurchaseOrder:
    number: str
    supplier: str
    order_date: date
    status: PurchaseOrderStatus = PurchaseOrderStatus.DRAFT
    agreement: str | None = None
    currency: str = "EUR"
    lines: list[PurchaseOrderLine] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Receipt:
    number: str
    po_number: str
    line_no: int
    received_on: date
    qty_received: float
    qty_rejected: float = 0.0
    inspection: InspectionResult = InspectionResult.ACCEPTED

    @property
    def qty_accepted(self) -> float:
        """Only accepted units enter on hand; rejected units never do."""
        if self.inspection is InspectionResult.PENDING:
            return 0.0
        return self.qty_received - self.qty_rejected


@dataclass(slots=True)
class RiskEvent:
    key: str
    type: RiskType
    severity: Severity
    start: date
    expected_duration_days: int
    supplier: str | None = None
    region: str | None = None
    description: str = ""
