"""The items frame of :func:`takt.simulate.simulate`, checked and turned into kernel arrays.

Column contract (one row per item; numbers per day and in units unless said otherwise):

required
    ``item`` (unique), ``supplier``, ``logic`` (kanban / rop / min_max / order_up_to),
    ``lead_time_mean_days``.
policy levels, by logic (null where the logic does not use them)
    kanban: ``container_qty`` (else ``order_qty``) and ``kanban_count`` (else
    ``order_up_to`` as N·C); rop: ``reorder_point``, ``order_qty``; min_max:
    ``reorder_point``, ``order_up_to`` (≥ reorder_point); order_up_to: ``order_up_to``.
    A lot (container or order quantity) of 0 means the item is never reordered.
optional
    ``review_period_days`` (whole days ≥ 1, default 1), ``moq`` (0), ``pack_multiple``
    (1; 0 = no pack rounding), ``initial_on_hand`` (default the policy's top level: N·C,
    order_up_to, or reorder_point + order_qty), ``lead_time_sd_days`` (0), ``unit_cost``
    (0), ``region`` (""), ``category`` (""), ``criticality`` (line_stopper / important /
    normal, default normal), ``strategy`` (jit / hybrid / buffer; default "unassigned"),
    ``time_to_recover_days`` (the supplier's TTR; null = not assessed).
demand
    ``demand_model`` (bootstrap / poisson / normal / gamma / compound / replay; null =
    inferred; replay plays the history back in order from the first warm-up day),
    ``demand_mean``, ``demand_sd``, ``adi`` (≥ 1, in days), ``cv2`` (of non-zero sizes).
    Inferred: bootstrap where ``demand_history`` has the item, else compound where
    ``adi`` or ``cv2`` is given, else gamma (same mean and sd) where ``demand_sd`` is
    given, else Poisson with ``demand_mean``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import stats

from takt.errors import InvalidInputError
from takt.simulate._kernel import (
    BOOTSTRAP,
    COMPOUND,
    DEMAND_MODELS,
    GAMMA,
    INITIAL,
    KANBAN,
    LOGICS,
    LOT,
    MIN_MAX,
    MOQ,
    NORMAL,
    ORDER_UP_TO_LEVEL,
    PACK,
    POISSON,
    REORDER_POINT,
    REPLAY,
    ROP,
)
from takt.simulate._random import FloatArray, IntArray, U64Array, alias_entries

# Poisson demand below this mean is drawn from an alias table (one draw, O(1)); above, by
# Hörmann's PTRS. The table runs to mean + 10·√mean + 10 (the tail beyond, < 1e-20, is
# folded onto its last value) and so stays within the 256 entries an alias can address.
POISSON_TABLE_MAX_MEAN = 64.0
CRITICALITIES = ("line_stopper", "important", "normal")
STRATEGIES = ("jit", "hybrid", "buffer")
UNASSIGNED = "unassigned"
REQUIRED = ("item", "supplier", "logic", "lead_time_mean_days")
_NUMBERS = (
    "lead_time_mean_days",
    "lead_time_sd_days",
    "reorder_point",
    "order_up_to",
    "order_qty",
    "container_qty",
    "kanban_count",
    "review_period_days",
    "moq",
    "pack_multiple",
    "initial_on_hand",
    "unit_cost",
    "time_to_recover_days",
    "demand_mean",
    "demand_sd",
    "adi",
    "cv2",
)
_NEEDS = {
    "kanban": ("container_qty", "kanban_count"),
    "rop": ("reorder_point", "order_qty"),
    "min_max": ("reorder_point", "order_up_to"),
    "order_up_to": ("order_up_to",),
}


@dataclass(frozen=True)
class Items:
    """Checked items: labels for the KPI frames and arrays for the kernel."""

    labels: pl.DataFrame  # item, supplier, region, category, criticality, strategy, logic
    logic: IntArray
    review_days: IntArray
    levels: FloatArray  # (n, 6): REORDER_POINT, ORDER_UP_TO_LEVEL, LOT, MOQ, PACK, INITIAL
    demand_model: IntArray
    demand_parameters: FloatArray  # (n, 3), see ``_kernel.fill_demand``
    history: FloatArray
    history_indptr: IntArray
    demand_table_start: IntArray  # Poisson items: their alias table in demand_entries
    demand_table_size: IntArray  # 0: no table
    demand_entries: U64Array
    demand_rate: FloatArray  # expected units a day (for time-to-survive)
    lead_time_mean: FloatArray
    lead_time_sd: FloatArray
    unit_cost: FloatArray
    time_to_recover: FloatArray  # NaN: not assessed

    def __len__(self) -> int:
        return self.labels.height


def read_items(items: pl.DataFrame, demand_history: pl.DataFrame | None) -> Items:
    """Check ``items`` (and ``demand_history``) and build the kernel's arrays."""
    if not isinstance(items, pl.DataFrame):
        raise InvalidInputError(f"items must be a polars DataFrame (got {type(items).__name__})")
    missing = [c for c in REQUIRED if c not in items.columns]
    if missing:
        raise InvalidInputError(f"items is missing columns: {', '.join(missing)}")
    if items.height == 0:
        raise InvalidInputError("items has no rows")
    names = _text(items, "item", None)
    duplicated = names.is_duplicated()
    if duplicated.any():
        raise InvalidInputError(f"item must be unique (got {names.filter(duplicated)[0]!r} twice)")
    labels = pl.DataFrame(
        {
            "item": names,
            "supplier": _text(items, "supplier", None),
            "region": _text(items, "region", ""),
            "category": _text(items, "category", ""),
            "criticality": _category(items, names, "criticality", CRITICALITIES, "normal"),
            "strategy": _category(items, names, "strategy", (*STRATEGIES, UNASSIGNED), UNASSIGNED),
            "logic": _category(items, names, "logic", LOGICS, None),
        }
    )
    num = {c: _number(items, names, c) for c in _NUMBERS}
    logic = labels.get_column("logic").replace_strict(list(LOGICS), list(range(4))).to_numpy()
    logic = np.asarray(logic, dtype=np.int64)
    levels = _levels(labels, num, logic)
    review = num["review_period_days"]
    review = np.where(np.isnan(review), 1.0, review)
    bad = (review < 1) | (review != np.round(review))
    _fail_at(bad, names, "review_period_days must be a whole number of days >= 1", review)
    history, indptr, history_mean = _history(names, demand_history)
    model, parameters, rate = _demand(items, names, num, history_mean)
    table_start, table_size, entries = _poisson_tables(model, parameters[:, 0])
    lead_sd = num["lead_time_sd_days"]
    return Items(
        labels=labels,
        logic=logic,
        review_days=review.astype(np.int64),
        levels=levels,
        demand_model=model,
        demand_parameters=parameters,
        history=history,
        history_indptr=indptr,
        demand_table_start=table_start,
        demand_table_size=table_size,
        demand_entries=entries,
        demand_rate=rate,
        lead_time_mean=_required(num, names, "lead_time_mean_days", np.ones(len(names), bool)),
        lead_time_sd=np.where(np.isnan(lead_sd), 0.0, lead_sd),
        unit_cost=np.where(np.isnan(num["unit_cost"]), 0.0, num["unit_cost"]),
        time_to_recover=num["time_to_recover_days"],
    )


