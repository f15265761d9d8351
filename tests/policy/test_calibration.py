"""Calibration from a holdout: bias b and rate uncertainty φ recovered from synthetic
items with known values, pooling of small groups, application to the features, errors."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import polars as pl
import pytest

from takt.errors import InvalidInputError
from takt.policy.calibration import (
    apply_calibration,
    estimate_calibration,
    with_calibration_groups,
)


def poisson_world(
    seed: int, *, n: int = 3000, phi: float = 0.3, bias: float = 1.0, periods: int = 13
) -> pl.DataFrame:
    """Items whose true rate is bias·f·M, M ~ Gamma(1/φ, φ), observed over ``periods``
    periods as orders of a constant size m arriving as a Poisson process: the sampling
    variance per period is λ·m, which the compound-Bernoulli v = f²·((1 + CV²)·ADI − 1)
    gives exactly with ADI 1 and CV² = m/f."""
    rng = np.random.default_rng(seed)
    forecast = rng.uniform(2.0, 20.0, n)
    size = rng.choice([1.0, 2.0, 5.0], n)
    rate = bias * forecast * rng.gamma(1.0 / phi, phi, n)
    actual = size * rng.poisson(rate * periods / size) / periods
    return pl.DataFrame(
        {
            "item": [f"P{i}" for i in range(n)],
            "group": "smooth/old",
            "actual": actual,
            "forecast": forecast,
            "adi": 1.0,
            "cv2": size / forecast,
        }
    )


def intermittent_world(
    seed: int, *, n: int = 3000, phi: float = 0.3, adi: float = 2.0, cv2: float = 0.25
) -> pl.DataFrame:
    """Compound-Bernoulli items (an order with probability 1/ADI a period, gamma sizes of
    CV²) at the true rate f·M over 52 periods."""
    rng = np.random.default_rng(seed)
    forecast = rng.uniform(2.0, 20.0, n)
    rate = forecast * rng.gamma(1.0 / phi, phi, n)
    ordered = rng.random((n, 52)) < 1.0 / adi
    sizes = rng.gamma(1.0 / cv2, (rate * adi * cv2)[:, None], (n, 52))
    return pl.DataFrame(
        {
            "item": [f"P{i}" for i in range(n)],
            "group": "intermittent/old",
            "actual": (ordered * sizes).mean(axis=1),
            "forecast": forecast,
            "adi": adi,
            "cv2": cv2,
        }
    )


def test_demand_that_fell_by_30_percent_gives_a_bias_of_0_7() -> None:
    table = estimate_calibration(poisson_world(1, phi=0.05, bias=0.7), periods=13)
    row = table.filter(pl.col("group") == "smooth/old").row(0, named=True)
    assert row["bias"] == pytest.approx(0.7, abs=0.02)
    assert row["items"] == 3000 and not row["borrowed"]
    # φ is measured around the corrected estimate b·f, not around f.
    assert row["rate_cv2"] == pytest.approx(0.05, abs=0.02)


def test_rate_uncertainty_of_a_known_gamma_is_recovered() -> None:
    table = estimate_calibration(poisson_world(2, phi=0.3), periods=13)
    row = table.filter(pl.col("group") == "smooth/old").row(0, named=True)
    assert row["bias"] == pytest.approx(1.0, abs=0.03)
    assert row["rate_cv2"] == pytest.approx(0.3, abs=0.04)


def test_rate_uncertainty_of_intermittent_demand_is_recovered() -> None:
    table = estimate_calibration(intermittent_world(3, phi=0.3), periods=52)
    row = table.filter(pl.col("group") == "intermittent/old").row(0, named=True)
    assert row["rate_cv2"] == pytest.approx(0.3, abs=0.04)


def test_no_rate_uncertainty_gives_phi_near_zero() -> None:
    table = estimate_calibration(poisson_world(4, phi=1e-6), periods=13)
    assert table.filter(pl.col("group") == "smooth/old")["rate_cv2"][0] < 0.01


def test_groups_under_the_minimum_borrow_from_the_level_above() -> None:
    big = poisson_world(5, n=200, phi=0.1, bias=0.7)
    small = poisson_world(6, n=20, phi=0.1, bias=1.5).with_columns(
        pl.lit("lumpy/young").alias("group"), ("Q" + pl.col("item")).alias("item")
    )
    unused = small.head(3).with_columns(
        pl.lit("new/young").alias("group"),
        ("N" + pl.col("item")).alias("item"),
        pl.lit(0.0).alias("forecast"),
    )
    # 20 young smooth items falling by half: too few for their own values, they borrow
    # smooth's (220 items), not the pool's.
    young = poisson_world(8, n=20, phi=0.1, bias=0.5).with_columns(
        pl.lit("smooth/young").alias("group"), ("Y" + pl.col("item")).alias("item")
    )
    world = pl.concat([big, small, unused, young])
    table = estimate_calibration(world, periods=13)
    assert table["group"].to_list() == [
        "all",
        "lumpy",
        "lumpy/young",
        "new",
        "new/young",
        "smooth",
        "smooth/old",
        "smooth/young",
    ]
    rows = {r["group"]: r for r in table.iter_rows(named=True)}
    assert rows["all"]["items"] == 240 and not rows["all"]["borrowed"]
    assert rows["lumpy/young"]["items"] == 20 and rows["lumpy/young"]["borrowed"]
    assert rows["new/young"]["items"] == 0 and rows["new/young"]["borrowed"]
    assert rows["smooth/old"]["items"] == 200 and not rows["smooth/old"]["borrowed"]
    assert rows["smooth"]["items"] == 220 and not rows["smooth"]["borrowed"]
    assert rows["smooth/young"]["items"] == 20 and rows["smooth/young"]["borrowed"]
    for small_group in ("lumpy", "lumpy/young", "new", "new/young"):  # up to the pool
        assert rows[small_group]["bias"] == rows["all"]["bias"]
        assert rows[small_group]["rate_cv2"] == rows["all"]["rate_cv2"]
    assert rows["smooth/young"]["bias"] == rows["smooth"]["bias"] != rows["all"]["bias"]
    assert rows["smooth/young"]["rate_cv2"] == rows["smooth"]["rate_cv2"]
    assert rows["smooth/old"]["bias"] == pytest.approx(0.7, abs=0.05)
    assert rows["all"]["bias"] > rows["smooth"]["bias"]  # the rising small group
    # With a lower minimum the small group has its own values.
    own = estimate_calibration(world, periods=13, min_items=10)
    lumpy = own.filter(pl.col("group") == "lumpy/young").row(0, named=True)
    assert not lumpy["borrowed"] and lumpy["bias"] == pytest.approx(1.5, abs=0.2)


def test_an_estimate_decayed_to_nothing_counts_as_one_unit_over_the_holdout() -> None:
    # One item estimated at 1e-6 a period that sold 2 a period in the holdout: at its
    # own estimate its term would be 4·10⁶ and φ of its group enormous; counted as 1/H
    # (one unit over the 13 periods) it moves φ by a few hundredths.
    world = poisson_world(9, n=300, phi=0.1)
    revived = world.head(1).with_columns(
        pl.lit("Z").alias("item"), pl.lit(1e-6).alias("forecast"), pl.lit(2.0).alias("actual")
    )
    floored = estimate_calibration(pl.concat([world, revived]), periods=13)
    raw = estimate_calibration(pl.concat([world, revived]), periods=13, min_forecast=0.0)
    phi = floored.filter(pl.col("group") == "smooth/old")["rate_cv2"][0]
    assert phi == pytest.approx(0.1, abs=0.06)
    assert raw.filter(pl.col("group") == "smooth/old")["rate_cv2"][0] > 100


def test_items_without_a_group_take_no_part() -> None:
    world = poisson_world(7, n=100, bias=0.7)
    outlier = pl.DataFrame(
        {
            "item": ["X"],
            "group": [None],
            "actual": [1000.0],
            "forecast": [1.0],
            "adi": [1.0],
            "cv2": [0.0],
        },
        schema=world.schema,
    )
    with_outlier = estimate_calibration(pl.concat([world, outlier]), periods=13)
    assert with_outlier.equals(estimate_calibration(world, periods=13))


def test_missing_adi_and_cv2_count_as_a_steady_order_every_period() -> None:
    world = poisson_world(8, n=100).with_columns(pl.lit(1.0).alias("adi"), pl.lit(0.0).alias("cv2"))
    missing = world.with_columns(
        pl.lit(None, pl.Float64).alias("adi"), pl.lit(None, pl.Float64).alias("cv2")
    )
    below_one = world.with_columns(pl.lit(0.5).alias("adi"))
    expected = estimate_calibration(world, periods=13)
    assert estimate_calibration(missing, periods=13).equals(expected)
    assert estimate_calibration(below_one, periods=13).equals(expected)


def test_pandas_in_gives_pandas_out() -> None:
    world = poisson_world(9, n=50)
    table = estimate_calibration(world.to_pandas(), periods=13)
    assert isinstance(table, pd.DataFrame)
    assert table["bias"].tolist() == estimate_calibration(world, periods=13)["bias"].to_list()


def features() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "item": ["A", "B", "C", "D"],
            "group": ["smooth/old", "lumpy/young", None, "smooth/old"],
            "pattern": ["smooth", "lumpy", "smooth", "dying"],
            "demand_mean": [10.0, 2.0, 5.0, 1.0],
            "demand_sd": [3.0, 4.0, 1.0, 1.0],
        }
    )


CALIBRATION = pl.DataFrame(
    {
        "group": ["all", "lumpy/young", "smooth/old"],
        "items": [60, 10, 50],
        "bias": [0.8, 0.8, 0.7],
        "rate_cv2": [0.2, 0.2, 0.1],
        "borrowed": [False, True, False],
    }
)


def test_apply_scales_mean_and_sd_and_sets_the_rate_uncertainty() -> None:
    out = apply_calibration(features(), CALIBRATION)
    assert out["item"].to_list() == ["A", "B", "C", "D"]
    assert out["demand_mean"].to_list() == pytest.approx([7.0, 1.6, 5.0, 1.0])
    assert out["demand_sd"].to_list() == pytest.approx([2.1, 3.2, 1.0, 1.0])
    # C has no group, D is dying: unchanged, no rate uncertainty.
    assert out["demand_rate_cv2"].to_list() == pytest.approx([0.1, 0.2, 0.0, 0.0])


def test_apply_takes_the_nearest_level_above_a_group_missing_from_the_table() -> None:
    # "smooth/young" is not in the table (no young items at the holdout): smooth's
    # values; "erratic/old" has no level in it: the pool's; without a pool, unchanged.
    table = pl.DataFrame(
        {
            "group": ["all", "smooth", "smooth/old"],
            "bias": [0.9, 0.6, 0.7],
            "rate_cv2": [0.3, 0.2, 0.1],
        }
    )
    feats = pl.DataFrame(
        {
            "group": ["smooth/young", "erratic/old", "smooth/old"],
            "pattern": ["smooth", "erratic", "smooth"],
            "demand_mean": [10.0, 10.0, 10.0],
            "demand_sd": [1.0, 1.0, 1.0],
        }
    )
    out = apply_calibration(feats, table)
    assert out["demand_mean"].to_list() == pytest.approx([6.0, 9.0, 7.0])
    assert out["demand_rate_cv2"].to_list() == pytest.approx([0.2, 0.3, 0.1])
    no_pool = apply_calibration(feats, table.filter(pl.col("group") != "all"))
    assert no_pool["demand_mean"].to_list() == pytest.approx([6.0, 10.0, 7.0])
    assert no_pool["demand_rate_cv2"].to_list() == pytest.approx([0.2, 0.0, 0.1])


def test_with_calibration_groups_splits_young_from_old_at_two_years() -> None:
    origin = date(2026, 8, 1)
    frame = pl.DataFrame(
        {
            "pattern": ["smooth", "smooth", "lumpy", "dying", "new"],
            "first_demand": [
                date(2024, 8, 1),  # exactly 730 days before: old
                date(2024, 8, 2),  # 729 days: young
                date(2026, 9, 1),  # first demand inside the holdout: young
                date(2020, 1, 1),
                None,
            ],
        }
    )
    groups = with_calibration_groups(frame, origin)["group"].to_list()
    assert groups == ["smooth/old", "smooth/young", "lumpy/young", None, None]


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("actual", -1.0, r"actual must be finite and >= 0 \(got -1.0 for 'P0'\)"),
        ("forecast", float("inf"), r"forecast must be finite and >= 0 .*'P0'"),
        ("adi", -2.0, r"adi must be >= 0 \(got -2.0 for 'P0'\)"),
        ("cv2", -0.5, r"cv2 must be finite and >= 0 .*'P0'"),
        ("item", "P1", r"item 'P1' appears more than once"),
        ("group", "all", r"group 'all' is reserved"),
    ],
)
def test_bad_holdout_is_an_input_error(column: str, value: object, message: str) -> None:
    world = poisson_world(10, n=5)
    first = pl.int_range(pl.len()) == 0
    bad = world.with_columns(pl.when(first).then(pl.lit(value)).otherwise(column).alias(column))
    with pytest.raises(InvalidInputError, match=message):
        estimate_calibration(bad, periods=13)


def test_bad_arguments_and_columns_are_input_errors() -> None:
    world = poisson_world(11, n=5)
    with pytest.raises(InvalidInputError, match=r"lacks the column.*forecast"):
        estimate_calibration(world.drop("forecast"), periods=13)
    with pytest.raises(InvalidInputError, match="periods must be a whole number"):
        estimate_calibration(world, periods=0)
    with pytest.raises(InvalidInputError, match="min_items must be at least 1"):
        estimate_calibration(world, periods=13, min_items=0)
    with pytest.raises(InvalidInputError, match=r"lacks the column.*demand_sd"):
        apply_calibration(features().drop("demand_sd"), CALIBRATION)
    negative = CALIBRATION.with_columns(
        pl.when(pl.col("group") == "smooth/old").then(-0.1).otherwise("bias").alias("bias")
    )
    with pytest.raises(InvalidInputError, match=r"bias must be finite and >= 0 .*'smooth/old'"):
        apply_calibration(features(), negative)
    with pytest.raises(InvalidInputError, match="group 'all' appears more than once"):
        apply_calibration(features(), pl.concat([CALIBRATION, CALIBRATION.head(1)]))
