"""Distribution of demand over a random protection interval by convolution, compiled.

The model of :mod:`._ltd_montecarlo`, computed instead of sampled, so the reorder point
carries no sampling noise. Demand is a compound Bernoulli process per period: an order
arrives with probability p = 1/ADI, its size gamma with mean m and squared coefficient of
variation CV² (shape a = 1/CV², scale θ = m·CV²; constant where CV² is 0). The protection
interval is T = (R + L)/g periods, L lognormal with the item's lead-time mean and sd.
Given T the count of orders is K = Binomial(⌊T⌋, p) + Bernoulli(p·f), f = T − ⌊T⌋ (the
fraction of a last period brings a full order with probability p·f, so E[K] = p·T and the
mean over P is exactly μ·P). Given K = k the demand is Gamma(k·a, θ).

Order count. Given T in [n, n + 1), K is Binomial(n, p) with probability 1 − f and
Binomial(n + 1, p) with probability f: P(K = k | T) is linear in T between whole periods,
so its expectation over the lognormal T is exact, without quadrature:

    π_k = Σ_n c_n·b(k; n, p),   c_n = P(⌊T⌋ = n) − E[f; ⌊T⌋ = n] + E[f; ⌊T⌋ = n − 1],

P(⌊T⌋ = n) from the lognormal distribution function and E[f; ⌊T⌋ = n] from its
incomplete first moment E[L; L < u] = E[L]·Φ((ln u − μ − σ²)/σ) (Johnson, Kotz &
Balakrishnan, *Continuous Univariate Distributions* vol. 1, 2nd ed., 1994, ch. 14). The
binomials follow one another by b(k; n + 1) = q·b(k; n) + p·b(k − 1; n). The lead time
is cut where the lognormal tail is below Φ(−7.1) ≈ 6·10⁻¹³ a side (the cut mass joins the
first and last period); binomial and mixture probabilities below 10⁻¹⁸ are dropped. A
constant lead time is the two periods ⌊T⌋ and ⌊T⌋ + 1.

Demand. F(x) = π_0 + Σ_k π_k·P(k·a, x/θ), P the regularised lower incomplete gamma
called from SciPy's compiled ``scipy.special.cython_special`` (never re-implemented). The
expected shortage is E[(D − r)⁺] = θ·Σ_k π_k·[(s − y)·Q(s, y) + y·g_s(y)], s = k·a,
y = r/θ, Q = 1 − P and g_s the gamma density, from Q(s + 1, y) = Q(s, y) + yˢe^(−y)/Γ(s + 1)
(NIST DLMF §8.8). A term whose Chernoff bound (y/s)ˢ·e^(s − y) on its far tail, times π_k,
is below 10⁻¹⁴ counts as exactly 0 or 1, without a call. Constant sizes make the demand
discrete on k·m: its quantile and shortage are read off the cumulative π.

Levels. Cycle service: the smallest x with F(x) ≥ α; fill rate: the smallest r ≥ 0 with
E[(D − r)⁺] ≤ the allowed shortage (Silver, Pyke & Thomas, 4th ed., 2017, ch. 6 and 7).
Both by Halley's method (Press et al., *Numerical Recipes*, 3rd ed., 2007, §9.4) with the
mixture density and its slope, on log P(D > x) or log E[(D − r)⁺] in the upper tail where
they are nearly linear, kept inside a bracket (bisection when a step leaves it). The start
is the gamma with the mean and variance of D given K ≥ 1 (its quantile by Wilson &
Hilferty 1931; for the fill rate one Newton step on its shortage), usually within a few
per cent, so two evaluations of F do; a step shorter than 4 % of min(θ, x) moves F and the
shortage by Gauss–Legendre quadrature of the density instead of new incomplete gammas.

Cost grows with the range of lead-time periods times the binomial width:
:func:`convolution_cost` estimates it, and the caller samples the few items where it
exceeds the Monte Carlo's (very many orders over a very uncertain lead time).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import cast

import llvmlite.binding as llvm  # type: ignore[import-untyped]
import numpy as np
from numba import njit, prange, types
from numba.extending import get_cython_function_address
from numpy.polynomial.legendre import leggauss

from takt.policy._checks import FloatArray

# Below this CV² the sizes are taken as constant (the same cut as the Monte Carlo).
_CONSTANT_SIZE_CV2 = 1e-9
# Lognormal lead times are integrated over ±7.1 sd in log space: Φ(−7.1) ≈ 6e-13 a side.
_LEAD_TIME_Z = 7.1
# Binomial and mixture probabilities below this are dropped.
_TINY = 1e-18
# log of the share of the total below which a term is taken as exactly 0 or 1.
_LOG_NEGLIGIBLE = math.log(1e-14)
_MAX_ITERATIONS = 200
_RELATIVE_TOLERANCE = 1e-12
_GAUSS_2, _GAUSS_4 = (np.array(leggauss(n)) for n in (2, 4))
# Steps below this share of min(1, y) move F and the shortage by quadrature (see _moved).
_SMALL_STEP = 0.04
# Items whose convolution_cost exceeds this (about the Monte Carlo's cost) are sampled.
CONVOLUTION_BUDGET = 4e5


def _scipy_special(name: str, arguments: int) -> Callable[..., float]:
    """A compiled SciPy special function, callable from numba by a linker symbol.

    The symbol (not a ctypes pointer) keeps the kernels cacheable: the cached code calls
    ``takt_scipy_<name>``, bound here to the address in ``scipy.special.cython_special``
    at import, before any kernel is loaded. The trailing int is Cython's skip-dispatch.
    """
    symbol = f"takt_scipy_{name}"
    llvm.add_symbol(symbol, get_cython_function_address("scipy.special.cython_special", name))
    signature = types.float64(*([types.float64] * arguments), types.intc)
    return cast(Callable[..., float], types.ExternalFunction(symbol, signature))


_gammainc = _scipy_special("gammainc", 2)
_gammaincc = _scipy_special("gammaincc", 2)
_ndtri = _scipy_special("ndtri", 1)


@njit(cache=True)
def _normal_cdf(z: float) -> float:  # pragma: no cover - compiled
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


@njit(cache=True)
def _binomial_start(pmf: FloatArray, n: int, p: float) -> tuple[int, int]:  # pragma: no cover
    """Fill pmf[0 … n] with Binomial(n, p) from its mode; the window [lo, hi] above _TINY."""
    if p >= 1.0 or n == 0:
        pmf[n] = 1.0
        return n, n
    q = 1.0 - p
    mode = min(int((n + 1) * p), n)
    pmf[mode] = math.exp(
        math.lgamma(n + 1.0)
        - math.lgamma(mode + 1.0)
        - math.lgamma(n - mode + 1.0)
        + mode * math.log(p)
        + (n - mode) * math.log(q)
    )
    hi = mode
    while hi < n and pmf[hi] > _TINY:
        pmf[hi + 1] = pmf[hi] * (n - hi) / (hi + 1) * p / q
        hi += 1
    lo = mode
    while lo > 0 and pmf[lo] > _TINY:
        pmf[lo - 1] = pmf[lo] * lo / (n - lo + 1) * q / p
        lo -= 1
    return lo, hi


@njit(cache=True)
def _period_weights(
    review_periods: float, lead_periods: float, lead_log_sd: float
) -> tuple[int, FloatArray]:  # pragma: no cover - compiled
    """(n_first, c): c[j] is the weight of Binomial(n_first + j, p) (see module doc).

    T = review_periods + V, V lognormal with mean ``lead_periods`` and log sd
    ``lead_log_sd``; a log sd of 0 (or no lead time) is a constant lead time.
    """
    if lead_log_sd <= 0.0 or lead_periods <= 0.0:
        periods = review_periods + max(lead_periods, 0.0)
        whole = math.floor(periods)
        part = periods - whole
        weights = np.zeros(2)
        weights[0] = 1.0 - part
        weights[1] = part
        return int(whole), weights
    lead_log_mean = math.log(lead_periods) - 0.5 * lead_log_sd**2
    low = review_periods + math.exp(lead_log_mean - _LEAD_TIME_Z * lead_log_sd)
    high = review_periods + math.exp(lead_log_mean + _LEAD_TIME_Z * lead_log_sd)
    n_first = math.floor(low)
    n_last = math.floor(high)
    lead_mean = lead_periods
    weights = np.zeros(n_last - n_first + 2)
    # At each whole n: P(T < n) and E[V; T < n]; the cut tails fold into the end periods.
    below = 0.0
    partial_below = 0.0
    carried = 0.0  # E[f; ⌊T⌋ = n − 1]
    for j in range(n_last - n_first + 1):
        n = n_first + j
        if n == n_last:
            above, partial_above = 1.0, lead_mean
        else:
            z = (math.log(n + 1.0 - review_periods) - lead_log_mean) / lead_log_sd
            above = _normal_cdf(z)
            partial_above = lead_mean * _normal_cdf(z - lead_log_sd)
        mass = above - below
        fraction = (review_periods - n) * mass + (partial_above - partial_below)
        fraction = min(max(fraction, 0.0), mass)
        weights[j] += mass - fraction + carried
        carried = fraction
        below, partial_below = above, partial_above
    weights[n_last - n_first + 1] = carried
    return n_first, weights


@njit(cache=True)
def _order_count_distribution(
    p: float, review_periods: float, lead_periods: float, lead_log_sd: float
) -> tuple[int, FloatArray]:  # pragma: no cover - compiled
    """(k_first, π): P(K = k_first + j) = π[j], trimmed of probabilities below _TINY."""
    n_first, weights = _period_weights(review_periods, lead_periods, lead_log_sd)
    n_max = n_first + len(weights) - 1
    pmf = np.empty(n_max + 2)  # read only inside the window [lo, hi]
    mixture = np.zeros(n_max + 2)
    lo, hi = _binomial_start(pmf, n_first, p)
    q = 1.0 - p
    for j in range(len(weights)):
        c = weights[j]
        if c > 0.0:
            for k in range(lo, hi + 1):
                mixture[k] += c * pmf[k]
        if j == len(weights) - 1:
            break
        # Binomial(n + 1, p) from Binomial(n, p), then trim the window.
        pmf[hi + 1] = 0.0
        for k in range(hi + 1, lo, -1):
            pmf[k] = q * pmf[k] + p * pmf[k - 1]
        pmf[lo] = q * pmf[lo]
        hi += 1
        while hi > lo and pmf[hi] < _TINY:
            hi -= 1
        while lo < hi and pmf[lo] < _TINY:
            lo += 1
    first = 0
    last = len(mixture) - 1
    while last > 0 and mixture[last] < _TINY:
        last -= 1
    while first < last and mixture[first] < _TINY:
        first += 1
    counts = mixture[first : last + 1]
    counts /= counts.sum()
    return first, counts


@njit(cache=True)
def _discrete_level(
    k_first: int, counts: FloatArray, size: float, target: float, allowed: float, fill_rate: bool
) -> float:  # pragma: no cover - compiled
    """Level of the demand K·size (constant sizes): the quantile or the fill-rate level."""
    if not fill_rate:
        cumulative = 0.0
        for j in range(len(counts)):
            cumulative += counts[j]
            if cumulative >= target - 1e-14:
                return (k_first + j) * size
        return (k_first + len(counts) - 1) * size
    # From the top: the shortage falls with slope −P(K ≥ k) on [(k − 1)·size, k·size].
    at_least = 0.0
    shortage = 0.0  # at the level k·size
    for j in range(len(counts) - 1, -1, -1):
        k = k_first + j
        at_least += counts[j]
        if k == 0:
            return 0.0
        below = shortage + size * at_least
        if below > allowed:
            return float(k * size - (allowed - shortage) / at_least)
        shortage = below
    # Below (k_first − 1)·size every unit of level cuts the shortage one for one.
    return max((k_first - 1) * size - (allowed - shortage), 0.0)


@njit(cache=True)
def _mixture_at(
    y: float, atom: float, terms: FloatArray, state: FloatArray
) -> None:  # pragma: no cover - compiled
    """``state`` = F(y), P(Y > y), density f(y), f′(y) and E[(Y − y)⁺] of Y = D/θ at y > 0.

    ``terms`` rows (one column per k ≥ 1): weight π_k, shape s = k·a, log π_k − lgΓ(s)
    (NaN until first needed: most terms never are), log π_k − s·log s + s, so that the
    log of π_k times the Chernoff bound on the far tail is that row + s·log y − y, and
    that row + log max(1, √s) (see :func:`_density`).
    """
    log_y = math.log(y)
    cdf = atom
    survival = 0.0
    density = 0.0
    slope = 0.0
    shortage = 0.0
    for j in range(terms.shape[1]):
        w = terms[0, j]
        s = terms[1, j]
        if terms[3, j] + s * log_y - y < _LOG_NEGLIGIBLE:
            if y > s:
                cdf += w
            else:
                survival += w
                shortage += w * (s - y)
            continue
        g = math.exp(_log_scaled_weight(terms, j) + (s - 1.0) * log_y - y)
        if y < s:
            lower = _gammainc(s, y, 0)
            upper = 1.0 - lower
        else:
            upper = _gammaincc(s, y, 0)
            lower = 1.0 - upper
        cdf += w * lower
        survival += w * upper
        density += g
        slope += g * ((s - 1.0) / y - 1.0)
        shortage += w * (s - y) * upper + y * g
    state[0] = cdf
    state[1] = survival
    state[2] = density
    state[3] = slope
    state[4] = shortage


@njit(cache=True)
def _log_scaled_weight(terms: FloatArray, j: int) -> float:  # pragma: no cover - compiled
    """log π_k − lgΓ(s) of term j, computed on first use."""
    if math.isnan(terms[2, j]):
        terms[2, j] = math.log(terms[0, j]) - math.lgamma(terms[1, j])
    return float(terms[2, j])


@njit(cache=True)
def _density(y: float, terms: FloatArray) -> tuple[float, float]:  # pragma: no cover
    """f(y) = Σ_k π_k·g_k(y), the density of Y at y > 0, and f′(y), without negligible terms.

    By Stirling, g_s(y) ≤ (y/s)ˢ·e^(s − y)·max(1, √s)/y, so a term whose weighted
    Chernoff bound is below e^−46·y/max(1, √s) adds less than e^−46 and is skipped.
    """
    log_y = math.log(y)
    total = 0.0
    slope = 0.0
    for j in range(terms.shape[1]):
        s = terms[1, j]
        if terms[4, j] + s * log_y - y - log_y < -46.0:
            continue
        g = math.exp(_log_scaled_weight(terms, j) + (s - 1.0) * log_y - y)
        total += g
        slope += g * ((s - 1.0) / y - 1.0)
    return total, slope


@njit(cache=True)
def _moved(
    y: float, new: float, state: FloatArray, terms: FloatArray
) -> None:  # pragma: no cover - compiled
    """Move ``state`` (see :func:`_mixture_at`) from y to ``new``, a small step away.

    ΔF = ∫ f over [y, new] and the shortage from E[(Y − new)⁺] = E[(Y − y)⁺] −
    (new − y)·P(Y > y) + ∫ (new − u)·f(u) du, by Gauss–Legendre with the mixture density.
    The integrand is analytic and the step at most _SMALL_STEP of min(1, y), the length
    over which a gamma density changes by a factor e: 4 nodes leave about 0.02⁸ ≈ 3e-14
    of the step's mass, 2 nodes on steps below 1e-3 of it about 1e-12 of a smaller mass.
    """
    half = 0.5 * (new - y)
    middle = 0.5 * (new + y)
    nodes = _GAUSS_4 if abs(half) > 5e-4 * min(1.0, y) else _GAUSS_2
    mass = 0.0
    moment = 0.0
    for i in range(nodes.shape[1]):
        u = middle + half * nodes[0, i]
        f = nodes[1, i] * half * _density(u, terms)[0]
        mass += f
        moment += (new - u) * f
    state[4] += -(new - y) * state[1] + moment
    state[0] += mass
    state[1] -= mass
    state[2], state[3] = _density(new, terms)


@njit(cache=True)
def _mixture_terms(
    k_first: int, counts: FloatArray, shape: float
) -> tuple[float, FloatArray, float, float]:  # pragma: no cover - compiled
    """The atom P(K = 0), the ``terms`` of :func:`_mixture_at`, E[K] and E[K²].

    One column of ``terms`` per order count k ≥ 1 of the mixture (gamma sizes of shape a).
    """
    start = 1 if k_first == 0 else 0
    atom = counts[0] if k_first == 0 else 0.0
    n_terms = len(counts) - start
    terms = np.empty((5, n_terms))
    mean_count = 0.0
    second_moment = 0.0
    for j in range(n_terms):
        k = k_first + start + j
        w = counts[start + j]
        s = k * shape
        log_w = math.log(w)
        terms[0, j] = w
        terms[1, j] = s
        terms[2, j] = math.nan
        terms[3, j] = log_w - s * math.log(s) + s
        terms[4, j] = terms[3, j] + 0.5 * math.log(max(s, 1.0))
        mean_count += k * w
        second_moment += k * k * w
    return atom, terms, mean_count, second_moment


@njit(cache=True)
def _continuous_level(
    k_first: int, counts: FloatArray, shape: float, target: float, allowed: float, fill_rate: bool
) -> float:  # pragma: no cover - compiled
    """Level of Y = D/θ for gamma sizes of shape a: the quantile or the fill-rate level."""
    atom, terms, mean_count, second_moment = _mixture_terms(k_first, counts, shape)
    if terms.shape[1] == 0:
        return 0.0
    mean = shape * mean_count
    # The gamma with the mean and variance of Y given K ≥ 1 gives the start.
    positive = 1.0 - atom
    conditional_mean = mean / positive
    variance = (mean + shape * shape * second_moment) / positive - conditional_mean**2
    gamma_shape = conditional_mean**2 / variance if variance > 0.0 else 1e12
    if fill_rate:
        if mean <= allowed:
            return 0.0
        y = _gamma_fill_rate_start(gamma_shape, conditional_mean, allowed / positive)
    else:
        if atom >= target - 1e-14:
            return 0.0
        level = min(max((target - atom) / positive, 1e-12), 1.0 - 1e-12)
        y = _wilson_hilferty(gamma_shape, conditional_mean, level)
    lo = 0.0
    hi = math.inf
    state = np.empty(5)
    exact = True
    last_step = math.inf
    for _ in range(_MAX_ITERATIONS):
        if exact:
            _mixture_at(y, atom, terms, state)
        # Halley's method on h(y) = 0 with h, h′ and h″ (see the module doc), on logs
        # in the upper tail, where the survival and the shortage fall nearly exponentially.
        high, step, cubic = halley_step(state, target, allowed, fill_rate)
        if high:
            hi = y
        else:
            lo = y
        new = y + step
        size = abs(step)
        if size <= _RELATIVE_TOLERANCE * y:  # also a zero step at the root itself
            return new if lo < new < hi else y
        if lo < new < hi:
            # A step this much smaller than the last leaves about its cube (its square).
            if size <= (1e-5 if cubic else 1e-7) * y and size <= 1e-2 * last_step:
                return new
            last_step = size
        else:
            new = 0.5 * (lo + hi) if hi < math.inf else 2.0 * y
            last_step = math.inf
            if hi - lo <= _RELATIVE_TOLERANCE * lo:
                return hi
        exact = abs(new - y) > _SMALL_STEP * min(1.0, y, new)
        if not exact:
            _moved(y, new, state, terms)
        y = new
    return hi if hi < math.inf else y


@njit(cache=True)
def halley_step(
    state: FloatArray, target: float, allowed: float, fill_rate: bool
) -> tuple[bool, float, bool]:  # pragma: no cover - compiled
    """One Halley step towards the level, from ``state`` (F, P(D > y), f, f′ and the
    shortage at y, as :func:`_mixture_at` fills it): whether y is at or above the level,
    the step, and whether the cubic correction was taken (else a Newton step).

    The function solved is the cycle-service gap F − α below the median and
    log(P(D > y)/(1 − α)) above it, or log(E[(D − y)⁺]/allowed) for a fill rate: the logs
    are nearly linear in the upper tail, where the survival and the shortage fall nearly
    exponentially.
    """
    cdf, survival, density, slope, shortage = state[0], state[1], state[2], state[3], state[4]
    if fill_rate:
        high = shortage <= allowed
        h = math.log(shortage / allowed) if shortage > 0.0 else -math.inf
        ratio = survival / shortage if shortage > 0.0 else math.inf
        h1 = -ratio
        h2 = density / shortage - ratio * ratio if shortage > 0.0 else 0.0
    elif cdf < 0.5:
        high = cdf >= target
        h, h1, h2 = cdf - target, density, slope
    else:
        high = survival <= 1.0 - target
        h = math.log(survival / (1.0 - target)) if survival > 0.0 else -math.inf
        ratio = density / survival if survival > 0.0 else math.inf
        h1 = -ratio
        h2 = -slope / survival - ratio * ratio if survival > 0.0 else 0.0
    step = -h / h1 if h1 != 0.0 and math.isfinite(h) and math.isfinite(h1) else math.nan
    correction = 1.0 + step * h2 / (2.0 * h1) if h1 != 0.0 else math.nan
    cubic = 0.5 < correction < 2.0
    if cubic:
        step /= correction
    return high, step, cubic


@njit(cache=True)
def _wilson_hilferty(shape: float, mean: float, level: float) -> float:  # pragma: no cover
    """The ``level`` quantile of a gamma of this shape and mean (Wilson & Hilferty 1931)."""
    z = _ndtri(level, 0)
    cube = 1.0 - 1.0 / (9.0 * shape) + z / (3.0 * math.sqrt(shape))
    return mean * cube**3 if cube > 0.0 else 0.5 * mean * level


@njit(cache=True)
def _gamma_fill_rate_start(shape: float, mean: float, allowed: float) -> float:  # pragma: no cover
    """About the level with E[(G − r)⁺] = allowed, G a gamma of this shape and mean.

    One Newton step on the log shortage, E[(G − r)⁺] = (κφ − r)·Q(κ, r/φ) + r·g_κ(r/φ)
    (shape κ, scale φ, g_κ the density of scale 1), from the quantile at 1 − allowed/mean.
    """
    scale = mean / shape
    r = _wilson_hilferty(shape, mean, max(1.0 - allowed / mean, 0.5))
    x = r / scale
    upper = _gammaincc(shape, x, 0)
    g = math.exp((shape - 1.0) * math.log(x) - x - math.lgamma(shape))
    shortage = (mean - r) * upper + r * g
    if shortage > 0.0 and upper > 0.0:
        r = max(r + math.log(shortage / allowed) * shortage / upper, 1e-3 * mean)
    return r


@njit(cache=True)
def item_order_counts(
    period_days: float, p: float, review_days: float, mu_l: float, sd_l: float
) -> tuple[int, FloatArray]:  # pragma: no cover - compiled
    """(k_first, π) of one item's order count over R + L, day quantities in days."""
    # The lognormal of the Monte Carlo: log sd √log(1 + CV²), the same in any time unit.
    log_sd = math.sqrt(math.log1p((sd_l / mu_l) ** 2)) if mu_l > 0.0 and sd_l > 0.0 else 0.0
    return _order_count_distribution(p, review_days / period_days, mu_l / period_days, log_sd)


