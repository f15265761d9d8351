"""Command line: ``takt <noun> <verb>``. Thin over the services; heavy imports inside
commands so ``takt --help`` stays instant. A Takt error is one line on stderr and
exit code 1, never a traceback."""

from __future__ import annotations

import json
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from takt import __version__
from takt.errors import ImportValidationError, TaktError

app = typer.Typer(
    name="takt",
    help="Takt: just-in-time procurement that stays safe. Signals in, purchase orders out.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Create and migrate the database.", no_args_is_help=True)
app.add_typer(db_app, name="db")
policy_app = typer.Typer(
    help="Segment items (jit / hybrid / buffer) and size their stocking parameters.",
    invoke_without_command=True,
)
app.add_typer(policy_app, name="policy")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


class FileFormat(StrEnum):
    CSV = "csv"
    PARQUET = "parquet"


class ComputeEngine(StrEnum):
    LOCAL = "local"
    DASK = "dask"


class Period(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


# Scale-out options shared by `takt plan` and `takt simulate`.
SchedulerOption = Annotated[
    str | None,
    typer.Option(help="Dask scheduler address (default: a local cluster, one worker a core)."),
]
PartitionsOption = Annotated[
    int | None, typer.Option(min=1, help="Item partitions (default: one per 25,000 items).")
]

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database",
        "-d",
        help="Database URL (default: TAKT_DATABASE_URL, else sqlite:///takt.db).",
        show_default=False,
    ),
]
OutputOption = Annotated[OutputFormat, typer.Option("--output", "-o", help="table or json.")]


def _engine(url: str | None) -> Any:
    from takt.config import get_settings
    from takt.store.db import make_engine

    return make_engine(url or get_settings().database_url)


