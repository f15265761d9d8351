"""Fill rates sized on the exact expected shortage per cycle (``fill_rate_shortage``).

The per-cycle levels are checked against quantities computed here, not read back from
the engine: the fill rate of an (R, S) system with backorders by a brute-force
simulation of the stock and by exact enumeration of binomial demand; the shortage per
cycle of gamma-size demand from scipy's incomplete gamma; the normal loss equations with
the term the textbook drops; the model's own distribution functions for random lead times
and forecast uncertainty. Then properties: a higher target never lowers the level, the
per-cycle level never exceeds the textbook one, and ``"textbook"`` reproduces the
textbook kernels bit for bit.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats

from takt.errors import InvalidInputError
from takt.policy._ltd_compound import compound_distribution_at, compound_reorder_points
from takt.policy._ltd_montecarlo import item_seeds, sample_reorder_points
from takt.policy._ltd_uncertain import uncertain_distribution_at, uncertain_reorder_points
from takt.policy._per_cycle import _sample_per_cycle
from takt.policy.parameters import ParameterConfig, compute_parameters
from takt.policy.service_level import safety_stock_fill_rate

SETTINGS = settings(max_examples=30, deadline=None)
MONTHLY = {"jit": 1.0, "hybrid": 1.0, "buffer": 1.0}  # R = 1 period for every strategy


def config(shortage: str = "per_cycle", **overrides: Any) -> ParameterConfig:
    base: dict[str, Any] = {
        "review_period_days": MONTHLY,
        "service_measure": "fill_rate",
        "fill_rate_shortage": shortage,
    }
    return ParameterConfig(**{**base, **overrides})


def item(**overrides: Any) -> dict[str, Any]:
    """A lumpy order-up-to item: orders of 4 units with probability 0.15, L = 3 periods."""
    row: dict[str, Any] = {
        "item": "P1",
        "strategy": "buffer",
        "logic": "order_up_to",
        "pattern": "lumpy",
        "abc": "C",
        "criticality": "normal",
        "demand_mean": 0.6,
        "demand_sd": None,
        "adi": 1 / 0.15,
        "cv2": 0.0,
        "lead_time_mean_days": 3.0,
        "lead_time_sd_days": 0.0,
        "moq": 0.0,
        "pack_multiple": 1.0,
        "unit_cost": 1.0,
        "service_target": 0.9,
    }
    row.update(overrides)
    return row


def run(rows: list[dict[str, Any]], cfg: ParameterConfig, seed: int = 0) -> pl.DataFrame:
    return compute_parameters(pl.DataFrame(rows), cfg, seed=seed)


def one(cfg: ParameterConfig, **overrides: Any) -> dict[str, Any]:
    return run([item(**overrides)], cfg).row(0, named=True)


def level_over_p(out: dict[str, Any]) -> float:
    """The level before any reserve: mean over P + safety stock."""
    return float(out["reorder_point"] - out["contingency_reserve"])


# --- (R, S) with backorders: simulation and enumeration -------------------------------------


def simulated_fill_rate(
    order_up_to: float, p: float, size: float, lead: int, *, seed: int = 1
) -> float:
    """Units served from stock / units demanded of an (R = 1, S) system with backorders.

    Each period: order up to S (due L periods later), receive what is due, then the demand
    (``size`` with probability p) is served from stock on hand, the rest backordered.
    2,000 independent systems over 300 periods, the first 30 left out.
    """
    rng = np.random.default_rng(seed)
    systems, periods, warmup = 2000, 300, 30
    net = np.full(systems, order_up_to)  # on hand − backorders
    pipeline = np.zeros(systems)
    due = np.zeros((systems, periods + lead + 1))
    served_total = demand_total = 0.0
    for t in range(periods):
        order = np.maximum(order_up_to - net - pipeline, 0.0)
        due[:, t + lead] += order
        pipeline += order
        pipeline -= due[:, t]
        net += due[:, t]
        demand = size * (rng.random(systems) < p)
        served = np.minimum(demand, np.maximum(net, 0.0))
        net -= demand
        if t >= warmup:
            served_total += served.sum()
            demand_total += demand.sum()
    return served_total / demand_total


def enumerated_fill_rate(order_up_to: float, p: float, size: float, lead: int) -> float:
    """The same system exactly: a period's demand meets the stock S − D_L left by the
    L periods before it, D_L = size·Binomial(L, p); served min(D, (S − D_L)⁺)."""
    k = np.arange(lead + 1)
    on_hand = np.maximum(order_up_to - size * k, 0.0)
    short = p * np.maximum(size - on_hand, 0.0)
    return float(1.0 - np.sum(stats.binom.pmf(k, lead, p) * short) / (p * size))


@pytest.mark.parametrize("target", [0.8, 0.9, 0.95])
@pytest.mark.parametrize(("p", "size", "lead"), [(0.15, 4.0, 3), (0.3, 5.0, 2)])
def test_order_up_to_level_delivers_the_fill_rate_exactly(
    p: float, size: float, lead: int, target: float
) -> None:
    overrides = {"demand_mean": p * size, "adi": 1 / p, "lead_time_mean_days": float(lead)}
    out = one(config(), service_target=target, **overrides)
    assert out["method"] == "compound"
    assert enumerated_fill_rate(out["order_up_to"], p, size, lead) == pytest.approx(
        target, abs=1e-12
    )


@pytest.mark.parametrize("target", [0.8, 0.9])
def test_simulated_stock_hits_the_target_where_the_textbook_over_delivers(target: float) -> None:
    p, size, lead = 0.15, 4.0, 3
    per_cycle = one(config(), service_target=target)["order_up_to"]
    textbook = one(config("textbook"), service_target=target)["order_up_to"]
    assert simulated_fill_rate(per_cycle, p, size, lead) == pytest.approx(target, abs=0.004)
    # The textbook level over-delivers: 88.7 % for 80 %, 93.2 % for 90 % (exactly).
    assert enumerated_fill_rate(textbook, p, size, lead) > target + 0.03
    assert simulated_fill_rate(textbook, p, size, lead) > target + 0.025


# --- continuous sizes, random lead times, forecast uncertainty -------------------------------


def gamma_interval_shortage(x: float, n: int, p: float, mean: float, cv2: float) -> float:
    """E[(D − x)⁺] of D = gamma sizes (mean, CV²) over Binomial(n, p) orders, by scipy."""
    shape, scale = 1.0 / cv2, mean * cv2
    k = np.arange(1, n + 1)
    s = k * shape
    y = x / scale
    per_count = s * scale * special.gammaincc(s + 1.0, y) - x * special.gammaincc(s, y)
    return float(np.sum(stats.binom.pmf(k, n, p) * per_count))


@pytest.mark.parametrize("target", [0.7, 0.9, 0.97])
def test_gamma_sizes_order_up_to_meets_the_shortage_per_cycle(target: float) -> None:
    # P = R + L = 1 + 3 periods, L = 3: B(S) = E[(D₄ − S)⁺] − E[(D₃ − S)⁺] = (1 − β)·μ·R.
    p, mean, cv2 = 0.2, 5.0, 0.8
    out = one(config(), service_target=target, demand_mean=p * mean, adi=1 / p, cv2=cv2)
    level = out["order_up_to"]
    shortage = gamma_interval_shortage(level, 4, p, mean, cv2) - gamma_interval_shortage(
        level, 3, p, mean, cv2
    )
    assert out["method"] == "compound"
    assert shortage == pytest.approx((1.0 - target) * p * mean, rel=1e-9)


def test_kanban_is_sized_as_r_q_with_the_container() -> None:
    # jit kanban: C = one period's demand; B(r) = E[(D_P − r)⁺] − E[(D_P − r − C)⁺].
    p, mean, cv2 = 0.5, 4.0, 0.5
    out = one(
        config(),
        strategy="jit",
        logic="kanban",
        demand_mean=p * mean,
        adi=1 / p,
        cv2=cv2,
        service_target=0.9,
    )
    r, c = level_over_p(out), out["container_qty"]
    shortage = gamma_interval_shortage(r, 4, p, mean, cv2) - gamma_interval_shortage(
        r + c, 4, p, mean, cv2
    )
    assert c == 2.0
    assert shortage == pytest.approx(0.1 * c, rel=1e-9)
    # The textbook level asks (1 − β)·C of the whole shortage over P: far more stock.
    textbook = one(
        config("textbook"),
        strategy="jit",
        logic="kanban",
        demand_mean=p * mean,
        adi=1 / p,
        cv2=cv2,
        service_target=0.9,
    )
    assert level_over_p(textbook) > r + 2.0


CASES = [
    # p, size, CV², lead-time mean and sd (periods), φ, logic
    (0.2, 5.0, 0.8, 3.0, 1.2, 0.0, "order_up_to"),
    (0.2, 5.0, 0.8, 3.0, 1.2, 0.4, "order_up_to"),
    (0.1, 3.0, 0.0, 2.5, 0.0, 0.3, "order_up_to"),
    (0.1, 3.0, 0.0, 2.5, 1.0, 0.0, "rop"),
    (0.35, 2.0, 2.0, 6.0, 3.0, 0.0, "rop"),
    (0.35, 2.0, 2.0, 6.0, 3.0, 0.6, "min_max"),
]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("target", [0.75, 0.9, 0.98])
def test_level_meets_the_shortage_per_cycle_of_its_model(
    case: tuple[Any, ...], target: float
) -> None:
    p, size, cv2, lead, lead_sd, phi, logic = case
    cfg = config(period_of_cover_days=3.0)  # a small Q, so that E[(D − r − Q)⁺] counts
    out = one(
        cfg,
        logic=logic,
        demand_mean=p * size,
        adi=1 / p,
        cv2=cv2,
        lead_time_mean_days=lead,
        lead_time_sd_days=lead_sd,
        demand_rate_cv2=phi,
        service_target=target,
    )
    level = level_over_p(out)
    up_to = logic == "order_up_to"
    quantity = p * size if up_to else out["order_qty"]
    second_review, offset = (0.0, 0.0) if up_to else (1.0, quantity)

    def shortage(x: float, review: float) -> float:
        if phi > 0:
            return float(
                uncertain_distribution_at(x, 1.0, p, size, cv2, review, lead, lead_sd, phi)[1]
            )
        return float(compound_distribution_at(x, 1.0, p, size, cv2, review, lead, lead_sd)[1])

    per_cycle = shortage(level, 1.0) - shortage(level + offset, second_review)
    assert out["method"] == "compound"
    if out["safety_stock"] > 0:
        assert per_cycle == pytest.approx((1.0 - target) * quantity, rel=1e-8)
    else:  # the level is the mean over P, which already meets the target
        assert per_cycle <= (1.0 - target) * quantity


def test_monte_carlo_agrees_with_the_convolution() -> None:
    rows = [
        item(item=f"M{i}", cv2=cv2, demand_rate_cv2=phi, lead_time_sd_days=1.0)
        for i, (cv2, phi) in enumerate([(0.0, 0.0), (0.7, 0.0), (0.7, 0.4)])
    ]
    exact = run(rows, config())
    sampled = run(rows, config(ltd_method="montecarlo", montecarlo_samples=40_000))
    textbook = run(rows, config("textbook", ltd_method="montecarlo", montecarlo_samples=40_000))
    assert set(sampled["method"]) == {"montecarlo"}
    np.testing.assert_allclose(sampled["order_up_to"], exact["order_up_to"], rtol=0.03)
    assert (sampled["order_up_to"] < textbook["order_up_to"]).all()


def test_sample_shortage_per_cycle_by_brute_force() -> None:
    rng = np.random.default_rng(5)
    x = np.sort(rng.gamma(0.6, 5.0, 500))
    y = np.sort(rng.gamma(0.5, 4.0, 500)) - 1.5
    allowed = 0.4
    level = _sample_per_cycle(x, y, allowed)

    def b(t: float) -> float:
        return float(np.mean(np.maximum(x - t, 0.0)) - np.mean(np.maximum(y - t, 0.0)))

    assert b(level) == pytest.approx(allowed, rel=1e-9)
    grid = np.linspace(level + 1e-6, x[-1] + 1.0, 2000)
    assert max(b(t) for t in grid) <= allowed + 1e-12


# --- normal --------------------------------------------------------------------------------


def loss(k: float) -> float:
    nd = NormalDist()
    return nd.pdf(k) - k * (1.0 - nd.cdf(k))


SMOOTH = {"pattern": "smooth", "adi": 1.0, "cv2": 0.05, "demand_mean": 20.0, "demand_sd": 5.0}


@pytest.mark.parametrize("target", [0.75, 0.85, 0.95])
def test_normal_order_up_to_meets_the_two_loss_terms(target: float) -> None:
    # R = 1, L = 3 ± 1: σ_P² = 4·25 + 400·1, σ_L² = 3·25 + 400·1; B = (1 − β)·20.
    out = one(config(), lead_time_sd_days=1.0, service_target=target, **SMOOTH)
    s = level_over_p(out)
    sigma_p, sigma_l = math.sqrt(100.0 + 400.0), math.sqrt(75.0 + 400.0)
    shortage = sigma_p * loss((s - 80.0) / sigma_p) - sigma_l * loss((s - 60.0) / sigma_l)
    textbook = one(config("textbook"), lead_time_sd_days=1.0, service_target=target, **SMOOTH)
    assert out["method"] == "normal"
    assert shortage == pytest.approx((1.0 - target) * 20.0, rel=1e-9)
    assert out["safety_stock"] < textbook["safety_stock"]


def test_normal_rop_meets_the_hadley_whitin_shortage() -> None:
    # (r, Q), Q = 1 day of cover = 20, σ_P = √(4·25): σ·[G(k) − G(k + Q/σ)] = (1 − β)·Q,
    # about 1 % below the textbook σ·G(k) at this level.
    out = one(config(period_of_cover_days=1.0), logic="rop", service_target=0.9, **SMOOTH)
    sigma = math.sqrt(4.0 * 25.0)
    k = out["safety_stock"] / sigma
    q = out["order_qty"]
    assert q == 20.0
    assert sigma * (loss(k) - loss(k + q / sigma)) == pytest.approx(0.1 * q, rel=1e-9)
    assert sigma * loss(k) > 1.005 * 0.1 * q


# --- properties -----------------------------------------------------------------------------


@st.composite
def items(draw: st.DrawFn) -> dict[str, Any]:
    mean = draw(st.floats(0.05, 60.0))
    lead = draw(st.floats(0.5, 12.0))
    return item(
        pattern=draw(st.sampled_from(["smooth", "intermittent", "lumpy", "new"])),
        strategy=draw(st.sampled_from(["jit", "hybrid", "buffer"])),
        logic=draw(st.sampled_from(["kanban", "rop", "min_max", "order_up_to"])),
        demand_mean=mean,
        demand_sd=mean * draw(st.floats(0.0, 3.0)),
        adi=draw(st.floats(1.0, 12.0)),
        cv2=draw(st.sampled_from([0.0, 0.3, 1.5])),
        lead_time_mean_days=lead,
        lead_time_sd_days=lead * draw(st.sampled_from([0.0, 0.3])),
        demand_rate_cv2=draw(st.sampled_from([0.0, 0.5])),
        unit_cost=draw(st.floats(0.1, 1e3)),
    )


@SETTINGS
@given(
    items(),
    st.floats(0.5, 0.995),
    st.floats(0.5, 0.995),
    st.sampled_from(["compound", "montecarlo"]),
)
def test_higher_target_never_lowers_the_level_nor_exceeds_the_textbook(
    row: dict[str, Any], a: float, b: float, method: str
) -> None:
    low, high = sorted((a, b))
    rows = [{**row, "service_target": low}, {**row, "service_target": high}]

    def levels(shortage: str) -> np.ndarray:
        cfg = ParameterConfig(
            service_measure="fill_rate",
            fill_rate_shortage=shortage,  # type: ignore[arg-type]
            ltd_method=method,  # type: ignore[arg-type]
            montecarlo_samples=300,
        )
        return run(rows, cfg)["reorder_point"].to_numpy()

    level, textbook = levels("per_cycle"), levels("textbook")
    assert level[1] >= level[0] - 1e-9 * (1.0 + level[0])
    assert np.all(level <= textbook * (1.0 + 1e-12) + 1e-12)


# --- the textbook option and the default ------------------------------------------------------


def test_textbook_option_reproduces_the_textbook_kernels_bit_for_bit() -> None:
    cases = [(0.2, 5.0, 0.8, 0.0), (0.1, 3.0, 0.0, 0.0), (0.2, 5.0, 0.8, 0.4), (0.1, 3.0, 0.0, 0.3)]
    rows = [
        item(
            item=f"T{i}",
            demand_mean=p * size,
            adi=1 / p,
            cv2=cv2,
            lead_time_sd_days=1.0,
            demand_rate_cv2=phi,
            service_target=0.85,
        )
        for i, (p, size, cv2, phi) in enumerate(cases)
    ]
    out = run(rows, config("textbook"))["order_up_to"].to_numpy()
    sampled = run(rows[:2], config("textbook", ltd_method="montecarlo"), seed=7)["order_up_to"]

    p, size, cv2, phi = (np.array(column) for column in zip(*cases, strict=True))
    # The engine's arguments, as it derives them: p = 1/ADI, mean size μ/p, R = 1,
    # L = 3 ± 1 periods, target 0.85 of μ·R.
    mu = p * size
    occurrence = 1.0 / (1.0 / p)
    ones = np.ones(len(cases))
    allowed = (1.0 - 0.85) * (mu * 1.0)
    interval = (occurrence, mu / occurrence, cv2, ones, 3.0 * ones, ones, 0.85 * ones, allowed)
    plug_in = compound_reorder_points(1.0, *interval, True)
    uncertain = uncertain_reorder_points(1.0, *interval, True, np.where(phi > 0, phi, 1.0))
    # The engine's arithmetic: mean over P + (level − mean), exactly.
    mean = mu * 4.0
    expected = mean + np.maximum(np.where(phi > 0, uncertain, plug_in) - mean, 0.0)
    assert out.tolist() == expected.tolist()
    seeds = item_seeds(pl.Series(["T0", "T1"]), 7)
    drawn = sample_reorder_points(seeds, 1.0, *(x[:2] for x in interval), True, 2000)
    assert sampled.to_list() == (mean[:2] + np.maximum(drawn - mean[:2], 0.0)).tolist()

    normal = run([item(**SMOOTH, lead_time_sd_days=1.0)], config("textbook"))
    sigma = math.sqrt(100.0 + 400.0)
    textbook = float(safety_stock_fill_rate(0.9, 20.0, sigma))
    assert normal["safety_stock"][0] == (80.0 + textbook) - 80.0


def test_per_cycle_keeps_the_textbook_level_where_the_second_term_vanishes() -> None:
    # Zero lead time: D_L = 0; high target on a large Q: E[(D_P − r − Q)⁺] ≈ 0.
    rows = [
        item(item="A", lead_time_mean_days=0.0, cv2=0.7),
        item(item="B", logic="rop", cv2=0.7, abc="A", unit_cost=0.01, service_target=0.99),
        item(item="C", **SMOOTH, logic="rop", abc="C", service_target=0.99),
    ]
    per_cycle = run(rows, config())
    textbook = run(rows, config("textbook"))
    for name in ("safety_stock", "reorder_point", "order_up_to"):
        assert per_cycle[name].to_list() == textbook[name].to_list()


def test_cycle_service_is_unaffected() -> None:
    rows = [item(item="A", cv2=0.7), item(item="B", **SMOOTH)]
    per_cycle = run(rows, ParameterConfig(fill_rate_shortage="per_cycle"))
    textbook = run(rows, ParameterConfig(fill_rate_shortage="textbook"))
    assert per_cycle.equals(textbook)


def test_default_is_per_cycle_and_unknown_values_are_refused() -> None:
    assert ParameterConfig().fill_rate_shortage == "per_cycle"
    with pytest.raises(InvalidInputError, match="fill_rate_shortage"):
        ParameterConfig(fill_rate_shortage="exact")  # type: ignore[arg-type]
