"""Anomalies: demand far outside its forecast distribution, and proposed purchase-order
lines whose quantity or price is far from the item's order history.

Python API::

    demand_anomalies(actuals, forecasts)        # item, period, qty, expected, score, ...
    order_anomalies(proposed, history)          # id, item, field, value, typical, robust_z, ...

Demand is judged by the tail probability of the actual under the forecast's distribution
(the *score*; small = surprising), so fast and slow movers share one false-alarm rate:
flagged when the score is below Φ(−z), the one-sided tail of a z-sigma limit. The default
z = 3 is Shewhart's 3-sigma control limit (Montgomery, *Introduction to Statistical
Quality Control*, ch. 6–7, also for the c-chart of Poisson counts): 0.135 % per side.
(z = 3.5 would leave the tail at 0.023 %, below what 3 units against a mean of 0.2 can
reach, P = 0.11 %, so a slow mover could never be flagged at all.)

Orders are judged by robust z-scores, z = (x − median) / (1.4826·MAD): the modified
z-score of Iglewicz & Hoaglin (*How to Detect and Handle Outliers*, ASQC 1993), whose
|z| > 3.5 rule is the default. 1.4826 = 1/Φ⁻¹(¾) makes the MAD estimate σ for normal
data; when the MAD is 0 (over half the orders identical) the mean absolute deviation
times 1.2533 = √(π/2) stands in for it.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl
from scipy import stats

from takt.errors import InvalidInputError
from takt.signals.leadtime import require_columns
from takt.signals.risk import number_text

FloatArray = npt.NDArray[np.float64]
DEMAND_COLUMNS = (
    "item", "period", "qty", "expected", "score", "direction", "method", "message",
)  # fmt: skip
ORDER_COLUMNS = (
    "id", "item", "supplier", "field", "value", "typical", "ratio", "robust_z",
    "history_lines", "basis", "status", "message",
)  # fmt: skip
_METHOD_WORDS = {"normal": "normal", "poisson": "Poisson", "negative_binomial": "negative binomial"}
_MAD_TO_SD = 1.4826  # 1/Φ⁻¹(3/4)
_MEAN_AD_TO_SD = 1.2533  # √(π/2)


# ---------------------------------------------------------------------- demand


def demand_anomalies(
    actuals: pl.DataFrame,
    forecasts: pl.DataFrame,
    *,
    z: float = 3.0,
    count_below_mean: float = 10.0,
    interval_level: float = 0.95,
) -> pl.DataFrame:
    """Actual demand far outside its forecast distribution.

    ``actuals``: item, period, qty. ``forecasts``: item, period, mean (or ``forecast``, the
    column :class:`takt.signals.forecast.DemandForecaster` predicts) and the spread:
    ``sd``, else the interval quantiles ``lo`` and ``hi`` of the central
    ``interval_level`` interval (0.95: the 2.5 % and 97.5 % quantiles), read as a normal
    with σ = (hi − mean)/Φ⁻¹((1 + level)/2) above the mean and (mean − lo)/… below it, so
    a skewed interval keeps its skew; a row with neither gets the Poisson σ = √mean.
    Periods with no forecast are not judged.

    Distribution of the actual (column ``method``):

    - ``normal`` when mean ≥ ``count_below_mean`` (10, as the normal test of
      :mod:`takt.policy.parameters`);
    - below it, counts: ``poisson`` with the forecast mean, or ``negative_binomial``
      with the forecast's mean and variance when the variance exceeds the mean (n =
      μ²/(σ² − μ), p = μ/σ²), so one unit on a slow mover is no surprise.

    score = P(X ≥ qty) when qty is above the mean (direction ``high``), P(X ≤ qty) below
    it (``low``), rounding qty up resp. down to a count for the count distributions.
    Flagged when score < Φ(−z). Columns: item, period, qty, expected, score, direction,
    method, message; only the flagged rows, most surprising first.

    >>> a = pl.DataFrame({"item": ["A", "B"], "period": [1, 1], "qty": [3.0, 1.0]})
    >>> f = pl.DataFrame({"item": ["A", "B"], "period": [1, 1], "mean": 0.2, "sd": None})
    >>> demand_anomalies(a, f)["item"].to_list()  # 3 against 0.2: P = 0.0011 < 0.00135
    ['A']
    """
    if not z > 0 or not count_below_mean >= 0 or not 0 < interval_level < 1:
        raise InvalidInputError(
            "z must be positive, count_below_mean ≥ 0, interval_level in (0, 1)"
        )
    require_columns(actuals, ("item", "period", "qty"), "actuals")
    mean = "mean" if "mean" in forecasts.columns else "forecast"
    require_columns(forecasts, ("item", "period", mean), "forecasts")
    has_sd = "sd" in forecasts.columns
    has_interval = {"lo", "hi"} <= set(forecasts.columns)
    if not has_sd and not has_interval:
        raise InvalidInputError("forecasts lack a spread: give column 'sd' or both 'lo' and 'hi'")
    period_types = (actuals["period"].dtype, forecasts["period"].dtype)
    if period_types[0] != period_types[1] and not all(t.is_integer() for t in period_types):
        raise InvalidInputError(
            f"period is {period_types[0]} in actuals, {period_types[1]} in forecasts"
        )
    period = pl.col("period").cast(pl.Int64) if period_types[0].is_integer() else pl.col("period")
    spread = [pl.col(c).cast(pl.Float64) if c in forecasts.columns else pl.lit(None, pl.Float64)
              for c in ("sd", "lo", "hi")]  # fmt: skip
    fc = forecasts.select(
        pl.col("item").cast(pl.Utf8),
        period,
        pl.col(mean).cast(pl.Float64).clip(lower_bound=0.0).alias("expected"),
        *[s.alias(name) for s, name in zip(spread, ("_sd", "_lo", "_hi"), strict=True)],
    )
    frame = actuals.select(pl.col("item").cast(pl.Utf8), period, pl.col("qty").cast(pl.Float64))
    frame = frame.join(fc, on=["item", "period"], how="inner").filter(
        pl.col("qty").is_not_null() & pl.col("expected").is_not_null()
    )
    half_width = float(stats.norm.ppf(0.5 + interval_level / 2.0))
    col = {name: frame[name].to_numpy().astype(np.float64) for name in frame.columns[2:]}
    qty, mu = col["qty"], col["expected"]
    poisson_sd = np.sqrt(mu)
    sd_high = _first_finite(col["_sd"], (col["_hi"] - mu) / half_width, poisson_sd)
    sd_low = _first_finite(col["_sd"], (mu - col["_lo"]) / half_width, poisson_sd)
    sd_both = _first_finite(col["_sd"], (col["_hi"] - col["_lo"]) / (2.0 * half_width), poisson_sd)
    high = qty > mu
    score, method = _tail_probability(qty, mu, sd_high, sd_low, sd_both**2, high, count_below_mean)
    flagged = frame.with_columns(
        pl.Series("score", score),
        pl.Series("direction", np.where(high, "high", "low")),
        pl.Series("method", method),
    ).filter(pl.col("score") < float(stats.norm.sf(z)))
    sign = pl.when(pl.col("direction") == "high").then(pl.lit("≥")).otherwise(pl.lit("≤"))
    message = pl.format(
        "demand {} is far {} the expected {}: P(X {} {}) = {} under a {} forecast distribution",
        number_text(pl.col("qty"), 2),
        pl.when(pl.col("direction") == "high").then(pl.lit("above")).otherwise(pl.lit("below")),
        number_text(pl.col("expected"), 2), sign, number_text(pl.col("qty"), 2),
        pl.col("score").round_sig_figs(2).cast(pl.Utf8),
        pl.col("method").replace_strict(_METHOD_WORDS),
    )  # fmt: skip
    return (
        flagged.with_columns(message.alias("message"))
        .sort("score", "item", "period")
        .select(DEMAND_COLUMNS)
    )


def _first_finite(*candidates: FloatArray) -> FloatArray:
    """Element-wise the first candidate that is finite and not negative."""
    out = np.full_like(candidates[-1], np.nan)
    for values in candidates:
        take = np.isnan(out) & np.isfinite(values) & (values >= 0)
        out[take] = values[take]
    return out


def _tail_probability(
    qty: FloatArray,
    mu: FloatArray,
    sd_high: FloatArray,
    sd_low: FloatArray,
    variance: FloatArray,
    high: npt.NDArray[np.bool_],
    count_below_mean: float,
) -> tuple[FloatArray, npt.NDArray[np.str_]]:
    """Tail probability of each actual on its own side of the mean, and the method."""
    count = mu < count_below_mean
    overdispersed = count & (variance > mu * (1.0 + 1e-9)) & (mu > 0)
    method = np.where(count, np.where(overdispersed, "negative_binomial", "poisson"), "normal")
    # Counts: P(X ≥ ⌈q⌉) = sf(⌈q⌉ − 1) above the mean, P(X ≤ ⌊q⌋) = cdf(⌊q⌋) below it.
    k = np.where(high, np.ceil(qty) - 1.0, np.floor(qty))
    with np.errstate(divide="ignore", invalid="ignore"):
        n = np.where(overdispersed, mu**2 / (variance - mu), 1.0)
        p = np.where(overdispersed, mu / variance, 0.5)
        count_tail = np.where(
            overdispersed,
            np.where(high, stats.nbinom.sf(k, n, p), stats.nbinom.cdf(k, n, p)),
            np.where(high, stats.poisson.sf(k, mu), stats.poisson.cdf(k, mu)),
        )
        sd = np.where(high, sd_high, sd_low)
        distance = np.where(qty == mu, 0.0, (qty - mu) / sd)  # sd 0: ±inf, any deviation
        normal_tail = np.where(high, stats.norm.sf(distance), stats.norm.cdf(distance))
    score = np.where(qty == mu, 1.0, np.where(count, count_tail, normal_tail))
    return score.astype(np.float64), method


# ---------------------------------------------------------------------- orders


def _robust_stats(value: pl.Expr, prefix: str) -> list[pl.Expr]:
    """n, median and robust σ (1.4826·MAD, else 1.2533·mean |deviation|, else null)."""
    deviation = (value - value.median()).abs()
    scale = (
        pl.when(deviation.median() > 0).then(_MAD_TO_SD * deviation.median())
        .when(deviation.mean() > 0).then(_MEAN_AD_TO_SD * deviation.mean())
    )  # fmt: skip
    return [
        pl.len().cast(pl.Int64).alias(f"{prefix}_n"),
        value.median().alias(f"{prefix}_median"),
        scale.alias(f"{prefix}_scale"),
    ]


def order_anomalies(
    proposed: pl.DataFrame,
    history: pl.DataFrame,
    *,
    qty_z: float = 3.5,
    price_z: float = 3.5,
    price_change_pct: float = 25.0,
    min_history: int = 5,
    max_history: int | None = 50,
    min_log_spread: float = 0.1,
    all_lines: bool = False,
) -> pl.DataFrame:
    """Proposed PO lines whose quantity or unit price is far from the item's history.

    ``proposed``: id, item, supplier, qty (> 0), unit_price (may be null). ``history``:
    the item's past PO lines, item, supplier, qty, unit_price, order_date; lines with qty
    ≤ 0 (cancelled) are left out, and only the latest ``max_history`` per item (per item
    and supplier for prices) count, so an old price level fades (None: all).

    - qty: robust z of log(qty) against the item's past orders from any supplier (log:
      order sizes are multiplicative, "10× the usual" is as odd as "a tenth of it"); the
      robust σ is at least ``min_log_spread`` (0.1 ≈ ±10 %), so an item always ordered
      in 400s does not flag 410. Anomaly when |z| > ``qty_z``.
    - price: robust z of the unit price against the same supplier's past prices
      (``basis`` item_supplier), or the item's from any supplier when that supplier has
      fewer than ``min_history`` lines (``basis`` item). Anomaly when the price differs
      from the median by more than ``price_change_pct`` % and |z| > ``price_z`` (or the
      past prices are all equal): both a material change and an unusual one.

    With fewer than ``min_history`` past lines a field is not judged. Columns: id, item,
    supplier, field (qty / price), value, typical (the median), ratio (value/typical),
    robust_z, history_lines, basis, status (anomaly / not_judged, and ok with
    ``all_lines``), message. Both quantity and price flags are unchanged when every
    quantity (resp. price) is scaled by one factor.
    """
    if min_history < 1 or (max_history is not None and max_history < min_history):
        raise InvalidInputError("need 1 ≤ min_history ≤ max_history")
    if not (qty_z > 0 and price_z > 0 and price_change_pct >= 0 and min_log_spread >= 0):
        raise InvalidInputError("qty_z and price_z must be positive, the others not negative")
    require_columns(proposed, ("id", "item", "supplier", "qty", "unit_price"), "proposed")
    require_columns(history, ("item", "supplier", "qty", "unit_price", "order_date"), "history")
    lines = proposed.select(
        pl.col("id"), *[pl.col(c).cast(pl.Utf8) for c in ("item", "supplier")],
        *[pl.col(c).cast(pl.Float64) for c in ("qty", "unit_price")],
    )  # fmt: skip
    bad = lines.filter(~(pl.col("qty") > 0))["id"].head(5).to_list()
    if bad:
        raise InvalidInputError(f"proposed: qty must be positive for id {bad}")
    past = history.select(
        *[pl.col(c).cast(pl.Utf8) for c in ("item", "supplier")],
        *[pl.col(c).cast(pl.Float64) for c in ("qty", "unit_price")],
        pl.col("order_date"),
    ).filter(pl.col("qty") > 0).sort("order_date", descending=True, nulls_last=True)  # fmt: skip

    def latest(frame: pl.DataFrame, *by: str) -> pl.DataFrame:
        if max_history is None:
            return frame
        return frame.filter(pl.int_range(pl.len()).over(*by) < max_history)

    priced = past.filter(pl.col("unit_price") > 0)
    qty_stats = (
        latest(past, "item")
        .group_by("item")
        .agg(*_robust_stats(pl.col("qty").log(), "q"), pl.col("qty").median().alias("q_typical"))
    )
    by_supplier = (
        latest(priced, "item", "supplier")
        .group_by("item", "supplier")
        .agg(_robust_stats(pl.col("unit_price"), "s"))
    )
    by_item = latest(priced, "item").group_by("item").agg(_robust_stats(pl.col("unit_price"), "i"))
    quantity = _judge_qty(lines, qty_stats, qty_z, min_history, min_log_spread)
    price = _judge_price(lines, by_supplier, by_item, price_z, price_change_pct, min_history)
    out = pl.concat([quantity.select(ORDER_COLUMNS), price.select(ORDER_COLUMNS)])
    if not all_lines:
        out = out.filter(pl.col("status") != "ok")
    return out.sort(pl.col("id"), pl.col("field") == "price")


def _not_judged(n: pl.Expr, min_history: int, what: str) -> pl.Expr:
    return pl.format(
        "not judged: {} past order(s) {}, {} needed",
        n.fill_null(0),
        pl.lit(what),
        pl.lit(min_history),
    )


def _judge_qty(
    lines: pl.DataFrame, qty_stats: pl.DataFrame, qty_z: float, min_history: int, spread: float
) -> pl.DataFrame:
    frame = lines.join(qty_stats, on="item", how="left")
    scale = pl.max_horizontal(pl.col("q_scale").fill_null(0.0), pl.lit(spread))
    robust_z = (pl.col("qty").log() - pl.col("q_median")) / scale
    judged = pl.col("q_n").fill_null(0) >= min_history
    frame = frame.with_columns(
        pl.lit("qty").alias("field"),
        pl.col("qty").alias("value"),
        pl.col("q_typical").alias("typical"),
        (pl.col("qty") / pl.col("q_typical")).alias("ratio"),
        pl.when(judged).then(robust_z).alias("robust_z"),
        pl.col("q_n").fill_null(0).alias("history_lines"),
        pl.lit("item").alias("basis"),
    )
    status = (
        pl.when(~judged).then(pl.lit("not_judged"))
        .when(pl.col("robust_z").abs() > qty_z).then(pl.lit("anomaly"))
        .otherwise(pl.lit("ok"))
    )  # fmt: skip
    usual = pl.format("the usual {} (median of {} orders)",
                      number_text(pl.col("typical"), 2), pl.col("history_lines"))  # fmt: skip
    message = (
        pl.when(~judged).then(_not_judged(pl.col("q_n"), min_history, "of this item"))
        .when(pl.col("ratio") >= 1.0)
        .then(pl.format("quantity {} is {}× {}", number_text(pl.col("value"), 2),
                        number_text(pl.col("ratio"), 1), usual))
        .otherwise(pl.format("quantity {} is only {} % of {}", number_text(pl.col("value"), 2),
                             number_text(100.0 * pl.col("ratio"), 1), usual))
    )  # fmt: skip
    return frame.with_columns(status.alias("status"), message.alias("message"))


def _judge_price(
    lines: pl.DataFrame,
    by_supplier: pl.DataFrame,
    by_item: pl.DataFrame,
    price_z: float,
    price_change_pct: float,
    min_history: int,
) -> pl.DataFrame:
    frame = lines.join(by_supplier, on=["item", "supplier"], how="left").join(
        by_item, on="item", how="left"
    )
    own = pl.col("s_n").fill_null(0) >= min_history

    def pick(stat: str) -> pl.Expr:
        return pl.when(own).then(pl.col(f"s_{stat}")).otherwise(pl.col(f"i_{stat}"))

    n, median, scale = pick("n").fill_null(0), pick("median"), pick("scale")
    has_price = pl.col("unit_price").is_not_null()
    judged = has_price & (n >= min_history)
    frame = frame.with_columns(
        pl.lit("price").alias("field"),
        pl.col("unit_price").alias("value"),
        median.alias("typical"),
        (pl.col("unit_price") / median).alias("ratio"),
        pl.when(judged & scale.is_not_null())
        .then((pl.col("unit_price") - median) / scale)
        .alias("robust_z"),
        n.alias("history_lines"),
        pl.when(own).then(pl.lit("item_supplier")).otherwise(pl.lit("item")).alias("basis"),
    )
    material = (pl.col("ratio") - 1.0).abs() * 100.0 > price_change_pct
    unusual = pl.col("robust_z").is_null() | (pl.col("robust_z").abs() > price_z)
    status = (
        pl.when(~judged).then(pl.lit("not_judged"))
        .when(material & unusual).then(pl.lit("anomaly"))
        .otherwise(pl.lit("ok"))
    )  # fmt: skip
    source = pl.when(own).then(pl.format(" from {}", pl.col("supplier"))).otherwise(pl.lit(""))
    change = number_text(100.0 * (pl.col("ratio") - 1.0).abs(), 1)
    message = (
        pl.when(~has_price).then(pl.lit("not judged: no unit price"))
        .when(~judged).then(_not_judged(n, min_history, "with a price"))
        .otherwise(pl.format(
            "unit price {} is {} % {} the usual {} (median of {} orders{})",
            number_text(pl.col("value"), 4), change,
            pl.when(pl.col("ratio") >= 1.0).then(pl.lit("above")).otherwise(pl.lit("below")),
            number_text(pl.col("typical"), 4), pl.col("history_lines"), source,
        ))
    )  # fmt: skip
    return frame.with_columns(status.alias("status"), message.alias("message"))
