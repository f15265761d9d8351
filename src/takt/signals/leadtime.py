"""Supplier lead times from the PO and receipt history: outcomes per line, statistics with a
fallback hierarchy, drift detection and a quantile model.

Python API::

    outcomes = line_outcomes(orders, receipts, as_of=date(2026, 11, 1))  # one row per PO line
    stats = lead_time_stats(outcomes, offers)              # every offer: n, mean, std, quantiles
    drift = detect_drift(outcomes, as_of=date(2026, 11, 1))            # Welch t, recent vs before
    model = LeadTimePredictor(quantiles=(0.5, 0.9)).fit(outcomes, offers)
    model.predict(new_lines)                             # q0.5, q0.9 per line, source
    evaluate_predictor(outcomes, split_date=date(2026, 5, 1), offers=offers)

Definitions (one observation is one PO line, not weighted by quantity):

- Lead time L = first receipt − order date, in calendar days; a line without a receipt is
  *open* and has no lead time (it is censored, never counted as zero or as "now").
- Quoted lead time of a line: the offer's ``lead_time_days`` for its (supplier, sku,
  location), else need date − order date. A line is late when L exceeds its quote.
- Quantiles are the linear-interpolated sample quantiles (numpy's default, as in
  :mod:`takt.signals.forecast`); std is the sample standard deviation (n − 1).

Lead-time variability enters the safety stock through σ² = μ_L·σ_d² + μ_d²·σ_L² (Silver,
Pyke & Thomas, *Inventory and Production Management*, ch. 6): the μ_L and σ_L are the
``mean`` and ``std`` of :func:`lead_time_stats`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from takt.errors import InvalidInputError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

ORDER_COLUMNS = ("po", "line", "supplier", "sku", "location", "qty", "order_date")
RECEIPT_COLUMNS = ("po", "line", "received_on", "qty_received")
SOURCES = ("supplier_item", "supplier", "quoted")
DEFAULT_CV = 0.30
# Days on the epoch scale far beyond any real date: "not received (yet)".
_NEVER = 10_000_000


def qcol(q: float) -> str:
    """Name of the column holding quantile ``q`` (``q0.5``, ``q0.95``), as in forecast."""
    return f"q{q:g}"


def require_columns(frame: pl.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InvalidInputError(f"{what} lacks column(s) {missing}; has {frame.columns}")


def _check_quantiles(quantiles: Sequence[float]) -> tuple[float, ...]:
    qs = tuple(float(q) for q in quantiles)
    if not qs or any(not 0.0 < q < 1.0 for q in qs):
        raise InvalidInputError(f"quantiles must lie strictly between 0 and 1, got {qs}")
    return tuple(sorted(set(qs)))


# ---------------------------------------------------------------------- outcomes


def line_outcomes(
    orders: pl.DataFrame, receipts: pl.DataFrame, *, as_of: date | None = None
) -> pl.DataFrame:
    """One row per PO line with what happened to it.

    ``orders`` has the columns of the purchase-orders import (``po, line, supplier, sku,
    location, qty, order_date`` required; ``need_date, promised_date, status`` used when
    present), ``receipts`` those of the receipts import (``po, line, received_on,
    qty_received``; ``qty_rejected`` defaults to 0). Lines of cancelled POs are dropped.
    With ``as_of`` the history is cut there: lines ordered after it are dropped and
    receipts after it ignored (a replay of what was known that day).

    Columns: supplier, sku, location, po, line, order_date, qty, need_date,
    promised_date, first_receipt, last_receipt, n_receipts, qty_received, qty_rejected,
    lead_time_days (first receipt − order date; null while open), open (no receipt yet),
    and the receipts themselves as two lists sorted by date, ``receipt_dates`` and
    ``receipt_qty`` (what :func:`takt.signals.scorecard.line_otif` needs to tell how
    much had arrived by the end of the on-time window). Receipts of unknown lines are
    ignored.
    """
    require_columns(orders, ORDER_COLUMNS, "purchase-orders")
    require_columns(receipts, RECEIPT_COLUMNS, "receipts")
    lines = orders.lazy()
    if "status" in orders.columns:
        lines = lines.filter(pl.col("status").fill_null("") != "cancelled")
    lines = lines.select(
        pl.col("supplier").cast(pl.Utf8),
        pl.col("sku").cast(pl.Utf8),
        pl.col("location").cast(pl.Utf8),
        pl.col("po").cast(pl.Utf8),
        pl.col("line").cast(pl.Int64),
        pl.col("order_date").cast(pl.Date),
        pl.col("qty").cast(pl.Float64),
        *[
            (pl.col(c) if c in orders.columns else pl.lit(None)).cast(pl.Date).alias(c)
            for c in ("need_date", "promised_date")
        ],
    )
    rec = receipts.lazy().select(
        pl.col("po").cast(pl.Utf8),
        pl.col("line").cast(pl.Int64),
        pl.col("received_on").cast(pl.Date),
        pl.col("qty_received").cast(pl.Float64),
        (
            pl.col("qty_rejected").cast(pl.Float64).fill_null(0.0)
            if "qty_rejected" in receipts.columns
            else pl.lit(0.0)
        ).alias("qty_rejected"),
    )
    if as_of is not None:
        lines = lines.filter(pl.col("order_date") <= as_of)
        rec = rec.filter(pl.col("received_on") <= as_of)
    # Sorting by date alone is enough: a group keeps its rows in frame order.
    per_line = (
        rec.sort("received_on")
        .group_by("po", "line", maintain_order=True)
        .agg(
            pl.col("received_on").first().alias("first_receipt"),
            pl.col("received_on").last().alias("last_receipt"),
            pl.len().cast(pl.Int64).alias("n_receipts"),
            pl.col("qty_received").sum(),
            pl.col("qty_rejected").sum(),
            pl.col("received_on").alias("receipt_dates"),
            pl.col("qty_received").alias("receipt_qty"),
        )
    )
    out = lines.join(per_line, on=["po", "line"], how="left").with_columns(
        pl.col("n_receipts").fill_null(0),
        pl.col("qty_received").fill_null(0.0),
        pl.col("qty_rejected").fill_null(0.0),
        (pl.col("first_receipt") - pl.col("order_date")).dt.total_days().alias("lead_time_days"),
        pl.col("first_receipt").is_null().alias("open"),
    )
    return out.select(
        "supplier",
        "sku",
        "location",
        "po",
        "line",
        "order_date",
        "qty",
        "need_date",
        "promised_date",
        "first_receipt",
        "last_receipt",
        "n_receipts",
        "qty_received",
        "qty_rejected",
        "lead_time_days",
        "open",
        "receipt_dates",
        "receipt_qty",
    ).collect()


def attach_quotes(lines: pl.DataFrame, offers: pl.DataFrame | None) -> pl.DataFrame:
    """Add ``quoted_lead_time_days`` (Float64): the offer's quote, else need − order date.

    A column of that name already on ``lines`` wins over both.
    """
    if "quoted_lead_time_days" in lines.columns:
        return lines.with_columns(pl.col("quoted_lead_time_days").cast(pl.Float64))
    need = (
        (pl.col("need_date") - pl.col("order_date")).dt.total_days().cast(pl.Float64)
        if "need_date" in lines.columns
        else pl.lit(None, pl.Float64)
    )
    if offers is None:
        return lines.with_columns(need.alias("quoted_lead_time_days"))
    require_columns(offers, ("supplier", "sku", "location", "lead_time_days"), "offers")
    quotes = offers.select(
        pl.col("supplier").cast(pl.Utf8),
        pl.col("sku").cast(pl.Utf8),
        pl.col("location").cast(pl.Utf8),
        pl.col("lead_time_days").cast(pl.Float64).alias("_quote"),
    ).unique(["supplier", "sku", "location"], keep="first")
    return (
        lines.join(quotes, on=["supplier", "sku", "location"], how="left")
        .with_columns(pl.coalesce("_quote", need).alias("quoted_lead_time_days"))
        .drop("_quote")
    )


# ---------------------------------------------------------------------- statistics


def _moments(value: str, quantiles: Sequence[float], prefix: str = "") -> list[pl.Expr]:
    v = pl.col(value)
    return [
        v.count().cast(pl.Int64).alias(f"{prefix}n"),
        v.mean().alias(f"{prefix}mean"),
        v.std().alias(f"{prefix}std"),
        *[v.quantile(q, "linear").alias(f"{prefix}{qcol(q)}") for q in quantiles],
        (pl.col("_late").sum() / pl.col("_late").count()).alias(f"{prefix}share_late"),
    ]


def lead_time_stats(
    outcomes: pl.DataFrame,
    offers: pl.DataFrame,
    *,
    min_obs: int = 5,
    quantiles: Sequence[float] = (0.5, 0.9, 0.95),
    default_cv: float = DEFAULT_CV,
) -> pl.DataFrame:
    """Lead-time statistics for every offer, with a fallback hierarchy (``source``).

    1. ``supplier_item``: the offer's own lines, when it has at least ``min_obs``
       received lines: n, mean, std, cv = std / mean, quantiles, share_late.
    2. ``supplier``: else the supplier's pooled lines *scaled to this offer's quote*.
       For every received line of the supplier with a quote, the ratio
       ρ = L / max(quote, 1) is pooled (at least ``min_obs`` lines); the offer gets
       mean = Q·mean(ρ), std = Q·std(ρ), quantile_q = Q·quantile_q(ρ) with Q =
       max(quote, 1), so cv is the cv of ρ. Scaling keeps a 40-day item of a supplier
       from borrowing the 10-day lead times of its other items; only the shape
       (lateness, spread) is borrowed. share_late is the supplier's share.
    3. ``quoted``: else the quote itself with ``default_cv`` (0.30, a cautious planner's
       rule of thumb, a parameter): mean = quote, std = cv·quote and quantiles of a
       lognormal with that mean and cv, q_p = quote·exp(−s²/2 + s·z_p), s² = ln(1 + cv²).
       n = 0, share_late null.

    ``n_item`` and ``n_supplier`` always give the lines behind levels 1 and 2.
    Offers are matched on (supplier, sku, location); lines without an offer still count
    in their supplier's pool (quote = need − order date when present).
    """
    from scipy.stats import norm

    if min_obs < 1:
        raise InvalidInputError(f"min_obs must be at least 1, got {min_obs}")
    if default_cv < 0:
        raise InvalidInputError(f"default_cv must not be negative, got {default_cv}")
    qs = _check_quantiles(quantiles)
    require_columns(outcomes, ("supplier", "sku", "location", "lead_time_days"), "outcomes")
    require_columns(offers, ("supplier", "sku", "location", "lead_time_days"), "offers")
    received = attach_quotes(
        outcomes.select(
            "supplier",
            "sku",
            "location",
            pl.col("lead_time_days").cast(pl.Float64),
            *[c for c in ("order_date", "need_date") if c in outcomes.columns],
        ).filter(pl.col("lead_time_days").is_not_null()),
        offers,
    ).with_columns(
        (pl.col("lead_time_days") > pl.col("quoted_lead_time_days")).alias("_late"),
        (pl.col("lead_time_days") / pl.col("quoted_lead_time_days").clip(lower_bound=1.0)).alias(
            "_ratio"
        ),
    )
    per_item = received.group_by("supplier", "sku", "location", maintain_order=True).agg(
        _moments("lead_time_days", qs, "i_")
    )
    per_supplier = (
        received.filter(pl.col("_ratio").is_not_null())
        .group_by("supplier", maintain_order=True)
        .agg(_moments("_ratio", qs, "s_"))
    )
    base = offers.select(
        pl.col("supplier").cast(pl.Utf8),
        pl.col("sku").cast(pl.Utf8),
        pl.col("location").cast(pl.Utf8),
        pl.col("lead_time_days").cast(pl.Float64).alias("quoted_lead_time_days"),
    ).unique(["supplier", "sku", "location"], keep="first", maintain_order=True)
    joined = (
        base.join(per_item, on=["supplier", "sku", "location"], how="left")
        .join(per_supplier, on="supplier", how="left")
        .with_columns(pl.col("i_n").fill_null(0), pl.col("s_n").fill_null(0))
    )
    item_ok = pl.col("i_n") >= min_obs
    supplier_ok = pl.col("s_n") >= min_obs
    scale = pl.col("quoted_lead_time_days").clip(lower_bound=1.0)
    s2 = float(np.log1p(default_cv**2))
    quote = pl.col("quoted_lead_time_days")

    def pick(item: pl.Expr, supplier: pl.Expr, quoted: pl.Expr) -> pl.Expr:
        return pl.when(item_ok).then(item).when(supplier_ok).then(supplier).otherwise(quoted)

    out = joined.select(
        "supplier",
        "sku",
        "location",
        "quoted_lead_time_days",
        pick(pl.lit("supplier_item"), pl.lit("supplier"), pl.lit("quoted")).alias("source"),
        pick(pl.col("i_n"), pl.col("s_n"), pl.lit(0)).cast(pl.Int64).alias("n"),
        pick(pl.col("i_mean"), pl.col("s_mean") * scale, quote).alias("mean"),
        pick(pl.col("i_std"), pl.col("s_std") * scale, quote * default_cv).alias("std"),
        *[
            pick(
                pl.col(f"i_{qcol(q)}"),
                pl.col(f"s_{qcol(q)}") * scale,
                quote * float(np.exp(-s2 / 2 + np.sqrt(s2) * norm.ppf(q))),
            ).alias(qcol(q))
            for q in qs
        ],
        pick(pl.col("i_share_late"), pl.col("s_share_late"), pl.lit(None, pl.Float64)).alias(
            "share_late"
        ),
        pl.col("i_n").cast(pl.Int64).alias("n_item"),
        pl.col("s_n").cast(pl.Int64).alias("n_supplier"),
    ).with_columns(
        pl.when(pl.col("mean") > 0).then(pl.col("std") / pl.col("mean")).alias("cv"),
    )
    return out.select(
        "supplier",
        "sku",
        "location",
        "quoted_lead_time_days",
        "source",
        "n",
        "mean",
        "std",
        "cv",
        *[qcol(q) for q in qs],
        "share_late",
        "n_item",
        "n_supplier",
    )


# ---------------------------------------------------------------------- drift


def detect_drift(
    outcomes: pl.DataFrame,
    *,
    as_of: date,
    recent_days: int = 90,
    alpha: float = 0.01,
    min_recent: int = 5,
    min_history: int = 5,
) -> pl.DataFrame:
    """Has a supplier (or a supplier-item) become slower lately? Welch's t-test per group.

    Lines are split by the date of their first receipt (a lead time is known when the
    goods arrive, and splitting by order date would hide a slowdown: the slow recent
    orders have not arrived yet): *recent* = received in (as_of − recent_days, as_of],
    *history* = received on or before as_of − recent_days. Per group (``level`` =
    "supplier" with sku/location null, and "supplier_item"):

    t = (x̄_r − x̄_h) / sqrt(s_r²/n_r + s_h²/n_h),
    ν = (s_r²/n_r + s_h²/n_h)² / ((s_r²/n_r)²/(n_r − 1) + (s_h²/n_h)²/(n_h − 1))

    (Welch 1947, *Biometrika* 34; the Welch–Satterthwaite ν), two-sided p = 2·P(T_ν > |t|)
    from ``scipy.stats.t.sf`` over all groups at once. ``drift`` is True when p < alpha
    and the recent mean is later (shift_days > 0). Groups with fewer than ``min_recent``
    recent or ``min_history`` earlier lines are reported with null t and p and no drift.
    When both variances are zero, t is ±inf (p = 0) if the means differ, else p = 1.
    """
    from scipy.stats import t as student_t

    if recent_days < 1:
        raise InvalidInputError(f"recent_days must be at least 1, got {recent_days}")
    if not 0 < alpha < 1:
        raise InvalidInputError(f"alpha must lie between 0 and 1, got {alpha}")
    require_columns(
        outcomes, ("supplier", "sku", "location", "first_receipt", "lead_time_days"), "outcomes"
    )
    cut = as_of - timedelta(days=recent_days)
    rows = outcomes.filter(
        pl.col("lead_time_days").is_not_null() & (pl.col("first_receipt") <= as_of)
    ).with_columns(
        pl.col("lead_time_days").cast(pl.Float64),
        (pl.col("first_receipt") > cut).alias("_recent"),
    )

    def moments(keys: list[str]) -> pl.DataFrame:
        lt, recent = pl.col("lead_time_days"), pl.col("_recent")
        return rows.group_by(keys, maintain_order=True).agg(
            lt.filter(~recent).count().cast(pl.Int64).alias("n_history"),
            lt.filter(~recent).mean().alias("mean_history"),
            lt.filter(~recent).var().alias("var_history"),
            lt.filter(recent).count().cast(pl.Int64).alias("n_recent"),
            lt.filter(recent).mean().alias("mean_recent"),
            lt.filter(recent).var().alias("var_recent"),
        )

    by_supplier = moments(["supplier"]).with_columns(
        pl.lit("supplier").alias("level"),
        pl.lit(None, pl.Utf8).alias("sku"),
        pl.lit(None, pl.Utf8).alias("location"),
    )
    by_item = moments(["supplier", "sku", "location"]).with_columns(
        pl.lit("supplier_item").alias("level")
    )
    cols = [
        "level",
        "supplier",
        "sku",
        "location",
        "n_history",
        "mean_history",
        "var_history",
        "n_recent",
        "mean_recent",
        "var_recent",
    ]
    groups = pl.concat([by_supplier.select(cols), by_item.select(cols)]).sort(
        "level", "supplier", "sku", "location", nulls_last=False
    )
    n_h = groups["n_history"].to_numpy().astype(np.float64)
    n_r = groups["n_recent"].to_numpy().astype(np.float64)
    m_h = groups["mean_history"].fill_null(np.nan).to_numpy()
    m_r = groups["mean_recent"].fill_null(np.nan).to_numpy()
    testable = (n_r >= max(min_recent, 2)) & (n_h >= max(min_history, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        a = groups["var_recent"].fill_null(np.nan).to_numpy() / n_r
        b = groups["var_history"].fill_null(np.nan).to_numpy() / n_h
        se2 = a + b
        diff = m_r - m_h
        t_stat = np.where(se2 > 0, diff / np.sqrt(se2), np.where(diff == 0, 0.0, np.inf * diff))
        df = np.where(se2 > 0, se2**2 / (a**2 / (n_r - 1) + b**2 / (n_h - 1)), np.inf)
        p = np.where(
            np.isfinite(t_stat),
            2.0 * student_t.sf(np.abs(t_stat), np.where(np.isfinite(df), df, 1e12)),
            0.0,
        )
    t_stat = np.where(testable, t_stat, np.nan)
    p = np.where(testable, np.minimum(p, 1.0), np.nan)
    df = np.where(testable & np.isfinite(df), df, np.nan)
    return groups.select(
        "level",
        "supplier",
        "sku",
        "location",
        "n_history",
        "mean_history",
        pl.col("var_history").sqrt().alias("std_history"),
        "n_recent",
        "mean_recent",
        pl.col("var_recent").sqrt().alias("std_recent"),
        (pl.col("mean_recent") - pl.col("mean_history")).alias("shift_days"),
        pl.Series("t_stat", t_stat).fill_nan(None),
        pl.Series("df", df).fill_nan(None),
        pl.Series("p_value", p).fill_nan(None),
        pl.Series("drift", testable & (p < alpha) & (diff > 0)),
    )


# ---------------------------------------------------------------------- predictor


def open_workload(
    supplier: pl.Series,
    day: pl.Series,
    history: pl.DataFrame,
) -> IntArray:
    """Lines of the same supplier open at the start of ``day``: ordered before it and not
    received before it (an unreceived line stays open), one count per query row.

    Vectorised with two sorted key arrays (supplier code · 10⁷ + epoch day) and
    ``searchsorted``: open(d) = #{order < d} − #{receipt < d}, exact because every
    receipt follows its order (a receipt dated before its order is moved to the order
    day) and both arrays hold one entry per history line, so the counts of the suppliers
    sorted before this one cancel.
    """
    require_columns(history, ("supplier", "order_date", "first_receipt"), "history")
    names = pl.concat([history["supplier"].cast(pl.Utf8), supplier.cast(pl.Utf8)])
    codes = names.rank("dense").cast(pl.Int64).to_numpy()
    h_code, q_code = codes[: history.height], codes[history.height :]
    order = history["order_date"].cast(pl.Int64).to_numpy()
    receipt = history["first_receipt"].cast(pl.Int64).fill_null(_NEVER).to_numpy()
    receipt = np.maximum(receipt, order)
    big = 2 * _NEVER
    order_key = np.sort(h_code * big + order)
    receipt_key = np.sort(h_code * big + receipt)
    query = q_code * big + day.cast(pl.Int64).to_numpy()
    opened = np.searchsorted(order_key, query, side="left")
    closed = np.searchsorted(receipt_key, query, side="left")
    counts: IntArray = (opened - closed).astype(np.int64)
    return counts


def pinball_loss(actual: FloatArray, predicted: FloatArray, q: float) -> float:
    """Mean pinball (quantile) loss: mean(max(q·e, (q − 1)·e)), e = actual − predicted."""
    e = actual - predicted
    return float(np.mean(np.maximum(q * e, (q - 1.0) * e)))


@dataclass
class LeadTimePredictor:
    """Quantiles of the lead time of a PO line, by gradient boosting with a fallback.

    One ``HistGradientBoostingRegressor(loss="quantile", quantile=q)`` per quantile
    (Friedman 2001; quantile loss of Koenker & Bassett 1978) on the target
    y = log(1 + L) − log(1 + quote): conditional quantiles commute with the monotone
    map back, L_q = (1 + quote)·exp(y_q) − 1, and a multiplicative delay is what the
    trees learn best. Features: supplier (native categorical; the 254 suppliers with
    most lines, others missing), item (sku@location, target-encoded with
    ``sklearn.preprocessing.TargetEncoder``, cross-fitted), log(1 + qty), order weekday
    and month, log(1 + quote) and the supplier's open workload at the order date
    (:func:`open_workload`). Predictions are sorted per row, so quantiles never cross.
    ``n_threads`` caps the OpenMP threads of the boosting (default 1: on thousands of
    lines the thread start-up costs more than it saves; None lets OpenMP decide).

    Fallback (``source``): "model" for suppliers with at least ``min_obs`` training
    lines; "supplier" (their empirical lead-time quantiles in days) for suppliers with
    fewer; "global" for suppliers never seen: the quote times the quantiles of
    (1 + L)/(1 + quote) over all training lines.
    """

    quantiles: Sequence[float] = (0.5, 0.9)
    min_obs: int = 20
    max_iter: int = 100
    learning_rate: float = 0.05
    max_leaf_nodes: int = 15
    min_samples_leaf: int = 20
    n_threads: int | None = 1
    seed: int = 0

    # Learned in fit(): names end in an underscore.
    quantiles_: tuple[float, ...] = field(default=(), init=False, repr=False)
    models_: dict[float, Any] = field(default_factory=dict, init=False, repr=False)
    item_encoder_: Any = field(default=None, init=False, repr=False)
    supplier_categories_: list[str] = field(default_factory=list, init=False, repr=False)
    supplier_lines_: dict[str, int] = field(default_factory=dict, init=False, repr=False)
    supplier_quantiles_: pl.DataFrame | None = field(default=None, init=False, repr=False)
    global_log_ratio_: dict[float, float] = field(default_factory=dict, init=False, repr=False)
    quote_fill_: pl.DataFrame | None = field(default=None, init=False, repr=False)
    global_quote_: float = field(default=0.0, init=False, repr=False)
    offers_: pl.DataFrame | None = field(default=None, init=False, repr=False)
    history_: pl.DataFrame | None = field(default=None, init=False, repr=False)

    def fit(
        self,
        outcomes: pl.DataFrame,
        offers: pl.DataFrame | None = None,
        *,
        history: pl.DataFrame | None = None,
    ) -> LeadTimePredictor:
        """Learn from the received lines of ``outcomes`` (see :func:`line_outcomes`).

        ``history`` (default: ``outcomes``) is the set of lines the open workload is
        counted on, for training and, unless predict() is given another, for prediction.
        """
        from sklearn.ensemble import HistGradientBoostingRegressor
        from sklearn.model_selection import KFold
        from sklearn.preprocessing import TargetEncoder

        self.quantiles_ = _check_quantiles(self.quantiles)
        if self.min_obs < 1:
            raise InvalidInputError(f"min_obs must be at least 1, got {self.min_obs}")
        require_columns(
            outcomes,
            ("supplier", "sku", "location", "order_date", "qty", "lead_time_days"),
            "outcomes",
        )
        train = attach_quotes(outcomes.filter(pl.col("lead_time_days").is_not_null()), offers)
        if train.height == 0:
            raise InvalidInputError("no received lines to learn lead times from")
        self.offers_ = offers
        self.history_ = (history if history is not None else outcomes).select(
            "supplier", "order_date", "first_receipt"
        )
        counts = train.group_by("supplier", maintain_order=True).len()
        self.supplier_lines_ = dict(zip(counts["supplier"], counts["len"], strict=True))
        self.quote_fill_ = train.group_by("supplier", maintain_order=True).agg(
            pl.col("quoted_lead_time_days").median().alias("_fill")
        )
        median_quote = train["quoted_lead_time_days"].median()
        self.global_quote_ = float(median_quote) if median_quote is not None else 0.0  # type: ignore[arg-type]
        train = self._complete_quotes(train)
        lt = train["lead_time_days"].cast(pl.Float64).to_numpy()
        quote = train["quoted_lead_time_days"].to_numpy()
        y = np.log1p(np.maximum(lt, 0.0)) - np.log1p(quote)

        self.supplier_quantiles_ = train.group_by("supplier", maintain_order=True).agg(
            [pl.col("lead_time_days").cast(pl.Float64).quantile(q, "linear").alias(qcol(q))
             for q in self.quantiles_]
        )  # fmt: skip
        self.global_log_ratio_ = {q: float(np.quantile(y, q)) for q in self.quantiles_}

        modelled = [s for s, n in self.supplier_lines_.items() if n >= self.min_obs]
        top = sorted(modelled, key=lambda s: (-self.supplier_lines_[s], s))[:254]
        self.supplier_categories_ = sorted(top)
        self.models_ = {}
        self.item_encoder_ = None
        mask = train["supplier"].is_in(modelled).to_numpy()
        if mask.sum() < max(2 * self.min_samples_leaf, 10):
            return self  # too little to learn from: every prediction falls back
        fit_rows = train.filter(pl.Series(mask))
        folds = KFold(5, shuffle=True, random_state=self.seed)
        self.item_encoder_ = TargetEncoder(target_type="continuous", cv=folds)
        item_te = self.item_encoder_.fit_transform(_item_names(fit_rows), y[mask])[:, 0]
        x = self._features(fit_rows, item_te, self.history_)
        for q in self.quantiles_:
            model = HistGradientBoostingRegressor(
                loss="quantile",
                quantile=q,
                max_iter=self.max_iter,
                learning_rate=self.learning_rate,
                max_leaf_nodes=self.max_leaf_nodes,
                min_samples_leaf=self.min_samples_leaf,
                categorical_features=[0],
                random_state=self.seed,
            )
            with threadpool_limits(limits=self.n_threads):
                self.models_[q] = model.fit(x, y[mask])
        return self

    def _complete_quotes(self, lines: pl.DataFrame) -> pl.DataFrame:
        """Quotes still missing: the supplier's median training quote, else the global one."""
        assert self.quote_fill_ is not None
        return (
            lines.join(self.quote_fill_, on="supplier", how="left")
            .with_columns(
                pl.coalesce("quoted_lead_time_days", "_fill", pl.lit(self.global_quote_))
                .clip(lower_bound=0.0)
                .alias("quoted_lead_time_days")
            )
            .drop("_fill")
        )

    def _features(
        self, lines: pl.DataFrame, item_te: FloatArray, history: pl.DataFrame
    ) -> FloatArray:
        index = {s: float(i) for i, s in enumerate(self.supplier_categories_)}
        code = lines["supplier"].replace_strict(index, default=None, return_dtype=pl.Float64)
        code = code.fill_null(np.nan)
        order = lines["order_date"]
        workload = open_workload(lines["supplier"], order, history)
        return np.column_stack(
            [
                code.to_numpy(),
                item_te,
                np.log1p(lines["qty"].cast(pl.Float64).to_numpy()),
                order.dt.weekday().to_numpy().astype(float),
                order.dt.month().to_numpy().astype(float),
                np.log1p(lines["quoted_lead_time_days"].to_numpy()),
                workload.astype(float),
            ]
        )

    def predict(
        self, new_lines: pl.DataFrame, *, history: pl.DataFrame | None = None
    ) -> pl.DataFrame:
        """Lead-time quantiles (days) for each line: its key columns, one column per
        quantile (``q0.5``, ``q0.9``), ``quoted_lead_time_days`` and ``source``.

        ``new_lines`` needs supplier, sku, location, order_date and qty; the quote comes
        from a ``quoted_lead_time_days`` column, else the offers given to fit(), else
        need − order date, else the supplier's median training quote. The open workload
        is counted on ``history`` (default: the history given to fit()).
        """
        if self.supplier_quantiles_ is None or self.history_ is None:
            raise InvalidInputError("call fit() first")
        require_columns(
            new_lines, ("supplier", "sku", "location", "order_date", "qty"), "new lines"
        )
        lines = self._complete_quotes(attach_quotes(new_lines, self.offers_))
        qs = self.quantiles_
        n = lines.height
        quote = lines["quoted_lead_time_days"].to_numpy()
        global_pred = np.column_stack(
            [(1.0 + quote) * np.exp(self.global_log_ratio_[q]) - 1.0 for q in qs]
        ).reshape(n, len(qs))
        emp = lines.select("supplier").join(self.supplier_quantiles_, on="supplier", how="left")
        emp_pred = emp.select([qcol(q) for q in qs]).fill_null(np.nan).to_numpy().reshape(n, -1)
        seen = lines["supplier"].is_in(list(self.supplier_lines_)).to_numpy()
        modelled = (
            lines["supplier"]
            .replace_strict(self.supplier_lines_, default=0, return_dtype=pl.Int64)
            .to_numpy()
            >= self.min_obs
        ) & bool(self.models_)
        pred = np.where(seen[:, None], emp_pred, global_pred)
        if modelled.any():
            rows = lines.filter(pl.Series(modelled))
            assert self.item_encoder_ is not None
            item_te = self.item_encoder_.transform(_item_names(rows))[:, 0]
            x = self._features(rows, item_te, history if history is not None else self.history_)
            log_quote = np.log1p(rows["quoted_lead_time_days"].to_numpy())
            with threadpool_limits(limits=self.n_threads):
                pred[modelled] = np.column_stack(
                    [np.expm1(self.models_[q].predict(x) + log_quote) for q in qs]
                )
        pred = np.sort(np.maximum(pred, 0.0), axis=1)
        source = np.where(modelled, "model", np.where(seen, "supplier", "global"))
        keys = [c for c in ("po", "line", "supplier", "sku", "location") if c in lines.columns]
        return lines.select(*keys, "order_date", "quoted_lead_time_days").with_columns(
            *[pl.Series(qcol(q), pred[:, k]) for k, q in enumerate(qs)],
            pl.Series("source", source.astype(str)),
        )


