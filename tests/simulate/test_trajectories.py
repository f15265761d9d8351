"""Inventory trajectories: a sawtooth worked out by hand, agreement with the KPIs, and
recording that changes nothing it records.

The hand-worked item: demand 5 every day, lead time 4 days, (r, Q) = (10, 30) reviewed
daily, starting at r + Q = 40 on hand. A day is order, receive, meet demand, count:

- days 0-5 end at 35, 30, 25, 20, 15, 10; the position reaches r at the end of day 5;
- day 6 orders 30 (due day 10) and ends at 5; day 7 at 0; days 8 and 9 end 5 and 10
  units backordered (stock-out days);
- day 10 receives 30: 30 − 10 − 5 = 15; from there the cycle repeats every 6 days
  (order on days 12, 18, …; receipts on days 16, 22, …).

So from day 4 on, net stock is 15 − 5·((t − 4) mod 6): 15, 10, 5, 0, −5, −10; and the
inventory position (net + on order) steps down 35, 30, 25, 20, 15, 10 from day 0 on
(uniform over r + 1 … r + Q, Hadley & Whitin's result for (r, Q)).
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from takt.errors import InvalidInputError
from takt.simulate import Disruption, Scenario, simulate, trace
from takt.simulate._disruptions import compile_scenario
from takt.simulate._items import read_items
from takt.simulate._lead_times import build_lead_time_tables
from takt.simulate._trajectory import TRAJECTORY_SCHEMA
from takt.simulate.engine import fast_path
from tests.simulate.builders import base_stock, items_frame

DAYS = 40


def sawtooth_item(**columns: object) -> pl.DataFrame:
    defaults: dict[str, object] = {
        "logic": "rop",
        "reorder_point": 10.0,
        "order_qty": 30.0,
        "lead_time_mean_days": 4.0,
        "demand_model": "gamma",
        "demand_mean": 5.0,
        "demand_sd": 0.0,
    }
    return items_frame(1, **{**defaults, **columns})


def hand_worked_net(day: np.ndarray) -> np.ndarray:
    return np.where(day < 4, 35.0 - 5.0 * day, 15.0 - 5.0 * ((day - 4) % 6))


def test_rop_sawtooth_by_hand() -> None:
    result = simulate(sawtooth_item(), days=DAYS, replications=2, seed=3, trajectories=["I0"])
    frame = result.trajectories
    assert frame.height == 2 * DAYS
    assert frame.schema == pl.Schema(TRAJECTORY_SCHEMA)
    day = np.arange(DAYS)
    net = hand_worked_net(day)
    for replication in (0, 1):  # no randomness: both runs are the same sawtooth
        run = frame.filter(pl.col("replication") == replication).sort("day")
        assert run["day"].to_list() == day.tolist()
        assert run["on_hand"].to_list() == np.maximum(net, 0.0).tolist()
        assert run["backorders"].to_list() == np.maximum(-net, 0.0).tolist()
        assert run["stockout"].to_list() == (net < 0).tolist()
        assert run["position"].to_list() == (35.0 - 5.0 * (day % 6)).tolist()
        received = np.where((day >= 10) & ((day - 10) % 6 == 0), 30.0, 0.0)
        assert run["received"].to_list() == received.tolist()
    assert frame["reorder_point"].unique().to_list() == [10.0]
    assert frame["order_up_to"].unique().to_list() == [40.0]  # r + Q, the top of the loop
    kpis = result.items.row(0, named=True)
    assert kpis["stockout_days"] == sum(hand_worked_net(day) < 0)


def test_day_zero_is_the_first_measured_day() -> None:
    """A 4-day warm-up starts the record at the top of the repeating tooth."""
    result = simulate(sawtooth_item(), days=12, warmup_days=4, replications=1, trajectories="I0")
    net = result.trajectories.sort("day")["on_hand"] - result.trajectories.sort("day")["backorders"]
    assert net.to_list() == [15.0, 10.0, 5.0, 0.0, -5.0, -10.0] * 2


def test_base_stock_levels_are_the_reference_lines() -> None:
    items = pl.concat(
        [
            base_stock(1, kanban_count=12),
            items_frame(
                1,
                prefix="M",
                logic="min_max",
                reorder_point=8.0,
                order_up_to=20.0,
                lead_time_mean_days=2.0,
                demand_mean=2.0,
                demand_model="poisson",
            ),
        ],
        how="diagonal",
    )
    frame = simulate(items, days=5, replications=1, trajectories=["I0", "M0"]).trajectories
    levels = frame.unique("item").sort("item").select("item", "reorder_point", "order_up_to")
    assert levels.rows() == [("I0", None, 12.0), ("M0", 8.0, 20.0)]


def mixed_items() -> pl.DataFrame:
    """Random lead times, random demand, every logic, one supplier per logic."""
    common = {"lead_time_mean_days": 5.0, "lead_time_sd_days": 2.0, "unit_cost": 2.0}
    return pl.concat(
        [
            base_stock(1, prefix="K", supplier="S1", kanban_count=14, demand_mean=2.5, **common),
            items_frame(
                1,
                prefix="R",
                supplier="S2",
                logic="rop",
                reorder_point=12.0,
                order_qty=15.0,
                demand_mean=2.0,
                demand_sd=1.5,
                **common,
            ),
            items_frame(
                1,
                prefix="M",
                supplier="S3",
                logic="min_max",
                reorder_point=10.0,
                order_up_to=30.0,
                demand_mean=1.5,
                adi=2.0,
                cv2=0.5,
                **common,
            ),
            items_frame(
                1,
                prefix="U",
                supplier="S4",
                logic="order_up_to",
                order_up_to=40.0,
                review_period_days=7,
                demand_mean=2.0,
                moq=10.0,
                pack_multiple=5.0,
                **common,
            ),
        ],
        how="diagonal",
    )


STORM = Scenario(
    "storm",
    disruptions=(
        Disruption("supplier_outage", 20, 15, supplier_rank=1),
        Disruption("quality_failure", 40, 20, suppliers=("S2",), reject_rate=0.4),
        Disruption("demand_spike", 60, 10, increase_pct=60.0),
    ),
)


@pytest.mark.parametrize("lost_sales", [False, True])
@pytest.mark.parametrize("scenario", [None, STORM], ids=["baseline", "storm"])
def test_the_record_adds_up_to_the_kpis(scenario: Scenario | None, lost_sales: bool) -> None:
    items = mixed_items()
    names = items["item"].to_list()
    replications = 5
    result = simulate(
        items,
        days=150,
        replications=replications,
        warmup_days=10,
        seed=11,
        scenario=scenario,
        lost_sales=lost_sales,
        trajectories=names,
    )
    assert result.trajectories.height == len(names) * replications * 150
    recorded = (
        result.trajectories.group_by("item")
        .agg(
            pl.col("on_hand").mean().alias("avg_on_hand"),
            (pl.col("stockout").sum() / replications).alias("stockout_days"),
            (pl.col("received").sum() / replications).alias("units_received"),
            pl.col("backorders").max().alias("most_backordered"),
        )
        .join(result.items, on="item", suffix="_kpi")
    )
    for row in recorded.iter_rows(named=True):
        assert row["avg_on_hand"] == pytest.approx(row["avg_on_hand_kpi"], rel=1e-12)
        assert row["stockout_days"] == pytest.approx(row["stockout_days_kpi"], rel=1e-12)
        assert row["units_received"] == pytest.approx(row["units_received_kpi"], rel=1e-9)
        if lost_sales:  # what is not served is gone: nothing is ever owed
            assert row["most_backordered"] == 0.0
    if not lost_sales:  # backordered: a stock-out day is a day ending with backorders
        frame = result.trajectories
        assert frame["stockout"].to_list() == (frame["backorders"] > 1e-9).to_list()
    assert result.items["stockout_days"].sum() > 0  # the check is not vacuous


@pytest.mark.parametrize("scenario", [None, STORM], ids=["baseline", "storm"])
def test_recording_changes_no_kpi(scenario: Scenario | None) -> None:
    """Traced items leave the fast base-stock kernel for the recording one: same numbers."""
    fast = base_stock(1, prefix="F", supplier="S5", demand_model="bootstrap")
    items = pl.concat([mixed_items(), fast], how="diagonal")
    history = pl.DataFrame({"item": ["F0"] * 6, "qty": [0.0, 3.0, 1.0, 4.0, 2.0, 2.0]})
    data = read_items(items, history)
    tables = build_lead_time_tables(data.lead_time_mean, data.lead_time_sd, 120)
    undisturbed = compile_scenario(None, data.labels, np.zeros(len(data)), 0, 120)
    assert fast_path(data, tables, undisturbed).tolist() == [False] * 4 + [True]
    options: dict[str, object] = {
        "days": 120,
        "replications": 4,
        "seed": 5,
        "scenario": scenario,
        "demand_history": history,
    }
    plain = simulate(items, **options)  # type: ignore[arg-type]
    traced = simulate(items, trajectories=items["item"].to_list(), **options)  # type: ignore[arg-type]
    for table in ("items", "suppliers", "strategies", "overall", "targets"):
        assert getattr(traced, table).equals(getattr(plain, table)), table
    assert plain.trajectories.height == 0
    assert plain.trajectories.schema == traced.trajectories.schema


def test_trace_is_the_run_simulate_recorded() -> None:
    """Only the traced items run, but the scenario still ranks suppliers over all items."""
    items = mixed_items()
    options: dict[str, object] = {"days": 100, "replications": 3, "seed": 2, "scenario": STORM}
    full = simulate(items, trajectories=["R0", "U0"], **options)  # type: ignore[arg-type]
    alone = trace(items, ["R0", "U0"], **options)  # type: ignore[arg-type]
    assert alone.equals(full.trajectories)
    assert alone["item"].unique(maintain_order=True).to_list() == ["R0", "U0"]


def test_bad_names_are_refused() -> None:
    items = mixed_items()
    with pytest.raises(InvalidInputError, match="'nope', which is not in items"):
        simulate(items, days=5, trajectories=["K0", "nope"])
    with pytest.raises(InvalidInputError, match="item names"):
        simulate(items, days=5, trajectories=[1, 2])  # type: ignore[list-item]
    assert simulate(items, days=5, trajectories=[]).trajectories.height == 0
    twice = simulate(items, days=5, replications=1, trajectories=["K0", "K0"]).trajectories
    assert twice.height == 5
