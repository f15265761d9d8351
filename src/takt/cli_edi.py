"""Command line for EDI: ``takt edi send``, ``takt edi receive``, ``takt edi log`` and
``takt edi invoices``. Registered on the main app by :mod:`takt.cli`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from takt.cli import DatabaseOption, OutputFormat, OutputOption, _engine, app, err, out
from takt.cli_replenish import ActorOption, _json

edi_app = typer.Typer(
    help="EDI with suppliers: send POs (850/ORDERS, 860/ORDCHG), receive 855/856/810/997 "
    "and their EDIFACT twins, see the log and the invoices held for a person.",
    no_args_is_help=True,
)
app.add_typer(edi_app, name="edi")


@edi_app.command("send")
def edi_send(
    numbers: Annotated[list[str], typer.Argument(help="PO numbers to send.")],
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Directory for the interchange files (default: print)."),
    ] = None,
    database: DatabaseOption = None,
    actor: ActorOption = "cli",
) -> None:
    """Send POs by EDI in the supplier's standard: approved POs as 850/ORDERS, POs
    already sent whose lines changed as 860/ORDCHG. One interchange per PO."""
    from takt.services.edi import send_purchase_order

    engine = _engine(database)
    for number in numbers:
        sent = send_purchase_order(engine, number, actor=actor)
        if out_dir is None:
            sys.stdout.write(sent.text + "\n")
            continue
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / f"{sent.partner}-{sent.standard}-{sent.control_number:09d}.edi"
        # EDIFACT UNOC is ISO 8859-1; X12 is within ASCII
        path.write_bytes(sent.text.encode("latin-1" if sent.standard == "edifact" else "utf-8"))
        err.print(
            f"{number}: {sent.document_type} to {sent.partner}, control number "
            f"{sent.control_number} -> {path}",
            highlight=False,
        )


@edi_app.command("receive")
def edi_receive(
    files: Annotated[list[Path], typer.Argument(help="Interchange files (X12 or EDIFACT).")],
    answers: Annotated[
        Path | None,
        typer.Option("--answers", help="Directory for our 997/CONTRL answers (default: none)."),
    ] = None,
    database: DatabaseOption = None,
    actor: ActorOption = "cli",
) -> None:
    """Apply inbound interchanges (855/ORDRSP, 856/DESADV, 810/INVOIC, 997/CONTRL). Each is
    applied whole or not at all and answered with a 997/CONTRL; exit code 1 if any was
    rejected."""
    from takt.services.edi import receive_interchange

    engine = _engine(database)
    rejected = 0
    for path in files:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise typer.BadParameter(f"{path}: {exc.strerror}") from None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:  # EDIFACT UNOC files are ISO 8859-1
            text = raw.decode("latin-1")
        result = receive_interchange(engine, text, actor=actor)
        if answers is not None and result.answer:
            answers.mkdir(parents=True, exist_ok=True)
            name = f"{path.stem}.{'997' if result.standard == 'x12' else 'contrl'}.edi"
            encoding = "latin-1" if result.standard == "edifact" else "utf-8"
            (answers / name).write_bytes(result.answer.encode(encoding))
        if result.accepted:
            out.print(
                f"{path}: [green]accepted[/] ({result.standard}, control {result.control_number})"
            )
            for line in result.applied:
                out.print(f"  {line}", highlight=False)
        else:
            rejected += 1
            out.print(f"{path}: [red]rejected[/]", highlight=False)
            for line in result.errors:
                out.print(f"  {line}", highlight=False, markup=False)
    if rejected:
        raise typer.Exit(1)


@edi_app.command("log")
def edi_log(
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 50,
    database: DatabaseOption = None,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Interchanges sent and received, newest first, with status and errors."""
    from takt.services.edi import list_interchanges

    rows = list_interchanges(_engine(database), limit=limit)
    if output is OutputFormat.JSON:
        _json(rows)
        return
    table = Table(title="EDI interchanges", title_justify="left")
    for name in (
        "id",
        "direction",
        "standard",
        "partner",
        "control",
        "documents",
        "status",
        "errors",
    ):
        table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(*(str(row[k]) for k in row))
    out.print(table)


@edi_app.command("invoices")
def edi_invoices(
    status: Annotated[str | None, typer.Option(help="matched or held.")] = None,
    database: DatabaseOption = None,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Invoices received, with the three-way match result (held ones say why)."""
    from takt.services.edi import list_invoices

    rows = list_invoices(_engine(database), status=status)
    if output is OutputFormat.JSON:
        _json(rows)
        return
    table = Table(title="Invoices", title_justify="left")
    for name in ("invoice", "supplier", "po", "date", "total", "currency", "status", "reasons"):
        table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(*(str(row[k]) for k in row))
    out.print(table)