def _item_names(lines: pl.DataFrame) -> npt.NDArray[np.object_]:
    names = (lines["sku"] + "@" + lines["location"]).to_numpy().astype(object)
    return names.reshape(-1, 1)


def evaluate_predictor(
    outcomes: pl.DataFrame,
    *,
    split_date: date,
    quantiles: Sequence[float] = (0.5, 0.9),
    offers: pl.DataFrame | None = None,
    predictor: LeadTimePredictor | None = None,
) -> dict[str, Any]:
    """Time-split backtest of :class:`LeadTimePredictor` against the empirical baseline.

    Train on the lines ordered *and received* before ``split_date`` (what was known on
    that day); test on the received lines ordered on or after it. The baseline is the
    empirical per-supplier quantile of the training lead times (the global quantile
    for suppliers without training lines). The open workload feature is counted on all
    of ``outcomes``: for a line ordered on day d it uses only orders and receipts
    before d, which the buyer knows when ordering.

    Returns ``quantiles``, ``train_lines``, ``test_lines``, and per quantile (dicts
    keyed by q) ``pinball_model``, ``pinball_baseline`` (mean pinball loss in days),
    ``ratio`` (model / baseline, below 1 means the model is better), and the share of
    test lines at or below each prediction, ``coverage_model`` and ``coverage_baseline``
    (should be close to q). ``model_share`` is the share of test lines the model
    (rather than its fallback) predicted.
    """
    qs = _check_quantiles(quantiles)
    require_columns(outcomes, ("order_date", "first_receipt", "lead_time_days"), "outcomes")
    train = outcomes.filter(
        (pl.col("order_date") < split_date) & (pl.col("first_receipt") < split_date)
    )
    test = outcomes.filter(
        (pl.col("order_date") >= split_date) & pl.col("lead_time_days").is_not_null()
    )
    if train.height == 0 or test.height == 0:
        raise InvalidInputError(
            f"split {split_date} leaves {train.height} training and {test.height} test lines"
        )
    base = predictor if predictor is not None else LeadTimePredictor()
    model = LeadTimePredictor(**{**_params(base), "quantiles": qs})
    model.fit(train, offers, history=outcomes)
    predicted = model.predict(test)
    actual = test["lead_time_days"].cast(pl.Float64).to_numpy()
    overall = {q: float(np.quantile(train["lead_time_days"].cast(pl.Float64), q)) for q in qs}
    baseline = (
        test.select("supplier")
        .join(
            train.group_by("supplier", maintain_order=True).agg(
                [pl.col("lead_time_days").cast(pl.Float64).quantile(q, "linear").alias(qcol(q))
                 for q in qs]
            ),
            on="supplier",
            how="left",
        )
        .with_columns([pl.col(qcol(q)).fill_null(overall[q]) for q in qs])
    )  # fmt: skip
    result: dict[str, Any] = {
        "quantiles": list(qs),
        "train_lines": train.height,
        "test_lines": test.height,
        "model_share": float(np.mean(predicted["source"].to_numpy() == "model")),
        "pinball_model": {},
        "pinball_baseline": {},
        "ratio": {},
        "coverage_model": {},
        "coverage_baseline": {},
    }
    for q in qs:
        m = predicted[qcol(q)].to_numpy()
        b = baseline[qcol(q)].to_numpy()
        loss_m, loss_b = pinball_loss(actual, m, q), pinball_loss(actual, b, q)
        result["pinball_model"][q] = loss_m
        result["pinball_baseline"][q] = loss_b
        result["ratio"][q] = loss_m / loss_b if loss_b > 0 else float("nan")
        result["coverage_model"][q] = float(np.mean(actual <= m))
        result["coverage_baseline"][q] = float(np.mean(actual <= b))
    return result


def _params(predictor: LeadTimePredictor) -> dict[str, Any]:
    return {
        "quantiles": predictor.quantiles,
        "min_obs": predictor.min_obs,
        "max_iter": predictor.max_iter,
        "learning_rate": predictor.learning_rate,
        "max_leaf_nodes": predictor.max_leaf_nodes,
        "min_samples_leaf": predictor.min_samples_leaf,
        "n_threads": predictor.n_threads,
        "seed": predictor.seed,
    }
