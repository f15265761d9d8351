"""The forecast run's calibration holdout: the forecaster refit a year back, its mean
forecast over the held-out year against that year's actual mean, per partition (the same
rows whatever the partitioning), stored with the run and discarded with it."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from sqlalchemy import Engine, select

from takt.demo.generator import DemoConfig, generate
from takt.errors import InvalidInputError
from takt.services.forecast_parts import HOLDOUT_SCHEMA, ForecastSpec, forecast_partition
from takt.services.forecasting import (
    as_forecaster_input,
    discard_results,
    forecast_spec,
    lead_times_in_periods,
    load_history,
    run_forecast,
)
from takt.services.imports import import_frame
from takt.signals.forecast import DemandForecaster
from takt.store.models import ForecastHoldoutRow, PlanRunRow

LAST = date(2026, 10, 19)  # a Monday: the last complete week
WEEKS = 120
H = 52
ORIGIN = LAST - timedelta(weeks=H - 1)


def synthetic_history(seed: int = 3) -> pl.DataFrame:
    """Weekly ``item, period, qty``: smooth and intermittent items over 120 weeks (weeks
    without demand have no row), one item starting after the holdout's origin, one whose
    demand stopped a year before the end, one with demand only before the holdout."""
    rng = np.random.default_rng(seed)
    weeks = [LAST - timedelta(weeks=WEEKS - 1 - k) for k in range(WEEKS)]
    rows = []
    for k in range(12):
        rate, chance = (20.0, 1.0) if k < 6 else (3.0, 0.3)
        for week in weeks:
            if rng.random() < chance:
                rows.append((f"{k:02d}", week, float(rng.poisson(rate) + 1)))
    rows += [("late", week, 5.0) for week in weeks if week >= ORIGIN + timedelta(weeks=4)]
    rows += [("stopped", week, 4.0) for week in weeks if week < ORIGIN - timedelta(weeks=10)]
    history = pl.DataFrame(
        rows, schema={"item": pl.Utf8, "period": pl.Date, "qty": pl.Float64}, orient="row"
    )
    return history.sort("item", "period")


def spec(**changes: int) -> ForecastSpec:
    settings = {"horizon": 4, "backtest_windows": 2, "backtest_horizon": 2, "ltd_horizon": 4}
    settings.update(changes)
    return ForecastSpec(grain="week", last_period=LAST, **settings)  # type: ignore[arg-type]


def test_the_holdout_is_the_held_out_mean_against_a_refit_forecast() -> None:
    history = synthetic_history()
    the_spec = spec()
    assert the_spec.holdout_periods == H and the_spec.holdout_origin == ORIGIN
    holdout = forecast_partition(history, {}, the_spec).holdout
    assert dict(holdout.schema) == HOLDOUT_SCHEMA
    # Every item with history before the origin, and only those.
    assert holdout["item"].to_list() == sorted([f"{k:02d}" for k in range(12)] + ["stopped"])

    # actual: the held-out weeks' total over H (weeks without a row count as zero).
    for item, actual in holdout.select("item", "actual").iter_rows():
        held = history.filter(pl.col("item") == item, pl.col("period") >= ORIGIN)["qty"]
        assert actual == pytest.approx(sum(held.to_list()) / H, rel=1e-12)
    assert holdout.filter(pl.col("item") == "stopped")["actual"].item() == 0.0

    # forecast, pattern, ADI and CV²: a forecaster fitted on the weeks before the origin.
    direct = DemandForecaster(grain="week", horizon=H, backtest_windows=1, backtest_horizon=1).fit(
        history.filter(pl.col("period") < ORIGIN),
        last_period=ORIGIN - timedelta(weeks=1),
        partial=True,
    )
    predicted = direct.predict(horizon=H)
    assert predicted["period"].min() == ORIGIN and predicted["period"].max() == LAST
    means = predicted.group_by("item").agg(pl.col("forecast").mean())
    assert direct.classification_ is not None
    expected = direct.classification_.select("item", "pattern", "adi", "cv2").join(means, on="item")
    joined = holdout.join(expected, on="item", suffix="_direct")
    assert joined.height == holdout.height
    assert joined["forecast"].to_list() == pytest.approx(
        joined["forecast_direct"].to_list(), rel=1e-12
    )
    assert (joined["pattern"] == joined["pattern_direct"]).all()
    assert joined["cv2"].to_list() == pytest.approx(joined["cv2_direct"].to_list())
    assert set(holdout["pattern"]) >= {"smooth", "intermittent"}
    steady = holdout.filter(pl.col("item") < "06")  # Poisson(20) + 1 every week
    assert (steady["pattern"] == "smooth").all() and (steady["forecast"] > 15).all()

    # first_demand: the item's first week with demand in the whole history.
    firsts = history.group_by("item").agg(pl.col("period").min().alias("first"))
    checked = holdout.join(firsts, on="item")
    assert (checked["first_demand"] == checked["first"]).all()


def test_the_holdout_does_not_depend_on_the_partitioning() -> None:
    history = synthetic_history()
    whole = forecast_partition(history, {}, spec()).holdout
    items = history["item"].unique().sort()
    halves = [
        forecast_partition(history.filter(pl.col("item").is_in(part.implode())), {}, spec())
        for part in (items[:5], items[5:])
    ]
    assert_frame_equal(pl.concat([h.holdout for h in halves]).sort("item"), whole)
    # Once written, a part drops its per-item tables, the holdout with the forecasts.
    light = halves[0].without_forecasts()
    assert light.holdout.height == 0 and light.forecasts.height == 0
    assert light.classification.height == halves[0].classification.height


def test_no_holdout_when_turned_off_or_when_the_history_is_too_short() -> None:
    history = synthetic_history()
    off = spec(holdout_periods=0)
    assert off.holdout_origin is None
    part = forecast_partition(history, {}, off)
    assert part.holdout.height == 0 and dict(part.holdout.schema) == HOLDOUT_SCHEMA
    assert part.forecasts.height > 0  # the run itself is unchanged
    # 40 weeks of history: nothing before a 52-week holdout; not an error.
    short = history.filter(pl.col("period") > LAST - timedelta(weeks=40))
    part = forecast_partition(short, {}, spec())
    assert part.holdout.height == 0 and part.backtested > 0
    # A holdout longer than the history: the same.
    assert forecast_partition(history, {}, spec(holdout_periods=WEEKS + 5)).holdout.height == 0


def test_the_holdout_defaults_to_a_year_of_the_grain() -> None:
    for grain, periods in (("day", 364), ("week", 52), ("month", 12)):
        made = ForecastSpec(
            grain=grain,
            horizon=1,
            backtest_windows=1,
            backtest_horizon=1,
            last_period=date(2026, 10, 1),
            ltd_horizon=1,
        )
        assert made.holdout_periods == periods
    assert spec(holdout_periods=13).holdout_origin == LAST - timedelta(weeks=12)
    with pytest.raises(InvalidInputError, match="holdout_periods must be a whole number >= 0"):
        spec(holdout_periods=-1)


@pytest.fixture(scope="module")
def demo_frames() -> dict[str, pl.DataFrame]:
    return generate(DemoConfig(items=40, seed=11))


def load(engine: Engine, frames: dict[str, pl.DataFrame]) -> None:
    for kind in ("items", "suppliers", "offers", "signals"):
        import_frame(engine, kind, frames[kind])


def stored_holdout(engine: Engine, run_id: int) -> pl.DataFrame:
    row = ForecastHoldoutRow
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                row.item_id,
                row.pattern,
                row.first_demand,
                row.adi,
                row.cv2,
                row.actual,
                row.forecast,
            )
            .where(row.run_id == run_id)
            .order_by(row.item_id)
        ).all()
    schema = {"item_id": pl.Int64, **{k: v for k, v in HOLDOUT_SCHEMA.items() if k != "item"}}
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")


def run_parameters(engine: Engine, run_id: int) -> dict:  # type: ignore[type-arg]
    with engine.connect() as conn:
        return dict(
            conn.execute(select(PlanRunRow.parameters).where(PlanRunRow.id == run_id)).scalar_one()
        )


def test_the_run_stores_the_holdout_and_discards_it_with_the_run(
    engine: Engine, demo_frames: dict[str, pl.DataFrame]
) -> None:
    load(engine, demo_frames)
    result = run_forecast(engine, grain="week", horizon=6)
    # The same part the run computed, recomputed from the same history.
    history, _ = load_history(engine, "week", None)
    lead_times = lead_times_in_periods(engine, "week")
    the_spec = forecast_spec(
        history, lead_times, grain="week", horizon=6, backtest_windows=None, backtest_horizon=None
    )
    part = forecast_partition(as_forecaster_input(history), lead_times, the_spec).holdout
    expected = part.with_columns(pl.col("item").cast(pl.Int64).alias("item_id")).drop("item")
    stored = stored_holdout(engine, result.run_id)
    assert stored.height >= 30  # the demo's items with history before the holdout
    assert_frame_equal(stored, expected.select(stored.columns).sort("item_id"), check_exact=False)
    parameters = run_parameters(engine, result.run_id)
    assert parameters["holdout_periods"] == 52
    assert parameters["holdout_origin"] == the_spec.holdout_origin.isoformat()  # type: ignore[union-attr]

    discard_results(engine, result.run_id)
    assert stored_holdout(engine, result.run_id).height == 0


def test_a_run_without_holdout_stores_none(
    engine: Engine, demo_frames: dict[str, pl.DataFrame]
) -> None:
    load(engine, demo_frames)
    result = run_forecast(engine, grain="week", horizon=6, holdout_periods=0)
    assert stored_holdout(engine, result.run_id).height == 0
    parameters = run_parameters(engine, result.run_id)
    assert parameters["holdout_periods"] == 0 and parameters["holdout_origin"] is None
