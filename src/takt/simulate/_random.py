"""Random streams and samplers compiled into the simulation kernel.

Generator: SplitMix64 with a per-stream odd increment ("gamma"), the generator of Java's
``SplittableRandom`` (Steele, Lea & Flood, "Fast splittable pseudorandom number
generators", OOPSLA 2014); it passes BigCrush, needs two 64-bit words of state and costs
one add and three multiply-xorshifts per draw. Each (item, replication) has two streams,
one for demand and one for lead times, so the demand path of an item is the same whatever
the policy or the scenario (common random numbers) and a lead-time draw never shifts the
demand of later days.

Samplers (exact; the discrete tables fold tails below 10⁻¹² onto their end values):

- standard normal: the ziggurat of Marsaglia & Tsang (2000), 256 layers, with Marsaglia's
  (1964) tail method beyond r = 3.654;
- gamma: Marsaglia & Tsang (2000), shape < 1 by the boost u^(1/a) (their section 6);
- Poisson: inversion by sequential search below a mean of 10, Hörmann's (1993)
  transformed rejection PTRS from 10 on (the kernel draws means below 64 from tables);
- discrete distributions (lead times in whole days, Poisson demand): Walker's alias
  method in Vose's (1991) construction, one 64-bit draw per value.

Item seeds: a 64-bit FNV-1a hash of the item's name mixed with the caller's seed, so an
item's streams depend on the seed and its own name only, never on the other items of the
run, their order or the thread that runs it.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import polars as pl
from numba import njit

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
U64Array = npt.NDArray[np.uint64]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)
_GAMMA_MIX_1 = np.uint64(0xFF51AFD7ED558CCD)
_GAMMA_MIX_2 = np.uint64(0xC4CEB9FE1A85EC53)
_GAMMA_FLIP = np.uint64(0xAAAAAAAAAAAAAAAA)
_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_ONE = np.uint64(1)
_LOW_8 = np.uint64(0xFF)
_LOW_32 = np.uint64(0xFFFFFFFF)
_2_POW_M53 = 1.0 / 9007199254740992.0
POISSON_INVERSION_MAX_MEAN = 10.0


def _ziggurat_tables(layers: int = 256) -> tuple[FloatArray, U64Array, FloatArray]:
    """Widths w_i = x_i/2⁵², thresholds k_i = ⌊2⁵²·x_{i+1}/x_i⌋ and f(x_i) of the ziggurat.

    Layer 0 is the base strip with the tail (x_0 = v/f(r)), layer i ≥ 1 the rectangle
    [0, x_i] × [f(x_i), f(x_{i+1})]; every layer has the area v (Marsaglia & Tsang 2000).
    """
    tail = 3.6541528853610088

    def density(x: float) -> float:  # the unnormalised normal density
        return math.exp(-0.5 * x * x)

    area = tail * density(tail) + math.sqrt(math.pi / 2) * math.erfc(tail / math.sqrt(2))
    x = [0.0] * (layers + 1)
    x[0] = area / density(tail)
    x[1] = tail
    for i in range(1, layers - 1):
        x[i + 1] = math.sqrt(-2.0 * math.log(density(x[i]) + area / x[i]))
    x[layers] = 0.0
    scale = 2.0**52
    widths = np.array([xi / scale for xi in x[:layers]])
    thresholds = np.array([int(scale * x[i + 1] / x[i]) for i in range(layers)], dtype=np.uint64)
    heights = np.array([density(xi) for xi in x])
    return widths, thresholds, heights


_ZIG_W, _ZIG_K, _ZIG_F = _ziggurat_tables()
_ZIG_TAIL = 3.6541528853610088


@njit(cache=True)
def _mix64(z: np.uint64) -> np.uint64:  # pragma: no cover - compiled
    z = (z ^ (z >> np.uint64(30))) * _MIX_1
    z = (z ^ (z >> np.uint64(27))) * _MIX_2
    return z ^ (z >> np.uint64(31))


@njit(cache=True)
def _mix_gamma(z: np.uint64) -> np.uint64:  # pragma: no cover - compiled
    """An odd increment with enough bit transitions (``SplittableRandom.mixGamma``)."""
    z = (z ^ (z >> np.uint64(33))) * _GAMMA_MIX_1
    z = (z ^ (z >> np.uint64(33))) * _GAMMA_MIX_2
    z = (z ^ (z >> np.uint64(33))) | _ONE
    flips = z ^ (z >> _ONE)
    transitions = np.int64(0)
    for _ in range(64):
        transitions += np.int64(flips & _ONE)
        flips >>= _ONE
    if transitions < 24:
        z ^= _GAMMA_FLIP
    return z


@njit(cache=True)
def stream(item_seed: np.uint64, index: int) -> tuple[np.uint64, np.uint64]:  # pragma: no cover
    """State and odd increment of stream number ``index`` of an item."""
    base = item_seed + np.uint64(index + 1) * _GOLDEN
    return _mix64(base), _mix_gamma(_mix64(base ^ _GAMMA_FLIP))


# The samplers take the stream as two scalars (state s, increment g) and return the
# advanced state with the value: scalars, unlike a state array, cost no reference counting
# when a sampler is called from the day loop.


@njit(cache=True)
def next_u64(s: np.uint64, g: np.uint64) -> tuple[np.uint64, np.uint64]:  # pragma: no cover
    """(64 random bits, new state)."""
    s += g
    return _mix64(s), s


@njit(cache=True)
def uniform(s: np.uint64, g: np.uint64) -> tuple[float, np.uint64]:  # pragma: no cover
    """Uniform on [0, 1) with 53 random bits."""
    z, s = next_u64(s, g)
    return float(z >> np.uint64(11)) * _2_POW_M53, s


@njit(cache=True)
def uniform_open(s: np.uint64, g: np.uint64) -> tuple[float, np.uint64]:  # pragma: no cover
    """Uniform on (0, 1]: safe to take the log of."""
    z, s = next_u64(s, g)
    return (float(z >> np.uint64(11)) + 1.0) * _2_POW_M53, s


@njit(cache=True)
def below(z: np.uint64, n: np.uint64) -> np.uint64:  # pragma: no cover - compiled
    """Integer in [0, n) from the high 32 bits of z, n < 2³² (Lemire's multiply-shift).

    Unsigned, so that an index built from it carries no negative-index wraparound code.
    """
    return ((z >> np.uint64(32)) * n) >> np.uint64(32)


@njit(cache=True)
def standard_normal(s: np.uint64, g: np.uint64) -> tuple[float, np.uint64]:  # pragma: no cover
    """N(0, 1) by the 256-layer ziggurat (Marsaglia & Tsang 2000)."""
    while True:
        z, s = next_u64(s, g)
        layer = np.int64(z & _LOW_8)
        negative = (z >> np.uint64(8)) & _ONE
        magnitude = z >> np.uint64(12)  # 52 bits
        x = float(magnitude) * _ZIG_W[layer]
        if magnitude < _ZIG_K[layer]:
            return (-x if negative else x), s
        if layer == 0:
            # Tail beyond r (Marsaglia 1964): r + e with e accepted as in the paper.
            while True:
                u1, s = uniform_open(s, g)
                u2, s = uniform_open(s, g)
                e = -math.log(u1) / _ZIG_TAIL
                y = -math.log(u2)
                if y + y >= e * e:
                    break
            x = _ZIG_TAIL + e
            return (-x if negative else x), s
        u, s = uniform(s, g)
        low = _ZIG_F[layer]
        if low + u * (_ZIG_F[layer + 1] - low) < math.exp(-0.5 * x * x):
            return (-x if negative else x), s


@njit(cache=True)
def gamma(
    s: np.uint64, g: np.uint64, shape: float, scale: float
) -> tuple[float, np.uint64]:  # pragma: no cover - compiled
    """Gamma(shape, scale) by Marsaglia & Tsang (2000); shape > 0."""
    boost = 1.0
    if shape < 1.0:
        u, s = uniform_open(s, g)
        boost = u ** (1.0 / shape)
        shape += 1.0
    d = shape - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    while True:
        x, s = standard_normal(s, g)
        v = 1.0 + c * x
        if v <= 0.0:
            continue
        v = v * v * v
        u, s = uniform_open(s, g)
        x2 = x * x
        if u < 1.0 - 0.0331 * x2 * x2 or math.log(u) < 0.5 * x2 + d * (1.0 - v + math.log(v)):
            return d * v * scale * boost, s


@njit(cache=True)
def poisson(
    s: np.uint64, g: np.uint64, mean: float, exp_minus_mean: float
) -> tuple[float, np.uint64]:  # pragma: no cover - compiled
    """Poisson(mean): inversion below a mean of 10, PTRS (Hörmann 1993) above.

    ``exp_minus_mean`` is e^(−mean), computed once per item by the caller.
    """
    if mean < POISSON_INVERSION_MAX_MEAN:
        u, s = uniform(s, g)
        k = 0
        p = exp_minus_mean
        cdf = p
        while u > cdf:
            k += 1
            p *= mean / k
            cdf += p
            if p < 1e-300:  # u within rounding of 1: the cdf stopped growing
                break
        return float(k), s
    slam = math.sqrt(mean)
    log_mean = math.log(mean)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2.0)
    while True:
        u, s = uniform(s, g)
        u -= 0.5
        v, s = uniform_open(s, g)
        us = 0.5 - abs(u)
        k = np.floor((2.0 * a / us + b) * u + mean + 0.43)
        if us >= 0.07 and v <= vr:
            return k, s
        if k < 0 or (us < 0.013 and v > us):
            continue
        if math.log(v) + math.log(inv_alpha) - math.log(a / (us * us) + b) <= (
            -mean + k * log_mean - math.lgamma(k + 1.0)
        ):
            return k, s


ALIAS_BITS = 8
_ALIAS_MASK = np.uint64((1 << ALIAS_BITS) - 1)
_ALIAS_SHIFT = np.uint64(ALIAS_BITS)


def pack_alias(threshold: FloatArray, alias: IntArray) -> U64Array:
    """Alias table entries: ⌊threshold·2³²⌉ above the low 8 bits, the alias in them.

    One load per draw finds both halves; a threshold of 1 is 2³², above every 32-bit
    uniform, so the column is always kept.
    """
    scaled = np.rint(np.clip(threshold, 0.0, 1.0) * 2.0**32).astype(np.uint64)
    return (scaled << _ALIAS_SHIFT) | alias.astype(np.uint64)


@njit(cache=True, inline="always")
def alias_pick(
    z: np.uint64, entries: U64Array, first: np.uint64, size: np.uint64
) -> np.int64:  # pragma: no cover - compiled
    """Column of the alias table at ``first`` picked by the 64 random bits z (Walker 1977).

    The high 32 bits choose the column, the low 32 bits keep it or take its alias. No
    branch (the test is a coin flip a predictor cannot learn) and unsigned indices (no
    negative-index wraparound code).
    """
    column = ((z >> np.uint64(32)) * size) >> np.uint64(32)
    entry = entries[first + column]
    keep = np.uint64((z & _LOW_32) < (entry >> _ALIAS_SHIFT))
    other = entry & _ALIAS_MASK
    return np.int64(other + (column - other) * keep)


@njit(cache=True)
def build_alias(
    probabilities: FloatArray, threshold: FloatArray, alias: IntArray, start: int
) -> None:  # pragma: no cover - compiled
    """Vose's (1991) alias table for ``probabilities`` (summing to 1), written at ``start``."""
    n = len(probabilities)
    scaled = probabilities * n
    small = np.empty(n, dtype=np.int64)
    large = np.empty(n, dtype=np.int64)
    n_small = 0
    n_large = 0
    for j in range(n):
        if scaled[j] < 1.0:
            small[n_small] = j
            n_small += 1
        else:
            large[n_large] = j
            n_large += 1
    while n_small > 0 and n_large > 0:
        n_small -= 1
        s = small[n_small]
        g = large[n_large - 1]
        threshold[start + s] = scaled[s]
        alias[start + s] = g
        scaled[g] = (scaled[g] + scaled[s]) - 1.0
        if scaled[g] < 1.0:
            n_large -= 1
            small[n_small] = g
            n_small += 1
    # What is left is 1 up to rounding: always the column itself.
    for j in range(n_large):
        threshold[start + large[j]] = 1.0
        alias[start + large[j]] = large[j]
    for j in range(n_small):
        threshold[start + small[j]] = 1.0
        alias[start + small[j]] = small[j]


def alias_entries(pmf: FloatArray, start: IntArray, size: IntArray) -> U64Array:
    """Packed alias tables of the distributions pmf[start[k] : start[k] + size[k]]."""
    total = len(pmf)
    owner = np.repeat(np.arange(len(size)), size)
    threshold = np.ones(total)
    alias = np.arange(total, dtype=np.int64) - start[owner]
    _build_all(pmf, start, size, threshold, alias)
    return pack_alias(threshold, alias)


@njit(cache=True)
def _build_all(
    pmf: FloatArray, start: IntArray, size: IntArray, threshold: FloatArray, alias: IntArray
) -> None:  # pragma: no cover - compiled
    for k in range(len(size)):
        if size[k] > 1:
            p = pmf[start[k] : start[k] + size[k]]
            build_alias(p / p.sum(), threshold, alias, start[k])


@njit(cache=True)
def _hash_names(
    data: npt.NDArray[np.uint8], offsets: IntArray, seed: np.uint64
) -> U64Array:  # pragma: no cover - compiled
    mixed_seed = _mix64(seed + _GOLDEN)
    out = np.empty(len(offsets) - 1, dtype=np.uint64)
    for i in range(len(offsets) - 1):
        h = _FNV_OFFSET
        for j in range(offsets[i], offsets[i + 1]):
            h = (h ^ np.uint64(data[j])) * _FNV_PRIME
        out[i] = _mix64(h ^ mixed_seed)
    return out


def item_seeds(names: pl.Series, seed: int) -> U64Array:
    """One 64-bit seed per item: FNV-1a of the name's UTF-8 bytes mixed with ``seed``."""
    if names.len() == 0:
        return np.empty(0, dtype=np.uint64)
    lengths = names.str.len_bytes().to_numpy().astype(np.int64)
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    data = np.frombuffer(str(names.str.join("").item()).encode("utf-8"), dtype=np.uint8)
    return np.asarray(_hash_names(data, offsets, np.uint64(seed % 2**64)), dtype=np.uint64)
