"""The simulated world behind the demo data: suppliers, daily demand, replenishment history.

Everything is vectorised over items with NumPy: demand is drawn for blocks of
items times all days at once; the replenishment simulation loops over days with
array operations over all items (never a Python loop per item and day). This
module draws numbers only; :mod:`takt.demo.generator` turns them into the import
file formats.

Demand follows the Syntetos & Boylan (2005) classes: an item draws whether it is
used on a day (occurrence, which sets the average inter-demand interval ADI) and,
when used, how much (size, whose squared coefficient of variation is CV²). Smooth
and erratic items are used almost every working day; intermittent and lumpy ones
rarely; erratic and lumpy ones in sizes with CV² ≥ 0.49.

The replenishment history is a continuous-review (s, nQ) policy with full
backordering: demand that finds no stock waits as a backorder and is served first
when goods arrive; on-hand stock never goes negative.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

# Category codes (order of takt.domain.enums.Category) and demand pattern codes.
DIRECT, INDIRECT, MRO = 0, 1, 2
SMOOTH, ERRATIC, INTERMITTENT, LUMPY = 0, 1, 2, 3
PATTERNS = ("smooth", "erratic", "intermittent", "lumpy")
# Syntetos & Boylan (2005) cut-offs.
ADI_CUTOFF = 1.32
CV2_CUTOFF = 0.49

# Pattern mix per category (rows: direct, indirect, mro; columns: PATTERNS).
PATTERN_MIX = np.array(
    [
        [0.55, 0.33, 0.07, 0.05],
        [0.30, 0.25, 0.25, 0.20],
        [0.04, 0.04, 0.46, 0.46],
    ]
)
# Mon..Sun, relative to a workday: how likely an item is used, and how much.
# Production (direct) runs a reduced Saturday shift and hardly any Sunday.
_OCCURRENCE_BY_WEEKDAY = np.array(
    [
        [1, 1, 1, 1, 1, 0.85, 0.25],
        [1, 1, 1, 1, 1, 0.60, 0.40],
        [1, 1, 1, 1, 1, 0.50, 0.40],
    ]
)
_SIZE_BY_WEEKDAY = np.array(
    [
        [1, 1, 1, 1, 1, 0.45, 0.25],
        [1, 1, 1, 1, 1, 0.70, 0.50],
        [1, 1, 1, 1, 1, 1.00, 1.00],
    ]
)
SEASONAL_SHARE = 0.2
NEW_RAMP_UP_DAYS = 30
PHASE_OUT_RAMP_DOWN_DAYS = 60
DEMAND_BLOCK = 2048


@dataclass(frozen=True, slots=True)
class Calendar:
    """The history's days: index 0 is ``first_day``, the last index is the day before as_of."""

    first_day: date
    days: int

    @classmethod
    def ending_before(cls, as_of: date, days: int) -> Calendar:
        return cls(as_of - timedelta(days=days), days)

    @property
    def epoch_days(self) -> IntArray:
        """Days since 1970-01-01 of every history day (what a polars Date stores)."""
        first = (self.first_day - date(1970, 1, 1)).days
        return np.arange(first, first + self.days, dtype=np.int64)

    @property
    def weekday(self) -> IntArray:
        """0 = Monday ... 6 = Sunday."""
        return (self.first_day.weekday() + np.arange(self.days, dtype=np.int64)) % 7

    @property
    def day_of_year(self) -> IntArray:
        """Day of the year, wrapping every 365 days (a leap day shifts it by one: harmless)."""
        start = self.first_day.timetuple().tm_yday
        return (start + np.arange(self.days, dtype=np.int64)) % 365

    @property
    def plant_shutdown(self) -> BoolArray:
        """Christmas shutdown of the plants, 24 December to 1 January."""
        days = [self.first_day + timedelta(days=i) for i in range(self.days)]
        return np.array(
            [(d.month == 12 and d.day >= 24) or (d.month == 1 and d.day == 1) for d in days],
            dtype=np.bool_,
        )

    def index_of(self, day: date) -> int:
        return (day - self.first_day).days


