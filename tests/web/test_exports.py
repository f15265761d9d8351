"""Formula-injection-safe CSV (:mod:`takt.services.exports`)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest

from takt.services.exports import csv_text, safe_cell, write_csv


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("A-1 =x", "A-1 =x"),  # only the first character counts
        ("", ""),
        (None, ""),
        (True, "true"),
        (-2.5, -2.5),  # our own numbers stay numbers
        (7, 7),
        (Decimal("-12.50"), "-12.50"),
        (date(2026, 3, 2), "2026-03-02"),
        (datetime(2026, 3, 2, 8, 30), "2026-03-02T08:30:00"),
    ],
)
def test_safe_cell(value: object, expected: object) -> None:
    assert safe_cell(value) == expected


def test_write_csv_quotes_formulas_and_keeps_separators_inside_cells() -> None:
    out = io.StringIO()
    rows = [
        {"item": '=HYPERLINK("http://x","y")', "qty": 3.0, "note": "a, b\nc"},
        {"item": "B@MAIN", "qty": -1.0, "note": None},
    ]
    assert write_csv(out, ["item", "qty", "note"], rows) == 2
    parsed = list(csv.reader(io.StringIO(out.getvalue())))
    assert parsed == [
        ["item", "qty", "note"],
        ['\'=HYPERLINK("http://x","y")', "3.0", "a, b\nc"],
        ["B@MAIN", "-1.0", ""],
    ]
    assert out.getvalue().endswith("\r\n")


def test_csv_text_takes_sequences_and_quotes_the_header_too() -> None:
    text = csv_text(["=a", "b"], [("-x", 1), ("y", None)])
    assert list(csv.reader(io.StringIO(text))) == [["'=a", "b"], ["'-x", "1"], ["y", ""]]
