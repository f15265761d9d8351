"""Forecast (level) uncertainty: demand over R + L as M·D₀, M ~ Gamma(1/φ, φ).

Checked against an independent direct integration over M of the plug-in distribution
(scipy's adaptive quadrature in log M over :func:`compound_distribution_at`), a NumPy
Monte Carlo of M·D₀ with tolerances from its sampling error, the textbook normal
variance σ₀² + φ·(μ·P)² (Silver, Pyke & Thomas ch. 6) and, for the estimator, synthetic
data with a known φ. φ = 0 must leave every output exactly as without the column.
"""

from __future__ import annotations

import doctest
import math
import warnings
from statistics import NormalDist
from typing import Any

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from scipy import integrate, optimize, stats
from scipy.special import roots_genlaguerre

import takt.policy._ltd_uncertain as uncertain_module
from takt.errors import InvalidInputError
from takt.policy._ltd_compound import compound_distribution_at
from takt.policy._ltd_uncertain import (
    _gamma_rule,
    _laguerre_rule,
    uncertain_distribution_at,
    uncertain_reorder_points,
)
from takt.policy.parameters import (
    ParameterConfig,
    compute_parameters,
    estimate_forecast_bias,
    estimate_rate_uncertainty,
    rate_estimate,
)
from takt.policy.service_level import safety_stock_fill_rate

# (period_days, p, size_mean, size_cv2, review_days, lead_mean_days, lead_sd_days)
CASES = {
    "gamma sizes": (1.0, 0.3, 2.0, 0.5, 1.0, 2.0, 0.0),
    "constant sizes": (1.0, 0.3, 2.0, 0.0, 1.0, 2.0, 0.0),
    "near-constant sizes, every period": (1.0, 1.0, 5.0, 0.01, 1.0, 30.0, 0.0),
    "many orders, random lead time": (1.0, 0.9, 5.0, 0.05, 1.0, 10.0, 2.0),
    "lumpy weekly, random lead time": (7.0, 0.1, 3.0, 2.0, 7.0, 30.0, 10.0),
    "very lumpy": (1.0, 0.1, 3.0, 4.0, 1.0, 3.0, 0.0),
}
PHIS = (0.01, 0.3, 1.0, 3.0)


def mean_over_interval(case: tuple[float, ...]) -> float:
    period, p, size, _, review, lead, _ = case
    return p * size * (review + lead) / period


