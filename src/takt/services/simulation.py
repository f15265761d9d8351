"""Stress-test the stored policies: the latest policy run's parameters, each item's
demand and lead-time features and its primary supplier, through :mod:`takt.simulate`
under normal conditions and a disruption scenario (``takt simulate``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl
from sqlalchemy import Engine

from takt.errors import InvalidInputError
from takt.services import replenish_data as data
from takt.services.policy import assemble_features
from takt.simulate.engine import SimulationResult, simulate
from takt.store.db import require_current, transaction

KPI_COLUMNS = ("fill_rate", "stockout_days", "line_stop_days", "avg_on_hand_value")


@dataclass(frozen=True)
class StressTest:
    items: pl.DataFrame  # what was simulated: one row per item
    baseline: SimulationResult
    scenario: SimulationResult | None


def simulation_items(engine: Engine) -> pl.DataFrame:
    """Every item the latest policy reorders automatically, in the simulator's columns:
    its policy levels, demand per day (ADI in days), lead time, primary supplier and
    region, the supplier's time-to-recover, and today's position as the starting stock."""
    feats, _as_of, days_per_period = assemble_features(engine)
    with transaction(engine) as session:
        run_id = data.latest_run(session, "policy")
        if run_id is None:
            raise InvalidInputError("no policy yet: run 'takt policy' first")
        pol = data.policies(session, run_id)
        pos = data.positions(session)
        from takt.store.models import PlanRunRow

        policy_as_of = session.get(PlanRunRow, run_id).as_of  # type: ignore[union-attr]
        offers = data.offers(session, policy_as_of)
    primary = (
        offers.filter(pl.col("role") == "primary")
        .sort("allocation_share", descending=True)
        .unique("item_id", keep="first")
        .select("item_id", "supplier", "region", "moq", "pack_multiple")
    )
    frame = (
        pol.filter(pl.col("logic") != "none")
        .join(primary, on="item_id", how="inner")
        .join(
            feats.select(
                "item_id",
                "unit_cost",
                "demand_mean",
                "demand_sd",
                "adi",
                "cv2",
                "lead_time_mean_days",
                "lead_time_sd_days",
                "time_to_recover_days",
            ),
            on="item_id",
        )
        .join(pos, on="item_id", how="left")
        .with_columns(
            (pl.col("adi") * days_per_period).clip(lower_bound=1.0).alias("adi"),
            (
                pl.col("on_hand").fill_null(0.0)
                + pl.col("on_order").fill_null(0.0)
                - pl.col("backordered").fill_null(0.0)
            )
            .clip(lower_bound=0.0)
            .alias("initial_on_hand"),
            pl.col("unit_cost").cast(pl.Float64),
        )
        .filter(pl.col("demand_mean") > 0)
    )
    return frame


def stress_test(
    engine: Engine,
    *,
    scenario: str | Path | None = "supplier_outage",
    days: int = 365,
    replications: int = 20,
    seed: int = 0,
    lost_sales: bool = False,
) -> StressTest:
    """Simulate the stored policies under normal conditions and under ``scenario``."""
    require_current(engine)
    items = simulation_items(engine)
    if items.height == 0:
        raise InvalidInputError("no item with an automatic policy and demand to simulate")
    kwargs = {"days": days, "replications": replications, "seed": seed, "lost_sales": lost_sales}
    baseline = simulate(items, **kwargs)  # type: ignore[arg-type]
    stressed = simulate(items, scenario=scenario, **kwargs) if scenario else None  # type: ignore[arg-type]
    return StressTest(items, baseline, stressed)
