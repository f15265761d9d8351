"""The item table of :func:`takt.policy.parameters.compute_parameters` read into arrays:
category columns as int64 codes (an unknown value is an error naming the column and
item), numbers as float64 with NaN for missing (a negative, infinite or otherwise
impossible value is an error naming the column and item)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from takt.errors import InvalidInputError
from takt.policy._checks import FloatArray, IntArray

STRATEGIES = ("jit", "hybrid", "buffer")
LOGICS = ("kanban", "rop", "min_max", "order_up_to")
PATTERNS = ("smooth", "erratic", "intermittent", "lumpy", "new", "dying")
ABC_CLASSES = ("A", "B", "C")
CRITICALITIES = ("line_stopper", "important", "normal")
METHODS = ("none", "normal", "empirical", "compound", "montecarlo")
_CATEGORIES = {
    "strategy": STRATEGIES,
    "logic": LOGICS,
    "pattern": PATTERNS,
    "abc": ABC_CLASSES,
    "criticality": CRITICALITIES,
}
_REQUIRED_NUMBERS = (
    "demand_mean",
    "demand_sd",
    "lead_time_mean_days",
    "lead_time_sd_days",
    "moq",
    "pack_multiple",
    "unit_cost",
)
_EMPIRICAL_LEVELS = (0.5, 0.9, 0.95, 0.99)
_EMPIRICAL_COLUMNS = ("ltd_q50", "ltd_q90", "ltd_q95", "ltd_q99")
_OPTIONAL_NUMBERS = (
    "adi",
    "cv2",
    "ltd_lead_time_days",
    "ltd_mean",
    *_EMPIRICAL_COLUMNS,
    "time_to_recover_days",
    "service_target",
    "demand_rate_cv2",
)


@dataclass
class _Items:
    """The input columns as arrays: category codes (int64), numbers (NaN = missing)."""

    names: pl.Series
    codes: dict[str, IntArray]
    numbers: dict[str, FloatArray]

    def __len__(self) -> int:
        return self.names.len()


def _read_items(items: pl.DataFrame) -> _Items:
    if not isinstance(items, pl.DataFrame):
        raise InvalidInputError(f"items must be a polars DataFrame (got {type(items).__name__})")
    missing = [c for c in ("item", *_CATEGORIES, *_REQUIRED_NUMBERS) if c not in items.columns]
    if missing:
        raise InvalidInputError(f"items is missing columns: {', '.join(missing)}")
    names = items.get_column("item").cast(pl.String)
    if names.null_count():
        raise InvalidInputError(f"item must not be null (row {_first(names.is_null())})")
    codes = {c: _category_codes(items, names, c, allowed) for c, allowed in _CATEGORIES.items()}
    numbers = {c: _number_column(items, names, c) for c in (*_REQUIRED_NUMBERS, *_OPTIONAL_NUMBERS)}
    return _Items(names, codes, numbers)


def _first(mask: pl.Series) -> int:
    return int(mask.arg_true()[0])


def _category_codes(
    items: pl.DataFrame, names: pl.Series, column: str, allowed: tuple[str, ...]
) -> IntArray:
    values = items.get_column(column).cast(pl.String)
    codes = values.replace_strict(
        list(allowed), list(range(len(allowed))), default=None, return_dtype=pl.Int64
    )
    if codes.null_count():
        row = _first(codes.is_null())
        raise InvalidInputError(
            f"{column} must be one of {', '.join(allowed)} "
            f"(got {values[row]!r} for item {names[row]!r})"
        )
    return codes.to_numpy().astype(np.int64)


def _number_column(items: pl.DataFrame, names: pl.Series, column: str) -> FloatArray:
    if column not in items.columns:
        return np.full(items.height, np.nan)
    try:
        series = items.get_column(column).cast(pl.Float64)
    except pl.exceptions.PolarsError:
        raise InvalidInputError(f"{column} must be numeric") from None
    x = np.array(series.fill_null(np.nan).to_numpy(), dtype=np.float64)
    low = {"adi": 1.0}.get(column, 0.0)
    with np.errstate(invalid="ignore"):
        bad = np.isinf(x) | (x < low)
        if column == "pack_multiple":
            bad |= x == 0
        if column == "service_target":
            bad |= (x >= 1.0) | (x == 0)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        rule = {
            "adi": "finite and >= 1",
            "pack_multiple": "finite and > 0",
            "service_target": "inside (0, 1)",
        }.get(column, "finite and >= 0")
        raise InvalidInputError(
            f"{column} must be {rule} or null (got {x[row]!r} for item {names[row]!r})"
        )
    return x
