"""Fill-rate levels on the exact expected shortage per replenishment cycle.

A fill rate β allows (1 − β) of the demand of a cycle to go short: (1 − β)·Q units per
cycle, Q the quantity a cycle replenishes (μ·R for an order-up-to policy). With
backorders, the units that a cycle newly leaves short are

- (R, S), order up to S every R: B(S) = E[(D_{R+L} − S)⁺] − E[(D_L − S)⁺], the
  backorders at the end of the cycle less those already there before its demand, D_L
  the demand over the lead time alone;
- (r, Q) (and min-max and kanban, over the protection interval P = R + L):
  B(r) = E[(D_P − r)⁺] − E[(D_P − r − Q)⁺] (Hadley & Whitin, *Analysis of Inventory
  Systems*, 1963, ch. 4: expected backorders per cycle).

Silver, Pyke & Thomas (*Inventory and Production Management in Supply Chains*, 4th ed.,
2017, ch. 6) give both and drop the second term as small: the "textbook" rule
E[(D_P − level)⁺] = (1 − β)·Q. It is small where the level is far above the demand
over L (high targets, smooth demand) or Q is large against the spread of D_P, and not
otherwise: lumpy carparts items sized for 90 % get about 94 % under their own model, and
a kanban loop of one-day containers, whose B is about C·P(D_P > r), is asked by the
textbook rule to keep its whole shortage over P below (1 − β)·C.

Both terms fall with the level and so does B: D_{R+L} is stochastically larger than D_L
(the order count over an interval grows with the interval), so B′ = −P(D_{R+L} > S) +
P(D_L > S) ≤ 0, and B′ = −P(r < D_P ≤ r + Q) ≤ 0 for (r, Q). B ≤ the textbook shortage,
so the textbook level bounds the per-cycle level from above, and B(0) = μ·R for (R, S).
Each method solves B(level) = (1 − β)·Q with the textbook level as the upper end of its
bracket, and keeps the textbook level bit for bit where the second term cannot move it
by more than the solvers' tolerance (10⁻¹² relative):

- ``compound``: the order-count distribution of the second interval (L alone, or P) from
  :func:`._ltd_compound.item_order_counts`, both as gamma mixtures evaluated by
  :func:`._ltd_uncertain._scaled_mixture_at` (one common scale), the root by Halley's
  method on log B inside the bracket (bisection when a step leaves it); constant sizes
  make B piecewise linear between the multiples of the size, read off exactly;
- ``compound`` with forecast uncertainty: the same on the mixtures of D = M·D₀ over both
  intervals (:func:`._ltd_uncertain._prepared`), the common M integrated out of each
  term separately, which is exact because B is linear in the distribution;
- ``montecarlo``: the sample shortage of D over P less that of an independent sample of
  the second interval (each sample times its own M with forecast uncertainty), piecewise
  linear, scanned from the top;
- ``normal``: σ_P·G(k_P) − σ_X·G(k_X) with the normal of the second interval, solved by
  Newton on log B over all items at once (safety stock floored at 0 as before; above the
  mean of P, B falls since σ_L ≤ σ_P).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from takt.policy._checks import BoolArray, FloatArray
from takt.policy._ltd_compound import (
    _CONSTANT_SIZE_CV2,
    _MAX_ITERATIONS,
    _RELATIVE_TOLERANCE,
    _continuous_level,
    _discrete_level,
    _mixture_terms,
    item_order_counts,
)
from takt.policy._ltd_montecarlo import U32Array, _sample_demand
from takt.policy._ltd_uncertain import _prepared, _scaled_mixture_at, _solve
from takt.policy.normal import _loss, _upper_tail
from takt.policy.service_level import safety_stock_fill_rate


def second_term(
    up_to: BoolArray, review_days: FloatArray, cycle_quantity: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """(review part of the second interval, offset) of B for each item (module doc).

    Order-up-to items reviewed every R > 0 subtract E[(D_L − S)⁺]: (0, 0). The others,
    (r, Q)-like with Q = ``cycle_quantity``, subtract E[(D_P − r − Q)⁺]: (R, Q).
    """
    periodic = up_to & (review_days > 0)
    return (
        np.where(periodic, 0.0, review_days).astype(np.float64),
        np.where(periodic, 0.0, cycle_quantity).astype(np.float64),
    )


# --- normal --------------------------------------------------------------------------------


def _normal_shortage(level: FloatArray, mean: FloatArray, sd: FloatArray) -> tuple[FloatArray, ...]:
    """E[(X − level)⁺] and P(X > level) of X ~ N(mean, sd²), sd = 0 a point mass."""
    random = sd > 0
    z = (level - mean) / np.where(random, sd, 1.0)
    shortage = np.where(random, sd * _loss(z), np.maximum(mean - level, 0.0))
    survival = np.where(random, _upper_tail(z), (mean > level).astype(np.float64))
    return shortage, survival


def normal_fill_rate_safety_stock(
    fill_rate: FloatArray,
    cycle_quantity: FloatArray,
    mean: FloatArray,
    sd: FloatArray,
    lead_mean: FloatArray,
    lead_sd: FloatArray,
    up_to: BoolArray,
    review_days: FloatArray,
    *,
    per_cycle: bool,
) -> FloatArray:
    """Safety stock SS ≥ 0 of a fill rate β under normal demand over P (mean μ_P, sd σ_P).

    Textbook (``per_cycle`` False): σ_P·G(k) = (1 − β)·Q,
    :func:`takt.policy.service_level.safety_stock_fill_rate`. Per cycle: the level
    S = μ_P + SS with σ_P·G((S − μ_P)/σ_P) − σ_X·G((S + c − μ_X)/σ_X) = (1 − β)·Q
    (Silver, Pyke & Thomas 2017, ch. 6, with the term they drop), where X and c are as
    :func:`second_term` gives them: the demand over L alone (``lead_mean``, ``lead_sd``)
    and 0 for order-up-to items (``up_to``) reviewed every R > 0, else over P and Q.
    """
    textbook = safety_stock_fill_rate(fill_rate, cycle_quantity, sd)
    if not per_cycle or textbook.size == 0:
        return textbook
    _, offset = second_term(up_to, review_days, cycle_quantity)
    over_lead = up_to & (review_days > 0)
    second_mean = np.where(over_lead, lead_mean, mean)
    second_sd = np.where(over_lead, lead_sd, sd)
    allowed = (1.0 - fill_rate) * cycle_quantity
    lo = mean.copy()
    hi = mean + textbook
    safety_stock = textbook.copy()

    def per_cycle_shortage(level: FloatArray, rows: BoolArray) -> tuple[FloatArray, ...]:
        first, first_survival = _normal_shortage(level, mean[rows], sd[rows])
        second, second_survival = _normal_shortage(
            level + offset[rows], second_mean[rows], second_sd[rows]
        )
        return first - second, first_survival - second_survival, second, first_survival

    everything = np.ones(len(mean), dtype=bool)
    at_mean = per_cycle_shortage(lo, everything)[0]
    _, _, second_at_top, survival_at_top = per_cycle_shortage(hi, everything)
    # Where the second term cannot move S by 10⁻¹² of it, the textbook level stands.
    active = (at_mean > allowed) & (second_at_top > _RELATIVE_TOLERANCE * hi * survival_at_top)
    safety_stock[at_mean <= allowed] = 0.0
    level = hi.copy()
    for _ in range(_MAX_ITERATIONS):
        if not active.any():
            break
        rows = np.flatnonzero(active)
        x = level[rows]
        shortage, falling, _, _ = per_cycle_shortage(x, active)  # falling = −B′
        a = allowed[rows]
        high = shortage <= a
        hi[rows] = np.where(high, x, hi[rows])
        lo[rows] = np.where(high, lo[rows], x)
        # Newton on log B: B falls nearly exponentially in the upper tail.
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.log(shortage / a) * shortage / falling
            new = x + step
        inside = np.isfinite(new) & (new > lo[rows]) & (new < hi[rows])
        new = np.where(inside, new, 0.5 * (lo[rows] + hi[rows]))
        done = (np.abs(new - x) <= _RELATIVE_TOLERANCE * np.abs(x)) | (
            hi[rows] - lo[rows] <= _RELATIVE_TOLERANCE * np.abs(hi[rows])
        )
        level[rows] = np.where(done & ~inside, hi[rows], new)
        active[rows[done]] = False
    solved = (at_mean > allowed) & (level < mean + textbook)
    safety_stock[solved] = np.maximum(level[solved] - mean[solved], 0.0)
    return np.asarray(safety_stock, dtype=np.float64)


# --- mixtures (compound and forecast-uncertain) -----------------------------------------------


@njit(cache=True)
def _scaled_terms(terms: FloatArray) -> FloatArray:  # pragma: no cover - compiled
    """The compound ``terms`` of :func:`._ltd_compound._mixture_terms` in the layout of
    :func:`._ltd_uncertain._scaled_mixture_at` with scale 1."""
    n = terms.shape[1]
    out = np.empty((5, n))
    for j in range(n):
        out[0, j] = terms[0, j]
        out[1, j] = terms[1, j]
        out[2, j] = 1.0
        out[3, j] = math.log(terms[0, j]) - math.lgamma(terms[1, j])
        out[4, j] = terms[3, j]
    return out


@njit(cache=True)
def _mixture_level(
    atom: float,
    terms: FloatArray,
    mean: float,
    second_atom: float,
    second_terms: FloatArray,
    second_mean: float,
    offset: float,
    allowed: float,
    upper: float,
) -> float:  # pragma: no cover - compiled
    """Smallest y ≥ 0 with B(y) = E[(Y − y)⁺] − E[(Y₂ − y − c)⁺] ≤ ``allowed``.

    Y and Y₂ are mixtures in the layout of :func:`._ltd_uncertain._scaled_mixture_at`
    (atom at 0, means given), c = ``offset``; ``upper`` is the textbook level, where
    E[(Y − y)⁺] = ``allowed``, so B(upper) ≤ ``allowed``.
    """
    if upper <= 0.0:
        return upper
    first = np.empty(5)
    second = np.empty(5)
    if offset > 0.0:
        _scaled_mixture_at(offset, second_atom, second_terms, second)
        at_zero = mean - second[4]
    else:
        at_zero = mean - second_mean
    if at_zero <= allowed:
        return 0.0
    lo = 0.0
    hi = upper
    y = upper
    last_step = math.inf
    for iteration in range(_MAX_ITERATIONS):
        _scaled_mixture_at(y, atom, terms, first)
        _scaled_mixture_at(y + offset, second_atom, second_terms, second)
        if iteration == 0 and second[4] <= _RELATIVE_TOLERANCE * upper * first[1]:
            return upper  # the second term cannot move the textbook level
        shortage = first[4] - second[4]
        slope = -(first[1] - second[1])
        curvature = first[2] - second[2]
        if shortage <= allowed:
            hi = y
        else:
            lo = y
        # Halley on h = log(B/allowed), as the textbook solvers on log E[(D − r)⁺].
        if shortage > 0.0 and slope < 0.0:
            h = math.log(shortage / allowed)
            h1 = slope / shortage
            h2 = curvature / shortage - h1 * h1
            step = -h / h1
            correction = 1.0 + step * h2 / (2.0 * h1)
            cubic = 0.5 < correction < 2.0
            if cubic:
                step /= correction
        else:
            step = math.nan
            cubic = False
        new = float(y + step)
        size = abs(step)
        if size <= _RELATIVE_TOLERANCE * y:
            return new if lo < new < hi else y
        if lo < new < hi:
            if size <= (1e-5 if cubic else 1e-7) * y and size <= 1e-2 * last_step:
                return new
            last_step = size
        else:
            new = 0.5 * (lo + hi)
            last_step = math.inf
            if hi - lo <= _RELATIVE_TOLERANCE * hi:
                return hi
        y = new
    return hi


@njit(cache=True)
def _tails(k_first: int, counts: FloatArray) -> tuple[FloatArray, FloatArray]:  # pragma: no cover
    """Suffix sums Σ_{i ≥ j} π_i and Σ_{i ≥ j} π_i·k_i, j = 0 … n (the last 0)."""
    n = len(counts)
    probability = np.zeros(n + 1)
    orders = np.zeros(n + 1)
    for j in range(n - 1, -1, -1):
        probability[j] = probability[j + 1] + counts[j]
        orders[j] = orders[j + 1] + counts[j] * (k_first + j)
    return probability, orders


@njit(cache=True)
def _count_shortage(
    u: float, k_first: int, probability: FloatArray, orders: FloatArray
) -> float:  # pragma: no cover - compiled
    """E[(K − u)⁺] from the suffix sums of :func:`_tails`."""
    n = len(probability) - 1
    j = min(max(math.floor(u) + 1 - k_first, 0), n)
    return float(orders[j] - u * probability[j])


@njit(cache=True)
def _discrete_per_cycle(
    k_first: int,
    counts: FloatArray,
    second_first: int,
    second_counts: FloatArray,
    size: float,
    offset: float,
    allowed: float,
    upper: float,
) -> float:  # pragma: no cover - compiled
    """Smallest x ≥ 0 with E[(K·m − x)⁺] − E[(K₂·m − x − c)⁺] ≤ ``allowed`` (m = ``size``).

    Both terms are linear between their breakpoints (k·m and k·m − c), so B is read off
    exactly: the highest breakpoint below ``upper`` (the textbook level) where B exceeds
    the allowance, then linear interpolation to the breakpoint above it.
    """
    if upper <= 0.0:
        return upper
    probability, orders = _tails(k_first, counts)
    second_probability, second_orders = _tails(second_first, second_counts)
    u = upper / size
    second_top = size * _count_shortage(
        u + offset / size, second_first, second_probability, second_orders
    )
    survival = probability[min(max(math.floor(u) + 1 - k_first, 0), len(counts))]
    if second_top <= _RELATIVE_TOLERANCE * upper * survival:
        return upper  # the second term cannot move the textbook level
    points = np.empty(len(counts) + len(second_counts) + 1)
    n = 0
    points[n] = 0.0
    n += 1
    for j in range(len(counts)):
        x = (k_first + j) * size
        if 0.0 < x < upper:
            points[n] = x
            n += 1
    for j in range(len(second_counts)):
        x = (second_first + j) * size - offset
        if 0.0 < x < upper:
            points[n] = x
            n += 1
    breaks = np.sort(points[:n])
    above = upper
    shortage_above = size * _count_shortage(u, k_first, probability, orders) - second_top
    for i in range(n - 1, -1, -1):
        x = breaks[i]
        shortage = size * (
            _count_shortage(x / size, k_first, probability, orders)
            - _count_shortage((x + offset) / size, second_first, second_probability, second_orders)
        )
        if shortage > allowed:
            if shortage <= shortage_above:
                return above
            crossing = x + (shortage - allowed) * (above - x) / (shortage - shortage_above)
            return float(min(crossing, above))
        above = x
        shortage_above = shortage
    return 0.0


@njit(cache=True)
def _compound_level(
    period_days: float,
    p: float,
    size_mean: float,
    cv2: float,
    review_days: float,
    mu_l: float,
    sd_l: float,
    allowed: float,
    second_review_days: float,
    offset: float,
) -> float:  # pragma: no cover - compiled
    k_first, counts = item_order_counts(period_days, p, review_days, mu_l, sd_l)
    if second_review_days == review_days:
        second_first, second_counts = k_first, counts
    else:
        second_first, second_counts = item_order_counts(
            period_days, p, second_review_days, mu_l, sd_l
        )
    if cv2 < _CONSTANT_SIZE_CV2:
        textbook = _discrete_level(k_first, counts, size_mean, 0.0, allowed, True)
        return _discrete_per_cycle(
            k_first, counts, second_first, second_counts, size_mean, offset, allowed, textbook
        )
    scale = size_mean * cv2
    shape = 1.0 / cv2
    upper = _continuous_level(k_first, counts, shape, 0.0, allowed / scale, True)
    atom, terms, mean_count, _ = _mixture_terms(k_first, counts, shape)
    second_atom, second_terms, second_count, _ = _mixture_terms(second_first, second_counts, shape)
    y = _mixture_level(
        atom,
        _scaled_terms(terms),
        shape * mean_count,
        second_atom,
        _scaled_terms(second_terms),
        shape * second_count,
        offset / scale,
        allowed / scale,
        upper,
    )
    return y * scale


@njit(parallel=True, cache=True)
def compound_per_cycle_levels(
    period_days: float,
    occurrence_probability: FloatArray,
    size_mean: FloatArray,
    size_cv2: FloatArray,
    review_days: FloatArray,
    lead_time_mean_days: FloatArray,
    lead_time_sd_days: FloatArray,
    allowed_shortage: FloatArray,
    second_review_days: FloatArray,
    offset: FloatArray,
) -> FloatArray:  # pragma: no cover - compiled
    """Fill-rate level per item on the exact shortage per cycle B (module doc).

    Arguments as :func:`._ltd_compound.compound_reorder_points` (fill rate), plus the
    second interval's review part and the offset of :func:`second_term`.
    """
    n_items = len(occurrence_probability)
    out = np.empty(n_items)
    for i in prange(n_items):
        out[i] = _compound_level(
            period_days,
            occurrence_probability[i],
            size_mean[i],
            size_cv2[i],
            review_days[i],
            lead_time_mean_days[i],
            lead_time_sd_days[i],
            allowed_shortage[i],
            second_review_days[i],
            offset[i],
        )
    return out


@njit(cache=True)
def _uncertain_level(
    period_days: float,
    p: float,
    size_mean: float,
    cv2: float,
    review_days: float,
    mu_l: float,
    sd_l: float,
    allowed: float,
    rate_cv2: float,
    second_review_days: float,
    offset: float,
) -> float:  # pragma: no cover - compiled
    unit, atom, terms, mean, second_moment = _prepared(
        period_days, p, size_mean, cv2, review_days, mu_l, sd_l, rate_cv2
    )
    upper = _solve(atom, terms, mean, second_moment, 0.0, allowed / unit, True)
    if second_review_days == review_days:
        second_atom, second_terms, second_mean = atom, terms, mean
    else:
        _, second_atom, second_terms, second_mean, _ = _prepared(
            period_days, p, size_mean, cv2, second_review_days, mu_l, sd_l, rate_cv2
        )
    y = _mixture_level(
        atom,
        terms,
        mean,
        second_atom,
        second_terms,
        second_mean,
        offset / unit,
        allowed / unit,
        upper,
    )
    return unit * y


@njit(parallel=True, cache=True)
def uncertain_per_cycle_levels(
    period_days: float,
    occurrence_probability: FloatArray,
    size_mean: FloatArray,
    size_cv2: FloatArray,
    review_days: FloatArray,
    lead_time_mean_days: FloatArray,
    lead_time_sd_days: FloatArray,
    allowed_shortage: FloatArray,
    rate_cv2: FloatArray,
    second_review_days: FloatArray,
    offset: FloatArray,
) -> FloatArray:  # pragma: no cover - compiled
    """As :func:`compound_per_cycle_levels` for D = M·D₀ (:mod:`._ltd_uncertain`), φ > 0."""
    n_items = len(occurrence_probability)
    out = np.empty(n_items)
    for i in prange(n_items):
        out[i] = _uncertain_level(
            period_days,
            occurrence_probability[i],
            size_mean[i],
            size_cv2[i],
            review_days[i],
            lead_time_mean_days[i],
            lead_time_sd_days[i],
            allowed_shortage[i],
            rate_cv2[i],
            second_review_days[i],
            offset[i],
        )
    return out


# --- Monte Carlo -----------------------------------------------------------------------------


@njit(cache=True)
def _sample_per_cycle(x: FloatArray, y: FloatArray, allowed: float) -> float:  # pragma: no cover
    """Smallest t ≥ 0 above which mean((x − t)⁺) − mean((y − t)⁺) ≤ ``allowed``.

    x and y sorted ascending, of one length n (y the second sample less the offset). The
    sample shortage is linear between the merged sample points, with slope −(number of
    x above t − number of y above t)/n; scanned from the top, the first point where it
    exceeds the allowance gives the segment.
    """
    n = len(x)
    i = n - 1
    j = n - 1
    sum_x = 0.0
    sum_y = 0.0
    count = 0  # x above t less y above t
    above = math.inf
    while i >= 0 or j >= 0:
        take_x = j < 0 or (i >= 0 and x[i] >= y[j])
        t = max(x[i] if take_x else y[j], 0.0)
        shortage = (sum_x - sum_y - count * t) / n
        if shortage > allowed:
            if count <= 0:
                return above
            return float(min(t + (shortage - allowed) * n / count, above))
        if t == 0.0:
            return 0.0
        if take_x:
            sum_x += x[i]
            count += 1
            i -= 1
        else:
            sum_y += y[j]
            count -= 1
            j -= 1
        above = t
    return 0.0


@njit(parallel=True, cache=True)
def sample_per_cycle_levels(
    seeds: U32Array,
    period_days: float,
    occurrence_probability: FloatArray,
    size_mean: FloatArray,
    size_cv2: FloatArray,
    review_days: FloatArray,
    lead_time_mean_days: FloatArray,
    lead_time_sd_days: FloatArray,
    allowed_shortage: FloatArray,
    n_samples: int,
    rate_cv2: FloatArray,
    second_review_days: FloatArray,
    offset: FloatArray,
) -> FloatArray:  # pragma: no cover - compiled
    """Fill-rate level per item on the sample shortage per cycle (module doc).

    The samples over P are those of :func:`._ltd_montecarlo.sample_reorder_points` (times
    those of M in :func:`._ltd_uncertain.sample_uncertain_reorder_points` where φ > 0);
    an (R, S) item then draws as many of D_L from the same stream.
    """
    n_items = len(seeds)
    out = np.empty(n_items)
    for i in prange(n_items):
        np.random.seed(seeds[i])
        phi = rate_cv2[i]
        samples = np.empty(n_samples)
        _sample_demand(
            samples,
            period_days,
            occurrence_probability[i],
            size_mean[i],
            size_cv2[i],
            review_days[i],
            lead_time_mean_days[i],
            lead_time_sd_days[i],
        )
        if phi > 0.0:
            for s in range(n_samples):
                samples[s] *= np.random.gamma(1.0 / phi, phi)
        if second_review_days[i] == review_days[i]:
            second = samples.copy()
        else:
            second = np.empty(n_samples)
            _sample_demand(
                second,
                period_days,
                occurrence_probability[i],
                size_mean[i],
                size_cv2[i],
                second_review_days[i],
                lead_time_mean_days[i],
                lead_time_sd_days[i],
            )
            if phi > 0.0:
                for s in range(n_samples):
                    second[s] *= np.random.gamma(1.0 / phi, phi)
        samples.sort()
        second.sort()
        out[i] = _sample_per_cycle(samples, second - offset[i], allowed_shortage[i])
    return out
