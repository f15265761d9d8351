"""Demand over R + L when the forecast rate itself is uncertain, and the estimate of it.

A policy that plugs the forecast mean into the distribution of lead-time demand treats
the mean as known, and under-delivers its service target once the mean is forecast:
items whose demand rose run short, and the fill rate, concave in the level, cannot be
made up by the items whose demand fell (Prak, Teunter & Syntetos, "On the calculation of
safety stocks when demand is forecasted", *EJOR* 256(2), 2017, 454–461). Silver, Pyke &
Thomas (*Inventory and Production Management in Supply Chains*, 4th ed., 2017, ch. 6)
size safety stock on the variance of the forecast error for the same reason.

Model. The true demand rate is the forecast times M, M ~ Gamma(shape 1/φ, scale φ), mean 1
and variance φ (``demand_rate_cv2``, the squared CV of the true rate around the
forecast), independent of the demand process given its rate; the demand over R + L is
D = M·D₀ with D₀ the compound (or sampled) demand over R + L at the forecast rate. So

    F(x) = E[F₀(x/M)],   E[(D − r)⁺] = E[M·E[(D₀ − r/M)⁺]],   f(x) = E[f₀(x/M)/M],

and E[D] = E[D₀], E[D²] = (1 + φ)·E[D₀²]. φ = 0 is the plug-in policy.

Computed, not sampled: D given K = k orders is M·k·m (constant sizes m) or θ·M·G with
G ~ Gamma(k·a, 1) (gamma sizes of shape a, scale θ), so D is an atom at 0 plus a mixture
over k of products of two gammas, shapes s = 1/φ and t = k·a.

- Constant sizes: k·m·M is itself a gamma (shape s, scale k·m/s), so F and the shortage
  are exact: F(x) = π₀ + Σ_k π_k·P(s, x·s/(k·m)) and, per term of scale c and shape σ at
  z = x/c, E[(c·X − x)⁺] = (σ·c − x)·Q(σ, z) + x·g_σ(z) (P, Q the regularised
  incomplete gammas, g_σ the density; NIST DLMF §8.8).
- Gamma sizes: the product M·G is integrated over the narrower factor (the larger
  shape) by a Gauss rule for its gamma, with the other factor's distribution function
  and shortage exact inside, which makes every product a small mixture of scaled gammas
  evaluated as above. The rule is Gauss–generalised-Laguerre (α = shape − 1, the weight
  of a gamma; ``LAGUERRE_NODES`` nodes) from a shape of ``LAGUERRE_MIN_SHAPE`` on, below
  it the trapezoidal rule in log x (see :func:`_gamma_rule` for why). Integrating over
  the wider factor instead leaves a near-step integrand between far-apart nodes: for an
  order every period of sizes of CV² 0.01 and φ = 0.3, 32 Laguerre nodes in M alone
  miss F by up to 0.07. Against direct adaptive integration over M, F agrees within
  about 1e-12 and the shortage within 1e-6 relative
  (``tests/policy/test_forecast_uncertainty.py``).
- Monte Carlo: each sample of D₀ is multiplied by its own draw of M.
- Normal: the textbook equivalent, the variance of the forecast error added to that of
  demand over the interval T: σ² = σ₀² + φ·(μ·T)² (Silver, Pyke & Thomas ch. 6; the rate
  error is common to all T periods, so it scales with T², not T).

Levels as in :mod:`._ltd_compound`: the target quantile, or the smallest level whose
expected shortage is the allowed one, by the same safeguarded Halley iteration (bracket,
bisection when a step leaves it) from the gamma with the mean and variance of D given
D > 0.

Estimating φ (:func:`estimate_rate_uncertainty`): hold out the last H periods before the
origin, forecast them from the history before, and compare. Given the forecast f and the
multiplier M, the holdout mean a has E[(a − f)²] = φ·f² + v/H, v the per-period variance
of the demand process at the forecast rate (exact when v grows linearly with the rate,
as with Poisson-like occurrences). The method-of-moments estimate, per group of items,
weighted by units (the fill rate is a ratio of units, and unit weighting keeps the
many items of tiny forecasts, whose relative errors are huge, from dominating):

    φ̂ = max(0, Σ_i [(a_i − f_i)² − v_i/H]/f_i / Σ_i f_i),

a Pearson-type dispersion (the numerator of Pearson's χ² less its sampling part; compare
the moment estimator of between-study variance, DerSimonian & Laird, *Controlled
Clinical Trials* 7, 1986). Centred on 1, not on the group's mean ratio: a forecast bias
at the holdout is uncertainty too.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np
from numba import njit, prange

from takt.errors import InvalidInputError
from takt.policy._checks import ArrayLike, FloatArray
from takt.policy._ltd_compound import (
    _CONSTANT_SIZE_CV2,
    _LOG_NEGLIGIBLE,
    _MAX_ITERATIONS,
    _RELATIVE_TOLERANCE,
    _gamma_fill_rate_start,
    _gammainc,
    _gammaincc,
    _wilson_hilferty,
    halley_step,
    item_order_counts,
)
from takt.policy._ltd_montecarlo import U32Array, _fill_rate_level, _kth_smallest, _sample_demand

# A gamma of at least this shape is integrated over by Gauss–Laguerre with
# LAGUERRE_NODES nodes, a wider one by the trapezoidal rule in log x (see _gamma_rule).
LAGUERRE_MIN_SHAPE = 8.0
LAGUERRE_NODES = 32
# Trapezoidal rule: step 0.25/√max(shape, 1) in log x, from where the lower tail holds
# 1e-17 (at most 200 below 0; the mass below joins the first node) up to where the upper
# tail is negligible.
_LOG_STEP = 0.25
_LOWEST_LOG = -200.0
# Terms whose weight is below this are dropped.
_TINY_WEIGHT = 1e-18


def with_rate_uncertainty(mean: FloatArray, sd: FloatArray, rate_cv2: FloatArray) -> FloatArray:
    """σ of demand over an interval with the forecast error added: √(σ₀² + φ·μ²).

    ``mean`` and ``sd`` are those of demand over the whole interval (μ·T and σ₀); the sd
    is returned unchanged where φ = 0 (Silver, Pyke & Thomas 2017, ch. 6).
    """
    phi = np.asarray(rate_cv2, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        inflated = np.sqrt(sd * sd + phi * mean * mean)
    return np.asarray(np.where(phi > 0.0, inflated, sd), dtype=np.float64)


@njit(cache=True)
def _laguerre_rule(shape: float, nodes: int) -> tuple[FloatArray, FloatArray]:  # pragma: no cover
    """Gauss–Laguerre rule for X ~ Gamma(``shape``, 1): nodes and weights summing to 1.

    Golub & Welsch (1969): the nodes are the eigenvalues of the Jacobi matrix of the
    monic generalised Laguerre recurrence (α = shape − 1; diagonal 2i + α + 1,
    off-diagonal √(i·(i + α))), the weights the squared first eigenvector components;
    the rule of ``scipy.special.roots_genlaguerre``, whose weights overflow beyond a
    shape of about 170 (normalised ones never do).
    """
    jacobi = np.zeros((nodes, nodes))
    for i in range(nodes):
        jacobi[i, i] = 2.0 * i + shape
        if i > 0:
            off = math.sqrt(i * (i + shape - 1.0))
            jacobi[i, i - 1] = off
            jacobi[i - 1, i] = off
    x, vectors = np.linalg.eigh(jacobi)
    weights = vectors[0] ** 2
    return x, weights / weights.sum()


@njit(cache=True)
def _log_range(shape: float) -> tuple[float, float, float]:  # pragma: no cover - compiled
    """(lowest log x, highest log x, step) of the trapezoidal rule for Gamma(shape, 1)."""
    low = max((math.log(1e-17) + math.lgamma(shape + 1.0)) / shape, _LOWEST_LOG)
    high = math.log(shape + 10.0 * math.sqrt(shape) + 45.0)
    return low, high, _LOG_STEP / math.sqrt(max(shape, 1.0))


@njit(cache=True)
def _rule_size(shape: float) -> int:  # pragma: no cover - compiled
    if shape >= LAGUERRE_MIN_SHAPE:
        return LAGUERRE_NODES
    low, high, step = _log_range(shape)
    return math.ceil((high - low) / step) + 1


@njit(cache=True)
def _gamma_rule(shape: float) -> tuple[FloatArray, FloatArray]:  # pragma: no cover - compiled
    """Nodes and weights (summing to 1) with Σ w·h(x) ≈ E[h(X)], X ~ Gamma(``shape``, 1).

    From a shape of ``LAGUERRE_MIN_SHAPE`` on, Gauss–generalised-Laguerre. Below it the
    trapezoidal rule in v = log x, weights ∝ e^(shape·v − eᵛ): Gauss–Laguerre converges
    slowly there, because the integrands, distribution functions of another gamma at
    c/x, have an essential singularity e^(−c/x) at x = 0, while in log x they are smooth
    and decay at both ends, and the trapezoidal rule converges geometrically (Trefethen
    & Weideman, "The exponentially convergent trapezoidal rule", *SIAM Review* 56(3),
    2014): moments to 1e-10 at this step, shortages far in the tail to about 1e-9 (twice
    the step left 7e-5 there). The mass below the first node is put on it.
    """
    if shape >= LAGUERRE_MIN_SHAPE:
        return _laguerre_rule(shape, LAGUERRE_NODES)
    low, _, step = _log_range(shape)
    n = _rule_size(shape)
    x = np.empty(n)
    weights = np.empty(n)
    log_norm = math.lgamma(shape)
    for j in range(n):
        v = low + j * step
        x[j] = math.exp(v)
        weights[j] = math.exp(shape * v - x[j] - log_norm) * step
    weights[0] *= 0.5  # the trapezoid's end, then the lower tail on the first node
    below = _gammainc(shape, x[0], 0)
    weights *= (1.0 - below) / weights.sum()
    weights[0] += below
    return x, weights


@njit(cache=True)
def _add_term(
    terms: FloatArray, n: int, weight: float, shape: float, scale: float
) -> int:  # pragma: no cover - compiled
    """Append weight·(scale·Gamma(shape, 1)) to ``terms`` (see :func:`_scaled_mixture_at`)."""
    if weight < _TINY_WEIGHT:
        return n
    log_w = math.log(weight)
    terms[0, n] = weight
    terms[1, n] = shape
    terms[2, n] = scale
    terms[3, n] = log_w - math.lgamma(shape)
    terms[4, n] = log_w - shape * math.log(shape) + shape
    return n + 1


@njit(cache=True)
def _expanded(
    k_first: int, counts: FloatArray, size_shape: float, rate_cv2: float
) -> tuple[float, FloatArray]:  # pragma: no cover - compiled
    """D = M·D₀ (in units of the size scale) as an atom at 0 and a mixture of scaled gammas.

    ``size_shape`` a = 1/CV² of the sizes, or 0 for constant sizes. With k orders of
    gamma sizes D is M·G, G ~ Gamma(t = k·a, 1), M ~ Gamma(s = 1/φ, 1/s): integrated over
    the narrower of the two (the larger shape) by :func:`_gamma_rule`, the other's
    distribution function staying exact inside, so that the integrand is smooth across
    the rule's nodes. Over M (t ≤ s): terms (π_k·w_i, t, M_i); over G (t > s): terms
    (π_k·ω_i, s, G_i/s). Constant sizes: k·M exactly, one term (π_k, s, k/s).
    """
    s = 1.0 / rate_cv2
    start = 1 if k_first == 0 else 0
    atom = counts[0] if k_first == 0 else 0.0
    size = 0
    for j in range(start, len(counts)):
        t = (k_first + j) * size_shape
        size += 1 if size_shape == 0.0 else _rule_size(max(s, t))
    terms = np.empty((5, size))
    n = 0
    if size_shape == 0.0:
        for j in range(start, len(counts)):
            n = _add_term(terms, n, counts[j], s, (k_first + j) / s)
        return atom, terms[:, :n]
    rate_nodes, rate_weights = _gamma_rule(s)
    for j in range(start, len(counts)):
        pi = counts[j]
        t = (k_first + j) * size_shape
        if t <= s:
            for i in range(len(rate_nodes)):
                n = _add_term(terms, n, pi * rate_weights[i], t, rate_nodes[i] / s)
        else:
            inner, inner_weights = _gamma_rule(t)
            for i in range(len(inner)):
                n = _add_term(terms, n, pi * inner_weights[i], s, inner[i] / s)
    return atom, terms[:, :n]


@njit(cache=True)
def _scaled_mixture_at(
    y: float, atom: float, terms: FloatArray, state: FloatArray
) -> None:  # pragma: no cover - compiled
    """``state`` = F(y), P(Y > y), f(y), f′(y), E[(Y − y)⁺] of Y = atom·δ₀ + Σ_j W_j·c_j·X_j.

    X_j ~ Gamma(σ_j, 1); ``terms`` rows W, σ, c, log W − lgΓ(σ), log W − σ·log σ + σ.
    At z = y/c: P and Q from SciPy's incomplete gamma, E[(c·X − y)⁺] = (σ·c − y)·Q(σ, z)
    + y·g_σ(z) (g the density; NIST DLMF §8.8). As :func:`._ltd_compound._mixture_at`
    (its case of one common scale), a term whose Chernoff bound (z/σ)^σ·e^(σ − z) on its
    far tail, times W, is below 10⁻¹⁴ counts as exactly 0 or 1.
    """
    cdf = atom
    survival = 0.0
    density = 0.0
    slope = 0.0
    shortage = 0.0
    for j in range(terms.shape[1]):
        w = terms[0, j]
        shape = terms[1, j]
        scale = terms[2, j]
        z = y / scale
        log_z = math.log(z)
        if terms[4, j] + shape * log_z - z < _LOG_NEGLIGIBLE:
            if z > shape:
                cdf += w
            else:
                survival += w
                shortage += w * (shape * scale - y)
            continue
        g = math.exp(terms[3, j] + (shape - 1.0) * log_z - z)  # W times the density at z
        if z < shape:
            lower = _gammainc(shape, z, 0)
            upper = 1.0 - lower
        else:
            upper = _gammaincc(shape, z, 0)
            lower = 1.0 - upper
        cdf += w * lower
        survival += w * upper
        density += g / scale
        slope += g * ((shape - 1.0) / z - 1.0) / (scale * scale)
        shortage += w * (shape * scale - y) * upper + y * g
    state[0] = cdf
    state[1] = survival
    state[2] = density
    state[3] = slope
    state[4] = shortage


@njit(cache=True)
def _solve(
    atom: float,
    terms: FloatArray,
    mean: float,
    second_moment: float,
    target: float,
    allowed: float,
    fill_rate: bool,
) -> float:  # pragma: no cover - compiled
    """Level of Y (mean and E[Y²] given): the quantile or the fill-rate level."""
    if terms.shape[1] == 0:
        return 0.0
    positive = 1.0 - atom
    if fill_rate:
        if mean <= allowed:
            return 0.0
    elif atom >= target - 1e-14:
        return 0.0
    conditional_mean = mean / positive
    variance = second_moment / positive - conditional_mean**2
    gamma_shape = conditional_mean**2 / variance if variance > 0.0 else 1e12
    if fill_rate:
        y = _gamma_fill_rate_start(gamma_shape, conditional_mean, allowed / positive)
    else:
        level = min(max((target - atom) / positive, 1e-12), 1.0 - 1e-12)
        y = _wilson_hilferty(gamma_shape, conditional_mean, level)
    y = max(y, 1e-9 * conditional_mean)
    lo = 0.0
    hi = math.inf
    state = np.empty(5)
    last_step = math.inf
    for _ in range(_MAX_ITERATIONS):
        _scaled_mixture_at(y, atom, terms, state)
        # Halley's method as in _ltd_compound._continuous_level.
        high, step, cubic = halley_step(state, target, allowed, fill_rate)
        if high:
            hi = y
        else:
            lo = y
        new = y + step
        size = abs(step)
        if size <= _RELATIVE_TOLERANCE * y:
            return new if lo < new < hi else y
        if lo < new < hi:
            if size <= (1e-5 if cubic else 1e-7) * y and size <= 1e-2 * last_step:
                return new
            last_step = size
        else:
            new = 0.5 * (lo + hi) if hi < math.inf else 2.0 * y
            last_step = math.inf
            if hi - lo <= _RELATIVE_TOLERANCE * lo:
                return hi
        y = new
    return hi if hi < math.inf else y


@njit(cache=True)
def _prepared(
    period_days: float,
    p: float,
    size_mean: float,
    cv2: float,
    review_days: float,
    mu_l: float,
    sd_l: float,
    rate_cv2: float,
) -> tuple[float, float, FloatArray, float, float]:  # pragma: no cover - compiled
    """(unit, atom, terms, E[Y], E[Y²]) of Y = D/unit for one item, D = M·D₀.

    The unit is the size scale θ = m·CV² for gamma sizes, the size m for constant ones;
    E[Y²] = (1 + φ)·E[Y₀²] with E[Y₀²] = a·E[K] + a²·E[K²] (gamma sizes) or E[K²].
    """
    k_first, counts = item_order_counts(period_days, p, review_days, mu_l, sd_l)
    mean_count = 0.0
    second_count = 0.0
    for j in range(len(counts)):
        mean_count += (k_first + j) * counts[j]
        second_count += (k_first + j) ** 2 * counts[j]
    if cv2 < _CONSTANT_SIZE_CV2:
        unit, a, mean, second = size_mean, 0.0, mean_count, second_count
    else:
        unit, a = size_mean * cv2, 1.0 / cv2
        mean, second = a * mean_count, a * mean_count + a * a * second_count
    atom, terms = _expanded(k_first, counts, a, rate_cv2)
    return unit, atom, terms, mean, (1.0 + rate_cv2) * second


@njit(cache=True)
def _uncertain_level(
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
    rate_cv2: float,
) -> float:  # pragma: no cover - compiled
    unit, atom, terms, mean, second = _prepared(
        period_days, p, size_mean, cv2, review_days, mu_l, sd_l, rate_cv2
    )
    return unit * _solve(atom, terms, mean, second, target, allowed / unit, fill_rate)


@njit(parallel=True, cache=True)
def uncertain_reorder_points(
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
    rate_cv2: FloatArray,
) -> FloatArray:  # pragma: no cover - compiled
    """Reorder point per item of D = M·D₀ (see module doc); φ = ``rate_cv2`` > 0.

    Arguments as :func:`._ltd_compound.compound_reorder_points`, plus φ per item.
    """
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
            service_target[i],
            allowed_shortage[i],
            fill_rate,
            rate_cv2[i],
        )
    return out


@njit(cache=True)
def uncertain_distribution_at(
    level: float,
    period_days: float,
    p: float,
    size_mean: float,
    cv2: float,
    review_days: float,
    mu_l: float,
    sd_l: float,
    rate_cv2: float,
) -> tuple[float, float]:  # pragma: no cover - compiled
    """F(x) and E[(D − x)⁺] of D = M·D₀ at x = ``level`` > 0 for one item (for checks)."""
    unit, atom, terms, _, _ = _prepared(
        period_days, p, size_mean, cv2, review_days, mu_l, sd_l, rate_cv2
    )
    state = np.empty(5)
    _scaled_mixture_at(level / unit, atom, terms, state)
    return state[0], state[4] * unit


@njit(parallel=True, cache=True)
def sample_uncertain_reorder_points(
    seeds: U32Array,
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
    n_samples: int,
    rate_cv2: FloatArray,
) -> FloatArray:  # pragma: no cover - compiled
    """As :func:`._ltd_montecarlo.sample_reorder_points`, each sample times a draw of M."""
    n_items = len(seeds)
    out = np.empty(n_items)
    for i in prange(n_items):
        np.random.seed(seeds[i])
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
        phi = rate_cv2[i]
        for s in range(n_samples):
            samples[s] *= np.random.gamma(1.0 / phi, phi)
        if fill_rate:
            samples.sort()
            out[i] = _fill_rate_level(samples, allowed_shortage[i])
        else:
            k = min(max(math.ceil(service_target[i] * n_samples - 1e-9), 1), n_samples) - 1
            out[i] = _kth_smallest(samples, k)
    return out


def _group_labels(groups: ArrayLike | None, n: int) -> np.ndarray:
    labels = np.full(n, "all", dtype=object) if groups is None else np.asarray(groups)
    if labels.shape != (n,):
        raise InvalidInputError("groups must have one label per item")
    return np.asarray(labels.astype(str), dtype=object)


def _by_group(
    labels: np.ndarray,
    usable: np.ndarray,
    estimate: Callable[[np.ndarray], float],
    min_items: int,
) -> dict[str, float]:
    """``estimate`` over all usable items (``"all"``), then per group, along the group's
    path: a label ``"a/b"`` is also counted in its parent ``"a"``; a group with fewer
    than ``min_items`` usable items takes its parent's value (then ``"all"``)."""
    if isinstance(min_items, bool) or not isinstance(min_items, int | np.integer) or min_items < 1:
        raise InvalidInputError(f"min_items must be a whole number >= 1 (got {min_items!r})")
    result = {"all": estimate(usable)}
    paths = sorted(
        {
            "/".join(p[:k])
            for p in (lb.split("/") for lb in set(labels))
            for k in range(1, len(p) + 1)
        }
    )
    for label in paths:  # parents sort before their children
        in_group = (labels == label) | np.char.startswith(labels.astype(str), label + "/")
        mask = usable & in_group
        parent = label.rpartition("/")[0]
        fallback = result[parent] if parent else result["all"]
        result[label] = estimate(mask) if mask.sum() >= min_items else fallback
    return result


