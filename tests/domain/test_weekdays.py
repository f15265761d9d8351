from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from takt.domain.weekdays import ALL_DAYS, WORKDAYS, format_weekdays, parse_weekdays
from takt.errors import InvalidInputError


@pytest.mark.parametrize(
    ("text", "mask"),
    [
        ("", ALL_DAYS),
        ("all", ALL_DAYS),
        ("weekdays", WORKDAYS),
        ("Mon;Wed;Fri", 0b10101),
        ("1 3 5", 0b10101),
        ("tuesday, thursday", 0b1010),
        ("Sun", 0b1000000),
    ],
)
def test_parse(text: str, mask: int) -> None:
    assert parse_weekdays(text) == mask


@given(st.integers(min_value=1, max_value=ALL_DAYS))
def test_format_round_trips(mask: int) -> None:
    assert parse_weekdays(format_weekdays(mask)) == mask


def test_unknown_day_is_named() -> None:
    with pytest.raises(InvalidInputError, match="unknown weekday 'funday'"):
        parse_weekdays("Mon;Funday")
