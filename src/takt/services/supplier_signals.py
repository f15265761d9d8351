"""Supplier-signals run: PO and receipt history from the store -> lead-time statistics
with their fallback source, drift, lead-time predictions and supplier scorecards ->
stored per plan run (kind ``suppliers``), all results in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl
from sqlalchemy import Engine, func, select

from takt.errors import InvalidInputError
from takt.services import extract
from takt.services.import_support import chunks
from takt.services.runs import finish_run, latest_run_id, recorded_run
from takt.signals.leadtime import (
    LeadTimePredictor,
    detect_drift,
    evaluate_predictor,
    lead_time_stats,
    line_outcomes,
)
from takt.signals.scorecard import ScorecardConfig, scorecard_trend, supplier_scorecard
from takt.store.db import require_current, transaction
from takt.store.models import (
    ItemRow,
    LeadTimeDriftRow,
    LeadTimeStatRow,
    ReceiptRow,
    SupplierRow,
    SupplierScorecardRow,
    SupplierTrendRow,
)

BATCH = 20_000
SCORECARD_COLUMNS = (
    "lines",
    "on_time_pct",
    "in_full_pct",
    "otif_pct",
    "open_past_due",
    "lead_time_mean",
    "lead_time_std",
    "lead_time_cv",
    "defect_rate",
    "defect_ppm",
    "ack_latency_days",
    "disruption_events",
    "disruption_response_days",
    "otif_score",
    "lead_time_score",
    "quality_score",
    "responsiveness_score",
    "score",
    "rank",
)
LEAD_TIME_COLUMNS = (
    "quoted_lead_time_days",
    "source",
    "n",
    "mean",
    "std",
    "cv",
    "q50",
    "q90",
    "q95",
    "share_late",
    "predicted_q50",
    "predicted_q90",
    "predicted_source",
)


@dataclass(frozen=True)
class SupplierRunResult:
    run_id: int
    scorecard: pl.DataFrame
    trend: pl.DataFrame
    lead_times: pl.DataFrame
    drift: pl.DataFrame
    evaluation: dict[str, Any] | None
    seconds: float


def _keys(engine: Engine) -> tuple[dict[str, int], dict[tuple[str, str], int]]:
    with engine.connect() as conn:
        suppliers = {code: i for code, i in conn.execute(select(SupplierRow.code, SupplierRow.id))}
        items = {
            (sku, loc): i
            for sku, loc, i in conn.execute(select(ItemRow.sku, ItemRow.location, ItemRow.id))
        }
    return suppliers, items


def _predictions(
    outcomes: pl.DataFrame, offers: pl.DataFrame, as_of: date
) -> tuple[pl.DataFrame, dict[str, Any] | None]:
    """Predicted lead time of an order placed on ``as_of`` for every offer (typical qty),
    and the predictor's evaluation on a time split of the history (pinball loss)."""
    received = outcomes.filter(pl.col("lead_time_days").is_not_null())
    if received.height < 50:
        return pl.DataFrame(), None
    evaluation = None
    split = as_of - timedelta(days=180)
    if received.filter(pl.col("order_date") >= split).height >= 20:
        evaluation = evaluate_predictor(
            outcomes, split_date=split, quantiles=(0.5, 0.9), offers=offers
        )
    predictor = LeadTimePredictor(quantiles=(0.5, 0.9)).fit(outcomes, offers)
    typical = outcomes.group_by("supplier", "sku", "location", maintain_order=True).agg(
        pl.col("qty").median()
    )
    new = (
        offers.select("supplier", "sku", "location", "moq")
        .join(typical, on=["supplier", "sku", "location"], how="left")
        .with_columns(
            pl.coalesce("qty", "moq", pl.lit(1.0)).alias("qty"), pl.lit(as_of).alias("order_date")
        )
        .drop("moq")
    )
    predicted = predictor.predict(new).select(
        "supplier",
        "sku",
        "location",
        pl.col("q0.5").alias("predicted_q50"),
        pl.col("q0.9").alias("predicted_q90"),
        pl.col("source").alias("predicted_source"),
    )
    return predicted, evaluation


