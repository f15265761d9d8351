"""Stocking parameters per item: textbook values by hand, exact quantiles, properties.

Expected values are computed here from the formulas (Silver, Pyke & Thomas ch. 6;
Snyder & Shen eq. (3.4); Monden's kanban count), not read back from the engine; the
compound and Monte Carlo reorder points are checked against the exact binomial /
compound-gamma quantile from scipy (the Monte Carlo with a tolerance from the number of
samples). The compound kernel itself is tested in ``test_ltd_compound.py``.
"""

from __future__ import annotations

import doctest
import math
from statistics import NormalDist
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, stats

import takt.policy.parameters as parameters_module
from takt.errors import InvalidInputError
from takt.policy.parameters import OUTPUT_COLUMNS, ParameterConfig, compute_parameters

SETTINGS = settings(max_examples=40, deadline=None)
QUANTITIES = (
    "safety_stock",
    "reorder_point",
    "order_up_to",
    "order_qty",
    "contingency_reserve",
    "days_of_cover",
)
# Few samples keep the property tests fast; the properties hold for any sample size.
FAST = ParameterConfig(montecarlo_samples=300)
SAMPLED = ParameterConfig(ltd_method="montecarlo")


def z(p: float) -> float:
    return NormalDist().inv_cdf(p)


def item(**overrides: Any) -> dict[str, Any]:
    """A smooth buffer item of class B (cycle service 0.95), overridable."""
    row: dict[str, Any] = {
        "item": "P1",
        "strategy": "buffer",
        "logic": "rop",
        "pattern": "smooth",
        "abc": "B",
        "criticality": "normal",
        "demand_mean": 20.0,
        "demand_sd": 5.0,
        "adi": 1.0,
        "cv2": 0.06,
        "lead_time_mean_days": 10.0,
        "lead_time_sd_days": 2.0,
        "moq": 0.0,
        "pack_multiple": 1.0,
        "unit_cost": 4.0,
        "time_to_recover_days": None,
        "service_target": None,
    }
    row.update(overrides)
    return row


def run(rows: list[dict[str, Any]], config: ParameterConfig = FAST, seed: int = 0) -> pl.DataFrame:
    schema = {k: pl.Float64 for k in rows[0] if k not in ("item", *parameters_module._CATEGORIES)}
    return compute_parameters(pl.DataFrame(rows, schema_overrides=schema), config, seed=seed)


def one(config: ParameterConfig = FAST, seed: int = 0, **overrides: Any) -> dict[str, Any]:
    return run([item(**overrides)], config, seed).row(0, named=True)


# --- hand-checked cases -------------------------------------------------------------


def test_hand_checked_normal_case_rop_and_order_up_to() -> None:
    # R = 7 (buffer), L = 10 ± 2 days, μ_d = 20 ± 5 a day, B/normal: α = 0.95.
    protection = 7.0 + 10.0
    sigma = math.sqrt(protection * 5.0**2 + 20.0**2 * 2.0**2)  # √(425 + 1600) = 45
    assert sigma == pytest.approx(45.0)
    ss = z(0.95) * sigma
    eoq = math.sqrt(2 * 50.0 * 20.0 * 365.0 / (4.0 * 0.25))  # 854.4 -> 855 units
    q = math.ceil(eoq)
    rop = one(logic="rop")
    assert rop["method"] == "normal"
    assert rop["service_target"] == 0.95
    assert rop["protection_days"] == protection
    assert rop["safety_stock"] == pytest.approx(ss, rel=1e-12)
    assert rop["reorder_point"] == pytest.approx(20.0 * protection + ss, rel=1e-12)
    assert rop["order_qty"] == q
    assert rop["order_up_to"] == pytest.approx(20.0 * protection + ss + q)
    assert rop["days_of_cover"] == pytest.approx((20.0 * protection + ss + q / 2) / 20.0)
    assert rop["kanban_count"] is None and rop["container_qty"] is None
    assert rop["note"].startswith("normal approximation over R+L with random lead time")

    up_to = one(logic="order_up_to")
    assert up_to["order_up_to"] == pytest.approx(20.0 * protection + ss, rel=1e-12)
    assert up_to["days_of_cover"] == pytest.approx((20.0 * protection + ss) / 20.0)


