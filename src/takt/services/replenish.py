"""Replenishment: the plan run, the pull trigger, proposals, approvals and PO creation.

Both ways in come to the same proposal:

- :func:`run_plan` (batch, ``takt plan``): every item's position is projected against
  its policy (:func:`takt.replenish.plan.plan_orders`); orders released today become
  proposals, open lines whose need moved get expedite / push-out / cancel proposals.
  The proposals of the previous plan still open are superseded (the plan sees everything
  they saw), so a rerun on the same data gives the same proposals. One plan at a time per
  database (:func:`takt.services.locks.run_lock`); everything it writes is one
  transaction, so a crash leaves nothing half-written.
- :func:`takt.services.trigger.post_signal` (real time, ``takt signal``): one
  consumption event updates the item's stock and, when the position reaches the
  trigger, proposes an order at once through the same sourcing and decision steps
  (:func:`_decide`, :func:`_store_decided`). The same idempotency key twice changes
  nothing.

A proposal is sourced (supplier, MOQ/pack, blanket release, dates) and decided (auto
approve or a buyer's queue) by the engines in :mod:`takt.replenish`; auto-approved and
approved order proposals become purchase-order lines, consolidated per supplier,
delivery day and agreement into one PO (appended to that supplier's approved, unsent PO
for the day when there is one). Every proposal and PO line carries its reason in words
and the numbers behind it in ``explanation``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import polars as pl
from sqlalchemy import Engine, Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from takt.domain.enums import PurchaseOrderStatus
from takt.errors import InvalidInputError, NotFoundError
from takt.replenish.approval import ApprovalConfig, decide_approval
from takt.replenish.consolidate import consolidate, po_headers
from takt.replenish.plan import PlanConfig, plan_orders, reschedule_open_lines
from takt.replenish.sourcing import SourcingConfig, source_requirements
from takt.services import replenish_data as data
from takt.services.import_support import chunks
from takt.services.locks import run_lock
from takt.services.runs import finish_run, jsonable, recorded_run
from takt.signals.anomaly import order_anomalies
from takt.store.db import require_current, transaction
from takt.store.models import (
    AgreementLineRow,
    ItemRow,
    PlanRunRow,
    ProposalRow,
    PurchaseOrderEventRow,
    PurchaseOrderLineRow,
    PurchaseOrderRow,
)

TRIGGER_WORDS = {
    "rop": "reorder point",
    "min_max": "min",
    "kanban": "kanban trigger (N-1)·C",
    "order_up_to": "order-up-to level",
}


@dataclass(frozen=True)
class ReplenishSettings:
    """The plan, sourcing and approval settings, in one object."""

    plan: PlanConfig = field(default_factory=PlanConfig)
    sourcing: SourcingConfig = field(default_factory=SourcingConfig)
    approval: ApprovalConfig = field(default_factory=ApprovalConfig)


@dataclass(frozen=True)
class PlanResult:
    run_id: int
    as_of: date
    proposals: pl.DataFrame
    summary: dict[str, Any]


def _words(x: pl.Expr) -> pl.Expr:
    """A quantity for a sentence: at most 2 decimals, no trailing zeros."""
    return x.round(2).cast(pl.Utf8).str.replace(r"\.0$", "")


# --------------------------------------------------------------------------- proposals


def _decide(
    session: Session,
    wanted: pl.DataFrame,
    as_of: date,
    settings: ReplenishSettings,
    demand_warnings: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Source and decide order requirements; ``wanted`` has one row per requirement with
    the item's policy and position columns, ``qty``, ``need_date`` and ``plan_reason``.
    ``demand_warnings`` (``item_id``, ``note``: the pull trigger's unusual-demand notes)
    go on the items' lines and send them to a buyer."""
    wanted = wanted.with_row_index("requirement_id", offset=1).with_columns(
        pl.col("requirement_id").cast(pl.Int64)
    )
    item_ids = wanted["item_id"].unique().to_list()
    offers = data.offers(session, as_of, None if len(item_ids) > 1000 else item_ids)
    offers = data.offers_for_strategy(offers, wanted.unique("item_id"))
    lines = source_requirements(
        wanted.select("requirement_id", "item_id", "qty", "need_date", "strategy"),
        offers,
        as_of=as_of,
        config=settings.sourcing,
    )
    # Sourcing keyed releases by agreement line; the PO refers to the agreement itself.
    headers = (
        offers.select(
            pl.col("agreement_id").alias("agreement_line_id"),
            pl.col("agreement_header_id"),
        )
        .filter(pl.col("agreement_line_id").is_not_null())
        .unique("agreement_line_id")
    )
    lines = (
        lines.rename({"agreement_id": "agreement_line_id"})
        .join(headers, on="agreement_line_id", how="left")
        .rename({"agreement_header_id": "agreement_id"})
    )
    context = wanted.select(
        "requirement_id",
        "category",
        "criticality",
        pl.col("qty").alias("policy_qty"),
        pl.when(pl.col("demand_per_day") > 0)
        .then((pl.col("safety_stock").fill_null(0.0) / pl.col("demand_per_day")).floor())
        .otherwise(0.0)
        .cast(pl.Int64)
        .alias("safety_cover_days"),
        "plan_reason",
        "explain",
    )
    codes = offers.select("supplier_id", "supplier").unique("supplier_id")
    lines = lines.join(context, on="requirement_id", how="left").join(
        codes, on="supplier_id", how="left"
    )
    # The need date is when stock reaches the safety stock; arriving after it but before
    # the safety stock is used up is what that stock is for. Late is past that.
    cover = pl.duration(days=pl.col("safety_cover_days"))
    into_safety = pl.col("late") & (pl.col("delivery_date") <= pl.col("need_date") + cover)
    lines = lines.with_columns(
        pl.when(into_safety)
        .then(
            pl.format(
                "{}; arrives within the safety stock ({} days of cover)",
                pl.col("reason"),
                pl.col("safety_cover_days"),
            )
        )
        .otherwise(pl.col("reason"))
        .alias("reason"),
        (pl.col("late") & ~into_safety.fill_null(False)).alias("late"),
    )
    lines = _flag_anomalies(session, lines)
    if demand_warnings is not None and demand_warnings.height:
        lines = (
            lines.join(demand_warnings, on="item_id", how="left")
            .with_columns(
                pl.concat_str(["warning", "note"], separator="; ", ignore_nulls=True)
                .replace("", None)
                .alias("warning")
            )
            .drop("note")
        )
    decided = decide_approval(lines, config=settings.approval)
    return decided.with_columns(
        pl.concat_str(
            [pl.col("plan_reason"), pl.col("reason")], separator="; ", ignore_nulls=True
        ).alias("reason")
    )


