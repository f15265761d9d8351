"""A panel of demand series: a long frame ``item, period, qty`` as ``(values, indptr)``.

Series *i* is ``values[indptr[i]:indptr[i + 1]]``, one value per period, complete
(missing periods are zero demand) from the item's first period to the panel's last
period, so every series ends on the same date and trailing zeros mean "no demand
lately", not "no data".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from takt.errors import InvalidInputError

INTERVALS = {"day": "1d", "week": "1w", "month": "1mo"}
PERIODS_PER_YEAR = {"day": 365, "week": 52, "month": 12}


@dataclass(frozen=True)
class Columns:
    """Names of the long frame's columns (configurable for the Python API)."""

    item: str = "item"
    period: str = "period"
    qty: str = "qty"


@dataclass(frozen=True)
class Panel:
    items: npt.NDArray[np.object_]
    values: npt.NDArray[np.float64]
    indptr: npt.NDArray[np.int64]
    first_period: npt.NDArray[Any]  # datetime64[D] per item
    last_period: date
    grain: str
    # The same data as ``unique_id, ds, y`` (statsforecast's names), sorted.
    frame: pl.DataFrame

    @property
    def lengths(self) -> npt.NDArray[np.int64]:
        return np.diff(self.indptr)

    def __len__(self) -> int:
        return len(self.items)

    def window(self, periods: int) -> Panel:
        """The panel cut to its first ``len - periods`` values per series (an earlier origin).

        Series that would be left empty are dropped.
        """
        lengths = self.lengths - periods
        keep = lengths > 0
        starts = self.indptr[:-1][keep]
        kept = lengths[keep]
        index = np.repeat(starts, kept) + (
            np.arange(kept.sum()) - np.repeat(np.cumsum(kept) - kept, kept)
        )
        frame = self.frame[index]
        return Panel(
            items=self.items[keep],
            values=self.values[index],
            indptr=np.concatenate([[0], np.cumsum(kept)]).astype(np.int64),
            first_period=self.first_period[keep],
            last_period=frame["ds"].max(),
            grain=self.grain,
            frame=frame,
        )


def to_polars(frame: Any) -> tuple[pl.DataFrame, bool]:
    """A polars frame, and whether the caller gave pandas (to answer in kind)."""
    if isinstance(frame, pl.DataFrame):
        return frame, False
    if type(frame).__module__.startswith("pandas"):
        return pl.from_pandas(frame), True
    raise InvalidInputError(f"expected a polars or pandas DataFrame, got {type(frame).__name__}")


def answer_in_kind(frame: pl.DataFrame, pandas: bool) -> Any:
    return frame.to_pandas() if pandas else frame


def build_panel(
    frame: pl.DataFrame, grain: str, columns: Columns = Columns(), end: date | None = None
) -> Panel:
    """Normalise periods to bucket starts, sum duplicates, fill gaps with zeros.

    Every series runs to ``end`` (default: the latest period in ``frame``); a partition
    of a larger panel passes the whole panel's end so its series match.
    """
    if grain not in INTERVALS:
        raise InvalidInputError(f"grain must be day, week or month, not {grain!r}")
    missing = [c for c in (columns.item, columns.period, columns.qty) if c not in frame.columns]
    if missing:
        raise InvalidInputError(f"demand frame lacks column(s) {missing}; has {frame.columns}")
    if frame.height == 0:
        raise InvalidInputError("demand frame is empty")
    every = INTERVALS[grain]
    long = (
        frame.select(
            pl.col(columns.item).cast(pl.Utf8).alias("item"),
            pl.col(columns.period).cast(pl.Date).dt.truncate(every).alias("period"),
            pl.col(columns.qty).cast(pl.Float64).alias("qty"),
        )
        .group_by("item", "period", maintain_order=True)
        .agg(pl.col("qty").sum())
    )
    bad = long.filter(pl.col("qty").is_null() | (pl.col("qty") < 0) | pl.col("period").is_null())
    if bad.height:
        row = bad.row(0, named=True)
        raise InvalidInputError(
            f"{bad.height} demand value(s) are missing or negative, e.g. item {row['item']!r} "
            f"period {row['period']}"
        )
    latest = long["period"].max()
    if end is None:
        end = latest  # type: ignore[assignment]
    else:
        end = pl.select(pl.lit(end).dt.truncate(every)).item()
        if latest > end:  # type: ignore[operator]
            raise InvalidInputError(f"demand frame has periods after the panel end {end}")
    firsts = long.group_by("item").agg(pl.col("period").min().alias("first")).sort("item")
    grid = firsts.with_columns(
        pl.date_ranges(pl.col("first"), pl.lit(end), interval=every).alias("period")
    ).explode("period")
    full = (
        grid.join(long, on=["item", "period"], how="left")
        .with_columns(pl.col("qty").fill_null(0.0))
        .sort("item", "period")
    )
    lengths = full.group_by("item", maintain_order=True).len()["len"].to_numpy()
    indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    return Panel(
        items=firsts["item"].to_numpy().astype(object),
        values=full["qty"].to_numpy().astype(np.float64),
        indptr=indptr,
        first_period=firsts["first"].to_numpy(),
        last_period=end,  # type: ignore[arg-type]
        grain=grain,
        frame=full.rename({"item": "unique_id", "period": "ds", "qty": "y"}),
    )
