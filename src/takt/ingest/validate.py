"""Vectorised validation of an import frame against its :class:`FileSpec`.

Every check runs over whole columns; each failing row becomes an
:class:`InputProblem` naming file, row and column. All problems are collected (up
to a cap, all counted) so one run reports everything wrong with a file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import polars as pl

from takt.domain.weekdays import parse_weekdays
from takt.errors import ImportValidationError, InputProblem, InvalidInputError
from takt.ingest.specs import Column, FileSpec

ROW = "__row"

DATETIME_FORMATS = (
    "%Y-%m-%dT%H:%M:%S%.f%#z",
    "%Y-%m-%d %H:%M:%S%.f%#z",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
)
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%Y/%m/%d")


@dataclass
class Problems:
    """Collects problems up to ``cap`` while counting all of them."""

    file: str
    cap: int = 50
    items: list[InputProblem] = field(default_factory=list)
    total: int = 0

    def add(self, row: int | None, column: str | None, message: str) -> None:
        self.total += 1
        if len(self.items) < self.cap:
            self.items.append(InputProblem(self.file, row, column, message))

    def add_rows(
        self, bad: pl.DataFrame, column: str | None, message: Callable[[dict[str, object]], str]
    ) -> None:
        """Add one problem per row of ``bad`` (which carries ``__row``)."""
        room = max(self.cap - len(self.items), 0)
        self.total += bad.height
        for rec in bad.head(room).iter_rows(named=True):
            self.items.append(InputProblem(self.file, int(rec[ROW]), column, message(rec)))

    def raise_if_any(self) -> None:
        if self.total:
            ordered = sorted(self.items, key=lambda p: (p.row or 0, p.column or ""))
            raise ImportValidationError(ordered, total=self.total)


def normalise_header(name: str) -> str:
    return re.sub(r"[\s\-./]+", "_", name.strip().lower()).strip("_")


def resolve_columns(
    frame: pl.DataFrame,
    spec: FileSpec,
    problems: Problems,
    mapping: Mapping[str, str] | None = None,
) -> tuple[pl.DataFrame, list[str]]:
    """Rename the file's columns to the spec's names; report missing required ones.

    ``mapping`` maps a spec column to the file's header (``{"sku": "series_id"}``).
    Returns the renamed frame (spec columns only) and the file's ignored columns.
    """
    by_normal: dict[str, str] = {}
    for original in frame.columns:
        normal = normalise_header(original)
        if normal in by_normal:
            problems.add(None, original, f"column appears twice (also as '{by_normal[normal]}')")
        by_normal[normal] = original
    mapping = {k.strip().lower(): v for k, v in (mapping or {}).items()}
    for target in mapping:
        if target not in {c.name for c in spec.columns}:
            problems.add(None, target, f"--map names a column '{spec.kind}' files do not have")
    chosen: dict[str, str] = {}
    for col in spec.columns:
        if col.name in mapping:
            source = by_normal.get(normalise_header(mapping[col.name]))
            if source is None:
                problems.add(None, mapping[col.name], f"mapped column for '{col.name}' not found")
                continue
            chosen[col.name] = source
            continue
        for candidate in (col.name, *col.aliases):
            if candidate in by_normal and by_normal[candidate] not in chosen.values():
                chosen[col.name] = by_normal[candidate]
                break
        else:
            if col.required:
                hint = f" (also accepted: {', '.join(col.aliases)})" if col.aliases else ""
                problems.add(None, col.name, f"required column is missing{hint}")
    ignored = [c for c in frame.columns if c not in chosen.values()]
    renamed = frame.select([pl.col(src).alias(dst) for dst, src in chosen.items()])
    return renamed, ignored


def _as_text(series: pl.Series) -> pl.Expr:
    """Column as stripped text with empty strings as null (works for typed columns too)."""
    expr = pl.col(series.name)
    if series.dtype != pl.Utf8:
        expr = expr.cast(pl.Utf8)
    return expr.str.strip_chars().replace("", None)


def parse_frame(frame: pl.DataFrame, spec: FileSpec, problems: Problems) -> pl.DataFrame:
    """Typed frame with every spec column present (defaults filled), plus ``__row``.

    Values that fail to parse are reported and become null.
    """
    out: list[pl.Series] = [frame[ROW]]
    for col in spec.columns:
        if col.name in frame.columns:
            parsed = _parse_column(frame, col, problems)
        else:
            parsed = pl.Series(col.name, [None] * frame.height)
            parsed = _parse_column(frame.with_columns(parsed), col, problems)
        out.append(parsed)
    return pl.DataFrame(out)


def _parse_column(frame: pl.DataFrame, col: Column, problems: Problems) -> pl.Series:
    raw_series = frame[col.name]
    text = frame.select(ROW, _as_text(raw_series).alias("raw"))
    if col.type in ("weekdays", "price_breaks") and col.default is not None:
        text = text.with_columns(pl.col("raw").fill_null(str(col.default)))
    missing = text.filter(pl.col("raw").is_null())
    if col.required and missing.height:
        problems.add_rows(missing, col.name, lambda _r: "value is missing")
    value = _convert(raw_series, text, col, problems)
    if col.default is not None and col.type not in ("weekdays", "price_breaks"):
        default = str(col.default) if col.type in ("enum", "text") else col.default
        value = value.fill_null(default) if value.dtype != pl.Null else value
    return value.alias(col.name)


def _convert(raw: pl.Series, text: pl.DataFrame, col: Column, problems: Problems) -> pl.Series:
    name = col.name
    t = col.type
    if t == "text":
        result = text["raw"]
        if col.max_length is not None:
            long = text.filter(pl.col("raw").str.len_chars() > col.max_length)
            problems.add_rows(
                long,
                name,
                lambda r: f"longer than {col.max_length} characters: {str(r['raw'])[:40]!r}",
            )
        return result
    if t in ("int", "float", "money"):
        if raw.dtype.is_numeric():
            number = raw.cast(pl.Float64)
        else:
            number = text["raw"].str.replace_all("_", "").cast(pl.Float64, strict=False)
        checked = text.with_columns(number.alias("v"))
        bad = checked.filter(
            pl.col("raw").is_not_null() & (pl.col("v").is_null() | pl.col("v").is_nan())
        )
        problems.add_rows(bad, name, lambda r: f"not a number: {r['raw']!r}")
        finite = checked.filter(pl.col("v").is_infinite())
        problems.add_rows(finite, name, lambda r: f"not a finite number: {r['raw']!r}")
        if t == "int":
            frac = checked.filter(pl.col("v").is_finite() & (pl.col("v") != pl.col("v").round(0)))
            problems.add_rows(frac, name, lambda r: f"not a whole number: {r['raw']!r}")
        _check_range(checked, col, problems)
        number = checked["v"].fill_nan(None)
        if t == "int":
            return number.round(0).cast(pl.Int64, strict=False)
        return number
    if t == "date":
        if raw.dtype == pl.Date:
            return raw
        if isinstance(raw.dtype, pl.Datetime):
            return raw.dt.date()
        parsed = text.select(
            pl.coalesce(
                [pl.col("raw").str.to_date(f, strict=False) for f in DATE_FORMATS]
                + [pl.col("raw").str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)]
            ).alias("v")
        )["v"]
        _report_unparsed(text, parsed, name, "not a date (use YYYY-MM-DD)", problems)
        return parsed
    if t == "datetime":
        if isinstance(raw.dtype, pl.Datetime):
            if raw.dtype.time_zone is None:
                return raw.dt.replace_time_zone("UTC").dt.cast_time_unit("us")
            return raw.dt.convert_time_zone("UTC").dt.cast_time_unit("us")
        if raw.dtype == pl.Date:
            return raw.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
        parsed = text.select(
            pl.coalesce(
                [
                    pl.col("raw").str.to_datetime(f, strict=False, time_zone="UTC", time_unit="us")
                    for f in DATETIME_FORMATS
                ]
            ).alias("v")
        )["v"]
        _report_unparsed(
            text,
            parsed,
            name,
            "not a date-time (use ISO 8601, e.g. 2026-03-01T14:30:00Z)",
            problems,
        )
        return parsed
    if t == "enum":
        assert col.enum is not None
        allowed = [m.value for m in col.enum]
        norm = text["raw"].str.to_lowercase().str.replace_all(r"[\s\-]+", "_")
        checked = text.with_columns(norm.alias("v"))
        bad = checked.filter(pl.col("v").is_not_null() & ~pl.col("v").is_in(allowed))
        problems.add_rows(
            bad,
            name,
            lambda r: f"unknown value {r['raw']!r} (expected one of: {', '.join(allowed)})",
        )
        return checked["v"]
    if t == "weekdays":
        return _map_unique(text, name, parse_weekdays, pl.Int64, problems)
    if t == "price_breaks":
        return _map_unique(text, name, parse_price_breaks, pl.Utf8, problems)
    raise AssertionError(f"unhandled column type {t}")


def _check_range(checked: pl.DataFrame, col: Column, problems: Problems) -> None:
    v = pl.col("v")
    if col.minimum is not None:
        op = "greater than" if col.exclusive_minimum else "at least"
        cond = v <= col.minimum if col.exclusive_minimum else v < col.minimum
        low = checked.filter(v.is_finite() & cond)
        problems.add_rows(low, col.name, lambda r: f"must be {op} {col.minimum:g}: {r['raw']}")
    if col.maximum is not None:
        high = checked.filter(v.is_finite() & (v > col.maximum))
        problems.add_rows(high, col.name, lambda r: f"must be at most {col.maximum:g}: {r['raw']}")


def _report_unparsed(
    text: pl.DataFrame, parsed: pl.Series, name: str, message: str, problems: Problems
) -> None:
    bad = text.with_columns(parsed.alias("v")).filter(
        pl.col("raw").is_not_null() & pl.col("v").is_null()
    )
    problems.add_rows(bad, name, lambda r: f"{message}: {r['raw']!r}")


def _map_unique(
    text: pl.DataFrame,
    name: str,
    parse: Callable[[str], object],
    dtype: type[pl.DataType],
    problems: Problems,
) -> pl.Series:
    """Parse each distinct value once (these columns have few distinct values)."""
    lookup: dict[str, object] = {}
    errors: dict[str, str] = {}
    for value in text["raw"].drop_nulls().unique().to_list():
        try:
            lookup[value] = parse(value)
        except InvalidInputError as exc:
            errors[value] = str(exc)
    if errors:
        bad = text.filter(pl.col("raw").is_in(list(errors)))
        problems.add_rows(bad, name, lambda r: errors[str(r["raw"])])
    return text["raw"].replace_strict(lookup, default=None, return_dtype=dtype)


def parse_price_breaks(text: str) -> str:
    """Validate ``'100:4.50;500:4.20'`` and return it canonical (sorted by quantity).

    >>> parse_price_breaks("500:4.20; 100:4.5")
    '100:4.5;500:4.20'
    """
    breaks: list[tuple[float, Decimal]] = []
    for part in filter(None, (p.strip() for p in re.split(r"[;|]", text))):
        qty_text, sep, price_text = part.partition(":")
        try:
            qty = float(qty_text)
            price = Decimal(price_text.strip())
        except (ValueError, InvalidOperation):
            raise InvalidInputError(
                f"price break {part!r} is not 'min_qty:price' (e.g. '100:4.50;500:4.20')"
            ) from None
        if not sep or qty < 0 or price < 0:
            raise InvalidInputError(f"price break {part!r} must be 'min_qty:price' with both ≥ 0")
        breaks.append((qty, price))
    breaks.sort()
    return ";".join(f"{q:g}:{p}" for q, p in breaks)


def check_unique(frame: pl.DataFrame, key: tuple[str, ...], problems: Problems) -> None:
    """Report every row whose key repeats an earlier row's."""
    present = [k for k in key if k in frame.columns]
    if not present:
        return
    keyed = frame.filter(pl.all_horizontal(pl.col(k).is_not_null() for k in present))
    dup = keyed.with_columns(pl.col(ROW).min().over(present).alias("__first")).filter(
        pl.col(ROW) != pl.col("__first")
    )

    def message(r: dict[str, object]) -> str:
        shown = ", ".join(f"{k}={r[k]!r}" for k in present)
        return f"duplicate key ({shown}), first seen in row {r['__first']}"

    problems.add_rows(dup, ", ".join(present), message)


def add_row_numbers(frame: pl.DataFrame, first_row: int) -> pl.DataFrame:
    return frame.with_row_index(ROW, offset=first_row).with_columns(pl.col(ROW).cast(pl.Int64))