def _flag_anomalies(session: Session, lines: pl.DataFrame) -> pl.DataFrame:
    """Quantities or prices far from the item's PO history become a warning on the line,
    which sends it to a buyer (:func:`takt.signals.anomaly.order_anomalies`)."""
    sourced = lines.with_row_index("_line").filter(pl.col("supplier_id").is_not_null())
    if sourced.height == 0:
        return lines
    ids = sourced["item_id"].unique().to_list()
    history = data.po_line_history(session, None if len(ids) > 1000 else ids)
    if history.height == 0:
        return lines
    proposed = sourced.select(
        pl.col("_line").cast(pl.Int64).alias("id"),
        pl.col("item_id").cast(pl.Utf8).alias("item"),
        pl.col("supplier_id").cast(pl.Utf8).alias("supplier"),
        "qty",
        "unit_price",
    )
    flags = order_anomalies(
        proposed,
        history.with_columns(
            pl.col("item_id").cast(pl.Utf8).alias("item"),
            pl.col("supplier_id").cast(pl.Utf8).alias("supplier"),
        ),
    ).filter(pl.col("status") == "anomaly")
    if flags.height == 0:
        return lines
    notes = flags.group_by("id").agg(
        pl.concat_str(pl.lit("unusual order: "), pl.col("message").str.join("; ")).alias("_note")
    )
    return (
        lines.with_row_index("_line")
        .with_columns(pl.col("_line").cast(pl.Int64))
        .join(notes.rename({"id": "_line"}), on="_line", how="left")
        .with_columns(
            pl.concat_str(["warning", "_note"], separator="; ", ignore_nulls=True)
            .replace("", None)
            .alias("warning")
        )
        .drop("_line", "_note")
    )


