"""Risk monitoring: temporary buffer uplifts now; exposure, alerts and recommendations
over the store with :mod:`takt.signals.risk`.

A buffer uplift (``takt risk uplift``) raises one item's safety stock, reorder point and
order-up-to level by a number of units for a number of days: the plan run and the pull
trigger add it while it is in force (:func:`takt.services.replenish_data.with_uplifts`),
and it lapses by itself on its end date: nobody has to remember to take it back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select

from takt.errors import InvalidInputError, NotFoundError
from takt.services.policy import _item_id
from takt.store.db import transaction
from takt.store.models import BufferUpliftRow, ItemRow, RiskEventRow


@dataclass(frozen=True)
class Uplift:
    id: int
    item: str
    qty: float
    start: date
    end: date
    reason: str
    risk_event: str | None


def add_uplift(
    engine: Engine,
    item: str,
    *,
    qty: float,
    days: int,
    start: date | None = None,
    reason: str = "",
    risk_event: str | None = None,
    actor: str = "cli",
) -> Uplift:
    """Raise ``item``'s buffer by ``qty`` units for ``days`` days from ``start`` (today)."""
    if not qty > 0:
        raise InvalidInputError(f"uplift qty must be > 0 (got {qty!r})")
    if days < 1:
        raise InvalidInputError(f"uplift days must be at least 1 (got {days!r})")
    start = start or datetime.now(UTC).date()
    item_id = _item_id(engine, item)
    with transaction(engine) as session:
        event_id = None
        if risk_event is not None:
            event_id = session.execute(
                select(RiskEventRow.id).where(RiskEventRow.key == risk_event)
            ).scalar()
            if event_id is None:
                raise NotFoundError(f"no risk event {risk_event!r}")
        row = BufferUpliftRow(
            item_id=item_id,
            qty=float(qty),
            start_date=start,
            end_date=start + timedelta(days=days),
            reason=reason,
            risk_event_id=event_id,
            created_by=actor,
        )
        session.add(row)
        session.flush()
        return Uplift(row.id, item, row.qty, row.start_date, row.end_date, reason, risk_event)


def list_uplifts(engine: Engine, *, active_on: date | None = None) -> list[dict[str, Any]]:
    """Uplifts, newest first; only those in force on ``active_on`` when given."""
    U = BufferUpliftRow
    query = (
        select(U, ItemRow.sku, ItemRow.location, RiskEventRow.key)
        .join(ItemRow, ItemRow.id == U.item_id)
        .outerjoin(RiskEventRow, RiskEventRow.id == U.risk_event_id)
        .order_by(U.id.desc())
    )
    if active_on is not None:
        query = query.where(U.start_date <= active_on, U.end_date > active_on)
    with transaction(engine) as session:
        return [
            {
                "id": u.id,
                "item": f"{sku}@{location}",
                "qty": u.qty,
                "start": u.start_date,
                "until": u.end_date,
                "reason": u.reason,
                "risk_event": key,
                "by": u.created_by,
            }
            for u, sku, location, key in session.execute(query).all()
        ]


def end_uplift(engine: Engine, uplift_id: int, *, on: date | None = None) -> None:
    """End an uplift early (from ``on``, default today)."""
    on = on or datetime.now(UTC).date()
    with transaction(engine) as session:
        row = session.get(BufferUpliftRow, uplift_id)
        if row is None:
            raise NotFoundError(f"no buffer uplift {uplift_id}")
        if on <= row.start_date:
            session.delete(row)
        elif on < row.end_date:
            row.end_date = on
