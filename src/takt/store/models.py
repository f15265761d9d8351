"""SQLAlchemy 2 tables of the store. Schema changes go through Alembic revisions only.

Every quantity is a float in the item's unit of measure; money is ``Numeric`` and
comes back as ``Decimal``. Enum columns store the enum *values* (the words used in
files and the API) as short strings with a CHECK constraint, the same on SQLite
and PostgreSQL.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

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
from takt.store.base import NAMING as NAMING
from takt.store.base import Base as Base
from takt.store.base import BigId as BigId
from takt.store.base import Money as Money
from takt.store.base import enum_column as enum_column
from takt.store.models_runs import ForecastAccuracyRow as ForecastAccuracyRow
from takt.store.models_runs import ForecastHoldoutRow as ForecastHoldoutRow
from takt.store.models_runs import ForecastRow as ForecastRow
from takt.store.models_runs import ItemClassificationRow as ItemClassificationRow
from takt.store.models_runs import ItemPolicyRow as ItemPolicyRow
from takt.store.models_runs import LeadTimeDemandRow as LeadTimeDemandRow
from takt.store.models_runs import LeadTimeDriftRow as LeadTimeDriftRow
from takt.store.models_runs import LeadTimeStatRow as LeadTimeStatRow
from takt.store.models_runs import PolicyOverrideRow as PolicyOverrideRow
from takt.store.models_runs import SupplierScorecardRow as SupplierScorecardRow
from takt.store.models_runs import SupplierTrendRow as SupplierTrendRow


class ItemRow(Base):
    __tablename__ = "items"
    __table_args__ = (UniqueConstraint("sku", "location"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sku: Mapped[str] = mapped_column(String(64))
    location: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(500), default="")
    uom: Mapped[str] = mapped_column(String(16), default="EA")
    unit_cost: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    category: Mapped[Category] = mapped_column(enum_column(Category, "category"))
    criticality: Mapped[Criticality] = mapped_column(enum_column(Criticality, "criticality"))
    lifecycle: Mapped[Lifecycle] = mapped_column(enum_column(Lifecycle, "lifecycle"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class SupplierRow(Base):
    __tablename__ = "suppliers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    region: Mapped[str] = mapped_column(String(64))
    edi_preference: Mapped[EdiPreference] = mapped_column(
        enum_column(EdiPreference, "edi_preference")
    )
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(200))
    contact_phone: Mapped[str | None] = mapped_column(String(64))
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    # The supplier's EDI partner id (ISA06/08, UNB sender/recipient); null = its code.
    edi_id: Mapped[str | None] = mapped_column(String(35), unique=True)


class OfferRow(Base):
    __tablename__ = "offers"
    __table_args__ = (
        UniqueConstraint("supplier_id", "item_id"),
        CheckConstraint("moq >= 0", name="moq_nonnegative"),
        CheckConstraint("pack_multiple > 0", name="pack_positive"),
        CheckConstraint("quoted_lead_time_days >= 0", name="lead_time_nonnegative"),
        CheckConstraint(
            "allocation_share >= 0 AND allocation_share <= 1", name="share_in_unit_interval"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    quoted_lead_time_days: Mapped[int] = mapped_column(Integer)
    moq: Mapped[float] = mapped_column(Float, default=1.0)
    pack_multiple: Mapped[float] = mapped_column(Float, default=1.0)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    role: Mapped[OfferRole] = mapped_column(enum_column(OfferRole, "offer_role"))
    allocation_share: Mapped[float] = mapped_column(Float, default=1.0)
    delivery_weekdays: Mapped[int] = mapped_column(Integer, default=ALL_DAYS)
    # [{"min_qty": 100.0, "unit_price": "4.20"}, ...] sorted by min_qty
    price_breaks: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class AgreementRow(Base):
    __tablename__ = "blanket_agreements"
    __table_args__ = (CheckConstraint("end_date >= start_date", name="period_ordered"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id", ondelete="CASCADE"))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    committed_value: Mapped[Decimal | None] = mapped_column(Money)

    lines: Mapped[list[AgreementLineRow]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan"
    )


class AgreementLineRow(Base):
    __tablename__ = "agreement_lines"
    __table_args__ = (
        UniqueConstraint("agreement_id", "item_id"),
        CheckConstraint("committed_qty >= 0", name="committed_nonnegative"),
        CheckConstraint("released_qty >= 0", name="released_nonnegative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("blanket_agreements.id", ondelete="CASCADE")
    )
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    committed_qty: Mapped[float] = mapped_column(Float)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    released_qty: Mapped[float] = mapped_column(Float, default=0.0)

    agreement: Mapped[AgreementRow] = relationship(back_populates="lines")


class InventoryRow(Base):
    __tablename__ = "inventory_balances"
    __table_args__ = (
        CheckConstraint("allocated >= 0", name="allocated_nonnegative"),
        CheckConstraint("backordered >= 0", name="backordered_nonnegative"),
    )

    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )
    on_hand: Mapped[float] = mapped_column(Float, default=0.0)
    allocated: Mapped[float] = mapped_column(Float, default=0.0)
    backordered: Mapped[float] = mapped_column(Float, default=0.0)
    as_of: Mapped[datetime] = mapped_column(server_default=func.now())


class SignalRow(Base):
    __tablename__ = "demand_signals"
    __table_args__ = (
        CheckConstraint("qty >= 0", name="qty_nonnegative"),
        Index("ix_demand_signals_item_at", "item_id", "at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column()
    qty: Mapped[float] = mapped_column(Float)
    source: Mapped[SignalSource] = mapped_column(enum_column(SignalSource, "signal_source"))
    received_at: Mapped[datetime] = mapped_column(server_default=func.now())


class DemandBucketRow(Base):
    """Bucketed demand history: derived from signals (grain ``day``) or imported series."""

    __tablename__ = "demand_buckets"

    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )
    grain: Mapped[Grain] = mapped_column(enum_column(Grain, "grain"), primary_key=True)
    period_start: Mapped[date] = mapped_column(Date, primary_key=True)
    qty: Mapped[float] = mapped_column(Float)


class PurchaseOrderRow(Base):
    __tablename__ = "purchase_orders"
    # Unsent (approved) POs of a supplier are looked up on every order placed.
    __table_args__ = (Index("ix_purchase_orders_status_supplier", "status", "supplier_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("blanket_agreements.id"))
    status: Mapped[PurchaseOrderStatus] = mapped_column(
        enum_column(PurchaseOrderStatus, "po_status")
    )
    order_date: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())

    lines: Mapped[list[PurchaseOrderLineRow]] = relationship(
        back_populates="order",
        cascade="all, delete-orphan",
        order_by="PurchaseOrderLineRow.line_no",
    )


class PurchaseOrderLineRow(Base):
    __tablename__ = "purchase_order_lines"
    __table_args__ = (
        UniqueConstraint("po_id", "line_no"),
        CheckConstraint("qty > 0", name="qty_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    po_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id", ondelete="CASCADE"))
    line_no: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    qty: Mapped[float] = mapped_column(Float)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    need_date: Mapped[date | None] = mapped_column(Date)
    promised_date: Mapped[date | None] = mapped_column(Date)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    # The supplier's acknowledgement (855/ORDRSP or the portal) and ship notice (856/DESADV).
    confirmed_qty: Mapped[float | None] = mapped_column(Float)
    confirmed_date: Mapped[date | None] = mapped_column(Date)
    shipped_qty: Mapped[float | None] = mapped_column(Float)
    expected_date: Mapped[date | None] = mapped_column(Date)
    # Why the line exists, in words and fields (copied from its proposal).
    reason: Mapped[str | None] = mapped_column(Text)
    explanation: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    order: Mapped[PurchaseOrderRow] = relationship(back_populates="lines")


class PurchaseOrderEventRow(Base):
    """Audit trail: every change to a PO or one of its lines (who, when, what)."""

    __tablename__ = "po_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    po_id: Mapped[int] = mapped_column(
        ForeignKey("purchase_orders.id", ondelete="CASCADE"), index=True
    )
    line_id: Mapped[int | None] = mapped_column(
        ForeignKey("purchase_order_lines.id", ondelete="CASCADE")
    )
    at: Mapped[datetime] = mapped_column(server_default=func.now())
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ReceiptRow(Base):
    __tablename__ = "receipts"
    __table_args__ = (
        CheckConstraint("qty_received >= 0", name="received_nonnegative"),
        CheckConstraint(
            "qty_rejected >= 0 AND qty_rejected <= qty_received", name="rejected_within_received"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    po_line_id: Mapped[int] = mapped_column(
        ForeignKey("purchase_order_lines.id", ondelete="CASCADE"), index=True
    )
    received_on: Mapped[date] = mapped_column(Date)
    qty_received: Mapped[float] = mapped_column(Float)
    qty_rejected: Mapped[float] = mapped_column(Float, default=0.0)
    inspection: Mapped[InspectionResult] = mapped_column(
        enum_column(InspectionResult, "inspection_result")
    )
    note: Mapped[str | None] = mapped_column(Text)


class RiskEventRow(Base):
    __tablename__ = "risk_events"
    __table_args__ = (
        CheckConstraint("supplier_id IS NOT NULL OR region IS NOT NULL", name="supplier_or_region"),
        CheckConstraint("expected_duration_days >= 0", name="duration_nonnegative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    supplier_id: Mapped[int | None] = mapped_column(
        ForeignKey("suppliers.id", ondelete="CASCADE"), index=True
    )
    region: Mapped[str | None] = mapped_column(String(64))
    type: Mapped[RiskType] = mapped_column(enum_column(RiskType, "risk_type"))
    severity: Mapped[Severity] = mapped_column(enum_column(Severity, "severity"))
    start_date: Mapped[date] = mapped_column(Date)
    expected_duration_days: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text, default="")


class ImportRunRow(Base):
    """One accepted import: what was loaded from which file (rejected files leave no row)."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    file: Mapped[str] = mapped_column(String(1000))
    sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer)
    inserted: Mapped[int] = mapped_column(Integer)
    updated: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(server_default=func.now())


