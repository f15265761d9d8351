"""Shared builders for the simulate tests: small item frames with explicit policies."""

from __future__ import annotations

from typing import Any

import polars as pl


def items_frame(n: int = 1, *, prefix: str = "I", **columns: Any) -> pl.DataFrame:
    """``n`` items named I0…; every keyword is a column (a scalar is repeated)."""
    data: dict[str, Any] = {"item": [f"{prefix}{i}" for i in range(n)]}
    data.setdefault("supplier", "S1")
    for name, value in columns.items():
        data[name] = value if isinstance(value, list) else [value] * n
    data["supplier"] = (
        data["supplier"] if isinstance(data["supplier"], list) else [data["supplier"]] * n
    )
    return pl.DataFrame(data)


def base_stock(n: int = 1, **columns: Any) -> pl.DataFrame:
    """Kanban items, one-unit containers (one-for-one base stock), reviewed daily."""
    defaults: dict[str, Any] = {
        "logic": "kanban",
        "container_qty": 1.0,
        "kanban_count": 10,
        "lead_time_mean_days": 3.0,
        "demand_mean": 2.0,
        "demand_model": "poisson",
    }
    return items_frame(n, **{**defaults, **columns})


def constant_demand(n: int = 1, daily: float = 5.0, **columns: Any) -> pl.DataFrame:
    """Base-stock items with the same demand every day (gamma with sd 0)."""
    return base_stock(n, demand_model="gamma", demand_mean=daily, demand_sd=0.0, **columns)
