"""Supplier scorecards: OTIF per PO line, supplier KPIs, a weighted score and its trend.

Python API::

    outcomes = line_outcomes(orders, receipts, as_of=as_of)   # takt.signals.leadtime
    line_otif(outcomes, ScorecardConfig(), as_of=as_of)        # on_time, in_full, otif per line
    supplier_scorecard(outcomes, ScorecardConfig(), as_of=as_of, risk_events=events)
    scorecard_trend(outcomes, ScorecardConfig(), as_of=as_of, window="1mo", periods=12)

OTIF (delivered on time *and* in full, per PO line; the definition used by e.g. the
APQC and Gartner supply-chain metrics): the *due date* is the promised (confirmed) date,
else the need date; the on-time window is [due − early_days, due + late_days]. A line is

- on time when its first receipt falls inside the window (early counts as not on time);
- in full when the quantity received by the end of the window (receipts after it do
  not count) is at least (1 − in_full_tolerance)·ordered. Gross received quantity:
  rejected units are measured by the quality component, not twice;
- judged once its window has closed (as_of > window end) or it arrived in full: a line
  still open after its window counts as neither on time nor in full, an open line not
  yet due is left out, and so is a line with neither promised nor need date.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

import polars as pl

from takt.errors import InvalidInputError
from takt.signals.leadtime import require_columns

COMPONENTS = ("otif", "lead_time", "quality", "responsiveness")
DEFAULT_WEIGHTS: Mapping[str, float] = {
    "otif": 0.40,
    "lead_time": 0.20,
    "quality": 0.25,
    "responsiveness": 0.15,
}
# Risk types that stop or delay deliveries; financial and quality notices do not.
DISRUPTION_TYPES = (
    "fire",
    "flood",
    "weather",
    "port_closure",
    "strike",
    "geopolitical",
    "cyber",
    "outage",
    "other",
)
_DURATION = re.compile(r"^([1-9][0-9]*)(d|w|mo|q|y)$")


@dataclass(frozen=True)
class ScorecardConfig:
    """How lines are judged and how the score weighs the components.

    - ``early_days``, ``late_days``: the on-time window around the due date.
    - ``in_full_tolerance``: share of the ordered quantity that may be missing.
    - ``weights``: of the components otif, lead_time, quality, responsiveness (any
      non-negative numbers; they are normalised over the components a supplier has).
    - ``lookback_days``: lines count when their window ends after as_of − lookback
      (a rolling year by default; None: all history).
    - ``lead_time_cv_cap``: the CV of actual / promised lead time scoring 0.
    - ``defect_ppm_cap``: the defect rate (parts per million) scoring 0 (5 %).
    - ``ack_days_cap``, ``disruption_days_cap``: acknowledgement latency and disruption
      response (days) scoring 0.
    - ``disruption_types``: risk-event types that count as disruptions;
      ``disruption_lookback_days``: how far back events count (None: all).
    """

    early_days: int = 2
    late_days: int = 0
    in_full_tolerance: float = 0.02
    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    lookback_days: int | None = 365
    lead_time_cv_cap: float = 0.5
    defect_ppm_cap: float = 50_000.0
    ack_days_cap: float = 5.0
    disruption_days_cap: float = 90.0
    disruption_types: tuple[str, ...] = DISRUPTION_TYPES
    disruption_lookback_days: int | None = None

    def validate(self) -> None:
        if self.early_days < 0 or self.late_days < 0:
            raise InvalidInputError("early_days and late_days must not be negative")
        if not 0.0 <= self.in_full_tolerance < 1.0:
            raise InvalidInputError(
                f"in_full_tolerance must lie in [0, 1), got {self.in_full_tolerance}"
            )
        unknown = sorted(set(self.weights) - set(COMPONENTS))
        if unknown:
            raise InvalidInputError(f"unknown score weight(s) {unknown}; use {list(COMPONENTS)}")
        if any(w < 0 for w in self.weights.values()) or sum(self.weights.values()) <= 0:
            raise InvalidInputError("score weights must be non-negative and not all zero")
        for name in ("lead_time_cv_cap", "defect_ppm_cap", "ack_days_cap", "disruption_days_cap"):
            if getattr(self, name) <= 0:
                raise InvalidInputError(f"{name} must be positive")
        for name in ("lookback_days", "disruption_lookback_days"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise InvalidInputError(f"{name} must be at least 1 or None")


# ---------------------------------------------------------------------- per line


def line_otif(
    outcomes: pl.DataFrame, config: ScorecardConfig = ScorecardConfig(), *, as_of: date
) -> pl.DataFrame:
    """On time, in full and OTIF for every line that can be judged on ``as_of``.

    ``outcomes`` is :func:`takt.signals.leadtime.line_outcomes`; receipts dated after
    ``as_of`` are ignored. Columns: the line's keys, order_date, qty, due_date,
    window_start, window_end, first_receipt (null while open), qty_by_window_end,
    on_time, in_full, otif, open (no receipt by as_of), lead_time_days,
    planned_lead_time_days (need date, else due date, − order date: the lead time the
    planner counted on), qty_received, qty_rejected. The last two are the outcome's
    totals: for an exact replay of an earlier day build the outcomes with that as_of.
    """
    config.validate()
    require_columns(
        outcomes,
        (
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
            "n_receipts",
            "qty_received",
            "qty_rejected",
            "receipt_dates",
            "receipt_qty",
        ),
        "outcomes",
    )
    tol = config.in_full_tolerance
    lines = (
        outcomes.filter(pl.col("order_date") <= as_of)
        .with_row_index("_row")
        .with_columns(pl.coalesce("promised_date", "need_date").alias("due_date"))
        .filter(pl.col("due_date").is_not_null())
        .with_columns(
            (pl.col("due_date") - timedelta(days=config.early_days)).alias("window_start"),
            (pl.col("due_date") + timedelta(days=config.late_days)).alias("window_end"),
            pl.when(pl.col("first_receipt") <= as_of).then(pl.col("first_receipt")).alias("_first"),
        )
    )
    cutoff = pl.min_horizontal(pl.col("window_end"), pl.lit(as_of))
    # One receipt: no need to look inside the lists. Several: explode just those lines.
    single = pl.when((pl.col("n_receipts") == 1) & (pl.col("_first") <= cutoff)).then(
        pl.col("qty_received")
    )
    several = (
        lines.filter(pl.col("n_receipts") > 1)
        .select("_row", "window_end", "receipt_dates", "receipt_qty")
        .explode("receipt_dates", "receipt_qty")
        .filter(pl.col("receipt_dates") <= pl.min_horizontal(pl.col("window_end"), pl.lit(as_of)))
        .group_by("_row", maintain_order=True)
        .agg(pl.col("receipt_qty").sum().alias("_by_end"))
    )
    judged = (
        lines.join(several, on="_row", how="left")
        .with_columns(
            pl.coalesce(single, "_by_end", pl.lit(0.0)).alias("qty_by_window_end"),
        )
        .with_columns(
            (
                pl.col("_first").is_not_null()
                & (pl.col("_first") >= pl.col("window_start"))
                & (pl.col("_first") <= pl.col("window_end"))
            ).alias("on_time"),
            (pl.col("qty_by_window_end") >= (1.0 - tol) * pl.col("qty") - 1e-9).alias("in_full"),
        )
        .filter((pl.col("window_end") < as_of) | pl.col("in_full"))
        .with_columns(
            (pl.col("on_time") & pl.col("in_full")).alias("otif"),
            pl.col("_first").is_null().alias("open"),
            pl.when(pl.col("_first").is_not_null())
            .then(pl.col("lead_time_days"))
            .alias("lead_time_days"),
            (pl.coalesce("need_date", "due_date") - pl.col("order_date"))
            .dt.total_days()
            .alias("planned_lead_time_days"),
        )
    )
    return judged.select(
        "supplier",
        "sku",
        "location",
        "po",
        "line",
        "order_date",
        "qty",
        "due_date",
        "window_start",
        "window_end",
        pl.col("_first").alias("first_receipt"),
        "qty_by_window_end",
        "on_time",
        "in_full",
        "otif",
        "open",
        "lead_time_days",
        "planned_lead_time_days",
        "qty_received",
        "qty_rejected",
    )


def _line_kpis() -> list[pl.Expr]:
    lt = pl.col("lead_time_days").cast(pl.Float64)
    ratio = lt / pl.col("planned_lead_time_days").cast(pl.Float64).clip(lower_bound=1.0)
    return [
        pl.len().cast(pl.Int64).alias("lines"),
        (100.0 * pl.col("on_time").mean()).alias("on_time_pct"),
        (100.0 * pl.col("in_full").mean()).alias("in_full_pct"),
        (100.0 * pl.col("otif").mean()).alias("otif_pct"),
        pl.col("open").sum().cast(pl.Int64).alias("open_past_due"),
        lt.mean().alias("lead_time_mean"),
        lt.std().alias("lead_time_std"),
        (ratio.std() / ratio.mean()).alias("lead_time_ratio_cv"),
        pl.col("qty_received").sum(),
        pl.col("qty_rejected").sum(),
    ]


# ---------------------------------------------------------------------- per supplier


def supplier_scorecard(
    outcomes: pl.DataFrame,
    config: ScorecardConfig = ScorecardConfig(),
    *,
    as_of: date,
    risk_events: pl.DataFrame | None = None,
    acknowledgements: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """One row per supplier of ``outcomes``: KPIs, component scores and the score 0–100.

    KPIs over the lines judged by :func:`line_otif` whose window ends after
    as_of − ``lookback_days``: lines, on_time_pct, in_full_pct, otif_pct, open_past_due;
    lead_time_mean / std / cv (days, received lines); lead_time_ratio_cv (CV of actual
    over planned lead time, so items with long and short lead times compare);
    qty_received, qty_rejected, defect_rate = rejected / received, defect_ppm = 10⁶·rate;
    ack_latency_days = mean over the supplier's POs (of those lines) of first
    acknowledgement − order date, from ``acknowledgements`` (po, acknowledged_on); null
    without one. disruption_response_days: for every risk event naming the supplier
    (type in ``disruption_types``, started on or before as_of and within
    ``disruption_lookback_days``), the days from the event's start until the supplier's
    first receipt on or after that day (any line); while nothing has arrived yet, the
    days until as_of (a lower bound, counted in ``disruptions_open``). The mean over
    events; null when no event names the supplier.

    Score: each component maps to 0..1 (1 best), with c = the config caps:

    - otif = otif_pct / 100
    - lead_time = clip(1 − lead_time_ratio_cv / lead_time_cv_cap, 0, 1)
    - quality = clip(1 − defect_ppm / defect_ppm_cap, 0, 1)
    - responsiveness = mean of the available clip(1 − ack_latency_days / ack_days_cap,
      0, 1) and clip(1 − disruption_response_days / disruption_days_cap, 0, 1)

    score = 100 · Σ_k w_k·s_k / Σ_k w_k over the components k the supplier has (a missing
    component's weight is spread over the others in proportion); null with none. The
    weights are ``config.weights`` (default otif 0.40, lead time 0.20, quality 0.25,
    responsiveness 0.15). ``rank`` 1 is the best score.
    """
    config.validate()
    require_columns(outcomes, ("supplier",), "outcomes")
    judged = line_otif(outcomes, config, as_of=as_of)
    if config.lookback_days is not None:
        judged = judged.filter(pl.col("window_end") > as_of - timedelta(days=config.lookback_days))
    suppliers = outcomes.select(pl.col("supplier").cast(pl.Utf8)).unique()
    card = (
        suppliers.join(
            judged.group_by("supplier", maintain_order=True).agg(_line_kpis()),
            on="supplier",
            how="left",
        )
        .with_columns(
            pl.col("lines").fill_null(0),
            pl.when(pl.col("lead_time_mean") > 0)
            .then(pl.col("lead_time_std") / pl.col("lead_time_mean"))
            .alias("lead_time_cv"),
            pl.when(pl.col("qty_received") > 0)
            .then(pl.col("qty_rejected") / pl.col("qty_received"))
            .alias("defect_rate"),
        )
        .with_columns((1e6 * pl.col("defect_rate")).alias("defect_ppm"))
        .join(_ack_latency(judged, acknowledgements), on="supplier", how="left")
        .join(
            _disruption_response(outcomes, risk_events, config, as_of),
            on="supplier",
            how="left",
        )
        .with_columns(
            pl.col("disruption_events").fill_null(0), pl.col("disruptions_open").fill_null(0)
        )
    )

    def falling(value: str, cap: float) -> pl.Expr:
        return (1.0 - pl.col(value) / cap).clip(0.0, 1.0)

    card = card.with_columns(
        (pl.col("otif_pct") / 100.0).alias("otif_score"),
        falling("lead_time_ratio_cv", config.lead_time_cv_cap).alias("lead_time_score"),
        falling("defect_ppm", config.defect_ppm_cap).alias("quality_score"),
        pl.mean_horizontal(
            falling("ack_latency_days", config.ack_days_cap),
            falling("disruption_response_days", config.disruption_days_cap),
        ).alias("responsiveness_score"),
    ).with_columns(pl.col(f"{c}_score").fill_nan(None) for c in COMPONENTS)
    weights = {c: float(config.weights.get(c, 0.0)) for c in COMPONENTS}
    numerator = pl.sum_horizontal(
        [pl.col(f"{c}_score").fill_null(0.0) * w for c, w in weights.items()]
    )
    denominator = pl.sum_horizontal(
        [pl.when(pl.col(f"{c}_score").is_not_null()).then(w).otherwise(0.0)
         for c, w in weights.items()]
    )  # fmt: skip
    card = card.with_columns(
        pl.when(denominator > 0).then(100.0 * numerator / denominator).alias("score")
    ).with_columns(pl.col("score").rank("min", descending=True).cast(pl.Int64).alias("rank"))
    return card.sort("score", "supplier", descending=[True, False], nulls_last=True).select(
        "supplier",
        "lines",
        "on_time_pct",
        "in_full_pct",
        "otif_pct",
        "open_past_due",
        "lead_time_mean",
        "lead_time_std",
        "lead_time_cv",
        "lead_time_ratio_cv",
        pl.col("qty_received").fill_null(0.0),
        pl.col("qty_rejected").fill_null(0.0),
        "defect_rate",
        "defect_ppm",
        "ack_latency_days",
        "disruption_events",
        "disruptions_open",
        "disruption_response_days",
        *[f"{c}_score" for c in COMPONENTS],
        "score",
        "rank",
    )


def _ack_latency(judged: pl.DataFrame, acknowledgements: pl.DataFrame | None) -> pl.DataFrame:
    """Mean days from PO order date to its first acknowledgement, per supplier."""
    if acknowledgements is None:
        return pl.DataFrame(schema={"supplier": pl.Utf8, "ack_latency_days": pl.Float64})
    require_columns(acknowledgements, ("po", "acknowledged_on"), "acknowledgements")
    first_ack = acknowledgements.group_by(pl.col("po").cast(pl.Utf8), maintain_order=True).agg(
        pl.col("acknowledged_on").cast(pl.Date).min()
    )
    return (
        judged.group_by("supplier", "po", maintain_order=True)
        .agg(pl.col("order_date").min())
        .join(first_ack, on="po", how="inner")
        .group_by("supplier", maintain_order=True)
        .agg(
            (pl.col("acknowledged_on") - pl.col("order_date"))
            .dt.total_days()
            .cast(pl.Float64)
            .mean()
            .alias("ack_latency_days")
        )
    )


def _disruption_response(
    outcomes: pl.DataFrame,
    risk_events: pl.DataFrame | None,
    config: ScorecardConfig,
    as_of: date,
) -> pl.DataFrame:
    schema = {
        "supplier": pl.Utf8,
        "disruption_events": pl.Int64,
        "disruptions_open": pl.Int64,
        "disruption_response_days": pl.Float64,
    }
    if risk_events is None:
        return pl.DataFrame(schema=schema)
    require_columns(risk_events, ("supplier", "type", "start_date"), "risk events")
    events = risk_events.select(
        pl.col("supplier").cast(pl.Utf8),
        pl.col("start_date").cast(pl.Date),
        pl.col("type").cast(pl.Utf8),
    ).filter(
        pl.col("supplier").is_not_null()
        & pl.col("type").is_in(list(config.disruption_types))
        & (pl.col("start_date") <= as_of)
    )
    if config.disruption_lookback_days is not None:
        events = events.filter(
            pl.col("start_date") > as_of - timedelta(days=config.disruption_lookback_days)
        )
    if events.height == 0:
        return pl.DataFrame(schema=schema)
    receipts = (
        outcomes.filter(pl.col("supplier").is_in(events["supplier"].unique().implode()))
        .select(pl.col("supplier").cast(pl.Utf8), pl.col("receipt_dates").alias("received_on"))
        .explode("received_on")
        .filter(pl.col("received_on").is_not_null() & (pl.col("received_on") <= as_of))
        .unique()
        .sort("received_on")
    )
    matched = events.sort("start_date").join_asof(
        receipts,
        left_on="start_date",
        right_on="received_on",
        by="supplier",
        strategy="forward",
        check_sortedness=False,
    )
    response = (pl.coalesce("received_on", pl.lit(as_of)) - pl.col("start_date")).dt.total_days()
    return matched.group_by("supplier", maintain_order=True).agg(
        pl.len().cast(pl.Int64).alias("disruption_events"),
        pl.col("received_on").is_null().sum().cast(pl.Int64).alias("disruptions_open"),
        response.cast(pl.Float64).mean().alias("disruption_response_days"),
    )


# ---------------------------------------------------------------------- trend


def _offset(day: date, count: int, unit: str) -> date:
    if count == 0:
        return day
    moved = pl.select(pl.lit(day).dt.offset_by(f"-{count}{unit}")).item()
    assert isinstance(moved, date)
    return moved


def scorecard_trend(
    outcomes: pl.DataFrame,
    config: ScorecardConfig = ScorecardConfig(),
    *,
    as_of: date,
    window: str = "1mo",
    periods: int = 12,
    step: str | None = None,
) -> pl.DataFrame:
    """OTIF, defect rate and mean lead time per supplier over rolling windows.

    Window k (k = 0 the latest) ends (exclusive) at as_of − k·step and spans
    ``window`` (polars durations: "30d", "2w", "1mo", "1q", "1y"); ``step`` defaults to
    ``window`` (back-to-back periods), a shorter step gives overlapping windows. A line
    belongs to the windows holding the end of its on-time window (judged early, i.e.
    arrived in full before it is due: the day before as_of). Every supplier gets every
    window (lines = 0 and null KPIs where it had none), so charts need no gap filling.
    Columns: supplier, period_start, period_end (exclusive), lines, otif_pct,
    defect_rate, lead_time_mean.
    """
    config.validate()
    if periods < 1:
        raise InvalidInputError(f"periods must be at least 1, got {periods}")
    w = _DURATION.match(window)
    s = _DURATION.match(step or window)
    if w is None or s is None:
        raise InvalidInputError(
            f"window and step are durations like '30d', '2w', '1mo', '1q', '1y'; "
            f"got {window!r}, {step!r}"
        )
    judged = line_otif(outcomes, config, as_of=as_of).with_columns(
        pl.min_horizontal("window_end", pl.lit(as_of - timedelta(days=1))).alias("_at")
    )
    ends = [_offset(as_of, k * int(s[1]), s[2]) for k in range(periods)]
    starts = [_offset(end, int(w[1]), w[2]) for end in ends]
    pieces = []
    for start, end in zip(starts, ends, strict=True):  # one pass per window, not per row
        pieces.append(
            judged.filter((pl.col("_at") >= start) & (pl.col("_at") < end))
            .group_by("supplier", maintain_order=True)
            .agg(
                pl.len().cast(pl.Int64).alias("lines"),
                (100.0 * pl.col("otif").mean()).alias("otif_pct"),
                pl.col("qty_rejected").sum().alias("_rej"),
                pl.col("qty_received").sum().alias("_rec"),
                pl.col("lead_time_days").cast(pl.Float64).mean().alias("lead_time_mean"),
            )
            .with_columns(pl.lit(start).alias("period_start"), pl.lit(end).alias("period_end"))
        )
    grid = (
        outcomes.select(pl.col("supplier").cast(pl.Utf8))
        .unique()
        .join(
            pl.DataFrame(
                {"period_start": starts, "period_end": ends},
                schema={"period_start": pl.Date, "period_end": pl.Date},
            ),
            how="cross",
        )
    )
    out = grid.join(
        pl.concat(pieces, how="vertical_relaxed"),
        on=["supplier", "period_start", "period_end"],
        how="left",
    )
    return out.select(
        "supplier",
        "period_start",
        "period_end",
        pl.col("lines").fill_null(0),
        "otif_pct",
        pl.when(pl.col("_rec") > 0).then(pl.col("_rej") / pl.col("_rec")).alias("defect_rate"),
        "lead_time_mean",
    ).sort("supplier", "period_start")