def test_chopra_meindl_dell_example_continuous_review() -> None:
    # μ_d = 2,500 ± 500 a day, L = 7 ± 7 days, α = 0.90, R = 0: SS = 22,491 (the book).
    # Its CV over L is 1.0, so the normal test is widened to reproduce the book's normal.
    config = ParameterConfig(
        review_period_days={"jit": 1.0, "hybrid": 7.0, "buffer": 0.0}, normal_max_cv=1.5
    )
    out = one(
        config,
        demand_mean=2500.0,
        demand_sd=500.0,
        lead_time_mean_days=7.0,
        lead_time_sd_days=7.0,
        service_target=0.90,
    )
    assert out["method"] == "normal"
    assert round(out["safety_stock"]) == 22491
    assert round(out["reorder_point"]) == 17500 + 22491


def test_fill_rate_normal_meets_the_loss_equation() -> None:
    # β = 0.99 on the rop logic: σ·G(k) = (1 − β)·Q with Q the order quantity, the P₂
    # equation of Silver, Pyke & Thomas ch. 6, which drops σ·G(k + Q/σ): the textbook rule.
    config = ParameterConfig(service_measure="fill_rate", fill_rate_shortage="textbook")
    out = one(config, service_target=0.99, unit_cost=400.0)
    sigma = 45.0
    k = out["safety_stock"] / sigma
    nd = NormalDist()
    loss = nd.pdf(k) - k * (1.0 - nd.cdf(k))
    assert sigma * loss == pytest.approx(0.01 * out["order_qty"], rel=1e-9)


def test_period_of_cover_for_class_c_rounded_to_moq_and_pack() -> None:
    out = one(abc="C", moq=700.0, pack_multiple=48.0)  # 30 days x 20 = 600 < MOQ 700
    assert out["order_qty"] == 15 * 48  # 720: the first pack multiple >= 700
    assert "order 30 days of cover" in out["note"]
    assert one(abc="C")["order_qty"] == 600.0


def test_kanban_container_and_count_by_hand() -> None:
    # jit: R = 1, P = 11 days; container = 1 day (20) up to MOQ 10, packs of 6 -> 24.
    out = one(strategy="jit", logic="kanban", moq=10.0, pack_multiple=6.0, lead_time_sd_days=0.0)
    ss = z(0.95) * 5.0 * math.sqrt(11.0)
    alpha = max(0.10, ss / (20.0 * 11.0))
    n = math.ceil(20.0 * 11.0 * (1.0 + alpha) / 24.0)
    assert out["container_qty"] == 24.0
    assert out["order_qty"] == 24.0
    assert out["kanban_count"] == n
    assert out["order_up_to"] == n * 24.0
    assert out["contingency_reserve"] == 0.0


def test_hybrid_reserve_by_hand() -> None:
    out = one(strategy="hybrid", criticality="line_stopper", time_to_recover_days=30.0)
    ss = z(0.99) * 45.0
    assert out["contingency_reserve"] == pytest.approx(20.0 * 30.0 - ss)
    assert out["reorder_point"] == pytest.approx(340.0 + 20.0 * 30.0)  # SS + reserve = TTR
    normal = one(strategy="hybrid", criticality="normal", time_to_recover_days=30.0)
    assert normal["contingency_reserve"] == pytest.approx(0.5 * 20.0 * 30.0 - z(0.95) * 45.0)
    no_ttr = one(strategy="hybrid")
    assert no_ttr["contingency_reserve"] == 0.0
    assert "no TTR" in no_ttr["note"]


def test_new_item_uses_a_conservative_sd() -> None:
    out = one(pattern="new", demand_sd=2.0, lead_time_sd_days=0.0)
    assert out["method"] == "normal"
    # sd raised to CV 1: σ_d = 20, σ_P = 20·√17.
    assert out["safety_stock"] == pytest.approx(z(0.95) * 20.0 * math.sqrt(17.0))
    assert out["note"].startswith("new item")


