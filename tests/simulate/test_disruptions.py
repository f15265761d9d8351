"""Each disruption changes exactly what it should.

With the same demand every day (5 units), a constant lead time and base stock, every
day of a run can be worked out by hand; the numbers below are those hand calculations.
Base stock S = 25, L = 3: the order of day t (yesterday's 5 units) arrives on day t + 3,
the first on day 4, and every day from day 3 ends with 5 on hand.
"""

from __future__ import annotations

import polars as pl
import pytest

from takt.errors import InvalidInputError
from takt.simulate import Disruption, Scenario, simulate
from tests.simulate.builders import base_stock, constant_demand

DAYS = 365


def two_suppliers(**columns: object) -> pl.DataFrame:
    return constant_demand(
        2,
        supplier=["S1", "S2"],
        region=["asia", "eu"],
        kanban_count=25,
        lead_time_mean_days=3.0,
        unit_cost=[10.0, 1.0],
        **columns,
    )


def run(items: pl.DataFrame, *disruptions: Disruption, **kwargs: object) -> pl.DataFrame:
    scenario = Scenario("test", disruptions=disruptions) if disruptions else None
    options: dict[str, object] = {"days": DAYS, "replications": 2, "seed": 1}
    return simulate(items, scenario=scenario, **{**options, **kwargs}).items  # type: ignore[arg-type]


def row(frame: pl.DataFrame, item: str) -> dict[str, object]:
    return frame.filter(pl.col("item") == item).row(0, named=True)


def test_baseline_by_hand() -> None:
    base = row(run(two_suppliers()), "I0")
    assert base["stockout_days"] == 0
    assert base["fill_rate"] == 1.0
    assert base["deliveries"] == DAYS - 4
    assert base["avg_on_hand"] == pytest.approx((20 + 15 + 10 + 5 * (DAYS - 3)) / DAYS)


def test_supplier_outage_delays_the_targeted_supplier_only() -> None:
    """Outage of S1 on days 30-59: what is due then arrives on day 60.

    Day 30 ends at 0, days 31-59 end short (29 stock-out days, 145 units late), day 60
    receives 30·5 + 5 and ends at 5 again.
    """
    items = two_suppliers()
    base = run(items)
    hit = run(items, Disruption("supplier_outage", 30, 30, suppliers=("S1",)))
    s1 = row(hit, "I0")
    assert s1["stockout_days"] == 29
    assert s1["stockout_events"] == 1
    assert s1["fill_rate"] == pytest.approx(1 - 145 / (5 * DAYS))
    assert s1["deliveries"] == DAYS - 4 - 30
    assert s1["units_received"] == row(base, "I0")["units_received"]  # late, not lost
    assert row(hit, "I1") == row(base, "I1")


def test_overlapping_outages_release_after_the_last_blocked_day() -> None:
    items = two_suppliers()
    one = run(items, Disruption("supplier_outage", 30, 30, suppliers=("S1",)))
    two = run(
        items,
        Disruption("supplier_outage", 30, 20, suppliers=("S1",)),
        Disruption("supplier_outage", 45, 15, suppliers=("S1",)),
    )
    assert row(one, "I0") == row(two, "I0")


def test_demand_spike_raises_demand_in_the_window_for_its_targets() -> None:
    items = two_suppliers(category=["mro", "direct"])
    base = run(items)
    hit = run(items, Disruption("demand_spike", 10, 10, increase_pct=50.0, categories=("mro",)))
    assert row(hit, "I0")["demand"] == 5 * DAYS + 0.5 * 5 * 10
    assert row(hit, "I1") == row(base, "I1")


def test_demand_spike_scales_the_same_random_demand() -> None:
    """Poisson demand: the spike multiplies the very draws of the baseline."""
    items = base_stock(4, kanban_count=30, demand_mean=3.0, criticality="line_stopper")
    base = run(items)
    everything = run(items, Disruption("demand_spike", 0, DAYS, increase_pct=100.0))
    assert (everything["demand"] == 2 * base["demand"]).all()
    assert (everything["line_stop_days"] >= base["line_stop_days"]).all()
    by_item = run(items, Disruption("demand_spike", 0, DAYS, increase_pct=100.0, items=("I2",)))
    assert by_item["demand"].to_list() == [
        *base["demand"][:2],
        2 * base["demand"][2],
        base["demand"][3],
    ]


