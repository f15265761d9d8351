"""The pages' Plotly charts: figures built on the server, drawn in the browser.

A chart goes into the page as its figure JSON in a ``<script type="application/json">``
block beside an empty ``<div>``; ``/assets/charts.js`` draws every such block with the
Plotly served from the installed ``plotly`` package. No inline script runs, so the pages
can forbid inline scripts (Content-Security-Policy ``script-src 'self'``), and the JSON
is escaped so that no text in it (an item's description) can close the block.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import plotly.graph_objects as go
import polars as pl
from markupsafe import Markup
from plotly.subplots import make_subplots

from takt.services.plots import (
    BAND,
    COVERED,
    EXPOSED,
    MEDIAN,
    REORDER,
    TOP,
    exposure_chart,
)

# z of the two-sided 80 % interval drawn around a forecast.
Z80 = 1.2816
# A scatter of more points than this draws slowly: covered items are thinned to it.
MAX_POINTS = 3000
LAYOUT = {"margin": {"l": 60, "r": 20, "t": 50, "b": 50}, "height": 360}


@dataclass(frozen=True)
class Chart:
    """One chart for a template: the div's id and the figure as escaped JSON."""

    id: str
    json: Markup


def embed(figure: go.Figure, chart_id: str) -> Chart:
    figure.update_layout(**LAYOUT)
    text = figure.to_json()
    # Inside <script> only "</" could end the block; escaping <, > and & keeps the JSON
    # equal (JSON.parse reads \u003c as "<") and the HTML inert.
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Chart(chart_id, Markup(text))


def _empty(figure: go.Figure, message: str) -> go.Figure:
    figure.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    return figure


# --------------------------------------------------------------------------- an item


def _grain_days(periods: list[date]) -> int:
    """The forecast's period length in days (1, 7 or a month ≈ 30)."""
    if len(periods) < 2:
        return 7
    step = (periods[1] - periods[0]).days
    return 30 if step >= 28 else step


