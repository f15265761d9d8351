"""Properties that must hold for any parameters (hypothesis)."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from takt.simulate import simulate
from tests.simulate.builders import base_stock, items_frame

SETTINGS = settings(max_examples=25, deadline=None)
levels = st.integers(0, 40)
lead = st.integers(0, 12)
spread = st.floats(0.0, 4.0)
mean = st.floats(0.1, 6.0)


@SETTINGS
@given(levels, levels, lead, spread, mean, st.integers(0, 2**31))
def test_more_base_stock_never_lowers_the_fill_rate(
    a: int, b: int, lead_days: int, lead_sd: float, demand: float, seed: int
) -> None:
    """Same demand and lead-time draws (common random numbers), more stock in the loop.

    One-for-one base stock orders yesterday's demand whatever S is, so the higher S runs
    the same pipeline with S_b − S_a more on hand: pathwise at least as good.
    """
    low, high = sorted((a, b))
    items = pl.concat(
        [
            base_stock(
                1,
                prefix=name,
                kanban_count=level,
                lead_time_mean_days=float(lead_days),
                lead_time_sd_days=lead_sd,
                demand_mean=demand,
                initial_on_hand=float(low),
            )
            for name, level in (("low", low), ("high", high))
        ]
    ).with_columns(item=pl.lit("same"))
    results = [
        simulate(items[k : k + 1], days=120, replications=3, seed=seed).items for k in (0, 1)
    ]
    assert results[1]["fill_rate"][0] >= results[0]["fill_rate"][0]
    assert results[1]["stockout_days"][0] <= results[0]["stockout_days"][0]


@SETTINGS
@given(levels, levels, st.integers(1, 10), lead, mean, st.integers(0, 2**31))
def test_a_higher_order_up_to_level_never_lowers_the_fill_rate(
    a: int, b: int, review: int, lead_days: int, demand: float, seed: int
) -> None:
    """(R, S): each review orders the demand since the last one, whatever S is."""
    low, high = sorted((a, b))
    fills = []
    for level in (low, high):
        items = items_frame(
            1,
            logic="order_up_to",
            order_up_to=float(level),
            review_period_days=review,
            lead_time_mean_days=float(lead_days),
            demand_mean=demand,
            demand_model="poisson",
            initial_on_hand=float(low),
        )
        fills.append(simulate(items, days=120, replications=2, seed=seed).items["fill_rate"][0])
    assert fills[1] >= fills[0]


@SETTINGS
@given(
    st.sampled_from(["kanban", "rop", "min_max", "order_up_to"]),
    st.floats(0.0, 50.0),
    st.floats(0.0, 50.0),
    st.integers(1, 7),
    st.booleans(),
    st.sampled_from(["poisson", "normal", "gamma", "compound"]),
)
def test_zero_demand_gives_full_service_and_no_orders(
    logic: str, level: float, lot: float, review: int, lost_sales: bool, model: str
) -> None:
    items = items_frame(
        1,
        logic=logic,
        reorder_point=level,
        order_up_to=level + lot,
        order_qty=lot,
        container_qty=lot,
        kanban_count=3,
        review_period_days=review,
        lead_time_mean_days=4.0,
        lead_time_sd_days=1.0,
        demand_model=model,
        demand_mean=0.0,
        demand_sd=0.0,
        adi=2.0,
        moq=5.0,
        pack_multiple=2.0,
    )
    result = simulate(items, days=60, replications=2, lost_sales=lost_sales).items.row(
        0, named=True
    )
    assert result["fill_rate"] == 1.0
    assert result["cycle_service_level"] == 1.0
    assert result["orders"] == 0
    assert result["stockout_days"] == 0
    assert result["tts_days"] is None  # no demand: time-to-survive is not defined