def test_slow_new_item_gets_the_compound_distribution_with_the_floored_spread() -> None:
    # 0.4 a day over 7 + 14 days: 8.4 < 10, the normal test fails, as for an intermittent
    # item. One demand so far: ADI 1 and CV² 0 would say "0.4 every day, no spread"; the
    # new-item floor (sd ≥ √μ_d, here √0.4) gives the sizes CV² = 0.4/0.16 − 0 = 2.5, so
    # D_21 = 21 gamma sizes of mean 0.4 = Gamma(21/2.5, scale 0.4·2.5), exactly.
    out = one(
        pattern="new",
        demand_mean=0.4,
        demand_sd=0.1,
        adi=1.0,
        cv2=0.0,
        lead_time_mean_days=14.0,
        lead_time_sd_days=0.0,
    )
    assert out["method"] == "compound"
    expected = stats.gamma.ppf(0.95, 21.0 / 2.5, scale=0.4 * 2.5)
    assert out["reorder_point"] == pytest.approx(expected, rel=1e-6)
    # A fast new item still passes the normal test (CV over P 1/√17 < 0.5).
    assert one(pattern="new", demand_mean=20.0, lead_time_sd_days=0.0)["method"] == "normal"


def test_empirical_quantiles_interpolated_and_scaled() -> None:
    out = one(
        pattern="lumpy",
        demand_mean=1.0,
        adi=4.0,
        cv2=1.0,
        lead_time_sd_days=0.0,
        service_target=0.97,
        ltd_lead_time_days=10.0,
        ltd_mean=10.0,
        ltd_q50=8.0,
        ltd_q90=18.0,
        ltd_q95=22.0,
        ltd_q99=30.0,
    )
    w = (z(0.97) - z(0.95)) / (z(0.99) - z(0.95))
    q10 = 22.0 + w * 8.0
    ratio = 17.0 / 10.0
    mean = 10.0 * ratio
    assert out["method"] == "empirical"
    assert out["reorder_point"] == pytest.approx(mean + (q10 - 10.0) * math.sqrt(ratio))
    assert out["safety_stock"] == pytest.approx((q10 - 10.0) * math.sqrt(ratio))
    assert out["note"].startswith("empirical lead-time demand from the backtest (lumpy)")
    # A random lead time is not in the backtest quantiles: the compound distribution.
    assert one(**{**_ltd(), "pattern": "lumpy", "lead_time_sd_days": 3.0})["method"] == "compound"


def _ltd() -> dict[str, Any]:
    return {
        "demand_mean": 1.0,
        "ltd_lead_time_days": 10.0,
        "ltd_mean": 10.0,
        "ltd_q50": 8.0,
        "ltd_q90": 18.0,
        "ltd_q95": 22.0,
        "ltd_q99": 30.0,
    }


def test_normal_test_routes_low_volume_and_skewed_items_to_the_compound_distribution() -> None:
    low = one(demand_mean=0.5, demand_sd=0.3)  # 8.5 over R + L < 10
    assert low["method"] == "compound"
    assert low["note"].startswith("compound lead-time demand (smooth, low volume)")
    skewed = one(pattern="erratic", demand_sd=60.0, cv2=None)  # CV over R + L 0.73
    assert skewed["method"] == "compound"
    assert "(erratic, skewed)" in skewed["note"]
    assert one(pattern="intermittent", adi=3.0)["method"] == "compound"
    sampled = one(SAMPLED, pattern="intermittent", adi=3.0)
    assert sampled["method"] == "montecarlo"
    assert sampled["note"].startswith("Monte Carlo lead-time demand (intermittent)")


def test_too_wide_a_range_of_order_counts_is_sampled_with_a_note() -> None:
    # An order every other day over 120 ± 60 days: thousands of periods of lead time
    # to convolve, more work than 2,000 samples.
    out = one(pattern="lumpy", demand_mean=2.0, adi=2.0, cv2=1.0, lead_time_mean_days=120.0,
              lead_time_sd_days=60.0)  # fmt: skip
    assert out["method"] == "montecarlo"
    assert out["note"].startswith("Monte Carlo lead-time demand (lumpy, too wide to convolve)")


