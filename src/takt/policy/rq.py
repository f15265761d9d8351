"""Continuous-review (r, Q) policies: order Q whenever the inventory position falls to r.

Notation of Snyder & Shen (2nd ed., ch. 5): h holding and p backorder cost per unit per
time unit, K fixed cost per order, λ and τ the mean and standard deviation of demand per
time unit, L the lead time in the same time unit. Lead-time demand then has mean
μ = λL and, for normal demand, standard deviation σ = τ√L.

The expected cost per time unit is (eq. (5.7))

    g(r, Q) = (K·λ + ∫_r^{r+Q} g(y) dy) / Q,   g(y) = h·E[(y − D)⁺] + p·E[(D − y)⁺],

with D the lead-time demand (a sum over y = r + 1 … r + Q for discrete demand, eq. (5.48)).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit
from scipy.special import ndtri

from takt.policy import _poisson
from takt.policy._checks import (
    ArrayLike,
    FloatArray,
    IntArray,
    broadcast,
    common_shape,
    finite,
    finite_nonnegative,
    finite_positive,
    flat,
    whole,
)
from takt.policy.eoq import economic_order_quantity, eoq_with_backorders
from takt.policy.normal import _density, _second_loss, _upper_tail

_MAX_ITER = 200
_TOL = 1e-12


class RQPolicy(NamedTuple):
    """Reorder point r, order quantity Q and expected cost per time unit g(r, Q)."""

    reorder_point: FloatArray
    order_quantity: FloatArray
    cost: FloatArray


class RQPolicyInt(NamedTuple):
    """Integer reorder point r and order quantity Q (discrete demand), and their cost."""

    reorder_point: IntArray
    order_quantity: IntArray
    cost: FloatArray


def _rq_inputs(
    holding_cost: ArrayLike,
    stockout_cost: ArrayLike,
    fixed_cost: ArrayLike,
    demand_rate: ArrayLike,
    demand_sd: ArrayLike,
    lead_time: ArrayLike,
) -> tuple[FloatArray, ...]:
    h = finite_positive("holding_cost", holding_cost)
    p = finite_positive("stockout_cost", stockout_cost)
    k = finite_nonnegative("fixed_cost", fixed_cost)
    lam = finite_nonnegative("demand_rate", demand_rate)
    tau = finite_nonnegative("demand_sd", demand_sd)
    lt = finite_nonnegative("lead_time", lead_time)
    h, p, k, lam, tau, lt = broadcast(h, p, k, lam, tau, lt)
    return h, p, k, lam, lam * lt, tau * np.sqrt(lt)


def _integral(a: FloatArray, b: FloatArray, h: FloatArray, p: FloatArray) -> FloatArray:
    """∫_a^b ĝ(u) du for the standardised one-period cost ĝ(u) = h·u + (h + p)·G(u)."""
    return np.asarray(
        0.5 * h * (b * b - a * a) + (h + p) * (_second_loss(a) - _second_loss(b)),
        dtype=np.float64,
    )


def rq_cost_normal(
    reorder_point: ArrayLike,
    order_quantity: ArrayLike,
    holding_cost: ArrayLike,
    stockout_cost: ArrayLike,
    fixed_cost: ArrayLike,
    demand_rate: ArrayLike,
    demand_sd: ArrayLike,
    lead_time: ArrayLike,
) -> FloatArray:
    """Exact expected cost per time unit of an (r, Q) policy under normal demand.

    g(r, Q) = [K·λ + h·Q·(r − μ + Q/2) + (h + p)·(n⁽²⁾(r) − n⁽²⁾(r + Q))] / Q, with
    n⁽²⁾(x) = σ²·G⁽²⁾((x − μ)/σ) the second-order loss of lead-time demand.

    Parameters
    ----------
    reorder_point : array_like
        Reorder point [r]; finite.
    order_quantity : array_like
        Order quantity [Q]; > 0.
    holding_cost : array_like
        Holding cost per unit per time unit [h]; > 0.
    stockout_cost : array_like
        Backorder cost per unit per time unit [p]; > 0.
    fixed_cost : array_like
        Fixed cost per order [K]; >= 0.
    demand_rate : array_like
        Mean demand per time unit [λ]; >= 0.
    demand_sd : array_like
        Standard deviation of demand per time unit [τ]; >= 0.
    lead_time : array_like
        Lead time, in the time unit of λ [L]; >= 0.

    Equations: Snyder & Shen, *Fundamentals of Supply Chain Theory* (2nd ed., 2019),
    eq. (5.7) with the second-order loss (C.33).

    Examples
    --------
    Snyder & Shen, Example 5.1 (h = 0.225, p = 7.5, K = 8, λ = 1300, τ = 150,
    L = 1/12): g(126.8, 328.5) = 78.07.

    >>> round(float(rq_cost_normal(126.8, 328.5, 0.225, 7.5, 8, 1300, 150, 1 / 12)), 2)
    78.07
    """
    r = finite("reorder_point", reorder_point)
    q = finite_positive("order_quantity", order_quantity)
    h, p, k, lam, mu, sigma = _rq_inputs(
        holding_cost, stockout_cost, fixed_cost, demand_rate, demand_sd, lead_time
    )
    r, q, h, p, k, lam, mu, sigma = broadcast(r, q, h, p, k, lam, mu, sigma)
    safe = np.where(sigma > 0, sigma, 1.0)
    a, b = (r - mu) / safe, (r + q - mu) / safe

    def second(x: FloatArray, y: FloatArray) -> FloatArray:
        return np.where(sigma > 0, safe * safe * _second_loss(x), 0.5 * np.maximum(-y, 0.0) ** 2)

    expected_shortage_area = second(a, r - mu) - second(b, r + q - mu)
    return np.asarray(
        (k * lam + h * q * (r - mu + q / 2.0) + (h + p) * expected_shortage_area) / q,
        dtype=np.float64,
    )


def _level_crossing(c: FloatArray, u: FloatArray, h: FloatArray, p: FloatArray) -> FloatArray:
    """Solve ĝ(u) = c by Newton's method from a start outside the level set {ĝ ≤ c}.

    ĝ is convex, so from outside every Newton step stays outside and moves towards the
    crossing: the iterates are monotone, no safeguard is needed.
    """
    u = u.copy()
    active = np.arange(u.size)
    for _ in range(_MAX_ITER):
        if active.size == 0:
            break
        ua, ca, ha, pa = u[active], c[active], h[active], p[active]
        tail = _upper_tail(ua)  # 1 − Φ(u); G(u) = φ(u) − u·tail, ĝ′(u) = h − (h + p)·tail
        value = ha * ua + (ha + pa) * (_density(ua) - ua * tail) - ca
        slope = ha - (ha + pa) * tail
        # From outside value > 0; value <= 0 means the crossing is reached to rounding.
        moving = (value > 0.0) & (slope != 0.0)
        step = np.where(moving, value / np.where(moving, slope, 1.0), 0.0)
        u[active] = ua - step
        active = active[np.abs(step) > _TOL * (1.0 + np.abs(ua))]
    return u


def _rq_standardised(
    h: FloatArray, p: FloatArray, kappa: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Optimal (a, b, c) of the standardised problem: r = μ + σa, r + Q = μ + σb, cost σc.

    With κ = Kλ/σ², the optimum is the level c at which {u : ĝ(u) ≤ c} = [a, b] and
    F(c) = ∫_a^b (c − ĝ(u)) du equals κ (so ĝ(a) = ĝ(b) = c = g(r, Q)/σ). F is convex and
    increasing with F′(c) = b − a, so Newton's method from a c with F(c) ≥ κ falls
    monotonically onto the root; c₀ = ĝ_min + √(2κhp/(h + p)) (the EOQ-with-backorders
    cost above the newsvendor minimum) is such a start because ĝ rises at most with
    slope p to the left and h to the right.
    """
    u_star = np.asarray(ndtri(p / (h + p)), dtype=np.float64)
    g_min = (h + p) * _density(u_star)
    rise = np.sqrt(2.0 * kappa * h * p / (h + p))
    # An ordering cost below 1e-8 of the newsvendor cost cannot be resolved against it in
    # floating point: such items are solved as K = 0 (Q = 0, r at the newsvendor level).
    kappa = np.where(rise > 1e-8 * g_min, kappa, 0.0)
    c = g_min + rise
    # Any policy's cost is also ≥ the optimum: the deterministic optimum shifted to the
    # newsvendor level is usually a much tighter start.
    width = np.sqrt(2.0 * kappa * (h + p) / (h * p))
    a0 = u_star - h / (h + p) * width
    with np.errstate(divide="ignore", invalid="ignore"):
        c_try = (kappa + _integral(a0, a0 + width, h, p)) / width
    c = np.where(np.isfinite(c_try) & (c_try < c), c_try, c)
    # ĝ(u) ≥ −p·u and ĝ(u) ≥ h·u, so these starts lie outside the level set.
    a, b = -c / p, c / h
    active = np.flatnonzero(kappa > 0)
    for _ in range(_MAX_ITER):
        if active.size == 0:
            break
        ha, pa, ca = h[active], p[active], c[active]
        aa = _level_crossing(ca, a[active], ha, pa)
        ba = _level_crossing(ca, b[active], ha, pa)
        width = np.maximum(ba - aa, np.finfo(np.float64).tiny)
        surplus = ca * width - _integral(aa, ba, ha, pa)
        step = (kappa[active] - surplus) / width
        a[active], b[active] = aa, ba
        c[active] = ca + step
        active = active[np.abs(step) > _TOL * (1.0 + np.abs(ca))]
    # The last step moved c by under 1e-12 relative, so a and b (the crossings of the level
    # before it) are the optimum to that precision.
    zero = kappa <= 0
    a = np.where(zero, u_star, a)
    b = np.where(zero, u_star, b)
    return a, b, c


