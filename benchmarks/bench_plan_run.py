"""Speed of the plan run end to end, and of the pull trigger, on SQLite and PostgreSQL.

For each backend: a fresh database gets the demo generator's data for ``--items`` items
(default 100,000: items, suppliers, offers, blanket agreements, inventory, two years of
purchase orders and receipts; through the importers), and a policy run sized by the
real policy engine from each item's generated weekly demand (strategy and logic drawn
in a fixed mix; this skips the forecast, which has its own benchmark). Then:

- ``takt plan`` end to end (``run_plan``: read positions, policies, offers and open
  lines, project, source, decide, write proposals and POs in one transaction), once on
  the fresh data and once more (the re-plan supersedes the first plan's open proposals);
- the pull trigger: ``--signals`` single signals (``post_signal``) on random items, each
  its own transaction, latency p50 / p99 / max;
- baseline in the same run: a per-item loop the way a script over the ORM would do it
  (per item: read the inventory row, the open lines and receipts, the policy and the
  offers, decide and insert the proposal), on ``--baseline-items`` items, extrapolated.

    python benchmarks/bench_plan_run.py [--items 100000] [--backends sqlite postgresql]
        [--signals 300] [--baseline-items 1000]
"""

from __future__ import annotations

import argparse
import math
import resource
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import numpy as np
import polars as pl
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from takt.demo.generator import DemoConfig, iter_chunks
from takt.policy.parameters import ParameterConfig, compute_parameters
from takt.services.imports import ImportOptions, import_frame
from takt.services.policy import store_policies
from takt.services.replenish import run_plan
from takt.services.runs import finish_run, recorded_run
from takt.services.trigger import post_signal
from takt.store.db import make_engine, transaction, upgrade
from takt.store.models import (
    InventoryRow,
    ItemPolicyRow,
    ItemRow,
    OfferRow,
    ProposalRow,
    PurchaseOrderLineRow,
    PurchaseOrderRow,
    ReceiptRow,
)

KINDS = (
    "suppliers",
    "items",
    "offers",
    "agreements",
    "inventory",
    "purchase-orders",
    "receipts",
    "risk-events",
)
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def fresh_url(backend: str, folder: Path) -> tuple[str, object]:
    if backend == "sqlite":
        return f"sqlite:///{folder / 'plan.db'}", None
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"takt_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False), drop


def load(engine, n_items: int, seed: int) -> pl.DataFrame:  # type: ignore[no-untyped-def]
    """Import the generator's data; return weekly demand stats and the primary offer per item."""
    stats = []
    options = ImportOptions(actor="bench")
    for index, frames in enumerate(
        iter_chunks(DemoConfig(items=n_items, seed=seed), chunk_items=10_000, grain="week")
    ):
        for kind in KINDS:
            if kind in frames and frames[kind].height:
                import_frame(
                    engine, kind, frames[kind], source=f"bench:{kind}:{index}", options=options
                )
        weekly = frames["demand-series"]
        stats.append(
            weekly.group_by("sku", "location").agg(
                (pl.col("qty").mean() / 7).alias("demand_mean"),
                (pl.col("qty").std() / math.sqrt(7)).alias("demand_sd"),
                (pl.col("qty") > 0).mean().alias("nonzero"),
                (
                    pl.col("qty").filter(pl.col("qty") > 0).std()
                    / pl.col("qty").filter(pl.col("qty") > 0).mean()
                )
                .pow(2)
                .alias("cv2"),
            )
        )
        print(f"  chunk {index + 1}: imported", flush=True)
    return pl.concat(stats)


