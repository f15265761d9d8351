"""The pull trigger: one consumption signal updates the item's stock and, when its
position reaches the policy's trigger, an order is proposed at once (sourced and decided
like the plan run's: :mod:`takt.services.replenish`), in the same transaction, or handed
to the API's background trigger (:mod:`takt.services.trigger_worker`). The same
idempotency key twice changes nothing. ``takt signal``, ``POST /api/signals``.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, Float, bindparam, case, event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from takt.domain.entities import DEFAULT_LOCATION
from takt.domain.enums import Grain, SignalSource
from takt.errors import InvalidInputError, NotFoundError
from takt.replenish.plan import PlanConfig
from takt.services import replenish_data as data
from takt.services.replenish import (
    ReplenishSettings,
    _decide,
    _order_requirements,
    _store_decided,
)
from takt.signals.anomaly import demand_anomalies
from takt.store.models import DemandBucketRow, InventoryRow, ItemRow, SignalRow

# Hands a due item to a background trigger: (item_id, signal key, item name, as_of).
Deferral = Callable[[int, str, str, date], None]


@dataclass(frozen=True)
class SignalResult:
    key: str
    item: str
    duplicate: bool
    position: float | None
    proposal_id: int | None
    decision: str | None
    po: str | None


def _demand_warnings(session: Session, item_ids: Sequence[int], as_of: date) -> pl.DataFrame:
    """``item_id``, ``note``: "unusual demand: …" for the items whose demand on ``as_of``
    is far above what their last 365 days make likely
    (:func:`takt.signals.anomaly.demand_anomalies`); items without history are not
    judged. Checked only for items the trigger is about to order."""
    B = DemandBucketRow
    rows = data.frame(
        session,
        select(B.item_id, B.period_start, B.qty).where(
            B.item_id.in_(list(item_ids)),
            B.grain == Grain.DAY,
            B.period_start >= as_of - timedelta(days=365),
            B.period_start <= as_of,
        ),
        {"item_id": pl.Int64, "day": pl.Date, "qty": pl.Float64},
    )
    past = rows.filter(pl.col("day") < as_of)
    stats = (
        past.group_by("item_id")
        .agg((pl.col("qty").sum() / 365).alias("mean"), (pl.col("qty") ** 2).sum().alias("sq"))
        .filter(pl.col("mean") > 0)
        .with_columns(
            (pl.col("sq") / 365 - pl.col("mean") ** 2).clip(lower_bound=0).sqrt().alias("sd")
        )
    )
    today = rows.filter(pl.col("day") == as_of).group_by("item_id").agg(pl.col("qty").sum())
    judged = stats.join(today, on="item_id", how="left").with_columns(
        pl.col("qty").fill_null(0.0), pl.lit(as_of).alias("period")
    )
    if judged.height == 0:
        return pl.DataFrame(schema={"item_id": pl.Int64, "note": pl.Utf8})
    flags = demand_anomalies(
        judged.select(pl.col("item_id").alias("item"), "period", "qty"),
        judged.select(pl.col("item_id").alias("item"), "period", "mean", "sd"),
    ).filter(pl.col("direction") == "high")
    return flags.select(
        pl.col("item").cast(pl.Int64).alias("item_id"),
        (pl.lit("unusual demand: ") + pl.col("message")).alias("note"),
    )


def signal_key(sku: str, location: str, at: datetime, qty: float, source: str) -> str:
    text = f"{sku}|{location}|{at.isoformat()}|{qty!r}|{source}|0"
    return "auto:" + hashlib.sha1(text.encode()).hexdigest()[:32]


@functools.cache
def _hot_statements(dialect: str) -> tuple[Any, Any, Any]:
    """The signal's three writes, built once per dialect (building a statement costs more
    than running it): insert-or-nothing on the key, consumption, the daily bucket."""
    insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    signals: Any = SignalRow.__table__
    store: Any = insert(signals).values(
        key=bindparam("key"),
        item_id=bindparam("item_id"),
        at=bindparam("at"),
        qty=bindparam("qty"),
        source=bindparam("source"),
    )
    store = store.on_conflict_do_nothing(index_elements=["key"]).returning(signals.c.id)
    # Take qty from on hand, the shortfall to backorders: one statement, so no lost
    # update however many signals arrive at once; locks the item's row until commit.
    table: Any = InventoryRow.__table__
    col = table.c
    qty = bindparam("qty", type_=Float)
    consume: Any = insert(table).values(
        item_id=bindparam("item_id"),
        on_hand=0.0,
        allocated=0.0,
        backordered=qty,
        as_of=bindparam("at"),
    )
    consume = consume.on_conflict_do_update(
        index_elements=["item_id"],
        set_={
            "backordered": col.backordered
            + case((col.on_hand < qty, qty - col.on_hand), else_=0.0),
            "on_hand": case((col.on_hand < qty, 0.0), else_=col.on_hand - qty),
        },
    )
    buckets: Any = DemandBucketRow.__table__
    add: Any = insert(buckets).values(
        item_id=bindparam("item_id"),
        grain=bindparam("grain"),
        period_start=bindparam("day"),
        qty=bindparam("qty"),
    )
    add = add.on_conflict_do_update(
        index_elements=["item_id", "grain", "period_start"],
        set_={"qty": buckets.c.qty + add.excluded.qty},
    )
    return store, consume, add


def post_signal(
    engine: Engine,
    *,
    item: str,
    qty: float,
    at: datetime | None = None,
    source: str = "manual",
    key: str | None = None,
    actor: str = "cli",
    settings: ReplenishSettings | None = None,
    defer: Deferral | None = None,
) -> SignalResult:
    """Record one consumption event and trigger replenishment (see module doc).

    ``defer``: when the item reaches its trigger, hand it to this callable (the API's
    background trigger worker, :class:`takt.services.trigger_worker.TriggerWorker`)
    instead of sourcing and deciding inside the request; the answer's decision is then
    ``queued``."""
    settings = settings or ReplenishSettings()
    if not qty > 0:
        raise InvalidInputError(f"qty must be > 0 (got {qty!r})")
    try:
        source_value = SignalSource(source)
    except ValueError:
        choices = ", ".join(s.value for s in SignalSource)
        raise InvalidInputError(f"unknown signal source {source!r} (one of {choices})") from None
    sku, _, location = item.partition("@")
    location = location or DEFAULT_LOCATION
    at = at or datetime.now(UTC)
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    key = key or signal_key(sku, location, at, qty, source_value.value)
    name = f"{sku}@{location}"
    store, consume, add = _hot_statements(engine.dialect.name)
    with engine.begin() as conn:
        item_id = conn.execute(_ITEM_BY_KEY, {"sku": sku, "location": location}).scalar()
        if item_id is None:
            raise NotFoundError(f"no item {name}")
        # Insert-or-nothing on the key: a repeat (or the same key arriving concurrently,
        # which waits on the unique index until the first commits) writes nothing.
        values = {"key": key, "item_id": item_id, "at": at, "qty": qty, "source": source_value}
        if conn.execute(store, values).first() is None:
            _known_signal(conn, key, item_id, at, qty, source_value)  # raises if it differs
            return SignalResult(key, name, True, None, None, None, None)
        conn.execute(consume, values)
        day = at.date()
        conn.execute(add, {**values, "grain": Grain.DAY, "day": day})
        # Most signals leave the item above its trigger: answered from one statement.
        quick = data.trigger_state(conn, item_id, day)
        if not quick.due:
            return SignalResult(key, name, False, quick.position, None, None, None)
        if defer is None:  # order inside this transaction
            with Session(bind=conn, expire_on_commit=False) as session:
                result = _trigger(session, item_id, key, name, settings, actor, as_of=day)
                session.flush()
            return result
    # After commit: the background trigger must see this signal's consumption.
    defer(item_id, key, name, day)
    return SignalResult(key, name, False, quick.position, None, "queued", None)


_ITEM_BY_KEY = select(ItemRow.id).where(
    ItemRow.sku == bindparam("sku"), ItemRow.location == bindparam("location")
)


def _known_signal(
    conn: Session | Connection,
    key: str,
    item_id: int,
    at: datetime,
    qty: float,
    source: SignalSource,
) -> bool:
    old = conn.execute(
        select(SignalRow.item_id, SignalRow.qty, SignalRow.source).where(SignalRow.key == key)
    ).first()
    if old is None:
        return False
    if old[0] != item_id or abs(old[1] - qty) > 1e-9 or old[2] != source:
        raise InvalidInputError(
            f"signal key {key!r} is already stored for a different signal ({old[1]:g}); "
            "keys must not be reused"
        )
    return True


def _trigger(
    session: Session,
    item_id: int,
    key: str | None,
    item: str,
    settings: ReplenishSettings,
    actor: str,
    *,
    as_of: date,
    source: str = "trigger",
    defer: Deferral | None = None,
) -> SignalResult:
    """Propose an order for one item when its position (with the proposals already
    open) has reached its trigger; inside the caller's transaction (or, with ``defer``,
    hand the due item over and answer ``queued``)."""
    # Most signals leave the item above its trigger: answer those from one indexed
    # statement, without building frames (the full check below decides the same way).
    quick = data.trigger_state(session, item_id, as_of)
    position = quick.position
    policy_run = quick.policy_run
    if policy_run is None or not quick.due:
        return SignalResult(key or "", item, False, position, None, None, None)
    if defer is not None:
        # After commit: the worker must see this signal's consumption.
        event.listen(
            session, "after_commit", lambda _s: defer(item_id, key or "", item, as_of), once=True
        )
        return SignalResult(key or "", item, False, position, None, "queued", None)
    pos = data.positions(session, [item_id])
    pol = data.with_uplifts(session, data.policies(session, policy_run, [item_id]), as_of)
    # Open proposals count as coming: the trigger must not propose twice for one need.
    counted = pos.with_columns((pl.col("on_order") + pl.col("proposed")).alias("on_order"))
    one_day = PlanConfig(
        horizon_days=1,
        firm_days=0,
        reschedule_tolerance_days=settings.plan.reschedule_tolerance_days,
    )
    wanted = _order_requirements(pol, counted.drop("proposed"), as_of, one_day)
    if wanted.height == 0:
        return SignalResult(key or "", item, False, position, None, None, None)
    decided = _decide(
        session,
        wanted,
        as_of,
        settings,
        demand_warnings=_demand_warnings(session, [item_id], as_of),
    )
    ids, pos_numbers = _store_decided(
        session, decided, run_id=None, source=source, actor=actor, signal_key=key
    )
    return SignalResult(
        key or "",
        item,
        False,
        position,
        ids[0],
        decided["decision"][0],
        pos_numbers[0] if pos_numbers else None,
    )


def trigger_many(
    session: Session,
    due: pl.DataFrame,
    settings: ReplenishSettings,
    actor: str,
    *,
    as_of: date,
) -> list[SignalResult]:
    """The pull trigger for many items at once (a batch of signals): ``due`` has
    ``item_id``, ``key`` (the signal the proposal is credited to) and ``item``. The same
    decisions as :func:`_trigger` item by item, with one sourcing and approval pass."""
    policy_run = data.latest_run(session, "policy")
    if policy_run is None or due.height == 0:
        return []
    ids = due["item_id"].to_list()
    pos = data.positions(session, ids)
    pol = data.with_uplifts(session, data.policies(session, policy_run, ids), as_of)
    counted = pos.with_columns((pl.col("on_order") + pl.col("proposed")).alias("on_order"))
    one_day = PlanConfig(
        horizon_days=1,
        firm_days=0,
        reschedule_tolerance_days=settings.plan.reschedule_tolerance_days,
    )
    wanted = _order_requirements(pol, counted.drop("proposed"), as_of, one_day)
    if wanted.height == 0:
        return []
    decided = _decide(
        session,
        wanted,
        as_of,
        settings,
        demand_warnings=_demand_warnings(session, ids, as_of),
    ).join(due.select("item_id", pl.col("key").alias("signal_key")), on="item_id", how="left")
    proposal_ids, _ = _store_decided(session, decided, run_id=None, source="trigger", actor=actor)
    positions = dict(
        counted.select(
            "item_id",
            pl.col("on_hand") + pl.col("on_order") - pl.col("proposed") - pl.col("backordered")
            - pl.col("allocated"),
        ).iter_rows()
    )  # fmt: skip
    names = dict(due.select("item_id", "item").iter_rows())
    return [
        SignalResult(
            r["signal_key"] or "",
            names[r["item_id"]],
            False,
            positions.get(r["item_id"]),
            pid,
            r["decision"],
            None,
        )
        for r, pid in zip(decided.iter_rows(named=True), proposal_ids, strict=True)
    ]


def trigger_item(
    session: Session,
    item_id: int,
    *,
    as_of: date,
    actor: str,
    source: str,
    settings: ReplenishSettings | None = None,
) -> SignalResult:
    """The pull trigger for one item after a change other than a signal (a receipt with
    rejected units, a cancelled line), in the caller's transaction."""
    return _trigger(
        session,
        item_id,
        None,
        str(item_id),
        settings or ReplenishSettings(),
        actor,
        as_of=as_of,
        source=source,
    )
