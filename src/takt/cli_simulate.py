"""Command line for stress tests: ``takt simulate``. Registered on the main app by
:mod:`takt.cli`."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from takt.cli import (
    ComputeEngine,
    DatabaseOption,
    OutputFormat,
    OutputOption,
    PartitionsOption,
    SchedulerOption,
    _engine,
    app,
    err,
    out,
)
from takt.errors import TaktError

COMPARED = {
    "fill_rate": ("fill rate", "{:.2%}"),
    "cycle_service_level": ("cycle service", "{:.2%}"),
    "stockout_days": ("stock-out days", "{:,.1f}"),
    "line_stop_events": ("line stops", "{:,.1f}"),
    "working_capital": ("working capital", "{:,.0f}"),
    "carrying_cost": ("carrying cost", "{:,.0f}"),
    "exposed_items": ("exposed items", "{:,.0f}"),
}


TRACED = 3  # takt.services.plots.TRACED_ITEMS, kept here so --help stays instant


def _fmt(value: Any, pattern: str) -> str:
    return "-" if value is None or value != value else pattern.format(value)


@app.command("simulate")
def simulate_command(
    database: DatabaseOption = None,
    scenario: Annotated[
        str,
        typer.Option(
            help="A standard scenario (supplier_outage, port_closure, demand_spike, "
            "lead_time_stretch, quality_failure, perfect_storm) or a TOML file."
        ),
    ] = "supplier_outage",
    days: Annotated[int, typer.Option(min=1, help="Days simulated.")] = 365,
    replications: Annotated[int, typer.Option(min=1, help="Runs per item.")] = 20,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    lost_sales: Annotated[
        bool, typer.Option(help="Unmet demand is lost, not backordered.")
    ] = False,
    compare: Annotated[
        bool,
        typer.Option(
            help="All-JIT, all-buffer and the recommended policy side by side, in normal "
            "conditions and every standard scenario (or the --scenario file)."
        ),
    ] = False,
    plot: Annotated[
        Path | None,
        typer.Option(
            help="Write the charts to this file: .html (interactive, works offline) or .png "
            "(one image): exposure, inventory trajectories and, with --compare, the "
            "service against inventory trade-off."
        ),
    ] = None,
    trace: Annotated[
        list[str] | None,
        typer.Option(
            "--trace",
            help="Item whose inventory trajectory the charts show (repeatable; default the "
            f"{TRACED} lowest-fill-rate, most exposed items). Needs --plot.",
        ),
    ] = None,
    compute: Annotated[
        ComputeEngine,
        typer.Option("--engine", help="Simulate here, or over item partitions on Dask."),
    ] = ComputeEngine.LOCAL,
    scheduler: SchedulerOption = None,
    partitions: PartitionsOption = None,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Stress-test the stored policies: KPIs per strategy under normal conditions and
    under a disruption scenario, with the suppliers it hits (--engine dask: over item
    partitions on a cluster, the same item KPIs)."""
    from takt.services.simulation import StressTest, stress_test

    traced = _charts_wanted(plot, trace)
    if compare and compute is ComputeEngine.DASK:
        raise TaktError("--compare runs on the local engine: leave out --engine dask")
    if compare:
        _compare(database, scenario, days, replications, seed, output, plot, traced)
        return

    chosen: str | Path = Path(scenario) if scenario.endswith(".toml") else scenario
    run: Callable[..., StressTest] = stress_test
    where = ""
    if compute is ComputeEngine.DASK:
        from takt.services.scale import stress_test_on_dask

        run = partial(stress_test_on_dask, scheduler=scheduler, partitions=partitions)
        where = " on Dask"
    with err.status(f"simulating{where} ..."):
        result = run(
            _engine(database),
            scenario=chosen,
            days=days,
            replications=replications,
            seed=seed,
            lost_sales=lost_sales,
        )
    stressed = result.scenario
    assert stressed is not None
    if plot is not None:
        from takt.services.plots import stress_test_charts, write_charts

        with err.status("tracing inventory trajectories ..."):
            write_charts(plot, stress_test_charts(result, chosen, traced))
        err.print(f"charts -> {plot}")
    groups = {
        "baseline": result.baseline.strategies.vstack(
            result.baseline.overall.rename({"group": "strategy"}).select(
                result.baseline.strategies.columns
            )
        ),
        stressed.scenario: stressed.strategies.vstack(
            stressed.overall.rename({"group": "strategy"}).select(stressed.strategies.columns)
        ),
    }
    if output is OutputFormat.JSON:
        out.print_json(
            json.dumps(
                {
                    "items": result.items.height,
                    "scenario": stressed.scenario,
                    "targets": stressed.targets.to_dicts(),
                    "strategies": {k: v.to_dicts() for k, v in groups.items()},
                    "suppliers": stressed.suppliers.to_dicts(),
                },
                default=str,
            )
        )
        return
    base, hit = groups["baseline"], groups[stressed.scenario]
    table = Table(
        title=(
            f"{result.items.height:,} items × {days} days × {replications} runs: normal "
            f"conditions -> {stressed.scenario}"
        ),
        title_justify="left",
    )
    table.add_column("strategy")
    for heading, _ in COMPARED.values():
        table.add_column(heading, justify="right")
    for row in base.iter_rows(named=True):
        other = hit.filter(hit["strategy"] == row["strategy"]).row(0, named=True)
        table.add_row(
            row["strategy"],
            *[f"{_fmt(row[k], p)} -> {_fmt(other[k], p)}" for k, (_, p) in COMPARED.items()],
        )
    out.print(table)
    hits = ", ".join(
        f"{r['kind']} {r['supplier'] or r['region']}"
        for r in stressed.targets.iter_rows(named=True)
    )
    out.print(f"disruptions: {hits or 'none'}")