def make_policy(engine, stats: pl.DataFrame, seed: int) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as session:
        items = pl.DataFrame(
            session.execute(
                select(
                    ItemRow.id,
                    ItemRow.sku,
                    ItemRow.location,
                    ItemRow.criticality,
                    ItemRow.unit_cost,
                )
            ).all(),
            schema={
                "item_id": pl.Int64,
                "sku": pl.Utf8,
                "location": pl.Utf8,
                "criticality": pl.Utf8,
                "unit_cost": pl.Float64,
            },
            orient="row",
        ).with_columns(pl.col("criticality").cast(pl.Utf8))
        offers = pl.DataFrame(
            session.execute(
                select(
                    OfferRow.item_id,
                    OfferRow.quoted_lead_time_days,
                    OfferRow.moq,
                    OfferRow.pack_multiple,
                ).where(OfferRow.role == "primary")
            ).all(),
            schema={
                "item_id": pl.Int64,
                "lt": pl.Float64,
                "moq": pl.Float64,
                "pack_multiple": pl.Float64,
            },
            orient="row",
        ).unique("item_id")
    items = items.with_columns(
        pl.col("criticality").str.replace("Criticality.", "").str.to_lowercase()
    )
    rng = np.random.default_rng(seed)
    n = items.height
    strategy = rng.choice(["jit", "hybrid", "buffer"], n, p=[0.3, 0.3, 0.4])
    logic = np.where(
        strategy == "jit",
        "kanban",
        rng.choice(["rop", "min_max", "order_up_to"], n, p=[0.5, 0.3, 0.2]),
    )
    frame = (
        items.join(stats, on=["sku", "location"], how="left")
        .join(offers, on="item_id", how="left")
        .with_columns(
            pl.Series("strategy", strategy),
            pl.Series("logic", logic),
            (pl.col("sku") + "@" + pl.col("location")).alias("item"),
            pl.when(pl.col("nonzero") > 0.8)
            .then(pl.lit("smooth"))
            .otherwise(pl.lit("intermittent"))
            .alias("pattern"),
            pl.lit("B").alias("abc"),
            (1 / pl.col("nonzero").clip(1e-3, 1)).alias("adi"),
            pl.col("lt").alias("lead_time_mean_days"),
            (pl.col("lt") * 0.3).alias("lead_time_sd_days"),
        )
    )
    params = compute_parameters(frame, ParameterConfig(demand_period_days=7.0), seed=0)
    policies = (
        frame.select(
            "item",
            "item_id",
            "strategy",
            "logic",
            pl.col("demand_mean").alias("demand_per_day"),
            pl.col("lt").alias("lead_time_days"),
        )
        .join(params, on="item")
        .with_columns(pl.lit("bench").alias("rule"), pl.lit("benchmark policy").alias("reason"))
    )
    as_of = datetime.now(UTC).date()
    with (
        recorded_run(engine, kind="policy", as_of=as_of, parameters={"bench": True}) as run_id,
        transaction(engine) as session,
    ):
        store_policies(session, run_id, policies)
    finish_run(engine, run_id, {"items": policies.height})


def baseline(engine, n: int, seed: int) -> float:  # type: ignore[no-untyped-def]
    """Seconds per item of a per-item ORM loop making the same order decision."""
    with transaction(engine) as session:
        ids = [r[0] for r in session.execute(select(ItemRow.id).order_by(ItemRow.id))]
        policy_run = session.execute(select(func.max(ItemPolicyRow.run_id))).scalar_one()
    rng = np.random.default_rng(seed)
    sample = rng.choice(ids, min(n, len(ids)), replace=False)
    started = time.perf_counter()
    with transaction(engine) as session:
        for item_id in sample.tolist():
            inv = session.get(InventoryRow, item_id)
            on_hand = inv.on_hand - inv.backordered - inv.allocated if inv else 0.0
            on_order = 0.0
            lines = (
                session.execute(
                    select(PurchaseOrderLineRow)
                    .join(PurchaseOrderRow)
                    .where(
                        PurchaseOrderLineRow.item_id == item_id,
                        PurchaseOrderRow.status.in_(
                            ["approved", "sent", "acknowledged", "shipped", "partially_received"]
                        ),
                    )
                )
                .scalars()
                .all()
            )
            for line in lines:
                got = session.execute(
                    select(func.coalesce(func.sum(ReceiptRow.qty_received), 0.0)).where(
                        ReceiptRow.po_line_id == line.id
                    )
                ).scalar_one()
                on_order += max(line.qty - got, 0.0)
            pol = session.get(ItemPolicyRow, (policy_run, item_id))
            if pol is None or pol.reorder_point is None:
                continue
            position = on_hand + on_order
            if position > pol.reorder_point:
                continue
            offer = (
                session.execute(
                    select(OfferRow).where(OfferRow.item_id == item_id, OfferRow.role == "primary")
                )
                .scalars()
                .first()
            )
            if offer is None:
                continue
            qty = (pol.order_up_to or 0) - position if pol.logic != "rop" else pol.order_qty or 0
            qty = max(qty, offer.moq)
            qty = math.ceil(qty / offer.pack_multiple) * offer.pack_multiple
            session.add(
                ProposalRow(
                    item_id=item_id,
                    kind="order",
                    source="plan",
                    status="open",
                    qty=qty,
                    supplier_id=offer.supplier_id,
                    unit_price=offer.unit_price,
                    value=offer.unit_price * Decimal(str(qty)),
                    reason="baseline",
                    explanation={},
                )
            )
            session.flush()
        session.rollback()
    return (time.perf_counter() - started) / len(sample)


