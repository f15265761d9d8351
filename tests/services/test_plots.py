"""Stress-test charts: trajectory bands, offline HTML, PNG through matplotlib, and
``takt simulate --plot`` / ``--trace`` on the demo database."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import polars as pl
import pytest

from takt.errors import InvalidInputError
from takt.services.plots import (
    TRACED_ITEMS,
    StressCharts,
    chart_format,
    most_exposed,
    trajectory_bands,
    write_charts,
)
from takt.simulate import Disruption, Scenario, compare_strategies, simulate
from tests.simulate.builders import base_stock
from tests.test_cli import run

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
OUTAGE = Scenario("outage", disruptions=(Disruption("supplier_outage", 20, 25, suppliers=("S1",)),))


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    assert data[12:16] == b"IHDR"  # the first chunk: width and height, big-endian
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def offline(html: str) -> bool:
    return not re.search(r"<script[^>]+src=[\"']?https?://", html)


@pytest.fixture(scope="module")
def charts() -> StressCharts:
    items = base_stock(
        4,
        supplier=["S1", "S1", "S2", "S2"],
        kanban_count=[6, 14, 10, 12],
        time_to_recover_days=[30.0, 10.0, 5.0, 20.0],
        unit_cost=3.0,
    )
    options: dict[str, object] = {"days": 90, "replications": 6, "seed": 4}
    normal = simulate(items, **options)  # type: ignore[arg-type]
    stressed = simulate(items, scenario=OUTAGE, trajectories=["I0", "I3"], **options)  # type: ignore[arg-type]
    policy = items.select("item", "kanban_count")
    comparison = compare_strategies(
        items,
        {"lean": items.select("item", pl.lit(5).alias("kanban_count")), "rich": policy},
        [OUTAGE],
        days=90,
        replications=3,
    )
    return StressCharts(
        exposures=(("normal conditions", normal.items), ("outage", stressed.items)),
        trajectories=stressed.trajectories,
        trajectory_run="under outage",
        kpis=comparison.kpis,
    )


def test_bands_by_hand() -> None:
    trajectories = pl.DataFrame(
        {
            "item": ["B"] * 4 + ["A"] * 2,
            "replication": [0, 0, 1, 1, 0, 0],
            "day": [0, 1, 0, 1, 0, 1],
            "on_hand": [10.0, 0.0, 20.0, 4.0, 3.0, 3.0],
            "stockout": [False, True, False, False, False, False],
            "reorder_point": [None, None, None, None, 2.0, 2.0],
            "order_up_to": [25.0] * 4 + [6.0] * 2,
        }
    )
    bands = trajectory_bands(trajectories)
    assert bands["item"].to_list() == ["B", "B", "A", "A"]  # the order traced, not a-z
    b = bands.filter(pl.col("item") == "B")
    assert b["median"].to_list() == [15.0, 2.0]
    assert b["p10"].to_list() == pytest.approx([11.0, 0.4])  # linear: 10 + 0.1·(20 − 10)
    assert b["p90"].to_list() == pytest.approx([19.0, 3.6])
    assert b["stockout_share"].to_list() == [0.0, 0.5]
    assert bands.filter(pl.col("item") == "A")["reorder_point"].to_list() == [2.0, 2.0]


def test_most_exposed_are_the_least_served_first() -> None:
    items = pl.DataFrame(
        {
            "item": ["ok", "short", "exposed", "worst", "unassessed"],
            "fill_rate": [1.0, 0.9, 1.0, 0.7, 1.0],
            "exposed_share": [0.0, 0.0, 0.4, 0.1, None],
            "tts_min_days": [9.0, 3.0, 2.0, 1.0, None],
        }
    )
    assert most_exposed(items) == ["worst", "short", "exposed"]
    assert most_exposed(items, 5)[-2:] == ["ok", "unassessed"]
    from takt.cli_simulate import TRACED

    assert TRACED == TRACED_ITEMS  # the CLI's help names the default without importing plots


def test_html_is_offline_and_shows_the_traced_items(charts: StressCharts, tmp_path: Path) -> None:
    target = write_charts(tmp_path / "stress.html", charts)
    html = target.read_text(encoding="utf-8")
    assert offline(html)
    assert html.count("Plotly.newPlot") == 4  # trade-off, two exposures, trajectories
    assert "I0: median on hand" in html and "I3: median on hand" in html
    assert "I3: stock-out days" in html and "I1: median" not in html
    assert "On hand day by day" in html and "under outage" in html


def test_png_through_matplotlib(charts: StressCharts, tmp_path: Path) -> None:
    width, height = png_size(write_charts(tmp_path / "stress.png", charts))
    assert width == 1400  # 14 inches at 100 dpi
    assert 800 <= height <= 2000  # the top row and two traced items
    only = StressCharts(trajectories=charts.trajectories.filter(pl.col("item") == "I0"))
    width, short = png_size(write_charts(tmp_path / "one.PNG", only))
    assert width == 1400 and 250 <= short < height


def test_chart_format_by_extension(tmp_path: Path) -> None:
    assert chart_format(Path("a.html")) == "html" and chart_format(Path("a.HTM")) == "html"
    assert chart_format(Path("a.png")) == "png"
    with pytest.raises(InvalidInputError, match=r"\.html or \.png"):
        chart_format(Path("a.pdf"))
    with pytest.raises(InvalidInputError, match="nothing to chart"):
        write_charts(tmp_path / "empty.png", StressCharts())


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    from takt.services.demo import build_demo_database

    path = tmp_path_factory.mktemp("plots") / "demo.db"
    build_demo_database(path, items=40, seed=5)
    return f"sqlite:///{path}"


def simulate_cli(demo_url: str, *args: str) -> tuple[int, str, str]:
    return run("simulate", "-d", demo_url, "--days", "60", "--replications", "3", *args)


def test_cli_html_traces_the_named_item(demo_url: str, tmp_path: Path) -> None:
    from takt.services.simulation import simulation_items
    from takt.store.db import make_engine

    item = str(simulation_items(make_engine(demo_url))["item"][0])
    target = tmp_path / "stress.html"
    code, _, err = simulate_cli(demo_url, "--plot", str(target), "--trace", item, "-o", "json")
    assert code == 0 and "charts ->" in err
    html = target.read_text(encoding="utf-8")
    assert offline(html)
    assert html.count("Plotly.newPlot") == 3  # exposure before and after, trajectories
    assert f"{item}: median on hand" in html
    assert html.count(": median on hand") == 1  # only the item asked for


def test_cli_png_with_compare_traces_the_most_exposed(demo_url: str, tmp_path: Path) -> None:
    target = tmp_path / "compare.png"
    code, _, _ = simulate_cli(demo_url, "--compare", "--plot", str(target), "-o", "json")
    assert code == 0
    width, height = png_size(target)
    assert width == 1400 and height > 1000  # the top row and three traced items


def test_cli_refuses_what_it_cannot_chart(demo_url: str, tmp_path: Path) -> None:
    code, _, err = simulate_cli(demo_url, "--trace", "X")
    assert code == 2 and "--plot" in err
    code, _, _ = simulate_cli(demo_url, "--plot", str(tmp_path / "x.pdf"))
    assert code == 1 and not (tmp_path / "x.pdf").exists()
    code, _, _ = simulate_cli(demo_url, "--plot", str(tmp_path / "x.png"), "--trace", "nope")
    assert code == 1 and not (tmp_path / "x.png").exists()