# --- Monte Carlo against exact quantiles ------------------------------------------------


def _rank_bounds(alpha: float, samples: int) -> tuple[float, float]:
    """Probabilities the sample α-quantile stays between, 5 standard errors either side."""
    half = 5.0 * math.sqrt(alpha * (1.0 - alpha) / samples)
    return max(alpha - half, 1e-6), min(alpha + half, 1.0 - 1e-6)


@pytest.mark.parametrize("alpha", [0.90, 0.95, 0.99])
def test_montecarlo_rop_matches_exact_binomial_quantile(alpha: float) -> None:
    # Constant lead time 20 days + R 7: 27 days, a demand of 12 units with p = 1/5 a day,
    # so lead-time demand = 12·Binomial(27, 0.2) (Poisson-like, mean 64.8).
    samples = 2000
    config = ParameterConfig(ltd_method="montecarlo", montecarlo_samples=samples)
    rows = [
        item(
            item=f"X{i}",
            pattern="intermittent",
            demand_mean=12.0 / 5.0,
            adi=5.0,
            cv2=0.0,
            lead_time_mean_days=20.0,
            lead_time_sd_days=0.0,
            service_target=alpha,
        )
        for i in range(20)
    ]
    out = run(rows, config)
    assert (out.get_column("method") == "montecarlo").all()
    low, high = _rank_bounds(alpha, samples)
    exact_low = 12.0 * stats.binom.ppf(low, 27, 0.2)
    exact_high = 12.0 * stats.binom.ppf(high, 27, 0.2)
    rop = out.get_column("reorder_point").to_numpy()
    assert np.all((rop >= exact_low - 1e-9) & (rop <= exact_high + 1e-9))
    assert np.median(rop) == pytest.approx(12.0 * stats.binom.ppf(alpha, 27, 0.2), abs=12.0)
    np.testing.assert_allclose(out.get_column("safety_stock"), np.maximum(rop - 64.8, 0.0))


def test_montecarlo_rop_matches_exact_compound_gamma_quantile() -> None:
    # Sizes gamma with mean 10 and CV² 0.5, p = 1/4 a day, 7 + 14 = 21 days.
    samples, alpha, days, p, size, cv2 = 2000, 0.95, 21, 0.25, 10.0, 0.5
    counts = np.arange(days + 1)
    weights = stats.binom.pmf(counts, days, p)

    def cdf(x: float) -> float:
        sizes = stats.gamma.cdf(x, np.maximum(counts, 1) / cv2, scale=size * cv2)
        return float(weights[0] + np.sum(weights[1:] * sizes[1:]))

    exact = optimize.brentq(lambda x: cdf(x) - alpha, 0.0, 1000.0)
    rows = [
        item(
            item=f"G{i}",
            pattern="lumpy",
            demand_mean=size * p,
            adi=1 / p,
            cv2=cv2,
            lead_time_mean_days=14.0,
            lead_time_sd_days=0.0,
        )
        for i in range(10)
    ]
    out = run(rows, ParameterConfig(ltd_method="montecarlo", montecarlo_samples=samples))
    low, high = _rank_bounds(alpha, samples)
    for rop in out.get_column("reorder_point"):
        assert low <= cdf(rop) <= high
    assert float(np.median(out.get_column("reorder_point"))) == pytest.approx(exact, rel=0.05)
    # The compound distribution is that exact quantile, the same for every item.
    exact_out = run(rows, ParameterConfig())
    assert (exact_out.get_column("method") == "compound").all()
    np.testing.assert_allclose(exact_out.get_column("reorder_point"), exact, rtol=1e-9)


