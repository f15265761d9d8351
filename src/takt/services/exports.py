"""CSV exports that are safe to open in a spreadsheet.

Excel, LibreOffice Calc and Google Sheets read a cell whose text begins with ``=``,
``+``, ``-`` or ``@`` as a formula, and a leading tab or carriage return can hide such a
start (CSV or formula injection, OWASP "CSV Injection"). Item descriptions, reasons and
notes come from imports, suppliers and people, so an export must not let one of them run
``=HYPERLINK(…)`` or ``=cmd|…`` on a buyer's machine. :func:`safe_cell` prefixes any such
text with a single quote, which the spreadsheet shows as text and does not evaluate.

Numbers we write ourselves (``int``, ``float``, ``Decimal``) stay numbers: ``-5`` as a
number is not text and carries no formula, and quoting it would turn every negative
quantity into text. The same ``-5`` arriving as a *string* is quoted, because a string
is whatever someone typed. Quoting of separators and line breaks is left to
:mod:`csv` (RFC 4180 style, every text cell in quotes when needed).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TextIO

# Starts a spreadsheet reads as a formula (or uses to hide one).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str | int | float:
    """``value`` as one CSV cell a spreadsheet shows as written.

    None is an empty cell, dates are ISO 8601, booleans ``true``/``false``, numbers stay
    numbers; text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
    gets a leading ``'``.

    >>> safe_cell("=cmd|' /C calc'!A0")
    "'=cmd|' /C calc'!A0"
    >>> safe_cell("-2+3"), safe_cell(-2.5), safe_cell("A-1"), safe_cell(None)
    ("'-2+3", -2.5, 'A-1', '')
    """
    if value is None:
        return ""
    if isinstance(value, bool):  # before int: bool is an int
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    if isinstance(value, Decimal):  # money: every digit kept, still a number
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def write_csv(
    out: TextIO, columns: Sequence[str], rows: Iterable[Mapping[str, Any] | Sequence[Any]]
) -> int:
    """Write a header of ``columns`` and ``rows`` (mappings by column name, or sequences
    in column order) to ``out``, every cell through :func:`safe_cell`; returns the number
    of rows written."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(c) for c in columns])
    count = 0
    for row in rows:
        values = [row.get(c) for c in columns] if isinstance(row, Mapping) else list(row)
        writer.writerow([safe_cell(v) for v in values])
        count += 1
    return count


def csv_text(columns: Sequence[str], rows: Iterable[Mapping[str, Any] | Sequence[Any]]) -> str:
    """:func:`write_csv` into a string."""
    buffer = io.StringIO()
    write_csv(buffer, columns, rows)
    return buffer.getvalue()


def safe_frame(frame: Any) -> Any:
    """A polars DataFrame with every text cell made safe as :func:`safe_cell` does
    (vectorised: for ``takt export`` of millions of rows). Numbers and dates untouched."""
    import polars as pl

    pattern = "^[" + "".join("\\" + c if c in "-+" else c for c in FORMULA_STARTS) + "]"
    text = [name for name, dtype in frame.schema.items() if dtype == pl.Utf8]
    return frame.with_columns(
        pl.when(pl.col(name).str.contains(pattern))
        .then(pl.lit("'") + pl.col(name))
        .otherwise(pl.col(name))
        .alias(name)
        for name in text
    )
