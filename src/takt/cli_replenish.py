"""Command line for replenishment: ``takt plan``, ``takt proposals``, ``takt po``,
``takt receive`` and ``takt signal``. Registered on the main app by :mod:`takt.cli`."""

from __future__ import annotations

import json
from datetime import date, datetime
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

proposals_app = typer.Typer(
    help="Replenishment proposals: list the buyer's queue, approve, reject.",
    invoke_without_command=True,
)
app.add_typer(proposals_app, name="proposals")
po_app = typer.Typer(
    help="Purchase orders: list, show, send, acknowledge, ship, cancel, close.",
    no_args_is_help=True,
)
app.add_typer(po_app, name="po")

ActorOption = Annotated[str, typer.Option("--as", help="Who does it (for the audit trail).")]


def _json(payload: Any) -> None:
    out.print_json(json.dumps(payload, default=str))


def _table(frame: Any, *, title: str, columns: dict[str, str]) -> Table:
    """A Rich table of ``frame``'s ``columns`` (name -> heading)."""
    table = Table(title=title, title_justify="left")
    for name, heading in columns.items():
        numeric = frame.schema[name].is_numeric() if name in frame.columns else False
        table.add_column(heading, justify="right" if numeric else "left", overflow="fold")
    for row in frame.iter_rows(named=True):
        cells = []
        for name in columns:
            v = row.get(name)
            if v is None or (isinstance(v, float) and v != v):
                cells.append("-")
            elif isinstance(v, float):
                cells.append(f"{v:,.2f}".rstrip("0").rstrip("."))
            else:
                cells.append(str(v))
        table.add_row(*cells)
    return table


PROPOSAL_VIEW = {
    "id": "id",
    "item": "item",
    "kind": "kind",
    "qty": "qty",
    "supplier": "supplier",
    "order_date": "order",
    "delivery_date": "delivery",
    "value": "value",
    "decision": "decision",
    "po": "PO",
    "reason": "reason",
    "approval_reason": "approval",
}


