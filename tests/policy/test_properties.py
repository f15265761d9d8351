"""Properties every policy formula must keep, for any realistic parameters."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from takt.policy.formulas import (
    economic_order_quantity,
    inverse_standard_normal_loss,
    kanban_count,
    lead_time_demand,
    newsvendor_normal,
    round_order_quantity,
    rq_cost_normal,
    rq_optimal_normal,
    rq_optimal_poisson,
    safety_stock_cycle_service,
    safety_stock_fill_rate,
    ss_optimal_poisson,
    standard_normal_loss,
)

service = st.floats(0.5, 0.9999)
fill = st.floats(0.5, 0.9999)
positive = st.floats(0.01, 1e4)
nonneg = st.floats(0.0, 1e4)
sd = st.floats(0.0, 1e3)

SETTINGS = settings(max_examples=60, deadline=None)


@SETTINGS
@given(service, service, sd)
def test_higher_cycle_service_never_lowers_safety_stock(a: float, b: float, sigma: float) -> None:
    low, high = sorted((a, b))
    assert safety_stock_cycle_service(high, sigma) >= safety_stock_cycle_service(low, sigma)


@SETTINGS
@given(fill, fill, positive, sd)
def test_higher_fill_rate_never_lowers_safety_stock(
    a: float, b: float, q: float, sigma: float
) -> None:
    low, high = sorted((a, b))
    ss_low = safety_stock_fill_rate(low, q, sigma, allow_negative=True)
    ss_high = safety_stock_fill_rate(high, q, sigma, allow_negative=True)
    assert ss_high >= ss_low - 1e-9 * (1.0 + abs(float(ss_low)))


@SETTINGS
@given(service, fill, positive, nonneg, st.floats(0.0, 60.0), st.floats(0.0, 30.0))
def test_zero_uncertainty_gives_zero_safety_stock(
    alpha: float, beta: float, q: float, mu_d: float, mu_l: float, review: float
) -> None:
    _, sigma = lead_time_demand(mu_d, 0.0, mu_l, 0.0, review)
    assert float(sigma) == 0.0
    assert float(safety_stock_cycle_service(alpha, sigma)) == 0.0
    assert float(safety_stock_fill_rate(beta, q, sigma)) == 0.0


@SETTINGS
@given(service, nonneg, st.floats(0.0, 500.0), st.floats(0.0, 60.0), st.floats(0.01, 30.0))
def test_random_lead_time_never_needs_less_safety_stock(
    alpha: float, mu_d: float, sd_d: float, mu_l: float, sd_l: float
) -> None:
    constant = safety_stock_cycle_service(alpha, lead_time_demand(mu_d, sd_d, mu_l).sd)
    random = safety_stock_cycle_service(alpha, lead_time_demand(mu_d, sd_d, mu_l, sd_l).sd)
    assert random >= constant


@SETTINGS
@given(
    st.floats(1e-6, 1e6),
    st.floats(0.0, 1e5),
    st.sampled_from([1.0, 6.0, 12.0, 25.0, 0.1, 0.25, 48.0, 1000.0, 2.5]),
)
def test_rounded_quantities_cover_raw_moq_and_packs(q: float, moq: float, pack: float) -> None:
    rounded = float(round_order_quantity(q, moq, pack))
    assert rounded >= q
    assert rounded >= moq
    packs = rounded / pack
    assert packs == pytest.approx(round(packs), abs=1e-6)
    # Smallest such quantity: one pack fewer would miss the quantity or the MOQ.
    assert rounded - pack < max(q, moq) * (1 + 1e-9) + 1e-12


@SETTINGS
@given(nonneg, st.floats(0.0, 30.0), st.floats(0.1, 500.0), st.floats(0.0, 0.5))
def test_kanban_count_covers_demand_over_replenishment(
    d: float, lead: float, c: float, alpha: float
) -> None:
    n = int(kanban_count(d, lead, c, alpha))
    need = d * lead * (1 + alpha)
    assert n * c >= need * (1 - 1e-9)
    # The fewest cards that cover it, and at least one card wherever there is demand.
    assert n == (1 if d > 0 and lead > 0 else 0) or (n - 1) * c < need


@SETTINGS
@given(st.floats(1e-8, 1e3))
def test_inverse_loss_inverts(x: float) -> None:
    k = inverse_standard_normal_loss(x)
    assert float(standard_normal_loss(k)) == pytest.approx(x, rel=1e-9)


@SETTINGS
@given(
    st.floats(0.05, 5.0),
    st.floats(0.5, 50.0),
    st.one_of(st.just(0.0), st.floats(0.01, 500.0)),
    st.floats(1.0, 5000.0),
)
def test_exact_rq_is_no_worse_than_the_eoq_ss_approximation(
    h: float, p: float, k: float, lam: float
) -> None:
    tau, lead = 0.5 * math.sqrt(lam), 0.05
    r, q, g = rq_optimal_normal(h, p, k, lam, tau, lead)
    if k > 0:
        assert float(rq_cost_normal(r, q, h, p, k, lam, tau, lead)) == pytest.approx(float(g))
        eoq = economic_order_quantity(k, h, lam)
        for dr, dq in [(1.0, 0.0), (-1.0, 0.0), (0.0, 1.0), (0.0, -1.0)]:
            near = rq_cost_normal(r + dr, max(float(q + dq), 1e-6), h, p, k, lam, tau, lead)
            assert float(near) >= float(g) - 1e-9 * float(g)
        if float(eoq) > 0:
            r_ss = newsvendor_normal(h, p, lam * lead, tau * math.sqrt(lead))
            approx = rq_cost_normal(r_ss.base_stock_level, eoq, h, p, k, lam, tau, lead)
            assert float(approx) >= float(g) - 1e-9 * float(g)


def _items(n: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    lam = rng.uniform(1, 5000, n)
    return {
        "h": rng.uniform(0.05, 5, n),
        "p": rng.uniform(0.5, 100, n),
        "k": rng.uniform(0, 500, n),
        "lam": lam,
        "tau": rng.uniform(0, 3, n) * np.sqrt(lam),
        "lead": rng.uniform(0.005, 0.5, n),
        "alpha": rng.uniform(0.5, 0.999, n),
        "beta": rng.uniform(0.5, 0.999, n),
        "moq": rng.choice([0.0, 10.0, 100.0], n),
        "pack": rng.choice([1.0, 6.0, 12.0, 0.5], n),
        "poisson_mean": rng.uniform(0.0, 30.0, n),
    }


def test_vectorised_results_equal_elementwise_scalar_results() -> None:
    d = _items(40, seed=7)
    args = (d["h"], d["p"], d["k"], d["lam"], d["tau"], d["lead"])
    whole = rq_optimal_normal(*args)
    whole_poisson = rq_optimal_poisson(d["h"], d["p"], d["k"], d["poisson_mean"], d["lead"])
    whole_ss = ss_optimal_poisson(d["h"], d["p"], d["k"] / 10, d["poisson_mean"])
    mean, sigma = lead_time_demand(d["lam"], d["tau"], d["lead"], 0.1 * d["lead"])
    ss_fill = safety_stock_fill_rate(d["beta"], d["lam"] * 0.1, sigma)
    eoq = economic_order_quantity(d["k"], d["h"], d["lam"])
    rounded = round_order_quantity(eoq, d["moq"], d["pack"])
    for i in range(40):
        one = rq_optimal_normal(*(a[i] for a in args))
        np.testing.assert_allclose([x[i] for x in whole], [float(x) for x in one], rtol=1e-9)
        one_p = rq_optimal_poisson(
            d["h"][i], d["p"][i], d["k"][i], d["poisson_mean"][i], d["lead"][i]
        )
        assert [x[i] for x in whole_poisson] == [x.item() for x in one_p]
        one_ss = ss_optimal_poisson(d["h"][i], d["p"][i], d["k"][i] / 10, d["poisson_mean"][i])
        assert [x[i] for x in whole_ss] == [x.item() for x in one_ss]
        m_i, s_i = lead_time_demand(d["lam"][i], d["tau"][i], d["lead"][i], 0.1 * d["lead"][i])
        assert (float(m_i), float(s_i)) == (mean[i], sigma[i])
        assert float(safety_stock_fill_rate(d["beta"][i], d["lam"][i] * 0.1, s_i)) == pytest.approx(
            ss_fill[i], rel=1e-12, abs=1e-12
        )
        q_i = economic_order_quantity(d["k"][i], d["h"][i], d["lam"][i])
        assert float(round_order_quantity(q_i, d["moq"][i], d["pack"][i])) == rounded[i]


def test_scalars_broadcast_against_item_arrays_and_keep_shape() -> None:
    grid = safety_stock_cycle_service(np.array([[0.9], [0.95], [0.99]]), np.array([1.0, 10.0]))
    assert grid.shape == (3, 2)
    r, q, g = rq_optimal_normal(0.225, 7.5, 8, np.array([[1300.0, 1300.0]]), 150, 1 / 12)
    assert r.shape == q.shape == g.shape == (1, 2)
    assert float(economic_order_quantity(8, 0.225, 1300).ndim) == 0
