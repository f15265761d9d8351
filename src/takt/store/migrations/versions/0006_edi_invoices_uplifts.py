"""edi interchanges, invoices (three-way match), supplier EDI ids, buffer uplifts

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "edi_interchanges",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("standard", sa.String(length=8), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=True),
        sa.Column("partner", sa.String(length=35), nullable=False),
        sa.Column("control_number", sa.BigInteger(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=100), nullable=True),
        sa.Column("document_types", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("errors", sa.JSON(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "direction IN ('in', 'out')", name=op.f("ck_edi_interchanges_direction_known")
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["suppliers.id"],
            name=op.f("fk_edi_interchanges_supplier_id_suppliers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_edi_interchanges")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_edi_interchanges_dedupe_key")),
    )
    with op.batch_alter_table("edi_interchanges", schema=None) as batch_op:
        batch_op.create_index(
            "ix_edi_interchanges_partner_control", ["partner", "control_number"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_edi_interchanges_supplier_id"), ["supplier_id"], unique=False
        )

    op.create_table(
        "buffer_uplifts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("qty", sa.Float(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("risk_event_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "end_date > start_date", name=op.f("ck_buffer_uplifts_ends_after_start")
        ),
        sa.CheckConstraint("qty > 0", name=op.f("ck_buffer_uplifts_qty_positive")),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_buffer_uplifts_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["risk_event_id"],
            ["risk_events.id"],
            name=op.f("fk_buffer_uplifts_risk_event_id_risk_events"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buffer_uplifts")),
    )
    with op.batch_alter_table("buffer_uplifts", schema=None) as batch_op:
        batch_op.create_index("ix_buffer_uplifts_item_end", ["item_id", "end_date"], unique=False)

    op.create_table(
        "invoices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("po_id", sa.Integer(), nullable=False),
        sa.Column("invoice_date", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("total", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column(
            "interchange_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["interchange_id"],
            ["edi_interchanges.id"],
            name=op.f("fk_invoices_interchange_id_edi_interchanges"),
        ),
        sa.ForeignKeyConstraint(
            ["po_id"], ["purchase_orders.id"], name=op.f("fk_invoices_po_id_purchase_orders")
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_invoices_supplier_id_suppliers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("supplier_id", "number", name=op.f("uq_invoices_supplier_id_number")),
    )
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invoices_po_id"), ["po_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_invoices_supplier_id"), ["supplier_id"], unique=False)

    op.create_table(
        "invoice_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("po_line_id", sa.Integer(), nullable=False),
        sa.Column("qty", sa.Float(), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("matched", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_invoice_lines_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["po_line_id"],
            ["purchase_order_lines.id"],
            name=op.f("fk_invoice_lines_po_line_id_purchase_order_lines"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_lines")),
    )
    with op.batch_alter_table("invoice_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_invoice_lines_invoice_id"), ["invoice_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_invoice_lines_po_line_id"), ["po_line_id"], unique=False
        )

    with op.batch_alter_table("suppliers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("edi_id", sa.String(length=35), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_suppliers_edi_id"), ["edi_id"])


def downgrade() -> None:
    with op.batch_alter_table("suppliers", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_suppliers_edi_id"), type_="unique")
        batch_op.drop_column("edi_id")

    with op.batch_alter_table("invoice_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoice_lines_po_line_id"))
        batch_op.drop_index(batch_op.f("ix_invoice_lines_invoice_id"))

    op.drop_table("invoice_lines")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoices_supplier_id"))
        batch_op.drop_index(batch_op.f("ix_invoices_po_id"))

    op.drop_table("invoices")
    with op.batch_alter_table("buffer_uplifts", schema=None) as batch_op:
        batch_op.drop_index("ix_buffer_uplifts_item_end")

    op.drop_table("buffer_uplifts")
    with op.batch_alter_table("edi_interchanges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_edi_interchanges_supplier_id"))
        batch_op.drop_index("ix_edi_interchanges_partner_control")

    op.drop_table("edi_interchanges")
