"""Periodic-review (s, S) policies under Poisson demand: the Zheng–Federgruen optimum.

Each period, when the inventory position is at or below s, order up to S. With K the
fixed cost per order, one-period demand D ~ Poisson(μ), lead time L periods and
G(y) = h·E[(y − D_{L+1})⁺] + p·E[(D_{L+1} − y)⁺] the expected one-period cost at
inventory position y (D_{L+1} the demand over L + 1 periods), the long-run cost per period
is (Snyder & Shen, 2nd ed., eqs. (4.71)–(4.75); Zheng & Federgruen, 1991)

    c(s, S) = [K + Σ_{j=0}^{S−s−1} m(j)·G(S − j)] / M(S − s),

where m(j) is the expected number of periods the position spends j units below S in one
cycle, m(0) = 1/(1 − P(D=0)), m(j) = Σ_{l=1}^{j} P(D=l)·m(j − l) / (1 − P(D=0)), and
M(n) = Σ_{j<n} m(j) is the expected cycle length.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from takt.errors import InvalidInputError
from takt.policy import _poisson
from takt.policy._checks import (
    ArrayLike,
    FloatArray,
    IntArray,
    broadcast,
    common_shape,
    finite_nonnegative,
    finite_positive,
    flat,
    whole,
)


class SSPolicy(NamedTuple):
    """Reorder level s, order-up-to level S and the expected cost per period c(s, S)."""

    reorder_point: IntArray
    order_up_to_level: IntArray
    cost: FloatArray


@njit(cache=True)
def _renewal(mean: float, n: int) -> FloatArray:  # pragma: no cover - compiled
    """m(0 … n − 1) of the module docstring."""
    pmf = _poisson.poisson_pmf(mean, n)
    m = np.zeros(n)
    scale = 1.0 / -math.expm1(-mean)  # 1 / P(D > 0), exact even for tiny means
    for j in range(n):
        acc = 1.0 if j == 0 else 0.0
        for lag in range(1, j + 1):
            acc += pmf[lag] * m[j - lag]
        m[j] = acc * scale
    return m


@njit(cache=True)
def _cost_terms(
    s: int, big_s: int, k: float, m: FloatArray, g: FloatArray, mean_lt: float, p: float
) -> tuple[float, float]:  # pragma: no cover - compiled
    numerator, denominator = k, 0.0
    for j in range(big_s - s):
        numerator += m[j] * _poisson.cost_at(g, big_s - j, mean_lt, p)
        denominator += m[j]
    return numerator, denominator


@njit(cache=True)
def _ss_kernel(
    mean: FloatArray, mean_lt: FloatArray, h: FloatArray, p: FloatArray, k: FloatArray
) -> tuple[IntArray, IntArray, FloatArray]:  # pragma: no cover - compiled
    n_items = mean.size
    s_out = np.empty(n_items, dtype=np.int64)
    big_s_out = np.empty(n_items, dtype=np.int64)
    c_out = np.empty(n_items)
    for i in range(n_items):
        mu, mu_lt, hi, pi, ki = mean[i], mean_lt[i], h[i], p[i], k[i]
        if mu <= 0.0:
            # No demand: the position never falls, nothing is ever ordered or held.
            s_out[i], big_s_out[i], c_out[i] = -1, 0, 0.0
            continue
        g = _poisson.cost_table(mu_lt, hi, pi, _poisson.table_length(mu_lt, 0))
        best = _poisson.best_level(g)
        while best < 0:
            g = _poisson.cost_table(mu_lt, hi, pi, 2 * g.size)
            best = _poisson.best_level(g)
        m = _renewal(mu, 64)
        # Step 0: lower s from y* until c(s, y*) <= G(s).
        big_s0 = best
        s = best - 1
        num, den = ki + m[0] * g[best], m[0]
        while num / den > _poisson.cost_at(g, s, mu_lt, pi):
            s -= 1
            j = big_s0 - s - 1
            if j >= m.size:
                m = _renewal(mu, 2 * (j + 1))
            num += m[j] * _poisson.cost_at(g, s + 1, mu_lt, pi)
            den += m[j]
        c0 = num / den
        # Step 1: raise S while G(S) <= c0; each improving S pulls s up.
        big_s = big_s0 + 1
        while True:
            if big_s >= g.size:
                g = _poisson.cost_table(mu_lt, hi, pi, 2 * (big_s + 1))
            if g[big_s] > c0:
                break
            if big_s - s > m.size:
                m = _renewal(mu, 2 * (big_s - s))
            num, den = _cost_terms(s, big_s, ki, m, g, mu_lt, pi)
            if num / den < c0:
                big_s0 = big_s
                while s + 1 < big_s0 and num / den <= _poisson.cost_at(g, s + 1, mu_lt, pi):
                    j = big_s0 - s - 1
                    num -= m[j] * _poisson.cost_at(g, s + 1, mu_lt, pi)
                    den -= m[j]
                    s += 1
                # Recomputed rather than updated, so rounding does not accumulate.
                num, den = _cost_terms(s, big_s0, ki, m, g, mu_lt, pi)
                c0 = num / den
            big_s += 1
        s_out[i], big_s_out[i], c_out[i] = s, big_s0, c0
    return s_out, big_s_out, c_out


@njit(cache=True)
def _ss_cost_kernel(
    s: IntArray,
    big_s: IntArray,
    mean: FloatArray,
    mean_lt: FloatArray,
    h: FloatArray,
    p: FloatArray,
    k: FloatArray,
) -> FloatArray:  # pragma: no cover - compiled
    out = np.empty(s.size)
    for i in range(s.size):
        if mean[i] <= 0.0:
            # No demand: the position stays at S for ever (one order, long ago).
            out[i] = h[i] * max(big_s[i], 0) + p[i] * max(-big_s[i], 0)
            continue
        g = _poisson.cost_table(mean_lt[i], h[i], p[i], _poisson.table_length(mean_lt[i], big_s[i]))
        m = _renewal(mean[i], big_s[i] - s[i])
        num, den = _cost_terms(s[i], big_s[i], k[i], m, g, mean_lt[i], p[i])
        out[i] = num / den
    return out


def _ss_inputs(
    holding_cost: ArrayLike,
    stockout_cost: ArrayLike,
    fixed_cost: ArrayLike,
    demand_mean: ArrayLike,
    lead_time: ArrayLike,
) -> tuple[FloatArray, ...]:
    h = finite_positive("holding_cost", holding_cost)
    p = finite_positive("stockout_cost", stockout_cost)
    k = finite_nonnegative("fixed_cost", fixed_cost)
    mu = finite_nonnegative("demand_mean", demand_mean)
    lt = whole("lead_time", lead_time).astype(np.float64)
    h, p, k, mu, lt = broadcast(h, p, k, mu, lt)
    return h, p, k, mu, mu * (lt + 1.0)


def ss_cost_poisson(
    reorder_point: ArrayLike,
    order_up_to_level: ArrayLike,
    holding_cost: ArrayLike,
    stockout_cost: ArrayLike,
    fixed_cost: ArrayLike,
    demand_mean: ArrayLike,
    lead_time: ArrayLike = 0,
) -> FloatArray:
    """Exact expected cost per period c(s, S) of a periodic-review (s, S) policy.

    Parameters
    ----------
    reorder_point : array_like
        Reorder level [s]: order when the position is at or below s; whole number.
    order_up_to_level : array_like
        Order-up-to level [S]; whole number > s.
    holding_cost : array_like
        Holding cost per unit per period [h]; > 0.
    stockout_cost : array_like
        Backorder cost per unit per period [p]; > 0.
    fixed_cost : array_like
        Fixed cost per order [K]; >= 0.
    demand_mean : array_like
        Mean (Poisson) demand per period [μ]; >= 0.
    lead_time : array_like
        Lead time in whole periods [L]; >= 0. Default 0.

    Equations: Snyder & Shen (2nd ed.), eqs. (4.71)–(4.75); Zheng & Federgruen (1991).

    Examples
    --------
    Snyder & Shen, Example 4.7 (h = 1, p = 4, K = 5, μ = 6): c(4, 10) = 8.034.

    >>> round(float(ss_cost_poisson(4, 10, 1, 4, 5, 6)), 3)
    8.034
    """
    s = whole("reorder_point", reorder_point, minimum=None)
    big_s = whole("order_up_to_level", order_up_to_level, minimum=None)
    if np.any(big_s <= s):
        bad = int(np.flatnonzero(np.ravel(big_s <= s))[0])
        raise InvalidInputError(f"order_up_to_level must be > reorder_point (item {bad})")
    h, p, k, mu, mu_lt = _ss_inputs(holding_cost, stockout_cost, fixed_cost, demand_mean, lead_time)
    shape = common_shape(s, big_s, h)
    out = _ss_cost_kernel(
        flat(s, shape),
        flat(big_s, shape),
        flat(mu, shape),
        flat(mu_lt, shape),
        flat(h, shape),
        flat(p, shape),
        flat(k, shape),
    )
    return np.asarray(out, dtype=np.float64).reshape(shape)


def ss_optimal_poisson(
    holding_cost: ArrayLike,
    stockout_cost: ArrayLike,
    fixed_cost: ArrayLike,
    demand_mean: ArrayLike,
    lead_time: ArrayLike = 0,
) -> SSPolicy:
    """Optimal periodic-review (s, S) policy under Poisson demand (Zheng & Federgruen, 1991).

    Their algorithm: start with S = y* (the minimiser of G) and lower s until
    c(s, y*) <= G(s); then raise S while G(S) stays at or below the best cost found,
    and whenever c(s, S) beats it, adopt S and raise s while c(s, S) <= G(s + 1). It
    evaluates little more than one policy's worth of costs. A compiled loop over items.

    Parameters
    ----------
    holding_cost : array_like
        Holding cost per unit per period [h]; > 0.
    stockout_cost : array_like
        Backorder cost per unit per period [p]; > 0.
    fixed_cost : array_like
        Fixed cost per order [K]; >= 0.
    demand_mean : array_like
        Mean (Poisson) demand per period [μ]; >= 0 (0 gives s = −1, S = 0, cost 0).
    lead_time : array_like
        Lead time in whole periods [L]; >= 0. Default 0.

    Returns
    -------
    :class:`SSPolicy` of arrays (reorder_point s and order_up_to_level S as int64; cost).

    Equations: Y.-S. Zheng and A. Federgruen, "Finding optimal (s, S) policies is about as
    simple as evaluating a single policy", *Operations Research* 39(4), 654–665, 1991;
    Snyder & Shen (2nd ed.), eqs. (4.71)–(4.75).

    Examples
    --------
    Snyder & Shen, Example 4.7 (h = 1, p = 4, K = 5, μ = 6): s = 4, S = 10, c = 8.034.
    Zheng & Federgruen (1991), h = 1, p = 9, K = 64, μ = 10: s = 6, S = 40, c = 35.022.

    >>> s, big_s, c = ss_optimal_poisson(1, 4, 5, 6)
    >>> int(s), int(big_s), round(float(c), 3)
    (4, 10, 8.034)
    >>> s, big_s, c = ss_optimal_poisson(1, 9, 64, 10)
    >>> int(s), int(big_s), round(float(c), 3)
    (6, 40, 35.022)
    """
    h, p, k, mu, mu_lt = _ss_inputs(holding_cost, stockout_cost, fixed_cost, demand_mean, lead_time)
    shape = h.shape
    s, big_s, c = _ss_kernel(
        flat(mu, shape), flat(mu_lt, shape), flat(h, shape), flat(p, shape), flat(k, shape)
    )
    return SSPolicy(s.reshape(shape), big_s.reshape(shape), c.reshape(shape))