def rq_optimal_normal(
    holding_cost: ArrayLike,
    stockout_cost: ArrayLike,
    fixed_cost: ArrayLike,
    demand_rate: ArrayLike,
    demand_sd: ArrayLike,
    lead_time: ArrayLike,
) -> RQPolicy:
    """Exact optimal (r, Q) under normal lead-time demand, for all items at once.

    The optimum satisfies g(r) = g(r + Q) = g(r*, Q*) (Snyder & Shen, eq. (5.9);
    Zheng, 1992): the interval [r, r + Q] is the level set of the one-period
    cost g at the optimal cost. The level is found by Newton's method on the level
    (see :func:`_rq_standardised`), every item iterating together until all converge.
    The book's iterative algorithm (eqs. (5.28)–(5.29)) drops the n(r + Q) terms of these
    conditions; where r + Q lies several σ above the mean, as in Examples 5.1–5.6, the
    two agree to the printed digits, and elsewhere this one is never costlier. With
    σ = 0 it reduces to the EOQ with planned backorders.

    Parameters
    ----------
    holding_cost : array_like
        Holding cost per unit per time unit [h]; > 0.
    stockout_cost : array_like
        Backorder cost per unit per time unit [p]; > 0.
    fixed_cost : array_like
        Fixed cost per order [K]; >= 0 (K = 0 gives Q = 0, r = the newsvendor level).
    demand_rate : array_like
        Mean demand per time unit [λ]; >= 0.
    demand_sd : array_like
        Standard deviation of demand per time unit [τ]; >= 0.
    lead_time : array_like
        Lead time in the time unit of λ [L]; >= 0.

    Returns
    -------
    :class:`RQPolicy` of arrays (reorder_point, order_quantity, cost).

    Equations: Snyder & Shen (2nd ed.), eqs. (5.7), (5.9), (5.28)–(5.29); Y.-S. Zheng,
    "On properties of stochastic inventory systems", *Management Science* 38(1), 1992.

    Examples
    --------
    Snyder & Shen, Examples 5.1–5.6 (h = 0.225, p = 7.5, K = 8, λ = 1300,
    τ = 150, L = 1/12): r = 126.87, Q = 328.45 (Example 5.6), g = 78.07 (Example 5.1).

    >>> r, q, g = rq_optimal_normal(0.225, 7.5, 8, 1300, 150, 1 / 12)
    >>> round(float(r), 2), round(float(q), 2), round(float(g), 2)
    (126.87, 328.45, 78.07)
    """
    h, p, k, lam, mu, sigma = _rq_inputs(
        holding_cost, stockout_cost, fixed_cost, demand_rate, demand_sd, lead_time
    )
    shape = h.shape
    h, p, k, lam, mu, sigma = (np.ravel(x) for x in (h, p, k, lam, mu, sigma))
    random = sigma > 0
    safe = np.where(random, sigma, 1.0)
    a, b, c = _rq_standardised(h, p, np.where(random, k * lam / safe**2, 0.0))
    # Deterministic lead-time demand: the EOQ with planned backorders, r = μ − backorder.
    q_det, x_det, g_det = eoq_with_backorders(k, h, p, lam)
    r = np.where(random, mu + sigma * a, mu - x_det * q_det)
    q = np.where(random, sigma * (b - a), q_det)
    cost = np.where(random, sigma * c, g_det)
    return RQPolicy(r.reshape(shape), q.reshape(shape), cost.reshape(shape))


