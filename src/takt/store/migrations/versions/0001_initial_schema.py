"""initial schema: items, suppliers, offers, agreements, inventory, signals, buckets,
POs with audit trail, receipts, risk events, import runs

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("file", sa.String(length=1000), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column(
            "at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_runs")),
    )
    op.create_table(
        "items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("location", sa.String(length=64), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("uom", sa.String(length=16), nullable=False),
        sa.Column("unit_cost", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "direct",
                "indirect",
                "mro",
                name="category",
                native_enum=False,
                create_constraint=True,
                length=12,
            ),
            nullable=False,
        ),
        sa.Column(
            "criticality",
            sa.Enum(
                "line_stopper",
                "important",
                "normal",
                name="criticality",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "lifecycle",
            sa.Enum(
                "active",
                "new",
                "phase_out",
                name="lifecycle",
                native_enum=False,
                create_constraint=True,
                length=13,
            ),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_items")),
        sa.UniqueConstraint("sku", "location", name=op.f("uq_items_sku_location")),
    )
    op.create_table(
        "suppliers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("region", sa.String(length=64), nullable=False),
        sa.Column(
            "edi_preference",
            sa.Enum(
                "x12",
                "edifact",
                "portal",
                "email",
                name="edi_preference",
                native_enum=False,
                create_constraint=True,
                length=11,
            ),
            nullable=False,
        ),
        sa.Column("contact_name", sa.String(length=200), nullable=True),
        sa.Column("contact_email", sa.String(length=200), nullable=True),
        sa.Column("contact_phone", sa.String(length=64), nullable=True),
        sa.Column("blocked", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppliers")),
        sa.UniqueConstraint("code", name=op.f("uq_suppliers_code")),
    )
    op.create_table(
        "blanket_agreements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("committed_value", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.CheckConstraint(
            "end_date >= start_date", name=op.f("ck_blanket_agreements_period_ordered")
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["suppliers.id"],
            name=op.f("fk_blanket_agreements_supplier_id_suppliers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blanket_agreements")),
        sa.UniqueConstraint("number", name=op.f("uq_blanket_agreements_number")),
    )
    op.create_table(
        "demand_buckets",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column(
            "grain",
            sa.Enum(
                "day",
                "week",
                "month",
                name="grain",
                native_enum=False,
                create_constraint=True,
                length=9,
            ),
            nullable=False,
        ),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("qty", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_demand_buckets_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("item_id", "grain", "period_start", name=op.f("pk_demand_buckets")),
    )
    op.create_table(
        "demand_signals",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("qty", sa.Float(), nullable=False),
        sa.Column(
            "source",
            sa.Enum(
                "pos",
                "production",
                "kanban",
                "mro",
                "manual",
                name="signal_source",
                native_enum=False,
                create_constraint=True,
                length=14,
            ),
            nullable=False,
        ),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint("qty >= 0", name=op.f("ck_demand_signals_qty_nonnegative")),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_demand_signals_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demand_signals")),
        sa.UniqueConstraint("key", name=op.f("uq_demand_signals_key")),
    )
    with op.batch_alter_table("demand_signals", schema=None) as batch_op:
        batch_op.create_index("ix_demand_signals_item_at", ["item_id", "at"], unique=False)

    op.create_table(
        "inventory_balances",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("on_hand", sa.Float(), nullable=False),
        sa.Column("allocated", sa.Float(), nullable=False),
        sa.Column("backordered", sa.Float(), nullable=False),
        sa.Column(
            "as_of",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "allocated >= 0", name=op.f("ck_inventory_balances_allocated_nonnegative")
        ),
        sa.CheckConstraint(
            "backordered >= 0", name=op.f("ck_inventory_balances_backordered_nonnegative")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_inventory_balances_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_inventory_balances")),
    )
    op.create_table(
        "offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("quoted_lead_time_days", sa.Integer(), nullable=False),
        sa.Column("moq", sa.Float(), nullable=False),
        sa.Column("pack_multiple", sa.Float(), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "primary",
                "alternate",
                name="offer_role",
                native_enum=False,
                create_constraint=True,
                length=13,
            ),
            nullable=False,
        ),
        sa.Column("allocation_share", sa.Float(), nullable=False),
        sa.Column("delivery_weekdays", sa.Integer(), nullable=False),
        sa.Column("price_breaks", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "allocation_share >= 0 AND allocation_share <= 1",
            name=op.f("ck_offers_share_in_unit_interval"),
        ),
        sa.CheckConstraint("moq >= 0", name=op.f("ck_offers_moq_nonnegative")),
        sa.CheckConstraint("pack_multiple > 0", name=op.f("ck_offers_pack_positive")),
        sa.CheckConstraint(
            "quoted_lead_time_days >= 0", name=op.f("ck_offers_lead_time_nonnegative")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_offers_item_id_items"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["suppliers.id"],
            name=op.f("fk_offers_supplier_id_suppliers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offers")),
        sa.UniqueConstraint("supplier_id", "item_id", name=op.f("uq_offers_supplier_id_item_id")),
    )
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_offers_item_id"), ["item_id"], unique=False)

    op.create_table(
        "risk_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=True),
        sa.Column("region", sa.String(length=64), nullable=True),
        sa.Column(
            "type",
            sa.Enum(
                "fire",
                "flood",
                "weather",
                "port_closure",
                "strike",
                "financial",
                "geopolitical",
                "cyber",
                "quality",
                "outage",
                "other",
                name="risk_type",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "severity",
            sa.Enum(
                "low",
                "medium",
                "high",
                "critical",
                name="severity",
                native_enum=False,
                create_constraint=True,
                length=12,
            ),
            nullable=False,
        ),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("expected_duration_days", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "expected_duration_days >= 0", name=op.f("ck_risk_events_duration_nonnegative")
        ),
        sa.CheckConstraint(
            "supplier_id IS NOT NULL OR region IS NOT NULL",
            name=op.f("ck_risk_events_supplier_or_region"),
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["suppliers.id"],
            name=op.f("fk_risk_events_supplier_id_suppliers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_events")),
        sa.UniqueConstraint("key", name=op.f("uq_risk_events_key")),
    )
    with op.batch_alter_table("risk_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_risk_events_supplier_id"), ["supplier_id"], unique=False
        )

    op.create_table(
        "agreement_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("committed_qty", sa.Float(), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("released_qty", sa.Float(), nullable=False),
        sa.CheckConstraint(
            "committed_qty >= 0", name=op.f("ck_agreement_lines_committed_nonnegative")
        ),
        sa.CheckConstraint(
            "released_qty >= 0", name=op.f("ck_agreement_lines_released_nonnegative")
        ),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["blanket_agreements.id"],
            name=op.f("fk_agreement_lines_agreement_id_blanket_agreements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_agreement_lines_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement_lines")),
        sa.UniqueConstraint(
            "agreement_id", "item_id", name=op.f("uq_agreement_lines_agreement_id_item_id")
        ),
    )
    with op.batch_alter_table("agreement_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agreement_lines_item_id"), ["item_id"], unique=False)

    op.create_table(
        "purchase_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "approved",
                "sent",
                "acknowledged",
                "shipped",
                "partially_received",
                "received",
                "closed",
                "cancelled",
                name="po_status",
                native_enum=False,
                create_constraint=True,
                length=22,
            ),
            nullable=False,
        ),
        sa.Column("order_date", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["blanket_agreements.id"],
            name=op.f("fk_purchase_orders_agreement_id_blanket_agreements"),
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_purchase_orders_supplier_id_suppliers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_orders")),
        sa.UniqueConstraint("number", name=op.f("uq_purchase_orders_number")),
    )
    with op.batch_alter_table("purchase_orders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_purchase_orders_supplier_id"), ["supplier_id"], unique=False
        )

    op.create_table(
        "purchase_order_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("po_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("qty", sa.Float(), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("need_date", sa.Date(), nullable=True),
        sa.Column("promised_date", sa.Date(), nullable=True),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.CheckConstraint("qty > 0", name=op.f("ck_purchase_order_lines_qty_positive")),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_purchase_order_lines_item_id_items")
        ),
        sa.ForeignKeyConstraint(
            ["po_id"],
            ["purchase_orders.id"],
            name=op.f("fk_purchase_order_lines_po_id_purchase_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_order_lines")),
        sa.UniqueConstraint("po_id", "line_no", name=op.f("uq_purchase_order_lines_po_id_line_no")),
    )
    with op.batch_alter_table("purchase_order_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_purchase_order_lines_item_id"), ["item_id"], unique=False
        )

    op.create_table(
        "po_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("po_id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=True),
        sa.Column(
            "at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("from_status", sa.String(length=32), nullable=True),
        sa.Column("to_status", sa.String(length=32), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["purchase_order_lines.id"],
            name=op.f("fk_po_events_line_id_purchase_order_lines"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["po_id"],
            ["purchase_orders.id"],
            name=op.f("fk_po_events_po_id_purchase_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_po_events")),
    )
    with op.batch_alter_table("po_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_po_events_po_id"), ["po_id"], unique=False)

    op.create_table(
        "receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("po_line_id", sa.Integer(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("qty_received", sa.Float(), nullable=False),
        sa.Column("qty_rejected", sa.Float(), nullable=False),
        sa.Column(
            "inspection",
            sa.Enum(
                "accepted",
                "partial",
                "rejected",
                "pending",
                name="inspection_result",
                native_enum=False,
                create_constraint=True,
                length=12,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint("qty_received >= 0", name=op.f("ck_receipts_received_nonnegative")),
        sa.CheckConstraint(
            "qty_rejected >= 0 AND qty_rejected <= qty_received",
            name=op.f("ck_receipts_rejected_within_received"),
        ),
        sa.ForeignKeyConstraint(
            ["po_line_id"],
            ["purchase_order_lines.id"],
            name=op.f("fk_receipts_po_line_id_purchase_order_lines"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receipts")),
        sa.UniqueConstraint("number", name=op.f("uq_receipts_number")),
    )
    with op.batch_alter_table("receipts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_receipts_po_line_id"), ["po_line_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("receipts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_receipts_po_line_id"))

    op.drop_table("receipts")
    with op.batch_alter_table("po_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_po_events_po_id"))

    op.drop_table("po_events")
    with op.batch_alter_table("purchase_order_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_purchase_order_lines_item_id"))

    op.drop_table("purchase_order_lines")
    with op.batch_alter_table("purchase_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_purchase_orders_supplier_id"))

    op.drop_table("purchase_orders")
    with op.batch_alter_table("agreement_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agreement_lines_item_id"))

    op.drop_table("agreement_lines")
    with op.batch_alter_table("risk_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_events_supplier_id"))

    op.drop_table("risk_events")
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offers_item_id"))

    op.drop_table("offers")
    op.drop_table("inventory_balances")
    with op.batch_alter_table("demand_signals", schema=None) as batch_op:
        batch_op.drop_index("ix_demand_signals_item_at")

    op.drop_table("demand_signals")
    op.drop_table("demand_buckets")
    op.drop_table("blanket_agreements")
    op.drop_table("suppliers")
    op.drop_table("items")
    op.drop_table("import_runs")
