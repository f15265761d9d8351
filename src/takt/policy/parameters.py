"""Stocking parameters per item, vectorised over all items: SS, ROP, S, Q, kanbans, reserve.

One call sizes every item of a plan run from its demand, lead time, supply terms and
segment (strategy, replenishment logic, demand pattern, ABC class, criticality)::

    params = compute_parameters(items, ParameterConfig(), seed=0)

Protection interval. Every item protects its review period plus its lead time,
P = R + L (Silver, Pyke & Thomas, *Inventory and Production Management in Supply Chains*,
4th ed., 2017, ch. 6: periodic review protects R + L); R comes from the strategy.

How the distribution of demand over P is obtained (column ``method``):

- ``normal``: mean μ_d·P and variance P·σ_d² + μ_d²·σ_L² (random lead time; Silver, Pyke &
  Thomas ch. 6), safety stock z·σ for a cycle service level or k·σ with σ·G(k) = (1 − β)·Q
  for a fill rate (less the second term of the shortage per cycle, below), through
  :mod:`takt.policy.formulas`. Used for smooth, erratic and new items that pass the
  normal test. Normal test: mean over P ≥
  ``normal_min_mean`` (10) and CV over P ≤ ``normal_max_cv`` (0.5). With CV ≤ 0.5 the
  normal puts at most Φ(−2) = 2.3 % of its mass below zero, and Silver, Pyke & Thomas
  (ch. 6) advise a skewed distribution above a CV of 0.5; with a mean of 10 or more the
  discreteness of the counts no longer moves the quantile by much (a Poisson(10) is close
  to its normal). New items have too little history for their sd: it is raised to at
  least ``new_item_min_cv``·μ_d (CV 1) and the Poisson √μ_d. A new item that fails the
  test (a slow one: most new spare parts) goes to ``compound`` like an intermittent one,
  its order sizes' CV² at least the one that floor implies. (New items were once always
  normal: on carparts the normal under-served slow new items, 66–79 % fill rate against
  90–98 % targets, where the compound route gives 80–99 %; docs/benchmarks.md.)
- ``empirical``: the forecast backtest's lead-time demand quantiles (``ltd_q50 … ltd_q99``
  over ``ltd_lead_time_days``) where the normal test fails, they are all present and
  ordered, the service measure is the cycle service level with a target in [0.5, 0.99],
  and the lead time is practically constant (CV ≤ ``empirical_max_lead_time_cv``, since
  the backtest quantiles carry no lead-time variation). The target quantile is
  interpolated linearly in normal score between the given quantiles and moved from the
  backtest's interval L_q to P as q_P = m·P/L_q + (q − m)·√(P/L_q) (m = ``ltd_mean``),
  the square-root scaling the forecast itself uses.
- ``compound`` (default for every other sized item: intermittent, lumpy, low volume,
  skewed): the compound-Bernoulli demand (orders with probability 1/ADI per period, gamma
  sizes of CV²) over a lognormal lead time, its distribution computed exactly by
  convolution in :mod:`._ltd_compound` (no sampling noise). Reorder point = the target
  quantile, or the level whose expected shortage (per cycle, below) is the allowed one.
- ``montecarlo``: the same distribution sampled by :mod:`._ltd_montecarlo`, for all
  those items with ``ltd_method="montecarlo"``, else only where a very wide range of
  order counts makes the convolution dearer than the samples (said in ``note``).
- ``none``: dying items (no automatic reorder), items without demand, and items missing
  their demand forecast or lead time (flagged in ``note``, never an aborted run).

Forecast uncertainty. The optional ``demand_rate_cv2`` φ (squared CV of the true demand
rate around the forecast, e.g. from :func:`estimate_rate_uncertainty` on a holdout) sizes
for D = M·D₀, M ~ Gamma(1/φ, φ) of mean 1, instead of the plug-in D₀ (Prak, Teunter &
Syntetos 2017, EJOR: plug-in levels under-deliver when the mean is forecast): exactly for
``compound`` (:mod:`._ltd_uncertain`), per sample for ``montecarlo``, and as the textbook
variance σ₀² + φ·(μ_d·P)² for ``normal`` (Silver, Pyke & Thomas ch. 6), whose test then
uses that CV. ``empirical`` quantiles are the backtest's forecast errors and already
carry it. φ = 0 or null sizes exactly as without the column.

Levels. SS = reorder point − mean over P, floored at 0 (a stock below the mean demand over
the protection interval is never planned). With R the review period:

- ``reorder_point`` r = mean over P + SS (+ the contingency reserve of hybrid items);
- ``order_up_to``: for ``order_up_to`` logic S = r ((R, S): order up to S at every review,
  Silver, Pyke & Thomas ch. 6); for ``rop`` and ``min_max`` the max r + Q; for ``kanban``
  the stock in the loop N·C;
- ``order_qty`` Q: EOQ √(2KD/h) with D the annual demand and h = unit cost × holding rate
  (Snyder & Shen, eq. (3.4)), or ``period_of_cover_days`` of demand for the classes in
  ``period_of_cover_classes`` (C) and items without a unit cost; capped at
  ``max_order_cover_days`` of demand, then rounded up to the MOQ and the pack multiple;
  for ``kanban`` logic the container quantity;
- kanban (jit strategy or kanban logic): container C = a day's demand
  (``kanban_container_cover_days``) rounded up to MOQ and pack; N = ⌈D·P·(1 + α)/C⌉
  (Monden, *Toyota Production System*), α the larger of ``kanban_safety_factor`` and
  SS/(D·P) so that the loop also holds the statistical safety stock;
- ``contingency_reserve`` (hybrid only): share × demand over the supplier's
  time-to-recover − SS, never negative (Simchi-Levi et al. 2014, TTR), the share 1 for
  line-stopper and important items and ½ for normal ones;
- ``days_of_cover``: of r + Q/2 (``rop``, ``min_max``) or of the order-up-to level
  (``order_up_to``, ``kanban``) at the mean daily demand.

Service target: ``service_target`` where given, else ``service_targets[(abc, criticality)]``
read as a cycle service level (or as a fill rate with ``service_measure="fill_rate"``; the
quantity a cycle replenishes is Q, or μ_d·R for ``order_up_to``, or C for ``kanban``).
A fill rate β sizes the level whose expected shortage per cycle is (1 − β) of that
quantity: E[(D_{R+L} − S)⁺] − E[(D_L − S)⁺] for ``order_up_to``, E[(D_P − r)⁺] −
E[(D_P − r − Q)⁺] for the others (default ``fill_rate_shortage="per_cycle"``), or the
textbook E[(D_P − level)⁺] alone (``"textbook"``); see :mod:`._per_cycle`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal, TypeVar

import numpy as np
import polars as pl
from scipy.special import ndtri

from takt.errors import InvalidInputError
from takt.policy._checks import BoolArray, FloatArray, IntArray
from takt.policy._items import (
    _CATEGORIES as _CATEGORIES,
)
from takt.policy._items import (
    _EMPIRICAL_COLUMNS,
    _EMPIRICAL_LEVELS,
    ABC_CLASSES,
    CRITICALITIES,
    LOGICS,
    METHODS,
    PATTERNS,
    STRATEGIES,
    _Items,
    _read_items,
)
from takt.policy._ltd_levels import distribution_levels
from takt.policy._ltd_uncertain import estimate_forecast_bias as estimate_forecast_bias
from takt.policy._ltd_uncertain import estimate_rate_uncertainty as estimate_rate_uncertainty
from takt.policy._ltd_uncertain import rate_estimate as rate_estimate
from takt.policy._ltd_uncertain import with_rate_uncertainty
from takt.policy._per_cycle import normal_fill_rate_safety_stock, second_term
from takt.policy.formulas import (
    days_of_cover,
    economic_order_quantity,
    kanban_count,
    lead_time_demand,
    round_order_quantity,
    safety_stock_cycle_service,
)

_K = TypeVar("_K")

OUTPUT_COLUMNS = (
    "item",
    "service_target",
    "review_period_days",
    "protection_days",
    "method",
    "safety_stock",
    "reorder_point",
    "order_up_to",
    "order_qty",
    "kanban_count",
    "container_qty",
    "contingency_reserve",
    "days_of_cover",
    "note",
)


def _default_service_targets() -> Mapping[tuple[str, str], float]:
    by_class = {"A": 0.98, "B": 0.95, "C": 0.90}
    targets = {}
    for abc, target in by_class.items():
        targets[(abc, "line_stopper")] = 0.99
        targets[(abc, "important")] = max(target, 0.97)
        targets[(abc, "normal")] = target
    return MappingProxyType(targets)


@dataclass(frozen=True)
class ParameterConfig:
    """Settings of :func:`compute_parameters`; every default is a documented planning choice.

    Attributes
    ----------
    review_period_days : mapping strategy -> days
        Review period R: jit 1 (daily pull), hybrid 7, buffer 7.
    service_targets : mapping (abc, criticality) -> probability
        Service target by class: line_stopper 0.99 in every class; otherwise A 0.98,
        B 0.95, C 0.90, important items at least 0.97.
    service_measure : "cycle" or "fill_rate"
        Read the targets as cycle service levels (P(no stock-out per cycle), default) or
        as fill rates (share of demand met from stock).
    fill_rate_shortage : "per_cycle" or "textbook"
        Fill rates: size on the exact expected shortage per cycle (default), or on the
        textbook E[(D over R + L − level)⁺] alone, which drops its second term and
        over-delivers at low targets and small Q (see docs/policy.md).
    order_cost : float
        Fixed cost per order K, in the currency of ``unit_cost``. Default 50.
    holding_rate : float
        Carrying cost per year as a fraction of unit cost. Default 0.25.
    days_per_year : float
        Days in the year of ``holding_rate``. Default 365.
    period_of_cover_classes : frozenset of ABC classes
        Classes ordered as a period of cover instead of the EOQ. Default {"C"}.
    period_of_cover_days : float
        The period of cover, in days of mean demand. Default 30.
    max_order_cover_days : float
        Cap on the raw order quantity (before MOQ and pack), in days of demand: a very
        cheap item's EOQ can exceed years of demand. Default 365.
    kanban_container_cover_days : float
        A kanban container holds at least this many days of demand (then MOQ and pack).
        Default 1.
    kanban_safety_factor : float
        α of N = ⌈D·L·(1 + α)/C⌉. Default 0.10.
    kanban_holds_safety_stock : bool
        Raise α to SS/(D·P) where the statistical safety stock needs more. Default True.
    contingency_share : mapping criticality -> fraction
        Share of the demand over the supplier's TTR a hybrid item keeps in reserve:
        line_stopper 1, important 1, normal 0.5.
    ltd_method : "compound" or "montecarlo"
        How items outside the normal test get their distribution of demand over R + L:
        computed by convolution (default; the rare item whose range of order counts is
        too wide for it is sampled) or sampled.
    montecarlo_samples : int
        Samples of lead-time demand per Monte Carlo item. Default 2,000.
    normal_min_mean : float
        Normal test: least mean demand over R + L. Default 10 units.
    normal_max_cv : float
        Normal test: largest CV of demand over R + L. Default 0.5.
    new_item_min_cv : float
        New items: the demand sd is raised to at least this CV (and to √μ). Default 1.
    use_empirical : bool
        Use the backtest's lead-time demand quantiles where valid. Default True.
    empirical_max_lead_time_cv : float
        Largest lead-time CV (σ_L/μ_L) counted as a constant lead time. Default 0.05.
    demand_period_days : float
        Length in days of the period ``adi`` and ``cv2`` were measured in. Default 1.
    """

    review_period_days: Mapping[str, float] = field(
        default_factory=lambda: MappingProxyType({"jit": 1.0, "hybrid": 7.0, "buffer": 7.0})
    )
    service_targets: Mapping[tuple[str, str], float] = field(
        default_factory=_default_service_targets
    )
    service_measure: Literal["cycle", "fill_rate"] = "cycle"
    fill_rate_shortage: Literal["per_cycle", "textbook"] = "per_cycle"
    order_cost: float = 50.0
    holding_rate: float = 0.25
    days_per_year: float = 365.0
    period_of_cover_classes: frozenset[str] = frozenset({"C"})
    period_of_cover_days: float = 30.0
    max_order_cover_days: float = 365.0
    kanban_container_cover_days: float = 1.0
    kanban_safety_factor: float = 0.10
    kanban_holds_safety_stock: bool = True
    contingency_share: Mapping[str, float] = field(
        default_factory=lambda: MappingProxyType(
            {"line_stopper": 1.0, "important": 1.0, "normal": 0.5}
        )
    )
    ltd_method: Literal["compound", "montecarlo"] = "compound"
    montecarlo_samples: int = 2000
    normal_min_mean: float = 10.0
    normal_max_cv: float = 0.5
    new_item_min_cv: float = 1.0
    use_empirical: bool = True
    empirical_max_lead_time_cv: float = 0.05
    demand_period_days: float = 1.0

    def __post_init__(self) -> None:
        for strategy in STRATEGIES:
            _setting(f"review_period_days[{strategy!r}]", self.review_period_days, strategy)
        for key in ((a, c) for a in ABC_CLASSES for c in CRITICALITIES):
            value = _setting(f"service_targets[{key!r}]", self.service_targets, key)
            if not 0.0 < value < 1.0:
                raise InvalidInputError(f"service_targets[{key!r}] must be inside (0, 1)")
        for crit in CRITICALITIES:
            _setting(f"contingency_share[{crit!r}]", self.contingency_share, crit)
        if self.service_measure not in ("cycle", "fill_rate"):
            raise InvalidInputError("service_measure must be 'cycle' or 'fill_rate'")
        if self.fill_rate_shortage not in ("per_cycle", "textbook"):
            raise InvalidInputError("fill_rate_shortage must be 'per_cycle' or 'textbook'")
        if self.ltd_method not in ("compound", "montecarlo"):
            raise InvalidInputError("ltd_method must be 'compound' or 'montecarlo'")
        unknown = set(self.period_of_cover_classes) - set(ABC_CLASSES)
        if unknown:
            raise InvalidInputError(f"period_of_cover_classes has unknown classes {unknown}")
        for name in ("order_cost", "kanban_safety_factor", "new_item_min_cv"):
            _nonnegative(name, getattr(self, name))
        for name in (
            "holding_rate",
            "days_per_year",
            "period_of_cover_days",
            "max_order_cover_days",
            "kanban_container_cover_days",
            "normal_max_cv",
            "demand_period_days",
        ):
            _nonnegative(name, getattr(self, name))
            if getattr(self, name) == 0:
                raise InvalidInputError(f"{name} must be > 0")
        _nonnegative("normal_min_mean", self.normal_min_mean)
        _nonnegative("empirical_max_lead_time_cv", self.empirical_max_lead_time_cv)
        if int(self.montecarlo_samples) != self.montecarlo_samples or self.montecarlo_samples < 1:
            raise InvalidInputError("montecarlo_samples must be a whole number >= 1")


def _setting(name: str, mapping: Mapping[_K, float], key: _K) -> float:
    if key not in mapping:
        raise InvalidInputError(f"{name} is missing")
    value = float(mapping[key])
    _nonnegative(name, value)
    return value


def _nonnegative(name: str, value: float) -> None:
    if not (np.isfinite(value) and value >= 0):
        raise InvalidInputError(f"{name} must be finite and >= 0 (got {value!r})")


def _lookup(table: Mapping[str, float], keys: tuple[str, ...], codes: IntArray) -> FloatArray:
    return np.array([float(table[k]) for k in keys], dtype=np.float64)[codes]


def _service_targets(items: _Items, config: ParameterConfig) -> FloatArray:
    table = np.array(
        [[config.service_targets[(a, c)] for c in CRITICALITIES] for a in ABC_CLASSES],
        dtype=np.float64,
    )
    by_class = table[items.codes["abc"], items.codes["criticality"]]
    given = items.numbers["service_target"]
    return np.where(np.isnan(given), by_class, given)


def _zero_nan(x: FloatArray) -> FloatArray:
    return np.where(np.isnan(x), 0.0, x)


@dataclass
class _Demand:
    """Demand per day and lead time, missing values resolved, with the fallbacks noted."""

    mean: FloatArray
    sd: FloatArray
    lead_time: FloatArray
    lead_time_sd: FloatArray
    occurrence_probability: FloatArray  # per period of ``demand_period_days``
    size_cv2: FloatArray
    sd_from_adi: BoolArray
    sd_poisson: BoolArray
    lead_time_sd_missing: BoolArray


def _resolve_demand(items: _Items, sized: BoolArray, config: ParameterConfig) -> _Demand:
    num = items.numbers
    mean = np.where(sized, _zero_nan(num["demand_mean"]), 0.0)
    g = config.demand_period_days
    adi = num["adi"]
    p = np.where(np.isnan(adi), 1.0, 1.0 / np.where(np.isnan(adi), 1.0, adi))
    cv2 = num["cv2"]
    # Per-day variance implied by the compound process: per period (μg)²((1 + CV²)/p − 1),
    # spread over g independent days.
    with np.errstate(invalid="ignore"):
        implied = np.sqrt(np.maximum((mean * g) ** 2 * ((1.0 + cv2) / p - 1.0), 0.0) / g)
    sd_missing = np.isnan(num["demand_sd"]) & sized
    sd_from_adi = sd_missing & ~np.isnan(cv2)
    sd_poisson = sd_missing & np.isnan(cv2)
    sd = np.where(sd_from_adi, implied, np.where(sd_poisson, np.sqrt(mean), num["demand_sd"]))
    new = items.codes["pattern"] == PATTERNS.index("new")
    conservative = np.maximum(np.maximum(sd, config.new_item_min_cv * mean), np.sqrt(mean))
    sd = np.where(sized, np.where(new, conservative, sd), 0.0)
    # Sizes: where CV² is missing, the one that reproduces the daily sd; for new items at
    # least that (their few sizes understate the spread as their few periods do).
    with np.errstate(divide="ignore", invalid="ignore"):
        derived = np.maximum(
            np.nan_to_num(p * (sd**2 / (np.where(mean > 0, mean, 1.0) ** 2 * g) + 1.0) - 1.0), 0.0
        )
    size_cv2 = np.where(np.isnan(cv2), derived, np.where(new, np.maximum(cv2, derived), cv2))
    lead_time_sd_missing = np.isnan(num["lead_time_sd_days"]) & sized
    return _Demand(
        mean=mean,
        sd=sd,
        lead_time=np.where(sized, _zero_nan(num["lead_time_mean_days"]), 0.0),
        lead_time_sd=np.where(sized, _zero_nan(num["lead_time_sd_days"]), 0.0),
        occurrence_probability=p,
        size_cv2=np.where(sized, size_cv2, 0.0),
        sd_from_adi=sd_from_adi,
        sd_poisson=sd_poisson,
        lead_time_sd_missing=lead_time_sd_missing,
    )


def _order_quantity(
    items: _Items, demand: _Demand, sized: BoolArray, config: ParameterConfig
) -> tuple[FloatArray, BoolArray, BoolArray]:
    """Rounded order quantity, where it is a period of cover, where for lack of a unit cost."""
    num = items.numbers
    cover_classes = [ABC_CLASSES.index(c) for c in config.period_of_cover_classes]
    by_cover = np.isin(items.codes["abc"], cover_classes)
    unit_cost = num["unit_cost"]
    no_cost = ~by_cover & sized & ~(unit_cost > 0)
    eoq_rows = sized & ~by_cover & ~no_cost
    raw = demand.mean * config.period_of_cover_days
    raw[eoq_rows] = economic_order_quantity(
        config.order_cost,
        unit_cost[eoq_rows] * config.holding_rate,
        demand.mean[eoq_rows] * config.days_per_year,
    )
    raw = np.minimum(raw, demand.mean * config.max_order_cover_days)
    # A zero EOQ (no order cost) still orders: the smallest quantity MOQ and pack allow.
    raw = np.where(sized, np.maximum(raw, np.finfo(np.float64).tiny), 0.0)
    moq = _zero_nan(num["moq"])
    pack = np.where(np.isnan(num["pack_multiple"]), 1.0, num["pack_multiple"])
    return round_order_quantity(raw, moq, pack), ~eoq_rows & sized, no_cost


def _empirical_rows(
    items: _Items,
    demand: _Demand,
    candidates: BoolArray,
    target: FloatArray,
    config: ParameterConfig,
) -> BoolArray:
    num = items.numbers
    if not config.use_empirical or config.service_measure != "cycle":
        return np.zeros(len(items), dtype=bool)
    q = np.column_stack([num[c] for c in _EMPIRICAL_COLUMNS])
    with np.errstate(invalid="ignore"):
        ok = candidates & ~np.isnan(q).any(axis=1) & ~np.isnan(num["ltd_mean"])
        ok &= num["ltd_lead_time_days"] > 0
        ok &= (np.diff(q, axis=1) >= 0).all(axis=1)
        ok &= demand.lead_time_sd <= config.empirical_max_lead_time_cv * demand.lead_time
        ok &= (target >= _EMPIRICAL_LEVELS[0]) & (target <= _EMPIRICAL_LEVELS[-1])
    return np.asarray(ok, dtype=bool)


def _empirical_levels(
    items: _Items, rows: BoolArray, target: FloatArray, protection: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Mean and target quantile over P from the backtest quantiles over L_q (see module doc)."""
    num = items.numbers
    q = np.column_stack([num[c][rows] for c in _EMPIRICAL_COLUMNS])
    z_levels = ndtri(np.array(_EMPIRICAL_LEVELS))
    z = ndtri(target[rows])
    lower = np.clip(np.searchsorted(z_levels, z, side="right") - 1, 0, len(z_levels) - 2)
    weight = (z - z_levels[lower]) / (z_levels[lower + 1] - z_levels[lower])
    at = np.arange(len(z))
    quantile = q[at, lower] * (1.0 - weight) + q[at, lower + 1] * weight
    ratio = protection[rows] / num["ltd_lead_time_days"][rows]
    mean = num["ltd_mean"][rows]
    return mean * ratio, mean * ratio + (quantile - mean) * np.sqrt(ratio)


