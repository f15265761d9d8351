"""Rich renderings shared by CLI commands."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.table import Table

from takt.services.quality import Finding

_STYLE = {"error": "red", "warning": "yellow", "info": "cyan"}


def counts_table(counts: Mapping[str, int], *, title: str) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("what")
    table.add_column("rows", justify="right")
    for name, count in counts.items():
        table.add_row(name, f"{count:,}")
    return table


def findings_table(findings: Sequence[Finding]) -> Table:
    table = Table(title="Data-quality findings", title_justify="left")
    table.add_column("severity")
    table.add_column("finding")
    table.add_column("count", justify="right")
    table.add_column("examples")
    for f in findings:
        style = _STYLE.get(f.severity, "")
        table.add_row(
            f"[{style}]{f.severity}[/]", f.message, f"{f.count:,}", ", ".join(f.examples[:4])
        )
    if not findings:
        table.add_row("[green]ok[/]", "no findings", "0", "")
    return table


def accuracy_table(summary: Any, overall: dict[str, Any], *, title: str) -> Table:
    """Backtest accuracy per demand pattern, then the whole portfolio."""
    table = Table(title=title, title_justify="left")
    for name in ("pattern", "items", "RMSSE", "MASE", "bias", "WAPE", "LTD error"):
        table.add_column(name, justify="left" if name == "pattern" else "right")

    def fmt(v: Any, pct: bool = False) -> str:
        if v is None or v != v:
            return "-"
        return f"{v:+.1%}" if pct else f"{v:.3f}"

    for row in [*summary.iter_rows(named=True), {"pattern": "[b]all[/]", **overall}]:
        table.add_row(
            str(row["pattern"]),
            f"{row['items']:,}",
            fmt(row["rmsse"]),
            fmt(row["mase"]),
            fmt(row["bias"], True),
            fmt(row["wape"]),
            fmt(row["ltd_error"]),
        )
    return table


def scorecard_table(scorecard: Any, *, title: str) -> Table:
    """Suppliers ranked by score with the components a buyer discusses with them."""
    table = Table(title=title, title_justify="left")
    heads = (
        "#",
        "supplier",
        "lines",
        "OTIF %",
        "on time %",
        "in full %",
        "LT mean d",
        "LT CV",
        "defect ppm",
        "disruption d",
        "score",
    )
    for name in heads:
        table.add_column(name, justify="left" if name == "supplier" else "right", no_wrap=True)

    def f(v: Any, spec: str) -> str:
        return "-" if v is None or v != v else format(v, spec)

    for r in scorecard.iter_rows(named=True):
        table.add_row(
            f(r["rank"], "d"),
            str(r["supplier"]),
            f(r["lines"], ","),
            f(r["otif_pct"], ".1f"),
            f(r["on_time_pct"], ".1f"),
            f(r["in_full_pct"], ".1f"),
            f(r["lead_time_mean"], ".1f"),
            f(r["lead_time_cv"], ".2f"),
            f(r["defect_ppm"], ",.0f"),
            f(r["disruption_response_days"], ".0f"),
            f(r["score"], ".1f"),
        )
    return table


def policy_table(policies: Any, *, title: str) -> Table:
    """Items with their strategy, reason and the main parameters."""
    table = Table(title=title, title_justify="left")
    for name in (
        "item",
        "strategy",
        "logic",
        "SS",
        "ROP",
        "order qty",
        "kanbans",
        "reserve",
        "reason",
    ):
        table.add_column(
            name,
            justify="right" if name in ("SS", "ROP", "order qty", "kanbans", "reserve") else "left",
        )

    def f(row: dict[str, Any], key: str) -> str:
        v = row.get(key)
        return "-" if v is None or v != v else f"{v:,.0f}"

    for r in policies.iter_rows(named=True):
        table.add_row(
            str(r["item"]),
            r["strategy"],
            r["logic"],
            f(r, "safety_stock"),
            f(r, "reorder_point"),
            f(r, "order_qty"),
            f(r, "kanban_count"),
            f(r, "contingency_reserve"),
            r["reason"],
        )
    return table


def calibration_lines(calibration: Any) -> list[str]:
    """The policy run's calibration (a :class:`takt.services.calibration.Calibration`) in
    a few lines: demand source and holdout, then b, φ and usable items per group."""
    source = getattr(calibration, "source", "history")
    if source == "forecast":
        demand = "demand: the forecast run's forecasts"
        origin = calibration.origin.isoformat() if calibration.origin else "-"
        holdout = (
            f"calibration on the forecast run's holdout from {origin} "
            f"({calibration.holdout_periods} periods, {calibration.holdout_days} days)"
        )
    else:
        demand = "demand: the 365-day mean"
        holdout = (
            f"calibration on the last {calibration.holdout_days} days "
            f"({calibration.holdout_periods} periods)"
        )
    if not calibration.applied:
        return [f"{demand}; calibration: not applied ({calibration.reason})"]
    lines = [f"{demand}; {holdout}: group, bias b, rate CV² φ, items"]
    for r in calibration.table.iter_rows(named=True):
        pooled = " (too few: the level above)" if r["borrowed"] else ""
        lines.append(
            f"  {r['group']:<20} b {r['bias']:.3f}  φ {r['rate_cv2']:.3f}  "
            f"{r['items']:,} items{pooled}"
        )
    return lines
