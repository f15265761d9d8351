"""The compound distribution of demand over R + L, computed by convolution.

Checked against closed forms from scipy (binomial and gamma quantiles and shortages), an
independent numerical integration over the lognormal lead time, the Monte Carlo kernel
with 200,000 samples (tolerances from its own sampling error), and properties: a higher
target never lowers the level, and a random lead time never lowers the fill-rate level
below that of its mean as a constant.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, stats

from takt.policy._ltd_compound import (
    CONVOLUTION_BUDGET,
    _order_count_distribution,
    compound_reorder_points,
    convolution_cost,
)
from takt.policy._ltd_montecarlo import _sample_demand, sample_reorder_points

SETTINGS = settings(max_examples=60, deadline=None)


def level(
    p: float,
    size: float,
    cv2: float,
    lead: float,
    lead_sd: float = 0.0,
    review: float = 0.0,
    target: float = 0.95,
    allowed: float | None = None,
    period: float = 1.0,
) -> float:
    """One item through the compiled kernel: cycle service, or fill rate if ``allowed``."""

    def one(x: float) -> Any:
        return np.array([x], dtype=np.float64)

    fill_rate = allowed is not None
    out = compound_reorder_points(
        period,
        one(p),
        one(size),
        one(cv2),
        one(review),
        one(lead),
        one(lead_sd),
        one(target),
        one(allowed if fill_rate else target),
        fill_rate,
    )
    return float(out[0])


def counts(p: float, review: float, lead: float, lead_sd: float) -> np.ndarray:
    """P(K = k) for k = 0, 1, … from the kernel's order-count mixture (periods of 1)."""
    log_sd = math.sqrt(math.log1p((lead_sd / lead) ** 2))
    first, pi = _order_count_distribution(p, review, lead, log_sd)
    return np.concatenate([np.zeros(first), pi])


# --- closed forms -------------------------------------------------------------------------


@pytest.mark.parametrize("alpha", [0.5, 0.8, 0.9, 0.95, 0.99, 0.999])
@pytest.mark.parametrize(("n", "p"), [(27, 0.2), (10, 0.5), (60, 1 / 30), (5, 1.0)])
def test_constant_sizes_and_lead_time_give_the_binomial_quantile(
    n: int, p: float, alpha: float
) -> None:
    # Lead-time demand 12·Binomial(n, p) (Silver, Pyke & Thomas ch. 7, discrete demand).
    assert level(p, 12.0, 0.0, n - 2.0, review=2.0, target=alpha) == pytest.approx(
        12.0 * stats.binom.ppf(alpha, n, p), abs=1e-9
    )


@pytest.mark.parametrize("alpha", [0.5, 0.9, 0.95, 0.99, 0.9999])
@pytest.mark.parametrize(("n", "cv2"), [(1, 0.5), (17, 0.2), (17, 2.5), (400, 0.05)])
def test_an_order_every_period_gives_the_gamma_quantile(n: int, cv2: float, alpha: float) -> None:
    # p = 1: n gamma sizes of mean 8 make one Gamma(n/CV², 8·CV²).
    exact = stats.gamma.ppf(alpha, n / cv2, scale=8.0 * cv2)
    assert level(1.0, 8.0, cv2, float(n), target=alpha) == pytest.approx(exact, rel=1e-9)


def _gamma_shortage(r: float, shape: float, scale: float) -> float:
    """E[(G − r)⁺] = κθ·P(G' > r) − r·P(G > r), G' of shape κ + 1 (Johnson et al. 1994)."""
    return float(
        shape * scale * stats.gamma.sf(r, shape + 1.0, scale=scale)
        - r * stats.gamma.sf(r, shape, scale=scale)
    )


@pytest.mark.parametrize("share", [0.001, 0.01, 0.05, 0.2])
@pytest.mark.parametrize(("n", "cv2"), [(1, 1.5), (12, 0.3), (90, 0.02)])
def test_fill_rate_level_has_the_gamma_shortage(n: int, cv2: float, share: float) -> None:
    shape, scale = n / cv2, 5.0 * cv2
    allowed = share * 5.0 * n
    exact = optimize.brentq(
        lambda r: _gamma_shortage(r, shape, scale) - allowed, 0.0, 50.0 * 5.0 * n, xtol=1e-12
    )
    got = level(1.0, 5.0, cv2, float(n), allowed=allowed)
    assert got == pytest.approx(exact, rel=1e-9)


