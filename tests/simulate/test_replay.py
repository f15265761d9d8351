"""Replay demand: the history played back in order (backtests on real demand)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from takt.errors import InvalidInputError
from takt.simulate import simulate
from tests.simulate.builders import base_stock


def _history(item: str, values: list[float]) -> pl.DataFrame:
    return pl.DataFrame({"item": [item] * len(values), "qty": values})


def test_replay_plays_the_measured_days_in_order() -> None:
    values = [float(v) for v in np.random.default_rng(3).poisson(2.0, size=40)]
    items = base_stock(demand_model="replay", kanban_count=30)
    result = simulate(
        items, days=25, replications=3, warmup_days=10, demand_history=_history("I0", values)
    )
    # measured days are days 10..34 of the run: history values 10..34 in order
    assert result.items["demand"][0] == pytest.approx(sum(values[10:35]))


def test_replay_cycles_past_the_end_of_the_history() -> None:
    items = base_stock(demand_model="replay", kanban_count=50)
    result = simulate(
        items, days=10, replications=1, warmup_days=0, demand_history=_history("I0", [1.0, 2.0])
    )
    assert result.items["demand"][0] == pytest.approx(15.0)  # 1,2,1,2,... ten days


def test_a_spike_above_the_base_stock_is_served_up_to_the_stock() -> None:
    # one-for-one base stock S = 4 and only one demand of 10 units in the run: the four on
    # hand are served on the day, six are short, so the fill rate is 4 / 10 exactly
    values = [0.0] * 15
    values[12] = 10.0
    items = base_stock(demand_model="replay", kanban_count=4, lead_time_mean_days=2.0)
    result = simulate(
        items, days=10, replications=2, warmup_days=5, demand_history=_history("I0", values)
    )
    assert result.items["fill_rate"][0] == pytest.approx(0.4)
    assert result.items["stockout_days"][0] > 0


def test_replay_of_constant_demand_equals_the_constant_model() -> None:
    items = base_stock(kanban_count=12, lead_time_mean_days=3.0)
    constant = simulate(
        items.with_columns(
            pl.lit("gamma").alias("demand_model"),
            pl.lit(2.0).alias("demand_mean"),
            pl.lit(0.0).alias("demand_sd"),
        ),
        days=60,
        replications=2,
        warmup_days=5,
    ).items
    replayed = simulate(
        items.with_columns(pl.lit("replay").alias("demand_model")),
        days=60,
        replications=2,
        warmup_days=5,
        demand_history=_history("I0", [2.0] * 65),
    ).items
    for column in ("demand", "fill_rate", "avg_on_hand", "orders", "units_received"):
        assert replayed[column][0] == pytest.approx(constant[column][0]), column


def test_replay_needs_a_history() -> None:
    with pytest.raises(InvalidInputError, match="replay needs rows in demand_history"):
        simulate(base_stock(demand_model="replay"), days=5, replications=1)