@app.command("roi")
def roi_command(
    database: DatabaseOption = None,
    baseline: Annotated[
        str,
        typer.Option(help="What the recommended policy is weighed against: all_buffer or all_jit."),
    ] = "all_buffer",
    days: Annotated[int, typer.Option(min=1, help="Days simulated.")] = 365,
    replications: Annotated[int, typer.Option(min=1, help="Runs per item.")] = 20,
    holding_rate: Annotated[
        float, typer.Option(min=0, help="Carrying cost a year, share of value.")
    ] = 0.25,
    cost_per_unit_short: Annotated[float, typer.Option(min=0, help="Cost of a unit short.")] = 5.0,
    cost_per_line_stop_hour: Annotated[
        float, typer.Option(min=0, help="Cost of an hour of a stopped line.")
    ] = 2000.0,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Working capital and carrying cost against stock-out cost: the recommended policy
    against all-buffer (or all-JIT), simulated on the same items, with every assumption."""
    from takt.services.simulation import roi_view
    from takt.simulate.roi import RoiAssumptions

    assumptions = RoiAssumptions(
        holding_rate=holding_rate,
        cost_per_unit_short=cost_per_unit_short,
        cost_per_line_stop_hour=cost_per_line_stop_hour,
    )
    with err.status("simulating the variants ..."):
        view = roi_view(
            _engine(database),
            baseline=baseline,
            days=days,
            replications=replications,
            seed=seed,
            assumptions=assumptions,
        )
    if output is OutputFormat.JSON:
        out.print_json(
            json.dumps(
                {
                    "baseline": view.baseline,
                    "headline": view.headline,
                    "metrics": view.table.to_dicts(),
                    "variants": view.kpis.to_dicts(),
                },
                default=str,
            )
        )
        return
    table = Table(
        title=f"Recommended policy against {view.baseline}, per year", title_justify="left"
    )
    for name in ("metric", view.baseline, "recommended", "difference"):
        table.add_column(name, justify="left" if name == "metric" else "right")
    for row in view.table.iter_rows(named=True):
        pattern = "{:.2%}" if row["metric"] == "fill_rate" else "{:,.0f}"
        table.add_row(
            row["metric"].replace("_", " "),
            *[_fmt(row[k], pattern) for k in ("baseline", "candidate", "difference")],
        )
    out.print(table)
    h = view.headline
    out.print(
        f"working capital freed {h['working_capital_freed']:,.0f}; carrying cost saved "
        f"{h['carrying_cost_saved_per_year']:,.0f}/year; extra stock-out cost "
        f"{h['extra_stockout_cost_per_year']:,.0f}/year; [bold]net benefit "
        f"{h['net_benefit_per_year']:,.0f}/year[/]"
    )
    out.print(
        "assumptions: "
        + ", ".join(
            f"{k.removeprefix('assumed_')} {v:g}" for k, v in h.items() if k.startswith("assumed_")
        )
        + f"; {view.days} days × {view.replications} runs after a 60-day warm-up, normal conditions"
    )


def _charts_wanted(plot: Path | None, trace: list[str] | None) -> list[str]:
    """Check --plot and --trace before simulating; the items to trace."""
    if plot is None:
        if trace:
            raise typer.BadParameter("--trace chooses what the charts show: add --plot")
        return []
    from takt.services.plots import chart_format

    chart_format(plot)  # an unknown extension fails now, not after the simulation
    return list(trace or [])


SIDE_BY_SIDE = {
    "fill_rate": "{:.2%}",
    "stockout_days": "{:,.0f}",
    "line_stop_events": "{:,.1f}",
    "working_capital": "{:,.0f}",
    "exposed_items": "{:,.0f}",
}


def _compare(
    database: str | None,
    scenario: str,
    days: int,
    replications: int,
    seed: int,
    output: Any,
    plot: Path | None,
    traced: list[str],
) -> None:
    import polars as pl

    from takt.services.simulation import compare_view

    scenarios: str | Path = Path(scenario) if scenario.endswith(".toml") else "standard"
    with err.status("simulating every variant under every scenario ..."):
        view = compare_view(
            _engine(database), scenarios=scenarios, days=days, replications=replications, seed=seed
        )
    wide = (
        view.kpis.filter(pl.col("kpi").is_in(list(SIDE_BY_SIDE)))
        .pivot(on="kpi", index=["scenario", "variant"], values="value")
        .sort("scenario", "variant")
    )
    if plot is not None:
        from takt.services.plots import compare_charts, write_charts

        with err.status("tracing inventory trajectories ..."):
            write_charts(plot, compare_charts(_engine(database), view, scenarios, traced))
        err.print(f"charts -> {plot}")
    if output is OutputFormat.JSON:
        out.print_json(json.dumps({"kpis": wide.to_dicts()}, default=str))
        return
    table = Table(
        title=f"Strategies side by side ({days} days × {replications} runs)", title_justify="left"
    )
    for name in ("scenario", "variant", *SIDE_BY_SIDE):
        numeric = name not in ("scenario", "variant")
        table.add_column(name.replace("_", " "), justify="right" if numeric else "left")
    for row in wide.iter_rows(named=True):
        table.add_row(
            row["scenario"],
            row["variant"],
            *[_fmt(row.get(k), p) for k, p in SIDE_BY_SIDE.items()],
        )
    out.print(table)
