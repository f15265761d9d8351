"""Stress-test the stored policies: the latest policy run's parameters, each item's
demand and lead-time features and its primary supplier, through :mod:`takt.simulate`
under normal conditions and a disruption scenario (``takt simulate``). Each stress test
is stored as a run of kind ``simulation`` with its pooled KPIs (``takt runs``, the API)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Engine

from takt.errors import InvalidInputError
from takt.services import replenish_data as data
from takt.services.policy import policy_run_features
from takt.services.runs import finish_run, jsonable, recorded_run
from takt.simulate.compare import StrategyComparison, compare_strategies
from takt.simulate.engine import SimulationResult, simulate
from takt.simulate.roi import RoiAssumptions, roi
from takt.store.db import require_current, transaction

KPI_COLUMNS = ("fill_rate", "stockout_days", "line_stop_days", "avg_on_hand_value")


@dataclass(frozen=True)
class StressTest:
    items: pl.DataFrame  # what was simulated: one row per item
    baseline: SimulationResult
    scenario: SimulationResult | None
    run_id: int | None = None  # the stored run (kind "simulation")


def simulation_items(engine: Engine) -> pl.DataFrame:
    """Every item the latest policy reorders automatically, in the simulator's columns:
    its policy levels, demand per day (ADI in days), lead time, primary supplier and
    region, the supplier's time-to-recover, and today's position as the starting stock."""
    feats, _as_of, days_per_period = policy_run_features(engine)
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
    parameters = {"scenario": str(scenario) if scenario else None, **kwargs}
    with recorded_run(
        engine, kind="simulation", as_of=datetime.now(UTC).date(), parameters=parameters, seed=seed
    ) as run_id:
        baseline = simulate(items, **kwargs)  # type: ignore[arg-type]
        stressed = simulate(items, scenario=scenario, **kwargs) if scenario else None  # type: ignore[arg-type]
        finish_run(engine, run_id, _summary(items, baseline, stressed))
    return StressTest(items, baseline, stressed, run_id)


def _summary(
    items: pl.DataFrame, baseline: SimulationResult, stressed: SimulationResult | None
) -> dict[str, Any]:
    """What a stored simulation run keeps: the pooled KPIs in normal conditions and under
    the scenario, per strategy and per supplier, and the exposed items."""

    def one(result: SimulationResult) -> dict[str, Any]:
        exposed = result.items.filter(pl.col("exposed").fill_null(False))
        return {
            "scenario": result.scenario,
            "overall": result.overall.drop("group", strict=False).row(0, named=True),
            "strategies": result.strategies.to_dicts(),
            "suppliers": result.suppliers.to_dicts(),
            "exposed_items": exposed.height,
            "worst_items": result.items.sort("fill_rate")
            .head(20)
            .select("item", "supplier", "strategy", "fill_rate", "stockout_days", "tts_days")
            .to_dicts(),
        }

    out = {"items": items.height, "baseline": one(baseline)}
    if stressed is not None:
        out["scenario"] = one(stressed)
    summary: dict[str, Any] = jsonable(out)
    return summary


# Each strategy as the whole portfolio's: JIT items pull by kanban, buffer items hold a
# reorder point with safety stock (the policy engine sizes both, as it would the item).
VARIANTS = {"all_jit": ("jit", "kanban"), "all_buffer": ("buffer", "rop")}
_LEVELS = (
    "safety_stock",
    "reorder_point",
    "order_up_to",
    "order_qty",
    "container_qty",
    "kanban_count",
    "review_period_days",
)


@dataclass(frozen=True)
class RoiView:
    kpis: pl.DataFrame  # one row per variant: the pooled KPIs over the same items and days
    table: pl.DataFrame  # metrics of the baseline and the recommended policy, per year
    headline: dict[str, float]
    baseline: str
    days: int
    replications: int


def strategy_variants(engine: Engine) -> dict[str, pl.DataFrame]:
    """The simulator's items under the recommended (stored) policy and with every item
    sized as JIT and as buffer by the policy engine."""
    from takt.policy.parameters import ParameterConfig, compute_parameters

    recommended = simulation_items(engine)
    feats, _as_of, days_per_period = policy_run_features(engine)
    sizing = feats.filter(pl.col("item_id").is_in(recommended["item_id"].implode()))
    config = ParameterConfig(demand_period_days=days_per_period)
    variants = {"recommended": recommended.drop("initial_on_hand")}
    keep = recommended.drop(
        *[c for c in (*_LEVELS, "strategy", "logic") if c in recommended.columns]
    )
    for name, (strategy, logic) in VARIANTS.items():
        sized = compute_parameters(
            sizing.with_columns(pl.lit(strategy).alias("strategy"), pl.lit(logic).alias("logic")),
            config,
            seed=0,
        )
        levels = sized.select("item", *[c for c in _LEVELS if c in sized.columns])
        variants[name] = (
            keep.drop("initial_on_hand")
            .join(levels, on="item")
            .with_columns(pl.lit(strategy).alias("strategy"), pl.lit(logic).alias("logic"))
        )
    return variants


def roi_view(
    engine: Engine,
    *,
    baseline: str = "all_buffer",
    days: int = 365,
    replications: int = 20,
    seed: int = 0,
    assumptions: RoiAssumptions | None = None,
) -> RoiView:
    """Simulate every variant in normal conditions (same items, demand streams and days;
    each starts at its own top level after a warm-up) and weigh the recommended policy
    against ``baseline``."""
    require_current(engine)
    variants = strategy_variants(engine)
    if baseline not in variants or baseline == "recommended":
        raise InvalidInputError(f"baseline must be one of {', '.join(VARIANTS)}")
    assumptions = assumptions or RoiAssumptions()
    pooled = {}
    for name, items in variants.items():
        result = simulate(
            items,
            days=days,
            replications=replications,
            seed=seed,
            warmup_days=60,
            holding_rate=assumptions.holding_rate,
        )
        pooled[name] = result.overall.row(0, named=True)
    kpis = pl.DataFrame(
        [
            {"variant": name, **{k: v for k, v in row.items() if k != "group"}}
            for name, row in pooled.items()
        ]
    )
    table, headline = roi(
        pooled[baseline], pooled["recommended"], days=days, assumptions=assumptions
    )
    return RoiView(kpis, table, headline, baseline, days, replications)


_VARIANT_COLUMNS = (
    "item",
    "logic",
    "strategy",
    "reorder_point",
    "order_up_to",
    "order_qty",
    "container_qty",
    "kanban_count",
    "review_period_days",
)


def compare_view(
    engine: Engine,
    *,
    scenarios: str | Path = "standard",
    days: int = 365,
    replications: int = 20,
    seed: int = 0,
) -> StrategyComparison:
    """All-JIT, all-buffer and the recommended hybrid side by side, in normal conditions
    and under each scenario, on the same items and demand streams."""
    require_current(engine)
    variants = strategy_variants(engine)
    items = variants["recommended"]
    policy_only = {
        name: frame.select([c for c in _VARIANT_COLUMNS if c in frame.columns])
        for name, frame in variants.items()
    }
    return compare_strategies(
        items,
        policy_only,
        scenarios,
        days=days,
        replications=replications,
        seed=seed,
        warmup_days=60,
    )
