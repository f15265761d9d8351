"""Compiled kernels for Poisson demand: probabilities and the one-period cost table.

The newsvendor-type cost of holding inventory position y against Poisson demand D,
g(y) = h·E[(y − D)⁺] + p·E[(D − y)⁺], is tabulated for y = 0, 1, … through the
first difference g(y + 1) − g(y) = (h + p)·P(D ≤ y) − p, starting from g(0) = p·E[D]
(Snyder & Shen, 2nd ed., eq. (4.6) for Poisson demand). Below zero nothing is held, so
g(y) = p·(E[D] − y) in closed form.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from takt.policy._checks import FloatArray


@njit(cache=True)
def poisson_pmf(mean: float, n: int) -> FloatArray:  # pragma: no cover - compiled
    """P(D = k) for k = 0 … n − 1, started at the mode so large means do not underflow."""
    pmf = np.zeros(n)
    if n == 0:
        return pmf
    if mean <= 0.0:
        pmf[0] = 1.0
        return pmf
    mode = min(int(mean), n - 1)
    pmf[mode] = math.exp(mode * math.log(mean) - mean - math.lgamma(mode + 1.0))
    for k in range(mode + 1, n):
        pmf[k] = pmf[k - 1] * mean / k
    for k in range(mode - 1, -1, -1):
        pmf[k] = pmf[k + 1] * (k + 1) / mean
    return pmf


@njit(cache=True)
def cost_table(mean: float, h: float, p: float, n: int) -> FloatArray:  # pragma: no cover
    """g(y) for y = 0 … n − 1 (see the module docstring)."""
    pmf = poisson_pmf(mean, n)
    g = np.empty(n)
    g[0] = p * mean
    cdf = 0.0
    for y in range(n - 1):
        cdf = min(cdf + pmf[y], 1.0)
        g[y + 1] = g[y] + (h + p) * cdf - p
    return g


@njit(cache=True)
def table_length(mean: float, upto: int) -> int:  # pragma: no cover - compiled
    """A table length covering y = ``upto`` and the bulk of the distribution."""
    return max(upto + 1, int(mean + 12.0 * math.sqrt(mean) + 32.0))


@njit(cache=True)
def cost_at(g: FloatArray, y: int, mean: float, p: float) -> float:  # pragma: no cover
    """g(y) from the table, or in closed form below zero; ``y`` must be < len(g)."""
    if y < 0:
        return p * (mean - y)
    return float(g[y])


@njit(cache=True)
def best_level(g: FloatArray) -> int:  # pragma: no cover - compiled
    """The first minimiser of a convex table (−1 if the minimum may lie beyond its end)."""
    for y in range(len(g) - 1):
        if g[y + 1] >= g[y]:
            return y
    return -1
