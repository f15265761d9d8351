"""Delivery weekdays as a 7-bit mask (bit 0 = Monday ... bit 6 = Sunday)."""

from __future__ import annotations

from takt.errors import InvalidInputError

ALL_DAYS = 0b1111111
WORKDAYS = 0b0011111
_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_ALIASES = {
    "all": ALL_DAYS,
    "daily": ALL_DAYS,
    "any": ALL_DAYS,
    "weekdays": WORKDAYS,
    "workdays": WORKDAYS,
    "mon-fri": WORKDAYS,
}


def parse_weekdays(text: str) -> int:
    """Parse ``"Mon;Wed;Fri"``, ``"mon,wed"``, ``"1 3 5"`` (ISO numbers) or ``"weekdays"``.

    An empty text means every day.

    >>> parse_weekdays("Mon;Wed;Fri")
    21
    >>> format_weekdays(parse_weekdays("2, 4"))
    'Tue;Thu'
    """
    cleaned = text.strip().lower()
    if not cleaned:
        return ALL_DAYS
    if cleaned in _ALIASES:
        return _ALIASES[cleaned]
    mask = 0
    for token in cleaned.replace(",", " ").replace(";", " ").replace("|", " ").split():
        if token.isdigit() and 1 <= int(token) <= 7:
            mask |= 1 << (int(token) - 1)
        elif token[:3] in _NAMES:
            mask |= 1 << _NAMES.index(token[:3])
        else:
            raise InvalidInputError(
                f"unknown weekday {token!r} (use Mon..Sun, ISO numbers 1..7 or 'weekdays')"
            )
    return mask


def format_weekdays(mask: int) -> str:
    if mask == ALL_DAYS:
        return "all"
    return ";".join(name.capitalize() for i, name in enumerate(_NAMES) if mask >> i & 1)
