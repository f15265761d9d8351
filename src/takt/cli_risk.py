"""Command line for risk: ``takt risk exposure``, ``takt risk uplift``, ``takt risk uplifts``
and ``takt risk end``.
Registered on the main app by :mod:`takt.cli`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import polars as pl
import typer
from rich.table import Table

from takt.cli import DatabaseOption, OutputFormat, OutputOption, _engine, app, out
from takt.cli_replenish import ActorOption, _json

risk_app = typer.Typer(
    help="Supply risk: temporary buffer uplifts the plan honours and that expire by themselves.",
    no_args_is_help=True,
)
app.add_typer(risk_app, name="risk")


def _day(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date (YYYY-MM-DD)") from None


@risk_app.command("uplift")
def risk_uplift(
    item: Annotated[str, typer.Argument(help="Item as SKU@LOCATION.")],
    qty: Annotated[float, typer.Option("--qty", help="Units to add to the buffer.")],
    days: Annotated[int, typer.Option("--days", help="For how many days.")],
    start: Annotated[str | None, typer.Option(help="First day (YYYY-MM-DD; today).")] = None,
    reason: Annotated[str, typer.Option(help="Why, in words.")] = "",
    event: Annotated[str | None, typer.Option(help="The risk event key it answers.")] = None,
    database: DatabaseOption = None,
    actor: ActorOption = "cli",
) -> None:
    """Raise an item's buffer (safety stock, reorder point, order-up-to) by QTY units for
    DAYS days; the plan and the pull trigger honour it and it lapses by itself."""
    from takt.services.risk import add_uplift

    when = _day(start)
    up = add_uplift(
        _engine(database),
        item,
        qty=qty,
        days=days,
        start=when.date() if when else None,
        reason=reason,
        risk_event=event,
        actor=actor,
    )
    out.print(
        f"uplift {up.id}: {up.item} +{up.qty:g} from {up.start} until {up.end} (exclusive)",
        highlight=False,
    )


@risk_app.command("uplifts")
def risk_uplifts(
    active_on: Annotated[
        str | None, typer.Option("--active-on", help="Only those in force that day.")
    ] = None,
    database: DatabaseOption = None,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Buffer uplifts, newest first."""
    from takt.services.risk import list_uplifts

    when = _day(active_on)
    rows = list_uplifts(_engine(database), active_on=when.date() if when else None)
    if output is OutputFormat.JSON:
        _json(rows)
        return
    table = Table(title="Buffer uplifts", title_justify="left")
    for name in ("id", "item", "qty", "start", "until", "reason", "risk_event", "by"):
        table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(*("-" if v is None else str(v) for v in row.values()))
    out.print(table)


@risk_app.command("end")
def risk_end(
    uplift_id: Annotated[int, typer.Argument(help="Uplift id (see takt risk uplifts).")],
    database: DatabaseOption = None,
) -> None:
    """End a buffer uplift today, before its end date."""
    from takt.services.risk import end_uplift

    end_uplift(_engine(database), uplift_id)
    out.print(f"uplift {uplift_id} ended")


@risk_app.command("exposure")
def risk_exposure(
    as_of: Annotated[str | None, typer.Option("--as-of", help="Day (YYYY-MM-DD; today).")] = None,
    horizon: Annotated[int, typer.Option(help="Events starting within this many days.")] = 30,
    latent: Annotated[
        bool, typer.Option(help="Also act on exposed items no event hits yet.")
    ] = False,
    apply: Annotated[
        bool, typer.Option("--apply", help="Make the recommended buffer uplifts now.")
    ] = False,
    database: DatabaseOption = None,
    output: OutputOption = OutputFormat.TABLE,
    actor: ActorOption = "cli",
) -> None:
    """Time-to-survive against time-to-recover for every item (exposed when TTS < TTR),
    per supplier, and one recommended action per exposed item; --apply makes the
    recommended buffer uplifts."""
    from takt.services.risk import apply_uplifts, risk_report

    when = _day(as_of)
    engine = _engine(database)
    report = risk_report(
        engine, as_of=when.date() if when else None, horizon_days=horizon, latent=latent
    )
    exposed = report.items.filter(pl.col("exposed").fill_null(False)).sort(
        "gap_days", descending=True
    )
    if output is OutputFormat.JSON:
        _json(
            {
                "as_of": report.as_of,
                "exposed": exposed.to_dicts(),
                "suppliers": report.suppliers.to_dicts(),
                "actions": report.actions.to_dicts(),
                "alerts": report.alerts.to_dicts(),
            }
        )
    else:
        table = Table(title=f"Exposed items on {report.as_of}", title_justify="left")
        for name in ("item", "TTS days", "TTR days", "gap", "short", "value", "events"):
            table.add_column(name, overflow="fold")
        for r in exposed.iter_rows(named=True):
            table.add_row(
                r["item"],
                f"{r['time_to_survive_days']:.1f}",
                f"{r['time_to_recover_days']:.1f}",
                f"{r['gap_days']:.1f}",
                f"{r['units_short']:,.0f}",
                f"{(r['value_at_risk'] or 0):,.2f}",
                ", ".join(r["events"] or []),
            )
        out.print(table)
        actions = Table(title="Recommended actions", title_justify="left")
        for name in ("item", "action", "uplift", "days", "reason"):
            actions.add_column(name, overflow="fold")
        for r in report.actions.iter_rows(named=True):
            actions.add_row(
                r["item"],
                r["action"],
                "-" if r["uplift_qty"] is None else f"{r['uplift_qty']:,.0f}",
                "-" if r["uplift_days"] is None else f"{r['uplift_days']:.0f}",
                r["reason"],
            )
        out.print(actions)
        for r in report.alerts.iter_rows(named=True) if report.alerts.height else []:
            out.print(f"[yellow]alert[/] {r['supplier']}: {r['message']}", highlight=False)
    if apply:
        made = apply_uplifts(engine, report.actions, as_of=report.as_of, actor=actor)
        out.print(f"{len(made)} buffer uplift(s) made (see takt risk uplifts)")