def test_montecarlo_fill_rate_meets_the_allowed_shortage() -> None:
    # Exact expected shortage of 12·Binomial(27, 0.2) above the level, vs (1 − β)·Q.
    k = np.arange(28)
    for method, tolerance in (("montecarlo", 0.25), ("compound", 1e-9)):
        config = ParameterConfig(
            service_measure="fill_rate", ltd_method=method, montecarlo_samples=4000
        )
        out = one(
            config,
            pattern="intermittent",
            demand_mean=2.4,
            adi=5.0,
            cv2=0.0,
            lead_time_mean_days=20.0,
            lead_time_sd_days=0.0,
            service_target=0.99,
        )
        shortage = float(
            np.sum(stats.binom.pmf(k, 27, 0.2) * np.maximum(12.0 * k - out["reorder_point"], 0))
        )
        assert out["method"] == method
        assert shortage == pytest.approx(0.01 * out["order_qty"], rel=tolerance)


@pytest.mark.parametrize("method", ["compound", "montecarlo"])
def test_random_lead_time_raises_the_reorder_point(method: str) -> None:
    config = ParameterConfig(ltd_method=method)  # type: ignore[arg-type]
    constant = one(config, pattern="lumpy", demand_mean=1.0, adi=6.0, cv2=1.0,
                   lead_time_sd_days=0.0)  # fmt: skip
    random = one(config, pattern="lumpy", demand_mean=1.0, adi=6.0, cv2=1.0,
                 lead_time_sd_days=5.0)  # fmt: skip
    assert random["method"] == constant["method"] == method
    assert random["safety_stock"] > constant["safety_stock"]


# --- properties -------------------------------------------------------------------------

patterns = st.sampled_from(["smooth", "erratic", "intermittent", "lumpy", "new"])
strategies = st.sampled_from(["jit", "hybrid", "buffer"])
logics = st.sampled_from(["kanban", "rop", "min_max", "order_up_to"])
criticalities = st.sampled_from(["line_stopper", "important", "normal"])


@st.composite
def items(draw: st.DrawFn) -> dict[str, Any]:
    mean = draw(st.floats(0.01, 500.0))
    lead = draw(st.floats(0.5, 60.0))
    return item(
        pattern=draw(patterns),
        strategy=draw(strategies),
        logic=draw(logics),
        abc=draw(st.sampled_from(["A", "B", "C"])),
        criticality=draw(criticalities),
        demand_mean=mean,
        demand_sd=mean * draw(st.floats(0.0, 3.0)),
        adi=draw(st.floats(1.0, 30.0)),
        cv2=draw(st.floats(0.0, 3.0)),
        lead_time_mean_days=lead,
        lead_time_sd_days=lead * draw(st.floats(0.0, 0.6)),
        moq=draw(st.sampled_from([0.0, 1.0, 7.0, 100.0, 1000.0])),
        pack_multiple=draw(st.sampled_from([1.0, 0.5, 6.0, 12.0, 48.0])),
        unit_cost=draw(st.floats(0.01, 1e4)),
        time_to_recover_days=draw(st.none() | st.floats(0.0, 120.0)),
    )


@SETTINGS
@given(
    items(),
    st.floats(0.5, 0.999),
    st.floats(0.5, 0.999),
    st.booleans(),
    st.sampled_from(["compound", "montecarlo"]),
)
def test_higher_service_target_never_lowers_safety_stock_or_reorder_point(
    row: dict[str, Any], a: float, b: float, fill_rate: bool, method: str
) -> None:
    low, high = sorted((a, b))
    config = ParameterConfig(
        montecarlo_samples=300,
        service_measure="fill_rate" if fill_rate else "cycle",
        ltd_method=method,  # type: ignore[arg-type]
    )
    # Same item name: the same random stream on the Monte Carlo path.
    out = run([{**row, "service_target": low}, {**row, "service_target": high}], config)
    ss, rop = out.get_column("safety_stock"), out.get_column("reorder_point")
    assert out.get_column("method")[0] == out.get_column("method")[1]
    assert ss[1] >= ss[0] - 1e-9 * (1.0 + ss[0])
    assert rop[1] >= rop[0] - 1e-9 * (1.0 + rop[0])