def _distribution_levels(
    items: _Items,
    demand: _Demand,
    rows: BoolArray,
    target: FloatArray,
    review: FloatArray,
    cycle_quantity: FloatArray,
    rate_cv2: FloatArray,
    config: ParameterConfig,
    seed: int,
) -> tuple[FloatArray, BoolArray]:
    g = config.demand_period_days
    p = demand.occurrence_probability[rows]
    fill_rate = config.service_measure == "fill_rate"
    allowed = (1.0 - target[rows]) * cycle_quantity[rows] if fill_rate else target[rows]
    second = None
    if config.fill_rate_shortage == "per_cycle":
        up_to = items.codes["logic"][rows] == LOGICS.index("order_up_to")
        second = second_term(up_to, review[rows], cycle_quantity[rows])
    return distribution_levels(
        items.names.filter(pl.Series(rows)),
        g,
        p,
        demand.mean[rows] * g / p,
        demand.size_cv2[rows],
        review[rows],
        demand.lead_time[rows],
        demand.lead_time_sd[rows],
        target[rows],
        allowed,
        fill_rate=fill_rate,
        method=config.ltd_method,
        samples=int(config.montecarlo_samples),
        seed=seed,
        rate_cv2=rate_cv2[rows],
        second_term=second,
    )


def compute_parameters(
    items: pl.DataFrame, config: ParameterConfig = ParameterConfig(), *, seed: int = 0
) -> pl.DataFrame:
    """Stocking parameters of every item, one output row per input row (see module doc).

    Parameters
    ----------
    items : polars.DataFrame
        One row per item. Required: ``item``; ``strategy`` (jit/hybrid/buffer), ``logic``
        (kanban/rop/min_max/order_up_to), ``pattern`` (smooth/erratic/intermittent/lumpy/
        new/dying), ``abc`` (A/B/C), ``criticality`` (line_stopper/important/normal);
        ``demand_mean`` and ``demand_sd`` per day; ``lead_time_mean_days``,
        ``lead_time_sd_days``; ``moq``, ``pack_multiple``, ``unit_cost``. Optional (column
        or value may be null): ``adi`` (≥ 1, in periods of ``demand_period_days``),
        ``cv2`` of the non-zero sizes, ``ltd_lead_time_days``, ``ltd_mean``, ``ltd_q50``,
        ``ltd_q90``, ``ltd_q95``, ``ltd_q99``, ``time_to_recover_days``,
        ``service_target`` (inside (0, 1); null = by class), ``demand_rate_cv2`` (φ,
        squared CV of the true rate around the forecast; null = 0). Missing values: no demand
        mean or lead time → not sized (method "none", said in ``note``); no demand sd →
        from ADI and CV², else Poisson; no lead-time sd → 0; no MOQ → 0; no pack → 1;
        no unit cost → period of cover.
    config : ParameterConfig
        Planning settings.
    seed : int
        Seed of the Monte Carlo samples (``ltd_method="montecarlo"``); each item's stream
        is derived from it and the item's name, so results do not depend on the other
        items in the run. The default compound method draws nothing.

    Returns
    -------
    polars.DataFrame with ``item`` and ``service_target``, ``review_period_days``,
    ``protection_days`` (R + L), ``method``, ``safety_stock``, ``reorder_point``,
    ``order_up_to``, ``order_qty``, ``kanban_count`` and ``container_qty`` (jit or kanban
    rows, else null), ``contingency_reserve`` (hybrid only, else 0), ``days_of_cover``,
    ``note``. Quantities are in units, unrounded except ``order_qty``, ``container_qty``.

    Raises
    ------
    InvalidInputError
        A required column is missing, a category is unknown, or a number is negative or
        infinite (naming the column and item).

    Examples
    --------
    >>> row = dict(item="P1", strategy="buffer", logic="rop", pattern="smooth", abc="B",
    ...            criticality="normal", demand_mean=20.0, demand_sd=5.0,
    ...            lead_time_mean_days=10.0, lead_time_sd_days=0.0, moq=0.0,
    ...            pack_multiple=1.0, unit_cost=4.0)
    >>> out = compute_parameters(pl.DataFrame([row]))
    >>> method, ss, rop = out.select("method", "safety_stock", "reorder_point").row(0)
    >>> method, round(ss, 2), round(rop, 2)  # SS = z_0.95·5·√17, ROP = 20·17 + SS
    ('normal', 33.91, 373.91)
    """
    data = _read_items(items)
    n = len(data)
    codes, num = data.codes, data.numbers
    pattern, strategy, logic = codes["pattern"], codes["strategy"], codes["logic"]
    target = _service_targets(data, config)
    review = _lookup(config.review_period_days, STRATEGIES, strategy)
    lead_known = ~np.isnan(num["lead_time_mean_days"])
    protection = review + _zero_nan(num["lead_time_mean_days"])

    dying = pattern == PATTERNS.index("dying")
    no_forecast = np.isnan(num["demand_mean"]) & ~dying
    no_lead_time = ~lead_known & ~dying & ~no_forecast
    no_demand = (num["demand_mean"] == 0) & ~dying & ~no_lead_time
    sized = ~(dying | no_forecast | no_lead_time | no_demand)

    demand = _resolve_demand(data, sized, config)
    over = lead_time_demand(demand.mean, demand.sd, demand.lead_time, demand.lead_time_sd, review)
    rate_cv2 = np.where(sized, _zero_nan(num["demand_rate_cv2"]), 0.0)
    over_sd = with_rate_uncertainty(over.mean, over.sd, rate_cv2)
    order_qty, by_cover, no_cost = _order_quantity(data, demand, sized, config)

    kanban_logic = logic == LOGICS.index("kanban")
    kanban_rows = (strategy == STRATEGIES.index("jit")) | kanban_logic
    container = np.zeros(n)
    kanban_sized = kanban_rows & sized
    container[kanban_sized] = round_order_quantity(
        demand.mean[kanban_sized] * config.kanban_container_cover_days,
        _zero_nan(num["moq"][kanban_sized]),
        np.where(np.isnan(num["pack_multiple"]), 1.0, num["pack_multiple"])[kanban_sized],
    )
    order_qty = np.where(kanban_logic, container, order_qty)
    up_to_logic = logic == LOGICS.index("order_up_to")
    cycle_quantity = np.where(
        up_to_logic & (review > 0),
        demand.mean * review,
        np.where(kanban_logic, container, order_qty),
    )

    # Which distribution of demand over R + L sizes each item.
    new = pattern == PATTERNS.index("new")
    smooth_or_erratic = (pattern == PATTERNS.index("smooth")) | (
        pattern == PATTERNS.index("erratic")
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        cv = np.where(over.mean > 0, over_sd / over.mean, np.inf)
    low_volume = over.mean < config.normal_min_mean
    normal_ok = (smooth_or_erratic | new) & ~low_volume & (cv <= config.normal_max_cv)
    use_normal = sized & normal_ok
    use_empirical = _empirical_rows(data, demand, sized & ~use_normal, target, config)
    use_distribution = sized & ~use_normal & ~use_empirical

    mean = over.mean.copy()
    level = np.zeros(n)  # mean + safety stock before the floor
    if config.service_measure == "cycle":
        ss_normal = safety_stock_cycle_service(target[use_normal], over_sd[use_normal])
    else:
        lead = lead_time_demand(demand.mean, demand.sd, demand.lead_time, demand.lead_time_sd)
        lead_sd = with_rate_uncertainty(lead.mean, lead.sd, rate_cv2)
        normal = (target, cycle_quantity, over.mean, over_sd, lead.mean, lead_sd)
        ss_normal = normal_fill_rate_safety_stock(
            *(x[use_normal] for x in (*normal, up_to_logic, review)),
            per_cycle=config.fill_rate_shortage == "per_cycle",
        )
    level[use_normal] = over.mean[use_normal] + ss_normal
    mean[use_empirical], level[use_empirical] = _empirical_levels(
        data, use_empirical, target, protection
    )
    sampled = np.zeros(n, dtype=bool)
    if use_distribution.any():
        level[use_distribution], sampled[use_distribution] = _distribution_levels(
            data, demand, use_distribution, target, review, cycle_quantity, rate_cv2, config, seed
        )
    mean = np.where(sized, mean, 0.0)
    safety_stock = np.where(sized, np.maximum(level - mean, 0.0), 0.0)

    hybrid = strategy == STRATEGIES.index("hybrid")
    share = _lookup(config.contingency_share, CRITICALITIES, codes["criticality"])
    ttr = num["time_to_recover_days"]
    reserve = np.where(
        hybrid & sized, np.maximum(share * demand.mean * _zero_nan(ttr) - safety_stock, 0.0), 0.0
    )
    reorder_point = mean + safety_stock + reserve

    alpha = np.full(n, config.kanban_safety_factor)
    if config.kanban_holds_safety_stock:
        with np.errstate(divide="ignore", invalid="ignore"):
            needed = np.where(mean > 0, safety_stock / np.where(mean > 0, mean, 1.0), 0.0)
        alpha = np.maximum(alpha, needed)
    kanbans = np.zeros(n, dtype=np.int64)
    kanbans[kanban_sized] = kanban_count(
        demand.mean[kanban_sized],
        protection[kanban_sized],
        container[kanban_sized],
        alpha[kanban_sized],
    )
    order_up_to = np.where(
        up_to_logic,
        reorder_point,
        np.where(kanban_logic, kanbans * container, reorder_point + order_qty),
    )
    order_up_to = np.where(sized, order_up_to, 0.0)
    cover_stock = np.where(up_to_logic | kanban_logic, order_up_to, reorder_point + order_qty / 2)
    cover = days_of_cover(cover_stock, demand.mean)

    method = np.zeros(n, dtype=np.int64)
    method[use_normal] = METHODS.index("normal")
    method[use_empirical] = METHODS.index("empirical")
    method[use_distribution & ~sampled] = METHODS.index("compound")
    method[use_distribution & sampled] = METHODS.index("montecarlo")
    flags = {
        "dying": dying,
        "no_forecast": no_forecast,
        "no_lead_time": no_lead_time,
        "no_demand": no_demand,
        "new": use_normal & new,
        "normal": use_normal & ~new,
        "random_lt": demand.lead_time_sd > 0,
        "empirical": use_empirical,
        "distribution": use_distribution,
        "sampled": sampled,
        "rate_uncertain": (rate_cv2 > 0) & (use_normal | use_distribution),
        "too_wide": sampled & (config.ltd_method == "compound"),
        "low_volume": low_volume & smooth_or_erratic,
        "skewed": ~low_volume & smooth_or_erratic,
        "sd_from_adi": demand.sd_from_adi & ~new,
        "sd_poisson": demand.sd_poisson & ~new,
        "lt_sd_missing": demand.lead_time_sd_missing,
        "sized": sized,
        "by_cover": by_cover & ~kanban_logic,
        "no_cost": no_cost & ~kanban_logic,
        "kanban": kanban_logic & sized,
        "hybrid": hybrid & sized,
        "no_ttr": np.isnan(ttr),
        "reserve": reserve > 0,
    }
    notes = _notes(pattern, flags, config)

    null_unless_kanban = pl.when(pl.col("_kanban_rows"))
    return pl.DataFrame(
        {
            "item": data.names,
            "service_target": target,
            "review_period_days": review,
            "protection_days": pl.Series(np.where(lead_known, protection, np.nan)).fill_nan(None),
            "method": pl.Series(METHODS)[method],
            "safety_stock": safety_stock,
            "reorder_point": reorder_point,
            "order_up_to": order_up_to,
            "order_qty": order_qty,
            "kanban_count": kanbans,
            "container_qty": container,
            "contingency_reserve": reserve,
            "days_of_cover": cover,
            "note": notes,
            "_kanban_rows": kanban_rows,
        }
    ).select(
        *OUTPUT_COLUMNS[:9],
        null_unless_kanban.then(pl.col("kanban_count")).otherwise(None),
        null_unless_kanban.then(pl.col("container_qty")).otherwise(None),
        *OUTPUT_COLUMNS[11:],
    )


def _notes(pattern: IntArray, flags: dict[str, BoolArray], config: ParameterConfig) -> pl.Series:
    """The note of every row, worked out once per distinct combination of its flags."""
    key = pattern.astype(np.int64)
    for flag in flags.values():
        key = key * 2 + flag
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    distinct = {name: flag[first] for name, flag in flags.items()}
    table = pl.DataFrame({"pattern": pl.Series(PATTERNS)[pattern[first]], **distinct})
    return table.select(_note_expression(config)).to_series().gather(inverse.ravel())


def _note_expression(config: ParameterConfig) -> pl.Expr:
    """One short sentence per item on how it was sized, from the flags of the item."""

    def when(flag: str, text: str) -> pl.Expr:
        return pl.when(pl.col(flag)).then(pl.lit(text))

    pattern = pl.col("pattern")
    reason = pl.concat_str(
        pl.when(pl.col("low_volume"))
        .then(pl.lit(", low volume"))
        .when(pl.col("skewed"))
        .then(pl.lit(", skewed"))
        .otherwise(pl.lit("")),
        pl.when(pl.col("too_wide")).then(pl.lit(", too wide to convolve")).otherwise(pl.lit("")),
    )
    base = (
        pl.when(pl.col("dying"))
        .then(pl.lit("dying: no automatic reorder, review"))
        .when(pl.col("no_forecast"))
        .then(pl.lit("not sized: no demand forecast, review"))
        .when(pl.col("no_lead_time"))
        .then(pl.lit("not sized: no lead time, review"))
        .when(pl.col("no_demand"))
        .then(pl.lit("no demand: nothing to stock"))
        .when(pl.col("new"))
        .then(pl.lit("new item: normal approximation over R+L with a conservative sd"))
        .when(pl.col("normal") & pl.col("random_lt"))
        .then(pl.lit("normal approximation over R+L with random lead time"))
        .when(pl.col("normal"))
        .then(pl.lit("normal approximation over R+L with constant lead time"))
        .when(pl.col("empirical"))
        .then(pl.concat_str(pl.lit("empirical lead-time demand from the backtest ("), pattern))
        .when(pl.col("sampled"))
        .then(pl.concat_str(pl.lit("Monte Carlo lead-time demand ("), pattern, reason))
        .otherwise(pl.concat_str(pl.lit("compound lead-time demand ("), pattern, reason))
    )
    base = pl.when(pl.col("empirical") | pl.col("distribution")).then(base + ")").otherwise(base)
    cover_days = f"{config.period_of_cover_days:g}"
    sized = pl.col("sized")
    pieces = [
        base,
        when("sd_from_adi", "demand sd from ADI and CV²"),
        when("sd_poisson", "demand sd missing, taken as Poisson"),
        when("lt_sd_missing", "lead-time sd missing, taken as 0"),
        when("rate_uncertain", "forecast rate uncertain (demand_rate_cv2)"),
        pl.when(pl.col("kanban"))
        .then(pl.lit("one container per kanban"))
        .when(pl.col("no_cost"))
        .then(pl.lit(f"no unit cost, order {cover_days} days of cover"))
        .when(pl.col("by_cover"))
        .then(pl.lit(f"order {cover_days} days of cover"))
        .when(sized)
        .then(pl.lit("order EOQ")),
        pl.when(pl.col("hybrid") & pl.col("no_ttr"))
        .then(pl.lit("no TTR, no contingency reserve"))
        .when(pl.col("hybrid") & pl.col("reserve"))
        .then(pl.lit("plus contingency reserve over the supplier's TTR"))
        .when(pl.col("hybrid"))
        .then(pl.lit("safety stock already covers the supplier's TTR")),
    ]
    return pl.concat_str(pieces, separator="; ", ignore_nulls=True).alias("note")
