"""Scale-out: the forecast and policy runs over item partitions on a Dask cluster
(``takt plan --engine dask --scheduler ADDRESS``), with the local engine's results.

How a run goes:

1. The demand history is exported as partitioned Parquet
   (:mod:`takt.services.history_export`) into a folder every worker can read (on a real
   cluster: shared storage); workers read their partition, not the database.
2. Each partition is classified, backtested and forecast on a worker
   (:func:`takt.services.forecast_parts.forecast_partition`). As partitions finish,
   their per-item rows (accuracy, forecasts) are written to the store in batches.
3. The client combines the parts where a run needs every item (global ABC, pooled
   lead-time-demand error quantiles, accuracy summary) and writes those rows.
4. Item features are assembled and calibrated
   (:func:`takt.services.policy.calibrated_features`) from the store as for the local
   engine on the client, split into partitions, segmented and sized on the workers
   (:func:`takt.services.policy.size_policies`); policies are written per partition.

Each forecast partition also fits its items' calibration holdout
(:func:`takt.services.forecast_parts.holdout_fit`), written with the partition's other
per-item rows (:func:`takt.services.forecasting.store_part`).

Only the client touches the database. Runs stay ``running`` (invisible to every reader)
until all their rows are in; a failure (a task's error, workers lost more often than
the scheduler allows) deletes the rows already written and marks the run failed, so
nothing half-written is ever read. Dask reruns the tasks of a worker that dies.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
from sqlalchemy import Engine, delete

from takt.errors import InvalidInputError, TaktError
from takt.services.forecast_parts import (
    ForecastPart,
    ForecastSpec,
    combine_parts,
    forecast_partition,
    ltd_horizon,
)
from takt.services.forecasting import (
    ForecastRunResult,
    discard_results,
    finish_forecast,
    lead_times_in_periods,
    run_parameters,
    store_part,
    store_tables,
)
from takt.services.history_export import (
    DEFAULT_ITEMS_PER_PARTITION,
    HistoryExport,
    export_demand_history,
    read_history_partition,
    split_items,
)
from takt.services.policy import (
    PolicyRunResult,
    _overrides,
    calibrated_features,
    finish_policy,
    size_policies,
    store_policies,
)
from takt.services.runs import latest_run_parameters, recorded_run
from takt.services.simulation import StressTest
from takt.simulate import SimulationResult, merge_results, pin_scenario, simulate
from takt.simulate.scenarios import Scenario
from takt.store.db import require_current, transaction
from takt.store.models import ItemPolicyRow

if TYPE_CHECKING:
    from distributed import Client

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ScaleSettings:
    grain: str = "week"
    horizon: int = 13
    backtest_windows: int | None = None
    backtest_horizon: int | None = None
    partitions: int | None = None  # default: one per 25,000 items, at least 2 per worker
    rules: str | Path | None = None
    calibration: bool | None = None  # default: the setting policy_calibration
    holdout_days: int | None = None  # default: the setting policy_holdout_days
    demand_source: str | None = None  # default: the setting policy_demand_source
    forecast_holdout_periods: int | None = None  # default: one year of the grain; 0: none


@dataclass(frozen=True)
class ScaleResult:
    forecast: ForecastRunResult
    policy: PolicyRunResult
    history: HistoryExport
    partitions: int
    workers: int
    seconds: dict[str, float]


def refresh_settings(engine: Engine, partitions: int | None = None) -> ScaleSettings:
    """The latest forecast run's grain, horizon, backtest and holdout (defaults when
    none)."""
    params = latest_run_parameters(engine, "forecast")
    return ScaleSettings(
        grain=params.get("grain", "week"),
        horizon=int(params.get("horizon", 13)),
        backtest_windows=params.get("backtest_windows"),
        backtest_horizon=params.get("backtest_horizon"),
        partitions=partitions,
        forecast_holdout_periods=params.get("holdout_periods"),
    )


@contextmanager
def dask_client(scheduler: str | Client | None, workers: int | None = None) -> Iterator[Client]:
    """A client of the cluster at ``scheduler`` (an address or a client), or of a local
    cluster of ``workers`` processes (default: one per core) started for the run."""
    from distributed import Client, LocalCluster

    if isinstance(scheduler, Client):
        yield scheduler
        return
    if scheduler:
        try:
            client = Client(scheduler, timeout="10s")
        except OSError as exc:
            raise InvalidInputError(
                f"cannot reach the Dask scheduler at {scheduler}: {exc}"
            ) from exc
        with client:
            yield client
        return
    import os

    n = workers or os.cpu_count() or 1
    with (
        LocalCluster(
            n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as c,
        Client(c) as client,
    ):
        yield client


def plan_on_dask(
    engine: Engine,
    *,
    scheduler: str | Client | None = None,
    settings: ScaleSettings | None = None,
    history_dir: str | Path | None = None,
    actor: str = "cli",
    progress: Progress | None = None,
) -> ScaleResult:
    """Forecast and size every item on a Dask cluster; store both runs (kinds
    ``forecast`` and ``policy``, parameters ``engine: dask``) as the local engine would.

    ``history_dir``: where the Parquet history goes; it must be a folder every worker
    can read (shared storage). Left out, a temporary folder here: only for a cluster on
    this machine."""
    require_current(engine)
    settings = settings or ScaleSettings()
    if history_dir is None and isinstance(scheduler, str) and not _on_this_machine(scheduler):
        raise InvalidInputError(
            f"the workers of {scheduler} cannot read a folder on this machine: name a shared "
            "folder for the demand history (--history)"
        )
    with dask_client(scheduler) as client, _history_folder(history_dir) as folder:
        workers = max(1, len(client.scheduler_info()["workers"]))
        started = datetime.now(UTC)
        export = _export(engine, folder, settings, workers, progress)
        exported = datetime.now(UTC)
        forecast = _forecast(engine, client, export, settings, actor, workers, progress)
        forecasted = datetime.now(UTC)
        policy = _policy(engine, client, settings, actor, len(export.partitions), progress)
        done = datetime.now(UTC)
    seconds = {
        "export": (exported - started).total_seconds(),
        "forecast": (forecasted - exported).total_seconds(),
        "policy": (done - forecasted).total_seconds(),
    }
    return ScaleResult(forecast, policy, export, len(export.partitions), workers, seconds)


def _on_this_machine(address: str) -> bool:
    from urllib.parse import urlsplit

    host = urlsplit(address if "://" in address else f"tcp://{address}").hostname or ""
    return host in ("localhost", "127.0.0.1", "::1") or host.startswith("127.")


@contextmanager
def _history_folder(history_dir: str | Path | None) -> Iterator[Path]:
    if history_dir is not None:
        yield Path(history_dir)
        return
    with tempfile.TemporaryDirectory(prefix="takt-history-") as tmp:
        yield Path(tmp) / "history"


def _export(
    engine: Engine,
    folder: Path,
    settings: ScaleSettings,
    workers: int,
    progress: Progress | None,
) -> HistoryExport:
    from takt.services.forecasting import history_as_of
    from takt.services.history_export import history_item_ids

    partitions = settings.partitions
    if partitions is None:
        items = len(history_item_ids(engine, settings.grain, history_as_of(engine, None)))
        partitions = max(2 * workers, math.ceil(items / DEFAULT_ITEMS_PER_PARTITION))
    return export_demand_history(
        engine,
        folder,
        grain=settings.grain,
        partitions=partitions,
        progress=(lambda k, n: progress("export", k, n)) if progress else None,
    )


def forecast_task(path: str, lead_times: dict[str, float], spec: ForecastSpec) -> ForecastPart:
    """One partition on a worker: read its Parquet file, classify, backtest, forecast."""
    history = read_history_partition(path)
    frame = history.select(pl.col("item_id").cast(pl.Utf8).alias("item"), "period", "qty")
    return forecast_partition(frame, lead_times, spec)


def _forecast(
    engine: Engine,
    client: Client,
    export: HistoryExport,
    settings: ScaleSettings,
    actor: str,
    workers: int,
    progress: Progress | None,
) -> ForecastRunResult:
    if export.last_period is None:
        raise InvalidInputError(f"no complete {settings.grain} of demand before {export.as_of}")
    started = datetime.now(UTC)
    lead_times = lead_times_in_periods(engine, settings.grain)
    # A partition can be empty: its items have demand only in the period not yet complete.
    filled = [p for p in export.partitions if p.rows]
    paths = [str(export.directory / p.path) for p in filled]
    ranges = [(p.first_item_id, p.last_item_id) for p in filled]
    subsets = [{k: v for k, v in lead_times.items() if lo <= int(k) <= hi} for lo, hi in ranges]
    items = [str(i) for lo, hi in ranges for i in _ids_in(lo, hi, export)]
    windows = settings.backtest_windows or {"day": 14, "week": 8, "month": 7}[settings.grain]
    spec = ForecastSpec(
        grain=settings.grain,
        horizon=settings.horizon,
        backtest_windows=windows,
        backtest_horizon=settings.backtest_horizon
        or {"day": 14, "week": 8, "month": 6}[settings.grain],
        last_period=export.last_period,
        ltd_horizon=ltd_horizon(settings.horizon, [lead_times.get(i, 1.0) for i in items]),
        holdout_periods=settings.forecast_holdout_periods,
    )
    params = run_parameters(spec, actor, engine="dask", partitions=len(paths), workers=workers)
    run = recorded_run(engine, kind="forecast", as_of=export.as_of, parameters=params)
    with run as run_id, _discard_on_failure(lambda: discard_results(engine, run_id)):
        futures = client.map(forecast_task, paths, subsets, spec=spec, pure=False)
        parts = []
        for k, (_, part) in enumerate(_results(client, futures)):
            with transaction(engine) as session:
                store_part(session, run_id, part)
            parts.append(part.without_forecasts())
            if progress is not None:
                progress("forecast", k + 1, len(futures))
        tables = combine_parts(parts, spec)
        with transaction(engine) as session:
            store_tables(session, run_id, tables)
    seconds = (datetime.now(UTC) - started).total_seconds()
    extra = {"engine": "dask", "partitions": len(paths)}
    return finish_forecast(engine, run_id, tables, seconds, extra)


def _ids_in(lo: int, hi: int, export: HistoryExport) -> Sequence[int]:
    """The history's item ids in [lo, hi] (read from the export's partition)."""
    part = next(p for p in export.partitions if p.first_item_id == lo and p.last_item_id == hi)
    frame = pl.scan_parquet(export.directory / part.path).select("item_id").unique().collect()
    return frame["item_id"].to_list()


def policy_task(
    feats: pl.DataFrame, table: Any, overrides: pl.DataFrame, days_per_period: float
) -> pl.DataFrame:
    """One partition on a worker: segment and size its items."""
    return size_policies(feats, table, overrides, days_per_period)


def _policy(
    engine: Engine,
    client: Client,
    settings: ScaleSettings,
    actor: str,
    partitions: int,
    progress: Progress | None,
) -> PolicyRunResult:
    from takt.policy.segment import load_rules

    started = datetime.now(UTC)
    table = load_rules(settings.rules)
    # On the client, before partitioning: b and φ are estimated over all items.
    chosen = calibrated_features(
        engine,
        calibration=settings.calibration,
        holdout_days=settings.holdout_days,
        demand_source=settings.demand_source,
    )
    feats, as_of, days_per_period = chosen.features, chosen.as_of, chosen.days_per_period
    overrides = _overrides(engine)
    groups = split_items(feats["item_id"].to_list(), partitions)
    pieces = [feats.filter(pl.col("item_id").is_between(g[0], g[-1])) for g in groups if len(g)]
    params = {
        "rules": table.source,
        "actor": actor,
        "engine": "dask",
        "partitions": len(pieces),
        **chosen.parameters,
    }
    with recorded_run(engine, kind="policy", as_of=as_of, parameters=params) as run_id:

        def discard() -> None:
            with transaction(engine) as session:
                session.execute(delete(ItemPolicyRow).where(ItemPolicyRow.run_id == run_id))

        with _discard_on_failure(discard):
            scattered_table = client.scatter(table, broadcast=True)
            scattered_overrides = client.scatter(overrides, broadcast=True)
            futures = client.map(
                policy_task,
                client.scatter(pieces),
                table=scattered_table,
                overrides=scattered_overrides,
                days_per_period=days_per_period,
                pure=False,
            )
            done = []
            for k, (_, policies) in enumerate(_results(client, futures)):
                with transaction(engine) as session:
                    store_policies(session, run_id, policies)
                done.append(policies)
                if progress is not None:
                    progress("policy", k + 1, len(futures))
        policies = pl.concat(done, how="vertical_relaxed").sort("item_id")
    extra = {"engine": "dask", "partitions": len(pieces)}
    return finish_policy(engine, run_id, policies, started, extra, calibration=chosen.calibration)


def simulate_task(
    items: pl.DataFrame, scenario: Scenario | None, settings: dict[str, Any]
) -> tuple[SimulationResult, SimulationResult | None]:
    """One partition on a worker: its items in normal conditions and under ``scenario``
    (pinned on all the items by the client)."""
    baseline = simulate(items, partial=True, **settings)
    stressed = simulate(items, scenario=scenario, partial=True, **settings) if scenario else None
    return baseline, stressed


def stress_test_on_dask(
    engine: Engine,
    *,
    scheduler: str | Client | None = None,
    scenario: str | Path | None = "supplier_outage",
    days: int = 365,
    replications: int = 20,
    seed: int = 0,
    lost_sales: bool = False,
    partitions: int | None = None,
    progress: Progress | None = None,
) -> StressTest:
    """:func:`takt.services.simulation.stress_test` over item partitions on a Dask
    cluster: the same item KPIs, pooled KPIs equal to rounding, the same stored run."""
    from takt.services.runs import finish_run
    from takt.services.simulation import _summary, simulation_items

    require_current(engine)
    items = simulation_items(engine)
    if items.height == 0:
        raise InvalidInputError("no item with an automatic policy and demand to simulate")
    settings = {"days": days, "replications": replications, "seed": seed, "lost_sales": lost_sales}
    pinned = pin_scenario(items, scenario, days=days) if scenario else None
    with dask_client(scheduler) as client:
        workers = max(1, len(client.scheduler_info()["workers"]))
        count = partitions or max(
            2 * workers, math.ceil(items.height / DEFAULT_ITEMS_PER_PARTITION)
        )
        rows = split_items(range(items.height), count)
        pieces = [items[r[0] : r[-1] + 1] for r in rows]
        parameters = {
            "scenario": str(scenario) if scenario else None,
            **settings,
            "engine": "dask",
            "partitions": len(pieces),
        }
        run = recorded_run(
            engine,
            kind="simulation",
            as_of=datetime.now(UTC).date(),
            parameters=parameters,
            seed=seed,
        )
        with run as run_id:
            futures = client.map(
                simulate_task,
                client.scatter(pieces),
                scenario=client.scatter(pinned, broadcast=True) if pinned else None,
                settings=settings,
                pure=False,
            )
            results: list[Any] = [None] * len(futures)
            for k, (position, result) in enumerate(_results(client, futures)):
                results[position] = result
                if progress is not None:
                    progress("simulation", k + 1, len(futures))
            baseline = merge_results([r[0] for r in results])
            stressed = merge_results([r[1] for r in results]) if pinned else None
            finish_run(engine, run_id, _summary(items, baseline, stressed))
    return StressTest(items, baseline, stressed, run_id)


def _results(client: Client, futures: list[Any]) -> Iterator[tuple[int, Any]]:
    """``(position, result)`` of each future as it completes; on the first failure the
    others are cancelled and the error is raised naming the task."""
    from distributed import as_completed

    position = {f.key: k for k, f in enumerate(futures)}
    try:
        for future in as_completed(futures):
            try:
                yield position[future.key], future.result()
            except TaktError:
                raise
            except Exception as exc:
                raise TaktError(f"a partition failed on the cluster ({future.key}): {exc}") from exc
    finally:
        client.cancel([f for f in futures if not f.done()])


@contextmanager
def _discard_on_failure(discard: Callable[[], None]) -> Iterator[None]:
    try:
        yield
    except BaseException:
        discard()
        raise