class PlanRunRow(Base):
    """One run of an engine over the store (forecast now; plan and simulate later):
    its inputs, parameters and seed, so results can be reproduced and compared."""

    __tablename__ = "plan_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))  # running | succeeded | failed
    as_of: Mapped[date] = mapped_column(Date)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    seed: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column()


class ProposalRow(Base):
    """A replenishment proposal: an order to place, or a change to an open PO line
    (expedite, push out, cancel), with its reason in words and fields."""

    __tablename__ = "proposals"
    __table_args__ = (
        CheckConstraint("qty >= 0", name="qty_nonnegative"),
        Index("ix_proposals_status_item", "status", "item_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    plan_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("plan_runs.id", ondelete="SET NULL"), index=True
    )
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # order | expedite | push_out | cancel
    source: Mapped[str] = mapped_column(String(16))  # plan | trigger | receipt
    status: Mapped[str] = mapped_column(String(16))  # open | approved | rejected | superseded
    qty: Mapped[float] = mapped_column(Float)
    need_date: Mapped[date | None] = mapped_column(Date)
    order_date: Mapped[date | None] = mapped_column(Date)
    delivery_date: Mapped[date | None] = mapped_column(Date)
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id"))
    unit_price: Mapped[Decimal | None] = mapped_column(Money)
    value: Mapped[Decimal | None] = mapped_column(Money)
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("blanket_agreements.id"))
    # For an order: the PO line it became; for a reschedule: the open line it changes.
    po_line_id: Mapped[int | None] = mapped_column(
        ForeignKey("purchase_order_lines.id", ondelete="SET NULL"), index=True
    )
    new_date: Mapped[date | None] = mapped_column(Date)
    decision: Mapped[str | None] = mapped_column(String(8))  # auto | queue
    reason: Mapped[str] = mapped_column(Text, default="")
    approval_reason: Mapped[str | None] = mapped_column(Text)
    warning: Mapped[str | None] = mapped_column(Text)
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    signal_key: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    decided_at: Mapped[datetime | None] = mapped_column()
    decided_by: Mapped[str | None] = mapped_column(String(200))


