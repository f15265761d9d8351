"""Policy run: assemble each item's features from the latest forecast and supplier runs,
segment (rules + planner overrides), size the stocking parameters, store them per run.

Feature sources (documented choices):
- demand per day, by the setting ``policy_demand_source``: ``forecast`` (the default)
  the mean of the latest forecast run's forecasts (every horizon period) over the days
  of a period; ``history`` the mean of the daily buckets over the last 365 days (zeros
  included). Items the source has nothing for fall back to the 365-day mean, then to
  the forecast run's mean per period spread over its days. The sd is the daily
  buckets' over the last 365 days (for the normal method), or a Poisson-like
  sqrt(mean) for items with only weekly/monthly history;
- pattern, ADI, CV², ABC, XYZ and the empirical lead-time-demand quantiles: the
  latest forecast run;
- supply: the primary offer (MOQ, pack, quoted lead time), its lead-time statistics
  and the supplier's OTIF and defect rate from the latest supplier run; single
  source = one offer; supplier and region risk = the highest severity of risk events
  active on the plan date;
- time to recover (TTR) = the primary offer's 95 % lead time plus the remaining days
  of any active disruption of that supplier or its region.

Before sizing, both engines correct the demand estimate for its bias and size for its
uncertainty, measured on a holdout of that same estimator (for ``forecast`` the forecast
run's one-year holdout, for ``history`` the last ``policy_holdout_days`` of the daily
history; :func:`takt.services.calibration.calibrate_features`; off with the setting
``policy_calibration``); the run's parameters record the source and the summary holds
the table of b and φ per group (:func:`calibrated_features`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from takt.domain.entities import DEFAULT_LOCATION
from takt.errors import InvalidInputError, NotFoundError
from takt.policy.segment import STRATEGIES, RuleTable, load_rules, segment
from takt.services.calibration import (
    Calibration,
    calibrate_features,
    calibration_options,
    demand_source_option,
)
from takt.services.forecasting import DAYS_PER_PERIOD
from takt.services.import_support import chunks
from takt.services.runs import finish_run, latest_run_id, latest_run_parameters, recorded_run
from takt.store.db import require_current, transaction
from takt.store.models import (
    DemandBucketRow,
    ForecastRow,
    ItemClassificationRow,
    ItemPolicyRow,
    ItemRow,
    LeadTimeDemandRow,
    LeadTimeStatRow,
    OfferRow,
    PlanRunRow,
    PolicyOverrideRow,
    RiskEventRow,
    SupplierRow,
    SupplierScorecardRow,
)

SEVERITY_ORDER = {"none": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
POLICY_COLUMNS = (
    "strategy",
    "logic",
    "rule",
    "reason",
    "service_target",
    "review_period_days",
    "method",
    "safety_stock",
    "reorder_point",
    "order_up_to",
    "order_qty",
    "kanban_count",
    "container_qty",
    "contingency_reserve",
    "days_of_cover",
    "note",
    "demand_per_day",
    "lead_time_days",
)


@dataclass(frozen=True)
class PolicyRunResult:
    run_id: int
    policies: pl.DataFrame
    seconds: float
    calibration: Calibration | None = None


def _read(engine: Engine, query: Any, schema: dict[str, Any]) -> pl.DataFrame:
    with engine.connect() as conn:
        rows = [tuple(getattr(v, "value", v) for v in r) for r in conn.execute(query)]
    return pl.DataFrame(rows, schema=schema, orient="row")


@dataclass(frozen=True)
class PolicyFeatures:
    """The calibrated features a policy run sizes, and what it records about them."""

    features: pl.DataFrame
    as_of: date
    days_per_period: float
    calibration: Calibration
    parameters: dict[str, Any]  # calibration, holdout_days, demand_source


def assemble_features(
    engine: Engine, *, demand_source: str = "history"
) -> tuple[pl.DataFrame, date, float]:
    """One row per item with everything segmentation and sizing read (see module doc),
    the plan date and the length in days of the forecast run's periods.

    ``demand_source`` (``forecast`` or ``history``) picks the demand mean per day."""
    forecast_run = latest_run_id(engine, "forecast")
    with engine.connect() as conn:
        run = conn.execute(
            select(PlanRunRow.as_of, PlanRunRow.parameters).where(PlanRunRow.id == forecast_run)
        ).one()
    as_of: date = run[0]
    days_per_period = DAYS_PER_PERIOD[run[1]["grain"]]
    items = _read(
        engine,
        select(
            ItemRow.id,
            ItemRow.sku,
            ItemRow.location,
            ItemRow.category,
            ItemRow.criticality,
            ItemRow.lifecycle,
            ItemRow.unit_cost,
        ),
        {
            "item_id": pl.Int64,
            "sku": pl.Utf8,
            "location": pl.Utf8,
            "category": pl.Utf8,
            "criticality": pl.Utf8,
            "lifecycle": pl.Utf8,
            "unit_cost": pl.Float64,
        },
    )
    cls = _read(
        engine,
        select(
            ItemClassificationRow.item_id,
            ItemClassificationRow.pattern,
            ItemClassificationRow.adi,
            ItemClassificationRow.cv2,
            ItemClassificationRow.abc,
            ItemClassificationRow.xyz,
            ItemClassificationRow.mean_demand,
        ).where(ItemClassificationRow.run_id == forecast_run),
        {
            "item_id": pl.Int64,
            "pattern": pl.Utf8,
            "adi": pl.Float64,
            "cv2": pl.Float64,
            "abc": pl.Utf8,
            "xyz": pl.Utf8,
            "mean_per_period": pl.Float64,
        },
    )
    ltd = _read(
        engine,
        select(
            LeadTimeDemandRow.item_id,
            LeadTimeDemandRow.lead_time_periods,
            LeadTimeDemandRow.mean,
            LeadTimeDemandRow.q50,
            LeadTimeDemandRow.q90,
            LeadTimeDemandRow.q95,
            LeadTimeDemandRow.q99,
        ).where(LeadTimeDemandRow.run_id == forecast_run),
        {
            "item_id": pl.Int64,
            "ltd_periods": pl.Float64,
            "ltd_mean": pl.Float64,
            "ltd_q50": pl.Float64,
            "ltd_q90": pl.Float64,
            "ltd_q95": pl.Float64,
            "ltd_q99": pl.Float64,
        },
    )
    ltd = ltd.with_columns(
        (pl.col("ltd_periods") * days_per_period).alias("ltd_lead_time_days")
    ).drop("ltd_periods")
    daily = _read(
        engine,
        select(DemandBucketRow.item_id, DemandBucketRow.qty)
        .where(
            DemandBucketRow.grain == "day",
            DemandBucketRow.period_start >= as_of - timedelta(days=365),
            DemandBucketRow.period_start < as_of,
        )
        # In order: the sums below are the same on every run.
        .order_by(DemandBucketRow.item_id, DemandBucketRow.period_start),
        {"item_id": pl.Int64, "qty": pl.Float64},
    )
    daily = daily.group_by("item_id", maintain_order=True).agg(
        (pl.col("qty").sum() / 365).alias("d_mean"),
        ((pl.col("qty") ** 2).sum() / 365).alias("d_sq"),
    )
    daily = daily.with_columns(
        (pl.col("d_sq") - pl.col("d_mean") ** 2).clip(lower_bound=0).sqrt().alias("d_sd")
    ).drop("d_sq")
    forecast_mean = _forecast_means(engine, forecast_run, days_per_period, demand_source)

    offers = _read(
        engine,
        select(
            OfferRow.item_id,
            OfferRow.supplier_id,
            SupplierRow.code,
            SupplierRow.region,
            OfferRow.role,
            OfferRow.moq,
            OfferRow.pack_multiple,
            OfferRow.quoted_lead_time_days,
        ).join(SupplierRow, SupplierRow.id == OfferRow.supplier_id),
        {
            "item_id": pl.Int64,
            "supplier_id": pl.Int64,
            "supplier": pl.Utf8,
            "region": pl.Utf8,
            "role": pl.Utf8,
            "moq": pl.Float64,
            "pack_multiple": pl.Float64,
            "quoted": pl.Float64,
        },
    )
    n_offers = offers.group_by("item_id").len("n_offers")
    primary = offers.filter(pl.col("role") == "primary").unique("item_id", keep="first")

    try:
        supplier_run: int | None = latest_run_id(engine, "suppliers")
    except InvalidInputError:
        supplier_run = None
    if supplier_run is not None:
        lts = _read(
            engine,
            select(
                LeadTimeStatRow.supplier_id,
                LeadTimeStatRow.item_id,
                LeadTimeStatRow.mean,
                LeadTimeStatRow.std,
                LeadTimeStatRow.cv,
                LeadTimeStatRow.q95,
            ).where(LeadTimeStatRow.run_id == supplier_run),
            {
                "supplier_id": pl.Int64,
                "item_id": pl.Int64,
                "lead_time_mean_days": pl.Float64,
                "lead_time_sd_days": pl.Float64,
                "lead_time_cv": pl.Float64,
                "lead_time_q95": pl.Float64,
            },
        )
        cards = _read(
            engine,
            select(
                SupplierScorecardRow.supplier_id,
                SupplierScorecardRow.otif_pct,
                SupplierScorecardRow.defect_rate,
            ).where(SupplierScorecardRow.run_id == supplier_run),
            {"supplier_id": pl.Int64, "otif_pct": pl.Float64, "defect_rate": pl.Float64},
        )
        primary = primary.join(lts, on=["supplier_id", "item_id"], how="left").join(
            cards, on="supplier_id", how="left"
        )
    else:
        primary = primary.with_columns(
            pl.col("quoted").alias("lead_time_mean_days"),
            pl.lit(None, pl.Float64).alias("lead_time_sd_days"),
            pl.lit(None, pl.Float64).alias("lead_time_cv"),
            pl.col("quoted").alias("lead_time_q95"),
            pl.lit(None, pl.Float64).alias("otif_pct"),
            pl.lit(None, pl.Float64).alias("defect_rate"),
        )

    events = _read(
        engine,
        select(
            RiskEventRow.supplier_id,
            RiskEventRow.region,
            RiskEventRow.severity,
            RiskEventRow.start_date,
            RiskEventRow.expected_duration_days,
        ),
        {
            "supplier_id": pl.Int64,
            "region": pl.Utf8,
            "severity": pl.Utf8,
            "start": pl.Date,
            "days": pl.Int64,
        },
    )
    active = (
        events.with_columns((pl.col("start") + pl.duration(days=pl.col("days"))).alias("end"))
        .filter((pl.col("start") <= as_of) & (pl.col("end") > as_of))
        .with_columns(
            pl.col("severity").replace_strict(SEVERITY_ORDER, return_dtype=pl.Int64).alias("sev"),
            (pl.col("end") - pl.lit(as_of)).dt.total_days().alias("remaining"),
        )
    )
    by_supplier = (
        active.filter(pl.col("supplier_id").is_not_null())
        .group_by("supplier_id")
        .agg(
            pl.col("sev").max().alias("supplier_sev"),
            pl.col("remaining").max().alias("supplier_remaining"),
        )
    )
    by_region = (
        active.filter(pl.col("region").is_not_null())
        .group_by("region")
        .agg(
            pl.col("sev").max().alias("region_sev"),
            pl.col("remaining").max().alias("region_remaining"),
        )
    )
    primary = primary.join(by_supplier, on="supplier_id", how="left").join(
        by_region, on="region", how="left"
    )
    names = {v: k for k, v in SEVERITY_ORDER.items()}

    feats = (
        items.join(cls, on="item_id", how="left")
        .join(ltd, on="item_id", how="left")
        .join(daily, on="item_id", how="left")
        .join(forecast_mean, on="item_id", how="left")
        .join(primary, on="item_id", how="left")
        .join(n_offers, on="item_id", how="left")
        .with_columns(
            (pl.col("sku") + "@" + pl.col("location")).alias("item"),
            pl.col("pattern").fill_null("new"),
            pl.coalesce(
                "f_mean", "d_mean", pl.col("mean_per_period") / days_per_period, pl.lit(0.0)
            ).alias("demand_mean"),
            pl.coalesce(
                "d_sd", (pl.col("mean_per_period") / days_per_period).sqrt(), pl.lit(0.0)
            ).alias("demand_sd"),
            (pl.col("n_offers").fill_null(0) == 1).alias("single_source"),
            (pl.col("otif_pct") / 100).alias("otif"),
            pl.coalesce("supplier_sev", pl.lit(0))
            .replace_strict(names, return_dtype=pl.Utf8)
            .alias("supplier_risk"),
            pl.coalesce("region_sev", pl.lit(0))
            .replace_strict(names, return_dtype=pl.Utf8)
            .alias("region_risk"),
            pl.coalesce("lead_time_mean_days", "quoted").alias("lead_time_mean_days"),
            pl.coalesce("lead_time_sd_days", pl.col("quoted") * 0.3).alias("lead_time_sd_days"),
            (
                pl.coalesce("lead_time_q95", "quoted")
                + pl.max_horizontal(
                    pl.col("supplier_remaining").fill_null(0),
                    pl.col("region_remaining").fill_null(0),
                )
            ).alias("time_to_recover_days"),
            pl.col("moq").fill_null(1.0),
            pl.col("pack_multiple").fill_null(1.0),
        )
        .sort("item_id")
    )
    return feats.drop("f_mean"), as_of, days_per_period


def _forecast_means(
    engine: Engine, forecast_run: int, days_per_period: float, demand_source: str
) -> pl.DataFrame:
    """``item_id, f_mean``: the mean of each item's forecasts per day (none for the
    ``history`` source)."""
    schema = {"item_id": pl.Int64, "qty": pl.Float64}
    if demand_source != "forecast":
        return pl.DataFrame(schema={"item_id": pl.Int64, "f_mean": pl.Float64})
    forecasts = _read(
        engine,
        select(ForecastRow.item_id, ForecastRow.qty)
        .where(ForecastRow.run_id == forecast_run)
        # In order: the means below are the same on every run, whatever order wrote them.
        .order_by(ForecastRow.item_id, ForecastRow.period_start),
        schema,
    )
    return forecasts.group_by("item_id", maintain_order=True).agg(
        (pl.col("qty").mean() / days_per_period).alias("f_mean")
    )


def calibrated_features(
    engine: Engine,
    *,
    calibration: bool | None = None,
    holdout_days: int | None = None,
    demand_source: str | None = None,
) -> PolicyFeatures:
    """:func:`assemble_features` on ``demand_source``, calibrated
    (:func:`~takt.services.calibration.calibrate_features`); the arguments default to the
    settings ``policy_calibration``, ``policy_holdout_days`` and ``policy_demand_source``.
    Both engines call it on the client, before any partitioning."""
    on, days = calibration_options(calibration, holdout_days)
    source = demand_source_option(demand_source)
    feats, as_of, days_per_period = assemble_features(engine, demand_source=source)
    feats, calibrated = calibrate_features(
        engine,
        feats,
        as_of,
        days_per_period,
        enabled=on,
        holdout_days=days,
        demand_source=source,
    )
    parameters = {"calibration": on, "holdout_days": days, "demand_source": source}
    return PolicyFeatures(feats, as_of, days_per_period, calibrated, parameters)


def policy_run_features(engine: Engine) -> tuple[pl.DataFrame, date, float]:
    """The features as the latest policy run assembled and calibrated them (its recorded
    ``demand_source``, ``calibration`` and ``holdout_days``; the settings when there is
    no policy run yet): what the stress test and the strategy comparison size and
    simulate, so that they see the demand the stored policy was sized for."""
    recorded = latest_run_parameters(engine, "policy")
    if recorded:
        chosen = calibrated_features(
            engine,
            calibration=bool(recorded.get("calibration", False)),  # runs before it: off
            holdout_days=recorded.get("holdout_days"),
            demand_source=recorded.get("demand_source", "history"),  # runs before it
        )
    else:
        chosen = calibrated_features(engine)
    return chosen.features, chosen.as_of, chosen.days_per_period


def _overrides(engine: Engine) -> pl.DataFrame:
    return _read(
        engine,
        select(
            ItemRow.sku,
            ItemRow.location,
            PolicyOverrideRow.strategy,
            PolicyOverrideRow.logic,
            PolicyOverrideRow.note,
            PolicyOverrideRow.service_target,
        ).join(ItemRow, ItemRow.id == PolicyOverrideRow.item_id),
        {
            "sku": pl.Utf8,
            "location": pl.Utf8,
            "strategy": pl.Utf8,
            "logic": pl.Utf8,
            "note": pl.Utf8,
            "service_target": pl.Float64,
        },
    ).with_columns((pl.col("sku") + "@" + pl.col("location")).alias("item"))


def size_policies(
    feats: pl.DataFrame, table: RuleTable, overrides: pl.DataFrame, days_per_period: float
) -> pl.DataFrame:
    """Segment and size the items of ``feats`` (see :func:`assemble_features`); pure and
    per item, so a partition of the items gets the rows the whole would."""
    from takt.policy.parameters import ParameterConfig, compute_parameters

    seg = segment(feats, table, overrides.select("item", "strategy", "logic", "note"))
    sized_in = feats.join(seg, on="item").join(
        overrides.select("item", pl.col("service_target")), on="item", how="left"
    )
    # ADI and CV² come from the forecast run, measured in its periods.
    config = ParameterConfig(demand_period_days=days_per_period)
    # "none" (no automatic reorder) is sized as a reorder point, then zeroed below.
    params = compute_parameters(
        sized_in.with_columns(
            pl.when(pl.col("logic") == "none").then(pl.lit("rop")).otherwise("logic").alias("logic")
        ),
        config,
        seed=0,
    )
    no_reorder = seg.filter(pl.col("logic") == "none")["item"].implode()
    zeroed = ["safety_stock", "reorder_point", "order_up_to", "order_qty", "contingency_reserve"]
    params = params.with_columns(
        *[
            pl.when(pl.col("item").is_in(no_reorder)).then(0.0).otherwise(c).alias(c)
            for c in zeroed
        ],
        pl.when(pl.col("item").is_in(no_reorder))
        .then(None)
        .otherwise("kanban_count")
        .alias("kanban_count"),
        pl.when(pl.col("item").is_in(no_reorder))
        .then(pl.lit("no automatic reorder (rule): review"))
        .otherwise("note")
        .alias("note"),
    )
    policies = seg.join(
        params.drop([c for c in ("strategy", "logic") if c in params.columns]),
        on="item",
        how="left",
    )
    # The plan projects the position with the same demand and lead time.
    return policies.join(
        feats.select(
            "item",
            "item_id",
            pl.col("demand_mean").alias("demand_per_day"),
            pl.col("lead_time_mean_days").alias("lead_time_days"),
        ),
        on="item",
    )


def run_policy(
    engine: Engine,
    *,
    rules: str | Path | None = None,
    actor: str = "cli",
    calibration: bool | None = None,
    holdout_days: int | None = None,
    demand_source: str | None = None,
) -> PolicyRunResult:
    """Segment every item and size its parameters; store the run (kind ``policy``).

    ``calibration``, ``holdout_days`` and ``demand_source`` default to the settings
    ``policy_calibration``, ``policy_holdout_days`` and ``policy_demand_source``
    (:mod:`takt.services.calibration`)."""
    require_current(engine)
    started = datetime.now(UTC)
    table = load_rules(rules)
    chosen = calibrated_features(
        engine, calibration=calibration, holdout_days=holdout_days, demand_source=demand_source
    )
    overrides = _overrides(engine)
    parameters = {"rules": table.source, "actor": actor, "engine": "local", **chosen.parameters}
    with recorded_run(engine, kind="policy", as_of=chosen.as_of, parameters=parameters) as run_id:
        policies = size_policies(chosen.features, table, overrides, chosen.days_per_period)
        with transaction(engine) as session:
            store_policies(session, run_id, policies)
    return finish_policy(engine, run_id, policies, started, calibration=chosen.calibration)


def finish_policy(
    engine: Engine,
    run_id: int,
    policies: pl.DataFrame,
    started: datetime,
    extra: dict[str, Any] | None = None,
    *,
    calibration: Calibration | None = None,
) -> PolicyRunResult:
    """Mark the run succeeded with its summary (and the calibration table, when given)."""
    counts = dict(policies["strategy"].value_counts().iter_rows())
    seconds = (datetime.now(UTC) - started).total_seconds()
    summary = {"items": policies.height, "strategies": counts, "seconds": seconds}
    if calibration is not None:
        summary["calibration"] = calibration.summary()
    finish_run(engine, run_id, {**summary, **(extra or {})})
    return PolicyRunResult(run_id, policies, seconds, calibration)


def store_policies(session: Session, run_id: int, policies: pl.DataFrame) -> None:
    present = [c for c in POLICY_COLUMNS if c in policies.columns]
    frame = policies.select(pl.lit(run_id).alias("run_id"), "item_id", *present)
    for part in chunks(frame.fill_nan(None).to_dicts(), 20_000):
        session.execute(ItemPolicyRow.__table__.insert(), list(part))  # type: ignore[attr-defined]


def _item_id(engine: Engine, item: str) -> int:
    sku, _, location = item.partition("@")
    with engine.connect() as conn:
        found = conn.execute(
            select(ItemRow.id).where(
                ItemRow.sku == sku, ItemRow.location == (location or DEFAULT_LOCATION)
            )
        ).scalar()
    if found is None:
        raise NotFoundError(f"unknown item {item!r} (use SKU@LOCATION)")
    return int(found)


def set_override(
    engine: Engine,
    item: str,
    *,
    strategy: str,
    logic: str | None = None,
    service_target: float | None = None,
    note: str = "",
    actor: str = "cli",
) -> None:
    """Store a planner's strategy for ``item`` (SKU@LOCATION); it wins over the rules."""
    if strategy not in STRATEGIES:
        raise InvalidInputError(
            f"strategy must be one of {', '.join(STRATEGIES)}, not {strategy!r}"
        )
    if service_target is not None and not 0 < service_target < 1:
        raise InvalidInputError(f"service target must be inside (0, 1), not {service_target}")
    item_id = _item_id(engine, item)
    with transaction(engine) as session:
        session.execute(delete(PolicyOverrideRow).where(PolicyOverrideRow.item_id == item_id))
        session.add(
            PolicyOverrideRow(
                item_id=item_id,
                strategy=strategy,
                logic=logic,
                service_target=service_target,
                note=note,
                set_by=actor,
            )
        )


def clear_override(engine: Engine, item: str) -> bool:
    item_id = _item_id(engine, item)
    with transaction(engine) as session:
        result = session.execute(
            delete(PolicyOverrideRow).where(PolicyOverrideRow.item_id == item_id)
        )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def export_policies(engine: Engine, run_id: int | None = None) -> pl.DataFrame:
    run_id = run_id or latest_run_id(engine, "policy")
    cols = [ItemPolicyRow.__table__.c[c] for c in POLICY_COLUMNS]
    query = (
        select(ItemRow.sku, ItemRow.location, *cols)
        .join(ItemRow, ItemRow.id == ItemPolicyRow.item_id)
        .where(ItemPolicyRow.run_id == run_id)
        .order_by(ItemRow.sku, ItemRow.location)
    )
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(query)]
    text = {"strategy", "logic", "rule", "reason", "method", "note"}
    schema: dict[str, Any] = {"sku": pl.Utf8, "location": pl.Utf8}
    for name in POLICY_COLUMNS:
        schema[name] = (
            pl.Utf8 if name in text else pl.Int64 if name == "kanban_count" else pl.Float64
        )
    return pl.DataFrame(rows, schema=schema, orient="row")
