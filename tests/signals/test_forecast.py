"""Forecasts on real data (carparts, hospital), their routing, backtest and lead-time demand."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from takt.errors import InvalidInputError
from takt.signals.forecast import DemandForecaster
from takt.signals.panel import Columns

REAL = Columns("series_id", "period", "demand")


@pytest.fixture(scope="module")
def carparts(request: pytest.FixtureRequest) -> pl.DataFrame:
    data_dir: Path = request.getfixturevalue("data_dir")
    frame = pl.read_csv(data_dir / "carparts.csv", try_parse_dates=True)
    full = frame.group_by("series_id").len().filter(pl.col("len") == 51)["series_id"]
    return frame.filter(pl.col("series_id").is_in(full.implode()))


@pytest.fixture(scope="module")
def carparts_fit(carparts: pl.DataFrame) -> DemandForecaster:
    return DemandForecaster(grain="month", horizon=6, columns=REAL).fit(carparts)


@pytest.fixture(scope="module")
def data_dir() -> Path:
    from tests.conftest import find_data_dir

    found = find_data_dir()
    if found is None:
        pytest.skip("real data not found (set TAKT_DATA_DIR)")
    return found


def test_carparts_default_reaches_published_accuracy(carparts_fit: DemandForecaster) -> None:
    """Rolling origin over the last 12 months, horizons 1-6, refit at each origin, the
    2,509 full series: published ADIDA/IMAPA RMSSE is 0.69-0.70 (shared/data/README)."""
    overall = carparts_fit.accuracy_summary(None).row(0, named=True)
    assert overall["items"] == 2509
    assert overall["rmsse"] <= 0.69
    assert abs(overall["bias"]) <= 0.10
    acc = carparts_fit.accuracy_
    assert acc is not None
    assert set(acc["origins"].unique()) == {7}


def _bias_on_intermittent(fc: DemandForecaster) -> tuple[float, float]:
    acc = fc.accuracy_
    assert acc is not None
    sel = acc.filter(pl.col("pattern").is_in(["intermittent", "lumpy"]))
    return (sel["forecast"].sum() - sel["actual"].sum()) / sel["actual"].sum(), sel["rmsse"].mean()


def test_croston_sba_over_forecasts_carparts(
    carparts: pl.DataFrame, carparts_fit: DemandForecaster
) -> None:
    """The evidence for routing intermittent demand to IMAPA, not Croston SBA."""
    sba = DemandForecaster(
        grain="month", columns=REAL, routing={"intermittent": "croston_sba", "lumpy": "croston_sba"}
    ).fit(carparts)
    sba_bias, sba_rmsse = _bias_on_intermittent(sba)
    imapa_bias, imapa_rmsse = _bias_on_intermittent(carparts_fit)
    assert sba_rmsse > imapa_rmsse + 0.05
    assert sba_bias > imapa_bias


def test_backtest_origins_precede_the_last_periods(carparts_fit: DemandForecaster) -> None:
    bt = carparts_fit.backtest_
    assert bt is not None
    cutoffs = sorted(bt.rows["cutoff"].unique().to_list())
    assert cutoffs[0] == date(2001, 3, 1) and cutoffs[-1] == date(2001, 9, 1)
    assert bt.rows["h"].max() == 6
    # every target period lies after its origin
    assert (bt.rows["period" if "period" in bt.rows.columns else "ds"] > bt.rows["cutoff"]).all()


def test_routed_forecast_is_statsforecast_output(
    carparts: pl.DataFrame, carparts_fit: DemandForecaster
) -> None:
    from statsforecast import StatsForecast
    from statsforecast.models import IMAPA

    cls = carparts_fit.classification_
    assert cls is not None
    ids = cls.filter(pl.col("pattern") == "intermittent")["item"].head(50)
    sample = carparts.filter(pl.col("series_id").cast(pl.Utf8).is_in(ids.implode()))
    direct = StatsForecast(models=[IMAPA()], freq="1mo").forecast(
        df=sample.select(
            pl.col("series_id").cast(pl.Utf8).alias("unique_id"),
            pl.col("period").alias("ds"),
            pl.col("demand").cast(pl.Float64).alias("y"),
        ),
        h=6,
    )
    ours = carparts_fit.predict().filter(pl.col("series_id").is_in(ids.implode()))
    joined = ours.join(
        direct.rename({"unique_id": "series_id", "ds": "period"}), on=["series_id", "period"]
    )
    assert joined.height == 300
    np.testing.assert_allclose(joined["forecast"], joined["IMAPA"].clip(lower_bound=0), rtol=1e-9)
    assert set(ours["model"]) == {"imapa"}


def test_dying_items_get_no_forecast(carparts_fit: DemandForecaster) -> None:
    fc = carparts_fit.predict()
    dying = fc.filter(pl.col("pattern") == "dying")
    assert dying.height > 0 and dying["forecast"].sum() == 0.0
    assert dying["model"].unique().to_list() == ["zero"]


def test_lead_time_demand_quantiles(carparts_fit: DemandForecaster) -> None:
    q = (0.5, 0.9, 0.95, 0.99)
    short = carparts_fit.lead_time_demand(1.0, q)
    long = carparts_fit.lead_time_demand(3.0, q)
    cols = ["q0.5", "q0.9", "q0.95", "q0.99"]
    values = long.select(cols).to_numpy()
    assert (np.diff(values, axis=1) >= -1e-9).all(), "quantiles must not decrease with q"
    assert (long["q0.95"] >= short["q0.95"] - 1e-9).all()
    # mean over 3 periods is the sum of the first three forecasts
    fc = carparts_fit.predict().sort("series_id", "period")
    first3 = (
        fc.group_by("series_id", maintain_order=True)
        .head(3)
        .group_by("series_id")
        .agg(pl.col("forecast").sum())
    )
    check = long.join(first3, on="series_id")
    np.testing.assert_allclose(check["mean"], check["forecast"], rtol=1e-9)
    lumpy = long.filter(pl.col("pattern") == "lumpy")
    # skewed demand: the 99 % quantile sits further above the median than the 50 % below the mean
    assert ((lumpy["q0.99"] - lumpy["q0.5"]) > (lumpy["mean"] - lumpy["q0.5"])).all()
    per_item = carparts_fit.lead_time_demand({"10055165": 2.5}, q)
    assert per_item.height == 1 and per_item["lead_time"][0] == 2.5
    assert long.filter(pl.col("pattern") == "dying")["q0.99"].max() == 0.0


def test_pandas_in_pandas_out() -> None:
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(3)
    periods = pd.date_range("2022-01-03", periods=80, freq="W-MON")
    frame = pd.DataFrame(
        {
            "sku": np.repeat(["a", "b"], 80),
            "week": np.tile(periods, 2),
            "units": np.concatenate([rng.poisson(20, 80), rng.poisson(0.3, 80) * 7]).astype(float),
        }
    )
    fc = DemandForecaster(
        grain="week",
        horizon=4,
        backtest_windows=4,
        backtest_horizon=4,
        columns=Columns("sku", "week", "units"),
    ).fit(frame)
    out = fc.predict()
    assert isinstance(out, pd.DataFrame) and list(out.columns)[:3] == ["sku", "week", "forecast"]
    assert len(out) == 8
    assert isinstance(fc.accuracy_summary(), pd.DataFrame)


def test_invalid_settings_fail_before_work() -> None:
    frame = pl.DataFrame({"item": ["a"], "period": [date(2024, 1, 1)], "qty": [1.0]})
    with pytest.raises(InvalidInputError, match="unknown forecasting model 'prophet'"):
        DemandForecaster(routing={"smooth": "prophet"}).fit(frame)
    with pytest.raises(InvalidInputError, match="horizon must be at least 1"):
        DemandForecaster(horizon=0).fit(frame)
    with pytest.raises(InvalidInputError, match="call fit"):
        DemandForecaster().predict()


@pytest.mark.slow
def test_hospital_beats_seasonal_naive(data_dir: Path) -> None:
    frame = pl.read_csv(data_dir / "hospital.csv", try_parse_dates=True)
    ours = DemandForecaster(grain="month", columns=REAL, n_jobs=2).fit(frame)
    snaive = DemandForecaster(
        grain="month",
        columns=REAL,
        routing={k: "seasonal_naive" for k in ("smooth", "erratic", "seasonal")},
    ).fit(frame)
    a = ours.accuracy_summary(None).row(0, named=True)["rmsse"]
    b = snaive.accuracy_summary(None).row(0, named=True)["rmsse"]
    assert a < 0.9 * b, (a, b)