def trigger_latency(engine, n: int, seed: int) -> list[float]:  # type: ignore[no-untyped-def]
    with transaction(engine) as session:
        items = session.execute(
            select(ItemRow.sku, ItemRow.location, ItemPolicyRow.demand_per_day).join(
                ItemPolicyRow, ItemPolicyRow.item_id == ItemRow.id
            )
        ).all()
    rng = np.random.default_rng(seed)
    picks = rng.choice(len(items), n)
    latencies = []
    for k, index in enumerate(picks.tolist()):
        sku, location, rate = items[index]
        qty = max(round((rate or 1.0) * 3, 2), 1.0)
        t0 = time.perf_counter()
        post_signal(
            engine, item=f"{sku}@{location}", qty=qty, key=f"bench-{seed}-{k}", actor="bench"
        )
        latencies.append(time.perf_counter() - t0)
    return latencies


def keep(args: argparse.Namespace) -> None:
    """Build (once) and plan on a kept SQLite file, optionally under cProfile."""
    import cProfile
    import pstats
    import shutil

    base = args.keep
    if not base.exists():
        engine = make_engine(f"sqlite:///{base}")
        upgrade(engine)
        make_policy(engine, load(engine, args.items, args.seed), args.seed)
        engine.dispose()
    work = base.with_suffix(".work.db")
    shutil.copy(base, work)
    engine = make_engine(f"sqlite:///{work}")
    profiler = cProfile.Profile() if args.profile else None
    t0 = time.perf_counter()
    if profiler:
        profiler.enable()
    result = run_plan(engine, actor="bench")
    if profiler:
        profiler.disable()
    print(f"plan: {time.perf_counter() - t0:.1f} s; {result.summary}")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
        return
    t0 = time.perf_counter()
    again = run_plan(engine, actor="bench")
    print(f"re-plan: {time.perf_counter() - t0:.1f} s; {again.summary}")
    per_item = baseline(engine, args.baseline_items, args.seed)
    print(
        f"baseline per-item ORM loop: {per_item * 1e3:.2f} ms/item -> "
        f"{per_item * args.items:.0f} s for {args.items:,} items"
    )
    lat = np.array(trigger_latency(engine, args.signals, args.seed)) * 1e3
    print(
        f"pull trigger over {len(lat)} signals: p50 {np.percentile(lat, 50):.1f} ms, "
        f"p99 {np.percentile(lat, 99):.1f} ms, max {lat.max():.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--signals", type=int, default=300)
    parser.add_argument("--baseline-items", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--keep", type=Path, help="SQLite only: build the data into this file once, reuse it"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the first plan run")
    args = parser.parse_args()
    if args.keep is not None:
        keep(args)
        return
    for backend in args.backends:
        with tempfile.TemporaryDirectory() as tmp:
            url, drop = fresh_url(backend, Path(tmp))
            engine = make_engine(url)
            try:
                upgrade(engine)
                t0 = time.perf_counter()
                stats = load(engine, args.items, args.seed)
                make_policy(engine, stats, args.seed)
                print(f"{backend}: loaded {args.items:,} items in {time.perf_counter() - t0:.0f} s")
                with transaction(engine) as session:
                    lines = session.scalar(select(func.count()).select_from(PurchaseOrderLineRow))
                    receipts = session.scalar(select(func.count()).select_from(ReceiptRow))
                print(f"  {lines:,} PO lines, {receipts:,} receipts in the store")
                runs = []
                for label in ("first plan", "re-plan"):
                    t0 = time.perf_counter()
                    result = run_plan(engine, actor="bench")
                    seconds = time.perf_counter() - t0
                    runs.append(seconds)
                    s = result.summary
                    print(
                        f"  {label}: {seconds:.1f} s ({args.items / seconds:,.0f} items/s); "
                        f"{s['orders']:,} orders, {s['auto_approved']:,} auto into "
                        f"{s['purchase_orders']:,} POs, {s['queued']:,} queued; reschedules "
                        f"{sum(s['reschedules'].values()):,}"
                    )
                per_item = baseline(engine, args.baseline_items, args.seed)
                extrapolated = per_item * args.items
                print(
                    f"  baseline per-item ORM loop: {per_item * 1e3:.2f} ms/item -> "
                    f"{extrapolated:.0f} s for {args.items:,} items "
                    f"({extrapolated / statistics.median(runs):.1f}x the plan run)"
                )
                lat = np.array(trigger_latency(engine, args.signals, args.seed)) * 1e3
                print(
                    f"  pull trigger over {len(lat)} signals: p50 {np.percentile(lat, 50):.1f} ms, "
                    f"p99 {np.percentile(lat, 99):.1f} ms, max {lat.max():.1f} ms"
                )
                peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                print(f"  peak RSS so far {peak:,.0f} MiB")
            finally:
                engine.dispose()
                if drop is not None:
                    drop()  # type: ignore[operator]


if __name__ == "__main__":
    main()