@pytest.mark.parametrize("share", [0.002, 0.03, 0.3, 2.0])
def test_fill_rate_level_of_discrete_demand_has_the_exact_shortage(share: float) -> None:
    # 12·K with K ~ Binomial(27, 0.2): the shortage is piecewise linear between 12k.
    k = np.arange(28)
    pmf = stats.binom.pmf(k, 27, 0.2)
    allowed = share * 12.0
    got = level(0.2, 12.0, 0.0, 20.0, review=7.0, allowed=allowed)
    shortage = float(np.sum(pmf * np.maximum(12.0 * k - got, 0.0)))
    if got > 0:
        assert shortage == pytest.approx(allowed, rel=1e-9)
    else:
        assert allowed >= 12.0 * 27 * 0.2


@pytest.mark.parametrize("alpha", [0.3, 0.6, 0.9, 0.99, 0.9999])
@pytest.mark.parametrize(("n", "p", "cv2"), [(21, 0.25, 0.5), (30, 0.05, 3.0), (40, 0.6, 0.02)])
def test_binomial_count_of_gamma_sizes_gives_the_exact_mixture_levels(
    n: int, p: float, cv2: float, alpha: float
) -> None:
    # F(x) = Σ_k b(k; n, p)·P(k/CV², x/(10·CV²)), and its shortage, straight from scipy.
    k = np.arange(n + 1)
    weights = stats.binom.pmf(k, n, p)
    shape, scale = np.maximum(k, 1) / cv2, 10.0 * cv2

    def below(x: float) -> float:
        return float(weights[0] + np.sum(weights[1:] * stats.gamma.cdf(x, shape, scale=scale)[1:]))

    def shortage(r: float) -> float:
        each = shape * scale * stats.gamma.sf(r, shape + 1, scale=scale)
        each -= r * stats.gamma.sf(r, shape, scale=scale)
        return float(np.sum(weights[1:] * each[1:]))

    top = 10.0 * n * 20.0
    if below(0.0) < alpha:
        exact = optimize.brentq(lambda x: below(x) - alpha, 0.0, top, xtol=1e-13, rtol=1e-14)
        assert level(p, 10.0, cv2, float(n), target=alpha) == pytest.approx(exact, rel=1e-9)
    allowed = (1.0 - alpha) * 10.0 * n * p
    exact = optimize.brentq(lambda r: shortage(r) - allowed, 0.0, top, xtol=1e-13, rtol=1e-14)
    assert level(p, 10.0, cv2, float(n), allowed=allowed) == pytest.approx(exact, rel=1e-9)


def test_fraction_of_a_period_adds_an_order_with_probability_p_times_the_fraction() -> None:
    # T = 10.4 periods: K = Binomial(10, p) + Bernoulli(0.4·p), mean p·T exactly.
    k = np.arange(12)
    expected = 0.6 * stats.binom.pmf(k, 10, 0.3) + 0.4 * stats.binom.pmf(k, 11, 0.3)
    got = counts(0.3, 3.0, 7.4, 0.0)
    np.testing.assert_allclose(got[:12], expected, atol=1e-15)
    assert float(np.sum(np.arange(len(got)) * got)) == pytest.approx(0.3 * 10.4, rel=1e-12)


def test_poisson_limit_of_rare_orders() -> None:
    # p = 3/3000 over 3,000 periods: Binomial(3000, 0.001) ≈ Poisson(3) (Feller vol. 1,
    # ch. VI.5), in total variation within n·p² (Le Cam 1960); the quantiles agree.
    pi = counts(0.001, 0.0, 3000.0, 0.0)
    k = np.arange(len(pi))
    assert np.abs(pi - stats.poisson.pmf(k, 3.0)).sum() <= 2 * 3000 * 0.001**2
    for alpha in (0.5, 0.9, 0.95, 0.99):
        assert level(0.001, 1.0, 0.0, 3000.0, target=alpha) == stats.poisson.ppf(alpha, 3.0)