def _version(value: bool) -> None:
    if value:
        out.print(f"takt {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Takt: just-in-time procurement that stays safe."""


@db_app.command("upgrade")
def db_upgrade(database: DatabaseOption = None) -> None:
    """Create the schema or migrate it to the newest revision."""
    from takt.store.db import current_revision, upgrade

    engine = _engine(database)
    before = current_revision(engine)
    upgrade(engine)
    after = current_revision(engine)
    state = "already current" if before == after else f"{before or 'empty'} -> {after}"
    out.print(f"[green]database ready[/] ({engine.url.render_as_string()}): {state}")


@db_app.command("status")
def db_status(database: DatabaseOption = None, output: OutputOption = OutputFormat.TABLE) -> None:
    """Show the schema revision and how many rows each table holds."""
    from takt.services.summary import table_counts
    from takt.store.db import current_revision, head_revision

    engine = _engine(database)
    counts = table_counts(engine)
    info = {"revision": current_revision(engine), "head": head_revision(), "tables": counts}
    if output is OutputFormat.JSON:
        out.print_json(json.dumps(info))
        return
    from takt.cli_render import counts_table

    out.print(f"revision {info['revision']} (head {info['head']})")
    out.print(counts_table(counts, title="Rows per table"))


@app.command("import")
def import_command(
    kind: Annotated[str, typer.Argument(help="What the file holds, e.g. items, signals.")],
    file: Annotated[Path, typer.Argument(help="CSV, TSV, Parquet or Excel file.")],
    database: DatabaseOption = None,
    encoding: Annotated[str, typer.Option(help="Text encoding of CSV files.")] = "utf-8",
    sheet: Annotated[str | None, typer.Option(help="Excel sheet name (default: first).")] = None,
    map_: Annotated[
        list[str] | None,
        typer.Option("--map", help="Column mapping COLUMN=HEADER, e.g. --map sku=series_id."),
    ] = None,
    period: Annotated[
        Period, typer.Option(help="Bucket length of a demand-series file.")
    ] = Period.DAY,
    create_items: Annotated[
        bool, typer.Option(help="demand-series: create unknown items instead of failing.")
    ] = False,
    category: Annotated[
        str, typer.Option(help="Category of items created by --create-items.")
    ] = "direct",
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Import one file (all of it or nothing). Kinds: items, suppliers, offers, agreements,
    inventory, signals, demand-series, purchase-orders, receipts, risk-events."""
    from takt.domain.enums import Category, Grain
    from takt.services.imports import ImportOptions, import_file

    mapping: dict[str, str] = {}
    for entry in map_ or []:
        target, sep, source = entry.partition("=")
        if not sep or not target.strip() or not source.strip():
            raise TaktError(f"--map {entry!r} is not COLUMN=HEADER")
        mapping[target.strip()] = source.strip()
    try:
        new_category = Category(category.lower())
    except ValueError:
        raise TaktError(f"--category {category!r} is not one of direct, indirect, mro") from None
    options = ImportOptions(
        mapping=mapping,
        grain=Grain(period.value),
        create_items=create_items,
        new_item_category=new_category,
        actor="cli",
    )
    with err.status(f"importing {file} ..."):
        result = import_file(
            _engine(database), kind, file, encoding=encoding, sheet=sheet, options=options
        )
    if output is OutputFormat.JSON:
        out.print_json(json.dumps(result.__dict__))
        return
    out.print(
        f"[green]{result.kind}[/]: {result.rows} row(s) from {result.file}: "
        f"{result.inserted} new, {result.updated} updated, {result.unchanged} unchanged"
    )
    for note in result.notes:
        out.print(f"  {note}")
    if result.ignored_columns:
        out.print(f"  [yellow]ignored column(s):[/] {', '.join(result.ignored_columns)}")


@app.command("demo-data")
def demo_data(
    out_dir: Annotated[Path, typer.Option("--out", help="Directory to write the files to.")] = Path(
        "demo-data"
    ),
    items: Annotated[int, typer.Option(min=1, max=2_000_000, help="Number of items.")] = 300,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same data).")] = 42,
    file_format: Annotated[FileFormat, typer.Option("--format", help="csv or parquet.")] = (
        FileFormat.CSV
    ),
    grain: Annotated[
        Period, typer.Option(help="Bucket length of the demand-series history.")
    ] = Period.DAY,
    signals: Annotated[
        bool, typer.Option(help="Also write every demand day as a signal (large).")
    ] = False,
    chunk_items: Annotated[int, typer.Option(min=100, help="Items generated per chunk.")] = 10_000,
) -> None:
    """Write a realistic, seeded demo data set as import files (streamed: bounded memory)."""
    from takt.services.demo import write_demo_files

    written = write_demo_files(
        out_dir,
        items=items,
        seed=seed,
        file_format=file_format.value,
        grain=grain.value,
        with_signals=signals,
        chunk_items=chunk_items,
        console=err,
    )
    from takt.cli_render import counts_table

    out.print(counts_table(written, title=f"Rows written to {out_dir}"))


@app.command("demo")
def demo(
    database: Annotated[
        Path, typer.Option("--database", "-d", help="SQLite file to (re)create.")
    ] = Path("takt-demo.db"),
    items: Annotated[int, typer.Option(min=1, max=50_000, help="Number of items.")] = 300,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 42,
) -> None:
    """Build a fresh embedded database from the demo generator and summarise it."""
    from takt.cli_render import counts_table, findings_table
    from takt.services.demo import build_demo_database

    report = build_demo_database(database, items=items, seed=seed, console=err)
    out.print(counts_table(report.loaded, title=f"Loaded into {database}"))
    out.print(findings_table(report.findings))
    if report.forecast is not None:
        from takt.cli_render import accuracy_table

        fc = report.forecast
        out.print(
            accuracy_table(
                fc.summary,
                fc.overall,
                title=(
                    f"Forecast run {fc.run_id} (weekly, 13 weeks ahead): "
                    "backtest accuracy by pattern"
                ),
            )
        )
    if report.suppliers is not None:
        from takt.cli_render import scorecard_table

        sup = report.suppliers
        out.print(
            scorecard_table(
                sup.scorecard.head(5),
                title=(f"Supplier run {sup.run_id}: top 5 of {sup.scorecard.height} by score"),
            )
        )
        out.print(scorecard_table(sup.scorecard.tail(3), title="... and the bottom 3"))
    if report.policy is not None:
        from takt.cli_render import policy_table

        pol = report.policy.policies
        counts = pol["strategy"].value_counts().sort("strategy")
        out.print(
            f"Policy run {report.policy.run_id}: "
            + ", ".join(f"{s} {n:,}" for s, n in counts.iter_rows())
        )
        sample = pol.group_by("strategy", maintain_order=True).head(2)
        out.print(policy_table(sample, title="Two items of each strategy"))
    if report.plan is not None:
        s = report.plan.summary
        out.print(
            f"Plan run {report.plan.run_id} as of {report.plan.as_of}: {s['orders']:,} order "
            f"line(s) worth {s['order_value']:,.2f}; {s['auto_approved']:,} auto-approved "
            f"into {s['purchase_orders']:,} purchase order(s), {s['queued']:,} in the "
            f"buyer's queue ({s['late']:,} late); reschedules: "
            + (", ".join(f"{k} {v}" for k, v in sorted(s["reschedules"].items())) or "none")
        )
        proposals = report.plan.proposals
        why = (
            proposals.filter(proposals["kind"] == "order")
            .group_by("decision")
            .head(2)
            .select("id", "item", "qty", "supplier", "decision", "po", "reason", "approval_reason")
        )
        from rich.table import Table

        table = Table(title="Why: two orders of each decision", title_justify="left")
        for name in why.columns:
            table.add_column(name, overflow="fold")
        for row in why.iter_rows():
            table.add_row(
                *["-" if v is None else f"{v:g}" if isinstance(v, float) else str(v) for v in row]
            )
        out.print(table)
    out.print(
        f"[green]demo database ready[/]: {database} "
        f"({report.seconds:.1f} s). Try: takt proposals -d sqlite:///{database}"
    )


@app.command("forecast")
def forecast(
    database: DatabaseOption = None,
    grain: Annotated[Period, typer.Option(help="Bucket length to forecast in.")] = Period.WEEK,
    horizon: Annotated[int, typer.Option(min=1, help="Periods ahead.")] = 13,
    as_of: Annotated[
        str | None, typer.Option(help="Plan date YYYY-MM-DD (default: after the latest demand).")
    ] = None,
    jobs: Annotated[int, typer.Option(min=1, help="Worker processes for statsforecast.")] = 1,
    holdout_periods: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="Periods of the calibration holdout the policy run sizes with "
            "(default one year of the grain; 0: none, the forecast source is then uncalibrated).",
        ),
    ] = None,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Classify demand, backtest and forecast every item; store the run with its accuracy."""
    from datetime import date

    from takt.services.forecasting import run_forecast

    try:
        plan_date = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise TaktError(f"--as-of {as_of!r} is not a date (YYYY-MM-DD)") from None
    with err.status("forecasting ..."):
        result = run_forecast(
            _engine(database),
            grain=grain.value,
            horizon=horizon,
            as_of=plan_date,
            n_jobs=jobs,
            holdout_periods=holdout_periods,
        )
    if output is OutputFormat.JSON:
        payload = {
            "run": result.run_id,
            "items": result.items,
            "overall": result.overall,
            "by_pattern": result.summary.to_dicts(),
        }
        out.print_json(json.dumps(payload, default=str))
        return
    from takt.cli_render import accuracy_table

    out.print(
        accuracy_table(
            result.summary,
            result.overall,
            title=(
                f"Forecast run {result.run_id}: {result.items} items, {grain.value}ly, "
                f"{result.seconds:.1f} s — backtest accuracy by demand pattern"
            ),
        )
    )


@app.command("scorecard")
def scorecard(
    database: DatabaseOption = None,
    as_of: Annotated[
        str | None, typer.Option(help="Date YYYY-MM-DD (default: after the latest receipt).")
    ] = None,
    trend: Annotated[
        str | None, typer.Option(help="Also show this supplier's monthly trend (code).")
    ] = None,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Supplier scorecards, lead-time statistics, drift and predictions; stored as a run."""
    from datetime import date

    from takt.services.supplier_signals import run_supplier_signals

    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise TaktError(f"--as-of {as_of!r} is not a date (YYYY-MM-DD)") from None
    with err.status("scoring suppliers ..."):
        result = run_supplier_signals(_engine(database), as_of=day)
    if output is OutputFormat.JSON:
        payload = {
            "run": result.run_id,
            "predictor": result.evaluation,
            "scorecards": result.scorecard.drop_nulls("supplier").to_dicts(),
        }
        out.print_json(json.dumps(payload, default=str))
        return
    from takt.cli_render import scorecard_table

    out.print(scorecard_table(result.scorecard, title=f"Supplier scorecards (run {result.run_id})"))
    drifting = result.drift.filter(
        (result.drift["level"] == "supplier") & result.drift["drift"].fill_null(False)
    )
    for row in drifting.iter_rows(named=True):
        out.print(
            f"[yellow]lead time drifting[/]: {row['supplier']} recent mean "
            f"{row['mean_recent']:.1f} d vs {row['mean_history']:.1f} d (p={row['p_value']:.1g})"
        )
    if trend:
        from rich.table import Table

        rows = result.trend.filter(result.trend["supplier"] == trend)
        if rows.height == 0:
            raise TaktError(f"no scorecard trend for supplier {trend!r}")
        table = Table(title=f"{trend}: monthly trend", title_justify="left")
        for name in ("month", "lines", "OTIF %", "defect rate", "LT mean d"):
            table.add_column(name, justify="right")
        for r in rows.iter_rows(named=True):
            table.add_row(
                str(r["period_start"]),
                str(r["lines"]),
                "-" if r["otif_pct"] is None else f"{r['otif_pct']:.1f}",
                "-" if r["defect_rate"] is None else f"{r['defect_rate']:.2%}",
                "-" if r["lead_time_mean"] is None else f"{r['lead_time_mean']:.1f}",
            )
        out.print(table)
    if result.evaluation:
        ratio = result.evaluation["ratio"]
        out.print(
            "lead-time prediction, pinball loss vs per-supplier empirical quantiles: "
            + ", ".join(f"q{q:g} {r:.2f}x" for q, r in ratio.items())
        )


@policy_app.callback()
def policy(
    ctx: typer.Context,
    database: DatabaseOption = None,
    rules: Annotated[
        Path | None, typer.Option(help="Rule table (TOML); default: the packaged rules.")
    ] = None,
    limit: Annotated[int, typer.Option(min=0, help="Items to list (0: only the summary).")] = 20,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Run the policy: strategy with reasons and parameters for every item (a stored run)."""
    if ctx.invoked_subcommand is not None:
        return
    from takt.services.policy import run_policy

    with err.status("segmenting and sizing ..."):
        result = run_policy(_engine(database), rules=rules)
    frame = result.policies
    if output is OutputFormat.JSON:
        out.print_json(
            json.dumps(
                {
                    "run": result.run_id,
                    "policies": frame.drop("item_id").to_dicts(),
                    "calibration": result.calibration.summary() if result.calibration else None,
                },
                default=str,
            )
        )
        return
    from takt.cli_render import calibration_lines, policy_table

    counts = frame["strategy"].value_counts().sort("strategy")
    out.print(
        f"Policy run {result.run_id}: {frame.height:,} items, "
        + ", ".join(f"{s} {n:,}" for s, n in counts.iter_rows())
    )
    if result.calibration is not None:
        for line in calibration_lines(result.calibration):
            out.print(line, markup=False, highlight=False)
    if limit:
        out.print(policy_table(frame.head(limit), title=f"First {min(limit, frame.height)} items"))


@policy_app.command("set")
def policy_set(
    item: Annotated[str, typer.Argument(help="SKU@LOCATION (location defaults to MAIN).")],
    strategy: Annotated[str, typer.Option(help="jit, hybrid or buffer.")],
    note: Annotated[str, typer.Option(help="Why (shown as the item's reason).")] = "",
    service_target: Annotated[
        float | None, typer.Option(help="Cycle service level for this item, e.g. 0.99.")
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Override the rules for one item; the next policy run uses it."""
    from takt.services.policy import set_override

    set_override(
        _engine(database), item, strategy=strategy, note=note, service_target=service_target
    )
    out.print(f"[green]{item}[/]: strategy {strategy} (override) — applies from the next run")


@policy_app.command("clear")
def policy_clear(
    item: Annotated[str, typer.Argument(help="SKU@LOCATION.")],
    database: DatabaseOption = None,
) -> None:
    """Remove an item's override; the rules decide again."""
    from takt.services.policy import clear_override

    removed = clear_override(_engine(database), item)
    out.print(f"{item}: " + ("override removed" if removed else "had no override"))


@app.command("runs")
def runs(
    database: DatabaseOption = None,
    limit: Annotated[int, typer.Option(min=1, help="How many runs.")] = 20,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Recent runs with their headline accuracy, newest first (accuracy over time)."""
    from rich.table import Table

    from takt.services.forecasting import list_runs

    rows = list_runs(_engine(database), limit)
    if output is OutputFormat.JSON:
        out.print_json(json.dumps(rows, default=str))
        return
    table = Table(title="Runs", title_justify="left")
    for name in ("run", "kind", "status", "as of", "grain", "items", "RMSSE", "bias", "LTD error"):
        table.add_column(name, no_wrap=True)
    for r in rows:
        num = [f"{r[k]:.3f}" if isinstance(r[k], float) else "-" for k in ("rmsse", "ltd_error")]
        bias = f"{r['bias']:+.1%}" if isinstance(r["bias"], float) else "-"
        status = r["status"] if not r["error"] else f"{r['status']}: {r['error'][:40]}"
        table.add_row(
            str(r["run"]),
            r["kind"],
            status,
            r["as_of"],
            str(r["grain"] or "-"),
            str(r["items"] or "-"),
            num[0],
            bias,
            num[1],
        )
    out.print(table)


class ExportKind(StrEnum):
    FORECASTS = "forecasts"
    ACCURACY = "accuracy"
    CLASSIFICATIONS = "classifications"
    LEAD_TIME_DEMAND = "lead-time-demand"
    HOLDOUT = "holdout"
    SCORECARDS = "scorecards"
    LEAD_TIMES = "lead-times"
    POLICIES = "policies"
    PROPOSALS = "proposals"
    PURCHASE_ORDERS = "purchase-orders"
    DEMAND_HISTORY = "demand-history"


@app.command("export")
def export(
    what: Annotated[ExportKind, typer.Argument(help="Which result table.")],
    out_file: Annotated[
        Path,
        typer.Option("--out", help="CSV or Parquet file to write (demand-history: a folder)."),
    ],
    run: Annotated[int | None, typer.Option(help="Run id (default: the latest).")] = None,
    file_format: Annotated[
        FileFormat | None,
        typer.Option("--format", help="csv or parquet (default: by the file's suffix)."),
    ] = None,
    grain: Annotated[Period, typer.Option(help="demand-history: bucket length.")] = Period.WEEK,
    partitions: Annotated[
        int | None,
        typer.Option(min=1, help="demand-history: item partitions (default: one per 25,000)."),
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Export a result table of a run (with sku and location) to CSV or Parquet, or the
    demand history as partitioned Parquet for a scaled-out run (``demand-history``)."""
    from takt.services.forecasting import export_run
    from takt.services.supplier_signals import export_supplier_run

    parquet = file_format is FileFormat.PARQUET or (
        file_format is None and out_file.suffix.lower() in (".parquet", ".pq")
    )
    if what is ExportKind.DEMAND_HISTORY:
        if not parquet and file_format is not None:
            raise TaktError("demand-history is exported as partitioned Parquet: --format parquet")
        from takt.services.history_export import export_demand_history

        with err.status("exporting demand history ..."):
            done = export_demand_history(
                _engine(database), out_file, grain=grain.value, partitions=partitions
            )
        out.print(
            f"[green]demand-history[/]: {done.rows:,} rows of {done.items:,} items in "
            f"{len(done.partitions)} partition(s), {done.grain}ly before {done.as_of} "
            f"-> {out_file}"
        )
        return
    if what is ExportKind.POLICIES:
        from takt.services.policy import export_policies

        frame = export_policies(_engine(database), run)
    elif what is ExportKind.PROPOSALS:
        from takt.services.replenish import list_proposals

        frame = list_proposals(_engine(database), status=None, run_id=run)
    elif what is ExportKind.PURCHASE_ORDERS:
        from takt.services.purchasing import purchase_order_lines

        frame = purchase_order_lines(_engine(database))
    elif what in (ExportKind.SCORECARDS, ExportKind.LEAD_TIMES):
        frame = export_supplier_run(_engine(database), what.value, run)
    else:
        frame = export_run(_engine(database), what.value, run)
    if parquet:
        frame.write_parquet(out_file)
    else:  # text a spreadsheet would run as a formula is quoted (CSV injection)
        from takt.services.exports import safe_frame

        safe_frame(frame).write_csv(out_file)
    out.print(f"[green]{what.value}[/]: {frame.height:,} rows -> {out_file}")


@app.command("check")
def check(database: DatabaseOption = None, output: OutputOption = OutputFormat.TABLE) -> None:
    """Data-quality findings on the database (missing sources, overdue POs, ...)."""
    from takt.services.quality import find_issues
    from takt.store.db import require_current, transaction

    engine = _engine(database)
    require_current(engine)
    with transaction(engine) as session:
        findings = find_issues(session)
    if output is OutputFormat.JSON:
        out.print_json(json.dumps([f.__dict__ for f in findings], default=str))
        return
    from takt.cli_render import findings_table

    out.print(findings_table(findings))


# Replenishment commands (plan, proposals, po, receive, signal) live in their own module.
from takt import cli_edi, cli_replenish, cli_risk, cli_serve, cli_simulate  # noqa: E402, F401


def main() -> None:
    """Console entry point: Takt errors become one line and exit code 1."""
    try:
        app()
    except ImportValidationError as exc:
        err.print(f"[red]error:[/] import rejected, {exc.total} problem(s):", highlight=False)
        err.print(exc.report(), highlight=False, markup=False)
        sys.exit(1)
    except TaktError as exc:
        err.print(f"[red]error:[/] {exc}", highlight=False)
        sys.exit(1)
    except KeyboardInterrupt:
        err.print("[red]interrupted[/]")
        sys.exit(130)
    except Exception as exc:  # a bug of ours: still one line, the traceback on request
        if os.environ.get("TAKT_DEBUG"):
            raise
        err.print(
            f"[red]internal error:[/] {type(exc).__name__}: {exc} "
            "(set TAKT_DEBUG=1 to see the traceback; please report it)",
            highlight=False,
        )
        sys.exit(2)
