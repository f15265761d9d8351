"""The Dask engine on a LocalCluster: the same forecast and policy tables as the local
engine for the same data (the forecast holdout, and the policies on either demand
source, included), a worker killed mid-run survived, and a run that cannot finish leaves
nothing half-written."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import dask
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from sqlalchemy import Engine, func, select

from takt.demo.generator import DemoConfig, generate
from takt.errors import TaktError
from takt.services.forecasting import EXPORTS, export_run, run_forecast
from takt.services.imports import import_frame
from takt.services.policy import export_policies, run_policy
from takt.services.scale import (
    ScaleSettings,
    plan_on_dask,
    refresh_settings,
    stress_test_on_dask,
)
from takt.services.simulation import stress_test
from takt.services.supplier_signals import export_supplier_run, run_supplier_signals
from takt.store.models import (
    ForecastAccuracyRow,
    ForecastHoldoutRow,
    ForecastRow,
    ItemClassificationRow,
    ItemPolicyRow,
    LeadTimeDemandRow,
    PlanRunRow,
)

distributed = pytest.importorskip("distributed")

KINDS = (
    "items",
    "suppliers",
    "offers",
    "agreements",
    "inventory",
    "purchase-orders",
    "receipts",
    "signals",
    "risk-events",
)
SETTINGS = ScaleSettings(grain="week", horizon=8, partitions=6)


def _cluster(**config: Any) -> Iterator[Any]:
    with (
        dask.config.set(config),
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    yield from _cluster()


@pytest.fixture(scope="module")
def frames() -> dict[str, pl.DataFrame]:
    return generate(DemoConfig(items=90, seed=13))


def prepare(engine: Engine, frames: dict[str, pl.DataFrame]) -> tuple[int, int]:
    """The demo data, a supplier run, and the local engine's forecast and policy runs."""
    for kind in KINDS:
        import_frame(engine, kind, frames[kind])
    run_supplier_signals(engine)
    forecast = run_forecast(engine, grain="week", horizon=8)
    policy = run_policy(engine)
    return forecast.run_id, policy.run_id


def assert_same_runs(engine: Engine, local: tuple[int, int], dask_runs: tuple[int, int]) -> None:
    assert "holdout" in EXPORTS  # the table forecast_holdout
    for what in EXPORTS:
        assert_frame_equal(
            export_run(engine, what, local[0]),
            export_run(engine, what, dask_runs[0]),
            check_exact=True,
        )
    assert_frame_equal(
        export_policies(engine, local[1]), export_policies(engine, dask_runs[1]), check_exact=True
    )


def kill_a_busy_worker(client: Any) -> None:
    """SIGKILL the process of a worker that is running a task (its nanny restarts it)."""
    busy = [w for w, keys in client.processing().items() if keys]
    assert busy, "no task in flight to interrupt"
    pid = client.run(os.getpid, workers=[busy[0]])[busy[0]]
    os.kill(pid, signal.SIGKILL)


def test_dask_engine_gives_the_local_engine_tables(
    engine: Engine, frames: dict[str, pl.DataFrame], client: Any, tmp_path: Any
) -> None:
    local = prepare(engine, frames)
    seen: list[tuple[str, int, int]] = []
    result = plan_on_dask(
        engine,
        scheduler=client,
        settings=SETTINGS,
        history_dir=tmp_path / "history",
        progress=lambda stage, done, total: seen.append((stage, done, total)),
    )
    assert result.partitions == 6 and result.workers == 2
    assert result.history.items == 90
    assert ("forecast", 6, 6) in seen and seen[-1][0] == "policy"
    assert_same_runs(engine, local, (result.forecast.run_id, result.policy.run_id))
    # Both engines sized the calibrated demand (the demo has 730 days of history), on
    # the forecasts calibrated on the forecast run's holdout.
    assert export_run(engine, "holdout", result.forecast.run_id).height >= 80
    calibration = result.policy.calibration
    assert calibration is not None and calibration.applied
    assert calibration.source == "forecast" and calibration.holdout_periods == 52
    again = run_policy(engine).calibration
    assert again is not None and again.table.equals(calibration.table)
    # The other source: the same policy table from both engines too.
    history = plan_on_dask(
        engine,
        scheduler=client,
        settings=replace(SETTINGS, demand_source="history"),
        history_dir=tmp_path / "again",
    )
    assert history.policy.calibration is not None
    assert history.policy.calibration.source == "history" and history.policy.calibration.applied
    local_history = run_policy(engine, demand_source="history")
    assert_frame_equal(
        export_policies(engine, local_history.run_id),
        export_policies(engine, history.policy.run_id),
        check_exact=True,
    )
    assert not export_policies(engine, local_history.run_id).equals(
        export_policies(engine, local[1])
    )
    assert result.forecast.overall == pytest.approx(
        run_forecast_overall(engine, local[0]), rel=1e-12
    )
    with engine.connect() as conn:
        params = conn.execute(
            select(PlanRunRow.parameters).where(PlanRunRow.id == result.forecast.run_id)
        ).scalar_one()
    assert params["engine"] == "dask" and params["partitions"] == 6
    assert params["holdout_periods"] == 52
    # A nightly refresh repeats the latest forecast run's settings.
    refresh = refresh_settings(engine)
    assert refresh.horizon == 8 and refresh.forecast_holdout_periods == 52