@SETTINGS
@given(st.floats(1.0, 1e4), st.floats(0.0, 90.0), strategies, logics, st.floats(0.5, 0.999))
def test_zero_demand_sd_and_lead_time_sd_give_zero_safety_stock(
    mean: float, lead: float, strategy: str, logic: str, target: float
) -> None:
    out = one(
        demand_mean=mean * 10.0,
        demand_sd=0.0,
        cv2=0.0,
        lead_time_mean_days=lead,
        lead_time_sd_days=0.0,
        strategy=strategy,
        logic=logic,
        service_target=target,
    )
    assert out["method"] == "normal"
    assert out["safety_stock"] == 0.0
    assert out["reorder_point"] == pytest.approx(mean * 10.0 * out["protection_days"])


@SETTINGS
@given(items())
def test_order_quantity_at_least_moq_and_whole_packs(row: dict[str, Any]) -> None:
    out = one(**row)
    q, moq, pack = out["order_qty"], row["moq"], row["pack_multiple"]
    assert q > 0
    assert q >= moq
    packs = q / pack
    assert packs == pytest.approx(round(packs), abs=1e-9)
    if out["container_qty"] is not None:
        c = out["container_qty"]
        assert c >= moq and c / pack == pytest.approx(round(c / pack), abs=1e-9)


@SETTINGS
@given(
    st.floats(20.0, 1000.0),
    st.floats(0.0, 0.5),
    st.floats(1.0, 60.0),
    st.floats(0.001, 0.3),
    st.sampled_from(["smooth", "erratic"]),
    st.floats(0.5, 0.999),
)
def test_random_lead_time_never_less_safety_stock_than_constant(
    mean: float, cv: float, lead: float, lead_cv: float, pattern: str, target: float
) -> None:
    common: dict[str, Any] = {
        "demand_mean": mean,
        "demand_sd": cv * mean,
        "lead_time_mean_days": lead,
        "pattern": pattern,
        "service_target": target,
    }
    constant = one(**common, lead_time_sd_days=0.0)
    random = one(**common, lead_time_sd_days=lead_cv * lead)
    assert constant["method"] == random["method"] == "normal"
    assert random["safety_stock"] >= constant["safety_stock"]
    assert random["reorder_point"] >= constant["reorder_point"]


@SETTINGS
@given(items())
def test_contingency_reserve_nonnegative_and_only_for_hybrid(row: dict[str, Any]) -> None:
    out = one(**row)
    assert out["contingency_reserve"] >= 0.0
    if row["strategy"] != "hybrid":
        assert out["contingency_reserve"] == 0.0
    elif row["time_to_recover_days"] is not None:
        share = 0.5 if row["criticality"] == "normal" else 1.0
        wanted = share * row["demand_mean"] * row["time_to_recover_days"]
        assert out["contingency_reserve"] == pytest.approx(
            max(wanted - out["safety_stock"], 0.0), abs=1e-9 * (1.0 + wanted)
        )


@SETTINGS
@given(items())
def test_dying_items_get_zeros(row: dict[str, Any]) -> None:
    out = one(**{**row, "pattern": "dying"})
    assert out["method"] == "none"
    assert out["note"] == "dying: no automatic reorder, review"
    for column in QUANTITIES:
        assert out[column] == 0.0
    assert out["kanban_count"] in (None, 0)
    assert out["container_qty"] in (None, 0.0)


@settings(max_examples=10, deadline=None)
@given(
    st.lists(items(), min_size=2, max_size=12),
    st.integers(0, 2**32),
    st.sampled_from(["compound", "montecarlo"]),
)
def test_deterministic_with_the_seed_and_independent_of_other_rows(
    rows: list[dict[str, Any]], seed: int, method: str
) -> None:
    config = ParameterConfig(montecarlo_samples=300, ltd_method=method)  # type: ignore[arg-type]
    rows = [{**r, "item": f"I{i}"} for i, r in enumerate(rows)]
    first = run(rows, config, seed=seed)
    assert first.equals(run(rows, config, seed=seed))
    # Each item's stream comes from its name and the seed: order and company do not matter.
    reversed_out = run(rows[::-1], config, seed=seed)
    assert first.equals(reversed_out.reverse())
    assert run(rows[:1], config, seed=seed).equals(first.head(1))