def choose_rows(rng: np.random.Generator, probabilities: FloatArray) -> IntArray:
    """One categorical draw per row of a (rows, choices) probability matrix."""
    u = rng.random((probabilities.shape[0], 1))
    picked: IntArray = (u > probabilities.cumsum(axis=1)).sum(axis=1, dtype=np.int64)
    return np.minimum(picked, int(probabilities.shape[1]) - 1)


@dataclass(frozen=True, slots=True)
class DemandProfile:
    """How each item's demand is drawn (one entry per item)."""

    category: IntArray
    pattern: IntArray
    occurrence: FloatArray  # probability of use on a full workday
    size_level: FloatArray  # mean size of one day's use
    size_shape: FloatArray  # gamma shape of the size noise: CV² of the noise = 1 / shape
    seasonal_amplitude: FloatArray  # 0 for non-seasonal items
    seasonal_peak: IntArray  # day of year of the peak
    annual_trend: FloatArray  # growth factor per year (1.05 = +5 %)
    first_day: IntArray  # first day the item can be used
    last_day: IntArray  # last day the item can be used (phase-out)

    def take(self, rows: slice) -> DemandProfile:
        return DemandProfile(**{f.name: getattr(self, f.name)[rows] for f in fields(self)})


def draw_demand_profiles(
    rng: np.random.Generator,
    category: IntArray,
    unit_cost: FloatArray,
    first_day: IntArray,
    last_day: IntArray,
) -> DemandProfile:
    """Draw a demand pattern and its parameters for each item, by category."""
    n = category.size
    pattern = choose_rows(rng, PATTERN_MIX[category])
    frequent = pattern <= ERRATIC
    variable = (pattern == ERRATIC) | (pattern == LUMPY)

    # Frequent items are used nearly every working day; rare ones every 1.6 to 14 days.
    mean_interval = np.exp(rng.uniform(np.log(1.6), np.log(14.0), n))
    workday_share = _OCCURRENCE_BY_WEEKDAY.mean(axis=1)[category]
    occurrence = np.where(
        frequent, rng.uniform(0.96, 1.0, n), np.minimum(1.0, 1.0 / (mean_interval * workday_share))
    )
    # Cheap parts are used in larger quantities.
    cost_factor = np.clip((8.0 / np.maximum(unit_cost, 0.01)) ** 0.25, 0.3, 4.0)
    frequent_level = np.clip(np.exp(rng.normal(np.log(25.0), 0.9, n)) * cost_factor, 5.0, 3000.0)
    lumpy_level = np.clip(np.exp(rng.normal(np.log(8.0), 0.7, n)), 3.0, 200.0)
    intermittent_level = rng.uniform(1.0, 4.0, n)
    size_level = np.select(
        [frequent, pattern == LUMPY], [frequent_level, lumpy_level], intermittent_level
    )
    size_shape = np.where(
        variable,
        np.where(frequent, rng.uniform(0.7, 1.4, n), rng.uniform(0.35, 0.9, n)),
        rng.uniform(6.0, 20.0, n),
    )
    seasonal = rng.random(n) < SEASONAL_SHARE
    seasonal_amplitude = np.where(seasonal, rng.uniform(0.25, 0.6, n), 0.0)
    seasonal_peak = rng.integers(0, 365, n)
    annual_trend = np.exp(rng.normal(0.0, 0.08, n))
    return DemandProfile(
        category=category,
        pattern=pattern,
        occurrence=occurrence,
        size_level=size_level,
        size_shape=size_shape,
        seasonal_amplitude=seasonal_amplitude,
        seasonal_peak=seasonal_peak,
        annual_trend=annual_trend,
        first_day=first_day,
        last_day=last_day,
    )