def _text(items: pl.DataFrame, column: str, default: str | None) -> pl.Series:
    if column not in items.columns:
        return pl.Series(column, [default] * items.height, dtype=pl.String)
    values = items.get_column(column).cast(pl.String)
    if default is not None:
        return values.fill_null(default)
    if values.null_count():
        raise InvalidInputError(f"{column} must not be null (row {_first(values.is_null())})")
    return values


def _category(
    items: pl.DataFrame,
    names: pl.Series,
    column: str,
    allowed: tuple[str, ...],
    default: str | None,
) -> pl.Series:
    values = _text(items, column, default)
    bad = ~values.is_in(list(allowed))
    if bad.any():
        row = _first(bad)
        raise InvalidInputError(
            f"{column} must be one of {', '.join(allowed)} "
            f"(got {values[row]!r} for item {names[row]!r})"
        )
    return values


def _number(items: pl.DataFrame, names: pl.Series, column: str) -> FloatArray:
    if column not in items.columns:
        return np.full(items.height, np.nan)
    try:
        series = items.get_column(column).cast(pl.Float64)
    except pl.exceptions.PolarsError:
        raise InvalidInputError(f"{column} must be numeric") from None
    x = np.asarray(series.fill_null(np.nan).to_numpy(), dtype=np.float64)
    low = 1.0 if column == "adi" else 0.0
    with np.errstate(invalid="ignore"):
        bad = np.isinf(x) | (x < low)
    rule = "finite and >= 1" if column == "adi" else "finite and >= 0"
    _fail_at(bad, names, f"{column} must be {rule} or null", x)
    return x


def _first(mask: pl.Series) -> int:
    """Row of the first True."""
    return int(mask.arg_true()[0])


