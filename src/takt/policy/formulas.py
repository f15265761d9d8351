"""The inventory-policy formula layer: one import for every formula Takt's policy uses.

Pure functions over NumPy arrays, vectorised over all items (scalars broadcast); they
raise :class:`takt.errors.InvalidInputError` naming the bad argument. Each lives in a
small module by topic:

- :mod:`takt.policy.normal` — standard normal loss functions and the inverse loss;
- :mod:`takt.policy.eoq` — EOQ, EOQ with planned backorders, the normal newsvendor;
- :mod:`takt.policy.rq` — continuous-review (r, Q): exact optimum under normal and
  Poisson lead-time demand, EOQ + SS approximation, exact costs;
- :mod:`takt.policy.ss` — periodic-review (s, S) under Poisson demand (Zheng & Federgruen);
- :mod:`takt.policy.service_level` — lead-time demand, safety stock for a cycle service level or
  a fill rate, reorder point, order-up-to level, MOQ/pack rounding, kanban count, days of
  cover.

Sources: Snyder & Shen, *Fundamentals of Supply Chain Theory* (2nd ed., 2019); Silver,
Pyke & Thomas, *Inventory and Production Management in Supply Chains* (4th ed., 2017);
Zheng & Federgruen (1991); Federgruen & Zheng (1992). Their published examples are the
tests in ``tests/policy``.
"""

from __future__ import annotations

from takt.policy.eoq import (
    EOQBackorders,
    NewsvendorSolution,
    economic_order_quantity,
    eoq_cost,
    eoq_with_backorders,
    newsvendor_normal,
    newsvendor_normal_cost,
)
from takt.policy.normal import (
    inverse_standard_normal_loss,
    standard_normal_complementary_loss,
    standard_normal_loss,
    standard_normal_second_loss,
)
from takt.policy.rq import (
    RQPolicy,
    RQPolicyInt,
    rq_cost_normal,
    rq_cost_poisson,
    rq_eoq_ss_approximation,
    rq_optimal_normal,
    rq_optimal_poisson,
)
from takt.policy.service_level import (
    DemandOverInterval,
    days_of_cover,
    kanban_count,
    lead_time_demand,
    order_up_to_level,
    reorder_point,
    round_order_quantity,
    safety_factor_for_cycle_service,
    safety_factor_for_fill_rate,
    safety_stock_cycle_service,
    safety_stock_fill_rate,
)
from takt.policy.ss import SSPolicy, ss_cost_poisson, ss_optimal_poisson

__all__ = [
    "DemandOverInterval",
    "EOQBackorders",
    "NewsvendorSolution",
    "RQPolicy",
    "RQPolicyInt",
    "SSPolicy",
    "days_of_cover",
    "economic_order_quantity",
    "eoq_cost",
    "eoq_with_backorders",
    "inverse_standard_normal_loss",
    "kanban_count",
    "lead_time_demand",
    "newsvendor_normal",
    "newsvendor_normal_cost",
    "order_up_to_level",
    "reorder_point",
    "round_order_quantity",
    "rq_cost_normal",
    "rq_cost_poisson",
    "rq_eoq_ss_approximation",
    "rq_optimal_normal",
    "rq_optimal_poisson",
    "safety_factor_for_cycle_service",
    "safety_factor_for_fill_rate",
    "safety_stock_cycle_service",
    "safety_stock_fill_rate",
    "ss_cost_poisson",
    "ss_optimal_poisson",
    "standard_normal_complementary_loss",
    "standard_normal_loss",
    "standard_normal_second_loss",
]
