"""Operations: demand signals (one and bulk), proposals (approve and reject in bulk),
purchase orders (send, cancel), receipts and plan runs (start, progress, results)."""

from __future__ import annotations

import threading
import time
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, status
from sqlalchemy import Engine, func, select
from starlette.concurrency import run_in_threadpool

from takt.api.deps import Buyer, EngineDep, Planner, Viewer
from takt.api.schemas import (
    Note,
    PlanRunCreate,
    ProposalIds,
    ReceiptCreate,
    SignalBatch,
    SignalCreate,
)
from takt.domain.enums import EdiPreference
from takt.services.trigger import SignalResult
from takt.store.db import transaction
from takt.store.models import PlanRunRow, PurchaseOrderRow, SupplierRow

router = APIRouter()
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=10**9)]


def _post_now(engine: Engine, body: SignalCreate, actor: str) -> dict[str, Any]:
    from takt.services.trigger import post_signal as post

    return _signal(
        post(engine, item=body.item, qty=body.qty, at=body.at, source=body.source,
             key=body.key, actor=actor)
    )  # fmt: skip


def _signal(r: SignalResult) -> dict[str, Any]:
    return {
        "key": r.key,
        "item": r.item,
        "duplicate": r.duplicate,
        "position": r.position,
        "proposal_id": r.proposal_id,
        "decision": r.decision,
        "po": r.po,
    }


@router.post("/signals", tags=["signals"], status_code=status.HTTP_201_CREATED)
async def post_signal(
    body: SignalCreate,
    engine: EngineDep,
    user: Planner,
    request: Request,
    wait: Annotated[bool, Query(description="Decide a due order inside the request")] = False,
) -> dict[str, Any]:
    """One consumption signal: stock is consumed and the trigger checked at once; the
    same key again is a duplicate (nothing changes). When the item reaches its trigger
    the order is sourced and decided by the background trigger within a moment
    (``decision`` "queued"; its proposal then shows in ``/api/proposals``), or inside
    this request with ``wait=true`` (``proposal_id`` and ``decision`` answered).

    Runs on the event loop (a couple of milliseconds of indexed statements; the store
    serialises signal writes anyway), sparing the thread-pool hop; ``wait=true`` goes to
    the thread pool."""
    from takt.services.trigger import post_signal as post

    if wait:
        return await run_in_threadpool(_post_now, engine, body, user.username)

    defer = request.app.state.trigger_worker.start().submit
    return _signal(
        post(
            engine,
            item=body.item,
            qty=body.qty,
            at=body.at,
            source=body.source,
            key=body.key,
            actor=user.username,
            defer=defer,
        )
    )


@router.post("/signals/bulk", tags=["signals"], status_code=status.HTTP_201_CREATED)
def post_signals(body: SignalBatch, engine: EngineDep, user: Planner) -> dict[str, Any]:
    """Up to 50,000 signals in one transaction (all or nothing; a bad one is named by its
    index); the pull trigger runs for the items that reached their trigger."""
    from takt.services.signals_bulk import post_signals as post

    result = post(engine, [s.model_dump() for s in body.signals], actor=user.username)
    return {
        "accepted": result.accepted,
        "duplicates": result.duplicates,
        "items": result.items,
        "proposals": [_signal(p) for p in result.proposals],
    }


