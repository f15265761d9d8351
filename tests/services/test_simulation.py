"""Stress tests of the stored policies on the demo database (SQLite; the engine is pure)."""

from __future__ import annotations

import json

import polars as pl
import pytest

from takt.services.demo import build_demo_database
from takt.services.simulation import simulation_items, stress_test
from takt.store.db import make_engine
from tests.test_cli import run


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("sim") / "demo.db"
    build_demo_database(path, items=120, seed=3)
    return f"sqlite:///{path}"


def test_the_stored_policies_become_simulator_items(demo_url: str) -> None:
    items = simulation_items(make_engine(demo_url))
    assert items.height > 50
    assert items["item"].is_unique().all()
    assert set(items["logic"].unique()) <= {"kanban", "rop", "min_max", "order_up_to"}
    assert (items["demand_mean"] > 0).all() and (items["adi"] >= 1).all()
    assert items["supplier"].null_count() == 0 and items["initial_on_hand"].min() >= 0


def test_a_port_closure_hurts_the_region_it_closes_and_nothing_else(demo_url: str) -> None:
    result = stress_test(
        make_engine(demo_url), scenario="port_closure", days=200, replications=4, seed=1
    )
    assert result.scenario is not None
    hit = set(result.scenario.targets["region"].drop_nulls())
    assert hit
    base = result.baseline.items.select("item", "region", pl.col("fill_rate").alias("before"))
    after = result.scenario.items.select("item", pl.col("fill_rate").alias("after"))
    both = base.join(after, on="item")
    inside = both.filter(pl.col("region").is_in(list(hit)))
    outside = both.filter(~pl.col("region").is_in(list(hit)))
    assert (inside["after"] <= inside["before"] + 1e-12).all()
    assert inside["after"].sum() < inside["before"].sum()  # it does hurt
    assert (outside["after"] == outside["before"]).all()  # same random streams elsewhere
    again = stress_test(
        make_engine(demo_url), scenario="port_closure", days=200, replications=4, seed=1
    )
    assert again.baseline.items.equals(result.baseline.items)


def test_simulate_on_the_command_line(demo_url: str) -> None:
    code, out, _ = run(
        "simulate",
        "-d",
        demo_url,
        "--scenario",
        "demand_spike",
        "--days",
        "120",
        "--replications",
        "2",
        "--output",
        "json",
    )
    assert code == 0
    payload = json.loads(out)
    assert payload["scenario"] == "demand_spike" and payload["items"] > 50
    overall = {
        k: next(r for r in v if r["strategy"] == "all") for k, v in payload["strategies"].items()
    }
    assert overall["demand_spike"]["demand"] > overall["baseline"]["demand"]