def test_a_different_seed_changes_the_monte_carlo_draws_only() -> None:
    rows = [item(item=f"L{i}", pattern="lumpy", demand_mean=1.0, adi=6.0, cv2=1.0)
            for i in range(10)]  # fmt: skip
    a = run(rows, SAMPLED, seed=1).get_column("reorder_point")
    b = run(rows, SAMPLED, seed=2).get_column("reorder_point")
    assert not a.equals(b)
    # The compound distribution draws nothing: the seed does not matter.
    assert run(rows, seed=1).equals(run(rows, seed=2))


# --- none, missing values, errors, shape ----------------------------------------------


def test_zero_demand_and_missing_inputs_are_not_sized_with_a_note() -> None:
    out = run(
        [
            item(item="zero", demand_mean=0.0, demand_sd=0.0),
            item(item="no_fc", demand_mean=None),
            item(item="no_lt", lead_time_mean_days=None),
            item(item="jit0", strategy="jit", logic="kanban", demand_mean=0.0),
        ]
    )
    assert out.get_column("method").to_list() == ["none"] * 4
    assert out.get_column("note").to_list() == [
        "no demand: nothing to stock",
        "not sized: no demand forecast, review",
        "not sized: no lead time, review",
        "no demand: nothing to stock",
    ]
    for column in QUANTITIES:
        assert (out.get_column(column) == 0.0).all()
    assert out.get_column("protection_days").to_list() == [17.0, 17.0, None, 11.0]
    assert out.get_column("kanban_count").to_list() == [None, None, None, 0]


def test_missing_demand_sd_and_lead_time_sd_fall_back_with_a_note() -> None:
    out = one(demand_sd=None, lead_time_sd_days=None, adi=1.0, cv2=0.25)
    # Daily sd from the compound process: μ·√((1 + CV²)·ADI − 1) = 20·0.5.
    assert out["safety_stock"] == pytest.approx(z(0.95) * 10.0 * math.sqrt(17.0))
    assert "demand sd from ADI and CV²" in out["note"]
    assert "lead-time sd missing, taken as 0" in out["note"]
    assert "no unit cost" in one(unit_cost=None)["note"]


def test_output_columns_and_one_row_per_input_row() -> None:
    out = run([item(item=f"I{i}") for i in range(5)])
    assert out.columns == list(OUTPUT_COLUMNS)
    assert out.height == 5
    assert run([item()]).schema["kanban_count"] == pl.Int64
    empty = compute_parameters(pl.DataFrame([item()]).head(0))
    assert empty.columns == list(OUTPUT_COLUMNS) and empty.height == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"strategy": "lean"}, "strategy must be one of"),
        ({"abc": None}, "abc must be one of"),
        ({"demand_mean": -1.0}, "demand_mean must be finite and >= 0"),
        ({"lead_time_mean_days": math.inf}, "lead_time_mean_days must be finite"),
        ({"pack_multiple": 0.0}, "pack_multiple must be finite and > 0"),
        ({"adi": 0.5}, "adi must be finite and >= 1"),
        ({"service_target": 1.0}, "service_target must be inside"),
    ],
)
def test_invalid_inputs_name_the_column_and_item(change: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        run([item(item="BAD", **change)])


def test_missing_column_and_bad_config_are_input_errors() -> None:
    with pytest.raises(InvalidInputError, match="missing columns: unit_cost"):
        compute_parameters(pl.DataFrame([item()]).drop("unit_cost"))
    with pytest.raises(InvalidInputError, match="service_targets"):
        ParameterConfig(service_targets={("A", "normal"): 0.9})
    with pytest.raises(InvalidInputError, match="montecarlo_samples"):
        ParameterConfig(montecarlo_samples=0)
    with pytest.raises(InvalidInputError, match="ltd_method"):
        ParameterConfig(ltd_method="bootstrap")  # type: ignore[arg-type]


def test_module_doctest() -> None:
    result = doctest.testmod(parameters_module)
    assert result.attempted > 0
    assert result.failed == 0
