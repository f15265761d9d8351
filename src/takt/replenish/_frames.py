"""Input checks and sentence pieces shared by the replenishment engines.

Sourcing, consolidation and approval all take polars frames from the service layer and answer
in a buyer's words. The checks here turn a bad frame into one :class:`InvalidInputError` that
names the column, the row and the value (``offers.moq must be finite and >= 0 (got -1.0 in row
3, item_id 4, supplier_id 12)``); the text helpers write numbers the way a sentence needs them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
import polars as pl

from takt.errors import InvalidInputError

EPOCH = dt.date(1970, 1, 1)


# --------------------------------------------------------------------------------------------
# Checking the input


def require_columns(frame: object, name: str, columns: Sequence[str]) -> pl.DataFrame:
    """``frame`` as a polars DataFrame holding ``columns``, else an error naming what is missing."""
    if not isinstance(frame, pl.DataFrame):
        raise InvalidInputError(f"{name} must be a polars DataFrame (got {type(frame).__name__})")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InvalidInputError(f"{name} is missing columns: {', '.join(missing)}")
    return frame


def first_bad_row(
    frame: pl.DataFrame,
    name: str,
    column: str,
    bad: pl.Series,
    rule: str,
    label: Callable[[int], str],
) -> None:
    """Raise for the first row flagged in ``bad`` (nulls in ``bad`` count as fine).

    ``label`` names a row in the caller's words (``requirement_id 12``).
    """
    flagged = bad.fill_null(False)
    if flagged.any():
        row = int(flagged.arg_true()[0])
        value = frame.get_column(column)[row]
        raise InvalidInputError(
            f"{name}.{column} must be {rule} (got {value!r} in row {row}, {label(row)})"
        )


def labeller(frame: pl.DataFrame, *columns: str) -> Callable[[int], str]:
    """Names a row by its identifying columns: ``item_id 4, supplier_id 12``."""

    def label(row: int) -> str:
        return ", ".join(f"{c} {frame.get_column(c)[row]}" for c in columns)

    return label


def id_column(frame: pl.DataFrame, name: str, column: str, *, nullable: bool = False) -> pl.Series:
    """A whole-number column (an id, a mask) as Int64; other types or (unless allowed) nulls are
    an error."""
    series = frame.get_column(column)
    if not (series.dtype.is_integer() or series.dtype == pl.Null):
        raise InvalidInputError(f"{name}.{column} must hold whole numbers (got {series.dtype})")
    series = series.cast(pl.Int64)
    if not nullable and series.null_count():
        row = int(series.is_null().arg_true()[0])
        raise InvalidInputError(f"{name}.{column} must not be null (row {row})")
    return series


def float_column(frame: pl.DataFrame, name: str, column: str) -> pl.Series:
    """A numeric column as Float64 (NaN read as null); text or dates are an error."""
    series = frame.get_column(column)
    if not (series.dtype.is_numeric() or series.dtype == pl.Null):
        raise InvalidInputError(f"{name}.{column} must be numeric (got {series.dtype})")
    return series.cast(pl.Float64).fill_nan(None)


def number_column(
    frame: pl.DataFrame,
    name: str,
    column: str,
    label: Callable[[int], str],
    *,
    test: Callable[[pl.Series], pl.Series],
    rule: str,
    nullable: bool = True,
    where: pl.Series | None = None,
) -> pl.Series:
    """A numeric column (as :func:`float_column`) whose values all pass ``test``.

    A null passes when ``nullable``; ``where`` limits the check to the rows it flags. Else the
    first failing row is an error stating ``rule`` ("finite and >= 0").
    """
    values = float_column(frame, name, column)
    bad = ~test(values).fill_null(True)
    if not nullable:
        bad = bad | values.is_null()
    if where is not None:
        bad = bad & where
    first_bad_row(frame, name, column, bad, rule, label)
    return values


def date_column(
    frame: pl.DataFrame, name: str, column: str, *, nullable: bool = False
) -> pl.Series:
    """A date column as pl.Date (datetimes are cut to their date)."""
    series = frame.get_column(column)
    if isinstance(series.dtype, pl.Datetime):
        series = series.dt.date()
    elif series.dtype == pl.Null:
        series = series.cast(pl.Date)
    elif series.dtype != pl.Date:
        raise InvalidInputError(f"{name}.{column} must be a date (got {series.dtype})")
    if not nullable and series.null_count():
        row = int(series.is_null().arg_true()[0])
        raise InvalidInputError(f"{name}.{column} must not be null (row {row})")
    return series


def flag_column(frame: pl.DataFrame, name: str, column: str) -> pl.Series:
    """A true/false column as Boolean, null read as false."""
    series = frame.get_column(column)
    if series.dtype not in (pl.Boolean, pl.Null):
        raise InvalidInputError(f"{name}.{column} must be true/false (got {series.dtype})")
    return series.cast(pl.Boolean).fill_null(False)


def _is_text(dtype: pl.DataType) -> bool:
    return dtype in (pl.String, pl.Null) or isinstance(dtype, pl.Categorical | pl.Enum)


def category_column(
    frame: pl.DataFrame,
    name: str,
    column: str,
    allowed: Sequence[str],
    label: Callable[[int], str],
) -> pl.Series:
    """A text column whose values must be among ``allowed`` (nulls included in the check)."""
    series = frame.get_column(column)
    if not _is_text(series.dtype):
        raise InvalidInputError(f"{name}.{column} must be text (got {series.dtype})")
    series = series.cast(pl.String)
    first_bad_row(
        frame, name, column, ~series.is_in(list(allowed)).fill_null(False),
        "one of " + ", ".join(allowed), label,
    )  # fmt: skip
    return series


def optional_text_column(frame: pl.DataFrame, name: str, column: str) -> pl.Series:
    """A free-text column that may be left out: as String, all null when ``frame`` lacks it.

    Blank values count as missing, so a label built from the column falls back as for null.
    """
    if column not in frame.columns:
        return pl.Series(column, [None] * frame.height, dtype=pl.String)
    series = frame.get_column(column)
    if not _is_text(series.dtype):
        raise InvalidInputError(f"{name}.{column} must be text (got {series.dtype})")
    text = series.cast(pl.String).str.strip_chars().alias(column)
    return text.to_frame().select(pl.when(pl.col(column) != "").then(pl.col(column))).to_series()


def day_number(value: object, name: str = "as_of") -> int:
    """A date as days since 1970-01-01 (the integer behind ``pl.Date``)."""
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise InvalidInputError(f"{name} must be a date (got {type(value).__name__})")
    return (value - EPOCH).days


# --------------------------------------------------------------------------------------------
# Numbers in sentences


def label_text(code: pl.Expr, number: pl.Expr, prefix: str) -> pl.Expr:
    """How a sentence names a supplier or an agreement: by its code where there is one
    (``S-024``), else by ``prefix`` and its id (``S24``)."""
    return pl.coalesce(code, pl.format(prefix + "{}", number))


def number_text(expr: pl.Expr) -> pl.Expr:
    """A quantity as a person writes it: ``40``, ``37.2``, ``194.03`` (at most 2 decimals)."""
    rounded = expr.round(2)
    # A tiny negative rounds to -0.0, which is written "0" like any other zero.
    rounded = pl.when(rounded == 0).then(0.0).otherwise(rounded)
    return rounded.cast(pl.String).str.strip_suffix(".0")


def texts_per_group(
    group: npt.NDArray[np.int64], texts: pl.Series, n_groups: int, separator: str = ", "
) -> pl.Series:
    """One text per group 0..n_groups-1: the ``texts`` of the group joined, null for none.

    ``group`` numbers the group of each text, in ascending order (texts of one group together).

    >>> texts_per_group(np.array([0, 2, 2]), pl.Series(["a", "b", "c"]), 4).to_list()
    ['a', None, 'b, c', None]
    """
    several = np.bincount(group, minlength=n_groups)[group] > 1
    # Most groups have one text at most: only the others are worth a group_by.
    joined = (
        pl.DataFrame({"group": group[several], "text": texts.filter(pl.Series(several))})
        .group_by("group", maintain_order=True)
        .agg(pl.col("text").str.join(separator))
    )
    return (
        pl.repeat(None, n_groups, dtype=pl.String, eager=True)
        .scatter(group[~several], texts.filter(pl.Series(~several)))
        .scatter(joined.get_column("group").to_numpy(), joined.get_column("text"))
    )


def money_text(expr: pl.Expr) -> pl.Expr:
    """An amount with thousands separators and cents: ``12,400.00``."""
    cents = (expr.abs() * 100).round(0).cast(pl.Int64)
    whole = (
        (cents // 100)
        .cast(pl.String)
        .str.reverse()
        .str.replace_all(r"(\d{3})", "${1},")
        .str.strip_suffix(",")
        .str.reverse()
    )
    sign = pl.when(expr < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    return pl.concat_str(sign, whole, pl.lit("."), (cents % 100).cast(pl.String).str.zfill(2))