def direct(level: float, case: tuple[float, ...], phi: float) -> tuple[float, float]:
    """F(x) and E[(D − x)⁺] of M·D₀ by adaptive quadrature over log M (independent)."""
    rate = stats.gamma(1.0 / phi, scale=phi)
    low, high = np.log(rate.ppf(1e-16)), np.log(rate.isf(1e-16))

    def weight(t: float) -> float:
        return float(np.exp(rate.logpdf(np.exp(t)) + t))

    def cdf(t: float) -> float:
        return compound_distribution_at(level * np.exp(-t), *case)[0] * weight(t)

    def shortage(t: float) -> float:
        m = np.exp(t)
        return m * compound_distribution_at(level / m, *case)[1] * weight(t)

    options: dict[str, Any] = {"limit": 4000, "epsabs": 1e-14, "epsrel": 1e-12}
    if case[3] == 0.0:  # constant sizes: F₀(x/M) jumps where M = x/(k·size)
        assert case[6] == 0.0  # at most ⌈(R + L)/g⌉ orders with a constant lead time
        most = math.ceil((case[4] + case[5]) / case[0])
        jumps = np.log(level / (case[2] * np.arange(1, most + 1)))
        options["points"] = jumps[(jumps > low) & (jumps < high)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", integrate.IntegrationWarning)
        f = integrate.quad(cdf, low, high, **options)[0]
        e = integrate.quad(shortage, low, high, **options)[0]
    return f, e


def kernel_level(
    case: tuple[float, ...], phi: float, target: float, allowed: float | None
) -> float:
    def one(x: float) -> Any:
        return np.array([x], dtype=np.float64)

    period, p, size, cv2, review, lead, lead_sd = case
    fill_rate = allowed is not None
    out = uncertain_reorder_points(
        period,
        one(p),
        one(size),
        one(cv2),
        one(review),
        one(lead),
        one(lead_sd),
        one(target),
        one(allowed if allowed is not None else target),
        fill_rate,
        one(phi),
    )
    return float(out[0])


def item(**overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "item": "P1",
        "strategy": "buffer",
        "logic": "rop",
        "pattern": "lumpy",
        "abc": "B",
        "criticality": "normal",
        "demand_mean": 2.0,
        "demand_sd": 4.0,
        "adi": 3.0,
        "cv2": 0.8,
        "lead_time_mean_days": 10.0,
        "lead_time_sd_days": 0.0,
        "moq": 0.0,
        "pack_multiple": 1.0,
        "unit_cost": 4.0,
    }
    row.update(overrides)
    return row


def run(rows: list[dict[str, Any]], config: ParameterConfig) -> pl.DataFrame:
    return compute_parameters(pl.DataFrame(rows), config, seed=7)


# --- φ = 0 is today's policy ----------------------------------------------------------------


def mixed_items(n: int, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    return pl.DataFrame(
        {
            "item": [f"I{i}" for i in range(n)],
            "strategy": rng.choice(["jit", "hybrid", "buffer"], n),
            "logic": rng.choice(["kanban", "rop", "min_max", "order_up_to"], n),
            "pattern": rng.choice(["smooth", "erratic", "intermittent", "lumpy", "new"], n),
            "abc": rng.choice(["A", "B", "C"], n),
            "criticality": rng.choice(["line_stopper", "important", "normal"], n),
            "demand_mean": rng.gamma(0.5, 4.0, n),
            "demand_sd": rng.gamma(1.0, 3.0, n),
            "lead_time_mean_days": rng.uniform(1.0, 60.0, n),
            "lead_time_sd_days": rng.choice([0.0, 1.0, 5.0], n),
            "moq": 1.0,
            "pack_multiple": 1.0,
            "unit_cost": rng.uniform(0.5, 50.0, n),
            "adi": rng.uniform(1.0, 20.0, n),
            "cv2": rng.choice([0.0, 0.2, 1.0, 2.5], n),
        }
    )


@pytest.mark.parametrize("measure", ["cycle", "fill_rate"])
@pytest.mark.parametrize("method", ["compound", "montecarlo"])
def test_zero_or_missing_rate_uncertainty_gives_exactly_todays_levels(
    measure: str, method: str
) -> None:
    items = mixed_items(300, seed=11)
    config = ParameterConfig(
        service_measure=measure,  # type: ignore[arg-type]
        ltd_method=method,  # type: ignore[arg-type]
        montecarlo_samples=300,
        demand_period_days=7.0,
    )
    today = compute_parameters(items, config, seed=3)
    zeros = compute_parameters(items.with_columns(demand_rate_cv2=0.0), config, seed=3)
    nulls = compute_parameters(
        items.with_columns(demand_rate_cv2=pl.lit(None, dtype=pl.Float64)), config, seed=3
    )
    assert_frame_equal(zeros, today, check_exact=True)
    assert_frame_equal(nulls, today, check_exact=True)


# --- the mixture against direct integration and Monte Carlo ----------------------------------


@pytest.mark.parametrize("phi", PHIS)
@pytest.mark.parametrize("name", list(CASES))
def test_mixture_matches_direct_integration_over_the_rate(name: str, phi: float) -> None:
    case = CASES[name]
    mean = mean_over_interval(case)
    for level in (0.1 * mean, mean, 2.0 * mean, 4.0 * mean):
        cdf, shortage = uncertain_distribution_at(level, *case, phi)
        cdf_direct, shortage_direct = direct(level, case, phi)
        assert cdf == pytest.approx(cdf_direct, abs=1e-7)
        # Shortages below 1e-8 of the mean are beyond what the direct integral resolves.
        assert shortage == pytest.approx(shortage_direct, rel=2e-6, abs=1e-8 * mean)


@pytest.mark.parametrize(
    ("name", "phi"),
    [
        ("gamma sizes", 0.3),
        ("constant sizes", 0.3),
        ("constant sizes", 3.0),
        ("very lumpy", 1.0),
        ("many orders, random lead time", 0.05),
    ],
)
@pytest.mark.parametrize("service", ["cycle 0.9", "cycle 0.99", "fill 0.9", "fill 0.98"])
def test_levels_solve_the_directly_integrated_distribution(
    name: str, phi: float, service: str
) -> None:
    case = CASES[name]
    mean = mean_over_interval(case)
    kind, value = service.split()
    target = float(value)
    if kind == "cycle":
        level = kernel_level(case, phi, target, None)

        def gap(x: float) -> float:
            return direct(x, case, phi)[0] - target
    else:
        allowed = (1.0 - target) * case[1] * case[2] * case[4] / case[0]
        level = kernel_level(case, phi, target, allowed)

        def gap(x: float) -> float:
            return direct(x, case, phi)[1] - allowed

    expected = optimize.brentq(gap, 1e-6 * mean, 1e3 * mean, xtol=1e-9 * mean)
    assert level == pytest.approx(expected, rel=1e-5)


def sample_product(case: tuple[float, ...], phi: float, n: int, seed: int) -> np.ndarray:
    """M·D₀ drawn with NumPy: whole periods (constant lead time), binomial counts."""
    period, p, size, cv2, review, lead, lead_sd = case
    assert lead_sd == 0.0 and ((review + lead) / period).is_integer()
    rng = np.random.default_rng(seed)
    orders = rng.binomial(int((review + lead) / period), p, n)
    if cv2 == 0.0:
        demand = orders * size
    else:
        shape = np.where(orders > 0, orders / cv2, 1.0)
        demand = np.where(orders > 0, rng.gamma(shape, size * cv2), 0.0)
    return np.asarray(demand * rng.gamma(1.0 / phi, phi, n))


@pytest.mark.parametrize("name", ["gamma sizes", "constant sizes", "very lumpy"])
@pytest.mark.parametrize("phi", [0.2, 1.0])
def test_levels_agree_with_monte_carlo_of_the_product(name: str, phi: float) -> None:
    case = CASES[name]
    n = 400_000
    demand = sample_product(case, phi, n, seed=5)
    target = 0.95
    level = kernel_level(case, phi, target, None)
    below = float(np.mean(demand <= level))
    assert abs(below - target) <= 4.0 * math.sqrt(target * (1 - target) / n)
    allowed = 0.05 * case[1] * case[2] * case[4] / case[0]
    level = kernel_level(case, phi, 0.95, allowed)
    short = np.maximum(demand - level, 0.0)
    assert abs(short.mean() - allowed) <= 4.0 * short.std() / math.sqrt(n)


def test_no_level_where_no_order_is_likely_enough() -> None:
    # P(D = 0) = 0.9² ≥ 0.8: M cannot move the atom at zero.
    case = (1.0, 0.1, 3.0, 0.5, 1.0, 1.0, 0.0)
    assert kernel_level(case, 0.5, 0.8, None) == 0.0
    assert kernel_level(case, 0.5, 0.9, None) > 0.0


# --- rules -----------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [8.0, 20.0, 100.0])
def test_laguerre_rule_is_scipys_generalised_laguerre_rule(shape: float) -> None:
    nodes, weights = _laguerre_rule(shape, 32)
    expected_nodes, expected_weights = roots_genlaguerre(32, shape - 1.0)
    np.testing.assert_allclose(nodes, expected_nodes, rtol=1e-12)
    np.testing.assert_allclose(weights, expected_weights / expected_weights.sum(), atol=1e-14)


@pytest.mark.parametrize(
    ("shape", "rel"),
    # Shapes below 0.1 (a rate CV above 300 %) carry mass below the lowest node e^-200.
    [
        (0.01, 1e-6),
        (0.05, 1e-8),
        *((shape, 1e-10) for shape in (0.2, 1.0, 3.0, 7.9, 8.0, 1e4, 1e7)),
    ],
)
def test_gamma_rules_reproduce_the_moments(shape: float, rel: float) -> None:
    nodes, weights = _gamma_rule(shape)
    assert weights.sum() == pytest.approx(1.0, abs=1e-14)
    assert (weights * nodes).sum() == pytest.approx(shape, rel=rel)
    assert (weights * nodes**2).sum() == pytest.approx(shape * (shape + 1.0), rel=rel)


# --- in the policy engine --------------------------------------------------------------------


@pytest.mark.parametrize("measure", ["cycle", "fill_rate"])
@pytest.mark.parametrize(
    ("overrides", "method"),
    [
        ({}, "compound"),
        ({"cv2": 0.0}, "compound"),
        ({}, "montecarlo"),
        ({"pattern": "smooth", "adi": 1.0, "cv2": 0.05, "demand_mean": 20.0}, "normal"),
    ],
)
def test_levels_increase_with_rate_uncertainty(
    measure: str, overrides: dict[str, Any], method: str
) -> None:
    config = ParameterConfig(
        service_measure=measure,  # type: ignore[arg-type]
        ltd_method="montecarlo" if method == "montecarlo" else "compound",
        montecarlo_samples=20_000,
    )
    phis = [0.0, 0.003, 0.01, 0.1, 0.3, 1.0, 3.0] if method == "normal" else [0, 0.2, 1, 3]
    # Order-up-to: the cycle quantity μ·R keeps fill-rate levels above the mean.
    rows = [
        item(item=f"P{i}", logic="order_up_to", demand_rate_cv2=phi, **overrides)
        for i, phi in enumerate(phis)
    ]
    out = run(rows, config)
    if method == "normal":
        assert out["method"][1] == "normal"
    else:
        assert set(out["method"]) == {method}
    levels = out["reorder_point"].to_numpy()
    assert np.all(np.diff(levels) > 0)
    notes = out["note"].to_list()
    assert "forecast rate uncertain" not in notes[0]
    assert all("forecast rate uncertain" in note for note in notes[1:])


@pytest.mark.parametrize("measure", ["cycle", "fill_rate"])
def test_normal_method_adds_the_forecast_error_variance(measure: str) -> None:
    # Smooth item, P = R + L = 7 + 10 days: σ² = 5²·17 + φ·(20·17)².
    phi = 0.01
    row = item(pattern="smooth", demand_mean=20.0, demand_sd=5.0, adi=1.0, cv2=0.06)
    config = ParameterConfig(service_measure=measure)  # type: ignore[arg-type]
    out = run([{**row, "demand_rate_cv2": phi}], config).row(0, named=True)
    sigma = math.sqrt(25.0 * 17.0 + phi * (20.0 * 17.0) ** 2)
    if measure == "cycle":
        expected = NormalDist().inv_cdf(0.95) * sigma
    else:
        expected = float(safety_stock_fill_rate(0.95, 20.0 * 30.0, sigma))
    assert out["method"] == "normal"
    assert out["safety_stock"] == pytest.approx(expected, rel=1e-12)


def test_normal_test_counts_the_forecast_error_in_the_cv() -> None:
    # CV over P without φ: 5·√17/340 = 0.06; with φ = 0.5 above 0.5: the compound sizes it.
    row = item(pattern="smooth", demand_mean=20.0, demand_sd=5.0, adi=1.0, cv2=0.06)
    out = run([{**row, "demand_rate_cv2": 0.0}, {**row, "demand_rate_cv2": 0.5}], ParameterConfig())
    assert out["method"].to_list() == ["normal", "compound"]


def test_negative_rate_uncertainty_is_an_input_error() -> None:
    with pytest.raises(InvalidInputError, match="demand_rate_cv2"):
        run([item(demand_rate_cv2=-0.1)], ParameterConfig())


# --- the estimator ---------------------------------------------------------------------------


def synthetic(phi: float, n: int, seed: int, periods: int = 12) -> tuple[np.ndarray, ...]:
    """Forecasts f, true rates f·M, holdout means of Poisson demand (variance = rate)."""
    rng = np.random.default_rng(seed)
    forecast = rng.gamma(2.0, 0.5, n)
    rate = forecast * rng.gamma(1.0 / phi, phi, n)
    actual = rng.poisson(periods * rate) / periods
    return actual, forecast, forecast.copy()


@pytest.mark.parametrize("phi", [0.1, 0.4, 1.0])
def test_estimator_recovers_a_known_rate_uncertainty(phi: float) -> None:
    # 40 seeds: mean within 1 % and sd 5 % of φ; one seed within 3 sd.
    actual, forecast, variance = synthetic(phi, 4000, seed=17)
    estimate = estimate_rate_uncertainty(actual, forecast, variance, periods=12)["all"]
    assert estimate == pytest.approx(phi, rel=0.15)


def test_estimator_subtracts_the_sampling_noise() -> None:
    # Poisson demand at exactly the forecast rate: no level uncertainty to find.
    rng = np.random.default_rng(3)
    forecast = rng.gamma(2.0, 0.5, 20_000)
    actual = rng.poisson(12 * forecast) / 12
    estimate = estimate_rate_uncertainty(actual, forecast, forecast, periods=12)["all"]
    assert estimate < 0.01


def test_estimator_by_group_pools_small_groups_and_skips_items_without_forecast() -> None:
    a_low, f_low, v_low = synthetic(0.1, 4000, seed=1)
    a_high, f_high, v_high = synthetic(1.0, 4000, seed=2)
    actual = np.concatenate([a_low, a_high, [5.0, 3.0], [1.0]])
    forecast = np.concatenate([f_low, f_high, [1.0, 1.0], [0.0]])
    variance = np.concatenate([v_low, v_high, [1.0, 1.0], [0.0]])
    groups = ["low"] * 4000 + ["high"] * 4000 + ["few", "few"] + ["dead"]
    phi = estimate_rate_uncertainty(actual, forecast, variance, groups, periods=12)
    assert phi["low"] == pytest.approx(0.1, rel=0.15)
    assert phi["high"] == pytest.approx(1.0, rel=0.15)
    assert phi["few"] == phi["all"] == phi["dead"]
    assert phi["low"] < phi["all"] < phi["high"]


def test_estimator_rejects_bad_input() -> None:
    with pytest.raises(InvalidInputError, match="periods"):
        estimate_rate_uncertainty([1.0], [1.0], [1.0], periods=0)
    with pytest.raises(InvalidInputError, match="same length"):
        estimate_rate_uncertainty([1.0, 2.0], [1.0], [1.0], periods=12)
    with pytest.raises(InvalidInputError, match="groups"):
        estimate_rate_uncertainty([1.0], [1.0], [1.0], ["a", "b"], periods=12)


def test_module_doctests() -> None:
    result = doctest.testmod(uncertain_module)
    assert result.attempted > 0 and result.failed == 0


def test_bias_then_spread_recovers_both() -> None:
    # Forecasts 30 % high (the true rate is 0.7·f·M): estimated apart, b and φ around
    # b·f come back.
    rng = np.random.default_rng(11)
    forecast = rng.gamma(2.0, 0.5, 8000)
    rate = 0.7 * forecast * rng.gamma(1.0 / 0.3, 0.3, 8000)
    actual = rng.poisson(12 * rate) / 12
    bias = estimate_forecast_bias(actual, forecast)["all"]
    assert bias == pytest.approx(0.7, rel=0.03)
    phi = estimate_rate_uncertainty(actual, bias * forecast, bias * forecast, periods=12)["all"]
    assert phi == pytest.approx(0.3, rel=0.15)


def test_bias_by_group_pools_small_groups() -> None:
    actual = np.array([1.0] * 40 + [3.0] * 40 + [9.0, 0.0])
    forecast = np.array([2.0] * 40 + [2.0] * 40 + [1.0, 0.0])
    groups = ["low"] * 40 + ["high"] * 40 + ["few", "dead"]
    bias = estimate_forecast_bias(actual, forecast, groups)
    assert bias["low"] == 0.5 and bias["high"] == 1.5
    assert bias["few"] == bias["dead"] == bias["all"] == pytest.approx(169.0 / 161.0)
    with pytest.raises(InvalidInputError, match="same length"):
        estimate_forecast_bias([1.0], [1.0, 2.0])


def test_groups_as_paths_fall_back_to_their_parent() -> None:
    # "a/young" has 40 items, "a/old" 5: too few, it takes "a" (all 45 a's), not "all".
    actual = np.array([1.0] * 40 + [2.0] * 5 + [4.0] * 40)
    forecast = np.full(85, 2.0)
    groups = ["a/young"] * 40 + ["a/old"] * 5 + ["b"] * 40
    bias = estimate_forecast_bias(actual, forecast, groups)
    assert bias["a/young"] == 0.5
    assert bias["a"] == pytest.approx(50.0 / 90.0)
    assert bias["a/old"] == bias["a"]
    assert bias["all"] == pytest.approx(210.0 / 170.0)
    # A group absent at the holdout (c) or a level never seen (b/new) looks up its path.
    np.testing.assert_allclose(
        rate_estimate(bias, ["a/old", "b/new", "c/young", "a/young"]),
        [bias["a"], 2.0, bias["all"], 0.5],
    )


def test_min_forecast_bounds_a_forecast_decayed_to_nothing() -> None:
    # 60 items with a proportional spread, and one whose forecast decayed to 1e-4 before
    # its demand came back at 1 a period: its term (a − f)²/f alone is 10,000. Counted at
    # the floor 1/12 (one unit over the holdout) it is (1 − 1/12)²·12.
    rng = np.random.default_rng(5)
    forecast = np.concatenate([rng.gamma(2.0, 0.5, 60), [1e-4]])
    actual = np.concatenate([forecast[:60] * rng.gamma(1 / 0.2, 0.2, 60), [1.0]])
    variance = np.zeros(61)
    with_it = estimate_rate_uncertainty(actual, forecast, variance, periods=12)["all"]
    floored = estimate_rate_uncertainty(
        actual, forecast, variance, periods=12, min_forecast=1 / 12
    )["all"]
    terms = ((actual[:60] - forecast[:60]) ** 2 / forecast[:60]).sum() + (11 / 12) ** 2 * 12
    assert with_it > 100
    assert floored == pytest.approx(terms / (forecast[:60].sum() + 1 / 12))
    assert floored < 1
    bias = estimate_forecast_bias(actual, forecast, min_forecast=1 / 12)["all"]
    assert bias == pytest.approx(actual.sum() / (forecast[:60].sum() + 1 / 12))
    with pytest.raises(InvalidInputError, match="min_forecast"):
        estimate_forecast_bias(actual, forecast, min_forecast=-1.0)
