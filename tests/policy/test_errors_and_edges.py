"""Bad inputs are refused with the argument named; edge cases have defined answers."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from takt.errors import InvalidInputError
from takt.policy.formulas import (
    days_of_cover,
    economic_order_quantity,
    eoq_with_backorders,
    inverse_standard_normal_loss,
    kanban_count,
    lead_time_demand,
    newsvendor_normal,
    round_order_quantity,
    rq_cost_poisson,
    rq_optimal_normal,
    rq_optimal_poisson,
    safety_factor_for_fill_rate,
    safety_stock_cycle_service,
    safety_stock_fill_rate,
    ss_cost_poisson,
    ss_optimal_poisson,
    standard_normal_loss,
)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: economic_order_quantity(-8, 0.225, 1300), "fixed_cost"),
        (lambda: economic_order_quantity(8, 0.0, 1300), "holding_cost"),
        (lambda: economic_order_quantity(8, 0.225, [1300, -1]), "demand_rate"),
        (lambda: eoq_with_backorders(8, 0.225, math.nan, 1300), "stockout_cost"),
        (lambda: newsvendor_normal(0.18, 0.7, 50, -8), "demand_sd"),
        (lambda: safety_stock_cycle_service(1.0, 10), "cycle_service_level"),
        (lambda: safety_stock_cycle_service([0.9, 0.0], 10), "cycle_service_level"),
        (lambda: safety_stock_fill_rate(1.2, 100, 10), "fill_rate"),
        (lambda: safety_stock_fill_rate(0.9, 0, 10), "order_quantity"),
        (lambda: lead_time_demand(10, 2, 5, -1), "lead_time_sd"),
        (lambda: round_order_quantity(10, 0, 0), "pack_size"),
        (lambda: round_order_quantity(-1, 0, 1), "quantity"),
        (lambda: kanban_count(10, 1, 0), "container_quantity"),
        (lambda: days_of_cover(10, -1), "daily_demand"),
        (lambda: inverse_standard_normal_loss(0.0), "loss"),
        (lambda: standard_normal_loss(math.inf), "z"),
        (lambda: rq_optimal_normal(0.2, 7, 8, 1300, 150, -1), "lead_time"),
        (lambda: rq_optimal_poisson(20, -150, 100, 1.5, 2), "stockout_cost"),
        (lambda: rq_cost_poisson(3, 0, 20, 150, 100, 1.5, 2), "order_quantity"),
        (lambda: rq_cost_poisson(3.5, 5, 20, 150, 100, 1.5, 2), "reorder_point"),
        (lambda: ss_optimal_poisson(1, 4, 5, 6, lead_time=1.5), "lead_time"),
        (lambda: ss_cost_poisson(10, 4, 1, 4, 5, 6), "order_up_to_level"),
        (lambda: economic_order_quantity("eight", 1, 1), "fixed_cost"),
    ],
)
def test_bad_argument_is_named(call: Callable[[], Any], name: str) -> None:
    with pytest.raises(InvalidInputError, match=name):
        call()


def test_error_names_the_item() -> None:
    with pytest.raises(InvalidInputError, match="at item 2"):
        economic_order_quantity(8, [0.2, 0.3, -0.1], 1300)


def test_mismatched_item_arrays_are_an_input_error() -> None:
    with pytest.raises(InvalidInputError, match="shapes"):
        kanban_count([1.0, 2.0], [1.0, 2.0, 3.0], 1.0)


def test_zero_demand_items_order_nothing() -> None:
    assert float(economic_order_quantity(8, 0.2, 0)) == 0.0
    assert float(round_order_quantity(0.0, 100, 12)) == 0.0
    assert int(kanban_count(0, 2, 10, 0.1)) == 0
    s, big_s, c = ss_optimal_poisson(1, 4, 5, 0)
    assert (int(s), int(big_s), float(c)) == (-1, 0, 0.0)
    assert float(rq_optimal_poisson(20, 150, 100, 0, 2).cost) == 0.0


def test_rq_without_fixed_cost_is_the_newsvendor_level() -> None:
    r, q, g = rq_optimal_normal(0.225, 7.5, 0, 1300, 150, 1 / 12)
    s, cost = newsvendor_normal(0.225, 7.5, 1300 / 12, 150 / math.sqrt(12))
    assert float(q) == 0.0
    assert float(r) == pytest.approx(float(s))
    assert float(g) == pytest.approx(float(cost))


def test_rq_with_deterministic_demand_is_eoq_with_backorders() -> None:
    r, q, g = rq_optimal_normal(0.225, 7.5, 8, 1300, 0, 1 / 12)
    eq, x, eg = eoq_with_backorders(8, 0.225, 7.5, 1300)
    assert float(q) == pytest.approx(float(eq))
    assert float(g) == pytest.approx(float(eg))
    assert float(r) == pytest.approx(1300 / 12 - float(x * eq))
    # A tiny σ gives (nearly) the same policy: the two branches meet.
    r2, q2, g2 = rq_optimal_normal(0.225, 7.5, 8, 1300, 1e-6, 1 / 12)
    assert (float(r2), float(q2), float(g2)) == pytest.approx((float(r), float(q), float(g)))


def test_extreme_parameters_converge() -> None:
    # Very high or low cost ratios, huge and tiny demand: all items finish finite.
    h = np.array([1e-4, 1e3, 1.0, 1.0, 0.5])
    p = np.array([1e4, 1e-3, 1.0, 1.0, 50.0])
    k = np.array([1e-6, 1e6, 1.0, 1e4, 20.0])
    lam = np.array([1e6, 1e-3, 1.0, 1e7, 5.0])
    r, q, g = rq_optimal_normal(h, p, k, lam, np.sqrt(lam), 0.1)
    assert np.all(np.isfinite(r)) and np.all(q >= 0) and np.all(g > 0)
    k_fill = safety_factor_for_fill_rate(
        [0.5, 0.9999999], [1e6, 1.0], [1e-3, 1e6], allow_negative=True
    )
    assert np.all(np.isfinite(k_fill))
    assert k_fill[0] < -1e8 and k_fill[1] > 5


def test_fill_rate_safety_stock_floors_at_zero_by_default() -> None:
    # (1 − β)·Q/σ above G(0) asks for a negative k: floored unless asked otherwise.
    assert float(safety_stock_fill_rate(0.9, 1000, 10)) == 0.0
    assert float(safety_stock_fill_rate(0.9, 1000, 10, allow_negative=True)) < 0.0


def test_days_of_cover_edges() -> None:
    cover = days_of_cover([1200, 0, 50, -10], [100, 100, 0, 0])
    assert cover.tolist() == [12.0, 0.0, math.inf, 0.0]


def test_rounding_is_exact_on_whole_packs() -> None:
    # 0.1·3 is 0.30000000000000004 in floats; it is still three packs of 0.1.
    assert float(round_order_quantity(0.1 * 3, 0, 0.1)) == pytest.approx(0.3)
    assert int(kanban_count(3, 1, 1 / 3)) == 9