def draw_daily_demand(
    rng: np.random.Generator, profile: DemandProfile, calendar: Calendar
) -> npt.NDArray[np.int32]:
    """Integer demand per item (rows) and day (columns).

    Seasonality scales the size of frequent items and the occurrence of rare ones;
    new items ramp up over their first month, phase-out items ramp down over their
    last two months and are never used afterwards. Direct items see no demand
    during the plants' Christmas shutdown. Items are drawn in blocks of
    ``DEMAND_BLOCK`` so the temporaries stay small.
    """
    n = profile.category.size
    demand = np.zeros((n, calendar.days), dtype=np.int32)
    for start in range(0, n, DEMAND_BLOCK):
        block = slice(start, min(start + DEMAND_BLOCK, n))
        demand[block] = _draw_demand_block(rng, profile.take(block), calendar)
    return demand


def _draw_demand_block(
    rng: np.random.Generator, profile: DemandProfile, calendar: Calendar
) -> npt.NDArray[np.int32]:
    n, days = profile.category.size, calendar.days
    weekday = calendar.weekday
    day = np.arange(days, dtype=np.int64)
    season = 1.0 + profile.seasonal_amplitude[:, None] * np.cos(
        2.0 * np.pi * (calendar.day_of_year[None, :] - profile.seasonal_peak[:, None]) / 365.25
    )
    rare = profile.pattern >= INTERMITTENT
    probability = (
        profile.occurrence[:, None]
        * _OCCURRENCE_BY_WEEKDAY[profile.category][:, weekday]
        * np.where(rare[:, None], season, 1.0)
    )
    active = (day[None, :] >= profile.first_day[:, None]) & (
        day[None, :] <= profile.last_day[:, None]
    )
    active &= ~((profile.category == DIRECT)[:, None] & calendar.plant_shutdown[None, :])
    rows, cols = np.nonzero((rng.random((n, days)) < probability) & active)
    del probability, active

    ramp_up = np.minimum(1.0, (cols - profile.first_day[rows] + 1) / NEW_RAMP_UP_DAYS)
    ramp_up = np.where(profile.first_day[rows] > 0, ramp_up, 1.0)
    ramp_down = np.minimum(1.0, (profile.last_day[rows] - cols + 1) / PHASE_OUT_RAMP_DOWN_DAYS)
    ramp_down = np.where(profile.last_day[rows] < days - 1, ramp_down, 1.0)
    size_mean = (
        profile.size_level[rows]
        * _SIZE_BY_WEEKDAY[profile.category[rows], weekday[cols]]
        * np.where(rare[rows], 1.0, season[rows, cols])
        * profile.annual_trend[rows] ** (cols / 365.0)
        * ramp_up
        * ramp_down
    )
    del season
    shape = profile.size_shape[rows]
    noise = rng.standard_gamma(shape) / shape
    demand = np.zeros((n, days), dtype=np.int32)
    demand[rows, cols] = np.maximum(1, np.rint(size_mean * noise)).astype(np.int32)
    # A newly introduced item is used on its launch day.
    launched = np.flatnonzero(profile.first_day > 0)
    demand[launched, profile.first_day[launched]] = np.maximum(
        demand[launched, profile.first_day[launched]], 1
    )
    return demand


def classify_demand(demand: npt.NDArray[np.int32], first_day: IntArray) -> IntArray:
    """Syntetos & Boylan (2005) class per item, from its first day to its last use.

    ADI = days in that window / days with demand; CV² over the non-zero sizes.
    Items with fewer than two demand days count as intermittent.
    """
    days = demand.shape[1]
    nonzero = demand > 0
    any_use = nonzero.any(axis=1)
    last = days - 1 - np.argmax(nonzero[:, ::-1], axis=1)
    window = np.where(any_use, last - first_day + 1, days)
    count = nonzero.sum(axis=1)
    adi = window / np.maximum(count, 1)
    sizes = demand.astype(np.float64)
    total = sizes.sum(axis=1)
    mean = total / np.maximum(count, 1)
    square = (sizes**2).sum(axis=1) / np.maximum(count, 1)
    cv2 = np.where(count > 1, (square - mean**2) / np.maximum(mean, 1e-12) ** 2, 0.0)
    rare = (adi >= ADI_CUTOFF) | (count < 2)
    variable = cv2 >= CV2_CUTOFF
    return np.where(
        rare, np.where(variable, LUMPY, INTERMITTENT), np.where(variable, ERRATIC, SMOOTH)
    )


