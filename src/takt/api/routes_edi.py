"""EDI over HTTP: post an inbound interchange (X12 or EDIFACT) and get our 997/CONTRL;
the interchange log and the invoices."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Query, status

from takt.api.deps import Buyer, CurrentUser, EngineDep, Viewer

router = APIRouter()


@router.post("/edi/inbound", tags=["edi"])
def inbound(
    engine: EngineDep,
    user: CurrentUser,
    text: Annotated[str, Body(media_type="text/plain", max_length=5_000_000)],
) -> dict[str, Any]:
    """Apply one interchange (855/856/810/997 or ORDRSP/DESADV/INVOIC/CONTRL) whole or not
    at all; the answer is our functional acknowledgement. A supplier account may only
    post interchanges sent by itself."""
    from takt.services.edi import detect_standard, receive_interchange
    from takt.store.db import transaction
    from takt.store.models import SupplierRow

    if user.role == "supplier":
        standard = detect_standard(text)
        codec = __import__(f"takt.edi.{standard}", fromlist=["decode"])
        with transaction(engine) as session:
            supplier = session.get(SupplierRow, user.supplier_id)
            own = supplier.edi_id or supplier.code if supplier else None
        sender = _sender(codec, text)
        if sender is not None and sender != own:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, f"a supplier may only post its own interchanges ({own})"
            )
    elif not user.can("buyer"):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this needs the buyer role")
    result = receive_interchange(engine, text, actor=user.username)
    return {
        "accepted": result.accepted,
        "standard": result.standard,
        "control_number": result.control_number,
        "applied": list(result.applied),
        "errors": list(result.errors),
        "answer": result.answer,
    }


def _sender(codec: Any, text: str) -> str | None:
    from takt.edi.documents import EdiRejected

    try:
        return str(codec.decode(text).envelope.sender_id)
    except EdiRejected as rejected:
        return rejected.sender_id


@router.get("/edi/interchanges", tags=["edi"])
def interchanges(
    engine: EngineDep, _: Buyer, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[dict[str, Any]]:
    from takt.services.edi import list_interchanges

    return list_interchanges(engine, limit=limit)


@router.get("/invoices", tags=["edi"])
def invoices(
    engine: EngineDep,
    _: Viewer,
    status_: Annotated[str | None, Query(alias="status", pattern="^(matched|held)$")] = None,
) -> list[dict[str, Any]]:
    """Invoices with the three-way match result; held ones say why."""
    from takt.services.edi import list_invoices

    return list_invoices(engine, status=status_)