def test_quality_failure_removes_the_rejected_share_from_receipts() -> None:
    """L = 10, S = 60: receipts of days 20-24 are 5 each; 30 % of them (7.5) rejected.

    The position falls by the rejected units, so they are reordered after the window, in
    whole one-unit containers: 7 more units ordered, 7.5 rejected, 0.5 less accepted.
    """
    items = two_suppliers().with_columns(kanban_count=pl.lit(60), lead_time_mean_days=10.0)
    base = row(run(items), "I0")
    hit = row(
        run(items, Disruption("quality_failure", 20, 5, suppliers=("S1",), reject_rate=0.3)), "I0"
    )
    assert hit["units_rejected"] == pytest.approx(7.5)
    assert hit["units_ordered"] == pytest.approx(base["units_ordered"] + 7)  # type: ignore[operator]
    assert hit["units_received"] == pytest.approx(base["units_received"] - 0.5)  # type: ignore[operator]
    assert base["stockout_days"] == 0 < hit["stockout_days"]  # type: ignore[operator]


def test_total_quality_failure_lets_nothing_into_stock() -> None:
    items = two_suppliers()
    hit = run(items, Disruption("quality_failure", 0, DAYS, suppliers=("S1",), reject_rate=1.0))
    s1 = row(hit, "I0")
    assert s1["units_received"] == 0
    assert s1["demand"] * s1["fill_rate"] == pytest.approx(25.0)  # type: ignore[operator]


def test_lead_time_stretch_applies_to_orders_placed_in_the_window() -> None:
    """Orders of days 10-14 take 6 days: nothing arrives on days 13-15, two a day on 18-20.

    End of day: 13 → 0, 14 → −5, 15 → −10, 16 → −10, 17 → −10, 18 → −5, 19 → 0: five
    stock-out days, 50 units late.
    """
    items = two_suppliers()
    hit = run(items, Disruption("lead_time_stretch", 10, 5, factor=2.0, suppliers=("S1",)))
    s1 = row(hit, "I0")
    assert s1["stockout_days"] == 5
    assert s1["deliveries"] == DAYS - 4 - 3
    assert s1["fill_rate"] == pytest.approx(1 - 25 / (5 * DAYS))
    assert row(hit, "I1") == row(run(items), "I1")


def test_port_closure_is_an_outage_of_every_supplier_of_the_region() -> None:
    items = base_stock(
        3,
        supplier=["S1", "S2", "S3"],
        region=["asia", "asia", "eu"],
        lead_time_sd_days=1.0,
        kanban_count=12,
    )
    closure = run(items, Disruption("region_closure", 50, 20, regions=("asia",)))
    outages = run(items, Disruption("supplier_outage", 50, 20, suppliers=("S1", "S2")))
    base = run(items)
    assert closure.equals(outages)
    assert row(closure, "I2") == row(base, "I2")
    assert row(closure, "I0")["stockout_days"] > row(base, "I0")["stockout_days"]  # type: ignore[operator]


def test_ranks_pick_the_largest_supplier_and_region_by_spend() -> None:
    items = two_suppliers()  # S1 spends 50 a day, S2 5
    result = simulate(
        items,
        days=100,
        replications=1,
        scenario=Scenario("r", disruptions=(Disruption("supplier_outage", 0, 5, supplier_rank=1),)),
    )
    assert result.targets.select("supplier", "region").rows() == [("S1", "asia")]
    by_region = simulate(
        items,
        days=100,
        replications=1,
        scenario=Scenario("r", disruptions=(Disruption("region_closure", 0, 5, region_rank=2),)),
    )
    assert by_region.targets["region"].to_list() == ["eu"]


def test_windows_past_the_horizon_are_cut_and_standard_scenarios_run() -> None:
    items = two_suppliers()
    late = run(items, Disruption("supplier_outage", DAYS + 10, 30, suppliers=("S1",)))
    assert late.equals(run(items))
    for name in ("supplier_outage", "port_closure", "demand_spike", "quality_failure"):
        result = simulate(items, days=120, replications=2, scenario=name)
        assert result.scenario == name


@pytest.mark.parametrize(
    ("disruption", "message"),
    [
        (Disruption("supplier_outage", 0, 5, suppliers=("S9",)), "no item has supplier 'S9'"),
        (Disruption("region_closure", 0, 5, regions=("mars",)), "no item has region 'mars'"),
        (
            Disruption("supplier_outage", 0, 5, supplier_rank=3),
            "supplier_rank 3 but the items have 2",
        ),
        (
            Disruption("demand_spike", 0, 5, increase_pct=5.0, categories=("toys",)),
            "field 'categories': no item has category 'toys'",
        ),
    ],
)
def test_targets_that_match_nothing_are_errors(disruption: Disruption, message: str) -> None:
    with pytest.raises(InvalidInputError, match="scenario 'test', disruption 1") as error:
        run(two_suppliers(), disruption)
    assert message in str(error.value)
