"""forecast_holdout: a forecast run's calibration holdout (per item: pattern at the
origin, first demand, ADI, CV², actual and forecast mean per period)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "forecast_holdout",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("pattern", sa.String(length=16), nullable=False),
        sa.Column("first_demand", sa.Date(), nullable=True),
        sa.Column("adi", sa.Float(), nullable=True),
        sa.Column("cv2", sa.Float(), nullable=False),
        sa.Column("actual", sa.Float(), nullable=False),
        sa.Column("forecast", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_forecast_holdout_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["plan_runs.id"],
            name=op.f("fk_forecast_holdout_run_id_plan_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "item_id", name=op.f("pk_forecast_holdout")),
    )


def downgrade() -> None:
    op.drop_table("forecast_holdout")
