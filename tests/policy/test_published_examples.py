"""Published cases are tests: one test per textbook or paper example, with its numbers.

Tolerances follow the printed rounding. Sources:
- Snyder & Shen, *Fundamentals of Supply Chain Theory*, 2nd ed. (2019), Examples 3.1–5.8;
- Zheng & Federgruen (1991), *Operations Research* 39(4): the (s, S) optima for
  h = 1, p = 9, K = 64 and Poisson demand;
- the standard normal loss table (G(0) = 0.3989, G(1) = 0.0833, ...);
- Chopra & Meindl, *Supply Chain Management*, the Dell example of lead-time uncertainty.
"""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pytest

from takt.policy.formulas import (
    economic_order_quantity,
    eoq_cost,
    eoq_with_backorders,
    inverse_standard_normal_loss,
    lead_time_demand,
    newsvendor_normal,
    newsvendor_normal_cost,
    reorder_point,
    rq_cost_normal,
    rq_cost_poisson,
    rq_eoq_ss_approximation,
    rq_optimal_normal,
    rq_optimal_poisson,
    safety_stock_cycle_service,
    ss_cost_poisson,
    ss_optimal_poisson,
    standard_normal_complementary_loss,
    standard_normal_loss,
    standard_normal_second_loss,
)

# Snyder & Shen, Example 5.1 data, used by Examples 5.1–5.6.
EX_5_1 = {"h": 0.225, "p": 7.5, "K": 8.0, "lam": 1300.0, "tau": 150.0, "L": 1 / 12}


def _ex_5_1() -> tuple[float, ...]:
    d = EX_5_1
    return d["h"], d["p"], d["K"], d["lam"], d["tau"], d["L"]


# --- standard normal loss -------------------------------------------------------------


@pytest.mark.parametrize(
    ("z", "table"),
    [(0.0, 0.3989), (1.0, 0.0833), (2.0, 0.0085), (-1.0, 1.0833), (0.5, 0.1978), (3.0, 0.0004)],
)
def test_standard_normal_loss_table(z: float, table: float) -> None:
    assert float(standard_normal_loss(z)) == pytest.approx(table, abs=5e-5)


def test_standard_normal_loss_at_1_3() -> None:
    # Snyder & Shen's loss table at z = 1.3: 𝓛 = 0.0455, 𝓛̄ = 1.3455, 𝓛⁽²⁾ = 0.0188.
    assert float(standard_normal_loss(1.3)) == pytest.approx(0.0455, abs=5e-5)
    assert float(standard_normal_complementary_loss(1.3)) == pytest.approx(1.3455, abs=5e-5)
    assert float(standard_normal_second_loss(1.3)) == pytest.approx(0.0188, abs=5e-5)


@pytest.mark.parametrize(
    ("z", "table"), [(0.0, 0.3989), (1.0, 0.0833), (2.0, 0.0085), (-1.0, 1.0833)]
)
def test_inverse_standard_normal_loss_reads_the_table_backwards(z: float, table: float) -> None:
    # Table values carry four decimals, so k is recovered to the table's resolution.
    assert float(inverse_standard_normal_loss(table)) == pytest.approx(z, abs=2e-3)
    exact = standard_normal_loss(z)
    assert float(inverse_standard_normal_loss(exact)) == pytest.approx(z, abs=1e-10)


# --- EOQ ------------------------------------------------------------------------------


def test_snyder_shen_example_3_1() -> None:
    q = economic_order_quantity(8, 0.225, 1300)
    assert float(q) == pytest.approx(304.05, abs=0.005)
    assert float(eoq_cost(q, 8, 0.225, 1300)) == pytest.approx(68.41, abs=0.005)


def test_snyder_shen_example_3_8() -> None:
    q, x, g = eoq_with_backorders(8, 0.225, 5, 1300)
    assert float(q) == pytest.approx(310.81, abs=0.005)
    assert float(x) == pytest.approx(0.0431, abs=5e-5)
    assert float(g) == pytest.approx(66.92, abs=0.005)


# --- newsvendor -----------------------------------------------------------------------


def test_snyder_shen_example_4_1() -> None:
    assert float(newsvendor_normal_cost(60, 0.18, 0.70, 50, 8)) == pytest.approx(2.16, abs=0.005)


def test_snyder_shen_example_4_3() -> None:
    s, g = newsvendor_normal(0.18, 0.70, 50, 8)
    assert float(s) == pytest.approx(56.60, abs=0.005)
    assert float(g) == pytest.approx(2.00, abs=0.005)
    assert float(newsvendor_normal_cost(s, 0.18, 0.70, 50, 8)) == pytest.approx(float(g))


def test_snyder_shen_example_4_4() -> None:
    s, _ = newsvendor_normal(0.18, 0.70, 50, 8, lead_time=4)
    assert float(s) == pytest.approx(264.77, abs=0.005)


# --- (s, S) ---------------------------------------------------------------------------


