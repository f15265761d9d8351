"""Many demand signals at once (the API's bulk endpoint, POS batches, kanban scanners that
buffer): the same meaning as :func:`takt.services.trigger.post_signal` one by one, in
one transaction and a handful of statements.

All or nothing: an unknown item, a bad quantity or a key reused for a different signal
names the signal (its index in the batch) and writes nothing. Keys make a batch
idempotent: a signal already stored with the same content counts as a duplicate. Stock
is consumed per item in one statement for the whole batch (on hand down to zero, the
rest to backorders, which is what the signals one by one would leave), the daily demand
buckets grow, and the pull trigger runs only for the items whose position (with the
open proposals) is now at or below their trigger, found with one vectorised check.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import polars as pl
from sqlalchemy import Engine, bindparam, case, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from takt.domain.entities import DEFAULT_LOCATION
from takt.domain.enums import Grain, SignalSource
from takt.errors import InvalidInputError
from takt.services import replenish_data as data
from takt.services.loaders_documents import add_to_buckets
from takt.services.replenish import ReplenishSettings
from takt.services.trigger import SignalResult, signal_key, trigger_many
from takt.store.db import transaction
from takt.store.models import InventoryRow, ItemRow, SignalRow

MAX_BATCH = 50_000
_IN = 900  # keys per IN (..) query


@dataclass(frozen=True)
class BulkResult:
    accepted: int
    duplicates: int
    items: int
    proposals: list[SignalResult] = field(default_factory=list)


def _rows(signals: Sequence[Mapping[str, Any]]) -> pl.DataFrame:
    if not signals:
        raise InvalidInputError("no signals given")
    if len(signals) > MAX_BATCH:
        raise InvalidInputError(f"at most {MAX_BATCH:,} signals per batch (got {len(signals):,})")
    now = datetime.now(UTC)
    records = []
    sources = {s.value for s in SignalSource}
    for i, s in enumerate(signals):
        item = str(s.get("item") or "")
        sku, _, location = item.partition("@")
        if not sku:
            raise InvalidInputError(f"signals[{i}].item: missing (use SKU@LOCATION)")
        qty = s.get("qty")
        if not isinstance(qty, int | float) or not math.isfinite(qty) or qty <= 0:
            raise InvalidInputError(f"signals[{i}].qty: must be a number > 0 (got {qty!r})")
        source = str(s.get("source") or "manual")
        if source not in sources:
            raise InvalidInputError(
                f"signals[{i}].source: one of {', '.join(sorted(sources))} (got {source!r})"
            )
        at = s.get("at") or now
        if not isinstance(at, datetime):
            raise InvalidInputError(f"signals[{i}].at: must be a timestamp")
        at = at if at.tzinfo else at.replace(tzinfo=UTC)
        location = location or DEFAULT_LOCATION
        key = s.get("key") or signal_key(sku, location, at, float(qty), source)
        records.append((i, str(key), sku, location, at, float(qty), source))
    frame = pl.DataFrame(
        records,
        schema={
            "index": pl.Int64,
            "key": pl.Utf8,
            "sku": pl.Utf8,
            "location": pl.Utf8,
            "at": pl.Datetime("us", "UTC"),
            "qty": pl.Float64,
            "source": pl.Utf8,
        },
        orient="row",
    )
    repeated = frame.filter(pl.col("key").is_duplicated())
    if repeated.height:
        first = repeated.sort("index").row(1, named=True)
        raise InvalidInputError(
            f"signals[{first['index']}].key: {first['key']!r} twice in the batch"
        )
    return frame


def _item_ids(session: Session, frame: pl.DataFrame) -> pl.DataFrame:
    pairs = frame.select("sku", "location").unique()
    found: list[Any] = []
    for start in range(0, pairs.height, _IN):
        part = pairs.slice(start, _IN)
        rows = session.execute(
            select(ItemRow.id, ItemRow.sku, ItemRow.location).where(
                ItemRow.sku.in_(part["sku"].to_list())
            )
        ).all()
        found.extend(rows)
    known = pl.DataFrame(
        found, schema={"item_id": pl.Int64, "sku": pl.Utf8, "location": pl.Utf8}, orient="row"
    )
    out = frame.join(known, on=["sku", "location"], how="left")
    unknown = out.filter(pl.col("item_id").is_null()).sort("index")
    if unknown.height:
        r = unknown.row(0, named=True)
        raise InvalidInputError(f"signals[{r['index']}].item: no item {r['sku']}@{r['location']}")
    return out.sort("index")


def _known(session: Session, frame: pl.DataFrame) -> pl.DataFrame:
    """The batch's rows whose key is stored already, checked to be the same signal."""
    stored: list[Any] = []
    keys = frame["key"].to_list()
    for start in range(0, len(keys), _IN):
        stored.extend(
            session.execute(
                select(SignalRow.key, SignalRow.item_id, SignalRow.qty, SignalRow.source).where(
                    SignalRow.key.in_(keys[start : start + _IN])
                )
            ).all()
        )
    if not stored:
        return frame.clear()
    old = pl.DataFrame(
        [(k, i, q, s.value) for k, i, q, s in stored],
        schema={"key": pl.Utf8, "old_item": pl.Int64, "old_qty": pl.Float64, "old_src": pl.Utf8},
        orient="row",
    )
    both = frame.join(old, on="key", how="inner")
    differs = both.filter(
        (pl.col("old_item") != pl.col("item_id"))
        | ((pl.col("old_qty") - pl.col("qty")).abs() > 1e-9)
        | (pl.col("old_src") != pl.col("source"))
    ).sort("index")
    if differs.height:
        r = differs.row(0, named=True)
        raise InvalidInputError(
            f"signals[{r['index']}].key: {r['key']!r} is already stored for a different signal; "
            "keys must not be reused"
        )
    return both


