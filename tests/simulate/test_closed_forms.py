"""The simulated KPIs against closed forms of the same discrete-time models.

Convention (docs/simulate.md): an order placed on review day t with lead time L arrives
at the start of day t + L, before that day's demand; KPIs are end-of-day. With daily
review the net inventory at the end of day t + L is then IP⁺_t − D[t, t + L], a demand
over L + 1 days — the standard discrete-time base-stock model (Snyder & Shen,
*Fundamentals of Supply Chain Theory*, 2nd ed., 2019, ch. 4-5; Zipkin, *Foundations of
Inventory Management*, 2000, ch. 6). Many identical items (independent streams)
and long runs keep the sampling error well inside the tolerances.
"""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from scipy import stats

import takt.simulate.engine as engine_module
import takt.simulate.scenarios as scenarios_module
from takt.simulate import simulate
from tests.simulate.builders import base_stock, items_frame


def poisson_loss(mean: float, level: float) -> float:
    """E[(D − level)⁺] for D ~ Poisson(mean)."""
    k = np.arange(0, int(mean + 20 * np.sqrt(mean) + 50))
    return float(np.sum(np.maximum(k - level, 0.0) * stats.poisson.pmf(k, mean)))


def test_zipkin_base_stock_poisson_no_stockout_probability_and_fill_rate() -> None:
    """Base stock S, constant L, Poisson(λ) demand, backorders.

    P(no stock-out on a day) = P(D_{L+1} ≤ S) (Zipkin 2000, ch. 6; Snyder & Shen ch. 4,
    where the order placed in a period arrives L periods later, before demand); with
    daily review every day is a replenishment cycle, so it is also the cycle service
    level. Fill rate β = 1 − (E[(D_{L+1} − S)⁺] − E[(D_L − S)⁺])/λ (Zipkin ch. 6;
    Axsäter, *Inventory Control*, the periodic-review base-stock fill rate).
    """
    lam, lead, level = 2.0, 3, 12
    items = base_stock(40, kanban_count=level, lead_time_mean_days=float(lead), demand_mean=lam)
    result = simulate(items, days=3000, replications=10, seed=3, warmup_days=20)
    overall = result.overall.row(0, named=True)
    expected_csl = stats.poisson.cdf(level, lam * (lead + 1))  # 0.93620
    short = poisson_loss(lam * (lead + 1), level) - poisson_loss(lam * lead, level)
    assert overall["cycle_service_level"] == pytest.approx(expected_csl, abs=0.002)
    assert overall["fill_rate"] == pytest.approx(1.0 - short / lam, abs=0.002)
    stockout_share = result.items["stockout_days"].mean() / 3000  # type: ignore[operator]
    assert stockout_share == pytest.approx(1.0 - expected_csl, abs=0.002)


def test_base_stock_zero_lead_time_fill_rate_in_both_modes() -> None:
    """With L = 0 every day starts with S on hand: β = 1 − E[(D − S)⁺]/λ, lost or not."""
    lam, level = 3.0, 4
    expected = 1.0 - poisson_loss(lam, level) / lam
    for lost_sales in (False, True):
        items = base_stock(20, kanban_count=level, lead_time_mean_days=0.0, demand_mean=lam)
        result = simulate(items, days=3000, replications=5, seed=1, lost_sales=lost_sales)
        assert result.overall["fill_rate"][0] == pytest.approx(expected, abs=0.002)


def test_base_stock_time_to_survive_is_position_over_demand_rate() -> None:
    """Base stock: the end-of-day position is S − d_t, so TTS = E[(S − d)⁺]/λ."""
    lam, level = 2.0, 10
    items = base_stock(10, kanban_count=level, demand_mean=lam, time_to_recover_days=4.0)
    result = simulate(items, days=2000, replications=4, seed=2, warmup_days=10)
    k = np.arange(0, 60)
    expected = float(np.sum(np.maximum(level - k, 0) * stats.poisson.pmf(k, lam))) / lam
    assert result.items["tts_days"].mean() == pytest.approx(expected, rel=0.005)
    # TTS ≈ 4 < TTR only when the day's demand exceeds 2: P(d ≥ 3) = 0.323.
    assert result.items["exposed_share"].mean() == pytest.approx(stats.poisson.sf(2, lam), abs=0.01)