@router.get("/proposals", tags=["proposals"])
def proposals(
    engine: EngineDep,
    _: Viewer,
    status_: Annotated[
        str | None, Query(alias="status", pattern="^(open|approved|rejected|superseded|all)$")
    ] = "open",
    item: Annotated[str | None, Query(max_length=200)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    """The buyer's queue (``status=open``) or any other status, each with its reason."""
    from takt.services.replenish import list_proposals

    frame = list_proposals(engine, status=None if status_ == "all" else status_, item=item)
    return {
        "items": frame.slice(offset, limit).to_dicts(),
        "total": frame.height,
        "limit": limit,
        "offset": offset,
    }


@router.post("/proposals/approve", tags=["proposals"])
def approve(body: ProposalIds, engine: EngineDep, user: Buyer) -> dict[str, Any]:
    """Approve proposals: orders become PO lines (one PO per supplier and day)."""
    from takt.services.replenish import approve_proposals

    return {"purchase_orders": approve_proposals(engine, body.ids, actor=user.username)}


@router.post("/proposals/reject", tags=["proposals"])
def reject(body: ProposalIds, engine: EngineDep, user: Buyer) -> dict[str, Any]:
    from takt.services.replenish import reject_proposals

    return {"rejected": reject_proposals(engine, body.ids, actor=user.username, note=body.note)}


@router.get("/purchase-orders", tags=["purchase orders"])
def purchase_orders(
    engine: EngineDep,
    _: Viewer,
    status_: Annotated[str | None, Query(alias="status", max_length=32)] = None,
    supplier: Annotated[str | None, Query(max_length=64)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    from takt.services.purchasing import list_purchase_orders

    frame = list_purchase_orders(engine, status=status_, supplier=supplier)
    return {
        "items": frame.slice(offset, limit).to_dicts(),
        "total": frame.height,
        "limit": limit,
        "offset": offset,
    }


@router.get("/purchase-orders/{number}", tags=["purchase orders"])
def purchase_order(engine: EngineDep, _: Viewer, number: str) -> dict[str, Any]:
    """A PO's header, lines (each with why it was ordered) and audit trail."""
    from takt.services.purchasing import show_purchase_order

    header, lines, events = show_purchase_order(engine, number)
    return {**header, "lines": lines.to_dicts(), "events": events.to_dicts()}


@router.post("/purchase-orders/{number}/send", tags=["purchase orders"])
def send(engine: EngineDep, user: Buyer, number: str) -> dict[str, Any]:
    """Send an approved PO: by EDI (850/ORDERS) to suppliers who take EDI, else mark it
    sent (portal or e-mail)."""
    with transaction(engine) as session:
        preference = session.execute(
            select(SupplierRow.edi_preference)
            .join(PurchaseOrderRow, PurchaseOrderRow.supplier_id == SupplierRow.id)
            .where(PurchaseOrderRow.number == number)
        ).scalar()
    if preference in (EdiPreference.X12, EdiPreference.EDIFACT):
        from takt.services.edi import send_purchase_order

        sent = send_purchase_order(engine, number, actor=user.username)
        return {
            "po": number,
            "status": "sent",
            "channel": sent.standard,
            "control_number": sent.control_number,
        }
    from takt.services.purchasing import transition

    state = transition(engine, number, "send", actor=user.username)
    return {"po": number, "status": state, "channel": preference.value if preference else None}


@router.post("/purchase-orders/{number}/cancel", tags=["purchase orders"])
def cancel(body: Note, engine: EngineDep, user: Buyer, number: str) -> dict[str, Any]:
    from takt.services.purchasing import transition

    return {"po": number, "status": transition(engine, number, "cancel", actor=user.username,
                                               note=body.note)}  # fmt: skip


@router.post("/receipts", tags=["purchase orders"], status_code=status.HTTP_201_CREATED)
def receipt(body: ReceiptCreate, engine: EngineDep, user: Buyer) -> dict[str, Any]:
    """Receive on a PO line with the inspection result (rejected units stay out of stock)."""
    from takt.services.purchasing import receive

    r = receive(
        engine,
        body.po,
        body.line_no,
        body.qty,
        rejected=body.rejected,
        receipt=body.receipt,
        received_on=body.received_on,
        note=body.note,
        actor=user.username,
    )
    return dict(r.__dict__)


def _latest_plan(engine: Engine) -> int:
    with transaction(engine) as session:
        return int(
            session.execute(
                select(func.coalesce(func.max(PlanRunRow.id), 0)).where(PlanRunRow.kind == "plan")
            ).scalar_one()
        )


@router.post("/plan-runs", tags=["runs"], status_code=status.HTTP_202_ACCEPTED)
def start_plan(body: PlanRunCreate, engine: EngineDep, user: Planner) -> dict[str, Any]:
    """Start a plan run in the background; follow it at ``/api/plan-runs/{id}``."""
    from takt.services.replenish import run_plan

    before = _latest_plan(engine)
    failure: list[BaseException] = []

    def work() -> None:
        try:
            run_plan(engine, as_of=body.as_of, actor=user.username)
        except BaseException as exc:  # recorded on the run row; kept for the answer below
            failure.append(exc)

    thread = threading.Thread(target=work, name="takt-plan", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10.0
    while time.monotonic() < deadline:
        latest = _latest_plan(engine)
        if latest > before:
            return {"id": latest, "status": "running"}
        if not thread.is_alive():
            break
        time.sleep(0.02)
    thread.join(timeout=0.1)
    if failure:
        raise failure[0]
    return {"id": _latest_plan(engine), "status": "running"}


@router.get("/plan-runs/{run_id}", tags=["runs"])
def plan_run(
    engine: EngineDep, _: Viewer, run_id: Annotated[int, Path(ge=1, le=2**62)]
) -> dict[str, Any]:
    """A run's status (running, succeeded, failed), summary and, when done, proposals."""
    from takt.errors import NotFoundError
    from takt.services.replenish import list_proposals

    with transaction(engine) as session:
        run = session.get(PlanRunRow, run_id)
        if run is None:
            raise NotFoundError(f"no run {run_id}")
        out = {
            "id": run.id,
            "kind": run.kind,
            "status": run.status,
            "as_of": run.as_of,
            "summary": run.summary,
            "error": run.error,
        }
    if out["kind"] == "plan" and out["status"] == "succeeded":
        out["proposals"] = list_proposals(engine, status=None, run_id=run_id).to_dicts()
    return out
