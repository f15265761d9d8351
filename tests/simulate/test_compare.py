"""Strategy comparison: variants × (baseline + scenarios), tidy KPIs, resilience tables."""

from __future__ import annotations

import polars as pl
import pytest

from takt.errors import InvalidInputError
from takt.simulate import Disruption, Scenario, compare_strategies
from tests.simulate.builders import items_frame

OUTAGE = Scenario("outage", disruptions=(Disruption("supplier_outage", 20, 15, suppliers=("S1",)),))
SPIKE = Scenario("spike", disruptions=(Disruption("demand_spike", 40, 10, increase_pct=80.0),))


def master() -> pl.DataFrame:
    return items_frame(
        4,
        supplier=["S1", "S1", "S2", "S2"],
        region=["asia", "asia", "eu", "eu"],
        criticality=["line_stopper", "normal", "important", "normal"],
        lead_time_mean_days=[5.0, 8.0, 3.0, 6.0],
        lead_time_sd_days=1.0,
        demand_mean=[4.0, 2.0, 6.0, 1.0],
        demand_model="poisson",
        unit_cost=[10.0, 3.0, 2.0, 8.0],
        time_to_recover_days=[20.0, 20.0, 10.0, 10.0],
    )


def variants() -> dict[str, pl.DataFrame]:
    items = master()
    daily = items["demand_mean"]
    protection = items["lead_time_mean_days"] + 1
    jit = pl.DataFrame(
        {
            "item": items["item"],
            "logic": "kanban",
            "container_qty": 1.0,
            "kanban_count": (daily * protection * 1.1).ceil(),
            "strategy": "jit",
        }
    )
    buffer = pl.DataFrame(
        {
            "item": items["item"],
            "logic": "rop",
            "reorder_point": daily * (protection + 20),
            "order_qty": daily * 14,
            "strategy": "buffer",
        }
    )
    hybrid = jit.with_columns(
        kanban_count=pl.when(items["criticality"] == "line_stopper")
        .then(pl.col("kanban_count") + daily * 20)
        .otherwise(pl.col("kanban_count")),
        strategy=pl.lit("hybrid"),
    )
    return {"all_jit": jit, "all_buffer": buffer, "recommended": hybrid}


def test_tidy_kpis_and_resilience_tables() -> None:
    comparison = compare_strategies(
        master(), variants(), [OUTAGE, SPIKE], days=150, replications=4, seed=3
    )
    kpis = comparison.kpis
    assert kpis.columns == ["variant", "scenario", "kpi", "value", "se"]
    assert kpis.height == 3 * 3 * 13
    assert set(kpis["scenario"]) == {"baseline", "outage", "spike"}

    def kpi(variant: str, scenario: str, name: str) -> float:
        return float(
            kpis.filter(
                (pl.col("variant") == variant)
                & (pl.col("scenario") == scenario)
                & (pl.col("kpi") == name)
            )["value"][0]
        )

    # Buffers cost working capital and ride out the outage better than lean JIT.
    assert kpi("all_buffer", "baseline", "working_capital") > kpi(
        "all_jit", "baseline", "working_capital"
    )
    assert kpi("all_buffer", "outage", "fill_rate") > kpi("all_jit", "outage", "fill_rate")
    # The hybrid protects the line stopper: fewer line-stop days than all-JIT under outage.
    assert kpi("recommended", "outage", "line_stop_days") < kpi(
        "all_jit", "outage", "line_stop_days"
    )

    items = comparison.items
    assert items.height == 3 * 3 * 4
    assert {"fill_rate_change", "stockout_days_added", "tts_days", "exposed"} <= set(items.columns)
    baseline = items.filter(pl.col("scenario") == "baseline")
    assert (baseline["fill_rate_change"] == 0).all()
    outage = items.filter((pl.col("scenario") == "outage") & (pl.col("variant") == "all_jit"))
    hit = outage.filter(pl.col("supplier") == "S1")["fill_rate_change"]
    spared = outage.filter(pl.col("supplier") == "S2")["fill_rate_change"]
    assert (hit < 0).all()
    assert (spared == 0).all()  # same draws, supplier untouched: exactly unchanged
    suppliers = comparison.suppliers
    assert suppliers.height == 3 * 3 * 2
    assert ("recommended", "spike") in comparison.results


def test_variant_errors() -> None:
    good = variants()
    with pytest.raises(InvalidInputError, match="variants is empty"):
        compare_strategies(master(), {}, [OUTAGE])
    with pytest.raises(InvalidInputError, match="variant 'all_jit' has no row for item 'I3'"):
        compare_strategies(master(), {"all_jit": good["all_jit"].head(3)}, [OUTAGE])
    with pytest.raises(InvalidInputError, match="unknown columns \\['colour'\\]"):
        compare_strategies(master(), {"x": good["all_jit"].with_columns(colour=pl.lit(1))}, [])
    with pytest.raises(InvalidInputError, match="'baseline' is reserved"):
        compare_strategies(master(), good, [Scenario("baseline")])
