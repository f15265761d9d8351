"""Monte Carlo distribution of demand over a random protection interval, compiled.

Demand is a compound Bernoulli process per period (the period ADI and CV² were measured
in): in each period an order arrives with probability p = 1/ADI, its size gamma with mean
m = μ·ADI and squared coefficient of variation CV² (constant where CV² is 0), so the mean
per period is μ. Over a protection interval of T = R + L periods, L lognormal with the
item's lead-time mean and sd, the count of orders in the ⌊T⌋ whole periods is binomial;
the fraction f = T − ⌊T⌋ of a last period brings one more order (of a full size) with
probability p·f, so the mean over T is exactly μ·T; the sum of k gamma sizes is one gamma
draw with k times the shape. The reorder point is the target quantile of the samples
(cycle service) or the level whose sample expected shortage is the allowed one (fill rate).
:mod:`._ltd_compound` computes the same distribution exactly, without sampling.

This is the compound-demand model of Syntetos & Boylan's intermittent patterns (Croston
1972: Bernoulli occurrences, independent sizes) with a random lead time as in Silver,
Pyke & Thomas (4th ed., 2017), ch. 6 and ch. 7 (slow-moving and intermittent items).

Random streams: each item gets its own seed from a 64-bit FNV-1a hash of its name mixed
with the caller's seed, so an item's result depends on the seed and its own inputs only,
not on which other items share the run or in which order (and not on thread scheduling).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import polars as pl
from numba import njit, prange

from takt.policy._checks import FloatArray

U32Array = npt.NDArray[np.uint32]

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_SPLITMIX_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)
_LOW_32 = np.uint64(0xFFFFFFFF)
# Below this CV² the sizes are taken as constant (a gamma of shape 1e9 is a waste of time).
_CONSTANT_SIZE_CV2 = 1e-9


@njit(cache=True)
def _splitmix64(x: np.uint64) -> np.uint64:  # pragma: no cover - compiled
    z = x + _SPLITMIX_GAMMA
    z = (z ^ (z >> np.uint64(30))) * _MIX_1
    z = (z ^ (z >> np.uint64(27))) * _MIX_2
    return z ^ (z >> np.uint64(31))


@njit(cache=True)
def _hash_seeds(
    data: npt.NDArray[np.uint8], offsets: npt.NDArray[np.int64], seed: np.uint64
) -> U32Array:  # pragma: no cover - compiled
    mixed_seed = _splitmix64(seed)
    out = np.empty(len(offsets) - 1, dtype=np.uint32)
    for i in range(len(offsets) - 1):
        h = _FNV_OFFSET
        for j in range(offsets[i], offsets[i + 1]):
            h = (h ^ np.uint64(data[j])) * _FNV_PRIME
        out[i] = np.uint32(_splitmix64(h ^ mixed_seed) & _LOW_32)
    return out


def item_seeds(items: pl.Series, seed: int) -> U32Array:
    """One 32-bit seed per item name: FNV-1a of its UTF-8 bytes mixed with ``seed``."""
    if items.len() == 0:
        return np.empty(0, dtype=np.uint32)
    lengths = items.str.len_bytes().to_numpy().astype(np.int64)
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    joined = items.str.join("").item()
    data = np.frombuffer(str(joined).encode("utf-8"), dtype=np.uint8)
    return _hash_seeds(data, offsets, np.uint64(seed % 2**64))


@njit(cache=True)
def _fill_rate_level(x: FloatArray, allowed_shortage: float) -> float:  # pragma: no cover
    """Smallest r ≥ 0 with mean((x − r)⁺) ≤ allowed_shortage; x sorted ascending.

    The sample loss L(r) = mean((x − r)⁺) is piecewise linear and falls with r: at the
    sample x_j it is (Σ_{i>j} x_i − (n − 1 − j)·x_j)/n, between samples its slope is
    −(number of samples above r)/n.
    """
    n = len(x)
    above = 0.0  # Σ_{i>j} x_i
    j = n - 1
    while j > 0:
        loss_here = (above - (n - 1 - j) * x[j]) / n
        loss_below = (above + x[j] - (n - j) * x[j - 1]) / n
        if loss_below > allowed_shortage:
            # The level lies in [x_{j−1}, x_j], where the slope is −(n − j)/n.
            return float(max(x[j] - (allowed_shortage - loss_here) * n / (n - j), x[j - 1]))
        above += x[j]
        j -= 1
    loss_first = (above - (n - 1) * x[0]) / n
    return float(max(x[0] - (allowed_shortage - loss_first), 0.0))


@njit(cache=True)
def _kth_smallest(x: FloatArray, k: int) -> float:  # pragma: no cover - compiled
    """The k-th smallest value (0-based) of x, reordering x: Hoare's quickselect.

    Hand-written because numba's ``np.partition`` takes seconds to compile.
    """
    lo = 0
    hi = len(x) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        # Median of three as the pivot keeps sorted or constant input from going quadratic.
        a, b, c = x[lo], x[mid], x[hi]
        pivot = max(min(a, b), min(max(a, b), c))
        i = lo
        j = hi
        while i <= j:
            while x[i] < pivot:
                i += 1
            while x[j] > pivot:
                j -= 1
            if i <= j:
                x[i], x[j] = x[j], x[i]
                i += 1
                j -= 1
        if k <= j:
            hi = j
        elif k >= i:
            lo = i
        else:
            break
    return float(x[k])


@njit(cache=True)
def _sample_demand(
    samples: FloatArray,
    period_days: float,
    p: float,
    m: float,
    cv2: float,
    review_days: float,
    mu_l: float,
    sd_l: float,
) -> None:  # pragma: no cover - compiled
    """Fill ``samples`` with draws of demand over R + L for one item (see module doc)."""
    shape = 1.0 / cv2 if cv2 >= _CONSTANT_SIZE_CV2 else 0.0
    scale = m * cv2
    random_lead_time = sd_l > 0.0 and mu_l > 0.0
    log_sd = 0.0
    log_mean = 0.0
    if random_lead_time:
        log_var = math.log1p((sd_l / mu_l) ** 2)
        log_sd = math.sqrt(log_var)
        log_mean = math.log(mu_l) - 0.5 * log_var
    for s in range(len(samples)):
        lead = mu_l
        if random_lead_time:
            lead = math.exp(log_mean + log_sd * np.random.standard_normal())
        periods = (review_days + lead) / period_days
        whole = math.floor(periods)
        part = periods - whole
        orders = np.random.binomial(np.int64(whole), p) if p < 1.0 else np.int64(whole)
        if part > 0.0 and np.random.random() < p * part:
            orders += 1
        if orders == 0:
            samples[s] = 0.0
        elif cv2 < _CONSTANT_SIZE_CV2:
            samples[s] = float(orders * m)
        else:
            samples[s] = float(np.random.gamma(orders * shape, scale))


@njit(parallel=True, cache=True)
def sample_reorder_points(
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
) -> FloatArray:  # pragma: no cover - compiled
    """Reorder point per item from ``n_samples`` draws of demand over R + L.

    Cycle service (``fill_rate`` False): the ⌈α·n⌉-th smallest sample, the inverted
    empirical distribution function (smallest x with F̂(x) ≥ α). Fill rate: the level r
    with mean((X − r)⁺) = ``allowed_shortage`` (= (1 − β)·Q), interpolated linearly
    between samples. All day quantities are in days; ``period_days`` is the length of
    the period of the occurrence probability.
    """
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
        if fill_rate:
            samples.sort()
            out[i] = _fill_rate_level(samples, allowed_shortage[i])
        else:
            k = min(max(math.ceil(service_target[i] * n_samples - 1e-9), 1), n_samples) - 1
            out[i] = _kth_smallest(samples, k)
    return out