@njit(cache=True)
def compound_distribution_at(
    level: float,
    period_days: float,
    p: float,
    size_mean: float,
    cv2: float,
    review_days: float,
    mu_l: float,
    sd_l: float,
) -> tuple[float, float]:  # pragma: no cover - compiled
    """F(x) = P(D ≤ x) and the expected shortage E[(D − x)⁺] of one item at x = ``level``.

    The distribution of :func:`compound_reorder_points` (same arguments, one item), for
    checks and for mixtures over it (:mod:`._ltd_uncertain`).
    """
    k_first, counts = item_order_counts(period_days, p, review_days, mu_l, sd_l)
    if cv2 < _CONSTANT_SIZE_CV2:
        cdf = 0.0
        shortage = 0.0
        for j in range(len(counts)):
            demand = (k_first + j) * size_mean
            if demand <= level:
                cdf += counts[j]
            else:
                shortage += counts[j] * (demand - level)
        return min(cdf, 1.0), shortage
    scale = size_mean * cv2
    atom, terms, mean_count, _ = _mixture_terms(k_first, counts, 1.0 / cv2)
    if level <= 0.0:  # D ≥ 0: the shortage is E[D] − x, F the atom at 0 (or 0 below it)
        return atom if level == 0.0 else 0.0, mean_count * size_mean - level
    state = np.empty(5)
    _mixture_at(level / scale, atom, terms, state)
    return state[0], state[4] * scale