def _explain_columns() -> list[pl.Expr]:
    return [
        pl.struct(
            pl.col("item"),
            pl.col("strategy"),
            pl.col("logic"),
            pl.col("rule").alias("policy_rule"),
            pl.col("reason").alias("policy_reason"),
            pl.col("on_hand"),
            pl.col("on_order"),
            pl.col("backordered"),
            pl.col("allocated"),
            pl.col("position"),
            pl.col("trigger"),
            pl.col("reorder_point"),
            pl.col("order_up_to"),
            pl.col("order_qty"),
            pl.col("safety_stock"),
            pl.col("demand_per_day"),
        ).alias("explain"),
    ]


def _plan_reason() -> pl.Expr:
    return pl.format(
        "position {} (on hand {} + on order {} − backorders {} − allocated {}) reached the "
        "{} {}: {} {} orders {}, needed {}",
        _words(pl.col("position")),
        _words(pl.col("on_hand")),
        _words(pl.col("on_order")),
        _words(pl.col("backordered")),
        _words(pl.col("allocated")),
        pl.col("logic").replace_strict(TRIGGER_WORDS, default=pl.col("logic")),
        _words(pl.col("trigger")),
        pl.col("strategy"),
        pl.col("logic"),
        _words(pl.col("qty")),
        pl.col("need_date"),
    )


def _order_requirements(
    pol: pl.DataFrame, pos: pl.DataFrame, as_of: date, config: PlanConfig
) -> pl.DataFrame:
    """The firm orders of the plan with the item's policy, position and the reason."""
    items = pol.join(pos, on="item_id", how="left").with_columns(
        pl.col("on_hand", "on_order", "backordered", "allocated").fill_null(0.0)
    )
    orders = plan_orders(items, as_of=as_of, config=config).filter(pl.col("firm"))
    reason = _plan_reason()
    if "uplift" in items.columns:  # a buffer uplift in force (takt risk uplift) says so
        reason = (
            pl.when(pl.col("uplift") > 0)
            .then(
                pl.concat_str(
                    reason,
                    pl.lit("; the levels include a buffer uplift +"),
                    _words(pl.col("uplift")),
                )
            )
            .otherwise(reason)
        )
    return (
        orders.join(items.drop("logic"), on="item_id")
        .with_columns(reason.alias("plan_reason"))
        .with_columns(_explain_columns())
    )


def _insert_proposals(
    session: Session,
    rows: pl.DataFrame,
    *,
    run_id: int | None,
    source: str,
    signal_key: str | None = None,
) -> list[int]:
    """Insert proposals (in ``rows`` order) and return their ids."""
    if rows.height == 0:
        return []
    now = datetime.now(UTC)
    records = []
    for r in rows.iter_rows(named=True):
        explanation = jsonable(dict(r.get("explain") or {}))
        key = r.get("signal_key", signal_key)
        explanation.update(source=source, plan_run=run_id, signal=key)
        if r.get("approval_reason") is not None:
            explanation["approval"] = r["approval_reason"]
        price, value = r.get("unit_price"), r.get("value")
        records.append(
            {
                "plan_run_id": run_id,
                "item_id": r["item_id"],
                "kind": r.get("kind") or "order",
                "source": source,
                "status": "open",
                "qty": float(r["qty"]),
                "need_date": r.get("need_date"),
                "order_date": r.get("order_date"),
                "delivery_date": r.get("delivery_date"),
                "supplier_id": r.get("supplier_id"),
                "unit_price": None if price is None else Decimal(str(round(price, 6))),
                "value": None if value is None else Decimal(str(round(value, 6))),
                "agreement_id": r.get("agreement_id"),
                "po_line_id": r.get("line_id"),
                "new_date": r.get("new_date"),
                "decision": r.get("decision"),
                "reason": r.get("reason") or "",
                "approval_reason": r.get("approval_reason"),
                "warning": r.get("warning"),
                "explanation": explanation,
                "signal_key": key,
                "created_at": now,
            }
        )
    if len(records) == 1:
        return [int(session.scalars(insert(ProposalRow).returning(ProposalRow.id), records).one())]
    if run_id is None:  # a batch of signals: few rows, ids in insert order
        stmt = insert(ProposalRow).returning(ProposalRow.id, sort_by_parameter_order=True)
        return [int(x) for x in session.scalars(stmt, records).all()]
    # Bulk: a plain executemany (RETURNING across many rows is slow in the driver layer),
    # then the ids back: ids only grow, so this call's rows are the run's newest ones, in
    # insert order.
    table = _table(ProposalRow)
    for part in chunks(records, 10_000):
        session.execute(insert(table), list(part))
    newest = session.scalars(
        select(ProposalRow.id)
        .where(ProposalRow.plan_run_id == run_id)
        .order_by(ProposalRow.id.desc())
        .limit(len(records))
    ).all()
    return [int(x) for x in reversed(newest)]


