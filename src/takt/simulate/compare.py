"""Strategy comparison: policy variants under normal conditions and under each scenario.

Every variant (say all-JIT, all-buffer and the recommended hybrid mix) runs on the same
items with the same seed, so each item meets the same demand path and the same lead-time
draws in every variant and scenario (common random numbers): differences between the
variants are the policies', not sampling noise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from takt.errors import InvalidInputError
from takt.simulate.engine import BASELINE, SimulationResult, simulate
from takt.simulate.scenarios import Scenario, load_scenarios

POLICY_COLUMNS = (
    "logic",
    "reorder_point",
    "order_up_to",
    "order_qty",
    "container_qty",
    "kanban_count",
    "review_period_days",
    "initial_on_hand",
    "moq",
    "pack_multiple",
    "strategy",
)
KPIS = (
    "fill_rate",
    "cycle_service_level",
    "stockout_days",
    "items_with_stockouts",
    "line_stop_days",
    "line_stop_events",
    "working_capital",
    "carrying_cost",
    "orders",
    "deliveries",
    "units_rejected",
    "tts_days",
    "exposed_items",
)
_ITEM_COLUMNS = (
    "item",
    "supplier",
    "region",
    "criticality",
    "strategy",
    "fill_rate",
    "stockout_days",
    "line_stop_days",
    "working_capital",
    "tts_days",
    "tts_min_days",
    "time_to_recover_days",
    "exposed",
    "exposed_share",
)
_SUPPLIER_COLUMNS = (
    "supplier",
    "region",
    "items",
    "fill_rate",
    "stockout_days",
    "items_with_stockouts",
    "line_stop_days",
    "working_capital",
    "tts_days",
    "tts_min_item_days",
    "exposed_items",
)


@dataclass(frozen=True)
class StrategyComparison:
    """Results of :func:`compare_strategies`.

    Attributes
    ----------
    kpis : variant, scenario, kpi, value, se: every item pooled (tidy, one KPI a row).
    items : per variant, scenario and item: service, stock, TTS and exposure, with
        ``fill_rate_change`` and ``stockout_days_added`` against the variant's baseline.
    suppliers : the same per (supplier, region).
    results : every run, by (variant, scenario).
    """

    kpis: pl.DataFrame
    items: pl.DataFrame
    suppliers: pl.DataFrame
    results: Mapping[tuple[str, str], SimulationResult]


def compare_strategies(
    items: pl.DataFrame,
    variants: Mapping[str, pl.DataFrame],
    scenarios: Sequence[Scenario] | str | Path = "standard",
    *,
    days: int = 365,
    replications: int = 20,
    seed: int = 0,
    demand_history: pl.DataFrame | None = None,
    lost_sales: bool = False,
    holding_rate: float = 0.25,
    warmup_days: int = 0,
    days_per_year: float = 365.0,
) -> StrategyComparison:
    """Run every policy variant under normal conditions and under each scenario.

    Parameters
    ----------
    items : polars.DataFrame
        The items as :func:`takt.simulate.simulate` takes them (policy columns may be
        left out: each variant brings its own).
    variants : mapping name -> polars.DataFrame
        Per variant, ``item`` and its policy columns (any of ``logic``,
        ``reorder_point``, ``order_up_to``, ``order_qty``, ``container_qty``,
        ``kanban_count``, ``review_period_days``, ``initial_on_hand``, ``moq``,
        ``pack_multiple``, ``strategy``), one row for every item of ``items``. They
        replace the same columns of ``items``.
    scenarios : scenarios, a name or a path
        The disruptions to run besides the baseline; default the standard library.
    days, replications, seed, demand_history, lost_sales, holding_rate, warmup_days,
    days_per_year
        As in :func:`takt.simulate.simulate`; the same for every run.

    Returns
    -------
    StrategyComparison

    Raises
    ------
    InvalidInputError
        No variants, a variant without ``item`` or with unknown columns, an item missing
        from a variant (or a variant item not in ``items``), or any error of
        :func:`takt.simulate.simulate`.
    """
    if not variants:
        raise InvalidInputError("variants is empty: pass at least one policy variant")
    runs = _scenarios(scenarios)
    names = items.get_column("item").cast(pl.String) if "item" in items.columns else None
    if names is None:
        raise InvalidInputError("items is missing columns: item")
    results: dict[tuple[str, str], SimulationResult] = {}
    for variant, policy in variants.items():
        frame = _apply_variant(items, names, variant, policy)
        for scenario in runs:
            result = simulate(
                frame,
                days=days,
                replications=replications,
                scenario=scenario,
                demand_history=demand_history,
                seed=seed,
                lost_sales=lost_sales,
                holding_rate=holding_rate,
                warmup_days=warmup_days,
                days_per_year=days_per_year,
            )
            results[(variant, result.scenario)] = result
    return StrategyComparison(
        kpis=_kpi_table(results),
        items=_resilience(results, "items", _ITEM_COLUMNS, ["item"]),
        suppliers=_resilience(results, "suppliers", _SUPPLIER_COLUMNS, ["supplier", "region"]),
        results=results,
    )


def _scenarios(scenarios: Sequence[Scenario] | str | Path) -> list[Scenario | None]:
    loaded = load_scenarios(scenarios) if isinstance(scenarios, str | Path) else list(scenarios)
    for scenario in loaded:
        if not isinstance(scenario, Scenario):
            raise InvalidInputError(f"scenarios must be Scenario objects (got {scenario!r})")
        if scenario.name == BASELINE:
            raise InvalidInputError(f"scenario name {BASELINE!r} is reserved for no disruption")
    seen = [s.name for s in loaded]
    if len(set(seen)) != len(seen):
        raise InvalidInputError(f"scenario names must be unique (got {seen})")
    return [None, *loaded]


def _apply_variant(
    items: pl.DataFrame, names: pl.Series, variant: str, policy: pl.DataFrame
) -> pl.DataFrame:
    if not isinstance(policy, pl.DataFrame) or "item" not in policy.columns:
        raise InvalidInputError(f"variant {variant!r} must be a polars DataFrame with 'item'")
    unknown = sorted(set(policy.columns) - {"item", *POLICY_COLUMNS})
    if unknown:
        raise InvalidInputError(f"variant {variant!r} has unknown columns {unknown}")
    policy = policy.with_columns(pl.col("item").cast(pl.String))
    given = policy.get_column("item")
    missing = names.filter(~names.is_in(given.implode()))
    if len(missing):
        raise InvalidInputError(f"variant {variant!r} has no row for item {missing[0]!r}")
    extra = given.filter(~given.is_in(names.implode()))
    if len(extra):
        raise InvalidInputError(f"variant {variant!r} has item {extra[0]!r}, not in items")
    if given.is_duplicated().any():
        raise InvalidInputError(f"variant {variant!r} has an item twice")
    replaced = [c for c in policy.columns if c != "item" and c in items.columns]
    base = items.drop(replaced).with_columns(pl.col("item").cast(pl.String))
    return base.join(policy, on="item", how="left", maintain_order="left")


def _kpi_table(results: Mapping[tuple[str, str], SimulationResult]) -> pl.DataFrame:
    rows = []
    for (variant, scenario), result in results.items():
        overall = result.overall.row(0, named=True)
        for kpi in KPIS:
            se = overall.get(f"{kpi}_se")
            rows.append(
                {
                    "variant": variant,
                    "scenario": scenario,
                    "kpi": kpi,
                    "value": None if overall[kpi] is None else float(overall[kpi]),
                    "se": None if se is None else float(se),
                }
            )
    schema = {
        "variant": pl.String,
        "scenario": pl.String,
        "kpi": pl.String,
        "value": pl.Float64,
        "se": pl.Float64,
    }
    return pl.DataFrame(rows, schema=schema)


def _resilience(
    results: Mapping[tuple[str, str], SimulationResult],
    table: str,
    columns: tuple[str, ...],
    keys: list[str],
) -> pl.DataFrame:
    frames = []
    for (variant, scenario), result in results.items():
        frame: pl.DataFrame = getattr(result, table).select(columns)
        frames.append(frame.with_columns(variant=pl.lit(variant), scenario=pl.lit(scenario)))
    long = pl.concat(frames)
    baseline = long.filter(pl.col("scenario") == BASELINE).select(
        "variant",
        *keys,
        fill_rate_baseline=pl.col("fill_rate"),
        stockout_days_baseline=pl.col("stockout_days"),
    )
    return (
        long.join(baseline, on=["variant", *keys], how="left")
        .with_columns(
            fill_rate_change=pl.col("fill_rate") - pl.col("fill_rate_baseline"),
            stockout_days_added=pl.col("stockout_days") - pl.col("stockout_days_baseline"),
        )
        .drop("stockout_days_baseline")
        .select("variant", "scenario", pl.exclude("variant", "scenario"))
    )
