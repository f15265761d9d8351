"""Charts of the stress tests: one self-contained HTML file (Plotly, its JavaScript
inlined: the file opens offline, no CDN) or one PNG (matplotlib, Agg: no browser, nothing
downloaded).

- :func:`trade_off_chart`: service (fill rate) against working capital, one point per
  policy variant and scenario, a line per scenario: where the hybrid sits between
  all-JIT and all-buffer, and how far each moves under disruption.
- :func:`exposure_chart`: every item's time-to-survive against its supplier's
  time-to-recover (Simchi-Levi et al. 2014); items below the diagonal are exposed.
- :func:`trajectory_chart`: on hand day by day for a few items, the median and the
  p10–p90 band of the runs, the policy's reorder point and order-up-to level, and the
  days some run ended short.

:func:`stress_test_charts` and :func:`compare_charts` gather what ``takt simulate
--plot`` shows (tracing the chosen items again, see :func:`takt.simulate.trace`);
:func:`write_charts` writes it as HTML or PNG by the file's extension.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import plotly.graph_objects as go
import polars as pl

from takt.errors import InvalidInputError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from sqlalchemy import Engine

    from takt.services.simulation import StressTest
    from takt.simulate.compare import StrategyComparison

# Items traced when none are named: the few a planner would look at first.
TRACED_ITEMS = 3
COVERED, EXPOSED, SHORT = "#2b8a3e", "#c92a2a", "#c92a2a"
BAND, MEDIAN, REORDER, TOP = "#a5d8ff", "#1864ab", "#e8590c", "#495057"
TRADE_OFF_TITLE = "Service against inventory: every policy variant under every scenario"
EXPOSURE_TITLE = "Time-to-survive against the supplier's time-to-recover"
TRAJECTORY_TITLE = "On hand day by day: median and p10–p90 of the runs"


def trade_off_chart(kpis: pl.DataFrame) -> go.Figure:
    """``kpis``: the tidy frame of :func:`takt.services.simulation.compare_view`
    (variant, scenario, kpi, value)."""
    figure = go.Figure()
    for scenario, group in _trade_off_lines(kpis):
        figure.add_trace(
            go.Scatter(
                x=group["working_capital"].to_list(),
                y=group["fill_rate"].to_list(),
                mode="lines+markers+text",
                text=group["variant"].to_list(),
                textposition="top center",
                name=scenario,
            )
        )
    figure.update_layout(
        title=TRADE_OFF_TITLE,
        xaxis_title="working capital (average value on hand)",
        yaxis_title="fill rate",
        yaxis_tickformat=".0%",
    )
    return figure


def exposure_chart(items: pl.DataFrame, title: str = EXPOSURE_TITLE) -> go.Figure:
    """``items``: a simulation's per-item frame (``tts_days``, ``time_to_recover_days``,
    ``exposed``, ``item``, ``supplier``)."""
    assessed, top = _assessed(items)
    figure = go.Figure()
    for exposed, colour in ((False, COVERED), (True, EXPOSED)):
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
        title=title,
        xaxis_title="time to recover (days)",
        yaxis_title="time to survive (days)",
    )
    return figure


def trajectory_bands(trajectories: pl.DataFrame) -> pl.DataFrame:
    """Per item (in the order traced) and day: on hand at p10, median and p90 over the
    replications, the share of replications that ended the day short, and the levels."""
    on_hand = pl.col("on_hand")
    return (
        trajectories.with_row_index("order")
        .with_columns(pl.col("order").min().over("item"))
        .group_by("order", "item", "day")
        .agg(
            on_hand.quantile(0.1, "linear").alias("p10"),
            on_hand.median().alias("median"),
            on_hand.quantile(0.9, "linear").alias("p90"),
            pl.col("stockout").mean().alias("stockout_share"),
            pl.col("reorder_point").first(),
            pl.col("order_up_to").first(),
        )
        .sort("order", "day")
        .drop("order")
    )


def trajectory_chart(trajectories: pl.DataFrame, title: str = TRAJECTORY_TITLE) -> go.Figure:
    """``trajectories``: :attr:`takt.simulate.SimulationResult.trajectories` (or
    :func:`takt.simulate.trace`); one panel per item, days shared."""
    from plotly.subplots import make_subplots

    per_item = _per_item(trajectory_bands(trajectories))
    figure = make_subplots(
        rows=max(len(per_item), 1),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.08,
        subplot_titles=[item for item, _ in per_item] or None,
    )
    for row, (item, band) in enumerate(per_item, start=1):
        day = band["day"].to_list()
        short = band.filter(pl.col("stockout_share") > 0)
        traces = [
            go.Scatter(x=day, y=band["p10"].to_list(), line={"width": 0}, showlegend=False),
            go.Scatter(
                x=day,
                y=band["p90"].to_list(),
                fill="tonexty",  # the band between p10 and p90
                fillcolor=BAND,
                line={"width": 0},
                name=f"{item}: p10–p90 on hand",
            ),
            go.Scatter(
                x=day,
                y=band["median"].to_list(),
                line={"color": MEDIAN},
                name=f"{item}: median on hand",
            ),
            *[
                go.Scatter(
                    x=[day[0], day[-1]],
                    y=[level, level],
                    mode="lines",
                    line={"dash": "dash", "color": colour},
                    name=f"{item}: {label}",
                )
                for label, colour, level in _levels(band)
            ],
            go.Scatter(
                x=short["day"].to_list(),
                y=[0.0] * short.height,
                mode="markers",
                marker={"symbol": "line-ns-open", "color": SHORT, "size": 10},
                text=[f"short in {share:.0%} of runs" for share in short["stockout_share"]],
                name=f"{item}: stock-out days",
            ),
        ]
        for trace in traces:
            trace.update(legendgroup=item)
            figure.add_trace(trace, row=row, col=1)
        figure.update_yaxes(title_text="on hand", row=row, col=1)
    figure.update_xaxes(title_text="day", row=max(len(per_item), 1), col=1)
    figure.update_layout(title=title, height=max(320 * len(per_item), 400))
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


@dataclass(frozen=True)
class StressCharts:
    """What one ``takt simulate --plot`` shows: exposure charts (title, per-item KPIs),
    the traced items' trajectories and, for a comparison, the trade-off curve."""

    exposures: Sequence[tuple[str, pl.DataFrame]] = ()  # (what was run, its items)
    trajectories: pl.DataFrame = field(default_factory=pl.DataFrame)
    trajectory_run: str = ""  # which run the items were traced in, for the titles
    kpis: pl.DataFrame | None = None  # the tidy variant × scenario frame


