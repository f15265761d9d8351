"""The PO lifecycle: every legal move, and clear refusals of the illegal ones."""

from __future__ import annotations

import pytest

from takt.domain.enums import PurchaseOrderStatus as S
from takt.errors import InvalidInputError
from takt.replenish.lifecycle import (
    ACTIONS,
    allowed_actions,
    check_transition,
    next_status,
    receive_status,
)


def test_the_happy_path_from_draft_to_closed() -> None:
    status = S.DRAFT
    for action, expected in [
        ("approve", S.APPROVED),
        ("send", S.SENT),
        ("acknowledge", S.ACKNOWLEDGED),
        ("ship", S.SHIPPED),
    ]:
        status = next_status("P1", status, action)
        assert status is expected
    status = receive_status("P1", status, fully_delivered=False)
    assert status is S.PARTIALLY_RECEIVED
    status = receive_status("P1", status, fully_delivered=True)
    assert status is S.RECEIVED
    assert next_status("P1", status, "close") is S.CLOSED


def test_suppliers_may_skip_the_acknowledgement_and_the_ship_notice() -> None:
    assert next_status("P1", S.SENT, "ship") is S.SHIPPED
    assert receive_status("P1", S.SENT, fully_delivered=True) is S.RECEIVED


@pytest.mark.parametrize(
    ("status", "action", "message"),
    [
        (S.DRAFT, "send", "PO P9 is draft; it cannot send (allowed: approve, cancel)"),
        (S.SHIPPED, "cancel", "PO P9 is shipped; it cannot cancel"),
        (S.RECEIVED, "cancel", "PO P9 is received; it cannot cancel (allowed: close)"),
        (S.CLOSED, "receive", "PO P9 is closed; it cannot receive (it is final)"),
        (S.CANCELLED, "approve", "PO P9 is cancelled; it cannot approve (it is final)"),
        (S.APPROVED, "receive", "PO P9 is approved; it cannot receive"),
    ],
)
def test_illegal_moves_are_refused_naming_the_order_status_and_what_is_allowed(
    status: S, action: str, message: str
) -> None:
    with pytest.raises(InvalidInputError) as info:
        check_transition("P9", status, action)
    assert str(info.value).startswith(message)


def test_every_status_but_the_final_ones_allows_something() -> None:
    for status in S:
        final = status in (S.CLOSED, S.CANCELLED)
        assert (allowed_actions(status) == []) is final, status
    assert set(ACTIONS) == {"approve", "send", "acknowledge", "ship", "receive", "close", "cancel"}
    with pytest.raises(InvalidInputError, match="unknown PO action 'pay'"):
        check_transition("P1", S.SENT, "pay")