def rate_estimate(estimates: Mapping[str, float], labels: ArrayLike) -> FloatArray:
    """Each item's value from :func:`estimate_forecast_bias` or
    :func:`estimate_rate_uncertainty`: its group's, or for a group not estimated (no items
    of it at the holdout) the nearest parent's along its path (``"a/b"`` → ``"a"``), then
    ``"all"``.

    >>> rate_estimate({"all": 0.5, "a": 0.2}, ["a/young", "b", "a"]).tolist()
    [0.2, 0.5, 0.2]
    """

    def find(label: str) -> float:
        while label:
            if label in estimates:
                return float(estimates[label])
            label = label.rpartition("/")[0]
        return float(estimates["all"])

    names = np.asarray(labels).astype(str)
    values = {label: find(label) for label in set(names.tolist())}
    return np.array([values[label] for label in names.tolist()], dtype=np.float64)


def estimate_rate_uncertainty(
    actual: ArrayLike,
    forecast: ArrayLike,
    process_variance: ArrayLike,
    groups: ArrayLike | None = None,
    *,
    periods: int,
    min_items: int = 30,
    min_forecast: float = 0.0,
) -> dict[str, float]:
    """φ, the squared CV of the true demand rate around the forecast, per group of items.

    Parameters
    ----------
    actual : array
        a_i, mean demand per period over a holdout of ``periods`` periods.
    forecast : array
        f_i, the forecast per period made for the holdout from the history before it.
        Items without a positive forecast (or with a missing value) are left out.
    process_variance : array
        v_i, the variance per period of the demand process at the forecast rate (e.g.
        f²·((1 + CV²)·ADI − 1) for the compound-Bernoulli process).
    groups : array of labels, optional
        The group of each item (e.g. its demand pattern); None puts all in ``"all"``.
        Labels may be paths, ``"pattern/age"``: each level is estimated too, and a group
        with too few items takes its parent's value.
    periods : int
        H, the periods in the holdout.
    min_items : int
        A group with fewer usable items gets its parent's estimate (the pooled one at the
        top).
    min_forecast : float
        Positive forecasts below this rate count as this rate (e.g. 1/H: one unit over
        the holdout). A forecast decayed to nearly zero that meets a revived demand is
        not a proportional error: with f_i → 0 its term (a_i − f_i)²/f_i grows without
        bound, and one such item can outweigh a thousand others (on carparts one item
        forecast at 10⁻⁴ a month that sold 1 a month made a group's φ 172 instead of
        1.2). At the floor its term is at most about a_i²·H.

    Returns
    -------
    dict group -> φ̂ = max(0, Σ_i [(a_i − f_i)² − v_i/H]/f_i / Σ_i f_i) over the group's
    usable items (see the module doc), with ``"all"`` for the pooled estimate; look an
    item up with :func:`rate_estimate`.

    Equations: method of moments, E[(a − f)²] = φ·f² + v/H given f (module doc).

    Examples
    --------
    >>> estimate_rate_uncertainty([2.0, 0.5], [1.0, 1.0], [0.0, 0.0], periods=12, min_items=1)
    {'all': 0.625}
    """
    a = np.asarray(actual, dtype=np.float64)
    f = np.asarray(forecast, dtype=np.float64)
    v = np.asarray(process_variance, dtype=np.float64)
    if not (a.shape == f.shape == v.shape and a.ndim == 1):
        raise InvalidInputError("actual, forecast and process_variance must be 1-D, same length")
    if isinstance(periods, bool) or not isinstance(periods, int | np.integer) or periods < 1:
        raise InvalidInputError(f"periods must be a whole number >= 1 (got {periods!r})")
    _nonnegative_number("min_forecast", min_forecast)
    labels = _group_labels(groups, len(a))
    with np.errstate(invalid="ignore"):
        usable = (f > 0) & np.isfinite(f) & (a >= 0) & np.isfinite(a) & (v >= 0) & np.isfinite(v)
    safe_f = np.where(usable, np.maximum(f, min_forecast), 1.0)
    f = safe_f
    excess = np.where(usable, ((a - f) ** 2 - v / periods) / safe_f, 0.0)
    units = np.where(usable, f, 0.0)

    def pooled(mask: np.ndarray) -> float:
        total = units[mask].sum()
        return float(max(excess[mask].sum() / total, 0.0)) if total > 0 else 0.0

    return _by_group(labels, usable, pooled, min_items)


