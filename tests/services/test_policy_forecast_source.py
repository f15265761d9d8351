"""Policy runs on the ``forecast`` demand source (the default): each item is sized on its
mean stored forecast, calibrated by b and φ estimated on the forecast run's one-year
holdout; without a holdout nothing is calibrated and the run says why; the setting picks
the source and the stress test follows the latest policy run's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from pydantic import ValidationError
from sqlalchemy import Engine, delete, func, select, update

from takt.config import get_settings
from takt.demo.generator import DemoConfig, generate
from takt.errors import InvalidInputError
from takt.ingest.specs import LOAD_ORDER
from takt.policy.calibration import estimate_calibration, with_calibration_groups
from takt.services.forecasting import run_forecast
from takt.services.imports import import_frame
from takt.services.policy import export_policies, policy_run_features, run_policy
from takt.services.runs import latest_run_id
from takt.services.supplier_signals import run_supplier_signals
from takt.store.models import (
    DemandBucketRow,
    ForecastHoldoutRow,
    ForecastRow,
    ItemClassificationRow,
    ItemRow,
    PlanRunRow,
)

KINDS = tuple(kind for kind in LOAD_ORDER if kind != "demand-series")
DAYS_PER_WEEK = 7.0


@pytest.fixture(autouse=True)
def default_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The settings' defaults (forecast source, calibration on), whatever the environment
    says."""
    for name in ("CALIBRATION", "HOLDOUT_DAYS", "DEMAND_SOURCE"):
        monkeypatch.delenv(f"TAKT_POLICY_{name}", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def demo() -> dict[str, pl.DataFrame]:
    return generate(DemoConfig(items=80, seed=21))


def prepare(engine: Engine, frames: dict[str, pl.DataFrame], **forecast: int) -> int:
    for kind in KINDS:
        import_frame(engine, kind, frames[kind])
    run_supplier_signals(engine)
    return run_forecast(engine, grain="week", horizon=8, **forecast).run_id


def run_record(engine: Engine, run_id: int) -> tuple[dict, dict]:  # type: ignore[type-arg]
    with engine.connect() as conn:
        row = conn.execute(
            select(PlanRunRow.parameters, PlanRunRow.summary).where(PlanRunRow.id == run_id)
        ).one()
    return dict(row[0]), dict(row[1])


def read(engine: Engine, query: object, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(query)]  # type: ignore[call-overload]
    return pl.DataFrame(rows, schema=schema, orient="row")


def items(engine: Engine) -> pl.DataFrame:
    return read(
        engine,
        select(ItemRow.id, ItemRow.sku, ItemRow.location, ItemRow.lifecycle),
        {"item_id": pl.Int64, "sku": pl.Utf8, "location": pl.Utf8, "lifecycle": pl.Utf8},
    ).with_columns((pl.col("sku") + "@" + pl.col("location")).alias("item"))


def bias_of(label: str | None, table: pl.DataFrame) -> float:
    """The b of ``label``'s nearest level in ``table`` (a/b -> a -> all)."""
    known = dict(zip(table["group"], table["bias"], strict=True))
    path = label or ""
    while path:
        if path in known:
            return float(known[path])
        path = path.rpartition("/")[0]
    return float(known["all"]) if label else 1.0


def test_items_are_sized_on_their_forecasts_times_their_groups_bias(
    engine: Engine, demo: dict[str, pl.DataFrame]
) -> None:
    forecast_run = prepare(engine, demo)
    result = run_policy(engine)
    calibration = result.calibration
    assert calibration is not None and calibration.applied and calibration.source == "forecast"
    assert (calibration.holdout_periods, calibration.holdout_days) == (52, 364)
    parameters, summary = run_record(engine, result.run_id)
    forecast_parameters, _ = run_record(engine, forecast_run)
    assert parameters["demand_source"] == "forecast" and parameters["calibration"] is True
    origin = date.fromisoformat(forecast_parameters["holdout_origin"])
    assert calibration.origin == origin and summary["calibration"]["source"] == "forecast"

    # The recorded table is estimate_calibration of the stored holdout, grouped by the
    # pattern and age at its origin, phase-outs and dying items left out.
    holdout = read(
        engine,
        select(
            ForecastHoldoutRow.item_id,
            ForecastHoldoutRow.pattern,
            ForecastHoldoutRow.first_demand,
            ForecastHoldoutRow.adi,
            ForecastHoldoutRow.cv2,
            ForecastHoldoutRow.actual,
            ForecastHoldoutRow.forecast,
        ).where(ForecastHoldoutRow.run_id == forecast_run),
        {
            "item_id": pl.Int64,
            "pattern": pl.Utf8,
            "first_demand": pl.Date,
            "adi": pl.Float64,
            "cv2": pl.Float64,
            "actual": pl.Float64,
            "forecast": pl.Float64,
        },
    )
    assert holdout.height >= 60
    grouped = with_calibration_groups(
        holdout.join(items(engine), on="item_id").sort("item_id"), origin
    ).with_columns(
        pl.when(pl.col("lifecycle") == "phase_out").then(None).otherwise("group").alias("group")
    )
    expected = estimate_calibration(grouped, periods=52)
    assert_frame_equal(calibration.table, expected)
    assert_frame_equal(pl.DataFrame(summary["calibration"]["groups"]), expected)

    # Each item's demand per day: its mean stored forecast per day times its group's b,
    # the group being its pattern now and its age at the plan date.
    means = read(
        engine,
        select(ForecastRow.item_id, func.avg(ForecastRow.qty))
        .where(ForecastRow.run_id == forecast_run)
        .group_by(ForecastRow.item_id),
        {"item_id": pl.Int64, "mean": pl.Float64},
    )
    patterns = read(
        engine,
        select(ItemClassificationRow.item_id, ItemClassificationRow.pattern).where(
            ItemClassificationRow.run_id == forecast_run
        ),
        {"item_id": pl.Int64, "pattern": pl.Utf8},
    )
    firsts = read(
        engine,
        select(DemandBucketRow.item_id, func.min(DemandBucketRow.period_start))
        .where(DemandBucketRow.qty > 0)
        .group_by(DemandBucketRow.item_id),
        {"item_id": pl.Int64, "first_demand": pl.Date},
    )
    as_of = date(2026, 11, 1)
    now = with_calibration_groups(
        items(engine).join(patterns, on="item_id").join(firsts, on="item_id", how="left"), as_of
    ).with_columns(
        pl.when(pl.col("lifecycle") == "phase_out").then(None).otherwise("group").alias("group")
    )
    checked = (
        result.policies.select("item_id", "demand_per_day")
        .join(means, on="item_id")
        .join(now.select("item_id", "group", "pattern"), on="item_id")
    )
    assert checked.height == 80
    biases = [bias_of(g, calibration.table) for g in checked["group"].to_list()]
    assert len(set(biases)) >= 2  # not one factor for all
    expected_demand = checked["mean"] / DAYS_PER_WEEK * pl.Series(biases)
    assert checked["demand_per_day"].to_list() == pytest.approx(
        expected_demand.to_list(), rel=1e-9, abs=1e-12
    )
    stocked = checked.filter(pl.col("group").is_not_null(), pl.col("pattern") != "dying")
    assert stocked.height >= 60
    # What is stored is what was sized.
    stored = export_policies(engine, result.run_id).sort("sku", "location")["demand_per_day"]
    assert stored.to_list() == pytest.approx(result.policies.sort("item")["demand_per_day"])

    # The history source sizes on other numbers: the check above is not vacuous.
    history = run_policy(engine, demand_source="history")
    assert history.calibration is not None and history.calibration.source == "history"
    joined = result.policies.join(history.policies, on="item_id", suffix="_history")
    assert (joined["demand_per_day"] != joined["demand_per_day_history"]).sum() >= 60


def test_without_a_forecast_holdout_nothing_is_calibrated_and_the_run_says_why(
    engine: Engine, demo: dict[str, pl.DataFrame]
) -> None:
    forecast_run = prepare(engine, demo, holdout_periods=0)
    result = run_policy(engine)
    assert result.calibration is not None and not result.calibration.applied
    assert result.calibration.reason == (
        f"forecast run {forecast_run} has no holdout (holdout_periods 0)"
    )
    _, summary = run_record(engine, result.run_id)
    assert summary["calibration"]["applied"] is False and summary["calibration"]["groups"] == []
    off = run_policy(engine, calibration=False)
    assert_frame_equal(export_policies(engine, result.run_id), export_policies(engine, off.run_id))

    # A forecast run from before the holdout: no rows, no holdout parameters.
    second = run_forecast(engine, grain="week", horizon=8).run_id
    with engine.begin() as conn:
        conn.execute(delete(ForecastHoldoutRow).where(ForecastHoldoutRow.run_id == second))
        parameters, _ = run_record(engine, second)
        old = {k: v for k, v in parameters.items() if not k.startswith("holdout")}
        conn.execute(update(PlanRunRow).where(PlanRunRow.id == second).values(parameters=old))
    calibration = run_policy(engine).calibration
    assert calibration is not None and not calibration.applied
    assert calibration.reason == (
        f"forecast run {second} has no holdout (it predates them): rerun the forecast"
    )


def test_too_little_history_for_the_holdout_skips_calibration(engine: Engine) -> None:
    forecast_run = prepare(engine, generate(DemoConfig(items=30, seed=5, days=300)))
    calibration = run_policy(engine).calibration
    assert calibration is not None and not calibration.applied
    parameters, _ = run_record(engine, forecast_run)
    assert calibration.reason == (
        f"forecast run {forecast_run} has no holdout: no item has demand history before "
        f"{parameters['holdout_origin']} (52 periods before its end)"
    )


def test_the_setting_picks_the_source(
    engine: Engine, demo: dict[str, pl.DataFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert get_settings().policy_demand_source == "forecast"
    prepare(engine, demo)
    monkeypatch.setenv("TAKT_POLICY_DEMAND_SOURCE", "history")
    get_settings.cache_clear()
    result = run_policy(engine)
    assert result.calibration is not None and result.calibration.source == "history"
    assert run_record(engine, result.run_id)[0]["demand_source"] == "history"
    # An argument wins over the setting.
    assert run_policy(engine, demand_source="forecast").calibration.source == "forecast"  # type: ignore[union-attr]
    with pytest.raises(InvalidInputError, match="demand source must be forecast or history"):
        run_policy(engine, demand_source="budget")
    monkeypatch.setenv("TAKT_POLICY_DEMAND_SOURCE", "budget")
    get_settings.cache_clear()
    with pytest.raises(ValidationError):
        get_settings()


def test_the_stress_test_follows_the_latest_policy_runs_source(
    engine: Engine, demo: dict[str, pl.DataFrame]
) -> None:
    prepare(engine, demo)
    for source in ("forecast", "history"):
        run = run_policy(engine, demand_source=source)
        sized = run.policies.select("item_id", "demand_per_day")
        feats = policy_run_features(engine)[0].join(sized, on="item_id")
        assert feats.height == 80
        assert feats["demand_mean"].to_list() == pytest.approx(feats["demand_per_day"].to_list())
    # A policy run recorded before the source existed sized on the history.
    forecast = run_policy(engine, demand_source="forecast")
    with engine.begin() as conn:
        parameters, _ = run_record(engine, forecast.run_id)
        del parameters["demand_source"]
        conn.execute(
            update(PlanRunRow).where(PlanRunRow.id == forecast.run_id).values(parameters=parameters)
        )
    assert latest_run_id(engine, "policy") == forecast.run_id
    history = run_policy(engine, demand_source="history").policies.select(
        "item_id", "demand_per_day"
    )
    with engine.begin() as conn:  # the history run out of the way again
        conn.execute(delete(PlanRunRow).where(PlanRunRow.id > forecast.run_id))
    feats = policy_run_features(engine)[0].join(history, on="item_id")
    assert feats["demand_mean"].to_list() == pytest.approx(feats["demand_per_day"].to_list())