@pytest.mark.parametrize(
    ("p", "review", "lead", "lead_sd"),
    [(0.2, 7.0, 14.0, 3.0), (1.0, 1.0, 10.0, 4.0), (0.05, 7.0, 30.0, 12.0), (0.5, 0.0, 2.0, 1.5)],
)
def test_order_counts_match_numerical_integration_over_the_lead_time(
    p: float, review: float, lead: float, lead_sd: float
) -> None:
    # P(K = k) = ∫ P(K = k | T) dF_L, P(K = k | T) linear in T between whole periods:
    # Gauss–Legendre in log lead time on every piece, independent of the closed form.
    log_var = math.log1p((lead_sd / lead) ** 2)
    log_mean, log_sd = math.log(lead) - 0.5 * log_var, math.sqrt(log_var)
    lo, hi = log_mean - 8.5 * log_sd, log_mean + 8.5 * log_sd
    cuts = [math.log(n - review) for n in range(1, int(review + math.exp(hi)) + 1) if n > review]
    edges = np.unique(np.clip([lo, *cuts, hi], lo, hi))
    # Pieces of at most a quarter of the log sd, 12 Gauss–Legendre nodes each.
    pieces = [
        np.linspace(a, b, 2 + int((b - a) / (0.25 * log_sd))) for a, b in itertools.pairwise(edges)
    ]
    edges = np.unique(np.concatenate(pieces))
    x, w = np.polynomial.legendre.leggauss(12)
    a, b = edges[:-1, None], edges[1:, None]
    u = (0.5 * (a + b) + 0.5 * (b - a) * x).ravel()
    weights = ((0.5 * (b - a) * w).ravel()) * stats.norm.pdf(u, log_mean, log_sd)
    periods = review + np.exp(u)
    whole = np.floor(periods)
    part = periods - whole
    k = np.arange(int(review + math.exp(hi)) + 3)[:, None]
    expected = np.zeros(len(k))
    for chunk in range(0, len(u), 1000):
        at = slice(chunk, chunk + 1000)
        pmf = (1 - part[at]) * stats.binom.pmf(k, whole[at], p)
        pmf += part[at] * stats.binom.pmf(k, whole[at] + 1, p)
        expected += pmf @ weights[at]
    got = counts(p, review, lead, lead_sd)
    size = min(len(got), len(expected))
    np.testing.assert_allclose(got[:size], expected[:size] / expected.sum(), atol=1e-11)
    mean = float(np.sum(np.arange(len(got)) * got))
    assert mean == pytest.approx(p * (review + lead), rel=1e-9)


def test_zero_levels_where_no_order_is_likely_enough() -> None:
    # P(K = 0) = 0.9^3 = 0.729 ≥ α: nothing needs stocking; a shortage allowance above
    # the mean demand needs no stock either.
    assert level(0.1, 5.0, 0.5, 3.0, target=0.7) == 0.0
    assert level(0.1, 5.0, 0.0, 3.0, target=0.7) == 0.0
    assert level(0.1, 5.0, 0.5, 3.0, allowed=1.6) == 0.0
    assert level(0.5, 5.0, 0.5, 0.0, target=0.99) == 0.0  # no time, no demand


# --- against the Monte Carlo kernel ------------------------------------------------------

MC_SAMPLES = 200_000
# p, size, CV², R, L, sd(L), α (or β): intermittent, lumpy, constant size, constant and
# random lead time, a fractional period, a 7-day demand period.
CASES = [
    (0.25, 10.0, 0.5, 7.0, 14.0, 0.0, 0.95, 1.0),
    (0.1, 5.0, 1.5, 7.0, 30.0, 6.0, 0.98, 1.0),
    (0.5, 3.0, 0.2, 1.0, 5.5, 1.0, 0.90, 1.0),
    (0.05, 20.0, 2.0, 7.0, 10.0, 3.0, 0.99, 1.0),
    (0.2, 12.0, 0.0, 7.0, 20.0, 4.0, 0.95, 1.0),
    (1.0, 0.3, 0.05, 7.0, 10.0, 2.0, 0.95, 1.0),
    (0.3, 20.0, 0.3, 7.0, 21.0, 4.0, 0.95, 7.0),
]


def _mc_samples(case: tuple[float, ...], seed: int) -> np.ndarray:
    p, size, cv2, review, lead, lead_sd, _, period = case
    np.random.seed(seed)
    x = np.empty(MC_SAMPLES)
    _sample_demand(x, period, p, size, cv2, review, lead, lead_sd)
    return np.sort(x)


@pytest.mark.parametrize("case", CASES)
def test_cycle_quantile_agrees_with_monte_carlo(case: tuple[float, ...]) -> None:
    p, size, cv2, review, lead, lead_sd, alpha, period = case
    sampled = sample_reorder_points(
        np.array([11], dtype=np.uint32),
        period,
        *(np.array([v]) for v in (p, size, cv2, review, lead, lead_sd, alpha, alpha)),
        False,
        MC_SAMPLES,
    )[0]
    # The count of samples at or below a level is binomial, so the sample α-quantile
    # lies between the exact quantiles at α ± 5 standard errors √(α(1 − α)/n).
    half = 5.0 * math.sqrt(alpha * (1.0 - alpha) / MC_SAMPLES)
    kwargs = dict(review=review, period=period)
    low = level(p, size, cv2, lead, lead_sd, target=alpha - half, **kwargs)
    high = level(p, size, cv2, lead, lead_sd, target=alpha + half, **kwargs)
    assert low - 1e-9 <= sampled <= high + 1e-9
    exact = level(p, size, cv2, lead, lead_sd, target=alpha, **kwargs)
    assert low <= exact <= high