class RunLockRow(Base):
    """A named lock held by one process (one plan run at a time per database)."""

    __tablename__ = "run_locks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    host: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int] = mapped_column(Integer)
    acquired_at: Mapped[datetime] = mapped_column()


class EdiInterchangeRow(Base):
    """One EDI interchange sent or received, with its answer (997/CONTRL).

    ``dedupe_key`` (``direction:standard:partner:control number``) is set on every
    interchange sent and every one received and applied, so a control number is never
    reused towards a partner and a repeated inbound interchange is refused; rejected
    inbound interchanges leave it null (a corrected resend may reuse the number).
    """

    __tablename__ = "edi_interchanges"
    __table_args__ = (
        CheckConstraint("direction IN ('in', 'out')", name="direction_known"),
        Index("ix_edi_interchanges_partner_control", "partner", "control_number"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    direction: Mapped[str] = mapped_column(String(3))
    standard: Mapped[str] = mapped_column(String(8))  # x12 | edifact
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id"), index=True)
    partner: Mapped[str] = mapped_column(String(35))
    control_number: Mapped[int] = mapped_column(BigInteger)
    dedupe_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    document_types: Mapped[str] = mapped_column(String(64))  # e.g. "850" or "ORDRSP"
    status: Mapped[str] = mapped_column(String(16))  # sent | applied | rejected
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    actor: Mapped[str] = mapped_column(String(200))
    payload: Mapped[str] = mapped_column(Text)
    answer: Mapped[str | None] = mapped_column(Text)  # our 997/CONTRL to an inbound one
    errors: Mapped[list[str] | None] = mapped_column(JSON)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class InvoiceRow(Base):
    """A supplier invoice, matched three ways against its PO and the receipts."""

    __tablename__ = "invoices"
    __table_args__ = (UniqueConstraint("supplier_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(64))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    po_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id"), index=True)
    invoice_date: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    total: Mapped[Decimal] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(16))  # matched | held | approved
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    interchange_id: Mapped[int | None] = mapped_column(ForeignKey("edi_interchanges.id"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    decided_by: Mapped[str | None] = mapped_column(String(200))

    lines: Mapped[list[InvoiceLineRow]] = relationship(
        back_populates="invoice", cascade="all, delete-orphan", order_by="InvoiceLineRow.line_no"
    )


class InvoiceLineRow(Base):
    __tablename__ = "invoice_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    line_no: Mapped[int] = mapped_column(Integer)
    po_line_id: Mapped[int] = mapped_column(ForeignKey("purchase_order_lines.id"), index=True)
    qty: Mapped[float] = mapped_column(Float)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    matched: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text, default="")

    invoice: Mapped[InvoiceRow] = relationship(back_populates="lines")


class BufferUpliftRow(Base):
    """A temporary buffer raise on one item (``takt risk uplift``): the plan adds ``qty``
    to the item's safety stock, reorder point and order-up-to level from ``start`` until
    the day before ``end``, then it lapses by itself."""

    __tablename__ = "buffer_uplifts"
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("end_date > start_date", name="ends_after_start"),
        Index("ix_buffer_uplifts_item_end", "item_id", "end_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    qty: Mapped[float] = mapped_column(Float)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    risk_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("risk_events.id", ondelete="SET NULL")
    )
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class UserRow(Base):
    """A person (or a supplier's account) who signs in to the web app or the API.

    ``role``: viewer, planner, buyer (approves), admin, or supplier (then ``supplier_id``
    scopes everything it sees to that supplier). ``password_hash`` is a salted scrypt
    hash in the ``scrypt$n$r$p$salt$hash`` form; the password itself is never stored.
    """

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "role IN ('viewer', 'planner', 'buyer', 'admin', 'supplier')", name="role_known"
        ),
        CheckConstraint("(role = 'supplier') = (supplier_id IS NOT NULL)", name="supplier_scope"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(16))
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class ApiTokenRow(Base):
    """An API token of a user; only its SHA-256 is stored (the token is shown once)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    expires_at: Mapped[datetime | None] = mapped_column()
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class WebSessionRow(Base):
    """A signed-in browser: the cookie carries a random id, the store only its SHA-256,
    with the session's CSRF token for the forms."""

    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column()