def bucket_demand(
    demand: npt.NDArray[np.int32], calendar: Calendar, grain: str
) -> tuple[IntArray, IntArray, IntArray]:
    """Demand summed per bucket of ``grain`` (day, week or month).

    Returns each bucket's first day (days since 1970-01-01; Monday for weeks, the
    1st for months, possibly before the history starts), the (items, buckets)
    totals and the bucket of every history day.
    """
    epoch = calendar.epoch_days
    if grain == "day":
        key = epoch
    elif grain == "week":
        key = epoch - calendar.weekday
    else:
        month = epoch.astype("datetime64[D]").astype("datetime64[M]")
        key = month.astype("datetime64[D]").astype(np.int64)
    boundary = np.ones(key.size, dtype=np.bool_)
    boundary[1:] = key[1:] != key[:-1]
    starts = np.flatnonzero(boundary)
    totals = np.add.reduceat(demand, starts, axis=1, dtype=np.int64)
    return key[starts], totals, np.cumsum(boundary) - 1


# --------------------------------------------------------------------------------------
# Replenishment


@dataclass(frozen=True, slots=True)
class SupplierBehaviour:
    """How each supplier really delivers (one entry per supplier), and the disruptions.

    Actual lead time = quoted × exp(N(log_mean, log_sd)): right-skewed and, with a
    positive ``log_mean``, mostly late rather than early.
    """

    lead_time_log_mean: FloatArray
    lead_time_log_sd: FloatArray
    short_ship_probability: FloatArray
    defect_rate: FloatArray  # expected share of received units rejected at inspection
    weekday_mask: IntArray  # bit 0 = Monday ... bit 6 = Sunday
    region: IntArray
    transit_days: IntArray  # days between shipping and arrival
    outage_supplier: int
    outage_start: int  # day index, inclusive
    outage_end: int  # day index, exclusive: the first day deliveries resume
    port_region: int
    port_start: int
    port_end: int


# Supplier regions and the population of suppliers.
REGIONS = ("EU", "NA", "APAC")
EU, NA, APAC = 0, 1, 2
_FOCUS_REGION_MIX = np.array([[0.45, 0.15, 0.40], [0.70, 0.20, 0.10], [0.60, 0.40, 0.0]])
_RELIABILITY_MIX = np.array([[0.4, 0.45, 0.15], [0.3, 0.5, 0.2], [0.15, 0.45, 0.4]])  # by region
WEEKDAY_MASKS = np.array([0b1111111, 0b0011111, 0b0001010, 0b0010101, 0b0000100])
_WEEKDAY_MIX = (0.25, 0.50, 0.10, 0.10, 0.05)
_TRANSIT_DAYS = np.array([2, 10, 24])


@dataclass(frozen=True, slots=True)
class SupplierPopulation:
    """Who the suppliers are (one entry per supplier) and how they behave."""

    focus: IntArray  # the category a supplier sells
    weight: FloatArray  # relative share of its category's items
    base_lead_time: IntArray  # typical quoted lead time, days
    agreement_rank: IntArray  # number of its blanket agreement, -1 without one
    direct_by_weight: IntArray  # direct-material suppliers, biggest first
    behaviour: SupplierBehaviour


