"""How the pages write numbers, shares and a run's result (Jinja filters and helpers)."""

from __future__ import annotations

from typing import Any


def number(value: Any, digits: int = 0) -> str:
    """``1,234.5`` style; a dash for nothing (None or NaN)."""
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    return f"{float(value):,.{digits}f}"


def percent(value: Any, digits: int = 1) -> str:
    """A share (0.973) as a percentage (``97.3 %``); a dash for nothing."""
    return "—" if value is None else f"{float(value) * 100:.{digits}f} %"


def run_summary(run: dict[str, Any]) -> str:
    """A run's result in a few words."""
    summary = run.get("summary") or {}
    if run.get("kind") == "plan" and "orders" in summary:
        return (
            f"{summary['orders']} orders ({summary.get('auto_approved', 0)} auto, "
            f"{summary.get('queued', 0)} queued), value {number(summary.get('order_value'), 2)}, "
            f"{summary.get('purchase_orders', 0)} POs"
        )
    if run.get("kind") == "simulation" and summary.get("baseline"):
        fill = (summary["baseline"].get("overall") or {}).get("fill_rate")
        return f"{summary.get('items', 0)} items, fill rate {percent(fill)}"
    return f"{summary['items']} items" if "items" in summary else ""