@njit(cache=True)
def _level(
    period_days: float,
    p: float,
    size_mean: float,
    cv2: float,
    review_days: float,
    mu_l: float,
    sd_l: float,
    target: float,
    allowed: float,
    fill_rate: bool,
) -> float:  # pragma: no cover - compiled
    k_first, counts = item_order_counts(period_days, p, review_days, mu_l, sd_l)
    if cv2 < _CONSTANT_SIZE_CV2:
        return _discrete_level(k_first, counts, size_mean, target, allowed, fill_rate)
    scale = size_mean * cv2
    y = _continuous_level(k_first, counts, 1.0 / cv2, target, allowed / scale, fill_rate)
    return y * scale


@njit(parallel=True, cache=True)
def compound_reorder_points(
    period_days: float,
    occurrence_probability: FloatArray,
    size_mean: FloatArray,
    size_cv2: FloatArray,
    review_days: FloatArray,
    lead_time_mean_days: FloatArray,
    lead_time_sd_days: FloatArray,
    service_target: FloatArray,
    allowed_shortage: FloatArray,
    fill_rate: bool,
) -> FloatArray:  # pragma: no cover - compiled
    """Reorder point per item from the exact distribution of demand over R + L.

    Cycle service (``fill_rate`` False): the smallest x with P(D ≤ x) ≥ ``service_target``.
    Fill rate: the smallest r ≥ 0 with E[(D − r)⁺] ≤ ``allowed_shortage`` (= (1 − β)·Q).
    The arguments are those of :func:`._ltd_montecarlo.sample_reorder_points` without the
    seeds and the sample count; day quantities in days, ``period_days`` the length of the
    period of the occurrence probability.
    """
    n_items = len(occurrence_probability)
    out = np.empty(n_items)
    for i in prange(n_items):
        out[i] = _level(
            period_days,
            occurrence_probability[i],
            size_mean[i],
            size_cv2[i],
            review_days[i],
            lead_time_mean_days[i],
            lead_time_sd_days[i],
            service_target[i],
            allowed_shortage[i],
            fill_rate,
        )
    return out