@app.command("plan")
def plan(
    database: DatabaseOption = None,
    as_of: Annotated[
        datetime | None,
        typer.Option("--as-of", formats=["%Y-%m-%d"], help="Plan date (default: the policy's)."),
    ] = None,
    horizon: Annotated[int, typer.Option(min=1, help="Days to project.")] = 56,
    auto_approve_limit: Annotated[
        float, typer.Option(min=0, help="Auto-approve order lines up to this value.")
    ] = 5000.0,
    wait: Annotated[
        float, typer.Option(min=0, help="Seconds to wait for a running plan to finish.")
    ] = 0.0,
    compare: Annotated[bool, typer.Option(help="Compare with the previous plan run.")] = False,
    limit: Annotated[int, typer.Option(min=0, help="Proposals to list.")] = 20,
    refresh: Annotated[
        bool,
        typer.Option(help="Forecast and size policies again first (always with --engine dask)."),
    ] = False,
    compute: Annotated[
        ComputeEngine,
        typer.Option("--engine", help="Where the forecast and policy runs compute."),
    ] = ComputeEngine.LOCAL,
    scheduler: SchedulerOption = None,
    partitions: PartitionsOption = None,
    history: Annotated[
        Path | None,
        typer.Option(help="Folder for the Parquet demand history the workers read (shared)."),
    ] = None,
    actor: ActorOption = "cli",
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Plan every item: orders due today become proposals (auto-approved or queued) and
    open lines whose need moved get expedite / push-out / cancel proposals (a stored run).

    With --refresh (or --engine dask) the forecast and policy runs are made first, with
    the settings of the latest forecast run; --engine dask runs them over item
    partitions on a Dask cluster, with the same results as the local engine."""
    from takt.replenish.approval import ApprovalConfig
    from takt.replenish.plan import PlanConfig
    from takt.services.replenish import ReplenishSettings, compare_plans, run_plan

    settings = ReplenishSettings(
        plan=PlanConfig(horizon_days=horizon),
        approval=ApprovalConfig(auto_approve_limit=auto_approve_limit),
    )
    engine = _engine(database)
    if refresh or compute is ComputeEngine.DASK:
        _refresh(engine, compute, scheduler, partitions, history, actor)
    with err.status("planning ..."):
        result = run_plan(
            engine,
            as_of=as_of.date() if as_of else None,
            settings=settings,
            actor=actor,
            wait_seconds=wait,
        )
    diff = compare_plans(engine, result.run_id) if compare else None
    if output is OutputFormat.JSON:
        payload: dict[str, Any] = {
            "run": result.run_id,
            "as_of": result.as_of,
            "summary": result.summary,
            "proposals": result.proposals.to_dicts(),
        }
        if diff is not None:
            payload["compare"] = diff.filter(pl_changed()).to_dicts()
        _json(payload)
        return
    s = result.summary
    out.print(
        f"Plan run {result.run_id} as of {result.as_of}: {s['orders']:,} order line(s) "
        f"worth {s['order_value']:,.2f} — {s['auto_approved']:,} auto-approved into "
        f"{s['purchase_orders']:,} PO(s), {s['queued']:,} for a buyer, {s['unsourced']:,} "
        f"without a supplier; reschedules {s['reschedules'] or 'none'}; "
        f"{s['superseded']:,} earlier proposal(s) superseded ({s['seconds']:.1f} s)"
    )
    if limit and result.proposals.height:
        shown = result.proposals.sort("decision", "value", descending=[True, True]).head(limit)
        out.print(_table(shown, title=f"Proposals (first {shown.height})", columns=PROPOSAL_VIEW))
    if diff is not None:
        changed = diff.filter(pl_changed())
        out.print(
            _table(
                changed.head(limit or 20),
                title=f"Changes against the previous plan ({changed.height:,} item(s))",
                columns={
                    "item": "item",
                    "change": "change",
                    "actions_previous": "before",
                    "actions": "now",
                    "qty_previous": "qty before",
                    "qty": "qty now",
                },
            )
        )


def _refresh(
    engine: Any,
    compute: ComputeEngine,
    scheduler: str | None,
    partitions: int | None,
    history: Path | None,
    actor: str,
) -> None:
    """The forecast and policy runs before the plan, locally or on a Dask cluster."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from takt.services.scale import refresh_settings

    settings = refresh_settings(engine, partitions)
    if compute is ComputeEngine.LOCAL:
        from takt.services.forecasting import run_forecast
        from takt.services.policy import run_policy

        with err.status("forecasting ..."):
            fc = run_forecast(
                engine,
                grain=settings.grain,
                horizon=settings.horizon,
                backtest_windows=settings.backtest_windows,
                backtest_horizon=settings.backtest_horizon,
                actor=actor,
            )
        with err.status("sizing policies ..."):
            pol = run_policy(engine, actor=actor)
        out.print(
            f"Forecast run {fc.run_id} ({fc.items:,} items, {fc.seconds:.1f} s) and policy "
            f"run {pol.run_id} ({pol.policies.height:,} items, {pol.seconds:.1f} s), local"
        )
        return
    from takt.services.scale import plan_on_dask

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        tasks: dict[str, Any] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(f"{stage} partitions", total=total)
            bar.update(tasks[stage], completed=done)

        result = plan_on_dask(
            engine,
            scheduler=scheduler,
            settings=settings,
            history_dir=history,
            actor=actor,
            progress=progress,
        )
    s = result.seconds
    out.print(
        f"On Dask ({result.workers} worker(s), {result.partitions} partitions): exported "
        f"{result.history.rows:,} history rows of {result.history.items:,} items "
        f"({s['export']:.1f} s); forecast run {result.forecast.run_id} ({s['forecast']:.1f} s); "
        f"policy run {result.policy.run_id} ({s['policy']:.1f} s)"
    )


def pl_changed() -> Any:
    import polars as pl

    return pl.col("change") != "same"


@proposals_app.callback()
def proposals(
    ctx: typer.Context,
    database: DatabaseOption = None,
    status: Annotated[
        str, typer.Option(help="open, approved, rejected, superseded or all.")
    ] = "open",
    item: Annotated[str | None, typer.Option(help="Only this SKU[@LOCATION].")] = None,
    limit: Annotated[int, typer.Option(min=1, help="How many.")] = 50,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """List proposals (default: the open ones, the buyer's queue)."""
    if ctx.invoked_subcommand is not None:
        return
    from takt.services.replenish import list_proposals

    frame = list_proposals(
        _engine(database), status=None if status == "all" else status, item=item, limit=limit
    )
    if output is OutputFormat.JSON:
        _json(frame.to_dicts())
        return
    out.print(_table(frame, title=f"Proposals ({status}): {frame.height}", columns=PROPOSAL_VIEW))


@proposals_app.command("approve")
def proposals_approve(
    ids: Annotated[list[int], typer.Argument(help="Proposal ids.")],
    database: DatabaseOption = None,
    actor: ActorOption = "cli",
) -> None:
    """Approve proposals: orders become PO lines, reschedules change their line."""
    from takt.services.replenish import approve_proposals

    touched = approve_proposals(_engine(database), ids, actor=actor)
    out.print(f"[green]approved[/] {len(ids)} proposal(s); PO(s): {', '.join(touched) or '-'}")


@proposals_app.command("reject")
def proposals_reject(
    ids: Annotated[list[int], typer.Argument(help="Proposal ids.")],
    note: Annotated[str, typer.Option(help="Why.")] = "",
    database: DatabaseOption = None,
    actor: ActorOption = "cli",
) -> None:
    """Reject proposals (kept, with who and why)."""
    from takt.services.replenish import reject_proposals

    n = reject_proposals(_engine(database), ids, actor=actor, note=note)
    out.print(f"rejected {n} proposal(s)")


@po_app.command("list")
def po_list(
    database: DatabaseOption = None,
    status: Annotated[str | None, typer.Option(help="Only this status.")] = None,
    supplier: Annotated[str | None, typer.Option(help="Only this supplier code.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="How many (newest first).")] = 50,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Purchase orders, newest first."""
    from takt.services.purchasing import list_purchase_orders

    frame = list_purchase_orders(_engine(database), status=status, supplier=supplier, limit=limit)
    if output is OutputFormat.JSON:
        _json(frame.to_dicts())
        return
    out.print(
        _table(
            frame,
            title=f"Purchase orders: {frame.height}",
            columns={c: c for c in frame.columns if c != "agreement_id"},
        )
    )


@po_app.command("show")
def po_show(
    number: Annotated[str, typer.Argument(help="PO number.")],
    database: DatabaseOption = None,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """One PO: header, lines (with why each was ordered) and its audit trail."""
    from takt.services.purchasing import show_purchase_order

    header, lines, events = show_purchase_order(_engine(database), number)
    if output is OutputFormat.JSON:
        _json({"po": header, "lines": lines.to_dicts(), "events": events.to_dicts()})
        return
    out.print(
        f"[bold]{header['po']}[/] {header['supplier']} ({header['supplier_name']}), "
        f"{header['status']}, ordered {header['order_date']}, via {header['channel']}"
    )
    columns = {
        "line": "line",
        "sku": "sku",
        "qty": "qty",
        "unit_price": "price",
        "need_date": "delivery",
        "confirmed_qty": "confirmed",
        "received": "received",
        "rejected": "rejected",
        "reason": "why",
    }
    out.print(_table(lines, title="Lines", columns=columns))
    out.print(_table(events, title="Audit trail", columns={c: c for c in events.columns}))


def _transition(number: str, action: str, database: str | None, actor: str, note: str) -> None:
    from takt.services.purchasing import transition

    status = transition(_engine(database), number, action, actor=actor, note=note)
    out.print(f"{number}: [green]{status}[/]")


@po_app.command("send")
def po_send(
    number: Annotated[str, typer.Argument(help="PO number.")],
    database: DatabaseOption = None,
    actor: ActorOption = "cli",
) -> None:
    """Mark an approved PO as sent to its supplier (EDI, portal or e-mail per supplier)."""
    _transition(number, "send", database, actor, "")


@po_app.command("cancel")
def po_cancel(
    number: Annotated[str, typer.Argument(help="PO number.")],
    note: Annotated[str, typer.Option(help="Why.")] = "",
    database: DatabaseOption = None,
    actor: ActorOption = "cli",
) -> None:
    """Cancel a PO that has not shipped (all its lines)."""
    _transition(number, "cancel", database, actor, note)


@po_app.command("close")
def po_close(
    number: Annotated[str, typer.Argument(help="PO number.")],
    note: Annotated[str, typer.Option(help="Why (e.g. short-closed).")] = "",
    database: DatabaseOption = None,
    actor: ActorOption = "cli",
) -> None:
    """Close a received (or short-closed, partially received) PO."""
    _transition(number, "close", database, actor, note)


@po_app.command("acknowledge")
def po_acknowledge(
    number: Annotated[str, typer.Argument(help="PO number.")],
    line: Annotated[
        list[str] | None,
        typer.Option(help="LINE=QTY[@YYYY-MM-DD] for a line confirmed differently; repeat."),
    ] = None,
    database: DatabaseOption = None,
    actor: ActorOption = "cli",
) -> None:
    """Record the supplier's confirmation (quantities and dates)."""
    from takt.errors import InvalidInputError
    from takt.services.purchasing import acknowledge

    confirmations: dict[int, tuple[float, date | None]] = {}
    for spec in line or []:
        try:
            no, _, rest = spec.partition("=")
            qty, _, when = rest.partition("@")
            confirmations[int(no)] = (float(qty), date.fromisoformat(when) if when else None)
        except ValueError:
            raise InvalidInputError(f"--line {spec!r}: use LINE=QTY[@YYYY-MM-DD]") from None
    status = acknowledge(_engine(database), number, actor=actor, confirmations=confirmations)
    out.print(f"{number}: [green]{status}[/]")


@po_app.command("ship")
def po_ship(
    number: Annotated[str, typer.Argument(help="PO number.")],
    expected: Annotated[
        datetime, typer.Option(formats=["%Y-%m-%d"], help="Expected arrival date.")
    ],
    database: DatabaseOption = None,
    actor: ActorOption = "cli",
) -> None:
    """Record an advance ship notice: the goods are on the way."""
    from takt.services.purchasing import ship

    status = ship(_engine(database), number, actor=actor, expected=expected.date())
    out.print(f"{number}: [green]{status}[/], expected {expected.date()}")


@app.command("receive")
def receive(
    number: Annotated[str, typer.Argument(help="PO number.")],
    line: Annotated[int, typer.Argument(help="Line number.")],
    qty: Annotated[float, typer.Argument(help="Quantity received.")],
    rejected: Annotated[float, typer.Option(min=0, help="Of which rejected at inspection.")] = 0,
    inspection: Annotated[
        str | None, typer.Option(help="accepted, partial or rejected (default: from the qty).")
    ] = None,
    receipt: Annotated[str | None, typer.Option(help="Receipt number (idempotency).")] = None,
    received_on: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Date (default today).")
    ] = None,
    database: DatabaseOption = None,
    actor: ActorOption = "cli",
) -> None:
    """Receive goods on a PO line with the inspection result; rejected units stay out of
    stock and a replacement is proposed when the position needs it."""
    from takt.services.purchasing import receive as receive_goods

    r = receive_goods(
        _engine(database),
        number,
        line,
        qty,
        rejected=rejected,
        inspection=inspection,
        receipt=receipt,
        received_on=received_on.date() if received_on else None,
        actor=actor,
    )
    if r.duplicate:
        out.print(f"receipt {r.receipt} was already recorded: nothing changed")
        return
    extra = (
        f"; replacement proposal {r.replacement_proposal}"
        if r.replacement_proposal is not None
        else ""
    )
    out.print(
        f"receipt {r.receipt}: {r.accepted:g} into stock, {r.rejected:g} rejected; "
        f"{r.po} is {r.status}{extra}"
    )


@app.command("signal")
def signal(
    item: Annotated[str, typer.Argument(help="SKU[@LOCATION].")],
    qty: Annotated[float, typer.Argument(help="Quantity consumed.")],
    source: Annotated[str, typer.Option(help="pos, production, kanban, mro or manual.")] = "manual",
    key: Annotated[
        str | None, typer.Option(help="Idempotency key (the same key twice changes nothing).")
    ] = None,
    at: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"], help="When (default now)."),
    ] = None,
    database: DatabaseOption = None,
    actor: ActorOption = "cli",
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Post one consumption event: stock goes down and, at the trigger, an order is
    proposed at once."""
    from takt.services.trigger import post_signal

    r = post_signal(
        _engine(database), item=item, qty=qty, at=at, source=source, key=key, actor=actor
    )
    if output is OutputFormat.JSON:
        _json(r.__dict__)
        return
    if r.duplicate:
        out.print(f"signal {r.key} was already recorded: nothing changed")
        return
    position = "-" if r.position is None else f"{r.position:g}"
    if r.proposal_id is None:
        out.print(f"{r.item}: position {position}; no order needed")
    else:
        where = f", on {r.po}" if r.po else ", in the buyer's queue"
        out.print(f"{r.item}: position {position}; proposal {r.proposal_id} ({r.decision}{where})")