def rq_eoq_ss_approximation(
    holding_cost: ArrayLike,
    stockout_cost: ArrayLike,
    fixed_cost: ArrayLike,
    demand_rate: ArrayLike,
    demand_sd: ArrayLike,
    lead_time: ArrayLike,
) -> tuple[FloatArray, FloatArray]:
    """EOQ + safety stock approximation: Q = √(2Kλ/h), r = μ + σ·Φ⁻¹(p/(p + h)).

    Parameters
    ----------
    holding_cost, stockout_cost, fixed_cost, demand_rate, demand_sd, lead_time : array_like
        [h] > 0, [p] > 0, [K] >= 0, [λ] >= 0, [τ] >= 0, [L] >= 0 as in
        :func:`rq_optimal_normal`.

    Returns
    -------
    (reorder_point, order_quantity) arrays.

    Equations: Snyder & Shen (2nd ed.), eqs. (3.4) and (5.21).

    Examples
    --------
    Snyder & Shen, Example 5.5: r = 190.34, Q = 304.05.

    >>> r, q = rq_eoq_ss_approximation(0.225, 7.5, 8, 1300, 150, 1 / 12)
    >>> round(float(r), 2), round(float(q), 2)
    (190.34, 304.05)
    """
    h, p, k, lam, mu, sigma = _rq_inputs(
        holding_cost, stockout_cost, fixed_cost, demand_rate, demand_sd, lead_time
    )
    z = np.asarray(ndtri(p / (p + h)), dtype=np.float64)
    return np.asarray(mu + sigma * z, dtype=np.float64), economic_order_quantity(k, h, lam)