def _table(model: type[Any]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _po_number(order_date: date, po_id: int) -> str:
    return f"PO{order_date:%y%m%d}-{po_id:06d}"


def place_orders(session: Session, approved: pl.DataFrame, *, actor: str, note: str) -> list[str]:
    """Turn approved order proposals into PO lines, one PO per supplier, delivery day and
    agreement (appending to that supplier's approved, unsent PO for the day if there is
    one); release against the agreements; audit every PO. Returns the PO numbers touched.

    ``approved`` needs ``proposal_id``, ``item_id``, ``supplier_id``, ``qty``,
    ``unit_price``, ``value``, ``agreement_id``, ``need_date``, ``delivery_date``,
    ``order_date``, ``reason``, ``explanation`` (dict) and ``requirement_id``.
    """
    if approved.height == 0:
        return []
    now = datetime.now(UTC)
    lines = consolidate(approved)
    headers = po_headers(lines)
    suppliers = headers["supplier_id"].unique().to_list()
    existing: dict[tuple[int, int | None, date | None], tuple[int, str, int]] = {}
    P, L = PurchaseOrderRow, PurchaseOrderLineRow
    query = (
        select(P.id, P.number, P.supplier_id, P.agreement_id, L.need_date, func.max(L.line_no))
        .join(L, L.po_id == P.id)
        .where(P.status == PurchaseOrderStatus.APPROVED, P.supplier_id.in_(suppliers))
        .group_by(P.id, P.number, P.supplier_id, P.agreement_id, L.need_date)
    )
    for po_id, number, supplier_id, agreement_id, need, last in session.execute(query):
        key = (supplier_id, agreement_id, need)
        if key not in existing:
            existing[key] = (po_id, number, last)
    # Highest line number per existing PO (over all its delivery days).
    last_line: dict[int, int] = {}
    for po_id, _number, _last in existing.values():
        last_line[po_id] = int(
            session.execute(select(func.max(L.line_no)).where(L.po_id == po_id)).scalar() or 0
        )
    po_of_key: dict[int, tuple[int, str, int]] = {}  # po_key -> (po id, number, first line no)
    events = []
    new_headers: list[dict[str, Any]] = []
    for h in headers.iter_rows(named=True):
        key = (h["supplier_id"], h["agreement_id"], h["delivery_date"])
        if key in existing:
            po_id, number, _ = existing[key]
            po_of_key[h["po_key"]] = (po_id, number, last_line[po_id])
            last_line[po_id] += h["lines"]
        else:
            new_headers.append(h)
    # New POs in one statement under temporary numbers, then numbered by their ids.
    temporary = {f"TMP-{uuid.uuid4().hex}": h for h in new_headers}
    if temporary:
        session.execute(
            insert(_table(P)),
            [
                {
                    "number": tmp,
                    "supplier_id": h["supplier_id"],
                    "agreement_id": h["agreement_id"],
                    "status": PurchaseOrderStatus.APPROVED.value,
                    "order_date": h["order_date"],
                    "currency": "EUR",
                    "created_at": now,
                    "updated_at": now,
                }
                for tmp, h in temporary.items()
            ],
        )
        numbered = []
        for part in chunks(list(temporary), 1_000):
            for po_id, tmp in session.execute(
                select(P.id, P.number).where(P.number.in_(list(part)))
            ):
                h = temporary[tmp]
                number = _po_number(h["order_date"], po_id)
                po_of_key[h["po_key"]] = (po_id, number, 0)
                numbered.append({"pid": po_id, "num": number})
        po_table = _table(P)
        session.execute(
            update(po_table)
            .where(po_table.c.id == bindparam("pid"))
            .values(number=bindparam("num")),
            numbered,
        )
    created = {h["po_key"] for h in new_headers}
    for h in headers.iter_rows(named=True):
        po_id, number, _ = po_of_key[h["po_key"]]
        added = h["po_key"] not in created
        events.append(
            {
                "po_id": po_id,
                "line_id": None,
                "at": now,
                "actor": actor,
                "action": "lines_added" if added else "created",
                "from_status": "approved" if added else None,
                "to_status": "approved",
                "detail": {"lines": h["lines"], "value": round(float(h["value"]), 2), "note": note},
            }
        )
    records = []
    for r in lines.iter_rows(named=True):
        po_id, _number, first = po_of_key[r["po_key"]]
        records.append(
            {
                "po_id": po_id,
                "line_no": first + r["line_no"],
                "item_id": r["item_id"],
                "qty": float(r["qty"]),
                "unit_price": Decimal(str(round(r["unit_price"], 6))),
                "need_date": r["delivery_date"],
                "promised_date": None,
                "cancelled": False,
                "reason": r["reason"],
                "explanation": {
                    **(r.get("explanation") or {}),
                    "proposal": r["proposal_id"],
                    "need_date": r["need_date"].isoformat(),
                },
            }
        )
    for part in chunks(records, 10_000):
        session.execute(insert(_table(L)), list(part))
    # (PO, line number) is unique: read the new lines' ids back by it.
    touched_pos = sorted({r["po_id"] for r in records})
    id_of: dict[tuple[int, int], int] = {}
    for part in chunks(touched_pos, 1_000):
        id_of.update(
            ((po_id, line_no), line_id)
            for line_id, po_id, line_no in session.execute(
                select(L.id, L.po_id, L.line_no).where(L.po_id.in_(list(part)))
            )
        )
    line_ids = [id_of[(r["po_id"], r["line_no"])] for r in records]
    proposals = _table(ProposalRow).c
    session.execute(
        update(_table(ProposalRow))
        .where(proposals.id == bindparam("pid"))
        .values(
            status="approved",
            po_line_id=bindparam("lid"),
            decided_at=now,
            decided_by=bindparam("who"),
        ),
        [
            {"pid": pid, "lid": lid, "who": actor}
            for pid, lid in zip(lines["proposal_id"].to_list(), line_ids, strict=True)
        ],
    )
    releases = (
        lines.filter(pl.col("agreement_id").is_not_null())
        .group_by("agreement_id", "item_id")
        .agg(pl.col("qty").sum())
    )
    if releases.height:
        AL = _table(AgreementLineRow).c
        session.execute(
            update(_table(AgreementLineRow))
            .where(AL.agreement_id == bindparam("aid"), AL.item_id == bindparam("iid"))
            .values(released_qty=AL.released_qty + bindparam("q")),
            [
                {"aid": a, "iid": i, "q": q}
                for a, i, q in releases.select("agreement_id", "item_id", "qty").iter_rows()
            ],
        )
    session.execute(insert(PurchaseOrderEventRow), events)
    return sorted({number for _id, number, _first in po_of_key.values()})


def _store_decided(
    session: Session,
    decided: pl.DataFrame,
    *,
    run_id: int | None,
    source: str,
    actor: str,
    signal_key: str | None = None,
) -> tuple[list[int], list[str]]:
    """Insert decided order proposals; place the auto-approved ones. Returns proposal ids
    and the PO numbers created or extended."""
    ids = _insert_proposals(session, decided, run_id=run_id, source=source, signal_key=signal_key)
    frame = decided.with_columns(pl.Series("proposal_id", ids, dtype=pl.Int64))
    auto = frame.filter((pl.col("decision") == "auto") & pl.col("sourced"))
    pos = place_orders(
        session,
        auto.with_columns(
            pl.col("explain")
            .map_elements(lambda s: jsonable(dict(s)), return_dtype=pl.Object)
            .alias("explanation")
        )
        if auto.height
        else auto,
        actor=f"{actor} (auto-approved)",
        note="auto-approved",
    )
    return ids, pos


# --------------------------------------------------------------------------- plan run


def _policy_frame(session: Session) -> tuple[int, date, pl.DataFrame]:
    run_id = data.latest_run(session, "policy")
    if run_id is None:
        raise InvalidInputError("no policy yet: run 'takt policy' first")
    as_of = session.execute(select(PlanRunRow.as_of).where(PlanRunRow.id == run_id)).scalar_one()
    return run_id, as_of, data.policies(session, run_id)


def run_plan(
    engine: Engine,
    *,
    as_of: date | None = None,
    settings: ReplenishSettings | None = None,
    actor: str = "cli",
    wait_seconds: float = 0.0,
) -> PlanResult:
    """Plan every item (see module doc) and store the run (kind ``plan``)."""
    require_current(engine)
    settings = settings or ReplenishSettings()
    started = datetime.now(UTC)
    with run_lock(engine, "plan run", holder=actor, wait_seconds=wait_seconds):
        with transaction(engine) as session:
            # Holding the lock, any plan still "running" is one whose process died.
            session.execute(
                update(PlanRunRow)
                .where(PlanRunRow.kind == "plan", PlanRunRow.status == "running")
                .values(
                    status="failed",
                    error="interrupted: its process ended before it finished (nothing written)",
                    finished_at=datetime.now(UTC),
                )
            )
            policy_run, policy_as_of, pol = _policy_frame(session)
        plan_date = as_of or policy_as_of
        params = {
            "actor": actor,
            "policy_run": policy_run,
            "horizon_days": settings.plan.horizon_days,
            "firm_days": settings.plan.firm_days,
            "reschedule_tolerance_days": settings.plan.reschedule_tolerance_days,
            "agreement_warn_share": settings.sourcing.agreement_warn_share,
            "auto_approve_limit": settings.approval.auto_approve_limit,
            "max_over_policy": settings.approval.max_over_policy,
        }
        run = recorded_run(engine, kind="plan", as_of=plan_date, parameters=params)
        with run as run_id, transaction(engine) as session:
            pol = data.with_uplifts(session, pol, plan_date)
            summary = _plan_in_session(session, run_id, policy_run, pol, plan_date, settings, actor)
            proposals = _run_proposals(session, run_id)
        summary["seconds"] = round((datetime.now(UTC) - started).total_seconds(), 2)
        finish_run(engine, run_id, summary)
    return PlanResult(run_id, plan_date, proposals, summary)


def _plan_in_session(
    session: Session,
    run_id: int,
    policy_run: int,
    pol: pl.DataFrame,
    as_of: date,
    settings: ReplenishSettings,
    actor: str,
) -> dict[str, Any]:
    superseded = session.execute(
        update(ProposalRow)
        .where(ProposalRow.status == "open")
        .values(status="superseded", decided_at=datetime.now(UTC), decided_by=f"plan run {run_id}")
    ).rowcount  # type: ignore[attr-defined]
    lines = data.open_lines(session)
    pos = data.positions(session, lines=lines)
    wanted = _order_requirements(pol, pos.drop("proposed"), as_of, settings.plan)
    decided = _decide(session, wanted, as_of, settings) if wanted.height else wanted
    ids, pos_numbers = (
        _store_decided(session, decided, run_id=run_id, source="plan", actor=actor)
        if decided.height
        else ([], [])
    )
    stock = pol.select("item_id", "safety_stock", "demand_per_day").join(
        pos.select("item_id", "on_hand", "backordered", "allocated"), on="item_id", how="left"
    )
    moves = reschedule_open_lines(stock, lines, as_of=as_of, config=settings.plan)
    if moves.height:
        moves = moves.join(
            lines.select("line_id", "supplier_id", "unit_price"), on="line_id", how="left"
        ).with_columns(
            pl.col("action").alias("kind"),
            pl.col("open_qty").alias("qty"),
            pl.col("need_date").alias("new_date"),
            pl.lit("queue").alias("decision"),
            pl.lit("a change to an open line is for a buyer to make").alias("approval_reason"),
            (pl.col("open_qty") * pl.col("unit_price")).alias("value"),
            pl.struct("due_date", "days", "open_qty").alias("explain"),
        )
        _insert_proposals(session, moves, run_id=run_id, source="plan")
    counts = decided.group_by("decision").len() if decided.height else pl.DataFrame()
    by_decision = dict(counts.iter_rows()) if counts.height else {}
    value = float(decided["value"].fill_null(0).sum()) if decided.height else 0.0
    return {
        "policy_run": policy_run,
        "items": pol.height,
        "orders": decided.height,
        "auto_approved": int(by_decision.get("auto", 0)),
        "queued": int(by_decision.get("queue", 0)),
        "unsourced": int((~decided["sourced"]).sum()) if decided.height else 0,
        "late": int(decided["late"].sum()) if decided.height else 0,
        "order_value": round(value, 2),
        "purchase_orders": len(pos_numbers),
        "reschedules": dict(moves.group_by("action").len().iter_rows()) if moves.height else {},
        "superseded": int(superseded or 0),
        "proposals": len(ids) + moves.height,
    }


PROPOSAL_COLUMNS = {
    "id": pl.Int64,
    "plan_run_id": pl.Int64,
    "item": pl.Utf8,
    "kind": pl.Utf8,
    "source": pl.Utf8,
    "status": pl.Utf8,
    "qty": pl.Float64,
    "supplier": pl.Utf8,
    "need_date": pl.Date,
    "order_date": pl.Date,
    "delivery_date": pl.Date,
    "new_date": pl.Date,
    "unit_price": pl.Float64,
    "value": pl.Float64,
    "agreement": pl.Utf8,
    "po": pl.Utf8,
    "line_no": pl.Int64,
    "decision": pl.Utf8,
    "reason": pl.Utf8,
    "approval_reason": pl.Utf8,
    "warning": pl.Utf8,
}


def _proposal_query() -> Any:
    from takt.store.models import AgreementRow, SupplierRow

    Pr, L, P = ProposalRow, PurchaseOrderLineRow, PurchaseOrderRow
    return (
        select(
            Pr.id,
            Pr.plan_run_id,
            ItemRow.sku + "@" + ItemRow.location,
            Pr.kind,
            Pr.source,
            Pr.status,
            Pr.qty,
            SupplierRow.code,
            Pr.need_date,
            Pr.order_date,
            Pr.delivery_date,
            Pr.new_date,
            Pr.unit_price,
            Pr.value,
            AgreementRow.number,
            P.number,
            L.line_no,
            Pr.decision,
            Pr.reason,
            Pr.approval_reason,
            Pr.warning,
        )
        .join(ItemRow, ItemRow.id == Pr.item_id)
        .outerjoin(SupplierRow, SupplierRow.id == Pr.supplier_id)
        .outerjoin(AgreementRow, AgreementRow.id == Pr.agreement_id)
        .outerjoin(L, L.id == Pr.po_line_id)
        .outerjoin(P, P.id == L.po_id)
        .order_by(Pr.id)
    )


def _run_proposals(session: Session, run_id: int) -> pl.DataFrame:
    query = _proposal_query().where(ProposalRow.plan_run_id == run_id)
    return data.frame(session, query, PROPOSAL_COLUMNS)


def list_proposals(
    engine: Engine,
    *,
    status: str | None = "open",
    run_id: int | None = None,
    item: str | None = None,
    limit: int | None = None,
) -> pl.DataFrame:
    """Proposals, newest plan first; ``status`` None = all."""
    query = _proposal_query()
    if status is not None:
        query = query.where(ProposalRow.status == status)
    if run_id is not None:
        query = query.where(ProposalRow.plan_run_id == run_id)
    if item is not None:
        sku, _, location = item.partition("@")
        query = query.where(ItemRow.sku == sku)
        if location:
            query = query.where(ItemRow.location == location)
    if limit is not None:
        query = query.limit(limit)
    with transaction(engine) as session:
        return data.frame(session, query, PROPOSAL_COLUMNS)


def compare_plans(engine: Engine, run_id: int, previous: int | None = None) -> pl.DataFrame:
    """Per item, the proposals of a plan run against the previous plan run: quantity
    ordered, value and actions in both, and what changed."""
    with transaction(engine) as session:
        if previous is None:
            previous = session.execute(
                select(func.max(PlanRunRow.id)).where(
                    PlanRunRow.kind == "plan",
                    PlanRunRow.id < run_id,
                    PlanRunRow.status == "succeeded",
                )
            ).scalar()
        runs = [run_id] if previous is None else [run_id, previous]
        query = _proposal_query().where(ProposalRow.plan_run_id.in_(runs))
        frame = data.frame(session, query, PROPOSAL_COLUMNS)
    per_run = frame.group_by("plan_run_id", "item").agg(
        pl.col("qty").filter(pl.col("kind") == "order").sum().alias("qty"),
        pl.col("value").filter(pl.col("kind") == "order").sum().alias("value"),
        pl.col("kind").sort().str.join(",").alias("actions"),
    )
    now = per_run.filter(pl.col("plan_run_id") == run_id).drop("plan_run_id")
    before = per_run.filter(pl.col("plan_run_id") == previous).drop("plan_run_id")
    both = now.join(before, on="item", how="full", coalesce=True, suffix="_previous")
    return (
        both.with_columns(
            pl.col("qty", "qty_previous", "value", "value_previous").fill_null(0.0),
            pl.col("actions", "actions_previous").fill_null(""),
        )
        .with_columns(
            (pl.col("qty") - pl.col("qty_previous")).alias("qty_change"),
            pl.when(pl.col("actions_previous") == "")
            .then(pl.lit("new"))
            .when(pl.col("actions") == "")
            .then(pl.lit("gone"))
            .when(
                (pl.col("actions") == pl.col("actions_previous"))
                & ((pl.col("qty") - pl.col("qty_previous")).abs() < 1e-9)
            )
            .then(pl.lit("same"))
            .otherwise(pl.lit("changed"))
            .alias("change"),
        )
        .sort("item")
    )


# --------------------------------------------------------------------------- decisions


def _open_proposals(
    session: Session, ids: Sequence[int], *, approving: bool = True
) -> pl.DataFrame:
    Pr = ProposalRow
    rows = session.execute(
        select(
            Pr.id,
            Pr.kind,
            Pr.status,
            Pr.item_id,
            Pr.supplier_id,
            Pr.qty,
            Pr.unit_price,
            Pr.value,
            Pr.agreement_id,
            Pr.need_date,
            Pr.delivery_date,
            Pr.order_date,
            Pr.reason,
            Pr.explanation,
            Pr.po_line_id,
            Pr.new_date,
        ).where(Pr.id.in_(list(ids)))
    ).all()
    found = {r[0] for r in rows}
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFoundError(f"no proposal {', '.join(map(str, missing))}")
    closed = [f"{r[0]} is {r[2]}" for r in rows if r[2] != "open"]
    if closed:
        raise InvalidInputError(f"only open proposals can be decided: {'; '.join(closed)}")
    unsourced = [str(r[0]) for r in rows if r[1] == "order" and r[4] is None]
    if approving and unsourced:
        raise InvalidInputError(
            f"proposal(s) {', '.join(unsourced)} have no supplier: add an offer, then re-plan"
        )
    return pl.DataFrame(
        [
            {
                "proposal_id": r[0],
                "kind": r[1],
                "item_id": r[3],
                "supplier_id": r[4],
                "qty": r[5],
                "unit_price": float(r[6] or 0),
                "value": float(r[7] or 0),
                "agreement_id": r[8],
                "need_date": r[9],
                "delivery_date": r[10],
                "order_date": r[11],
                "reason": r[12],
                "explanation": r[13],
                "line_id": r[14],
                "new_date": r[15],
                "requirement_id": r[0],
            }
            for r in rows
        ],
        schema_overrides={
            "explanation": pl.Object,
            "agreement_id": pl.Int64,
            "line_id": pl.Int64,
            "new_date": pl.Date,
        },
    )


def approve_proposals(engine: Engine, ids: Sequence[int], *, actor: str) -> list[str]:
    """Approve open proposals: orders become PO lines (consolidated); an expedite or
    push-out asks the supplier for the new date on the line; a cancel cancels the line.
    All or nothing. Returns the POs touched."""
    from takt.services.purchasing import apply_line_change

    with transaction(engine) as session:
        chosen = _open_proposals(session, ids)
        orders = chosen.filter(pl.col("kind") == "order")
        touched = place_orders(session, orders, actor=actor, note="approved by a buyer")
        for r in chosen.filter(pl.col("kind") != "order").iter_rows(named=True):
            touched.append(
                apply_line_change(
                    session,
                    r["line_id"],
                    r["kind"],
                    r["new_date"],
                    actor=actor,
                    proposal_id=r["proposal_id"],
                )
            )
            session.execute(
                update(ProposalRow)
                .where(ProposalRow.id == r["proposal_id"])
                .values(status="approved", decided_at=datetime.now(UTC), decided_by=actor)
            )
    return sorted(set(touched))


def reject_proposals(engine: Engine, ids: Sequence[int], *, actor: str, note: str = "") -> int:
    with transaction(engine) as session:
        _open_proposals(session, ids, approving=False)
        result = session.execute(
            update(ProposalRow)
            .where(ProposalRow.id.in_(list(ids)))
            .values(
                status="rejected",
                decided_at=datetime.now(UTC),
                decided_by=actor,
                approval_reason=func.coalesce(ProposalRow.approval_reason, "")
                + (f" — rejected: {note}" if note else " — rejected"),
            )
        )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