def test_snyder_shen_example_4_7() -> None:
    s, big_s, c = ss_optimal_poisson(1, 4, 5, 6)
    assert (int(s), int(big_s)) == (4, 10)
    assert float(c) == pytest.approx(8.034, abs=5e-4)
    assert float(ss_cost_poisson(4, 10, 1, 4, 5, 6)) == pytest.approx(8.034, abs=5e-4)


ZF_MEAN = [*range(10, 80, 5), 21, 22, 23, 24, 51, 52, 59, 61, 63, 64]
ZF_S = [
    6, 10, 14, 19, 23, 28, 33, 37, 42, 47, 52, 56, 62, 67,
    15, 16, 17, 18, 43, 44, 51, 52, 54, 55,
]  # fmt: skip
ZF_BIG_S = [
    40, 49, 62, 56, 66, 77, 87, 97, 108, 118, 129, 75, 81, 86,
    65, 68, 52, 54, 110, 112, 126, 131, 73, 74,
]  # fmt: skip
ZF_COST = [
    35.022, 42.698, 49.173, 54.262, 57.819, 61.215, 64.512, 67.776, 70.975, 74.149, 77.306,
    78.518, 79.037, 79.554, 50.406, 51.632, 52.757, 53.518, 71.611, 72.246, 76.679, 77.929,
    78.287, 78.402,
]  # fmt: skip


def test_zheng_federgruen_1991_optimal_policies() -> None:
    """All 24 published optima (h = 1, p = 9, K = 64, Poisson demand), in one call."""
    s, big_s, c = ss_optimal_poisson(1, 9, 64, np.array(ZF_MEAN, dtype=float))
    np.testing.assert_array_equal(s, ZF_S)
    np.testing.assert_array_equal(big_s, ZF_BIG_S)
    np.testing.assert_allclose(c, ZF_COST, atol=5e-4)


def test_zheng_federgruen_1991_costs_of_published_policies() -> None:
    c = ss_cost_poisson(ZF_S, ZF_BIG_S, 1, 9, 64, ZF_MEAN)
    np.testing.assert_allclose(c, ZF_COST, atol=5e-4)


# --- (r, Q) ---------------------------------------------------------------------------


def test_snyder_shen_example_5_1() -> None:
    assert float(rq_cost_normal(126.8, 328.5, *_ex_5_1())) == pytest.approx(78.07, abs=0.005)


def test_snyder_shen_example_5_5() -> None:
    r, q = rq_eoq_ss_approximation(*_ex_5_1())
    assert float(r) == pytest.approx(190.34, abs=0.005)
    assert float(q) == pytest.approx(304.05, abs=0.005)


def test_snyder_shen_example_5_6_exact_optimum() -> None:
    r, q, g = rq_optimal_normal(*_ex_5_1())
    assert float(r) == pytest.approx(126.87, abs=0.005)
    assert float(q) == pytest.approx(328.45, abs=0.005)
    assert float(g) == pytest.approx(78.07, abs=0.005)
    # The optimality condition g(r) = g(r + Q) (Snyder & Shen eq. (5.9)) holds.
    h, p, _, lam, tau, lead = _ex_5_1()
    mu, sd = lam * lead, tau * np.sqrt(lead)
    g_r = newsvendor_normal_cost(r, h, p, mu, sd)
    g_rq = newsvendor_normal_cost(r + q, h, p, mu, sd)
    assert float(g_r) == pytest.approx(float(g_rq), rel=1e-9)
    assert float(g_r) == pytest.approx(float(g), rel=1e-9)


def test_snyder_shen_example_5_8() -> None:
    r, q, g = rq_optimal_poisson(20, 150, 100, 1.5, 2)
    assert (int(r), int(q)) == (3, 5)
    assert float(g) == pytest.approx(107.92, abs=0.005)
    assert float(rq_cost_poisson(3, 5, 20, 150, 100, 1.5, 2)) == pytest.approx(107.92, abs=0.005)


# --- safety stock ---------------------------------------------------------------------


def test_chopra_meindl_dell_lead_time_uncertainty() -> None:
    """D = 2,500/day (σ 500), L = 7 days, CSL 90 %: SS for σ_L = 0 … 7 days."""
    published = [1695, 3625, 6628, 9760, 12927, 16109, 19298, 22491]
    mean, sd = lead_time_demand(2500, 500, 7, np.arange(8.0))
    ss = safety_stock_cycle_service(0.90, sd)
    np.testing.assert_allclose(ss, published, atol=1.0)
    assert float(sd[-1]) == pytest.approx(17550, abs=1)
    assert float(reorder_point(mean[-1], ss[-1])) == pytest.approx(39991, abs=1)


# --- every docstring example runs -----------------------------------------------------


@pytest.mark.parametrize("module", ["normal", "eoq", "rq", "ss", "service_level"])
def test_docstring_examples(module: str) -> None:
    result = doctest.testmod(importlib.import_module(f"takt.policy.{module}"))
    assert result.attempted > 0
    assert result.failed == 0