@njit(cache=True)
def _rq_poisson_kernel(
    mean: FloatArray, h: FloatArray, p: FloatArray, k_lambda: FloatArray
) -> tuple[IntArray, IntArray, FloatArray]:  # pragma: no cover - compiled
    n_items = mean.size
    r_out = np.empty(n_items, dtype=np.int64)
    q_out = np.empty(n_items, dtype=np.int64)
    c_out = np.empty(n_items)
    for i in range(n_items):
        mu, hi, pi = mean[i], h[i], p[i]
        g = _poisson.cost_table(mu, hi, pi, _poisson.table_length(mu, 0))
        best = _poisson.best_level(g)
        while best < 0:
            g = _poisson.cost_table(mu, hi, pi, 2 * g.size)
            best = _poisson.best_level(g)
        # Federgruen & Zheng (1992): grow the window {r+1, …, r+Q} around the minimiser by
        # the cheaper neighbour while that neighbour costs less than the current average.
        r, q = best - 1, 1
        total = k_lambda[i] + g[best]
        while True:
            right = r + q + 1
            if right >= g.size:
                g = _poisson.cost_table(mu, hi, pi, 2 * right)
            g_left = _poisson.cost_at(g, r, mu, pi)
            g_right = g[right]
            average = total / q
            if min(g_left, g_right) >= average:
                break
            if g_left <= g_right:
                total += g_left
                r -= 1
            else:
                total += g_right
            q += 1
        r_out[i], q_out[i], c_out[i] = r, q, total / q
    return r_out, q_out, c_out


@njit(cache=True)
def _rq_poisson_cost_kernel(
    r: IntArray, q: IntArray, mean: FloatArray, h: FloatArray, p: FloatArray, k_lambda: FloatArray
) -> FloatArray:  # pragma: no cover - compiled
    out = np.empty(r.size)
    for i in range(r.size):
        g = _poisson.cost_table(mean[i], h[i], p[i], _poisson.table_length(mean[i], r[i] + q[i]))
        total = k_lambda[i]
        for y in range(r[i] + 1, r[i] + q[i] + 1):
            total += _poisson.cost_at(g, y, mean[i], p[i])
        out[i] = total / q[i]
    return out


def _poisson_inputs(
    holding_cost: ArrayLike,
    stockout_cost: ArrayLike,
    fixed_cost: ArrayLike,
    demand_rate: ArrayLike,
    lead_time: ArrayLike,
) -> tuple[FloatArray, ...]:
    h = finite_positive("holding_cost", holding_cost)
    p = finite_positive("stockout_cost", stockout_cost)
    k = finite_nonnegative("fixed_cost", fixed_cost)
    lam = finite_nonnegative("demand_rate", demand_rate)
    lt = finite_nonnegative("lead_time", lead_time)
    h, p, k, lam, lt = broadcast(h, p, k, lam, lt)
    return h, p, k * lam, lam * lt