CHART_FORMATS = (".html", ".png")


def chart_format(path: Path) -> str:
    """``html`` or ``png``, by the file's extension (any other is an error)."""
    suffix = path.suffix.lower()
    if suffix == ".htm":
        suffix = ".html"
    if suffix not in CHART_FORMATS:
        raise InvalidInputError(
            f"cannot tell the chart format of {str(path)!r}: name a .html or .png file"
        )
    return suffix.removeprefix(".")


def write_charts(path: Path, charts: StressCharts) -> Path:
    """Write ``charts`` to ``path``: offline HTML (``.html``) or one PNG (``.png``)."""
    if chart_format(path) == "png":
        return write_png(path, charts)
    figures = [trade_off_chart(charts.kpis)] if charts.kpis is not None else []
    figures += [
        exposure_chart(items, f"{EXPOSURE_TITLE}: {run}") for run, items in charts.exposures
    ]
    if charts.trajectories.height:
        title = ", ".join(filter(None, (TRAJECTORY_TITLE, charts.trajectory_run)))
        figures.append(trajectory_chart(charts.trajectories, title))
    return write_html(path, *figures)


def write_png(path: Path, charts: StressCharts, dpi: int = 100) -> Path:
    """``charts`` as one PNG: the trade-off and exposure charts side by side on top, then
    one full-width panel per traced item. Rendered by matplotlib's Agg canvas (no
    display, no browser, no global pyplot state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    top: list[tuple[str, pl.DataFrame]] = []
    if charts.kpis is not None:
        top.append(("", charts.kpis))
    top += charts.exposures
    per_item = (
        _per_item(trajectory_bands(charts.trajectories)) if charts.trajectories.height else []
    )
    rows = (1 if top else 0) + len(per_item)
    if rows == 0:
        raise InvalidInputError("nothing to chart: no exposure, comparison or trajectory")
    figure = Figure(figsize=(14, (4.8 if top else 0) + 3.2 * len(per_item)), dpi=dpi)
    FigureCanvasAgg(figure)
    grid = figure.add_gridspec(
        rows, max(len(top), 1), height_ratios=([1.5] if top else []) + [1.0] * len(per_item)
    )
    for column, (run, frame) in enumerate(top):
        axes = figure.add_subplot(grid[0, column])
        if frame is charts.kpis:
            _trade_off_axes(axes, frame)
        else:
            _exposure_axes(axes, frame, run)
    for row, (item, band) in enumerate(per_item, start=1 if top else 0):
        _trajectory_axes(figure.add_subplot(grid[row, :]), item, band, charts.trajectory_run)
    figure.suptitle("Takt stress test")
    figure.set_layout_engine("constrained")
    figure.savefig(path, format="png")
    return path


def most_exposed(items: pl.DataFrame, count: int = TRACED_ITEMS) -> list[str]:
    """The items to trace by default: lowest fill rate first, then the largest share of
    days with less time to survive than the supplier needs to recover, then the least
    time to survive."""
    ranked = items.sort(
        ["fill_rate", "exposed_share", "tts_min_days", "item"],
        descending=[False, True, False, False],
        nulls_last=True,
    )
    return ranked.get_column("item").head(count).to_list()


def stress_test_charts(
    result: StressTest, scenario: str | Path, traced: Sequence[str] = ()
) -> StressCharts:
    """Exposure under normal conditions and under the scenario, and the trajectories of
    ``traced`` (default the most exposed items) under the scenario: the same runs."""
    from takt.simulate import trace

    stressed = result.scenario
    if stressed is None:
        raise InvalidInputError("no scenario was simulated: nothing to chart under stress")
    names = _traced(result.items, traced, stressed.items)
    trajectories = trace(
        result.items,
        names,
        scenario=scenario,
        days=stressed.days,
        replications=stressed.replications,
        seed=stressed.seed,
        lost_sales=stressed.lost_sales,
        warmup_days=stressed.warmup_days,
    )
    return StressCharts(
        exposures=(
            ("normal conditions", result.baseline.items),
            (stressed.scenario, stressed.items),
        ),
        trajectories=trajectories,
        trajectory_run=f"under {stressed.scenario}",
    )


def compare_charts(
    engine: Engine, view: StrategyComparison, scenarios: str | Path, traced: Sequence[str] = ()
) -> StressCharts:
    """The trade-off curve, the recommended policy's exposure in normal conditions, and
    the trajectories of ``traced`` (default its most exposed items) under the scenario
    that lowers its fill rate most."""
    from takt.services.simulation import strategy_variants
    from takt.simulate import load_scenarios, trace

    fill = view.kpis.filter(
        (pl.col("variant") == "recommended")
        & (pl.col("kpi") == "fill_rate")
        & (pl.col("scenario") != "baseline")
    ).sort("value", "scenario")
    worst = str(fill["scenario"][0]) if fill.height else "baseline"
    scenario = next((s for s in load_scenarios(scenarios) if s.name == worst), None)
    run = view.results[("recommended", worst)]
    items = strategy_variants(engine)["recommended"]
    names = _traced(items, traced, run.items)
    trajectories = trace(
        items,
        names,
        scenario=scenario,
        days=run.days,
        replications=run.replications,
        seed=run.seed,
        lost_sales=run.lost_sales,
        warmup_days=run.warmup_days,
    )
    return StressCharts(
        exposures=(("recommended policy", view.results[("recommended", "baseline")].items),),
        trajectories=trajectories,
        trajectory_run=f"recommended policy under {worst}",
        kpis=view.kpis,
    )


def _traced(items: pl.DataFrame, traced: Sequence[str], kpis: pl.DataFrame) -> list[str]:
    if not traced:
        return most_exposed(kpis)
    known = set(items.get_column("item").cast(pl.String).to_list())
    for name in traced:
        if name not in known:
            raise InvalidInputError(
                f"cannot trace item {name!r}: it is not among the simulated items "
                "(those with an automatic policy and demand)"
            )
    return list(dict.fromkeys(traced))


def _trade_off_lines(kpis: pl.DataFrame) -> list[tuple[str, pl.DataFrame]]:
    wide = (
        kpis.filter(pl.col("kpi").is_in(["fill_rate", "working_capital"]))
        .pivot(on="kpi", index=["scenario", "variant"], values="value")
        .sort("scenario", "working_capital")
    )
    return [
        (str(scenario), group)
        for (scenario,), group in wide.group_by("scenario", maintain_order=True)
    ]


def _assessed(items: pl.DataFrame) -> tuple[pl.DataFrame, float]:
    """Items with both a TTS and a TTR, and the reach of the TTS = TTR diagonal."""
    assessed = items.filter(
        pl.col("time_to_recover_days").is_not_null() & pl.col("tts_days").is_not_null()
    )
    reach = assessed.select(pl.max_horizontal(pl.col("time_to_recover_days", "tts_days")).max())
    return assessed, float(reach.item() or 1.0)


def _per_item(bands: pl.DataFrame) -> list[tuple[str, pl.DataFrame]]:
    return [(str(item), band) for (item,), band in bands.group_by("item", maintain_order=True)]


def _trade_off_axes(axes: Axes, kpis: pl.DataFrame) -> None:
    from matplotlib.ticker import MaxNLocator, PercentFormatter, StrMethodFormatter

    lines = _trade_off_lines(kpis)
    for index, (scenario, group) in enumerate(lines):
        x, y = group["working_capital"].to_list(), group["fill_rate"].to_list()
        axes.plot(x, y, marker="o", label=scenario)
        if index == 0:  # the variants' names once: the lines keep their order
            for variant, xi, yi in zip(group["variant"], x, y, strict=True):
                axes.annotate(
                    variant, (xi, yi), textcoords="offset points", xytext=(0, 6), fontsize=8,
                    ha="center", weight="bold",
                )  # fmt: skip
    axes.yaxis.set_major_formatter(PercentFormatter(1.0))
    axes.xaxis.set_major_locator(MaxNLocator(5))
    axes.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    _label(axes, "Service against inventory", "working capital", "fill rate")


def _exposure_axes(axes: Axes, items: pl.DataFrame, run: str) -> None:
    assessed, top = _assessed(items)
    for exposed, colour in ((False, COVERED), (True, EXPOSED)):
        part = assessed.filter(pl.col("exposed") == exposed)
        axes.scatter(
            part["time_to_recover_days"].to_list(),
            part["tts_days"].to_list(),
            s=14,
            color=colour,
            alpha=0.7,
            label="exposed (TTS < TTR)" if exposed else "covered",
        )
    axes.plot([0, top], [0, top], linestyle="--", color="grey", label="TTS = TTR")
    _label(axes, f"Time-to-survive against time-to-recover: {run}", "TTR (days)", "TTS (days)")


def _trajectory_axes(axes: Axes, item: str, band: pl.DataFrame, run: str) -> None:
    day = band["day"].to_numpy()
    axes.fill_between(
        day, band["p10"].to_numpy(), band["p90"].to_numpy(), color=BAND, label="p10–p90"
    )
    axes.plot(day, band["median"].to_numpy(), color=MEDIAN, linewidth=1.2, label="median")
    for label, colour, level in _levels(band):
        axes.axhline(level, linestyle="--", linewidth=1, color=colour, label=label)
    short = band.filter(pl.col("stockout_share") > 0)
    if short.height:
        from matplotlib.colors import to_rgba

        axes.scatter(
            short["day"].to_numpy(),
            [0.0] * short.height,
            marker="|",
            s=120,
            color=[to_rgba(SHORT, 0.25 + 0.75 * share) for share in short["stockout_share"]],
            label="stock-out days (darker: more runs short)",
        )
    title = f"{item}: on hand, median and p10–p90 of the runs"
    _label(axes, f"{title}, {run}" if run else title, "day", "on hand", outside=True)


def _levels(band: pl.DataFrame) -> list[tuple[str, str, float]]:
    """The policy's reference lines an item has: (label, colour, level)."""
    lines = []
    for column, colour, label in (
        ("reorder_point", REORDER, "reorder point"),
        ("order_up_to", TOP, "order-up-to level"),
    ):
        level = band[column][0]
        if level is not None:
            lines.append((label, colour, float(level)))
    return lines


def _label(axes: Axes, title: str, x: str, y: str, outside: bool = False) -> None:
    axes.set_title(title, fontsize=10)
    axes.set_xlabel(x)
    axes.set_ylabel(y)
    axes.grid(alpha=0.3)
    if outside:  # a time series fills its panel: the legend goes beside it
        axes.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.005, 1.0))
    else:
        axes.legend(fontsize=7, loc="best")
