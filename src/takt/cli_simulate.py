"""Command line for stress tests: ``takt simulate``. Registered on the main app by
:mod:`takt.cli`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from takt.cli import DatabaseOption, OutputFormat, OutputOption, _engine, app, err, out

COMPARED = {
    "fill_rate": ("fill rate", "{:.2%}"),
    "cycle_service_level": ("cycle service", "{:.2%}"),
    "stockout_days": ("stock-out days", "{:,.1f}"),
    "line_stop_events": ("line stops", "{:,.1f}"),
    "working_capital": ("working capital", "{:,.0f}"),
    "carrying_cost": ("carrying cost", "{:,.0f}"),
    "exposed_items": ("exposed items", "{:,.0f}"),
}


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
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Stress-test the stored policies: KPIs per strategy under normal conditions and
    under a disruption scenario, with the suppliers it hits."""
    from takt.services.simulation import stress_test

    chosen: str | Path = Path(scenario) if scenario.endswith(".toml") else scenario
    with err.status("simulating ..."):
        result = stress_test(
            _engine(database),
            scenario=chosen,
            days=days,
            replications=replications,
            seed=seed,
            lost_sales=lost_sales,
        )
    stressed = result.scenario
    assert stressed is not None
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
