"""Tables of the runs' per-item results: classification, forecasts, accuracy, the
calibration holdout, lead-time demand and statistics, supplier scorecards and trends,
policy overrides and the sized policies (re-exported by :mod:`takt.store.models`)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from takt.store.base import Base, BigId


class ItemClassificationRow(Base):
    __tablename__ = "item_classifications"

    run_id: Mapped[int] = mapped_column(
        ForeignKey("plan_runs.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )
    pattern: Mapped[str] = mapped_column(String(16))
    adi: Mapped[float | None] = mapped_column(Float)
    cv2: Mapped[float] = mapped_column(Float)
    abc: Mapped[str] = mapped_column(String(1))
    xyz: Mapped[str] = mapped_column(String(1))
    seasonal: Mapped[bool] = mapped_column(Boolean)
    review: Mapped[bool] = mapped_column(Boolean)
    model: Mapped[str] = mapped_column(String(32))
    mean_demand: Mapped[float] = mapped_column(Float)
    annual_value: Mapped[float] = mapped_column(Float)


class ForecastRow(Base):
    __tablename__ = "forecasts"

    run_id: Mapped[int] = mapped_column(
        ForeignKey("plan_runs.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )
    period_start: Mapped[date] = mapped_column(Date, primary_key=True)
    qty: Mapped[float] = mapped_column(Float)


class ForecastAccuracyRow(Base):
    __tablename__ = "forecast_accuracy"

    run_id: Mapped[int] = mapped_column(
        ForeignKey("plan_runs.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )
    pattern: Mapped[str] = mapped_column(String(16))
    model: Mapped[str] = mapped_column(String(32))
    origins: Mapped[int] = mapped_column(Integer)
    rmsse: Mapped[float | None] = mapped_column(Float)
    mase: Mapped[float | None] = mapped_column(Float)
    bias: Mapped[float | None] = mapped_column(Float)
    wape: Mapped[float | None] = mapped_column(Float)
    ltd_error: Mapped[float | None] = mapped_column(Float)
    actual: Mapped[float] = mapped_column(Float)
    forecast: Mapped[float] = mapped_column(Float)


class ForecastHoldoutRow(Base):
    """The calibration holdout of a forecast run: the forecaster refit before the last
    periods, its mean forecast per period over them and their actual mean."""

    __tablename__ = "forecast_holdout"

    run_id: Mapped[int] = mapped_column(
        ForeignKey("plan_runs.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )
    pattern: Mapped[str] = mapped_column(String(16))  # at the holdout's origin
    first_demand: Mapped[date | None] = mapped_column(Date)
    adi: Mapped[float | None] = mapped_column(Float)
    cv2: Mapped[float] = mapped_column(Float)
    actual: Mapped[float] = mapped_column(Float)
    forecast: Mapped[float] = mapped_column(Float)


class LeadTimeDemandRow(Base):
    """Distribution of demand over the item's lead time (from backtest residuals)."""

    __tablename__ = "lead_time_demand"

    run_id: Mapped[int] = mapped_column(
        ForeignKey("plan_runs.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )
    lead_time_periods: Mapped[float] = mapped_column(Float)
    mean: Mapped[float] = mapped_column(Float)
    q50: Mapped[float] = mapped_column(Float)
    q80: Mapped[float] = mapped_column(Float)
    q90: Mapped[float] = mapped_column(Float)
    q95: Mapped[float] = mapped_column(Float)
    q99: Mapped[float] = mapped_column(Float)


class LeadTimeStatRow(Base):
    """Lead-time distribution per offer (supplier-item) with its fallback source, and the
    predicted quantiles of an order placed on the run's date."""

    __tablename__ = "lead_time_stats"
    __table_args__ = (Index("ix_lead_time_stats_run_item", "run_id", "item_id"),)

    run_id: Mapped[int] = mapped_column(
        ForeignKey("plan_runs.id", ondelete="CASCADE"), primary_key=True
    )
    supplier_id: Mapped[int] = mapped_column(
        ForeignKey("suppliers.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )
    quoted_lead_time_days: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(16))  # supplier_item | supplier | quoted
    n: Mapped[int] = mapped_column(Integer)
    mean: Mapped[float] = mapped_column(Float)
    std: Mapped[float] = mapped_column(Float)
    cv: Mapped[float] = mapped_column(Float)
    q50: Mapped[float] = mapped_column(Float)
    q90: Mapped[float] = mapped_column(Float)
    q95: Mapped[float] = mapped_column(Float)
    share_late: Mapped[float | None] = mapped_column(Float)
    predicted_q50: Mapped[float | None] = mapped_column(Float)
    predicted_q90: Mapped[float | None] = mapped_column(Float)
    predicted_source: Mapped[str | None] = mapped_column(String(16))


class LeadTimeDriftRow(Base):
    """Recent lead times against the history before them, per supplier and supplier-item."""

    __tablename__ = "lead_time_drift"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("plan_runs.id", ondelete="CASCADE"), index=True)
    level: Mapped[str] = mapped_column(String(16))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id", ondelete="CASCADE"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    n_history: Mapped[int] = mapped_column(Integer)
    mean_history: Mapped[float | None] = mapped_column(Float)
    n_recent: Mapped[int] = mapped_column(Integer)
    mean_recent: Mapped[float | None] = mapped_column(Float)
    shift_days: Mapped[float | None] = mapped_column(Float)
    p_value: Mapped[float | None] = mapped_column(Float)
    drift: Mapped[bool] = mapped_column(Boolean)


class SupplierScorecardRow(Base):
    __tablename__ = "supplier_scorecards"

    run_id: Mapped[int] = mapped_column(
        ForeignKey("plan_runs.id", ondelete="CASCADE"), primary_key=True
    )
    supplier_id: Mapped[int] = mapped_column(
        ForeignKey("suppliers.id", ondelete="CASCADE"), primary_key=True
    )
    lines: Mapped[int] = mapped_column(Integer)
    on_time_pct: Mapped[float | None] = mapped_column(Float)
    in_full_pct: Mapped[float | None] = mapped_column(Float)
    otif_pct: Mapped[float | None] = mapped_column(Float)
    open_past_due: Mapped[int] = mapped_column(Integer)
    lead_time_mean: Mapped[float | None] = mapped_column(Float)
    lead_time_std: Mapped[float | None] = mapped_column(Float)
    lead_time_cv: Mapped[float | None] = mapped_column(Float)
    defect_rate: Mapped[float | None] = mapped_column(Float)
    defect_ppm: Mapped[float | None] = mapped_column(Float)
    ack_latency_days: Mapped[float | None] = mapped_column(Float)
    disruption_events: Mapped[int] = mapped_column(Integer)
    disruption_response_days: Mapped[float | None] = mapped_column(Float)
    otif_score: Mapped[float | None] = mapped_column(Float)
    lead_time_score: Mapped[float | None] = mapped_column(Float)
    quality_score: Mapped[float | None] = mapped_column(Float)
    responsiveness_score: Mapped[float | None] = mapped_column(Float)
    score: Mapped[float | None] = mapped_column(Float)
    rank: Mapped[int | None] = mapped_column(Integer)


class SupplierTrendRow(Base):
    """Scorecard KPIs per supplier over rolling windows (the trend a buyer reviews)."""

    __tablename__ = "supplier_trends"

    run_id: Mapped[int] = mapped_column(
        ForeignKey("plan_runs.id", ondelete="CASCADE"), primary_key=True
    )
    supplier_id: Mapped[int] = mapped_column(
        ForeignKey("suppliers.id", ondelete="CASCADE"), primary_key=True
    )
    period_start: Mapped[date] = mapped_column(Date, primary_key=True)
    period_end: Mapped[date] = mapped_column(Date)
    lines: Mapped[int] = mapped_column(Integer)
    otif_pct: Mapped[float | None] = mapped_column(Float)
    defect_rate: Mapped[float | None] = mapped_column(Float)
    lead_time_mean: Mapped[float | None] = mapped_column(Float)


class PolicyOverrideRow(Base):
    """A planner's decision for one item; it wins over the segmentation rules."""

    __tablename__ = "policy_overrides"

    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )
    strategy: Mapped[str] = mapped_column(String(8))
    logic: Mapped[str | None] = mapped_column(String(16))
    service_target: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, default="")
    set_by: Mapped[str] = mapped_column(String(200))
    set_at: Mapped[datetime] = mapped_column(server_default=func.now())


class ItemPolicyRow(Base):
    """Strategy, its reasons and the stocking parameters of one item in one policy run."""

    __tablename__ = "item_policies"

    run_id: Mapped[int] = mapped_column(
        ForeignKey("plan_runs.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )
    strategy: Mapped[str] = mapped_column(String(8))
    logic: Mapped[str] = mapped_column(String(16))
    rule: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    service_target: Mapped[float | None] = mapped_column(Float)
    review_period_days: Mapped[float | None] = mapped_column(Float)
    method: Mapped[str | None] = mapped_column(String(16))
    safety_stock: Mapped[float | None] = mapped_column(Float)
    reorder_point: Mapped[float | None] = mapped_column(Float)
    order_up_to: Mapped[float | None] = mapped_column(Float)
    order_qty: Mapped[float | None] = mapped_column(Float)
    kanban_count: Mapped[int | None] = mapped_column(Integer)
    container_qty: Mapped[float | None] = mapped_column(Float)
    contingency_reserve: Mapped[float | None] = mapped_column(Float)
    days_of_cover: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)
    # What the parameters were sized from (the plan projects with the same numbers).
    demand_per_day: Mapped[float | None] = mapped_column(Float)
    lead_time_days: Mapped[float | None] = mapped_column(Float)
