"""Invalid input raises InvalidInputError naming the column (and item) or the argument."""

from __future__ import annotations

import polars as pl
import pytest

from takt.errors import InvalidInputError
from takt.simulate import simulate
from tests.simulate.builders import base_stock, items_frame


def fails(items: pl.DataFrame, message: str, **kwargs: object) -> None:
    with pytest.raises(InvalidInputError) as error:
        simulate(items, days=10, replications=1, **kwargs)  # type: ignore[arg-type]
    assert message in str(error.value)


def test_missing_required_columns() -> None:
    fails(base_stock().drop("supplier"), "items is missing columns: supplier")
    fails(base_stock().drop("lead_time_mean_days", "logic"), "logic, lead_time_mean_days")
    fails(base_stock().clear(), "items has no rows")


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        (
            "logic",
            "kanbam",
            "logic must be one of kanban, rop, min_max, order_up_to (got 'kanbam' for item 'I0')",
        ),
        ("criticality", "urgent", "criticality must be one of"),
        ("strategy", "lean", "strategy must be one of jit, hybrid, buffer"),
        (
            "lead_time_mean_days",
            -1.0,
            "lead_time_mean_days must be finite and >= 0 or null (got -1.0 for item 'I0')",
        ),
        ("lead_time_mean_days", None, "lead_time_mean_days is required (missing for item 'I0')"),
        ("unit_cost", float("inf"), "unit_cost must be finite and >= 0"),
        ("adi", 0.5, "adi must be finite and >= 1"),
        ("review_period_days", 2.5, "review_period_days must be a whole number of days >= 1"),
        ("demand_model", "weibull", "demand_model must be one of bootstrap, poisson"),
        ("demand_mean", None, "demand_mean is required unless demand is bootstrapped"),
        ("kanban_count", "many", "kanban_count must be numeric"),
    ],
)
def test_bad_values_name_the_column_and_item(column: str, value: object, message: str) -> None:
    fails(base_stock().with_columns(pl.lit(value).alias(column)), message)


def test_policy_levels_required_by_logic() -> None:
    fails(
        items_frame(logic="rop", order_qty=5.0, lead_time_mean_days=1.0, demand_mean=1.0),
        "reorder_point is required for rop logic (missing for item 'I0')",
    )
    fails(
        items_frame(logic="kanban", kanban_count=3, lead_time_mean_days=1.0, demand_mean=1.0),
        "container_qty is required for kanban logic (or order_qty)",
    )
    fails(
        items_frame(
            logic="min_max",
            reorder_point=10.0,
            order_up_to=5.0,
            lead_time_mean_days=1.0,
            demand_mean=1.0,
        ),
        "order_up_to must be >= reorder_point for min_max",
    )


def test_items_must_be_unique_and_named() -> None:
    fails(pl.concat([base_stock(), base_stock()]), "item must be unique (got 'I0' twice)")
    fails(base_stock().with_columns(supplier=pl.lit(None, pl.String)), "supplier must not be null")


def test_demand_history_contract() -> None:
    items = base_stock(demand_model="bootstrap")
    fails(items, "demand_model bootstrap needs rows in demand_history (none for item 'I0')")
    fails(
        items,
        "demand_history is missing columns: qty",
        demand_history=pl.DataFrame({"item": ["I0"]}),
    )
    bad = pl.DataFrame({"item": ["I0", "I0"], "qty": [1.0, -2.0]})
    fails(
        items,
        "demand_history.qty must be finite and >= 0 (got -2.0 for item 'I0')",
        demand_history=bad,
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"days": 0}, "days must be a whole number >= 1"),
        ({"replications": 2.5}, "replications must be a whole number >= 1"),
        ({"warmup_days": -1}, "warmup_days must be a whole number >= 0"),
        ({"holding_rate": -0.1}, "holding_rate must be finite and >= 0"),
        ({"seed": "x"}, "seed must be an integer"),
        ({"scenario": 3}, "scenario must be a Scenario, a name or a path"),
        ({"scenario": "standard"}, "holds 6 scenarios"),
    ],
)
def test_bad_run_arguments(kwargs: dict[str, object], message: str) -> None:
    options = {"days": 10, "replications": 1, **kwargs}
    with pytest.raises(InvalidInputError, match=message):
        simulate(base_stock(), **options)  # type: ignore[arg-type]


def test_items_must_be_a_polars_frame() -> None:
    with pytest.raises(InvalidInputError, match="items must be a polars DataFrame"):
        simulate({"item": ["A"]})  # type: ignore[arg-type]
