"""replenishment: proposals, run locks, acknowledgement and ship-notice fields on PO lines

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "run_locks",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("host", sa.String(length=200), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_run_locks")),
    )
    op.create_table(
        "proposals",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("plan_run_id", sa.Integer(), nullable=True),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("qty", sa.Float(), nullable=False),
        sa.Column("need_date", sa.Date(), nullable=True),
        sa.Column("order_date", sa.Date(), nullable=True),
        sa.Column("delivery_date", sa.Date(), nullable=True),
        sa.Column("supplier_id", sa.Integer(), nullable=True),
        sa.Column("unit_price", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("value", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("agreement_id", sa.Integer(), nullable=True),
        sa.Column("po_line_id", sa.Integer(), nullable=True),
        sa.Column("new_date", sa.Date(), nullable=True),
        sa.Column("decision", sa.String(length=8), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("approval_reason", sa.Text(), nullable=True),
        sa.Column("warning", sa.Text(), nullable=True),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("signal_key", sa.String(length=200), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.CheckConstraint("qty >= 0", name=op.f("ck_proposals_qty_nonnegative")),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["blanket_agreements.id"],
            name=op.f("fk_proposals_agreement_id_blanket_agreements"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_proposals_item_id_items"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["plan_run_id"],
            ["plan_runs.id"],
            name=op.f("fk_proposals_plan_run_id_plan_runs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["po_line_id"],
            ["purchase_order_lines.id"],
            name=op.f("fk_proposals_po_line_id_purchase_order_lines"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_proposals_supplier_id_suppliers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposals")),
    )
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposals_plan_run_id"), ["plan_run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_proposals_po_line_id"), ["po_line_id"], unique=False)
        batch_op.create_index("ix_proposals_status_item", ["status", "item_id"], unique=False)

    op.create_index("ix_lead_time_stats_run_item", "lead_time_stats", ["run_id", "item_id"])
    op.create_index(
        "ix_purchase_orders_status_supplier", "purchase_orders", ["status", "supplier_id"]
    )
    with op.batch_alter_table("item_policies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("demand_per_day", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("lead_time_days", sa.Float(), nullable=True))

    with op.batch_alter_table("purchase_order_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("confirmed_qty", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("confirmed_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("shipped_qty", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("expected_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("explanation", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("purchase_order_lines", schema=None) as batch_op:
        batch_op.drop_column("explanation")
        batch_op.drop_column("reason")
        batch_op.drop_column("expected_date")
        batch_op.drop_column("shipped_qty")
        batch_op.drop_column("confirmed_date")
        batch_op.drop_column("confirmed_qty")

    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.drop_index("ix_proposals_status_item")
        batch_op.drop_index(batch_op.f("ix_proposals_po_line_id"))
        batch_op.drop_index(batch_op.f("ix_proposals_plan_run_id"))

    op.drop_table("proposals")
    op.drop_index("ix_lead_time_stats_run_item", table_name="lead_time_stats")
    op.drop_index("ix_purchase_orders_status_supplier", table_name="purchase_orders")
    with op.batch_alter_table("item_policies", schema=None) as batch_op:
        batch_op.drop_column("lead_time_days")
        batch_op.drop_column("demand_per_day")

    op.drop_table("run_locks")
