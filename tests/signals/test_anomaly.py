"""Demand and order anomalies on hand-worked cases (numbers worked in the comments)."""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats

from takt.errors import InvalidInputError
from takt.signals.anomaly import DEMAND_COLUMNS, ORDER_COLUMNS, demand_anomalies, order_anomalies

SETTINGS = settings(max_examples=60, deadline=None)


def demand(rows: list[tuple[str, float]]) -> pl.DataFrame:
    return pl.DataFrame({"item": [r[0] for r in rows], "period": 1, "qty": [r[1] for r in rows]})


def forecast(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame([{"period": 1} | r for r in rows])


def by_item(frame: pl.DataFrame) -> dict[str, dict[str, Any]]:
    return {r["item"]: r for r in frame.iter_rows(named=True)}


# ---------------------------------------------------------------------- demand


def test_poisson_tail_on_a_slow_mover() -> None:
    actuals = demand([("THREE", 3.0), ("ONE", 1.0), ("TWO", 2.0)])
    fc = forecast([{"item": i, "mean": 0.2, "sd": None} for i in ("THREE", "ONE", "TWO")])
    out = demand_anomalies(actuals, fc)
    assert out.columns == list(DEMAND_COLUMNS)
    # P(X ≥ 3 | λ = 0.2) = 1 − e^−0.2 (1 + 0.2 + 0.02) = 1 − 0.818731·1.22 = 0.0011485
    # < Φ(−3) = 0.00135: flagged. P(X ≥ 1) = 0.181 and P(X ≥ 2) = 0.0175 are not.
    assert out["item"].to_list() == ["THREE"]
    three = out.row(0, named=True)
    assert three["score"] == pytest.approx(1 - math.exp(-0.2) * 1.22, rel=1e-9)
    assert three["score"] == pytest.approx(0.0011485, abs=1e-7)
    assert (three["method"], three["direction"]) == ("poisson", "high")
    assert three["message"].startswith("demand 3 is far above the expected 0.2: P(X ≥ 3) = 0.0011")
    # Under a normal with σ = √0.2 the single unit would be a 1.8σ event, two units 4σ.
    # The stricter z = 3.5 (tail 0.00023) cannot flag even the 3 units on this item.
    assert demand_anomalies(actuals, fc, z=3.5).height == 0


def test_normal_tails_from_the_sd() -> None:
    actuals = demand([("HIGH", 140.0), ("MILD", 125.0), ("LOW", 60.0), ("EXACT", 100.0)])
    fc = forecast(
        [{"item": i, "mean": 100.0, "sd": 10.0} for i in ("HIGH", "MILD", "LOW", "EXACT")]
    )
    out = by_item(demand_anomalies(actuals, fc))
    # 140: z = 4, P = Φ(−4) = 3.17e-5 flagged; 125: z = 2.5, P = 0.0062 not; 60: z = −4 low.
    assert set(out) == {"HIGH", "LOW"}
    assert out["HIGH"]["score"] == pytest.approx(3.167e-5, rel=1e-3)
    assert (out["LOW"]["direction"], out["LOW"]["method"]) == ("low", "normal")
    assert "P(X ≤ 60)" in out["LOW"]["message"]


def test_interval_quantiles_keep_their_skew() -> None:
    # 95 % interval [100 − 10·1.96, 100 + 20·1.96] = [80.4, 139.2]: σ = 10 below, 20 above.
    q = stats.norm.ppf(0.975)
    fc = pl.DataFrame({"item": ["UP", "DOWN"], "period": 1, "forecast": 100.0,
                       "lo": 100.0 - 10.0 * q, "hi": 100.0 + 20.0 * q})  # fmt: skip
    out = by_item(demand_anomalies(demand([("UP", 140.0), ("DOWN", 60.0)]), fc))
    # 140 is 2σ above (P = 0.023, not flagged), 60 is 4σ below (P = 3.2e-5, flagged).
    assert set(out) == {"DOWN"}
    assert out["DOWN"]["score"] == pytest.approx(stats.norm.cdf(-4.0), rel=1e-6)


def test_overdispersed_counts_use_the_negative_binomial() -> None:
    actuals = demand([("LUMPY", 12.0), ("SMOOTH", 12.0)])
    fc = forecast([{"item": "LUMPY", "mean": 2.0, "sd": 3.0}, {"item": "SMOOTH", "mean": 2.0,
                   "sd": math.sqrt(2.0)}])  # fmt: skip
    out = by_item(demand_anomalies(actuals, fc, z=2.5))  # tail 0.0062
    # Poisson(2): P(X ≥ 12) = 1.4e-6, flagged. NB with mean 2 and variance 9: n = 4/7,
    # p = 2/9 has a far heavier tail, P(X ≥ 12) = nbinom.sf(11, 4/7, 2/9) ≈ 0.019: not flagged.
    assert set(out) == {"SMOOTH"} and out["SMOOTH"]["method"] == "poisson"
    assert out["SMOOTH"]["score"] == pytest.approx(stats.poisson.sf(11, 2.0))
    nb_tail = stats.nbinom.sf(11, 4 / 7, 2 / 9)
    assert stats.norm.sf(2.5) < nb_tail < stats.norm.sf(1.5)
    flagged = by_item(demand_anomalies(actuals, fc, z=1.5))  # tail 0.0668
    assert flagged["LUMPY"]["method"] == "negative_binomial"
    assert flagged["LUMPY"]["score"] == pytest.approx(nb_tail)


def test_demand_on_an_item_forecast_at_zero_is_flagged() -> None:
    out = demand_anomalies(demand([("DEAD", 1.0)]), forecast([{"item": "DEAD", "mean": 0.0,
                                                                  "sd": 0.0}]))  # fmt: skip
    assert out["score"].to_list() == [0.0] and out["direction"].to_list() == ["high"]


def test_demand_inputs_are_checked() -> None:
    actuals = demand([("A", 1.0)])
    with pytest.raises(InvalidInputError, match="'sd' or both 'lo' and 'hi'"):
        demand_anomalies(actuals, forecast([{"item": "A", "mean": 1.0}]))
    with pytest.raises(InvalidInputError, match="period"):
        demand_anomalies(
            actuals.with_columns(pl.lit("2026-01").alias("period")),
            forecast([{"item": "A", "mean": 1.0, "sd": 1.0}]),
        )
    with pytest.raises(InvalidInputError, match="lacks column"):
        demand_anomalies(actuals.drop("qty"), forecast([{"item": "A", "mean": 1.0, "sd": 1.0}]))


def test_a_hundred_thousand_demand_rows() -> None:
    n = 100_000
    qty = np.zeros(n)
    qty[::1000] = 3.0  # 100 slow movers sell 3 against a mean of 0.2
    qty[1::1000] = 1.0  # and 100 sell a single unit
    actuals = pl.DataFrame({"item": [f"I{i}" for i in range(n)], "period": 1, "qty": qty})
    fc = pl.DataFrame({"item": actuals["item"], "period": 1, "mean": 0.2, "sd": None},
                      schema_overrides={"sd": pl.Float64})  # fmt: skip
    out = demand_anomalies(actuals, fc)
    assert sorted(out["item"].to_list()) == sorted(f"I{i}" for i in range(0, n, 1000))


# ---------------------------------------------------------------------- orders


def history(item: str, qtys: list[float], prices: list[float] | None = None,
            supplier: str = "S1") -> pl.DataFrame:  # fmt: skip
    start = date(2025, 1, 1)
    return pl.DataFrame(
        {
            "item": item,
            "supplier": supplier,
            "qty": qtys,
            "unit_price": prices if prices is not None else [10.0] * len(qtys),
            "order_date": [start + timedelta(days=7 * k) for k in range(len(qtys))],
        }
    )


def proposal(rows: list[dict[str, Any]]) -> pl.DataFrame:
    base = {"item": "X", "supplier": "S1", "unit_price": 10.0}
    return pl.DataFrame([base | r for r in rows], schema_overrides={"unit_price": pl.Float64})


def by_id(frame: pl.DataFrame, field: str) -> dict[int, dict[str, Any]]:
    return {r["id"]: r for r in frame.filter(pl.col("field") == field).iter_rows(named=True)}


def test_quantity_robust_z_hand_case() -> None:
    # Past orders 100, 200, 400, 800, 1600 = 400·2^k, k = −2..2: median ln 400, MAD = ln 2,
    # σ = 1.4826 ln 2, so 400·2^k scores z = k / 1.4826: k = 6 → 4.05 > 3.5, k = 4 → 2.70.
    past = history("X", [100.0, 200.0, 400.0, 800.0, 1600.0])
    lines = proposal([{"id": 1, "qty": 400.0 * 2**6}, {"id": 2, "qty": 400.0 * 2**4},
                      {"id": 3, "qty": 400.0 / 2**6}])  # fmt: skip
    out = order_anomalies(lines, past, all_lines=True)
    assert out.columns == list(ORDER_COLUMNS)
    qty = by_id(out, "qty")
    assert qty[1]["robust_z"] == pytest.approx(6 / 1.4826)
    assert qty[2]["robust_z"] == pytest.approx(4 / 1.4826)
    assert qty[3]["robust_z"] == pytest.approx(-6 / 1.4826)
    assert [qty[i]["status"] for i in (1, 2, 3)] == ["anomaly", "ok", "anomaly"]
    assert qty[1]["message"] == "quantity 25,600 is 64× the usual 400 (median of 5 orders)"
    assert qty[3]["message"] == "quantity 6.25 is only 1.6 % of the usual 400 (median of 5 orders)"
    assert (qty[1]["typical"], qty[1]["history_lines"]) == (400.0, 5)


def test_the_usual_four_hundred() -> None:
    past = history("X", [400.0] * 13 + [350.0, 450.0, 380.0, 420.0, 390.0, 410.0, 395.0, 405.0,
                                        400.0, 400.0])  # fmt: skip
    out = order_anomalies(proposal([{"id": 7, "qty": 5000.0}]), past)
    assert out["message"].to_list() == [
        "quantity 5,000 is 12.5× the usual 400 (median of 23 orders)"
    ]
    assert out["status"].to_list() == ["anomaly"]


def test_identical_history_uses_the_spread_floor() -> None:
    past = history("X", [400.0] * 6)
    lines = proposal([{"id": 1, "qty": 410.0}, {"id": 2, "qty": 600.0}])
    qty = by_id(order_anomalies(lines, past, all_lines=True), "qty")
    # MAD and mean deviation are 0: σ = 0.1. ln(410/400)/0.1 = 0.25; ln(1.5)/0.1 = 4.05.
    assert qty[1]["robust_z"] == pytest.approx(math.log(1.025) / 0.1)
    assert (qty[1]["status"], qty[2]["status"]) == ("ok", "anomaly")


def test_mad_zero_falls_back_to_the_mean_deviation() -> None:
    # 400 ×5 and 800 ×2 (of 7): MAD = 0; mean |ln dev| = 2 ln 2 / 7; σ = 1.2533 · that.
    past = history("X", [400.0] * 5 + [800.0] * 2)
    qty = by_id(order_anomalies(proposal([{"id": 1, "qty": 3200.0}]), past, all_lines=True), "qty")
    sigma = 1.2533 * 2 * math.log(2) / 7
    assert qty[1]["robust_z"] == pytest.approx(3 * math.log(2) / sigma)


def test_too_little_history_is_not_judged() -> None:
    past = history("X", [400.0] * 4)
    out = order_anomalies(proposal([{"id": 1, "qty": 40_000.0}]), past)
    assert out["status"].to_list() == ["not_judged", "not_judged"]
    assert by_id(out, "qty")[1]["message"] == "not judged: 4 past order(s) of this item, 5 needed"
    assert by_id(out, "qty")[1]["robust_z"] is None
    new_item = order_anomalies(proposal([{"id": 2, "item": "NEW", "qty": 1.0}]), past)
    assert by_id(new_item, "qty")[2]["history_lines"] == 0
    assert order_anomalies(proposal([{"id": 1, "qty": 40_000.0}]), past, min_history=4)[
        "status"
    ].to_list() == ["anomaly"]  # the price is as usual and so is left out


def test_price_needs_a_material_and_an_unusual_change() -> None:
    # Stable prices 10, 10.2, 9.8, 10.1, 9.9: median 10, MAD 0.1, σ = 0.14826.
    stable = history("X", [400.0] * 5, [10.0, 10.2, 9.8, 10.1, 9.9])
    lines = proposal([{"id": 1, "qty": 400.0, "unit_price": 13.0},
                      {"id": 2, "qty": 400.0, "unit_price": 11.0}])  # fmt: skip
    price = by_id(order_anomalies(lines, stable, all_lines=True), "price")
    # 13: +30 % > 25 % and z = 3/0.14826 = 20.2 → anomaly; 11: z 6.7 but only +10 % → ok.
    assert price[1]["robust_z"] == pytest.approx(3 / 0.14826)
    assert (price[1]["status"], price[2]["status"]) == ("anomaly", "ok")
    assert (
        price[1]["message"]
        == "unit price 13 is 30 % above the usual 10 (median of 5 orders from S1)"
    )
    assert price[1]["basis"] == "item_supplier"
    # Volatile prices 6, 10, 14, 8, 12: median 10, MAD 2, σ = 2.9652. 13 (+30 %) has z 1.01
    # → ok; 21 (+110 %) has z 3.71 → anomaly.
    volatile = history("X", [400.0] * 5, [6.0, 10.0, 14.0, 8.0, 12.0])
    lines = proposal([{"id": 1, "qty": 400.0, "unit_price": 13.0},
                      {"id": 2, "qty": 400.0, "unit_price": 21.0}])  # fmt: skip
    price = by_id(order_anomalies(lines, volatile, all_lines=True), "price")
    assert price[2]["robust_z"] == pytest.approx(11 / 2.9652)
    assert (price[1]["status"], price[2]["status"]) == ("ok", "anomaly")


def test_price_falls_back_to_the_item_and_needs_a_price() -> None:
    past = pl.concat([history("X", [400.0] * 5, [10.0] * 5, "S1"),
                      history("X", [400.0] * 2, [20.0] * 2, "S2")])  # fmt: skip
    lines = proposal([{"id": 1, "qty": 400.0, "supplier": "S2", "unit_price": 20.0},
                      {"id": 2, "qty": 400.0, "unit_price": None}])  # fmt: skip
    price = by_id(order_anomalies(lines, past, all_lines=True), "price")
    # S2 has 2 < 5 priced lines: the item's 7 lines, median 10 → 20 is +100 %, and with MAD
    # 0 the mean deviation (2·10/7) gives σ = 1.2533·20/7 = 3.581, z = 2.79 < 3.5 → ok.
    assert (price[1]["basis"], price[1]["typical"], price[1]["history_lines"]) == ("item", 10.0, 7)
    assert price[1]["robust_z"] == pytest.approx(10 / (1.2533 * 20 / 7))
    assert price[1]["status"] == "ok"
    assert (price[2]["status"], price[2]["message"]) == ("not_judged", "not judged: no unit price")


def test_only_the_latest_orders_count() -> None:
    old_then_new = history("X", [1000.0] * 10 + [100.0] * 5)
    lines = proposal([{"id": 1, "qty": 100.0}])
    assert (
        by_id(order_anomalies(lines, old_then_new, max_history=5, all_lines=True), "qty")[1][
            "typical"
        ]
        == 100.0
    )
    assert (
        by_id(order_anomalies(lines, old_then_new, all_lines=True), "qty")[1]["typical"] == 1000.0
    )


def test_order_inputs_are_checked() -> None:
    past = history("X", [400.0] * 5)
    with pytest.raises(InvalidInputError, match="qty must be positive for id \\[9\\]"):
        order_anomalies(proposal([{"id": 9, "qty": 0.0}]), past)
    with pytest.raises(InvalidInputError, match="order_date"):
        order_anomalies(proposal([{"id": 1, "qty": 1.0}]), past.drop("order_date"))


positive = st.floats(1.0, 10_000.0, allow_nan=False)
factor = st.sampled_from([0.01, 0.5, 3.0, 12.0, 1000.0])


@SETTINGS
@given(st.lists(positive, min_size=5, max_size=30), positive, positive, factor)
def test_flags_do_not_depend_on_the_unit(
    qtys: list[float], qty: float, price: float, scale: float
) -> None:
    prices = [10.0 + (k % 7) for k in range(len(qtys))]
    past = history("X", qtys, prices)
    line = proposal([{"id": 1, "qty": qty, "unit_price": price}])
    base = order_anomalies(line, past, all_lines=True)
    # Same orders in dozens (qty × scale) and in another currency (price × scale).
    scaled_past = past.with_columns(pl.col("qty", "unit_price") * scale)
    scaled_line = line.with_columns(pl.col("qty", "unit_price") * scale)
    scaled = order_anomalies(scaled_line, scaled_past, all_lines=True)
    for field, limit in (("qty", 3.5), ("price", 3.5)):
        z0, z1 = by_id(base, field)[1]["robust_z"], by_id(scaled, field)[1]["robust_z"]
        assume(z0 is None or abs(abs(z0) - limit) > 1e-6)  # not on the knife's edge
        assert z1 == pytest.approx(z0, rel=1e-9, abs=1e-9)
        assert by_id(scaled, field)[1]["status"] == by_id(base, field)[1]["status"]