def draw_suppliers(rng: np.random.Generator, n: int, days: int) -> SupplierPopulation:
    """Draw ``n`` suppliers: 56 % direct material, 24 % indirect, 20 % MRO distributors.

    Regions follow the category (direct material also from APAC, with long lead
    times; distributors are local). Reliability comes in three tiers (tight,
    medium, very variable), more variable in APAC. The main direct supplier has
    almost no defects, the third biggest 6.5 %; the second biggest has an outage
    of 30-45 days in the first half of the history; an APAC port closes for
    10-16 days at four fifths of it. The biggest 40 % direct suppliers hold
    blanket agreements.
    """
    quota = [max(2, round(0.56 * n)), max(2, round(0.24 * n))]
    quota.append(n - sum(quota))
    focus = np.repeat(np.arange(3), quota)
    rng.shuffle(focus)
    region = choose_rows(rng, _FOCUS_REGION_MIX[focus])
    direct = np.flatnonzero(focus == DIRECT)
    region[direct[:3]] = (EU, APAC, NA)  # every region is present
    weight = np.exp(rng.normal(0.0, 0.8, n))
    local_distributor = (focus != DIRECT) & (region != APAC)
    lead_low = np.where(local_distributor, 2, np.array([5, 12, 35])[region])
    lead_high = np.where(local_distributor, 7, np.array([14, 28, 60])[region])
    base_lead_time = rng.integers(lead_low, lead_high + 1)

    tier = choose_rows(rng, _RELIABILITY_MIX[region])
    log_sd = rng.uniform(np.array([0.04, 0.12, 0.35])[tier], np.array([0.1, 0.28, 0.6])[tier])
    # A median above the quote: about 70 to 80 % of deliveries come late, few early;
    # except the tight tier, lean partners that deliver on the quote (OTIF ~95 %).
    log_mean = rng.uniform(0.5, 0.8, n) * log_sd + rng.uniform(0.0, 0.04, n)
    log_mean = np.where(tier == 0, -rng.uniform(1.0, 2.0, n) * log_sd, log_mean)
    quality = rng.choice(3, n, p=(0.5, 0.35, 0.15))
    defect = rng.uniform(
        np.array([0.0, 0.01, 0.03])[quality], np.array([0.01, 0.03, 0.07])[quality]
    )
    by_weight = direct[np.argsort(-weight[direct], kind="stable")]
    defect[by_weight[0]] = 0.003
    defect[by_weight[2]] = 0.065
    outage_start = int(rng.integers(int(0.3 * days), int(0.55 * days)))
    port_start = min(int(0.8 * days), days - 20)
    behaviour = SupplierBehaviour(
        lead_time_log_mean=log_mean,
        lead_time_log_sd=log_sd,
        short_ship_probability=rng.uniform(0.01, 0.12, n),
        defect_rate=defect,
        weekday_mask=WEEKDAY_MASKS[rng.choice(WEEKDAY_MASKS.size, n, p=_WEEKDAY_MIX)],
        region=region,
        transit_days=np.minimum(_TRANSIT_DAYS[region], base_lead_time - 1),
        outage_supplier=int(by_weight[1]),
        outage_start=outage_start,
        outage_end=outage_start + int(rng.integers(30, 46)),
        port_region=APAC,
        port_start=port_start,
        port_end=port_start + int(rng.integers(10, 17)),
    )
    agreement_rank = np.full(n, -1, dtype=np.int64)
    with_agreement = np.sort(by_weight[: min(round(0.4 * n), direct.size)])
    agreement_rank[with_agreement] = np.arange(with_agreement.size)
    return SupplierPopulation(
        focus=focus,
        weight=weight,
        base_lead_time=base_lead_time,
        agreement_rank=agreement_rank,
        direct_by_weight=by_weight,
        behaviour=behaviour,
    )


@dataclass(frozen=True, slots=True)
class ItemSupply:
    """Sources and policy of each item (one entry per item); alternate = -1 when single-sourced."""

    primary: IntArray
    alternate: IntArray
    alternate_share: FloatArray
    primary_lead_time: IntArray  # quoted, days
    alternate_lead_time: IntArray
    reorder_point: FloatArray
    order_qty: FloatArray
    initial_on_hand: FloatArray
    order_from: IntArray  # first day the planner may order
    order_until: IntArray  # last day the planner may order