def test_hadley_whitin_rq_average_inventory_poisson() -> None:
    """(r, Q) with whole lots, Poisson demand: IP after ordering is uniform on r+1…r+Q.

    Hadley & Whitin (1963; Zipkin 2000, ch. 6; Snyder & Shen ch. 5): average on hand
    = (1/Q)·Σ_{y=r+1}^{r+Q} E[(y − D_{L+1})⁺] exactly, ≈ r − λ(L + 1) + (Q + 1)/2 when
    backorders are rare (L + 1 because the order covers the day it is placed, see the
    module doc); P(stock-out day) = (1/Q)·Σ_y P(D_{L+1} > y).
    """
    lam, lead, r, q = 2.0, 2, 6, 10
    items = items_frame(
        40,
        logic="rop",
        reorder_point=float(r),
        order_qty=float(q),
        lead_time_mean_days=float(lead),
        demand_mean=lam,
        demand_model="poisson",
    )
    result = simulate(items, days=3000, replications=10, seed=5, warmup_days=200)
    mean = lam * (lead + 1)
    k = np.arange(0, 200)
    pmf = stats.poisson.pmf(k, mean)
    positions = range(r + 1, r + q + 1)
    on_hand = np.mean([np.sum(np.maximum(y - k, 0) * pmf) for y in positions])  # 5.618
    stockout = np.mean([stats.poisson.sf(y, mean) for y in positions])
    assert result.items["avg_on_hand"].mean() == pytest.approx(on_hand, abs=0.03)
    assert result.items["avg_on_hand"].mean() == pytest.approx(r - mean + (q + 1) / 2, abs=0.2)
    stockout_share = result.items["stockout_days"].mean() / 3000  # type: ignore[operator]
    assert stockout_share == pytest.approx(stockout, abs=0.002)
    # Orders are whole lots, nearly always one (a day rarely takes IP a lot below r).
    per_order = result.items["units_ordered"].sum() / result.items["orders"].sum()  # type: ignore[operator]
    assert per_order == pytest.approx(q, rel=1e-3)


def test_periodic_review_order_up_to_cycle_service_level() -> None:
    """(R, S), L a multiple of R: P(no stock-out in a review cycle) = P(D_{R+L} ≤ S).

    Silver, Pyke & Thomas (2017, ch. 6): S covers demand over R + L; the net inventory
    falls through the receipt cycle and its last day ends at S − D_{R+L}.
    """
    lam, review, lead, level = 2.0, 5, 10, 40
    items = items_frame(
        40,
        logic="order_up_to",
        order_up_to=float(level),
        review_period_days=review,
        lead_time_mean_days=float(lead),
        demand_mean=lam,
        demand_model="poisson",
    )
    result = simulate(items, days=3000, replications=10, seed=11, warmup_days=50)
    expected = stats.poisson.cdf(level, lam * (review + lead))  # 0.9677
    assert result.overall["cycle_service_level"][0] == pytest.approx(expected, abs=0.003)
    orders_per_item = result.items["orders"].mean()
    assert orders_per_item == pytest.approx(3000 / review, rel=0.01)


def test_lost_sales_never_backorders_and_orders_only_what_was_served() -> None:
    """Lost sales: base stock reorders what it served; backorders: what was demanded."""
    items = base_stock(20, kanban_count=6, lead_time_mean_days=4.0, demand_mean=2.0)
    lost = simulate(items, days=1000, replications=5, seed=4, lost_sales=True).items
    back = simulate(items, days=1000, replications=5, seed=4, lost_sales=False).items
    served_lost = lost["demand"] * lost["fill_rate"]
    assert (lost["demand"] == back["demand"]).all()  # same demand path
    # Orders replace yesterday's sales: equal up to the last day's.
    assert ((lost["units_ordered"] - served_lost).abs() < 15).all()
    assert ((back["units_ordered"] - back["demand"]).abs() < 15).all()
    # Lost demand leaves the position higher: service is better than with backorders,
    # and stock-outs clear as soon as a receipt comes in.
    assert (lost["fill_rate"] > back["fill_rate"]).all()
    assert lost["stockout_days"].sum() < back["stockout_days"].sum()


def test_module_doctests() -> None:
    for module in (engine_module, scenarios_module):
        result = doctest.testmod(module)
        assert result.failed == 0
    assert doctest.testmod(engine_module).attempted > 0
