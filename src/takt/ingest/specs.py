"""The import file formats: one :class:`FileSpec` per kind, the single source of truth.

``docs/data-formats.md`` is generated from these specs (``python -m takt.ingest.docs``)
and a test keeps the two in step. Column names match case-insensitively, surrounding
spaces ignored; ``aliases`` are other names accepted for the same column.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from takt.domain.enums import (
    Category,
    Criticality,
    EdiPreference,
    InspectionResult,
    Lifecycle,
    OfferRole,
    PurchaseOrderStatus,
    RiskType,
    Severity,
    SignalSource,
)

ColumnType = Literal[
    "text", "int", "float", "money", "date", "datetime", "enum", "weekdays", "price_breaks"
]


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: ColumnType
    required: bool = True
    default: object = None
    enum: builtins.type[StrEnum] | None = None
    minimum: float | None = None
    exclusive_minimum: bool = False
    maximum: float | None = None
    max_length: int | None = None
    aliases: tuple[str, ...] = ()
    doc: str = ""


@dataclass(frozen=True, slots=True)
class FileSpec:
    kind: str
    doc: str
    columns: tuple[Column, ...]
    # Columns whose combination must be unique within the file.
    key: tuple[str, ...]

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)


def _sku(**kw: object) -> Column:
    return Column(
        "sku",
        "text",
        max_length=64,
        aliases=("item", "item_code", "material"),
        doc="Item code as in the ERP.",
        **kw,  # type: ignore[arg-type]
    )


LOCATION = Column(
    "location",
    "text",
    required=False,
    default="MAIN",
    max_length=64,
    aliases=("site", "plant", "warehouse"),
    doc="Stocking location of the item (plant, warehouse, store).",
)
SUPPLIER_REF = Column(
    "supplier",
    "text",
    max_length=64,
    aliases=("supplier_code", "vendor"),
    doc="Supplier code; must exist (import suppliers first).",
)

ITEMS = FileSpec(
    kind="items",
    doc="Item master: one row per SKU at a location. Re-importing updates the attributes.",
    key=("sku", "location"),
    columns=(
        _sku(),
        LOCATION,
        Column("description", "text", required=False, default="", max_length=500),
        Column(
            "uom",
            "text",
            required=False,
            default="EA",
            max_length=16,
            aliases=("unit", "unit_of_measure"),
            doc="Unit of measure.",
        ),
        Column(
            "unit_cost",
            "money",
            minimum=0,
            aliases=("cost", "standard_cost"),
            doc="Cost of one unit, in the company currency.",
        ),
        Column(
            "category",
            "enum",
            enum=Category,
            doc="What the item is bought for: direct, indirect or mro.",
        ),
        Column(
            "criticality",
            "enum",
            required=False,
            default=Criticality.NORMAL,
            enum=Criticality,
            doc="How badly a stock-out hurts.",
        ),
        Column("lifecycle", "enum", required=False, default=Lifecycle.ACTIVE, enum=Lifecycle),
    ),
)

SUPPLIERS = FileSpec(
    kind="suppliers",
    doc="Supplier master. Re-importing updates the attributes.",
    key=("supplier",),
    columns=(
        Column(
            "supplier",
            "text",
            max_length=64,
            aliases=("code", "supplier_code", "vendor"),
            doc="Supplier code, unique.",
        ),
        Column("name", "text", max_length=200),
        Column("country", "text", max_length=2, doc="ISO 3166 two-letter country code."),
        Column(
            "region",
            "text",
            max_length=64,
            doc="Sourcing region (used by region-wide risk events, e.g. a port closure).",
        ),
        Column(
            "edi_preference",
            "enum",
            required=False,
            default=EdiPreference.EMAIL,
            enum=EdiPreference,
            aliases=("edi",),
            doc="How the supplier receives POs.",
        ),
        Column("contact_name", "text", required=False, max_length=200),
        Column("contact_email", "text", required=False, max_length=200),
        Column("contact_phone", "text", required=False, max_length=64),
    ),
)

OFFERS = FileSpec(
    kind="offers",
    doc="Supplier-item terms (a source list / purchasing info record). Re-importing updates.",
    key=("supplier", "sku", "location"),
    columns=(
        SUPPLIER_REF,
        _sku(),
        LOCATION,
        Column(
            "lead_time_days",
            "int",
            minimum=0,
            aliases=("quoted_lead_time_days", "lead_time"),
            doc="Quoted lead time in calendar days.",
        ),
        Column("unit_price", "money", minimum=0, aliases=("price",)),
        Column(
            "moq",
            "float",
            required=False,
            default=1.0,
            minimum=0,
            aliases=("min_order_qty", "minimum_order_quantity"),
            doc="Minimum order quantity.",
        ),
        Column(
            "pack_multiple",
            "float",
            required=False,
            default=1.0,
            minimum=0,
            exclusive_minimum=True,
            aliases=("pack_size", "rounding_value"),
            doc="Orders are whole multiples of this.",
        ),
        Column("role", "enum", required=False, default=OfferRole.PRIMARY, enum=OfferRole),
        Column(
            "allocation_share",
            "float",
            required=False,
            default=1.0,
            minimum=0,
            maximum=1,
            aliases=("share", "quota"),
            doc="Share of volume for dual-sourced items (0..1).",
        ),
        Column(
            "delivery_weekdays",
            "weekdays",
            required=False,
            default="all",
            doc="Days the supplier delivers: 'Mon;Wed;Fri', ISO numbers '1 3 5', "
            "'weekdays' or 'all' (the default).",
        ),
        Column(
            "price_breaks",
            "price_breaks",
            required=False,
            default="",
            doc="Quantity price breaks 'min_qty:price;...', e.g. '100:4.50;500:4.20'.",
        ),
    ),
)

AGREEMENTS = FileSpec(
    kind="agreements",
    doc="Blanket agreements, one row per agreement and item; header columns must agree "
    "across the rows of one agreement.",
    key=("agreement", "sku", "location"),
    columns=(
        Column(
            "agreement",
            "text",
            max_length=64,
            aliases=("contract", "agreement_number"),
            doc="Agreement number.",
        ),
        SUPPLIER_REF,
        Column("start_date", "date", aliases=("valid_from",)),
        Column("end_date", "date", aliases=("valid_to",)),
        _sku(),
        LOCATION,
        Column("committed_qty", "float", minimum=0, aliases=("target_qty",)),
        Column("unit_price", "money", minimum=0, aliases=("price",)),
        Column(
            "released_qty",
            "float",
            required=False,
            default=0.0,
            minimum=0,
            doc="Quantity already released against the agreement.",
        ),
        Column(
            "committed_value",
            "money",
            required=False,
            minimum=0,
            doc="Committed value of the whole agreement (header).",
        ),
        Column("currency", "text", required=False, default="EUR", max_length=3),
    ),
)

INVENTORY = FileSpec(
    kind="inventory",
    doc="Inventory balances per item; replaces the item's balance.",
    key=("sku", "location"),
    columns=(
        _sku(),
        LOCATION,
        Column("on_hand", "float", minimum=0, aliases=("qty_on_hand", "unrestricted")),
        Column("allocated", "float", required=False, default=0.0, minimum=0, aliases=("reserved",)),
        Column(
            "backordered", "float", required=False, default=0.0, minimum=0, aliases=("backorders",)
        ),
        Column("as_of", "datetime", required=False, doc="When the balance was counted."),
    ),
)

SIGNALS = FileSpec(
    kind="signals",
    doc="Consumption signals (POS sales, production issues, kanban pulls, MRO issues). "
    "Each adds to the item's daily demand bucket. A signal whose key is already stored is "
    "skipped, so re-importing a file changes nothing; without a key column the key is "
    "derived from the row's content.",
    key=("key",),
    columns=(
        Column(
            "key",
            "text",
            required=False,
            max_length=200,
            aliases=("idempotency_key", "signal_id", "document"),
            doc="Idempotency key, unique per signal.",
        ),
        _sku(),
        LOCATION,
        Column(
            "timestamp",
            "datetime",
            aliases=("at", "time", "date"),
            doc="ISO 8601; without a zone it is taken as UTC.",
        ),
        Column("qty", "float", minimum=0, aliases=("quantity",)),
        Column("source", "enum", required=False, default=SignalSource.MANUAL, enum=SignalSource),
    ),
)

DEMAND_SERIES = FileSpec(
    kind="demand-series",
    doc="Bucketed demand history, long format (one row per item and period). The period "
    "length is given with --period day|week|month; periods are normalised to the bucket's "
    "first day (Monday for weeks). Re-importing replaces the stored bucket.",
    key=("sku", "location", "period"),
    columns=(
        Column(
            "sku",
            "text",
            max_length=64,
            aliases=("item", "series_id", "item_code"),
            doc="Item code; unknown items are an error unless --create-items.",
        ),
        LOCATION,
        Column("period", "date", aliases=("date", "period_start", "month", "week")),
        Column("qty", "float", minimum=0, aliases=("demand", "quantity", "sales")),
    ),
)

PURCHASE_ORDERS = FileSpec(
    kind="purchase-orders",
    doc="Purchase orders, one row per PO line; header columns must agree across the "
    "lines of one PO. Existing PO numbers are an error (POs change through their "
    "lifecycle, not by re-import).",
    key=("po", "line"),
    columns=(
        Column("po", "text", max_length=64, aliases=("po_number", "order")),
        SUPPLIER_REF,
        Column("line", "int", minimum=1, aliases=("line_no", "po_line")),
        _sku(),
        LOCATION,
        Column("qty", "float", minimum=0, exclusive_minimum=True, aliases=("quantity",)),
        Column("unit_price", "money", minimum=0, aliases=("price",)),
        Column("order_date", "date"),
        Column("need_date", "date", required=False),
        Column("promised_date", "date", required=False, aliases=("confirmed_date",)),
        Column(
            "status",
            "enum",
            required=False,
            default=PurchaseOrderStatus.SENT,
            enum=PurchaseOrderStatus,
        ),
        Column(
            "agreement",
            "text",
            required=False,
            max_length=64,
            doc="Blanket agreement this PO releases against; must exist.",
        ),
        Column("currency", "text", required=False, default="EUR", max_length=3),
    ),
)

RECEIPTS = FileSpec(
    kind="receipts",
    doc="Goods receipts against PO lines with their incoming-inspection result. "
    "Rejected units never enter on hand.",
    key=("receipt",),
    columns=(
        Column("receipt", "text", max_length=64, aliases=("receipt_number", "gr_number")),
        Column("po", "text", max_length=64, aliases=("po_number",)),
        Column("line", "int", minimum=1, aliases=("line_no", "po_line")),
        Column("received_on", "date", aliases=("date", "receipt_date")),
        Column("qty_received", "float", minimum=0, aliases=("qty", "quantity")),
        Column("qty_rejected", "float", required=False, default=0.0, minimum=0),
        Column(
            "inspection",
            "enum",
            required=False,
            enum=InspectionResult,
            doc="accepted / partial / rejected / pending; derived from the quantities when absent.",
        ),
        Column("note", "text", required=False, max_length=2000),
    ),
)

RISK_EVENTS = FileSpec(
    kind="risk-events",
    doc="Supply risk events on a supplier or a whole region (at least one of the two).",
    key=("event",),
    columns=(
        Column("event", "text", max_length=64, aliases=("key", "event_id")),
        Column("type", "enum", enum=RiskType),
        Column("severity", "enum", enum=Severity),
        Column("start_date", "date", aliases=("start",)),
        Column("expected_duration_days", "int", minimum=0, aliases=("duration_days",)),
        Column("supplier", "text", required=False, max_length=64),
        Column("region", "text", required=False, max_length=64),
        Column("description", "text", required=False, default="", max_length=2000),
    ),
)

SPECS: dict[str, FileSpec] = {
    spec.kind: spec
    for spec in (
        ITEMS,
        SUPPLIERS,
        OFFERS,
        AGREEMENTS,
        INVENTORY,
        SIGNALS,
        DEMAND_SERIES,
        PURCHASE_ORDERS,
        RECEIPTS,
        RISK_EVENTS,
    )
}
# Import order that satisfies every reference.
LOAD_ORDER = (
    "items",
    "suppliers",
    "offers",
    "agreements",
    "inventory",
    "purchase-orders",
    "receipts",
    "signals",
    "demand-series",
    "risk-events",
)
