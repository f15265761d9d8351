"""Stress tests of the stored policies on the demo database (SQLite; the engine is pure)."""

from __future__ import annotations

import json
from pathlib import Path

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
    # each stress test is stored as a run with its pooled KPIs
    assert result.run_id is not None and again.run_id == result.run_id + 1
    from takt.services.browse import runs_page

    stored = runs_page(make_engine(demo_url), kind="simulation").items[0]
    assert stored["id"] == again.run_id and stored["status"] == "succeeded"
    summary = stored["summary"]
    assert summary["scenario"]["scenario"] == "port_closure"
    assert summary["baseline"]["overall"]["fill_rate"] == pytest.approx(
        result.baseline.overall["fill_rate"][0]
    )


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


def test_roi_weighs_the_recommended_policy_against_all_buffer(demo_url: str) -> None:
    from takt.services.simulation import roi_view, strategy_variants
    from takt.simulate.roi import RoiAssumptions

    engine = make_engine(demo_url)
    variants = strategy_variants(engine)
    assert set(variants) == {"recommended", "all_jit", "all_buffer"}
    assert set(variants["all_jit"]["logic"]) == {"kanban"}
    assert set(variants["all_buffer"]["logic"]) == {"rop"}
    assert variants["all_jit"]["item"].sort().equals(variants["recommended"]["item"].sort())

    a = RoiAssumptions(holding_rate=0.2, cost_per_unit_short=3.0, cost_per_line_stop_hour=500.0)
    view = roi_view(engine, days=120, replications=3, assumptions=a)
    kpis = {r["variant"]: r for r in view.kpis.iter_rows(named=True)}
    # Kanban pull with a day's container holds far less than buffers, and runs short more.
    assert kpis["all_jit"]["working_capital"] < kpis["all_buffer"]["working_capital"]
    assert kpis["all_jit"]["fill_rate"] < kpis["all_buffer"]["fill_rate"]
    h = view.headline
    base, rec = kpis["all_buffer"], kpis["recommended"]
    assert h["working_capital_freed"] == pytest.approx(
        base["working_capital"] - rec["working_capital"]
    )
    assert h["carrying_cost_saved_per_year"] == pytest.approx(0.2 * h["working_capital_freed"])
    scale = 365 / 120
    short = rec["demand"] * (1 - rec["fill_rate"]) - base["demand"] * (1 - base["fill_rate"])
    stops = rec["line_stop_days"] - base["line_stop_days"]
    extra = (short * 3.0 + stops * 8 * 500.0) * scale
    assert h["extra_stockout_cost_per_year"] == pytest.approx(extra)
    assert h["net_benefit_per_year"] == pytest.approx(h["carrying_cost_saved_per_year"] - extra)
    assert h["assumed_holding_rate"] == 0.2


def test_roi_on_the_command_line_prints_its_assumptions(demo_url: str) -> None:
    code, out, _ = run(
        "roi",
        "-d",
        demo_url,
        "--days",
        "60",
        "--replications",
        "2",
        "--cost-per-unit-short",
        "7",
        "--output",
        "json",
    )
    assert code == 0
    payload = json.loads(out)
    assert payload["baseline"] == "all_buffer"
    assert payload["headline"]["assumed_cost_per_unit_short"] == 7.0
    assert {v["variant"] for v in payload["variants"]} == {"recommended", "all_jit", "all_buffer"}


def test_strategies_side_by_side_under_every_standard_scenario(demo_url: str) -> None:
    code, out, _ = run(
        "simulate",
        "-d",
        demo_url,
        "--compare",
        "--days",
        "60",
        "--replications",
        "2",
        "--output",
        "json",
    )
    assert code == 0
    rows = json.loads(out)["kpis"]
    scenarios = {r["scenario"] for r in rows}
    assert "baseline" in scenarios and {"port_closure", "supplier_outage"} <= scenarios
    assert {r["variant"] for r in rows} == {"recommended", "all_jit", "all_buffer"}
    assert len(rows) == 3 * len(scenarios)
    base = {r["variant"]: r for r in rows if r["scenario"] == "baseline"}
    assert base["all_jit"]["working_capital"] < base["all_buffer"]["working_capital"]


def test_charts_are_one_offline_html_file(demo_url: str, tmp_path: Path) -> None:
    import re

    target = tmp_path / "stress.html"
    code, _, _ = run(
        "simulate",
        "-d",
        demo_url,
        "--compare",
        "--days",
        "60",
        "--replications",
        "2",
        "--plot",
        str(target),
    )
    assert code == 0
    html = target.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=\"https?://", html)  # plotly.js inlined, no CDN
    assert html.count("Plotly.newPlot") == 3  # trade-off, exposure, trajectories
    assert "Service against inventory" in html and "Time-to-survive against" in html
    assert "On hand day by day" in html