def run_forecast_overall(engine: Engine, run_id: int) -> dict[str, Any]:
    with engine.connect() as conn:
        summary = conn.execute(
            select(PlanRunRow.summary).where(PlanRunRow.id == run_id)
        ).scalar_one()
    return summary["overall"]  # type: ignore[no-any-return]


def test_a_worker_killed_mid_run_is_survived(
    engine: Engine, frames: dict[str, pl.DataFrame], client: Any
) -> None:
    local = prepare(engine, frames)
    killed: list[int] = []

    def kill_once(stage: str, done: int, total: int) -> None:
        if stage == "forecast" and not killed:
            kill_a_busy_worker(client)
            killed.append(done)

    result = plan_on_dask(engine, scheduler=client, settings=SETTINGS, progress=kill_once)
    assert killed == [1]
    assert_same_runs(engine, local, (result.forecast.run_id, result.policy.run_id))


def test_a_run_that_cannot_finish_leaves_nothing_half_written(
    engine: Engine, frames: dict[str, pl.DataFrame]
) -> None:
    prepare(engine, frames)
    written: list[int] = []

    def kill_after_a_batch(stage: str, done: int, total: int) -> None:
        if stage == "forecast" and not written:
            with engine.connect() as conn:
                written.append(conn.execute(select(func.count()).select_from(ForecastRow)).one()[0])
            kill_a_busy_worker(fragile)

    # No task may be retried after its worker dies: the kill fails the run.
    for fragile in _cluster(**{"distributed.scheduler.allowed-failures": 0}):
        with pytest.raises(TaktError, match=r"a partition failed on the cluster .* workers died"):
            plan_on_dask(engine, scheduler=fragile, settings=SETTINGS, progress=kill_after_a_batch)
    with engine.connect() as conn:
        failed = conn.execute(
            select(PlanRunRow.id, PlanRunRow.status, PlanRunRow.error)
            .where(PlanRunRow.kind == "forecast")
            .order_by(PlanRunRow.id.desc())
            .limit(1)
        ).one()
        assert failed.status == "failed" and "workers died" in failed.error
        # The first partition's batch had been written, and is gone again.
        assert written and written[0] > 0
        for model in (
            ForecastRow,
            ForecastAccuracyRow,
            ItemClassificationRow,
            LeadTimeDemandRow,
            ForecastHoldoutRow,
        ):
            count = conn.execute(
                select(func.count()).select_from(model).where(model.run_id == failed.id)
            ).one()[0]
            assert count == 0, model.__tablename__
        # No policy run was started from it.
        policies = conn.execute(
            select(func.count()).select_from(ItemPolicyRow).where(ItemPolicyRow.run_id > failed.id)
        ).one()[0]
        assert policies == 0


def test_stress_test_on_dask_matches_the_local_one(
    engine: Engine, frames: dict[str, pl.DataFrame], client: Any
) -> None:
    prepare(engine, frames)
    kwargs = {"scenario": "supplier_outage", "days": 120, "replications": 5, "seed": 3}
    local = stress_test(engine, **kwargs)  # type: ignore[arg-type]
    spread = stress_test_on_dask(engine, scheduler=client, partitions=4, **kwargs)  # type: ignore[arg-type]
    assert local.scenario is not None and spread.scenario is not None
    for mine, theirs in ((spread.baseline, local.baseline), (spread.scenario, local.scenario)):
        assert_frame_equal(mine.items, theirs.items, check_exact=True)
        for pooled in ("overall", "strategies", "suppliers"):
            assert_frame_equal(
                getattr(mine, pooled), getattr(theirs, pooled), check_exact=False, rel_tol=1e-12
            )
    # The outage hit the same (largest) supplier although only some partitions hold it.
    assert_frame_equal(spread.scenario.targets, local.scenario.targets)
    assert spread.scenario.targets.height >= 1
    with engine.connect() as conn:
        run = conn.execute(
            select(
                PlanRunRow.kind, PlanRunRow.status, PlanRunRow.parameters, PlanRunRow.summary
            ).where(PlanRunRow.id == spread.run_id)
        ).one()
    assert (run.kind, run.status) == ("simulation", "succeeded")
    assert run.parameters["engine"] == "dask" and run.parameters["partitions"] == 4
    assert run.summary["items"] == local.items.height
    assert run.summary["scenario"]["exposed_items"] == (
        local.scenario.items["exposed"].fill_null(False).sum()
    )


def test_the_local_engine_is_bit_reproducible(
    engine: Engine, frames: dict[str, pl.DataFrame]
) -> None:
    """Sums over items and lines are taken in a fixed order, so a rerun on the same data
    gives the same bits (what 'identical to the local engine' rests on)."""
    first = prepare(engine, frames)
    supplier_runs = [run_supplier_signals(engine).run_id for _ in range(2)]
    for what in ("scorecards", "lead-times"):
        assert_frame_equal(
            export_supplier_run(engine, what, supplier_runs[0]),
            export_supplier_run(engine, what, supplier_runs[1]),
            check_exact=True,
        )
    second = (run_forecast(engine, grain="week", horizon=8).run_id, run_policy(engine).run_id)
    assert_same_runs(engine, first, second)
