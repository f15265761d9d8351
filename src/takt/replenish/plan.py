"""The plan: project every item's inventory position over the horizon against its policy,
propose orders with need dates, and propose changes to open PO lines whose need moved.

Inventory position IP = on hand + on order − backorders − allocated (Silver, Pyke &
Thomas, *Inventory and Production Management in Supply Chains*, 4th ed., 2017, §4.5):
the quantity every reorder rule compares with its trigger level, because an order placed
now only protects what is not already covered by open orders.

Orders (:func:`plan_orders`). Day by day from ``as_of`` over ``horizon_days``, the
position falls by the item's expected daily demand; at the start of a day the item's
replenishment logic is checked:

- ``rop`` — (r, nQ) continuous review: when IP ≤ r, order the smallest multiple n·Q of
  the lot size that lifts IP above r (Silver, Pyke & Thomas §6.7 (s, Q) with
  undershoot handled by n·Q; Hadley & Whitin 1963).
- ``min_max`` — (s, S): when IP ≤ s (the reorder point), order up to S (``order_up_to``).
- ``kanban`` — N containers of C circulate; a card comes back each time a container
  empties, so when IP ≤ (N − 1)·C order the whole containers that lift IP above it
  (Monden, *Toyota Production System*: the pull of N·C in the loop).
- ``order_up_to`` — (R, S) periodic review: every R days (R = ``review_period_days``,
  the first review on ``as_of``) order S − IP when IP < S; R = 0 is base stock (every day).
- ``none`` — no automatic order (dying items, items without demand, unsized items).

Need date. An order released on day t is needed on the day the stock already on hand or
coming (IP at release) would fall to the safety stock: t + ⌊(IP − SS)/d⌋, never before t
(d the expected daily demand). Released at a reorder point r = d·L + SS this is t + L; an
item whose open orders already cover it for a while is needed later (JIT: its order goes
out no earlier than the lead time before that day), and an item already short is needed
at once (the order is then late). Without demand, t + L (``lead_time_days``). Orders
released within ``firm_days`` of ``as_of`` are *firm* (proposals for today); later ones
are the projected plan the supplier can be shown as a forecast.

Reschedules (:func:`reschedule_open_lines`). Classic MRP rescheduling (Orlicky's
*Material Requirements Planning*, ch. 6): the open lines of an item, in due-date order,
each carry the stock until the next; line j is needed on the day the projected net stock
(on hand − backorders − allocated + the lines due before j − expected demand) would fall
below the safety stock without it. Needed earlier than due by more than the tolerance:
``expedite``; later: ``push_out``; not needed within the horizon at all: ``cancel``. Lines
already shipped are not rescheduled (the goods are on the way), nor are lines past due
(they are late already: that is the supplier follow-up, not a plan change).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt
import polars as pl
from numba import njit

from takt.errors import InvalidInputError

PolarsType = pl.DataType | type[pl.DataType]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

LOGICS = ("none", "rop", "min_max", "kanban", "order_up_to")
_ITEM_COLUMNS = {
    "item_id": pl.Int64,
    "logic": pl.Utf8,
    "on_hand": pl.Float64,
    "on_order": pl.Float64,
    "backordered": pl.Float64,
    "allocated": pl.Float64,
    "reorder_point": pl.Float64,
    "order_up_to": pl.Float64,
    "order_qty": pl.Float64,
    "safety_stock": pl.Float64,
    "container_qty": pl.Float64,
    "review_period_days": pl.Float64,
    "demand_per_day": pl.Float64,
    "lead_time_days": pl.Float64,
}
_LINE_COLUMNS = {
    "line_id": pl.Int64,
    "item_id": pl.Int64,
    "open_qty": pl.Float64,
    "due_date": pl.Date,
    "shipped": pl.Boolean,
}


@dataclass(frozen=True)
class PlanConfig:
    """Settings of a plan run.

    Attributes
    ----------
    horizon_days : int
        How far ahead the position is projected (default 8 weeks).
    firm_days : int
        Orders released up to ``as_of + firm_days`` become proposals now (default 0: today's).
    reschedule_tolerance_days : int
        A line's need must move by more than this many days before it is worth a message.
    """

    horizon_days: int = 56
    firm_days: int = 0
    reschedule_tolerance_days: int = 3

    def __post_init__(self) -> None:
        if self.horizon_days < 1:
            raise InvalidInputError("horizon_days must be at least 1")
        if not 0 <= self.firm_days < self.horizon_days:
            raise InvalidInputError("firm_days must be in [0, horizon_days)")
        if self.reschedule_tolerance_days < 0:
            raise InvalidInputError("reschedule_tolerance_days must be >= 0")


def inventory_position(
    on_hand: npt.ArrayLike,
    on_order: npt.ArrayLike,
    backordered: npt.ArrayLike,
    allocated: npt.ArrayLike,
) -> FloatArray:
    """IP = on hand + on order − backorders − allocated (Silver, Pyke & Thomas §4.5).

    >>> inventory_position([120.0], [50.0], [10.0], [5.0]).tolist()
    [155.0]
    """
    return (
        np.asarray(on_hand, dtype=np.float64)
        + np.asarray(on_order, dtype=np.float64)
        - np.asarray(backordered, dtype=np.float64)
        - np.asarray(allocated, dtype=np.float64)
    )


def _validated(frame: pl.DataFrame, columns: Mapping[str, PolarsType], what: str) -> pl.DataFrame:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InvalidInputError(f"{what}: missing column(s) {', '.join(missing)}")
    try:
        return frame.select(pl.col(c).cast(t, strict=True) for c, t in columns.items())
    except pl.exceptions.InvalidOperationError as exc:
        raise InvalidInputError(f"{what}: a column has the wrong type ({exc})") from None


def _check_items(items: pl.DataFrame) -> pl.DataFrame:
    data = _validated(items, _ITEM_COLUMNS, "plan items")
    unknown = data.filter(~pl.col("logic").is_in(LOGICS) & pl.col("logic").is_not_null())
    if unknown.height:
        row = unknown.row(0, named=True)
        raise InvalidInputError(
            f"plan items: unknown logic {row['logic']!r} for item {row['item_id']} "
            f"(one of {', '.join(LOGICS)})"
        )
    if data["item_id"].is_duplicated().any():
        raise InvalidInputError("plan items: item_id must be unique")
    for column in ("on_hand", "on_order", "backordered", "allocated", "demand_per_day"):
        bad = data.filter(pl.col(column) < 0)
        if bad.height:
            raise InvalidInputError(
                f"plan items: {column} must be >= 0 (got {bad[column][0]!r} "
                f"for item {bad['item_id'][0]})"
            )
    return data.with_columns(
        pl.col("logic").fill_null("none"),
        pl.col("on_hand", "on_order", "backordered", "allocated").fill_null(0.0),
    )


@njit(cache=True)
def _order_qty(
    logic: int, position: float, trigger: float, up_to: float, lot: float
) -> float:  # pragma: no cover - compiled
    """The quantity the logic orders at ``position`` (0 when it does not order)."""
    if logic == 1 or logic == 3:  # rop, kanban: whole lots lifting IP above the trigger
        if position > trigger or lot <= 0.0:
            return 0.0
        return (math.floor((trigger - position) / lot) + 1.0) * lot
    if logic == 2:  # min_max
        if position > trigger or up_to <= position:
            return 0.0
        return up_to - position
    if logic == 4:  # order_up_to (review days are checked by the caller)
        if position >= up_to:
            return 0.0
        return up_to - position
    return 0.0


@njit(cache=True)
def _project(
    logic: IntArray,
    position: FloatArray,
    trigger: FloatArray,
    up_to: FloatArray,
    lot: FloatArray,
    review: IntArray,
    demand: FloatArray,
    horizon: int,
    out_item: IntArray,
    out_day: IntArray,
    out_qty: FloatArray,
    out_position: FloatArray,
) -> int:  # pragma: no cover - compiled
    """Walk every item's position day by day; write its orders (or only count them when
    the output arrays are empty). Returns the number of orders."""
    write = len(out_item) > 0
    k = 0
    for i in range(len(logic)):
        if logic[i] == 0:
            continue
        ip = position[i]
        for t in range(horizon):
            reviewing = logic[i] != 4 or review[i] <= 1 or t % review[i] == 0
            if reviewing:
                q = _order_qty(logic[i], ip, trigger[i], up_to[i], lot[i])
                if q > 0.0:
                    if write:
                        out_item[k] = i
                        out_day[k] = t
                        out_qty[k] = q
                        out_position[k] = ip
                    k += 1
                    ip += q
            ip -= demand[i]
    return k


def plan_orders(
    items: pl.DataFrame, *, as_of: date, config: PlanConfig = PlanConfig()
) -> pl.DataFrame:
    """Every order the items' policies release over the horizon (see module doc).

    Parameters
    ----------
    items : polars.DataFrame
        One row per item: ``item_id``; ``logic`` (none/rop/min_max/kanban/order_up_to);
        the position's parts ``on_hand``, ``on_order``, ``backordered``, ``allocated``
        (null = 0); the policy's ``reorder_point``, ``order_up_to``, ``order_qty``,
        ``safety_stock`` (null = 0), ``container_qty``, ``review_period_days``;
        ``demand_per_day`` (expected); ``lead_time_days`` (used for the need date when
        there is no demand).
    as_of : date
        Day 0 of the plan.
    config : PlanConfig

    Returns
    -------
    polars.DataFrame, one row per order: ``item_id``, ``order_no`` (1, 2, … per item),
    ``release_date``, ``need_date``, ``qty`` (the policy's, before supplier rounding),
    ``position`` (IP when it was released), ``trigger`` (the level it was compared with),
    ``logic``, ``firm`` (released within ``firm_days``).

    Examples
    --------
    >>> items = pl.DataFrame({"item_id": [1], "logic": ["rop"], "on_hand": [30.0],
    ...     "on_order": [0.0], "backordered": [0.0], "allocated": [0.0],
    ...     "reorder_point": [40.0], "order_up_to": [140.0], "order_qty": [100.0],
    ...     "safety_stock": [10.0],
    ...     "container_qty": [None], "review_period_days": [0.0],
    ...     "demand_per_day": [10.0], "lead_time_days": [3.0]})
    >>> plan_orders(items, as_of=date(2026, 3, 2)).select("release_date", "need_date", "qty").row(0)
    (datetime.date(2026, 3, 2), datetime.date(2026, 3, 4), 100.0)
    """
    data = _check_items(items)
    logic_name = data["logic"]
    logic = np.asarray(
        logic_name.replace_strict(
            list(LOGICS), list(range(len(LOGICS))), return_dtype=pl.Int64
        ).to_numpy(),
        dtype=np.int64,
    )
    num = {
        c: data[c].fill_null(np.nan).to_numpy().astype(np.float64)
        for c in _ITEM_COLUMNS
        if _ITEM_COLUMNS[c] == pl.Float64
    }
    position = inventory_position(
        num["on_hand"], num["on_order"], num["backordered"], num["allocated"]
    )
    kanban = logic == LOGICS.index("kanban")
    lot = np.where(kanban, num["container_qty"], num["order_qty"])
    trigger = np.where(kanban, num["order_up_to"] - num["container_qty"], num["reorder_point"])
    demand = np.nan_to_num(num["demand_per_day"])
    review = np.maximum(np.rint(np.nan_to_num(num["review_period_days"])), 0).astype(np.int64)
    # A logic without the numbers it needs does not order (the policy flagged why).
    needs = np.where(
        logic == LOGICS.index("order_up_to"),
        ~np.isnan(num["order_up_to"]),
        ~np.isnan(trigger)
        & np.where(logic == LOGICS.index("min_max"), ~np.isnan(num["order_up_to"]), lot > 0),
    )
    logic = np.where(needs, logic, 0)
    trigger = np.nan_to_num(trigger)
    up_to = np.nan_to_num(num["order_up_to"])
    lot = np.nan_to_num(lot)
    horizon = config.horizon_days
    empty_i = np.empty(0, dtype=np.int64)
    empty_f = np.empty(0, dtype=np.float64)
    args = (logic, position, trigger, up_to, lot, review, demand, horizon)
    count = _project(*args, empty_i, empty_i, empty_f, empty_f)
    idx = np.empty(count, dtype=np.int64)
    day = np.empty(count, dtype=np.int64)
    qty = np.empty(count, dtype=np.float64)
    at_position = np.empty(count, dtype=np.float64)
    _project(*args, idx, day, qty, at_position)

    lead = np.ceil(np.nan_to_num(num["lead_time_days"][idx])).astype(np.int64)
    rate = demand[idx]
    above_safety = at_position - np.nan_to_num(num["safety_stock"][idx])
    with np.errstate(divide="ignore", invalid="ignore"):
        cover = np.where(rate > 0, np.floor(np.maximum(above_safety, 0.0) / rate), lead)
    # Far-off needs are capped a year out (an item covered for longer is not ordered today).
    need = day + np.minimum(cover, 366).astype(np.int64)
    start = np.datetime64(as_of, "D")
    orders = pl.DataFrame(
        {
            "item_id": data["item_id"].to_numpy()[idx],
            "release_date": start + day.astype("timedelta64[D]"),
            "need_date": start + need.astype("timedelta64[D]"),
            "qty": qty,
            "position": at_position,
            "trigger": np.where(
                logic[idx] == LOGICS.index("order_up_to"), up_to[idx], trigger[idx]
            ),
            "logic": logic_name.gather(idx),
            "firm": day <= config.firm_days,
        }
    ).with_columns(
        pl.col("release_date", "need_date").cast(pl.Date),
        pl.int_range(1, pl.len() + 1).over("item_id").cast(pl.Int64).alias("order_no"),
    )
    return orders.select(
        "item_id",
        "order_no",
        "release_date",
        "need_date",
        "qty",
        "position",
        "trigger",
        "logic",
        "firm",
    )


def reschedule_open_lines(
    items: pl.DataFrame,
    lines: pl.DataFrame,
    *,
    as_of: date,
    config: PlanConfig = PlanConfig(),
) -> pl.DataFrame:
    """Expedite, push-out and cancel messages for open PO lines (see module doc).

    Parameters
    ----------
    items : polars.DataFrame
        ``item_id``, ``on_hand``, ``backordered``, ``allocated``, ``safety_stock``,
        ``demand_per_day`` (null = 0).
    lines : polars.DataFrame
        Open lines: ``line_id``, ``item_id``, ``open_qty`` (> 0), ``due_date`` (the
        supplier's confirmed or expected date, else the promised or need date),
        ``shipped`` (goods on the way).

    Returns
    -------
    polars.DataFrame, one row per line to change: ``line_id``, ``item_id``, ``action``
    (expedite/push_out/cancel), ``due_date``, ``need_date`` (null for cancel),
    ``open_qty``, ``days`` (need − due), ``reason`` in words.
    """
    needed = {
        "item_id": pl.Int64,
        "on_hand": pl.Float64,
        "backordered": pl.Float64,
        "allocated": pl.Float64,
        "safety_stock": pl.Float64,
        "demand_per_day": pl.Float64,
    }
    stock = _validated(items, needed, "reschedule items").with_columns(
        pl.exclude("item_id").fill_null(0.0)
    )
    open_lines = _validated(lines, _LINE_COLUMNS, "open lines")
    tol = config.reschedule_tolerance_days
    horizon_end = as_of + timedelta(days=config.horizon_days)
    joined = (
        open_lines.join(stock, on="item_id", how="inner")
        .sort("item_id", "due_date", "line_id")
        .with_columns(
            (pl.col("open_qty").cum_sum().over("item_id") - pl.col("open_qty")).alias("before")
        )
        .with_columns(
            (
                pl.col("on_hand") - pl.col("backordered") - pl.col("allocated") + pl.col("before")
            ).alias("net")
        )
        .with_columns(
            pl.when(pl.col("demand_per_day") > 0)
            .then(
                ((pl.col("net") - pl.col("safety_stock")) / pl.col("demand_per_day"))
                .floor()
                .clip(0, config.horizon_days + 1)
            )
            .otherwise(config.horizon_days + 1)
            .cast(pl.Int64)
            .alias("need_day")
        )
        .with_columns(
            (pl.lit(as_of) + pl.duration(days=pl.col("need_day"))).cast(pl.Date).alias("need")
        )
    )
    movable = joined.filter(~pl.col("shipped") & (pl.col("due_date") >= as_of))
    days = (pl.col("need") - pl.col("due_date")).dt.total_days()
    messages = (
        movable.with_columns(days.alias("days"))
        .with_columns(
            pl.when(pl.col("need_day") > config.horizon_days)
            .then(pl.lit("cancel"))
            .when(pl.col("days") < -tol)
            .then(pl.lit("expedite"))
            .when(pl.col("days") > tol)
            .then(pl.lit("push_out"))
            .otherwise(None)
            .alias("action")
        )
        .filter(pl.col("action").is_not_null())
    )
    reason = (
        pl.when(pl.col("action") == "cancel")
        .then(
            pl.format(
                "cancel: not needed by {} (net stock {} with earlier lines, safety stock {}, "
                "{} a day)",
                pl.lit(horizon_end.isoformat()),
                pl.col("net").round(1),
                pl.col("safety_stock").round(1),
                pl.col("demand_per_day").round(2),
            )
        )
        .otherwise(
            pl.format(
                "{}: due {}, needed {} ({} days; net stock {} with earlier lines reaches the "
                "safety stock {} then)",
                pl.col("action").str.replace("_", " "),
                pl.col("due_date"),
                pl.col("need"),
                pl.col("days"),
                pl.col("net").round(1),
                pl.col("safety_stock").round(1),
            )
        )
    )
    return messages.select(
        "line_id",
        "item_id",
        "action",
        "due_date",
        pl.when(pl.col("action") == "cancel")
        .then(None)
        .otherwise(pl.col("need"))
        .alias("need_date"),
        "open_qty",
        pl.when(pl.col("action") == "cancel").then(None).otherwise(pl.col("days")).alias("days"),
        reason.alias("reason"),
    )
