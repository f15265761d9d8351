"""Demand forecasts on statsforecast, routed by demand pattern, with a rolling-origin
backtest that measures accuracy and yields the distribution of lead-time demand.

Python API (scikit-learn conventions)::

    fc = DemandForecaster(grain="month", horizon=6).fit(history)   # item, period, qty
    fc.predict()                 # item, period, forecast, model, pattern
    fc.accuracy_                 # per item: RMSSE, MASE, bias, WAPE, LTD error
    fc.lead_time_demand({"A": 2.5, "B": 1}, quantiles=(0.5, 0.95))

Polars in gives polars out; pandas in gives pandas out.

Accuracy (Hyndman & Koehler 2006; M5 competition guidelines, Makridakis et al. 2022):
RMSSE_i = sqrt(mean(e²) / mean((y_t - y_{t-1})²)), MASE_i = mean|e| / mean|y_t - y_{t-1}|,
both scaled by the in-sample one-step naive errors before the first origin;
bias = (Σ forecast - Σ actual) / Σ actual; WAPE = Σ|e| / Σ actual; LTD error =
Σ|Σ_L actual - Σ_L forecast| / Σ Σ_L actual over the origins, for the cumulative
demand over the first L periods (the lead-time demand a reorder point protects).

Lead-time demand distribution: the backtest's cumulative errors over L periods,
standardised by each item's backtest RMSE and sqrt(L), are pooled per demand pattern
and L; an item's quantile q is max(0, F_i(L) + Q_pattern,L(q)·s_i·sqrt(L)). The
shape (skew, heavy right tail of lumpy demand) comes from the data, the scale from
the item.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import polars as pl

from takt.errors import InvalidInputError
from takt.signals.classify import PATTERNS, ClassifyConfig, classify_panel
from takt.signals.models import ALIAS, DEFAULT_ROUTING, fallback_model, make_model
from takt.signals.panel import INTERVALS, Columns, Panel, answer_in_kind, build_panel, to_polars

DEFAULT_QUANTILES = (0.5, 0.8, 0.9, 0.95, 0.99)


def future_periods(last: Any, grain: str, h: int) -> pl.Series:
    """The ``h`` bucket starts after ``last``."""
    unit = INTERVALS[grain][1:]
    end = pl.select(pl.lit(last).dt.offset_by(f"{h}{unit}")).item()
    return pl.date_range(last, end, INTERVALS[grain], eager=True)[1:]


BACKTEST_SCHEMA = {
    "item": pl.Utf8,
    "ds": pl.Date,
    "cutoff": pl.Date,
    "y": pl.Float64,
    "fc": pl.Float64,
    "h": pl.Int64,
    "model": pl.Utf8,
    "pattern": pl.Utf8,
}
# Compact (one row per item, origin and horizon: a large run pools tens of millions).
PATTERN_TYPE = pl.Enum(PATTERNS)
ERROR_SCHEMA: dict[str, Any] = {"pattern": PATTERN_TYPE, "h": pl.Int16, "z": pl.Float64}


def pooled_error_quantiles(
    errors: pl.DataFrame, quantiles: Sequence[float] = DEFAULT_QUANTILES
) -> pl.DataFrame:
    """Quantiles of standardised cumulative errors (``pattern, h, z``) per pattern and
    horizon, and pooled over patterns (pattern ``*``).

    Quantiles depend on the values only, not their order: the errors of a partitioned run
    concatenated give what one run over every item gives.
    """
    errors = errors.with_columns(pl.col("h").cast(pl.Int64))
    per_pattern = (
        errors.group_by("pattern", "h")
        .agg([pl.col("z").quantile(q, "linear").alias(f"q{q:g}") for q in quantiles])
        .with_columns(pl.col("pattern").cast(pl.Utf8))
    )
    pooled = (
        errors.group_by("h")
        .agg([pl.col("z").quantile(q, "linear").alias(f"q{q:g}") for q in quantiles])
        .with_columns(pl.lit("*").alias("pattern"))
    )
    return pl.concat([per_pattern, pooled.select(per_pattern.columns)]).sort("pattern", "h")


def finish_lead_time_demand(
    base: pl.DataFrame,
    residuals: pl.DataFrame,
    quantiles: Sequence[float] = DEFAULT_QUANTILES,
) -> pl.DataFrame:
    """Lead-time demand quantiles from each item's mean and scale (``base``: item,
    pattern, lead_time, mean, s, h) and the pooled error quantiles (see module doc)."""
    qcols = [f"q{q:g}" for q in quantiles]
    pooled_q = residuals.filter(pl.col("pattern") == "*").drop("pattern")
    pooled_q = pooled_q.rename({c: f"{c}_all" for c in qcols})
    out = base.join(residuals, on=["pattern", "h"], how="left").join(pooled_q, on="h", how="left")
    out = out.with_columns(
        [
            pl.when(pl.col("pattern") == "dying")
            .then(0.0)
            .otherwise(
                (
                    pl.col("mean")
                    + pl.coalesce(pl.col(c), pl.col(f"{c}_all"), pl.lit(0.0))
                    * pl.col("s")
                    * pl.col("lead_time").sqrt()
                ).clip(lower_bound=0.0)
            )
            .alias(c)
            for c in qcols
        ]
    )
    return out.select("item", "pattern", "lead_time", "mean", *qcols).sort("item")


def summarise_accuracy(accuracy: pl.DataFrame, by: str | None = "pattern") -> pl.DataFrame:
    """Mean RMSSE and MASE over items, totals for bias, WAPE and LTD error, per ``by``
    (None: all items). Items are taken in item order, so a partitioned run's accuracy
    concatenated gives the same sums as one run."""
    acc = accuracy.sort("item")
    aggs = [
        pl.len().alias("items"),
        pl.col("rmsse").mean().alias("rmsse"),
        pl.col("mase").mean().alias("mase"),
        ((pl.col("forecast").sum() - pl.col("actual").sum()) / pl.col("actual").sum()).alias(
            "bias"
        ),
        (pl.col("abs_error").sum() / pl.col("actual").sum()).alias("wape"),
        (pl.col("ltd_abs").sum() / pl.col("ltd_actual").sum()).alias("ltd_error"),
    ]
    if by is None:
        return acc.select(aggs)
    return acc.group_by(by, maintain_order=True).agg(aggs).sort(by)


@dataclass
class BacktestResult:
    """Rows of the rolling-origin backtest: ``item, cutoff, h, y, fc``."""

    rows: pl.DataFrame
    scale: pl.DataFrame  # item, mse_scale, mae_scale


@dataclass
class DemandForecaster:
    grain: str = "month"
    horizon: int = 6
    backtest_windows: int = 7
    backtest_horizon: int = 6
    lead_time_periods: int = 3
    routing: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_ROUTING))
    classify: ClassifyConfig = field(default_factory=ClassifyConfig)
    n_jobs: int = 1
    columns: Columns = field(default_factory=Columns)

    # Learned in fit(): names end in an underscore.
    panel_: Panel | None = field(default=None, init=False, repr=False)
    classification_: pl.DataFrame | None = field(default=None, init=False, repr=False)
    backtest_: BacktestResult | None = field(default=None, init=False, repr=False)
    accuracy_: pl.DataFrame | None = field(default=None, init=False, repr=False)
    _pandas: bool = field(default=False, init=False, repr=False)

    # ------------------------------------------------------------------ fit

    def fit(
        self,
        history: Any,
        *,
        unit_cost: dict[str, float] | None = None,
        last_period: date | None = None,
        partial: bool = False,
    ) -> DemandForecaster:
        """Classify every series, backtest the routed models, measure accuracy.

        A partition of a larger history passes the whole history's ``last_period`` (its
        series must end where the others do) and ``partial=True``: a partition with no
        series long enough to backtest then has an empty backtest instead of an error
        (the whole run checks that some item was backtested).
        """
        if self.grain not in INTERVALS:
            raise InvalidInputError(f"grain must be day, week or month, not {self.grain!r}")
        for name, value in (
            ("horizon", self.horizon),
            ("backtest_windows", self.backtest_windows),
            ("backtest_horizon", self.backtest_horizon),
            ("lead_time_periods", self.lead_time_periods),
        ):
            if value < 1:
                raise InvalidInputError(f"{name} must be at least 1, got {value}")
        for key, model in self.routing.items():
            make_model(model, 1)  # unknown names fail here, before any work
            if key not in DEFAULT_ROUTING:
                raise InvalidInputError(
                    f"routing key {key!r} is not one of {list(DEFAULT_ROUTING)}"
                )
        frame, self._pandas = to_polars(history)
        panel = build_panel(frame, self.grain, self.columns, end=last_period)
        self.panel_ = panel
        self.classification_ = classify_panel(panel, self.classify, unit_cost).with_columns(
            self._route_expr().alias("model")
        )
        self.backtest_ = self._backtest(panel, unit_cost, partial=partial)
        self.accuracy_ = self._accuracy(self.backtest_)
        return self

    def _route_expr(self) -> pl.Expr:
        key = (
            pl.when(pl.col("pattern").is_in(["smooth", "erratic"]) & pl.col("seasonal"))
            .then(pl.lit("seasonal"))
            .otherwise(pl.col("pattern"))
        )
        mapping = {**DEFAULT_ROUTING, **self.routing}
        return key.replace_strict(mapping, default=pl.lit("zero"), return_dtype=pl.Utf8)

    @property
    def season_length(self) -> int:
        resolved = self.classify.resolved(self.grain).season_length
        assert resolved is not None
        return resolved

    def _run(self, frame: pl.DataFrame, model: str, *, h: int, windows: int | None) -> pl.DataFrame:
        from statsforecast import StatsForecast

        sf = StatsForecast(
            models=[make_model(model, self.season_length)],
            freq=INTERVALS[self.grain],
            n_jobs=self.n_jobs,
            fallback_model=fallback_model(),
        )
        if windows is None:
            out = sf.forecast(df=frame, h=h)
        else:
            out = sf.cross_validation(df=frame, h=h, n_windows=windows, step_size=1, refit=True)
        return pl.DataFrame(out) if not isinstance(out, pl.DataFrame) else out

    def _backtest(
        self, panel: Panel, unit_cost: dict[str, float] | None, *, partial: bool = False
    ) -> BacktestResult:
        """Rolling origin: the last ``windows`` origins, ``backtest_horizon`` steps each.

        Routing uses the classification at the first origin, so no model choice sees
        the periods it is judged on.
        """
        w, h = self.backtest_windows, self.backtest_horizon
        held_out = w + h - 1
        # Seasonal routes already need two seasons (the seasonality test asks for them).
        min_train = 14 if self.grain == "day" else 8
        at_origin = panel.window(held_out)
        routes = (
            classify_panel(at_origin, self.classify, unit_cost)
            .with_columns(self._route_expr().alias("model"))
            .select("item", "model", "pattern")
        )
        lengths = pl.DataFrame({"item": at_origin.items.astype(str), "n": at_origin.lengths})
        routes = routes.join(lengths, on="item").filter(
            (pl.col("n") >= min_train) | (pl.col("model") == "zero")
        )
        pieces = []
        for model, group in routes.partition_by("model", as_dict=True).items():
            ids = group["item"]
            frame = panel.frame.filter(pl.col("unique_id").is_in(ids.implode()))
            if model[0] == "zero":
                cv = self._zero_cv(frame, w, h)
            else:
                cv = self._run(frame, str(model[0]), h=h, windows=w)
            pieces.append(cv.select("unique_id", "ds", "cutoff", "y", pl.col(ALIAS).alias("fc")))
        if not pieces and partial:
            return BacktestResult(
                pl.DataFrame(schema=BACKTEST_SCHEMA),
                pl.DataFrame(
                    schema={"item": pl.Utf8, "mse_scale": pl.Float64, "mae_scale": pl.Float64}
                ),
            )
        if not pieces:
            raise InvalidInputError(
                f"no series is long enough to backtest: need at least {min_train + held_out} "
                f"periods ({held_out} held out); lower backtest_windows or backtest_horizon"
            )
        rows = (
            pl.concat(pieces)
            .rename({"unique_id": "item"})
            .with_columns(pl.col("item").cast(pl.Utf8), pl.col("fc").clip(lower_bound=0.0))
            .sort("item", "cutoff", "ds")
            .with_columns(pl.int_range(1, pl.len() + 1).over("item", "cutoff").alias("h"))
            .join(routes.select("item", "model", "pattern"), on="item", how="left")
        )
        first_cutoff = rows["cutoff"].min()
        diffs = (
            panel.frame.filter(pl.col("ds") <= first_cutoff)
            .with_columns((pl.col("y") - pl.col("y").shift(1).over("unique_id")).alias("d"))
            .group_by("unique_id", maintain_order=True)
            .agg(
                (pl.col("d") ** 2).mean().alias("mse_scale"),
                pl.col("d").abs().mean().alias("mae_scale"),
            )
            .rename({"unique_id": "item"})
        )
        return BacktestResult(rows, diffs)

    def _zero_cv(self, frame: pl.DataFrame, w: int, h: int) -> pl.DataFrame:
        """Backtest rows for the no-forecast route (dying items): a forecast of zero, at
        the same origins statsforecast uses (the last ``w`` before the final ``h``)."""
        dates = frame["ds"].unique().sort()
        n = len(dates)
        grid = pl.DataFrame(
            {
                "ds": [dates[n - w - h + k + j] for k in range(w) for j in range(1, h + 1)],
                "cutoff": [dates[n - w - h + k] for k in range(w) for _ in range(h)],
            },
            schema={"ds": pl.Date, "cutoff": pl.Date},
        )
        return frame.join(grid, on="ds", how="inner").with_columns(pl.lit(0.0).alias(ALIAS))

    # ------------------------------------------------------------------ accuracy

    def _accuracy(self, bt: BacktestResult) -> pl.DataFrame:
        rows = bt.rows.with_columns((pl.col("fc") - pl.col("y")).alias("e"))
        L = min(self.lead_time_periods, self.backtest_horizon)
        ltd = (
            rows.filter(pl.col("h") <= L)
            .group_by("item", "cutoff", maintain_order=True)
            .agg(pl.col("y").sum().alias("y_l"), pl.col("fc").sum().alias("fc_l"))
            .group_by("item", maintain_order=True)
            .agg(
                (pl.col("fc_l") - pl.col("y_l")).abs().sum().alias("ltd_abs"),
                pl.col("y_l").sum().alias("ltd_actual"),
            )
        )
        per_item = (
            rows.group_by("item", maintain_order=True)
            .agg(
                pl.col("pattern").first(),
                pl.col("model").first(),
                pl.col("cutoff").n_unique().alias("origins"),
                (pl.col("e") ** 2).mean().alias("mse"),
                pl.col("e").abs().mean().alias("mae"),
                pl.col("e").abs().sum().alias("abs_error"),
                pl.col("y").sum().alias("actual"),
                pl.col("fc").sum().alias("forecast"),
            )
            .join(bt.scale, on="item", how="left")
            .join(ltd, on="item", how="left")
            .with_columns(
                pl.when(pl.col("mse_scale") > 0)
                .then((pl.col("mse") / pl.col("mse_scale")).sqrt())
                .alias("rmsse"),
                pl.when(pl.col("mae_scale") > 0)
                .then(pl.col("mae") / pl.col("mae_scale"))
                .alias("mase"),
                pl.when(pl.col("actual") > 0)
                .then((pl.col("forecast") - pl.col("actual")) / pl.col("actual"))
                .alias("bias"),
                pl.when(pl.col("actual") > 0)
                .then(pl.col("abs_error") / pl.col("actual"))
                .alias("wape"),
                pl.when(pl.col("ltd_actual") > 0)
                .then(pl.col("ltd_abs") / pl.col("ltd_actual"))
                .alias("ltd_error"),
            )
            .sort("item")
        )
        return per_item.select(
            "item",
            "pattern",
            "model",
            "origins",
            "rmsse",
            "mase",
            "bias",
            "wape",
            "ltd_error",
            "actual",
            "forecast",
            "abs_error",
            "ltd_abs",
            "ltd_actual",
            pl.col("mse").sqrt().alias("rmse"),
        )

    def accuracy_summary(self, by: str | None = "pattern") -> Any:
        """Aggregate accuracy: mean RMSSE and MASE over items, totals for bias, WAPE, LTD."""
        return answer_in_kind(summarise_accuracy(self._fitted_accuracy(), by), self._pandas)

    def _fitted_accuracy(self) -> pl.DataFrame:
        if self.accuracy_ is None:
            raise InvalidInputError("call fit() first")
        return self.accuracy_

    # ------------------------------------------------------------------ predict

    def predict(self, horizon: int | None = None) -> Any:
        """Point forecasts for every item over the horizon (zero for dying items)."""
        if self.panel_ is None or self.classification_ is None:
            raise InvalidInputError("call fit() first")
        h = horizon or self.horizon
        pieces = []
        cls = self.classification_
        for model, group in cls.partition_by("model", as_dict=True).items():
            frame = self.panel_.frame.filter(pl.col("unique_id").is_in(group["item"].implode()))
            if model[0] == "zero":
                out = self._zero_forecast(group["item"], h)
            else:
                out = self._run(frame, str(model[0]), h=h, windows=None)
            pieces.append(
                out.select(
                    pl.col("unique_id").cast(pl.Utf8).alias("item"),
                    pl.col("ds").alias("period"),
                    pl.col(ALIAS).clip(lower_bound=0.0).alias("forecast"),
                )
            )
        out = (
            pl.concat(pieces)
            .join(cls.select("item", "model", "pattern"), on="item", how="left")
            .sort("item", "period")
            .rename({"item": self.columns.item, "period": self.columns.period})
        )
        return answer_in_kind(out, self._pandas)

    def _zero_forecast(self, items: pl.Series, h: int) -> pl.DataFrame:
        assert self.panel_ is not None
        future = future_periods(self.panel_.last_period, self.grain, h)
        grid = pl.DataFrame({"unique_id": items}).join(pl.DataFrame({"ds": future}), how="cross")
        return grid.with_columns(pl.lit(0.0).alias(ALIAS))

    # ------------------------------------------------------------------ lead-time demand

    def scaled_errors(self) -> pl.DataFrame:
        """Standardised cumulative backtest errors ``pattern, h, z`` (see module doc)."""
        if self.backtest_ is None or self.accuracy_ is None:
            raise InvalidInputError("call fit() first")
        rows = (
            self.backtest_.rows.sort("item", "cutoff", "h")
            .with_columns(
                (pl.col("y").cum_sum() - pl.col("fc").cum_sum())
                .over("item", "cutoff")
                .alias("cum_e")
            )
            .join(self.accuracy_.select("item", "rmse"), on="item")
        )
        return rows.filter(pl.col("rmse") > 0).select(
            pl.col("pattern").cast(PATTERN_TYPE),
            pl.col("h").cast(pl.Int16),
            (pl.col("cum_e") / (pl.col("rmse") * pl.col("h").sqrt())).alias("z"),
        )

    def residual_quantiles(self, quantiles: Sequence[float] = DEFAULT_QUANTILES) -> pl.DataFrame:
        """Pooled quantiles of standardised cumulative backtest errors, per pattern and L."""
        return pooled_error_quantiles(self.scaled_errors(), quantiles)

    def lead_time_demand(
        self,
        lead_time: float | Mapping[str, float],
        quantiles: Sequence[float] = DEFAULT_QUANTILES,
    ) -> Any:
        """Mean and quantiles of demand over each item's lead time (in periods).

        ``lead_time`` is one number for all items or a mapping item -> periods
        (fractional periods interpolate the cumulative forecast).
        """
        base = self.lead_time_base(lead_time)
        result = finish_lead_time_demand(base, self.residual_quantiles(quantiles), quantiles)
        return answer_in_kind(result.rename({"item": self.columns.item}), self._pandas)

    def lead_time_base(
        self, lead_time: float | Mapping[str, float], forecast: pl.DataFrame | None = None
    ) -> pl.DataFrame:
        """Each item's lead time, mean lead-time demand (the cumulative forecast) and the
        scale of its errors: ``item, pattern, lead_time, mean, s, h``.

        ``forecast`` (``item, period, forecast``, from :meth:`predict`) must reach past the
        longest lead time; by default it is predicted here.
        """
        if self.classification_ is None or self.accuracy_ is None:
            raise InvalidInputError("call fit() first")
        if forecast is None:
            h = max(self.horizon, int(np.ceil(self._max_lt(lead_time))))
            forecast, _ = to_polars(self.predict(horizon=h))
            forecast = forecast.rename({self.columns.item: "item", self.columns.period: "period"})
        items = self.classification_.select("item", "pattern", "mean_demand")
        if isinstance(lead_time, Mapping):
            lt = pl.DataFrame(
                {"item": list(lead_time), "lead_time": [float(v) for v in lead_time.values()]},
                schema={"item": pl.Utf8, "lead_time": pl.Float64},
            )
            items = items.join(lt, on="item", how="inner")
        else:
            items = items.with_columns(pl.lit(float(lead_time)).alias("lead_time"))
        if items.filter(pl.col("lead_time") <= 0).height:
            raise InvalidInputError("lead times must be positive (in periods)")
        cum = forecast.sort("item", "period").with_columns(
            pl.col("forecast").cum_sum().over("item").alias("cum"),
            pl.int_range(1, pl.len() + 1).over("item").alias("k"),
        )
        whole = items.with_columns(pl.col("lead_time").floor().cast(pl.Int64).alias("k"))
        frac = items.with_columns((pl.col("lead_time") - pl.col("lead_time").floor()).alias("frac"))
        lo = whole.join(cum.select("item", "k", "cum"), on=["item", "k"], how="left").select(
            "item", pl.col("cum").fill_null(0.0).alias("cum_lo")
        )
        hi = (
            whole.with_columns(pl.col("k") + 1)
            .join(cum.select("item", "k", "cum"), on=["item", "k"], how="left")
            .select("item", pl.col("cum").alias("cum_hi"))
        )
        mean = (
            frac.join(lo, on="item")
            .join(hi, on="item")
            .with_columns(
                (
                    pl.col("cum_lo")
                    + pl.col("frac")
                    * (pl.col("cum_hi").fill_null(pl.col("cum_lo")) - pl.col("cum_lo"))
                ).alias("mean")
            )
        )
        H = self.backtest_horizon
        mean = mean.with_columns(pl.col("lead_time").round(0).cast(pl.Int64).clip(1, H).alias("h"))
        mean = mean.join(self.accuracy_.select("item", "rmse"), on="item", how="left").with_columns(
            pl.when(pl.col("rmse") > 0)
            .then(pl.col("rmse"))
            .otherwise(pl.col("mean_demand").sqrt())
            .alias("s")
        )
        return mean.select("item", "pattern", "lead_time", "mean", "s", "h")

    @staticmethod
    def _max_lt(lead_time: float | Mapping[str, float]) -> float:
        if isinstance(lead_time, Mapping):
            return max(lead_time.values(), default=1.0) + 1
        return float(lead_time) + 1