@dataclass(frozen=True, slots=True)
class OrderLines:
    """One entry per PO line ordered in the history, with its (simulated) receipts.

    ``second_day`` is -1 when a line has no second receipt. Receipt days may lie at
    or beyond the end of the history: those receipts have not happened yet.
    """

    item: IntArray
    supplier: IntArray
    alternate: BoolArray
    order_day: IntArray
    qty: FloatArray
    need_day: IntArray
    promised_day: IntArray
    first_day: IntArray
    first_qty: FloatArray
    first_rejected: FloatArray
    first_delayed_by_outage: BoolArray
    second_day: IntArray
    second_qty: FloatArray
    second_rejected: FloatArray
    short_closed: BoolArray  # a short shipment whose balance was cancelled


@dataclass(frozen=True, slots=True)
class ReplenishmentHistory:
    lines: OrderLines
    on_hand: FloatArray
    backordered: FloatArray


SERVICE_Z = np.array([2.33, 1.65, 1.28])  # line_stopper, important, normal
ORDERING_COST = 40.0  # EUR per order line
CARRYING_RATE = 0.25  # of unit cost per year


def reorder_policy(
    mean_daily: FloatArray,
    sd_daily: FloatArray,
    lead_time: FloatArray,
    lead_time_sd: FloatArray,
    service_z: FloatArray,
    unit_cost: FloatArray,
    moq: FloatArray,
    pack: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Reorder point r and lot size Q of a continuous-review (s, nQ) policy.

    Parameters: μ_d ``mean_daily``, σ_d ``sd_daily``, μ_L ``lead_time``, σ_L
    ``lead_time_sd``, z ``service_z``, c ``unit_cost``.

    Equations: lead-time demand has mean μ_d·μ_L and variance μ_L·σ_d² + μ_d²·σ_L²
    (Silver, Pyke & Thomas, *Inventory and Production Management*, ch. 6);
    r = μ_d·(μ_L + 1) + z·σ (one day of review). Q = EOQ = sqrt(2·K·D / h) with
    K = 40 EUR, h = 25 % of c per year, kept between one week and three months of
    demand, then raised to the MOQ and rounded up to the pack multiple.

    Example: μ_d = 10, σ_d = 3, μ_L = 5, σ_L = 1, z = 1.65, c = 2 EUR: σ² = 6·9 + 100·1
    = 154, r = ceil(60 + 1.65·12.41) = 81; EOQ = sqrt(2·40·3650 / 0.5) = 764.2 -> 765.

    >>> one = lambda x: np.array([x])
    >>> r, q = reorder_policy(*map(one, (10.0, 3.0, 5.0, 1.0, 1.65, 2.0, 1.0, 1.0)))
    >>> float(r[0]), float(q[0])
    (81.0, 765.0)
    """
    review = 1.0
    variance = (lead_time + review) * sd_daily**2 + mean_daily**2 * lead_time_sd**2
    reorder_point = np.ceil(mean_daily * (lead_time + review) + service_z * np.sqrt(variance))
    annual = mean_daily * 365.0
    eoq = np.sqrt(2.0 * ORDERING_COST * annual / (CARRYING_RATE * np.maximum(unit_cost, 0.01)))
    lot = np.clip(eoq, 7.0 * mean_daily, 90.0 * mean_daily)
    lot = np.maximum(lot, moq)
    return reorder_point, np.maximum(np.ceil(lot / pack), 1.0) * pack


def _next_delivery_table() -> IntArray:
    """Days to wait from weekday w until mask m allows a delivery: table[m, w]."""
    table = np.zeros((128, 7), dtype=np.int64)
    for mask in range(1, 128):
        for weekday in range(7):
            table[mask, weekday] = next(k for k in range(7) if mask >> ((weekday + k) % 7) & 1)
    return table


_NEXT_DELIVERY = _next_delivery_table()


class _Deliveries:
    """Turns a promised arrival into the day goods really arrive (vectorised)."""

    def __init__(self, behaviour: SupplierBehaviour, first_weekday: int) -> None:
        self.b = behaviour
        self.first_weekday = first_weekday

    def snap(self, day: IntArray, supplier: IntArray) -> IntArray:
        weekday = (self.first_weekday + day) % 7
        return day + _NEXT_DELIVERY[self.b.weekday_mask[supplier], weekday]

    def disrupt(
        self, rng: np.random.Generator, day: IntArray, supplier: IntArray, order_day: IntArray
    ) -> tuple[IntArray, BoolArray]:
        """Delay arrivals hit by the port closure or the outage; True where the outage hit."""
        b = self.b
        day = self.snap(day, supplier)
        by_outage = np.zeros(day.size, dtype=np.bool_)
        for _ in range(2):
            port = (
                (b.region[supplier] == b.port_region) & (day >= b.port_start) & (day < b.port_end)
            )
            day = np.where(port, b.port_end + rng.integers(0, 6, day.size), day)
            day = self.snap(day, supplier)
            # Nothing arrives during the outage; what was due, and what was ordered
            # meanwhile, piles up in the days after it.
            hit = (supplier == b.outage_supplier) & (
                ((day >= b.outage_start) & (day < b.outage_end))
                | ((order_day >= b.outage_start) & (order_day < b.outage_end))
            )
            day = np.where(hit, b.outage_end + rng.integers(0, 11, day.size), day)
            day = self.snap(day, supplier)
            by_outage |= hit
        return day, by_outage


def _rejected(
    rng: np.random.Generator, received: FloatArray, defect_rate: FloatArray
) -> FloatArray:
    """Units rejected at incoming inspection, expected share ``defect_rate``.

    Defects come in incidents: with probability 2.5·d a receipt has a problem and
    about 30 % of it is rejected; with probability d/4 the whole receipt is.
    """
    incident = rng.random(received.size) < 2.5 * defect_rate
    partial = rng.binomial(received.astype(np.int64), 0.3).astype(np.float64)
    whole = rng.random(received.size) < 0.25 * defect_rate
    return np.where(whole, received, np.where(incident, partial, 0.0))


def simulate_replenishment(
    rng: np.random.Generator,
    demand: npt.NDArray[np.int32],
    supply: ItemSupply,
    behaviour: SupplierBehaviour,
    first_weekday: int,
) -> ReplenishmentHistory:
    """Run the (s, nQ) policy with full backordering over the history, all items at once.

    Each day: receive what arrives (minus rejected units), serve backorders and
    demand from stock, then order n·Q from the primary (or, by its share, the
    alternate) source for every item whose position (on hand + on order −
    backorders) is at or below its reorder point. Lead time, short shipment,
    balance delivery and rejection of every line are drawn when it is ordered.
    """
    n, days = demand.shape
    deliveries = _Deliveries(behaviour, first_weekday)
    max_quoted = int(
        max(supply.primary_lead_time.max(initial=1), supply.alternate_lead_time.max(initial=1))
    )
    outage_len = behaviour.outage_end - behaviour.outage_start
    port_len = behaviour.port_end - behaviour.port_start
    horizon = int(2.5 * max_quoted) + 4 + 15 + 2 * (outage_len + 11 + port_len + 6) + 5 * 7 + 8
    incoming = np.zeros((n, horizon))  # usable units arriving, by day modulo horizon
    settled = np.zeros((n, horizon))  # units leaving "on order", by day modulo horizon
    on_hand = supply.initial_on_hand.astype(np.float64).copy()
    on_order = np.zeros(n)
    backordered = np.zeros(n)
    records: list[dict[str, npt.NDArray[np.generic]]] = []

    for t in range(days):
        slot = t % horizon
        on_hand += incoming[:, slot]
        incoming[:, slot] = 0.0
        on_order -= settled[:, slot]
        settled[:, slot] = 0.0
        need = backordered + demand[:, t]
        served = np.minimum(on_hand, need)
        on_hand -= served
        backordered = need - served
        position = on_hand + on_order - backordered
        due = (
            (position <= supply.reorder_point)
            & (t >= supply.order_from)
            & (t <= supply.order_until)
        )
        item = np.flatnonzero(due)
        if item.size == 0:
            continue
        k = item.size
        lot = supply.order_qty[item]
        qty = (np.floor((supply.reorder_point[item] - position[item]) / lot) + 1.0) * lot
        use_alternate = (supply.alternate[item] >= 0) & (
            rng.random(k) < supply.alternate_share[item]
        )
        supplier = np.where(use_alternate, supply.alternate[item], supply.primary[item])
        quoted = np.where(
            use_alternate, supply.alternate_lead_time[item], supply.primary_lead_time[item]
        )
        order_day = np.full(k, t, dtype=np.int64)

        need_day = t + quoted
        factor = np.exp(
            behaviour.lead_time_log_mean[supplier]
            + behaviour.lead_time_log_sd[supplier] * rng.standard_normal(k)
        )
        actual = np.clip(np.rint(quoted * factor), 1, 2.5 * quoted + 4).astype(np.int64)
        # Some suppliers confirm the date they can really make rather than the need.
        honest = rng.random(k) < 0.3
        promised_day = deliveries.snap(need_day + np.where(honest, actual - quoted, 0), supplier)
        promised_day = np.maximum(promised_day, deliveries.snap(need_day, supplier))
        first_day, delayed = deliveries.disrupt(rng, t + actual, supplier, order_day)

        short = rng.random(k) < behaviour.short_ship_probability[supplier]
        first_qty = np.where(short, np.floor(qty * rng.uniform(0.5, 0.95, k)), qty)
        short &= (first_qty >= 1.0) & (first_qty < qty)
        first_qty = np.where(short, first_qty, qty)
        balance = short & (rng.random(k) < 0.6)
        second_day, _ = deliveries.disrupt(
            rng, first_day + rng.integers(3, 15, k), supplier, np.full(k, -1, dtype=np.int64)
        )
        second_day = np.where(balance, second_day, -1)
        second_qty = np.where(balance, qty - first_qty, 0.0)
        defect = behaviour.defect_rate[supplier]
        first_rejected = _rejected(rng, first_qty, defect)
        second_rejected = np.where(balance, _rejected(rng, second_qty, defect), 0.0)
        if int((np.maximum(first_day, second_day) - t).max()) >= horizon:
            raise AssertionError("arrival beyond the simulation horizon")  # pragma: no cover

        on_order[item] += qty
        first_slot = first_day % horizon
        incoming[item, first_slot] += first_qty - first_rejected
        settled[item, first_slot] += np.where(short & ~balance, qty, first_qty)
        late = item[balance]
        second_slot = second_day[balance] % horizon
        incoming[late, second_slot] += second_qty[balance] - second_rejected[balance]
        settled[late, second_slot] += second_qty[balance]
        records.append(
            {
                "item": item,
                "supplier": supplier,
                "alternate": use_alternate,
                "order_day": order_day,
                "qty": qty,
                "need_day": need_day,
                "promised_day": promised_day,
                "first_day": first_day,
                "first_qty": first_qty,
                "first_rejected": first_rejected,
                "first_delayed_by_outage": delayed,
                "second_day": second_day,
                "second_qty": second_qty,
                "second_rejected": second_rejected,
                "short_closed": short & ~balance,
            }
        )

    columns: dict[str, Any] = {f.name: _concat(records, f.name) for f in fields(OrderLines)}
    lines = OrderLines(**columns)
    return ReplenishmentHistory(lines=lines, on_hand=on_hand, backordered=backordered)


_LINE_DTYPES = {
    "alternate": np.bool_,
    "first_delayed_by_outage": np.bool_,
    "short_closed": np.bool_,
    "qty": np.float64,
    "first_qty": np.float64,
    "first_rejected": np.float64,
    "second_qty": np.float64,
    "second_rejected": np.float64,
}


def _concat(
    records: list[dict[str, npt.NDArray[np.generic]]], name: str
) -> npt.NDArray[np.generic]:
    dtype = _LINE_DTYPES.get(name, np.int64)
    if not records:
        return np.zeros(0, dtype=dtype)
    return np.concatenate([r[name] for r in records]).astype(dtype, copy=False)
