"""Charts of the stress tests as self-contained HTML (Plotly, its JavaScript inlined:
the file opens offline, no CDN).

- :func:`trade_off_chart`: service (fill rate) against working capital, one point per
  policy variant and scenario, a line per scenario: where the hybrid sits between
  all-JIT and all-buffer, and how far each moves under disruption.
- :func:`exposure_chart`: every item's time-to-survive against its supplier's
  time-to-recover (Simchi-Levi et al. 2014); items below the diagonal are exposed.
"""

from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go
import polars as pl


def trade_off_chart(kpis: pl.DataFrame) -> go.Figure:
    """``kpis``: the tidy frame of :func:`takt.services.simulation.compare_view`
    (variant, scenario, kpi, value)."""
    wide = (
        kpis.filter(pl.col("kpi").is_in(["fill_rate", "working_capital"]))
        .pivot(on="kpi", index=["scenario", "variant"], values="value")
        .sort("scenario", "working_capital")
    )
    figure = go.Figure()
    for (scenario,), group in wide.group_by("scenario", maintain_order=True):
        figure.add_trace(
            go.Scatter(
                x=group["working_capital"].to_list(),
                y=group["fill_rate"].to_list(),
                mode="lines+markers+text",
                text=group["variant"].to_list(),
                textposition="top center",
                name=str(scenario),
            )
        )
    figure.update_layout(
        title="Service against inventory: every policy variant under every scenario",
        xaxis_title="working capital (average value on hand)",
        yaxis_title="fill rate",
        yaxis_tickformat=".0%",
    )
    return figure


def exposure_chart(items: pl.DataFrame) -> go.Figure:
    """``items``: a simulation's per-item frame (``tts_days``, ``time_to_recover_days``,
    ``exposed``, ``item``, ``supplier``)."""
    assessed = items.filter(
        pl.col("time_to_recover_days").is_not_null() & pl.col("tts_days").is_not_null()
    )
    figure = go.Figure()
    for exposed, colour in ((False, "#2b8a3e"), (True, "#c92a2a")):
        part = assessed.filter(pl.col("exposed") == exposed)
        figure.add_trace(
            go.Scatter(
                x=part["time_to_recover_days"].to_list(),
                y=part["tts_days"].to_list(),
                mode="markers",
                marker={"color": colour},
                name="exposed (TTS < TTR)" if exposed else "covered",
                text=(part["item"] + " · " + part["supplier"]).to_list(),
            )
        )
    reach = assessed.select(pl.max_horizontal(pl.col("time_to_recover_days", "tts_days")).max())
    top = float(reach.item() or 1.0)
    figure.add_trace(
        go.Scatter(
            x=[0, top],
            y=[0, top],
            mode="lines",
            name="TTS = TTR",
            line={"dash": "dash", "color": "grey"},
        )
    )
    figure.update_layout(
        title="Time-to-survive against the supplier's time-to-recover",
        xaxis_title="time to recover (days)",
        yaxis_title="time to survive (days)",
    )
    return figure


def write_html(path: Path, *figures: go.Figure) -> Path:
    """All ``figures`` in one HTML file with Plotly's JavaScript inlined once."""
    parts = [
        figure.to_html(full_html=False, include_plotlyjs=index == 0)
        for index, figure in enumerate(figures)
    ]
    path.write_text(
        "<!doctype html><html><head><meta charset='utf-8'><title>Takt stress test</title>"
        "</head><body>" + "\n".join(parts) + "</body></html>",
        encoding="utf-8",
    )
    return path