def _fail_at(bad: np.ndarray, names: pl.Series, message: str, values: FloatArray) -> None:
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise InvalidInputError(f"{message} (got {float(values[row])!r} for item {names[row]!r})")


def _required(
    num: dict[str, FloatArray], names: pl.Series, column: str, rows: np.ndarray, why: str = ""
) -> FloatArray:
    x = num[column]
    missing = rows & np.isnan(x)
    if missing.any():
        row = int(np.flatnonzero(missing)[0])
        raise InvalidInputError(f"{column} is required{why} (missing for item {names[row]!r})")
    return x


def _levels(labels: pl.DataFrame, num: dict[str, FloatArray], logic: IntArray) -> FloatArray:
    names = labels.get_column("item")
    n = len(names)
    kanban = logic == KANBAN
    lot = np.where(np.isnan(num["container_qty"]), num["order_qty"], num["container_qty"])
    num = {**num, "container_qty": np.where(kanban, lot, num["container_qty"])}
    kanban_s = num["kanban_count"] * num["container_qty"]
    num["kanban_count"] = np.where(kanban & np.isnan(kanban_s), num["order_up_to"], kanban_s)
    for code, word in enumerate(LOGICS):
        rows = logic == code
        for column in _NEEDS[word]:
            why = f" for {word} logic" + (" (or order_qty)" if column == "container_qty" else "")
            if column == "kanban_count":
                why = " for kanban logic (or order_up_to)"
            _required(num, names, column, rows, why)
    s = np.where(np.isnan(num["reorder_point"]), 0.0, num["reorder_point"])
    big_s = np.where(kanban, num["kanban_count"], num["order_up_to"])
    big_s = np.where(np.isnan(big_s), 0.0, big_s)
    below_min = (logic == MIN_MAX) & (big_s < s)
    _fail_at(below_min, names, "order_up_to must be >= reorder_point for min_max", big_s)
    order_qty = np.where(np.isnan(num["order_qty"]), 0.0, num["order_qty"])
    lot = np.where(kanban, num["container_qty"], np.where(logic == ROP, order_qty, 0.0))
    lot = np.where(np.isnan(lot), 0.0, lot)
    top = np.where(logic == ROP, s + lot, big_s)
    initial = np.where(np.isnan(num["initial_on_hand"]), top, num["initial_on_hand"])
    pack = np.where(np.isnan(num["pack_multiple"]), 1.0, num["pack_multiple"])
    levels = np.zeros((n, 6))
    levels[:, REORDER_POINT] = s
    levels[:, ORDER_UP_TO_LEVEL] = big_s
    levels[:, LOT] = lot
    levels[:, MOQ] = np.where(np.isnan(num["moq"]), 0.0, num["moq"])
    levels[:, PACK] = pack
    levels[:, INITIAL] = initial
    return levels