def estimate_forecast_bias(
    actual: ArrayLike,
    forecast: ArrayLike,
    groups: ArrayLike | None = None,
    *,
    min_items: int = 30,
    min_forecast: float = 0.0,
) -> dict[str, float]:
    """b, the ratio of actual to forecast demand over a holdout, per group of items.

    Parameters
    ----------
    actual, forecast : array
        a_i and f_i as for :func:`estimate_rate_uncertainty` (items without a positive,
        finite forecast are left out).
    groups : array of labels, optional
        The group of each item, paths allowed as for :func:`estimate_rate_uncertainty`;
        None puts all in ``"all"``.
    min_items : int
        A group with fewer usable items gets its parent's ratio (all usable items pooled
        at the top).
    min_forecast : float
        As for :func:`estimate_rate_uncertainty`: positive forecasts below it count as
        it (use the same value for both).

    Returns
    -------
    dict group -> b̂ = Σ_i a_i / Σ_i f_i over the group's usable items, with ``"all"``.

    A forecast that runs systematically high or low (a declining market under a level
    model) is a bias, not a spread: estimate b first, then φ around the corrected
    forecast b·f (the process variance scaled by b² for a variance proportional to the
    squared rate), ``estimate_rate_uncertainty(a, b·f, b²·v, ...)``, and size with b·f
    and that φ. Counted as spread instead, the bias leaves every distribution centred on
    the wrong level.

    Examples
    --------
    >>> estimate_forecast_bias([1.0, 3.0], [2.0, 2.0], min_items=1)
    {'all': 1.0}
    >>> estimate_forecast_bias([1.0, 1.5], [2.0, 2.0], ["a", "a"], min_items=1)
    {'all': 0.625, 'a': 0.625}
    """
    a = np.asarray(actual, dtype=np.float64)
    f = np.asarray(forecast, dtype=np.float64)
    if not (a.shape == f.shape and a.ndim == 1):
        raise InvalidInputError("actual and forecast must be 1-D, same length")
    _nonnegative_number("min_forecast", min_forecast)
    labels = _group_labels(groups, len(a))
    with np.errstate(invalid="ignore"):
        usable = (f > 0) & np.isfinite(f) & (a >= 0) & np.isfinite(a)
    f = np.where(usable, np.maximum(f, min_forecast), 0.0)

    def ratio(mask: np.ndarray) -> float:
        total = f[mask].sum()
        return float(a[mask].sum() / total) if total > 0 else 1.0

    return _by_group(labels, usable, ratio, min_items)


def _nonnegative_number(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise InvalidInputError(f"{name} must be a number (got {value!r})")
    if not (math.isfinite(value) and value >= 0):
        raise InvalidInputError(f"{name} must be finite and >= 0 (got {value!r})")
