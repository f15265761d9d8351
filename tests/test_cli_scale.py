"""Scale-out on the command line: the partitioned history export and ``takt plan
--engine dask`` against a running scheduler, and their one-line refusals."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from takt.demo.generator import DemoConfig, generate
from takt.services.imports import import_frame
from takt.services.supplier_signals import run_supplier_signals
from takt.store.db import make_engine, upgrade
from tests.test_cli import run, run_main

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster:
        yield cluster.scheduler_address


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 's.db'}"
    engine = make_engine(url)
    upgrade(engine)
    frames = generate(DemoConfig(items=60, seed=4))
    for kind in (
        "items",
        "suppliers",
        "offers",
        "agreements",
        "inventory",
        "purchase-orders",
        "receipts",
        "signals",
    ):
        import_frame(engine, kind, frames[kind])
    run_supplier_signals(engine)
    engine.dispose()
    return url


def test_export_demand_history_as_partitioned_parquet(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "history"
    code, out, _ = run(
        "export", "demand-history", "--out", str(folder), "--partitions", "2", "-d", url
    )
    assert code == 0, out
    assert "of 60 items in 2 partition(s), weekly" in out
    manifest = json.loads((folder / "_takt_history.json").read_text())
    assert [p["items"] for p in manifest["partitions"]] == [30, 30]
    code, _, err = run_main(
        capsys, monkeypatch, "export", "demand-history", "--out", str(folder), "--format", "csv"
    )
    assert code == 1 and "demand-history is exported as partitioned Parquet" in err


def test_plan_refreshes_on_dask_then_plans(url: str, scheduler: str, tmp_path: Path) -> None:
    code, out, _ = run(
        "plan",
        "--engine",
        "dask",
        "--scheduler",
        scheduler,
        "--partitions",
        "3",
        "--history",
        str(tmp_path / "h"),
        "-d",
        url,
    )
    assert code == 0, out
    assert "On Dask (2 worker(s), 3 partitions)" in out and "of 60 items" in out
    assert "Plan run" in out
    code, out, _ = run("runs", "-d", url, "--output", "json")
    kinds = [(r["kind"], r["status"]) for r in json.loads(out)]
    assert kinds[:3] == [("plan", "succeeded"), ("policy", "succeeded"), ("forecast", "succeeded")]
    code, out, _ = run("plan", "--refresh", "-d", url)
    assert code == 0 and ", local" in out and "Plan run" in out
    code, out, _ = run(
        *("simulate", "--engine", "dask", "--scheduler", scheduler, "--partitions", "2"),
        *("--days", "60", "--replications", "3", "--output", "json", "-d", url),
    )
    assert code == 0, out
    stressed = json.loads(out)
    assert stressed["scenario"] == "supplier_outage" and stressed["targets"]
    code, out, _ = run("runs", "-d", url, "--output", "json")
    assert json.loads(out)[0]["kind"] == "simulation"


def test_compare_stays_local(
    url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run_main(capsys, monkeypatch, "simulate", "--compare", "--engine", "dask")
    assert code == 1 and "--compare runs on the local engine" in err


def test_unreachable_scheduler_is_one_line(
    url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run_main(
        capsys,
        monkeypatch,
        "plan",
        "--engine",
        "dask",
        "--scheduler",
        "tcp://127.0.0.1:9",
        "-d",
        url,
    )
    assert code == 1
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err
    assert "Traceback" not in err


def test_a_remote_cluster_needs_a_shared_history_folder(
    url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ("plan", "--engine", "dask", "--scheduler", "tcp://10.1.2.3:8786", "-d", url)
    code, _, err = run_main(capsys, monkeypatch, *args)
    assert code == 1 and "name a shared folder for the demand history (--history)" in err