@pytest.mark.parametrize("case", CASES)
def test_fill_rate_level_agrees_with_monte_carlo(case: tuple[float, ...]) -> None:
    p, size, cv2, review, lead, lead_sd, beta, period = case
    allowed = (1.0 - beta) * size * 3.0
    x = _mc_samples(case, seed=5)
    seeds = np.array([5], dtype=np.uint32)
    sampled = sample_reorder_points(
        seeds,
        period,
        *(np.array([v]) for v in (p, size, cv2, review, lead, lead_sd, beta, allowed)),
        True,
        MC_SAMPLES,
    )[0]
    # The sample shortage at the level has the standard error sd((X − r)⁺)/√n: the
    # sampled level lies between the exact levels at the allowance ± 5 of them.
    excess = np.maximum(x - sampled, 0.0)
    half = 5.0 * float(excess.std()) / math.sqrt(MC_SAMPLES)
    kwargs = dict(review=review, period=period)
    low = level(p, size, cv2, lead, lead_sd, allowed=allowed + half, **kwargs)
    high = level(p, size, cv2, lead, lead_sd, allowed=max(allowed - half, 1e-12), **kwargs)
    assert low - 1e-9 <= sampled <= high + 1e-9


def test_monte_carlo_sample_mean_is_the_exact_mean_over_a_fractional_interval() -> None:
    # Both models bring the fraction of a last period as a full order with probability
    # p·f, so the mean over P is μ·P: 0.25·10·(7 + 14.5) = 53.75 on average.
    x = _mc_samples((0.25, 10.0, 0.5, 7.0, 14.5, 0.0, 0.95, 1.0), seed=3)
    assert float(x.mean()) == pytest.approx(53.75, abs=5.0 * float(x.std()) / math.sqrt(x.size))


# --- properties ------------------------------------------------------------------------

probability = st.floats(0.02, 1.0)
sizes = st.floats(0.1, 100.0)
cv2s = st.one_of(st.just(0.0), st.floats(0.01, 4.0))
reviews = st.sampled_from([0.0, 1.0, 7.0])
leads = st.floats(0.5, 60.0)
lead_cvs = st.floats(0.0, 0.6)
targets = st.floats(0.5, 0.999)
shares = st.floats(1e-3, 2.0)


@SETTINGS
@given(probability, sizes, cv2s, reviews, leads, lead_cvs, targets, targets)
def test_higher_cycle_service_never_lowers_the_level(
    p: float, size: float, cv2: float, review: float, lead: float, cv: float, a: float, b: float
) -> None:
    low, high = sorted((a, b))
    at_low = level(p, size, cv2, lead, cv * lead, review, target=low)
    at_high = level(p, size, cv2, lead, cv * lead, review, target=high)
    assert at_high >= at_low - 1e-9 * (1.0 + at_low)


@SETTINGS
@given(probability, sizes, cv2s, reviews, leads, lead_cvs, shares, shares)
def test_smaller_shortage_allowance_never_lowers_the_level(
    p: float, size: float, cv2: float, review: float, lead: float, cv: float, a: float, b: float
) -> None:
    small, large = sorted((a * size, b * size))
    at_small = level(p, size, cv2, lead, cv * lead, review, allowed=small)
    at_large = level(p, size, cv2, lead, cv * lead, review, allowed=large)
    assert at_small >= at_large - 1e-9 * (1.0 + at_large)


@SETTINGS
@given(probability, sizes, cv2s, reviews, leads, st.floats(0.01, 0.6), shares)
def test_random_lead_time_never_lowers_the_fill_rate_level(
    p: float, size: float, cv2: float, review: float, lead: float, cv: float, share: float
) -> None:
    # Demand over a random interval is larger in convex order than over its mean as a
    # constant (the mean demand over t is linear and its convex functionals are convex in
    # t, then Jensen), so its expected shortage is higher at every level and the level
    # for a given allowance is too. The quantile for a cycle service level is not bound
    # so: a random lead time can lower a low quantile of a skewed demand.
    allowed = share * size
    constant = level(p, size, cv2, lead, 0.0, review, allowed=allowed)
    random = level(p, size, cv2, lead, cv * lead, review, allowed=allowed)
    assert random >= constant - 1e-9 * (1.0 + constant)


def test_wide_order_count_ranges_cost_more_than_the_budget() -> None:
    cost = convolution_cost(
        1.0,
        np.array([0.1, 0.5, 1.0, 0.5]),
        np.array([7.0, 7.0, 7.0, 7.0]),
        np.array([30.0, 120.0, 120.0, 365.0]),
        np.array([6.0, 60.0, 24.0, 365.0]),
    )
    assert cost[0] < CONVOLUTION_BUDGET / 10  # the usual intermittent item
    assert cost[2] < CONVOLUTION_BUDGET  # an order every day over 4 months ± 20 %
    assert cost[1] > CONVOLUTION_BUDGET and cost[3] > CONVOLUTION_BUDGET
