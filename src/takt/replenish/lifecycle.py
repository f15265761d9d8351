"""The purchase-order lifecycle: which status changes are legal, by which action.

::

    draft ──approve──▶ approved ──send──▶ sent ──acknowledge──▶ acknowledged
                                            │                       │
                                            └──────ship (ASN)───────┴──▶ shipped
    sent / acknowledged / shipped / partially_received ──receive──▶ partially_received | received
    received / partially_received ──close──▶ closed
    draft / approved / sent / acknowledged ──cancel──▶ cancelled

A supplier may ship without acknowledging and goods may arrive without a ship notice, so
``sent`` can go straight to ``shipped`` or to a receipt. Once goods are on the way
(``shipped``) or have arrived, the order can no longer be cancelled (close it short
instead); ``closed`` and ``cancelled`` are final. An illegal change is refused with an
:class:`~takt.errors.InvalidInputError` that names the order, its status and what it
allows.
"""

from __future__ import annotations

from takt.domain.enums import PurchaseOrderStatus as S
from takt.errors import InvalidInputError

_RECEIVABLE = (S.SENT, S.ACKNOWLEDGED, S.SHIPPED, S.PARTIALLY_RECEIVED)

# action -> the statuses it may start from
ACTIONS: dict[str, tuple[S, ...]] = {
    "approve": (S.DRAFT,),
    "send": (S.APPROVED,),
    "acknowledge": (S.SENT, S.ACKNOWLEDGED),
    "ship": (S.SENT, S.ACKNOWLEDGED, S.SHIPPED),
    "receive": _RECEIVABLE,
    "close": (S.RECEIVED, S.PARTIALLY_RECEIVED),
    "cancel": (S.DRAFT, S.APPROVED, S.SENT, S.ACKNOWLEDGED),
}

# action -> the status it leads to (receive depends on the quantities: see receive_status)
_TARGET: dict[str, S] = {
    "approve": S.APPROVED,
    "send": S.SENT,
    "acknowledge": S.ACKNOWLEDGED,
    "ship": S.SHIPPED,
    "close": S.CLOSED,
    "cancel": S.CANCELLED,
}


def allowed_actions(status: S) -> list[str]:
    """The actions a PO in ``status`` allows, in lifecycle order."""
    return [action for action, sources in ACTIONS.items() if status in sources]


def check_transition(po: str, status: S, action: str) -> None:
    """Refuse ``action`` on PO ``po`` in ``status`` unless the lifecycle allows it."""
    if action not in ACTIONS:
        raise InvalidInputError(f"unknown PO action {action!r} (one of {', '.join(ACTIONS)})")
    if status not in ACTIONS[action]:
        allowed = allowed_actions(status)
        then = f"allowed: {', '.join(allowed)}" if allowed else "it is final"
        raise InvalidInputError(f"PO {po} is {status.value}; it cannot {action} ({then})")


def next_status(po: str, status: S, action: str) -> S:
    """The status after ``action`` (not for ``receive``: see :func:`receive_status`)."""
    check_transition(po, status, action)
    if action == "receive":
        raise InvalidInputError("the status after a receipt depends on the quantities")
    return _TARGET[action]


def receive_status(po: str, status: S, *, fully_delivered: bool) -> S:
    """The status after a receipt: ``received`` when every open line is delivered in full."""
    check_transition(po, status, "receive")
    return S.RECEIVED if fully_delivered else S.PARTIALLY_RECEIVED
