"""Policy runs calibrate the demand estimate on a holdout of the store's daily history:
a demand that fell lowers it by b, rate uncertainty φ raises the levels, the run records
the table, and without enough history (or with the setting off) nothing changes.

These are the ``history`` source's (the 365-day mean) and are pinned to it; the
``forecast`` source's are in ``test_policy_forecast_source.py``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from sqlalchemy import Engine, select

from takt.config import get_settings
from takt.demo.generator import DemoConfig, generate
from takt.ingest.specs import LOAD_ORDER
from takt.policy.segment import load_rules
from takt.services.calibration import calibrate_features
from takt.services.forecasting import run_forecast
from takt.services.imports import import_frame
from takt.services.policy import (
    _overrides,
    assemble_features,
    export_policies,
    run_policy,
    size_policies,
)
from takt.services.supplier_signals import run_supplier_signals
from takt.store.models import PlanRunRow

KINDS = tuple(kind for kind in LOAD_ORDER if kind != "demand-series")
FALL = 0.7  # demand in the last 91 days before the plan date is 70 % of what it was


@pytest.fixture(autouse=True)
def default_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The settings' defaults (calibration on, 91 days, the forecast source), whatever the
    environment says."""
    monkeypatch.delenv("TAKT_POLICY_CALIBRATION", raising=False)
    monkeypatch.delenv("TAKT_POLICY_HOLDOUT_DAYS", raising=False)
    monkeypatch.delenv("TAKT_POLICY_DEMAND_SOURCE", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def declined() -> dict[str, pl.DataFrame]:
    """The demo's 730 days of demand, every signal of the last 91 days times 0.7."""
    config = DemoConfig(items=80, seed=21)
    frames = generate(config)
    cut = datetime.combine(config.as_of - timedelta(days=91), datetime.min.time(), tzinfo=UTC)
    frames["signals"] = frames["signals"].with_columns(
        pl.when(pl.col("timestamp") >= cut)
        .then(pl.col("qty") * FALL)
        .otherwise(pl.col("qty"))
        .alias("qty")
    )
    return frames


def prepare(engine: Engine, frames: dict[str, pl.DataFrame]) -> None:
    for kind in KINDS:
        import_frame(engine, kind, frames[kind])
    run_forecast(engine, grain="week", horizon=8)
    run_supplier_signals(engine)


def run_record(engine: Engine, run_id: int) -> tuple[dict, dict]:  # type: ignore[type-arg]
    with engine.connect() as conn:
        row = conn.execute(
            select(PlanRunRow.parameters, PlanRunRow.summary).where(PlanRunRow.id == run_id)
        ).one()
    return row[0], row[1]


def test_a_fall_in_demand_lowers_the_estimate_by_the_bias(
    engine: Engine, declined: dict[str, pl.DataFrame]
) -> None:
    prepare(engine, declined)
    on = run_policy(engine, demand_source="history")
    off = run_policy(engine, calibration=False, demand_source="history")
    calibration = on.calibration
    assert calibration is not None and calibration.applied and calibration.reason == ""
    assert (calibration.holdout_days, calibration.holdout_periods) == (91, 13)  # weeks
    table = calibration.table
    assert table["group"][0] == "all" and table["items"][0] >= 60
    # The demo's demand runs about level: the fall shows as b near 0.7 in every group.
    assert table["bias"].is_between(0.55, 0.8).all()
    assert (table["rate_cv2"] > 0).any()

    patterns = assemble_features(engine)[0].select("item", "pattern", "lifecycle")
    joined = on.policies.join(off.policies, on="item", suffix="_off").join(patterns, on="item")
    kept = (pl.col("pattern") == "dying") | (pl.col("lifecycle") == "phase_out")
    stocked = joined.filter(~kept, pl.col("demand_per_day_off") > 0)
    assert stocked.height >= 60
    ratio = stocked["demand_per_day"] / stocked["demand_per_day_off"]
    biases = table["bias"].to_list()
    # Each item's estimate is the plain 365-day mean times its group's b.
    assert all(min(abs(r - b) for b in biases) < 1e-9 for r in ratio.to_list())
    # Dying and phase-out items keep the plain estimate.
    unchanged = joined.filter(kept)
    assert unchanged.height >= 1
    assert (unchanged["demand_per_day"] == unchanged["demand_per_day_off"]).all()
    # What is stored is what was sized.
    stored = export_policies(engine, on.run_id).sort("sku", "location")["demand_per_day"]
    expected = on.policies.sort("item")["demand_per_day"]
    assert stored.to_list() == pytest.approx(expected.to_list())

    parameters, summary = run_record(engine, on.run_id)
    assert parameters["calibration"] is True and parameters["holdout_days"] == 91
    assert parameters["demand_source"] == "history"
    recorded = summary["calibration"]
    assert recorded["source"] == "history" and recorded["origin"] == "2026-08-02"
    assert recorded["applied"] is True and recorded["holdout_periods"] == 13
    assert pl.DataFrame(recorded["groups"]).equals(table)
    parameters_off, summary_off = run_record(engine, off.run_id)
    assert parameters_off["calibration"] is False
    assert summary_off["calibration"]["applied"] is False
    assert summary_off["calibration"]["reason"] == "turned off (policy_calibration)"


def test_rate_uncertainty_raises_the_levels(
    engine: Engine, declined: dict[str, pl.DataFrame]
) -> None:
    prepare(engine, declined)
    feats, as_of, days_per_period = assemble_features(engine)
    calibrated, calibration = calibrate_features(
        engine, feats, as_of, days_per_period, demand_source="history"
    )
    assert calibration.applied
    rules, overrides = load_rules(None), _overrides(engine)
    with_phi = size_policies(calibrated, rules, overrides, days_per_period)
    plug_in = size_policies(
        calibrated.with_columns(pl.lit(0.0).alias("demand_rate_cv2")),
        rules,
        overrides,
        days_per_period,
    )
    both = (
        with_phi.join(plug_in, on="item", suffix="_plug_in")
        .join(calibrated.select("item", "demand_rate_cv2"), on="item")
        .filter(
            pl.col("logic") != "none",
            pl.col("demand_rate_cv2") > 0,
            pl.col("method") == pl.col("method_plug_in"),
            pl.col("method").is_in(["normal", "compound"]),
        )
    )
    assert both.height >= 30
    # The statistical level: a hybrid's contingency reserve tops it up to a fixed cover.
    both = both.with_columns(
        (pl.col("reorder_point") - pl.col("contingency_reserve")).alias("level"),
        (pl.col("reorder_point_plug_in") - pl.col("contingency_reserve_plug_in")).alias(
            "plug_in_level"
        ),
    )
    normal = both.filter(pl.col("method") == "normal")
    assert normal.height >= 10
    # Normal: the textbook σ² + φ·μ² is larger, so is every level.
    assert (normal["level"] > normal["plug_in_level"] + 1e-9).all()
    # Compound: the quantile of M·D₀ can sit slightly below that of D₀ for a lumpy item
    # at a moderate target, but the levels rise in total.
    compound = both.filter(pl.col("method") == "compound")
    assert compound.height >= 10
    assert compound["level"].sum() > 1.02 * compound["plug_in_level"].sum()
    top = normal["order_up_to"] - normal["contingency_reserve"]
    assert (top > normal["order_up_to_plug_in"] - normal["contingency_reserve_plug_in"]).all()
    # The stored run sized exactly these levels (b and φ).
    run = run_policy(engine, demand_source="history")
    assert_frame_equal(
        run.policies.select("item", "reorder_point", "order_up_to").sort("item"),
        with_phi.select("item", "reorder_point", "order_up_to").sort("item"),
    )


def test_too_little_history_skips_calibration_and_says_so(engine: Engine) -> None:
    prepare(engine, generate(DemoConfig(items=30, seed=5, days=300)))
    result = run_policy(engine, demand_source="history")
    calibration = result.calibration
    assert calibration is not None and not calibration.applied
    assert calibration.reason == "less than 365 + 91 days of daily demand before 2026-11-01"
    assert calibration.table.height == 0
    _, summary = run_record(engine, result.run_id)
    assert summary["calibration"]["applied"] is False
    assert summary["calibration"]["reason"].startswith("less than 365 + 91 days")
    assert summary["calibration"]["groups"] == []
    off = run_policy(engine, calibration=False, demand_source="history")
    assert_frame_equal(export_policies(engine, result.run_id), export_policies(engine, off.run_id))


def test_the_settings_turn_it_off_and_set_the_holdout(
    engine: Engine, declined: dict[str, pl.DataFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    prepare(engine, declined)
    monkeypatch.setenv("TAKT_POLICY_DEMAND_SOURCE", "history")
    monkeypatch.setenv("TAKT_POLICY_HOLDOUT_DAYS", "28")
    get_settings.cache_clear()
    four_weeks = run_policy(engine).calibration
    assert four_weeks is not None and four_weeks.applied
    assert (four_weeks.holdout_days, four_weeks.holdout_periods) == (28, 4)
    monkeypatch.setenv("TAKT_POLICY_CALIBRATION", "false")
    get_settings.cache_clear()
    result = run_policy(engine)
    assert result.calibration is not None and not result.calibration.applied
    parameters, _ = run_record(engine, result.run_id)
    assert parameters == {
        "rules": parameters["rules"],
        "actor": "cli",
        "engine": "local",
        "calibration": False,
        "holdout_days": 28,
        "demand_source": "history",
    }


def test_the_stress_test_sees_the_demand_the_policy_was_sized_for(
    engine: Engine, declined: dict[str, pl.DataFrame]
) -> None:
    from takt.services.policy import policy_run_features
    from takt.services.simulation import simulation_items, strategy_variants

    prepare(engine, declined)
    for calibrated in (True, False):  # the latest policy run decides
        run = run_policy(engine, calibration=calibrated, demand_source="history")
        sized = run.policies.select("item_id", "demand_per_day")
        feats = policy_run_features(engine)[0].join(sized, on="item_id")
        assert feats["demand_mean"].to_list() == pytest.approx(feats["demand_per_day"].to_list())
        simulated = simulation_items(engine).join(sized, on="item_id")
        assert simulated.height >= 40
        assert simulated["demand_mean"].to_list() == pytest.approx(
            simulated["demand_per_day"].to_list()
        )
        # The all-JIT and all-buffer variants are sized on that same demand.
        for name, variant in strategy_variants(engine).items():
            joined = variant.join(sized, on="item_id")
            assert joined["demand_mean"].to_list() == pytest.approx(
                joined["demand_per_day"].to_list()
            ), name
    # The two runs differ: the check above is not comparing a thing with itself.
    on = policy_run_features(engine)[0]["demand_mean"].sum()
    run_policy(engine, calibration=True, demand_source="history")
    assert policy_run_features(engine)[0]["demand_mean"].sum() < on