def _bucket(day: date, anchor: date, grain: int) -> date:
    if grain >= 28:
        return day.replace(day=1)
    return anchor + timedelta(days=((day - anchor).days // grain) * grain)


def history_by_period(
    history: list[dict[str, Any]], periods: list[date]
) -> tuple[list[date], list[float]]:
    """Daily demand summed into the forecast's periods (whole periods before the first
    forecast period only), so history and forecast share one scale."""
    grain = _grain_days(periods)
    if not history:
        return [], []
    if grain == 1 or not periods:
        return [h["day"] for h in history], [float(h["qty"]) for h in history]
    anchor = periods[0]
    totals: dict[date, float] = {}
    for h in history:
        if h["day"] < anchor:
            key = _bucket(h["day"], anchor, grain)
            totals[key] = totals.get(key, 0.0) + float(h["qty"])
    first = history[0]["day"]
    keys = sorted(k for k in totals if k >= first)  # the first bucket may be partial
    return keys, [totals[k] for k in keys]


def forecast_interval(
    forecast: list[float], history: list[float], rmsse: float | None, z: float = Z80
) -> tuple[list[float], list[float]] | None:
    """An approximate interval around the forecast from its backtest accuracy.

    RMSSE (the M5 competition's measure, after Hyndman & Koehler's MASE, 2006) is the
    forecast's root mean squared error over that of the one-step naive forecast in
    sample, so RMSE ≈ RMSSE · sqrt(mean((yₜ − yₜ₋₁)²)); the band is forecast ± z·RMSE,
    floored at zero. None without an RMSSE or with fewer than three periods of history.

    >>> lower, upper = forecast_interval([10.0], [8.0, 12.0, 10.0], 1.0, z=1.0)
    >>> round(lower[0], 4), round(upper[0], 4)  # 10 ∓ sqrt((4² + 2²) / 2)
    (6.8377, 13.1623)
    """
    if rmsse is None or not math.isfinite(rmsse) or len(history) < 3:
        return None
    diffs = np.diff(np.asarray(history, dtype=np.float64))
    rmse = float(rmsse) * float(np.sqrt(np.mean(diffs * diffs)))
    lower = [max(f - z * rmse, 0.0) for f in forecast]
    upper = [f + z * rmse for f in forecast]
    return lower, upper


def demand_chart(detail: dict[str, Any]) -> go.Figure:
    """Demand history (in the forecast's periods) and the forecast with its interval."""
    periods = [f["period"] for f in detail["forecast"]]
    values = [float(f["qty"]) for f in detail["forecast"]]
    days, history = history_by_period(detail["history"], periods)
    figure = go.Figure()
    if not days and not periods:
        return _empty(figure, "no demand history or forecast yet")
    figure.add_trace(go.Bar(x=days, y=history, name="demand", marker={"color": TOP}))
    accuracy = detail.get("accuracy") or {}
    band = forecast_interval(values, history, accuracy.get("rmsse"))
    if band is not None:
        lower, upper = band
        figure.add_trace(
            go.Scatter(
                x=periods,
                y=lower,
                mode="lines",
                line={"width": 0},
                showlegend=False,
                hoverinfo="skip",
            )
        )
        figure.add_trace(
            go.Scatter(
                x=periods,
                y=upper,
                mode="lines",
                fill="tonexty",
                fillcolor=BAND,
                line={"width": 0},
                name="80 % interval (backtest RMSSE)",
            )
        )
    if periods:
        figure.add_trace(
            go.Scatter(
                x=periods, y=values, mode="lines+markers", name="forecast", line={"color": MEDIAN}
            )
        )
    grain = {1: "day", 7: "week"}.get(_grain_days(periods), "month") if periods else "day"
    figure.update_layout(
        title=f"Demand per {grain} and forecast", xaxis_title="period", yaxis_title="units"
    )
    return figure


def position_chart(projection: dict[str, Any], policy: dict[str, Any] | None) -> go.Figure:
    """Projected net stock day by day: open lines arriving, demand taking its rate."""
    dates = projection["dates"]
    figure = go.Figure()
    figure.add_trace(
        go.Bar(
            x=dates, y=projection["arrivals"], name="open PO lines arriving", marker={"color": BAND}
        )
    )
    figure.add_trace(
        go.Scatter(
            x=dates,
            y=projection["position"],
            mode="lines",
            line_shape="hv",
            name="projected stock",
            line={"color": MEDIAN},
        )
    )
    for field, label, colour in (
        ("reorder_point", "reorder point", REORDER),
        ("safety_stock", "safety stock", EXPOSED),
    ):
        level = (policy or {}).get(field)
        if level is not None:
            figure.add_trace(
                go.Scatter(
                    x=[dates[0], dates[-1]],
                    y=[level, level],
                    mode="lines",
                    name=label,
                    line={"dash": "dash", "color": colour},
                )
            )
    figure.update_layout(
        title=f"Projected stock: on hand + open lines − {projection['demand_per_day']:g} a day",
        xaxis_title="day",
        yaxis_title="units",
    )
    return figure


# --------------------------------------------------------------------------- a supplier


def supplier_trend_chart(trend: list[dict[str, Any]]) -> go.Figure:
    """OTIF (%) and mean lead time (days) per scorecard window."""
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    if not trend:
        return _empty(figure, "no scorecard trend yet: run 'takt suppliers'")
    starts = [t["period_start"] for t in trend]
    figure.add_trace(
        go.Scatter(
            x=starts,
            y=[t["otif_pct"] for t in trend],
            mode="lines+markers",
            name="OTIF %",
            line={"color": COVERED},
        ),
        secondary_y=False,
    )
    figure.add_trace(
        go.Scatter(
            x=starts,
            y=[t["lead_time_mean"] for t in trend],
            mode="lines+markers",
            name="mean lead time (days)",
            line={"color": REORDER},
        ),
        secondary_y=True,
    )
    figure.update_layout(title="OTIF and lead time per window")
    figure.update_yaxes(title_text="OTIF %", secondary_y=False)
    figure.update_yaxes(title_text="lead time (days)", secondary_y=True)
    return figure


def lead_time_chart(lead_times: list[float]) -> go.Figure:
    """Histogram of measured lead times with their median and 95th percentile."""
    figure = go.Figure()
    if not lead_times:
        return _empty(figure, "no receipts yet")
    figure.add_trace(go.Histogram(x=lead_times, name="receipts", marker={"color": MEDIAN}))
    for q, colour in ((50, COVERED), (95, EXPOSED)):
        value = float(np.percentile(lead_times, q))
        figure.add_vline(
            x=value, line_dash="dash", line_color=colour, annotation_text=f"p{q} {value:.0f} d"
        )
    figure.update_layout(
        title=f"Lead time of the last {len(lead_times)} receipts",
        xaxis_title="days from order to receipt",
        yaxis_title="receipts",
        showlegend=False,
    )
    return figure


# --------------------------------------------------------------------------- risk, simulation


def risk_chart(items: pl.DataFrame) -> tuple[go.Figure, int]:
    """TTS against TTR, exposed items in red (every one), covered items thinned to
    :data:`MAX_POINTS`; returns the figure and how many covered items were left out."""
    frame = items.select(
        "item",
        pl.col("recover_supplier").fill_null("").alias("supplier"),
        pl.col("time_to_survive_days").alias("tts_days"),
        "time_to_recover_days",
        pl.col("exposed").fill_null(False),
    ).filter(pl.col("tts_days").is_finite() & pl.col("time_to_recover_days").is_finite())
    exposed, covered = frame.filter(pl.col("exposed")), frame.filter(~pl.col("exposed"))
    left_out = max(covered.height - MAX_POINTS, 0)
    if left_out:
        covered = covered.sample(MAX_POINTS, seed=0)
    return exposure_chart(pl.concat([covered, exposed])), left_out


def simulation_chart(summary: dict[str, Any]) -> go.Figure:
    """Fill rate and working capital per strategy, normal conditions against the
    scenario of the run."""
    figure = make_subplots(rows=1, cols=2, subplot_titles=("fill rate", "working capital"))
    scenario = summary.get("scenario") or {}
    runs = [
        ("normal conditions", MEDIAN, summary.get("baseline") or {}),
        (str(scenario.get("scenario") or "scenario"), REORDER, scenario),
    ]
    for name, colour, run in runs:
        rows = run.get("strategies") or []
        strategies = [str(r.get("strategy")) for r in rows]
        for col, kpi in ((1, "fill_rate"), (2, "working_capital")):
            figure.add_trace(
                go.Bar(
                    x=strategies,
                    y=[r.get(kpi) for r in rows],
                    name=name,
                    legendgroup=name,
                    marker={"color": colour},
                    showlegend=col == 1,
                ),
                row=1,
                col=col,
            )
    figure.update_yaxes(tickformat=".0%", row=1, col=1)
    figure.update_layout(
        title="Strategies in normal conditions and under the scenario", barmode="group"
    )
    return figure