def rq_cost_poisson(
    reorder_point: ArrayLike,
    order_quantity: ArrayLike,
    holding_cost: ArrayLike,
    stockout_cost: ArrayLike,
    fixed_cost: ArrayLike,
    demand_rate: ArrayLike,
    lead_time: ArrayLike,
) -> FloatArray:
    """Exact expected cost per time unit of an integer (r, Q) policy under Poisson demand.

    g(r, Q) = (K·λ + Σ_{y=r+1}^{r+Q} g(y)) / Q, g the one-period cost of Poisson(λL).

    Parameters
    ----------
    reorder_point : array_like
        Reorder point [r]; whole number (may be negative).
    order_quantity : array_like
        Order quantity [Q]; whole number >= 1.
    holding_cost, stockout_cost, fixed_cost, demand_rate, lead_time : array_like
        [h] > 0, [p] > 0, [K] >= 0, [λ] >= 0, [L] >= 0 as in :func:`rq_optimal_poisson`.

    Equations: Snyder & Shen (2nd ed.), eq. (5.48).

    Examples
    --------
    Snyder & Shen, Example 5.8 (h = 20, p = 150, K = 100, λ = 1.5, L = 2): g(3, 5) = 107.92.

    >>> round(float(rq_cost_poisson(3, 5, 20, 150, 100, 1.5, 2)), 2)
    107.92
    """
    r = whole("reorder_point", reorder_point, minimum=None)
    q = whole("order_quantity", order_quantity, minimum=1)
    h, p, k_lambda, mean = _poisson_inputs(
        holding_cost, stockout_cost, fixed_cost, demand_rate, lead_time
    )
    shape = common_shape(r, q, h)
    out = _rq_poisson_cost_kernel(
        flat(r, shape),
        flat(q, shape),
        flat(mean, shape),
        flat(h, shape),
        flat(p, shape),
        flat(k_lambda, shape),
    )
    return np.asarray(out, dtype=np.float64).reshape(shape)


def rq_optimal_poisson(
    holding_cost: ArrayLike,
    stockout_cost: ArrayLike,
    fixed_cost: ArrayLike,
    demand_rate: ArrayLike,
    lead_time: ArrayLike,
) -> RQPolicyInt:
    """Exact optimal integer (r, Q) under Poisson demand (Federgruen & Zheng, 1992).

    Starting from the one-unit window at the minimiser of g, the window
    {r + 1, …, r + Q} is widened by whichever neighbour, g(r) or g(r + Q + 1), is cheaper,
    as long as it costs less than the current average g(r, Q); this stops at the optimum
    because g is convex. A compiled loop over the items.

    Parameters
    ----------
    holding_cost : array_like
        Holding cost per unit per time unit [h]; > 0.
    stockout_cost : array_like
        Backorder cost per unit per time unit [p]; > 0.
    fixed_cost : array_like
        Fixed cost per order [K]; >= 0.
    demand_rate : array_like
        Mean demand per time unit [λ]; >= 0.
    lead_time : array_like
        Lead time in the time unit of λ [L]; >= 0 (lead-time demand is Poisson(λL)).

    Returns
    -------
    :class:`RQPolicyInt` of arrays (reorder_point, order_quantity as int64; cost).

    Equations: Snyder & Shen (2nd ed.), eq. (5.48); A. Federgruen and Y.-S. Zheng,
    "An efficient algorithm for computing an optimal (r, Q) policy in continuous review
    stochastic inventory systems", *Operations Research* 40(4), 808–813, 1992.

    Examples
    --------
    Snyder & Shen, Example 5.8 (h = 20, p = 150, K = 100, λ = 1.5, L = 2):
    r = 3, Q = 5, g = 107.92.

    >>> r, q, g = rq_optimal_poisson(20, 150, 100, 1.5, 2)
    >>> int(r), int(q), round(float(g), 2)
    (3, 5, 107.92)
    """
    h, p, k_lambda, mean = _poisson_inputs(
        holding_cost, stockout_cost, fixed_cost, demand_rate, lead_time
    )
    shape = h.shape
    r, q, c = _rq_poisson_kernel(
        flat(mean, shape), flat(h, shape), flat(p, shape), flat(k_lambda, shape)
    )
    return RQPolicyInt(r.reshape(shape), q.reshape(shape), c.reshape(shape))
