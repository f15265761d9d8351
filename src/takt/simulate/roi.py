"""The return on a policy: working capital freed and carrying cost saved against the
stock-outs it costs, per year, with every assumption beside the result.

Given the pooled KPIs of a baseline policy set (e.g. all items on just-in-case buffers)
and a candidate (e.g. the recommended hybrid), over the same items, demand and days:

- working capital = average value on hand (the simulation's ``working_capital``);
- carrying cost per year = working capital × holding rate (15–30 % a year; Silver,
  Pyke & Thomas, *Inventory and Production Management in Supply Chains*, 4th ed.,
  2017, §2.4; default 25 %);
- units short per year = demand × (1 − fill rate) × 365 / days, costed at
  ``cost_per_unit_short`` (lost margin or expediting, per unit);
- line-stop hours per year = line-stop days × ``hours_per_line_stop_day`` × 365 / days,
  costed at ``cost_per_line_stop_hour``;
- net benefit per year = carrying cost saved − extra shortage cost − extra line-stop cost.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import polars as pl

from takt.errors import InvalidInputError


@dataclass(frozen=True)
class RoiAssumptions:
    holding_rate: float = 0.25
    cost_per_unit_short: float = 5.0
    cost_per_line_stop_hour: float = 2_000.0
    hours_per_line_stop_day: float = 8.0
    days_per_year: float = 365.0

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if not value >= 0:
                raise InvalidInputError(f"{name} must be >= 0 (got {value!r})")


def _yearly(kpis: dict[str, Any], days: int, a: RoiAssumptions) -> dict[str, float]:
    scale = a.days_per_year / days
    capital = float(kpis["working_capital"])
    short = float(kpis["demand"]) * (1.0 - float(kpis["fill_rate"])) * scale
    stop_hours = float(kpis["line_stop_days"]) * a.hours_per_line_stop_day * scale
    return {
        "working_capital": capital,
        "carrying_cost_per_year": capital * a.holding_rate,
        "units_short_per_year": short,
        "shortage_cost_per_year": short * a.cost_per_unit_short,
        "line_stop_hours_per_year": stop_hours,
        "line_stop_cost_per_year": stop_hours * a.cost_per_line_stop_hour,
        "fill_rate": float(kpis["fill_rate"]),
    }


def roi(
    baseline: dict[str, Any],
    candidate: dict[str, Any],
    *,
    days: int,
    assumptions: RoiAssumptions | None = None,
) -> tuple[pl.DataFrame, dict[str, float]]:
    """The metrics of both (one row each per metric, with the difference) and the
    headline: working capital freed, carrying cost saved, extra stock-out cost and net
    benefit per year.

    >>> base = dict(working_capital=1000.0, demand=3650.0, fill_rate=0.99, line_stop_days=0.0)
    >>> lean = dict(working_capital=600.0, demand=3650.0, fill_rate=0.98, line_stop_days=0.0)
    >>> _, head = roi(base, lean, days=365)
    >>> head["working_capital_freed"], head["carrying_cost_saved_per_year"]
    (400.0, 100.0)
    >>> round(head["extra_stockout_cost_per_year"], 2), round(head["net_benefit_per_year"], 2)
    (182.5, -82.5)
    """
    if days < 1:
        raise InvalidInputError("days must be at least 1")
    a = assumptions or RoiAssumptions()
    before, after = _yearly(baseline, days, a), _yearly(candidate, days, a)
    table = pl.DataFrame(
        {
            "metric": list(before),
            "baseline": list(before.values()),
            "candidate": [after[k] for k in before],
        }
    ).with_columns((pl.col("candidate") - pl.col("baseline")).alias("difference"))
    extra = (after["shortage_cost_per_year"] - before["shortage_cost_per_year"]) + (
        after["line_stop_cost_per_year"] - before["line_stop_cost_per_year"]
    )
    saved = before["carrying_cost_per_year"] - after["carrying_cost_per_year"]
    headline = {
        "working_capital_freed": before["working_capital"] - after["working_capital"],
        "carrying_cost_saved_per_year": saved,
        "extra_stockout_cost_per_year": extra,
        "net_benefit_per_year": saved - extra,
        **{f"assumed_{k}": v for k, v in asdict(a).items()},
    }
    return table, headline
