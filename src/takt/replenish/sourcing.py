"""Sourcing: turn requirements into supplier order lines, rounded and dated, all at once.

A *requirement* says that an item needs ``qty`` units by ``need_date`` (the plan run and the
pull trigger produce them). :func:`source_requirements` picks the supplier (or suppliers),
rounds the quantity to what the supplier sells, releases it against the open blanket agreement
where there is one, and dates the order::

    lines = source_requirements(requirements, offers, as_of=date(2025, 3, 3))

The rules, as a buyer would put them:

- **Who may supply.** A blocked supplier never gets an order, nor does an offer without a lead
  time (the order could not be dated). The item's *primary* offers come first, but only those
  whose supplier has no active risk event and whose blanket agreement, if the offer has one,
  still has room for the order ("exhausted" means committed − released, less what earlier
  requirements of this run already took, is below the rounded quantity).
- **Shifting to an alternate.** When no primary qualifies, the order goes to the best alternate
  that is not blocked: one without a risk event first, then the cheapest (agreement price where
  the agreement has room, else the list price), then the shortest lead time, then the lowest
  supplier id. The reason says why each primary was passed over: "primary S-012 blocked",
  "no lead time for S-012", "primary S-012 at risk", "primary S-012 agreement BA-182
  exhausted: 40 of 1000 left".
- **Last resort.** With no eligible alternate either, a primary that is at risk or whose
  agreement is exhausted still gets the order (outside the agreement, at the list price),
  with a warning, rather than leaving the need uncovered.
- **Dual sourcing.** When several qualifying primaries carry an allocation share, the
  requirement is split by the shares (normalised to add up to 1), each part rounded for its
  own supplier. When a part would be below its supplier's MOQ the requirement is not split:
  the whole goes to the primary with the largest share, and the reason says so. Without shares
  the cheapest qualifying primary (then the shortest lead time) takes the whole.
- **Rounding.** Up to the MOQ, then up to a whole pack multiple; a quantity that already is a
  multiple stays as it is. Never below the need. A missing MOQ means none, a missing pack
  multiple means any quantity.
- **Blanket releases.** When the chosen offer's agreement has room, the line is a release
  against it (``agreement_id`` set, agreement price, or the list price when the agreement has
  none). Requirements draw on an agreement in need-date order (then requirement id); from the
  first one that no longer fits, the agreement counts as exhausted for all later ones of this
  run, so a later need never jumps ahead of an earlier one. A release that brings the
  agreement to ``agreement_warn_share`` (90 %) of its committed quantity or more carries a
  warning.
- **Dates.** The delivery date is the latest day on or before the need date on which the
  supplier delivers (``delivery_weekdays``, bit 0 = Monday); the order date is the delivery
  date less the lead time in whole days (``ceil(lead_time_days)``). When that order date has
  already passed, the order goes out today (``as_of``) and arrives on the first delivery day
  on or after today + lead time; the line is then ``late`` and the reason gives the days.
- **Nothing to source from.** A requirement without offers ("no offer"), whose suppliers are
  all blocked ("all suppliers blocked") or lack a lead time ("no lead time for S-012") comes
  back as one unsourced line (``sourced`` false, no supplier), with the need unrounded.
- **In words.** Suppliers and agreements go by their codes where the offers carry them
  (``supplier``, ``agreement``), else by id ("S12", "BA-7"); quantities by at most 2 decimals.

The work is vectorised over all requirement × offer pairs. Agreement accounting is a
cumulative sum per agreement in need-date order; when it finds an agreement exhausted, the
choice is made again for the affected requirements (a few passes at most, each over all rows),
until no agreement overflows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from takt.domain.weekdays import ALL_DAYS
from takt.errors import InvalidInputError
from takt.replenish._frames import (
    EPOCH,
    category_column,
    date_column,
    day_number,
    first_bad_row,
    flag_column,
    id_column,
    label_text,
    labeller,
    number_column,
    number_text,
    optional_text_column,
    require_columns,
    texts_per_group,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

STRATEGIES = ("jit", "hybrid", "buffer")
ROLES = ("primary", "alternate")
REQUIREMENT_COLUMNS = ("requirement_id", "item_id", "qty", "need_date", "strategy")
OFFER_COLUMNS = (
    "item_id",
    "supplier_id",
    "role",
    "allocation_share",
    "moq",
    "pack_multiple",
    "unit_price",
    "delivery_weekdays",
    "lead_time_days",
    "supplier_blocked",
    "supplier_at_risk",
    "agreement_id",
    "agreement_committed_qty",
    "agreement_released_qty",
    "agreement_unit_price",
)
OUTPUT_SCHEMA: dict[str, pl.DataType] = {
    "requirement_id": pl.Int64(),
    "item_id": pl.Int64(),
    "supplier_id": pl.Int64(),
    "role": pl.String(),
    "qty": pl.Float64(),
    "unit_price": pl.Float64(),
    "value": pl.Float64(),
    "agreement_id": pl.Int64(),
    "need_date": pl.Date(),
    "delivery_date": pl.Date(),
    "order_date": pl.Date(),
    "late": pl.Boolean(),
    "split": pl.Boolean(),
    "sourced": pl.Boolean(),
    "reason": pl.String(),
    "warning": pl.String(),
}
OUTPUT_COLUMNS = tuple(OUTPUT_SCHEMA)

_EPOCH_WEEKDAY = EPOCH.weekday()  # Thursday = 3, with Monday = 0
# Relative slack for float comparisons of quantities (x/pack landing a hair off a whole number).
_REL_TOL = 1e-9
# Tiers of a candidate offer for one requirement, best first.
_QUALIFYING_PRIMARY, _ALTERNATE, _FALLBACK_PRIMARY, _INELIGIBLE = 0, 1, 2, 3


@dataclass(frozen=True)
class SourcingConfig:
    """Settings of :func:`source_requirements`.

    Attributes
    ----------
    agreement_warn_share : float
        Warn on a blanket release that brings the agreement to this share of its committed
        quantity or more (released + this line ≥ share × committed). Default 0.9.
    """

    agreement_warn_share: float = 0.9

    def __post_init__(self) -> None:
        share = self.agreement_warn_share
        if not (isinstance(share, int | float) and 0.0 < share <= 1.0):
            raise InvalidInputError(f"agreement_warn_share must be inside (0, 1] (got {share!r})")


# --------------------------------------------------------------------------------------------
# Pure array kernels


def round_up_to_pack(need: FloatArray, moq: FloatArray, pack: FloatArray) -> FloatArray:
    """Round ``need`` up to ``moq`` (NaN = none), then up to a whole ``pack`` (NaN = any qty).

    A quantity that already is a multiple of the pack (within 1e-9 relative, so that
    2.1 / 0.3 = 7.000000000000001 counts as 7) is kept as it is.

    >>> round_up_to_pack(np.array([37.2, 40.0, 3.0]), np.array([20.0, 20.0, np.nan]),
    ...                  np.array([10.0, 10.0, np.nan])).tolist()
    [40.0, 40.0, 3.0]
    """
    base = np.maximum(need, np.nan_to_num(moq, nan=0.0))
    has_pack = pack > 0
    safe_pack = np.where(has_pack, pack, 1.0)
    packs = base / safe_pack
    exact = np.abs(packs - np.rint(packs)) <= _REL_TOL * np.maximum(1.0, packs)
    return np.where(has_pack & ~exact, np.ceil(packs) * safe_pack, base)


def _weekday_steps() -> tuple[IntArray, IntArray]:
    """Tables [mask, weekday] -> days back to the latest / ahead to the first delivery day."""
    masks = np.arange(128)[:, None, None]
    weekdays = np.arange(7)[None, :, None]
    steps = np.arange(7)[None, None, :]
    back_ok = (masks >> ((weekdays - steps) % 7)) & 1
    ahead_ok = (masks >> ((weekdays + steps) % 7)) & 1
    back = np.argmax(back_ok, axis=2).astype(np.int64)
    ahead = np.argmax(ahead_ok, axis=2).astype(np.int64)
    return back, ahead


_DAYS_BACK, _DAYS_AHEAD = _weekday_steps()


def latest_delivery_day(day: IntArray, mask: IntArray) -> IntArray:
    """The latest day on or before ``day`` (days since epoch) that is in the weekday mask."""
    return day - _DAYS_BACK[mask, (day + _EPOCH_WEEKDAY) % 7]


def first_delivery_day(day: IntArray, mask: IntArray) -> IntArray:
    """The first day on or after ``day`` (days since epoch) that is in the weekday mask."""
    return day + _DAYS_AHEAD[mask, (day + _EPOCH_WEEKDAY) % 7]


def _best_in_group(group: IntArray, starts: IntArray, keys: Sequence[FloatArray]) -> IntArray:
    """Per group, the row with the smallest ``keys`` (compared in turn); rows sorted by group.

    ``group`` numbers the groups 0, 1, ... in row order and ``starts`` is where each begins.
    One pass of ``minimum.reduceat`` per key, so no sort of all the rows is needed.
    """
    alive = np.ones(group.size, dtype=bool)
    for key in keys:
        if np.count_nonzero(alive) == starts.size:  # every group is down to one row
            break
        masked = np.where(alive, key, np.inf)
        alive &= masked <= np.minimum.reduceat(masked, starts)[group]
    rows = np.flatnonzero(alive)
    first = np.ones(rows.size, dtype=bool)
    first[1:] = group[rows[1:]] != group[rows[:-1]]
    return rows[first]


def _running_total(keys: IntArray, values: FloatArray) -> FloatArray:
    """Running total of ``values`` within each run of equal ``keys`` (rows sorted by key)."""
    running = np.cumsum(values)
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    before_group = np.r_[0.0, running][starts]
    sizes = np.diff(np.r_[starts, keys.size])
    total: FloatArray = running - np.repeat(before_group, sizes)
    return total


# --------------------------------------------------------------------------------------------
# Reading the inputs


def _read_requirements(requirements: object) -> pl.DataFrame:
    frame = require_columns(requirements, "requirements", REQUIREMENT_COLUMNS)
    name = "requirements"
    ids = id_column(frame, name, "requirement_id")
    label = labeller(frame, "requirement_id")
    duplicated = ids.is_duplicated()
    first_bad_row(frame, name, "requirement_id", duplicated, "unique", label)
    qty = number_column(
        frame, name, "qty", label, test=lambda x: x.is_finite() & (x > 0), rule="finite and > 0",
        nullable=False,
    )  # fmt: skip
    category_column(frame, name, "strategy", STRATEGIES, label)
    return (
        pl.DataFrame(
            {
                "requirement_id": ids,
                "item_id": id_column(frame, name, "item_id"),
                "need_qty": qty,
                "need_day": date_column(frame, name, "need_date").cast(pl.Int32).cast(pl.Int64),
            }
        )
        .with_row_index("_r")
        .with_columns(pl.col("_r").cast(pl.Int64))
    )


def _read_offers(offers: object) -> pl.DataFrame:
    frame = require_columns(offers, "offers", OFFER_COLUMNS)
    name = "offers"
    item = id_column(frame, name, "item_id")
    supplier = id_column(frame, name, "supplier_id")
    label = labeller(frame, "item_id", "supplier_id")
    pair = pl.DataFrame({"i": item, "s": supplier})
    first_bad_row(frame, name, "supplier_id", pair.is_duplicated(), "unique per item", label)
    category_column(frame, name, "role", ROLES, label)
    checks: dict[str, tuple[Callable[[pl.Series], pl.Series], str, bool]] = {
        # column: (test on non-null values, rule, nullable)
        "allocation_share": (lambda x: (x >= 0) & (x <= 1), "inside [0, 1] or null", True),
        "moq": (lambda x: x.is_finite() & (x >= 0), "finite and >= 0 or null", True),
        "pack_multiple": (lambda x: x.is_finite() & (x > 0), "finite and > 0 or null", True),
        "unit_price": (lambda x: x.is_finite() & (x >= 0), "finite and >= 0", False),
        # A null lead time is allowed: such an offer cannot be dated and is passed over.
        "lead_time_days": (lambda x: (x >= 0) & (x <= 36500), "in 0..36500 days or null", True),
        "agreement_committed_qty": (lambda x: x.is_finite() & (x >= 0), "finite and >= 0", True),
        "agreement_released_qty": (lambda x: x.is_finite() & (x >= 0), "finite and >= 0", True),
        "agreement_unit_price": (lambda x: x.is_finite() & (x >= 0), "finite and >= 0", True),
    }
    numbers = {
        column: number_column(frame, name, column, label, test=test, rule=rule, nullable=nullable)
        for column, (test, rule, nullable) in checks.items()
    }
    agreement = id_column(frame, name, "agreement_id", nullable=True)
    first_bad_row(
        frame, name, "agreement_id", agreement.is_duplicated() & agreement.is_not_null(),
        "unique (one blanket agreement line per supplier-item)", label,
    )  # fmt: skip
    for column in ("agreement_committed_qty", "agreement_released_qty"):
        missing = agreement.is_not_null() & numbers[column].is_null()
        first_bad_row(frame, name, column, missing, "given where agreement_id is", label)
    weekdays = id_column(frame, name, "delivery_weekdays", nullable=True)
    bad_mask = (weekdays < 1) | (weekdays > ALL_DAYS)
    first_bad_row(
        frame, name, "delivery_weekdays", bad_mask, "a weekday mask in 1..127 or null", label
    )
    supplier_code = optional_text_column(frame, name, "supplier")
    agreement_number = optional_text_column(frame, name, "agreement")
    return (
        pl.DataFrame(
            {
                "item_id": item,
                "supplier_id": supplier,
                "primary": frame.get_column("role").cast(pl.String) == "primary",
                "share": numbers["allocation_share"].fill_null(0.0),
                "moq": numbers["moq"].fill_null(0.0),
                "pack": numbers["pack_multiple"].fill_null(np.nan),
                "unit_price": numbers["unit_price"],
                "mask": weekdays.fill_null(ALL_DAYS),
                "lead_days": numbers["lead_time_days"].ceil().cast(pl.Int64),
                "blocked": flag_column(frame, name, "supplier_blocked"),
                "at_risk": flag_column(frame, name, "supplier_at_risk"),
                "agreement_id": agreement,
                "committed": numbers["agreement_committed_qty"].fill_null(np.nan),
                "released": numbers["agreement_released_qty"].fill_null(np.nan),
                "agreement_price": numbers["agreement_unit_price"].fill_null(np.nan),
                "supplier_code": supplier_code,
                "agreement_number": agreement_number,
            }
        )
        .with_row_index("_o")
        .with_columns(
            pl.col("_o").cast(pl.Int64),
            # How the sentences name the supplier and the agreement: "S-024", "BA-182".
            supplier_label=label_text(pl.col("supplier_code"), pl.col("supplier_id"), "S"),
            agreement_label=label_text(pl.col("agreement_number"), pl.col("agreement_id"), "BA-"),
        )
        .drop("supplier_code", "agreement_number")
    )


# --------------------------------------------------------------------------------------------
# The choice


@dataclass
class _Candidates:
    """Every requirement × offer pair of the same item, sorted by requirement (``req``)."""

    req: IntArray  # requirement row
    rank: IntArray  # place of the requirement in need-date order
    need: FloatArray
    offer: IntArray  # offer row
    supplier: IntArray
    primary: BoolArray
    share: FloatArray
    moq: FloatArray
    pack: FloatArray
    unit_price: FloatArray
    agreement_price: FloatArray
    has_agreement: BoolArray
    remaining: FloatArray  # committed − released before this run
    lead_time: FloatArray  # whole days; inf where the offer has none
    undated: BoolArray  # no lead time: the order could not be dated, so the offer is skipped
    blocked: BoolArray
    at_risk: BoolArray
    group: IntArray  # 0, 1, ... per requirement that has offers, in row order
    starts: IntArray  # first row of each group

    @classmethod
    def build(cls, req: pl.DataFrame, offers: pl.DataFrame) -> _Candidates:
        pairs = req.join(offers, on="item_id", how="inner", maintain_order="left_right")
        requirement = pairs.get_column("_r").to_numpy().astype(np.int64)
        new_group = np.ones(requirement.size, dtype=bool)
        new_group[1:] = requirement[1:] != requirement[:-1]

        def col(name: str) -> npt.NDArray[np.generic]:
            return pairs.get_column(name).to_numpy()

        agreement = pairs.get_column("agreement_id").is_not_null().to_numpy()
        lead_time = col("lead_days").astype(np.float64)  # a null lead time comes as NaN
        undated = np.isnan(lead_time)
        return cls(
            req=requirement,
            rank=col("_rank").astype(np.int64),
            need=col("need_qty").astype(np.float64),
            offer=col("_o").astype(np.int64),
            supplier=col("supplier_id").astype(np.int64),
            primary=col("primary").astype(bool),
            share=col("share").astype(np.float64),
            moq=col("moq").astype(np.float64),
            pack=col("pack").astype(np.float64),
            unit_price=col("unit_price").astype(np.float64),
            agreement_price=col("agreement_price").astype(np.float64),
            has_agreement=agreement,
            remaining=col("committed").astype(np.float64) - col("released").astype(np.float64),
            lead_time=np.where(undated, np.inf, lead_time),
            undated=undated,
            blocked=col("blocked").astype(bool),
            at_risk=col("at_risk").astype(bool),
            group=np.cumsum(new_group) - 1,
            starts=np.flatnonzero(new_group),
        )


@dataclass
class _Choice:
    """The lines of one pass: which pairs order what, and the agreement state behind it."""

    exhausted: BoolArray  # per pair: the offer's agreement has no room for this requirement
    tier: IntArray
    line: BoolArray  # per pair: the pair is an order line
    split: BoolArray  # per pair: its requirement is split over several primaries
    split_total: FloatArray  # per pair: sum of the shares of the split
    moq_short: BoolArray  # per pair: a split part below this offer's MOQ
    part: FloatArray  # per pair: the need this pair would cover
    qty: FloatArray
    release: BoolArray
    released_in_run: FloatArray  # per pair: releases of this run up to and including it


def _choose(c: _Candidates, exhausted: BoolArray, n_requirements: int) -> _Choice:
    """One pass of the choice, given which pairs already found their agreement exhausted."""
    eligible = ~c.blocked & ~c.undated
    qualifying = c.primary & eligible & ~c.at_risk & ~exhausted
    releasable = c.has_agreement & ~exhausted
    price = np.where(releasable & ~np.isnan(c.agreement_price), c.agreement_price, c.unit_price)
    tier = np.select(
        [qualifying, eligible & ~c.primary, eligible],
        [_QUALIFYING_PRIMARY, _ALTERNATE, _FALLBACK_PRIMARY],
        _INELIGIBLE,
    ).astype(np.int64)
    share_key = np.where(qualifying, -c.share, 0.0)
    keys = (tier, c.at_risk, share_key, price, c.lead_time, c.supplier)
    best_rows = _best_in_group(c.group, c.starts, [k.astype(np.float64) for k in keys])
    best = np.zeros(n_requirements, dtype=np.int64)
    best[c.req[best_rows]] = best_rows

    shareholder = qualifying & (c.share > 0)
    holders = np.bincount(c.req, weights=shareholder, minlength=n_requirements)
    share_sum = np.bincount(c.req, weights=c.share * shareholder, minlength=n_requirements)
    could_split = shareholder & (holders[c.req] >= 2)
    total = np.where(could_split, share_sum[c.req], 1.0)
    part_if_split = c.need * c.share / total
    moq_short = could_split & (part_if_split < c.moq * (1 - _REL_TOL))
    short = np.bincount(c.req, weights=moq_short, minlength=n_requirements) > 0
    split = could_split & ~short[c.req]

    # A split gives a line to every shareholder; otherwise the best offer takes the whole.
    split_requirement = (holders >= 2) & ~short
    is_best = np.arange(c.req.size) == best[c.req]
    line = np.where(split_requirement[c.req], split, is_best) & (tier != _INELIGIBLE)
    part = np.where(split, part_if_split, c.need)
    qty = round_up_to_pack(part, c.moq, c.pack)

    release = line & releasable
    released_in_run = np.zeros(c.req.size)
    rows = np.flatnonzero(release)
    if rows.size:
        rows = rows[np.lexsort((c.rank[rows], c.offer[rows]))]
        released_in_run[rows] = _running_total(c.offer[rows], qty[rows])
    return _Choice(
        exhausted=exhausted,
        tier=tier,
        line=line,
        split=split,
        split_total=total,
        moq_short=moq_short,
        part=part,
        qty=qty,
        release=release,
        released_in_run=released_in_run,
    )


def _settle(c: _Candidates, n_requirements: int, n_offers: int) -> _Choice:
    """Choose, find overflowing agreements, mark them exhausted from there on, choose again."""
    exhausted = np.zeros(c.req.size, dtype=bool)
    while True:
        choice = _choose(c, exhausted, n_requirements)
        tolerance = _REL_TOL * np.maximum(1.0, np.abs(c.remaining))
        over = choice.release & (choice.released_in_run > c.remaining + tolerance)
        if not over.any():
            return choice
        # From the first requirement (in need-date order) that found an agreement without room,
        # the agreement is exhausted for every later requirement too.
        newly = exhausted | over
        first_rank = np.full(n_offers, np.iinfo(np.int64).max)
        np.minimum.at(first_rank, c.offer[newly], c.rank[newly])
        exhausted = c.has_agreement & (c.rank >= first_rank[c.offer])


# --------------------------------------------------------------------------------------------
# The public function


def source_requirements(
    requirements: pl.DataFrame,
    offers: pl.DataFrame,
    *,
    as_of: dt.date,
    config: SourcingConfig | None = None,
) -> pl.DataFrame:
    """Sourced, rounded, dated order lines for the requirements; the rules are the module's.

    Parameters
    ----------
    requirements : pl.DataFrame
        ``requirement_id`` (int, unique), ``item_id`` (int), ``qty`` (float > 0, the net need
        before rounding), ``need_date`` (date), ``strategy`` (jit, hybrid or buffer; checked,
        but the choice does not depend on it: the offers' ``lead_time_days`` already are the
        quantile the service picked for the item's strategy).
    offers : pl.DataFrame
        One row per supplier-item: ``item_id``, ``supplier_id`` (unique per item), ``role``
        (primary or alternate), ``allocation_share`` (0..1 or null), ``moq`` (null = none),
        ``pack_multiple`` (> 0, null = any qty), ``unit_price``, ``delivery_weekdays`` (mask
        1..127, bit 0 = Monday, null = every day), ``lead_time_days`` (≥ 0, null = none: the
        offer is passed over), ``supplier_blocked`` and ``supplier_at_risk`` (bool, null =
        false), ``agreement_id`` (int or null, unique), ``agreement_committed_qty`` and
        ``agreement_released_qty`` (required with an agreement), ``agreement_unit_price``
        (null = the list price). Optional, for the words only: ``supplier`` (the supplier's
        code) and ``agreement`` (the agreement's number), text; where null or missing the
        reasons say ``S<supplier_id>`` and ``BA-<agreement_id>``.
    as_of : date
        Today: no order date before it.
    config : SourcingConfig, optional

    Returns
    -------
    pl.DataFrame
        One row per order line (a split requirement gives several), in the order of the
        requirements, then supplier id: :data:`OUTPUT_COLUMNS`. ``qty`` is the rounded order
        quantity (the unrounded need on unsourced rows), ``value`` = qty × ``unit_price``,
        ``agreement_id`` is set on releases only, ``late`` means delivery after the need date,
        ``split`` marks a dual-sourced requirement, ``warning`` is null when there is none.

    Raises
    ------
    InvalidInputError
        A missing column, or a bad value, naming the column and the row.
    """
    config = SourcingConfig() if config is None else config
    if not isinstance(config, SourcingConfig):
        raise InvalidInputError("config must be a SourcingConfig")
    today = day_number(as_of)
    req = _read_requirements(requirements)
    offer_table = _read_offers(offers)
    need_order = np.lexsort(
        (req.get_column("requirement_id").to_numpy(), req.get_column("need_day").to_numpy())
    )
    rank = np.empty(req.height, dtype=np.int64)
    rank[need_order] = np.arange(req.height)
    req = req.with_columns(_rank=pl.Series(rank))
    c = _Candidates.build(req, offer_table)
    choice = _settle(c, req.height, offer_table.height)
    lines = _lines(c, choice, req, offer_table, today, config)
    unsourced = _unsourced(c, req, offer_table)
    return (
        pl.concat([lines, unsourced], how="vertical")
        .sort("_r", "supplier_id", nulls_last=True)
        .select(OUTPUT_COLUMNS)
    )


def _unsourced(c: _Candidates, req: pl.DataFrame, offer_table: pl.DataFrame) -> pl.DataFrame:
    """One line per requirement that no offer can serve, saying why."""
    names, n = offer_table.get_column("supplier_label"), req.height
    has_offer = np.bincount(c.req, minlength=n) > 0
    has_eligible = np.bincount(c.req, weights=~c.blocked & ~c.undated, minlength=n) > 0
    # Suppliers that are not blocked but lack a lead time: naming them tells what to fix.
    rows = np.flatnonzero(~has_eligible[c.req] & ~c.blocked)
    undated = texts_per_group(c.req[rows], names.gather(c.offer[rows]), n)
    frame = (
        req.with_columns(has_offer=pl.Series(has_offer), undated=undated)
        .filter(~pl.Series(has_eligible))
        .with_columns(
            reason=pl.when(pl.col("undated").is_not_null())
            .then(pl.format("no lead time for {}", "undated"))
            .when("has_offer")
            .then(pl.lit("all suppliers blocked"))
            .otherwise(pl.lit("no offer"))
        )
    )
    given = {
        "qty": pl.col("need_qty"),
        "need_date": pl.col("need_day").cast(pl.Int32).cast(pl.Date),
        "late": pl.lit(False),
        "split": pl.lit(False),
        "sourced": pl.lit(False),
    }
    return frame.select(
        "_r",
        *(
            pl.col(c) if c in frame.columns else given.get(c, pl.lit(None)).cast(t).alias(c)
            for c, t in OUTPUT_SCHEMA.items()
        ),
    )


def _lines(
    c: _Candidates,
    choice: _Choice,
    req: pl.DataFrame,
    offer_table: pl.DataFrame,
    today: int,
    config: SourcingConfig,
) -> pl.DataFrame:
    rows = np.flatnonzero(choice.line)
    committed = offer_table.get_column("committed").to_numpy()
    released = offer_table.get_column("released").to_numpy()
    agreement_ids = offer_table.get_column("agreement_id").fill_null(-1).to_numpy()
    # What the run leaves on each agreement; exhausted pairs come after every release.
    run_total = np.bincount(
        c.offer[choice.release], weights=choice.qty[choice.release], minlength=offer_table.height
    )
    left = committed - released - run_total
    masks = offer_table.get_column("mask").to_numpy().astype(np.int64)[c.offer[rows]]
    lead = c.lead_time[rows].astype(np.int64)
    need_day = req.get_column("need_day").to_numpy()[c.req[rows]]
    delivery = latest_delivery_day(need_day, masks)
    order = delivery - lead
    rushed = order < today
    order = np.where(rushed, today, order)
    delivery = np.where(rushed, first_delivery_day(today + lead, masks), delivery)
    release = choice.release[rows]
    unit_price = np.where(
        release & ~np.isnan(c.agreement_price[rows]), c.agreement_price[rows], c.unit_price[rows]
    )
    qty = choice.qty[rows]
    offer = c.offer[rows]
    offer_texts = _offer_texts(offer_table, left)
    requirement_texts = _requirement_texts(c, choice, offer_texts, req.height)
    numbers = pl.DataFrame(
        {
            "_r": c.req[rows],
            "requirement_id": req.get_column("requirement_id").to_numpy()[c.req[rows]],
            "item_id": req.get_column("item_id").to_numpy()[c.req[rows]],
            "supplier_id": c.supplier[rows],
            "tier": choice.tier[rows],
            "part": choice.part[rows],
            "qty": qty,
            "unit_price": unit_price,
            "value": qty * unit_price,
            "release": release,
            "agreement_id": np.where(release, agreement_ids[offer], -1),
            "exhausted": choice.exhausted[rows] & c.has_agreement[rows],
            "committed": committed[offer],
            "released_after": np.where(
                release, released[offer] + choice.released_in_run[rows], np.nan
            ),
            "share_pct": np.where(
                choice.split[rows], 100.0 * c.share[rows] / choice.split_total[rows], np.nan
            ),
            "split": choice.split[rows],
            "need_day": need_day,
            "delivery_day": delivery,
            "order_day": order,
        }
    )
    frame = [numbers, offer_texts[offer], requirement_texts[c.req[rows]]]
    return (
        pl.concat(frame, how="horizontal")
        .lazy()
        .with_columns(
            pl.col("released_after", "share_pct").fill_nan(None),
            agreement_id=pl.when("release").then("agreement_id"),
            need_date=pl.col("need_day").cast(pl.Int32).cast(pl.Date),
            delivery_date=pl.col("delivery_day").cast(pl.Int32).cast(pl.Date),
            order_date=pl.col("order_day").cast(pl.Int32).cast(pl.Date),
            late=pl.col("delivery_day") > pl.col("need_day"),
            sourced=pl.lit(True),
        )
        .with_columns(released_after_text=number_text(pl.col("released_after")))
        .with_columns(reason=_reason(), warning=_warning(config.agreement_warn_share))
        .select("_r", *OUTPUT_COLUMNS)
        .collect()
    )


# --------------------------------------------------------------------------------------------
# The sentences. A run has many more lines than offers, so each piece is written where it
# varies: once per offer (who, rounding terms, an exhausted agreement), once per requirement
# (primaries passed over, a split given up), per line only the line's own numbers and dates.


def _offer_texts(offer_table: pl.DataFrame, left: FloatArray) -> pl.DataFrame:
    """Per offer row, the sentence pieces that depend on the offer alone.

    ``left`` is what each agreement has left after the run: the balance an exhausted
    agreement is reported with, whichever requirement found it exhausted.
    """
    who = pl.col("supplier_label")
    agreement = pl.col("agreement_label")
    role = pl.when("primary").then(pl.lit("primary")).otherwise(pl.lit("alternate"))
    committed = number_text(pl.col("committed"))
    left_text = number_text(pl.col("left"))
    terms = pl.concat_str(
        [
            pl.when(pl.col("moq") > 0).then(pl.format("MOQ {}", number_text(pl.col("moq")))),
            pl.format("pack {}", number_text(pl.col("pack"))),
        ],
        separator=", ",
        ignore_nulls=True,
    )
    exhausted = pl.format("agreement {} exhausted: {} of {} left", agreement, left_text, committed)
    passed_over = (
        pl.when("blocked")
        .then(pl.format("primary {} blocked", who))
        .when(pl.col("lead_days").is_null())
        .then(pl.format("no lead time for {}", who))
        .when("at_risk")
        .then(pl.format("primary {} at risk", who))
        .otherwise(pl.format("primary {} {}", who, exhausted))
    )
    return offer_table.with_columns(
        pl.col("pack", "committed").fill_nan(None), left=pl.Series(left).fill_nan(None)
    ).select(
        role=role,
        supplier_text=who,
        agreement_text=agreement,
        committed_text=committed,
        source=pl.format("{} {}", role, who),
        fallback_source=pl.format(
            "primary {}{}, no eligible alternate",
            who,
            pl.when("at_risk").then(pl.lit(" at risk")).otherwise(pl.lit("")),
        ),
        terms=terms,
        exhausted_text=pl.format("{}, ordered at the list price", exhausted),
        passed_over=passed_over,
        risk_warning=pl.when("at_risk").then(pl.format("supplier {} at risk", who)),
    )


def _requirement_texts(
    c: _Candidates, choice: _Choice, offer_texts: pl.DataFrame, n_requirements: int
) -> pl.DataFrame:
    """Per requirement row, the pieces of its lines' sentences that are the requirement's.

    ``why`` its primaries that did not qualify were passed over, ``no_split`` why it was not
    split after all; null where there is nothing to say.
    """
    # A fallback primary that got the order explains itself on its own line.
    own_line = choice.line & (choice.tier == _FALLBACK_PRIMARY)
    passed = np.flatnonzero(c.primary & (choice.tier != _QUALIFYING_PRIMARY) & ~own_line)
    why = offer_texts.get_column("passed_over").gather(c.offer[passed])
    # The first offer (of each requirement) whose split part fell below its MOQ.
    short = np.flatnonzero(choice.moq_short)
    short = short[np.unique(c.req[short], return_index=True)[1]]
    no_split = pl.format(
        "no split: {}'s part {} would be below its MOQ {}, whole need to the largest share",
        pl.lit(offer_texts.get_column("supplier_text").gather(c.offer[short])),
        number_text(pl.lit(c.need[short] * c.share[short] / choice.split_total[short])),
        number_text(pl.lit(c.moq[short])),
    )
    return pl.DataFrame(
        {
            "why": texts_per_group(c.req[passed], why, n_requirements),
            "no_split": texts_per_group(
                c.req[short], pl.select(no_split).to_series(), n_requirements
            ),
        }
    )


def _reason() -> pl.Expr:
    """The buyer's sentence for a sourced line, from the line's columns and its texts."""
    tier = pl.col("tier")
    source = pl.when(tier == _FALLBACK_PRIMARY).then("fallback_source").otherwise("source")
    split = pl.format("{}% of a split need", number_text(pl.col("share_pct").round(1)))
    passed_over = (
        pl.when((tier == _ALTERNATE) & pl.col("why").is_null())
        .then(pl.lit("no primary offer"))
        .otherwise("why")
    )
    rounded = pl.col("qty") > pl.col("part") * (1 + _REL_TOL)
    qty = number_text(pl.col("qty"))
    rounding = (
        pl.when(rounded)
        .then(pl.format("rounded {} up to {} ({})", number_text(pl.col("part")), qty, "terms"))
        .otherwise(pl.format("qty {} as needed", qty))
    )
    release = pl.when("release").then(
        pl.format(
            "release against {} ({} of {} released after this)",
            "agreement_text",
            "released_after_text",
            "committed_text",
        )
    )
    exhausted = pl.when("exhausted").then("exhausted_text")
    days_late = pl.col("delivery_day") - pl.col("need_day")
    late = pl.when("late").then(
        pl.format(
            "late {} {}: ordered today, earliest delivery {}",
            days_late,
            pl.when(days_late == 1).then(pl.lit("day")).otherwise(pl.lit("days")),
            pl.col("delivery_date").cast(pl.String),
        )
    )
    return pl.concat_str(
        [source, split, passed_over, "no_split", rounding, release, exhausted, late],
        separator="; ",
        ignore_nulls=True,
    )


def _warning(warn_share: float) -> pl.Expr:
    """A release that (nearly) uses up its agreement, then a supplier at risk; null for none."""
    released_after, committed = pl.col("released_after"), pl.col("committed")
    near_full = pl.col("release") & (released_after >= warn_share * committed * (1 - _REL_TOL))
    agreement_warning = pl.format(
        "{} {}% released after this ({} of {})",
        "agreement_text",
        number_text((100.0 * released_after / committed).round(0)),
        "released_after_text",
        "committed_text",
    )
    return (
        pl.when(near_full)
        .then(pl.concat_str([agreement_warning, "risk_warning"], separator="; ", ignore_nulls=True))
        .otherwise("risk_warning")
    )
