"""supplier signals: lead-time statistics and drift, supplier scorecards and trends per run

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lead_time_drift",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("n_history", sa.Integer(), nullable=False),
        sa.Column("mean_history", sa.Float(), nullable=True),
        sa.Column("n_recent", sa.Integer(), nullable=False),
        sa.Column("mean_recent", sa.Float(), nullable=True),
        sa.Column("shift_days", sa.Float(), nullable=True),
        sa.Column("p_value", sa.Float(), nullable=True),
        sa.Column("drift", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_lead_time_drift_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["plan_runs.id"],
            name=op.f("fk_lead_time_drift_run_id_plan_runs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["suppliers.id"],
            name=op.f("fk_lead_time_drift_supplier_id_suppliers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_time_drift")),
    )
    with op.batch_alter_table("lead_time_drift", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lead_time_drift_run_id"), ["run_id"], unique=False)

    op.create_table(
        "lead_time_stats",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("quoted_lead_time_days", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("mean", sa.Float(), nullable=False),
        sa.Column("std", sa.Float(), nullable=False),
        sa.Column("cv", sa.Float(), nullable=False),
        sa.Column("q50", sa.Float(), nullable=False),
        sa.Column("q90", sa.Float(), nullable=False),
        sa.Column("q95", sa.Float(), nullable=False),
        sa.Column("share_late", sa.Float(), nullable=True),
        sa.Column("predicted_q50", sa.Float(), nullable=True),
        sa.Column("predicted_q90", sa.Float(), nullable=True),
        sa.Column("predicted_source", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_lead_time_stats_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["plan_runs.id"],
            name=op.f("fk_lead_time_stats_run_id_plan_runs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["suppliers.id"],
            name=op.f("fk_lead_time_stats_supplier_id_suppliers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "run_id", "supplier_id", "item_id", name=op.f("pk_lead_time_stats")
        ),
    )
    op.create_table(
        "supplier_scorecards",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("on_time_pct", sa.Float(), nullable=True),
        sa.Column("in_full_pct", sa.Float(), nullable=True),
        sa.Column("otif_pct", sa.Float(), nullable=True),
        sa.Column("open_past_due", sa.Integer(), nullable=False),
        sa.Column("lead_time_mean", sa.Float(), nullable=True),
        sa.Column("lead_time_std", sa.Float(), nullable=True),
        sa.Column("lead_time_cv", sa.Float(), nullable=True),
        sa.Column("defect_rate", sa.Float(), nullable=True),
        sa.Column("defect_ppm", sa.Float(), nullable=True),
        sa.Column("ack_latency_days", sa.Float(), nullable=True),
        sa.Column("disruption_events", sa.Integer(), nullable=False),
        sa.Column("disruption_response_days", sa.Float(), nullable=True),
        sa.Column("otif_score", sa.Float(), nullable=True),
        sa.Column("lead_time_score", sa.Float(), nullable=True),
        sa.Column("quality_score", sa.Float(), nullable=True),
        sa.Column("responsiveness_score", sa.Float(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["plan_runs.id"],
            name=op.f("fk_supplier_scorecards_run_id_plan_runs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["suppliers.id"],
            name=op.f("fk_supplier_scorecards_supplier_id_suppliers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "supplier_id", name=op.f("pk_supplier_scorecards")),
    )
    op.create_table(
        "supplier_trends",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("otif_pct", sa.Float(), nullable=True),
        sa.Column("defect_rate", sa.Float(), nullable=True),
        sa.Column("lead_time_mean", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["plan_runs.id"],
            name=op.f("fk_supplier_trends_run_id_plan_runs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["suppliers.id"],
            name=op.f("fk_supplier_trends_supplier_id_suppliers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "run_id", "supplier_id", "period_start", name=op.f("pk_supplier_trends")
        ),
    )


def downgrade() -> None:
    op.drop_table("supplier_trends")
    op.drop_table("supplier_scorecards")
    op.drop_table("lead_time_stats")
    with op.batch_alter_table("lead_time_drift", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lead_time_drift_run_id"))

    op.drop_table("lead_time_drift")