def _consume_many(session: Session, per_item: pl.DataFrame) -> None:
    """Take each item's batch total from on hand, the shortfall to backorders."""
    table = InventoryRow.__table__
    dialect = session.get_bind().dialect.name
    qty = bindparam("q", type_=InventoryRow.on_hand.type)
    stmt = (
        (postgresql if dialect == "postgresql" else sqlite)
        .insert(table)
        .values(
            item_id=bindparam("i"),
            on_hand=0.0,
            allocated=0.0,
            backordered=qty,
            as_of=bindparam("t"),
        )
    )
    col = table.c
    stmt = stmt.on_conflict_do_update(
        index_elements=["item_id"],
        set_={
            "backordered": col.backordered
            + case((col.on_hand < qty, qty - col.on_hand), else_=0.0),
            "on_hand": case((col.on_hand < qty, 0.0), else_=col.on_hand - qty),
        },
    )
    session.execute(
        stmt,
        [
            {"i": r["item_id"], "q": r["qty"], "t": r["at"]}
            for r in per_item.sort("item_id").iter_rows(named=True)  # one lock order
        ],
    )


def _due(session: Session, item_ids: list[int], as_of: Any) -> list[int]:
    """The items whose position with open proposals is at or below their trigger."""
    run = data.latest_run(session, "policy")
    if run is None:
        return []
    ids = None if len(item_ids) > 1000 else item_ids
    pol = data.policies(session, run, ids)
    pol = data.with_uplifts(session, pol.filter(pl.col("item_id").is_in(item_ids)), as_of)
    pos = data.positions(session, ids).filter(pl.col("item_id").is_in(item_ids))
    both = pol.join(pos, on="item_id", how="inner").with_columns(
        (
            pl.col("on_hand")
            + pl.col("on_order")
            - pl.col("backordered")
            - pl.col("allocated")
            + pl.col("proposed")
        ).alias("seen")
    )
    logic = pl.col("logic")
    due = (
        pl.when(logic.is_in(["rop", "min_max"]))
        .then(pl.col("seen") <= pl.col("reorder_point"))
        .when(logic == "kanban")
        .then(pl.col("seen") <= pl.col("order_up_to") - pl.col("container_qty"))
        .when(logic == "order_up_to")
        .then(pl.col("seen") < pl.col("order_up_to"))
        .otherwise(False)
    )
    return sorted(both.filter(due.fill_null(False))["item_id"].to_list())


def post_signals(
    engine: Engine,
    signals: Sequence[Mapping[str, Any]],
    *,
    settings: ReplenishSettings | None = None,
    actor: str = "api",
) -> BulkResult:
    """Store a batch of signals (``item`` as SKU@LOCATION, ``qty``, ``at``, ``source``,
    ``key``), consume stock and run the pull trigger where it is due; all or nothing."""
    settings = settings or ReplenishSettings()
    frame = _rows(signals)
    with transaction(engine) as session:
        frame = _item_ids(session, frame)
        known = _known(session, frame)
        new = frame.filter(~pl.col("key").is_in(known["key"].implode()))
        if new.height:
            session.execute(
                insert(SignalRow),
                new.select("key", "item_id", "at", "qty", "source").to_dicts(),
            )
            daily = (
                new.group_by("item_id", pl.col("at").dt.date().alias("period_start"))
                .agg(pl.col("qty").sum())
                .with_columns(pl.lit(Grain.DAY.value).alias("grain"))
            )
            add_to_buckets(session, daily.to_dicts())
            per_item = new.group_by("item_id").agg(pl.col("qty").sum(), pl.col("at").max())
            _consume_many(session, per_item)
        proposals: list[SignalResult] = []
        if new.height:
            last = (
                new.sort("index")
                .group_by("item_id")
                .agg(
                    pl.col("key").last(),
                    (pl.col("sku").first() + "@" + pl.col("location").first()).alias("item"),
                )
            )
            as_of = new["at"].max().date()  # type: ignore[union-attr]
            due = set(_due(session, last["item_id"].to_list(), as_of))
            chosen = last.filter(pl.col("item_id").is_in(list(due))).sort("item_id")
            proposals = trigger_many(session, chosen, settings, actor, as_of=as_of)
        return BulkResult(new.height, known.height, frame["item_id"].n_unique(), proposals)