def convolution_cost(
    period_days: float,
    occurrence_probability: FloatArray,
    review_days: FloatArray,
    lead_time_mean_days: FloatArray,
    lead_time_sd_days: FloatArray,
) -> FloatArray:
    """Estimated work of :func:`compound_reorder_points` per item, in about nanoseconds.

    The order-count mixture costs a few transcendental calls per period of the lead-time
    range (±7.1 sd in log space) plus one multiply-add per binomial probability kept
    (at most ±9 sd of the largest binomial); the rest is small beside it. Measured on the
    2-core benchmark machine, where the Monte Carlo's 2,000 samples take about 400 µs.
    """
    p = np.asarray(occurrence_probability, dtype=np.float64)
    mean = np.asarray(lead_time_mean_days, dtype=np.float64)
    sd = np.asarray(lead_time_sd_days, dtype=np.float64)
    random = (mean > 0) & (sd > 0)
    safe_mean = np.where(mean > 0, mean, 1.0)
    log_sd = np.where(random, np.sqrt(np.log1p((sd / safe_mean) ** 2)), 0.0)
    median = np.where(mean > 0, mean, 0.0) / period_days * np.exp(-0.5 * log_sd**2)
    review = np.asarray(review_days, dtype=np.float64) / period_days
    high = review + median * np.exp(_LEAD_TIME_Z * log_sd)
    low = review + median * np.exp(-_LEAD_TIME_Z * log_sd)
    periods = np.floor(high) - np.floor(low) + 2.0
    window = np.minimum(high + 1.0, 18.0 * np.sqrt(high * p * (1.0 - p)) + 1.0)
    return np.asarray(100.0 * periods + 1.5 * periods * window, dtype=np.float64)
