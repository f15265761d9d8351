"""Inventory trajectories: which items the kernel records, and the frame it becomes.

The general kernel writes the end-of-day state of a traced item into a
``(traced items, replications, measured days, TRACE_FIELDS)`` array; here the item names
become the kernel's slots, and that array a long polars frame with the policy's levels
beside it as reference lines.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from takt.errors import InvalidInputError
from takt.simulate._items import Items
from takt.simulate._kernel import (
    LOT,
    MIN_MAX,
    N_TRACE,
    ORDER_UP_TO_LEVEL,
    REORDER_POINT,
    ROP,
    TRACE_BACKORDERS,
    TRACE_ON_HAND,
    TRACE_POSITION,
    TRACE_RECEIVED,
    TRACE_STOCKOUT,
)
from takt.simulate._random import FloatArray, IntArray

TRAJECTORY_SCHEMA = {
    "item": pl.String,
    "replication": pl.Int64,
    "day": pl.Int64,
    "on_hand": pl.Float64,
    "position": pl.Float64,
    "backorders": pl.Float64,
    "received": pl.Float64,
    "stockout": pl.Boolean,
    "reorder_point": pl.Float64,
    "order_up_to": pl.Float64,
}


def traced_rows(data: Items, trajectories: Sequence[str] | str | None) -> IntArray:
    """Rows (in ``data``) of the items to trace, in the order named, each once."""
    if trajectories is None:
        return np.zeros(0, dtype=np.int64)
    names = [trajectories] if isinstance(trajectories, str) else trajectories
    if not isinstance(names, Sequence) or not all(isinstance(n, str) for n in names):
        raise InvalidInputError(
            f"trajectories must be item names (a list of strings; got {trajectories!r})"
        )
    row_of = {name: row for row, name in enumerate(data.labels.get_column("item").to_list())}
    rows: list[int] = []
    for name in dict.fromkeys(names):
        if name not in row_of:
            raise InvalidInputError(f"trajectories names item {name!r}, which is not in items")
        rows.append(row_of[name])
    return np.asarray(rows, dtype=np.int64)


def trace_buffers(
    n_items: int, rows: IntArray, replications: int, days: int
) -> tuple[FloatArray, IntArray]:
    """The kernel's trace array and each item's slot in it (-1: not traced).

    Without traced items the array has no rows, so the kernel's only cost is a branch.
    """
    slot = np.full(n_items, -1, dtype=np.int64)
    slot[rows] = np.arange(len(rows), dtype=np.int64)
    trace = np.zeros((len(rows), replications if len(rows) else 0, days, N_TRACE))
    return trace, slot


def trajectory_frame(data: Items, rows: IntArray, trace: FloatArray) -> pl.DataFrame:
    """One row per traced item, replication and measured day (day 0 = first measured)."""
    if len(rows) == 0:
        return pl.DataFrame(schema=TRAJECTORY_SCHEMA)
    n, replications, days, _ = trace.shape
    per_item = replications * days
    names = data.labels.get_column("item").gather(rows)
    logic = data.logic[rows]
    # The levels the position is steered between; a kanban loop and an order-up-to
    # review have no reorder point, the top of an (r, Q) loop is r + Q.
    reorder_point = np.where(
        (logic == ROP) | (logic == MIN_MAX), data.levels[rows, REORDER_POINT], np.nan
    )
    order_up_to = np.where(
        logic == ROP,
        data.levels[rows, REORDER_POINT] + data.levels[rows, LOT],
        data.levels[rows, ORDER_UP_TO_LEVEL],
    )
    flat = trace.reshape(n * per_item, N_TRACE)
    return pl.DataFrame(
        {
            "item": np.repeat(names.to_numpy(), per_item),
            "replication": np.tile(np.repeat(np.arange(replications), days), n),
            "day": np.tile(np.arange(days), n * replications),
            "on_hand": flat[:, TRACE_ON_HAND],
            "position": flat[:, TRACE_POSITION],
            "backorders": flat[:, TRACE_BACKORDERS],
            "received": flat[:, TRACE_RECEIVED],
            "stockout": flat[:, TRACE_STOCKOUT] > 0.5,
            "reorder_point": np.repeat(reorder_point, per_item),
            "order_up_to": np.repeat(order_up_to, per_item),
        },
        schema=TRAJECTORY_SCHEMA,
        nan_to_null=True,
    )