def _history(
    names: pl.Series, demand_history: pl.DataFrame | None
) -> tuple[FloatArray, IntArray, FloatArray]:
    """CSR (values, indptr) of each item's daily history, aligned with ``names``."""
    n = len(names)
    if demand_history is None:
        return np.zeros(0), np.zeros(n + 1, dtype=np.int64), np.full(n, np.nan)
    if not isinstance(demand_history, pl.DataFrame):
        raise InvalidInputError("demand_history must be a polars DataFrame")
    missing = [c for c in ("item", "qty") if c not in demand_history.columns]
    if missing:
        raise InvalidInputError(f"demand_history is missing columns: {', '.join(missing)}")
    try:
        history = demand_history.select(
            pl.col("item").cast(pl.String), pl.col("qty").cast(pl.Float64)
        )
    except pl.exceptions.PolarsError:
        raise InvalidInputError("demand_history.qty must be numeric") from None
    qty = history.get_column("qty")
    bad = qty.is_null() | qty.is_nan() | qty.is_infinite() | (qty < 0)
    if bad.any():
        row = _first(bad)
        raise InvalidInputError(
            f"demand_history.qty must be finite and >= 0 (got {qty[row]!r} for item "
            f"{history.get_column('item')[row]!r})"
        )
    index = pl.DataFrame({"item": names, "_row": np.arange(n)})
    joined = history.join(index, on="item", how="inner", maintain_order="left")
    rows = joined.get_column("_row").to_numpy()
    order = np.argsort(rows, kind="stable")  # each item's days, in file order
    rows = rows[order]
    counts = np.bincount(rows, minlength=n).astype(np.int64)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    values = np.asarray(joined.get_column("qty").to_numpy(), dtype=np.float64)[order]
    sums = np.bincount(rows, weights=values, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    return values, indptr, mean


def _demand(
    items: pl.DataFrame,
    names: pl.Series,
    num: dict[str, FloatArray],
    history_mean: FloatArray,
) -> tuple[IntArray, FloatArray, FloatArray]:
    """Demand model codes, their parameters (a, b, c) and the expected rate per day."""
    n = len(names)
    given = _text(items, "demand_model", "")
    bad = ~given.is_in(["", *DEMAND_MODELS])
    if bad.any():
        row = _first(bad)
        raise InvalidInputError(
            f"demand_model must be one of {', '.join(DEMAND_MODELS)} or null "
            f"(got {given[row]!r} for item {names[row]!r})"
        )
    has_history = ~np.isnan(history_mean)
    inferred = np.where(
        has_history,
        BOOTSTRAP,
        np.where(
            ~np.isnan(num["adi"]) | ~np.isnan(num["cv2"]),
            COMPOUND,
            np.where(~np.isnan(num["demand_sd"]), GAMMA, POISSON),
        ),
    )
    codes = given.replace_strict(["", *DEMAND_MODELS], [-1, *range(len(DEMAND_MODELS))])
    model = np.where(codes.to_numpy() < 0, inferred, codes.to_numpy()).astype(np.int64)
    replayed = (model == BOOTSTRAP) | (model == REPLAY)
    without = replayed & ~has_history
    if without.any():
        row = int(np.flatnonzero(without)[0])
        raise InvalidInputError(
            f"demand_model {DEMAND_MODELS[model[row]]} needs rows in demand_history "
            f"(none for item {names[row]!r})"
        )
    parametric = ~replayed
    mean = _required(num, names, "demand_mean", parametric, " unless demand is bootstrapped")
    sd_rows = (model == NORMAL) | (model == GAMMA)
    sd = _required(num, names, "demand_sd", sd_rows, " for normal and gamma demand")
    mean = np.where(np.isnan(mean), 0.0, mean)
    sd = np.where(np.isnan(sd), 0.0, sd)
    parameters = np.zeros((n, 3))
    parameters[:, 0] = mean  # poisson, normal
    parameters[:, 1] = np.where(model == NORMAL, sd, 0.0)
    varies = (model == GAMMA) & (sd > 0) & (mean > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        gamma_shape = np.where(varies, (mean / np.where(sd > 0, sd, 1.0)) ** 2, 0.0)
        gamma_scale = np.where(varies, sd**2 / np.where(mean > 0, mean, 1.0), 0.0)
    gamma_rows = model == GAMMA
    parameters[gamma_rows, 0] = gamma_shape[gamma_rows]
    parameters[gamma_rows, 1] = gamma_scale[gamma_rows]
    parameters[gamma_rows, 2] = mean[gamma_rows]
    compound = model == COMPOUND
    adi = np.where(np.isnan(num["adi"]), 1.0, num["adi"])
    cv2 = np.where(np.isnan(num["cv2"]), 0.0, num["cv2"])
    size = mean * adi  # so that p·size = mean
    parameters[compound, 0] = 1.0 / adi[compound]
    constant = cv2 <= 1e-9
    parameters[compound, 1] = np.where(constant, 0.0, 1.0 / np.where(constant, 1.0, cv2))[compound]
    parameters[compound, 2] = np.where(constant, size, size * cv2)[compound]
    rate = np.where(replayed, history_mean, mean)
    return model, parameters, rate


def _poisson_tables(model: IntArray, mean: FloatArray) -> tuple[IntArray, IntArray, U64Array]:
    """One alias table per distinct Poisson mean below ``POISSON_TABLE_MAX_MEAN``."""
    rows = (model == POISSON) & (mean < POISSON_TABLE_MAX_MEAN)
    start = np.zeros(len(model), dtype=np.int64)
    size = np.zeros(len(model), dtype=np.int64)
    if not rows.any():
        return start, size, np.zeros(0, dtype=np.uint64)
    means, which = np.unique(mean[rows], return_inverse=True)
    lengths = np.ceil(means + 10.0 * np.sqrt(means) + 10.0).astype(np.int64)
    firsts = np.zeros(len(means), dtype=np.int64)
    np.cumsum(lengths[:-1], out=firsts[1:])
    owner = np.repeat(np.arange(len(means)), lengths)
    k = np.arange(int(lengths.sum())) - firsts[owner]
    pmf = stats.poisson.pmf(k, means[owner])
    last = firsts + lengths - 1
    pmf[last] = stats.poisson.sf(k[last] - 1, means)  # P(X >= last value)
    start[rows] = firsts[which]
    size[rows] = lengths[which]
    return start, size, alias_entries(pmf, firsts, lengths)