def run_supplier_signals(
    engine: Engine,
    *,
    as_of: date | None = None,
    config: ScorecardConfig | None = None,
    actor: str = "cli",
) -> SupplierRunResult:
    """Compute and store lead-time statistics, drift and scorecards as of ``as_of``
    (default: the day after the latest receipt)."""
    require_current(engine)
    config = config or ScorecardConfig()
    config.validate()
    started = datetime.now(UTC)
    if as_of is None:
        with engine.connect() as conn:
            latest = conn.execute(select(func.max(ReceiptRow.received_on))).scalar()
        if latest is None:
            raise InvalidInputError("no receipts in the store: import purchase orders and receipts")
        as_of = latest + timedelta(days=1)
    orders, receipts, offers = (
        extract.purchase_orders(engine),
        extract.receipts(engine),
        extract.offers(engine),
    )
    if orders.height == 0:
        raise InvalidInputError("no purchase orders in the store")
    params = {
        "as_of": str(as_of),
        "actor": actor,
        "config": {k: v for k, v in vars(config).items()},
    }
    with recorded_run(engine, kind="suppliers", as_of=as_of, parameters=params) as run_id:
        # In PO-line order: every sum below (means, variances) is then the same on each run.
        outcomes = line_outcomes(orders, receipts, as_of=as_of).sort("po", "line")
        stats = lead_time_stats(outcomes, offers)
        drift = detect_drift(outcomes, as_of=as_of)
        scorecard = supplier_scorecard(
            outcomes, config, as_of=as_of, risk_events=extract.risk_events(engine)
        )
        trend = scorecard_trend(outcomes, config, as_of=as_of)
        predicted, evaluation = _predictions(outcomes, offers, as_of)
        if predicted.height:
            stats = stats.join(predicted, on=["supplier", "sku", "location"], how="left")
        else:
            stats = stats.with_columns(
                pl.lit(None, pl.Float64).alias("predicted_q50"),
                pl.lit(None, pl.Float64).alias("predicted_q90"),
                pl.lit(None, pl.Utf8).alias("predicted_source"),
            )
        _store(engine, run_id, stats, drift, scorecard, trend)
    seconds = (datetime.now(UTC) - started).total_seconds()
    summary = {
        "suppliers": scorecard.height,
        "offers": stats.height,
        "drifting_suppliers": drift.filter(
            (pl.col("level") == "supplier") & pl.col("drift")
        ).height,
        "predictor": evaluation,
        "seconds": seconds,
    }
    finish_run(engine, run_id, summary)
    return SupplierRunResult(run_id, scorecard, trend, stats, drift, evaluation, seconds)


def _store(
    engine: Engine,
    run_id: int,
    stats: pl.DataFrame,
    drift: pl.DataFrame,
    scorecard: pl.DataFrame,
    trend: pl.DataFrame,
) -> None:
    suppliers, items = _keys(engine)
    supplier_ids = pl.DataFrame(
        {"supplier": list(suppliers), "supplier_id": list(suppliers.values())}
    )
    item_ids = pl.DataFrame(
        {
            "sku": [k[0] for k in items],
            "location": [k[1] for k in items],
            "item_id": list(items.values()),
        }
    )
    run = pl.lit(run_id).alias("run_id")
    lt = (
        stats.rename({"q0.5": "q50", "q0.9": "q90", "q0.95": "q95"})
        .join(supplier_ids, on="supplier")
        .join(item_ids, on=["sku", "location"])
        .select(run, "supplier_id", "item_id", *LEAD_TIME_COLUMNS)
    )
    dr = (
        drift.join(supplier_ids, on="supplier")
        .join(item_ids, on=["sku", "location"], how="left")
        .select(
            run,
            "level",
            "supplier_id",
            "item_id",
            "n_history",
            "mean_history",
            "n_recent",
            "mean_recent",
            "shift_days",
            "p_value",
            pl.col("drift").fill_null(False),
        )
    )
    sc = scorecard.join(supplier_ids, on="supplier").select(run, "supplier_id", *SCORECARD_COLUMNS)
    tr = trend.join(supplier_ids, on="supplier").select(
        run,
        "supplier_id",
        "period_start",
        "period_end",
        "lines",
        "otif_pct",
        "defect_rate",
        "lead_time_mean",
    )
    with transaction(engine) as session:
        for model, frame in (
            (LeadTimeStatRow, lt),
            (LeadTimeDriftRow, dr),
            (SupplierScorecardRow, sc),
            (SupplierTrendRow, tr),
        ):
            for part in chunks(frame.fill_nan(None).to_dicts(), BATCH):
                session.execute(model.__table__.insert(), list(part))  # type: ignore[attr-defined]


def export_supplier_run(engine: Engine, what: str, run_id: int | None = None) -> pl.DataFrame:
    """``scorecards`` or ``lead-times`` of a supplier run, with natural keys."""
    run_id = run_id or latest_run_id(engine, "suppliers")
    with engine.connect() as conn:
        if what == "scorecards":
            cols = [SupplierScorecardRow.__table__.c[c] for c in SCORECARD_COLUMNS]
            query = (
                select(SupplierRow.code, SupplierRow.name, *cols)
                .join(SupplierRow, SupplierRow.id == SupplierScorecardRow.supplier_id)
                .where(SupplierScorecardRow.run_id == run_id)
                .order_by(SupplierScorecardRow.rank)
            )
            names = ["supplier", "name", *SCORECARD_COLUMNS]
        elif what == "lead-times":
            cols = [LeadTimeStatRow.__table__.c[c] for c in LEAD_TIME_COLUMNS]
            query = (
                select(SupplierRow.code, ItemRow.sku, ItemRow.location, *cols)
                .join(SupplierRow, SupplierRow.id == LeadTimeStatRow.supplier_id)
                .join(ItemRow, ItemRow.id == LeadTimeStatRow.item_id)
                .where(LeadTimeStatRow.run_id == run_id)
                .order_by(SupplierRow.code, ItemRow.sku, ItemRow.location)
            )
            names = ["supplier", "sku", "location", *LEAD_TIME_COLUMNS]
        else:
            raise InvalidInputError(f"cannot export {what!r}; choose scorecards or lead-times")
        rows = [tuple(r) for r in conn.execute(query)]
    return pl.DataFrame(rows, schema=names, orient="row", infer_schema_length=None)
