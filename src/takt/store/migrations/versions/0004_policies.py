"""policies: planner overrides and item policies per run

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "item_policies",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("strategy", sa.String(length=8), nullable=False),
        sa.Column("logic", sa.String(length=16), nullable=False),
        sa.Column("rule", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("service_target", sa.Float(), nullable=True),
        sa.Column("review_period_days", sa.Float(), nullable=True),
        sa.Column("method", sa.String(length=16), nullable=True),
        sa.Column("safety_stock", sa.Float(), nullable=True),
        sa.Column("reorder_point", sa.Float(), nullable=True),
        sa.Column("order_up_to", sa.Float(), nullable=True),
        sa.Column("order_qty", sa.Float(), nullable=True),
        sa.Column("kanban_count", sa.Integer(), nullable=True),
        sa.Column("container_qty", sa.Float(), nullable=True),
        sa.Column("contingency_reserve", sa.Float(), nullable=True),
        sa.Column("days_of_cover", sa.Float(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_item_policies_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["plan_runs.id"],
            name=op.f("fk_item_policies_run_id_plan_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "item_id", name=op.f("pk_item_policies")),
    )
    op.create_table(
        "policy_overrides",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("strategy", sa.String(length=8), nullable=False),
        sa.Column("logic", sa.String(length=16), nullable=True),
        sa.Column("service_target", sa.Float(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("set_by", sa.String(length=200), nullable=False),
        sa.Column(
            "set_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_policy_overrides_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_policy_overrides")),
    )


def downgrade() -> None:
    op.drop_table("policy_overrides")
    op.drop_table("item_policies")
