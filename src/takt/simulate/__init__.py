"""Simulate engine: Monte Carlo stress tests of replenishment policies under disruption.

Pure computation (frames in, frames out; no database, no clock):

- :func:`simulate` — every item's policy over days × replications, normal conditions or
  one scenario; KPIs per item, supplier, strategy, and optionally the day-by-day
  inventory trajectories of a few items (:func:`trace` records them alone);
- :func:`load_scenarios` / :func:`standard_scenarios` — disruption scenarios from TOML;
- :func:`compare_strategies` — policy variants (all-JIT, all-buffer, recommended) under
  normal conditions and every scenario, in one tidy frame.

The model, the scenario format and the KPI definitions are in ``docs/simulate.md``.
"""

from takt.simulate.compare import StrategyComparison, compare_strategies
from takt.simulate.engine import (
    SimulationResult,
    merge_results,
    pin_scenario,
    simulate,
    trace,
)
from takt.simulate.scenarios import Disruption, Scenario, load_scenarios, standard_scenarios

__all__ = [
    "Disruption",
    "Scenario",
    "SimulationResult",
    "StrategyComparison",
    "compare_strategies",
    "load_scenarios",
    "merge_results",
    "pin_scenario",
    "simulate",
    "standard_scenarios",
    "trace",
]
