"""Economic order quantities (deterministic demand) and the newsvendor base-stock level.

Units: λ and the holding cost h must use the same time unit (per year, say); then the
costs returned are per that unit. The newsvendor uses costs per period and demand per
period.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.special import ndtri

from takt.policy._checks import (
    ArrayLike,
    FloatArray,
    broadcast,
    finite,
    finite_nonnegative,
    finite_positive,
)
from takt.policy.normal import _density, _loss


def economic_order_quantity(
    fixed_cost: ArrayLike, holding_cost: ArrayLike, demand_rate: ArrayLike
) -> FloatArray:
    """Economic order quantity Q* = √(2Kλ/h).

    Parameters
    ----------
    fixed_cost : array_like
        Fixed cost per order [K]; >= 0.
    holding_cost : array_like
        Holding cost per unit per time unit [h]; > 0 (e.g. unit cost × carrying rate).
    demand_rate : array_like
        Demand per time unit [λ]; >= 0.

    Returns
    -------
    Array of Q*, in units.

    Equations: Snyder & Shen, *Fundamentals of Supply Chain Theory* (2nd ed., 2019),
    eq. (3.4); Silver, Pyke & Thomas (4th ed., 2017), ch. 4.

    Examples
    --------
    Snyder & Shen, Example 3.1 (K = 8, h = 0.225, λ = 1300): Q* = 304.05.

    >>> round(float(economic_order_quantity(8, 0.225, 1300)), 2)
    304.05
    """
    k = finite_nonnegative("fixed_cost", fixed_cost)
    h = finite_positive("holding_cost", holding_cost)
    lam = finite_nonnegative("demand_rate", demand_rate)
    k, h, lam = broadcast(k, h, lam)
    return np.asarray(np.sqrt(2.0 * k * lam / h), dtype=np.float64)


def eoq_cost(
    order_quantity: ArrayLike,
    fixed_cost: ArrayLike,
    holding_cost: ArrayLike,
    demand_rate: ArrayLike,
) -> FloatArray:
    """Ordering plus holding cost per time unit of ordering Q at a time: g(Q) = Kλ/Q + hQ/2.

    At Q = Q* this is the optimal cost g* = √(2Kλh); at a rounded Q (MOQ, pack) it tells
    what the rounding costs.

    Parameters
    ----------
    order_quantity : array_like
        Order quantity [Q]; > 0.
    fixed_cost, holding_cost, demand_rate : array_like
        [K] >= 0, [h] > 0, [λ] >= 0, as in :func:`economic_order_quantity`.

    Equations: Snyder & Shen (2nd ed.), eqs. (3.3) and (3.5).

    Examples
    --------
    Snyder & Shen, Example 3.1: g* = 68.41 at Q* = 304.05.

    >>> q = economic_order_quantity(8, 0.225, 1300)
    >>> round(float(eoq_cost(q, 8, 0.225, 1300)), 2)
    68.41
    """
    q = finite_positive("order_quantity", order_quantity)
    k = finite_nonnegative("fixed_cost", fixed_cost)
    h = finite_positive("holding_cost", holding_cost)
    lam = finite_nonnegative("demand_rate", demand_rate)
    q, k, h, lam = broadcast(q, k, h, lam)
    return np.asarray(k * lam / q + h * q / 2.0, dtype=np.float64)


class EOQBackorders(NamedTuple):
    """Optimal EOQ with planned backorders: Q*, the fraction of the cycle out of stock, g*."""

    order_quantity: FloatArray
    stockout_fraction: FloatArray
    cost: FloatArray


def eoq_with_backorders(
    fixed_cost: ArrayLike,
    holding_cost: ArrayLike,
    stockout_cost: ArrayLike,
    demand_rate: ArrayLike,
) -> EOQBackorders:
    """EOQ with planned backorders: Q* = √(2Kλ(h + p)/(hp)), x* = h/(h + p), g* = √(2Kλhp/(h + p)).

    Parameters
    ----------
    fixed_cost : array_like
        Fixed cost per order [K]; >= 0.
    holding_cost : array_like
        Holding cost per unit per time unit [h]; > 0.
    stockout_cost : array_like
        Backorder cost per unit per time unit [p]; > 0.
    demand_rate : array_like
        Demand per time unit [λ]; >= 0.

    Returns
    -------
    :class:`EOQBackorders` of arrays: order quantity Q*, stockout fraction x* (the share
    of each cycle spent in backorder; the largest backorder is x*·Q*), and cost g*.

    Equations: Snyder & Shen (2nd ed.), §3.5, eqs. (3.27)–(3.29).

    Examples
    --------
    Snyder & Shen, Example 3.8 (K = 8, h = 0.225, p = 5, λ = 1300): Q* = 310.81,
    x* = 0.0431, g* = 66.92.

    >>> q, x, g = eoq_with_backorders(8, 0.225, 5, 1300)
    >>> round(float(q), 2), round(float(x), 4), round(float(g), 2)
    (310.81, 0.0431, 66.92)
    """
    k = finite_nonnegative("fixed_cost", fixed_cost)
    h = finite_positive("holding_cost", holding_cost)
    p = finite_positive("stockout_cost", stockout_cost)
    lam = finite_nonnegative("demand_rate", demand_rate)
    k, h, p, lam = broadcast(k, h, p, lam)
    return EOQBackorders(
        np.asarray(np.sqrt(2.0 * k * lam * (h + p) / (h * p)), dtype=np.float64),
        np.asarray(h / (h + p), dtype=np.float64),
        np.asarray(np.sqrt(2.0 * k * lam * h * p / (h + p)), dtype=np.float64),
    )


class NewsvendorSolution(NamedTuple):
    """Optimal base-stock level S* and its expected cost per period g(S*)."""

    base_stock_level: FloatArray
    cost: FloatArray


def _protected_demand(
    demand_mean: ArrayLike, demand_sd: ArrayLike, lead_time: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    mu = finite_nonnegative("demand_mean", demand_mean)
    sd = finite_nonnegative("demand_sd", demand_sd)
    lt = finite_nonnegative("lead_time", lead_time)
    mu, sd, lt = broadcast(mu, sd, lt)
    periods = lt + 1.0
    return mu * periods, sd * np.sqrt(periods)


def newsvendor_normal_cost(
    base_stock_level: ArrayLike,
    holding_cost: ArrayLike,
    stockout_cost: ArrayLike,
    demand_mean: ArrayLike,
    demand_sd: ArrayLike,
    lead_time: ArrayLike = 0.0,
) -> FloatArray:
    """Expected cost per period of base-stock level S under normal demand.

    g(S) = h·E[(S − D)⁺] + p·E[(D − S)⁺] = σ_P·[h·Ḡ(z) + p·G(z)], z = (S − μ_P)/σ_P,
    where D is demand over the protection interval of L + 1 periods: μ_P = μ(L + 1),
    σ_P = σ√(L + 1) (periodic review, one-period review, lead time L).

    Parameters
    ----------
    base_stock_level : array_like
        Base-stock (order-up-to) level [S]; finite.
    holding_cost : array_like
        Holding cost per unit per period [h]; > 0.
    stockout_cost : array_like
        Backorder (stockout) cost per unit per period [p]; > 0.
    demand_mean : array_like
        Mean demand per period [μ]; >= 0.
    demand_sd : array_like
        Standard deviation of demand per period [σ]; >= 0.
    lead_time : array_like
        Lead time in periods [L]; >= 0. Default 0 (the classical newsvendor).

    Equations: Snyder & Shen (2nd ed.), eq. (4.24) with the normal loss functions
    (C.31)–(C.32); the lead time as in Example 4.4.

    Examples
    --------
    Snyder & Shen, Example 4.1 (h = 0.18, p = 0.70, μ = 50, σ = 8): g(60) = 2.16.

    >>> round(float(newsvendor_normal_cost(60, 0.18, 0.70, 50, 8)), 2)
    2.16
    """
    s = finite("base_stock_level", base_stock_level)
    h = finite_positive("holding_cost", holding_cost)
    p = finite_positive("stockout_cost", stockout_cost)
    mu, sd = _protected_demand(demand_mean, demand_sd, lead_time)
    s, h, p, mu, sd = broadcast(s, h, p, mu, sd)
    return _newsvendor_cost(s, h, p, mu, sd)


def _newsvendor_cost(
    s: FloatArray, h: FloatArray, p: FloatArray, mu: FloatArray, sd: FloatArray
) -> FloatArray:
    safe_sd = np.where(sd > 0, sd, 1.0)
    z = (s - mu) / safe_sd
    shortage = np.where(sd > 0, sd * _loss(z), np.maximum(mu - s, 0.0))
    leftover = shortage + s - mu  # E[(S − D)⁺] = E[(D − S)⁺] + S − μ
    return np.asarray(h * leftover + p * shortage, dtype=np.float64)


def newsvendor_normal(
    holding_cost: ArrayLike,
    stockout_cost: ArrayLike,
    demand_mean: ArrayLike,
    demand_sd: ArrayLike,
    lead_time: ArrayLike = 0.0,
) -> NewsvendorSolution:
    """Optimal base-stock level under normal demand: S* = μ_P + σ_P·Φ⁻¹(p/(p + h)).

    The critical ratio p/(p + h) is the cycle service level the costs imply; the optimal
    cost is g(S*) = (h + p)·σ_P·φ(z*). Demand is protected over L + 1 periods as in
    :func:`newsvendor_normal_cost`.

    Parameters
    ----------
    holding_cost : array_like
        Holding cost per unit per period [h]; > 0.
    stockout_cost : array_like
        Backorder cost per unit per period [p]; > 0.
    demand_mean : array_like
        Mean demand per period [μ]; >= 0.
    demand_sd : array_like
        Standard deviation of demand per period [σ]; >= 0.
    lead_time : array_like
        Lead time in periods [L]; >= 0. Default 0.

    Returns
    -------
    :class:`NewsvendorSolution` of arrays (base_stock_level, cost).

    Equations: Snyder & Shen (2nd ed.), eqs. (4.30) and (4.24); the lead time as in Example 4.4.

    Examples
    --------
    Snyder & Shen, Example 4.3 (h = 0.18, p = 0.70, μ = 50, σ = 8): S* = 56.60,
    g(S*) = 2.00; Example 4.4, the same with lead time L = 4: S* = 264.77.

    >>> s, g = newsvendor_normal(0.18, 0.70, 50, 8)
    >>> round(float(s), 2), round(float(g), 2)
    (56.6, 2.0)
    >>> round(float(newsvendor_normal(0.18, 0.70, 50, 8, lead_time=4).base_stock_level), 2)
    264.77
    """
    h = finite_positive("holding_cost", holding_cost)
    p = finite_positive("stockout_cost", stockout_cost)
    mu, sd = _protected_demand(demand_mean, demand_sd, lead_time)
    h, p, mu, sd = broadcast(h, p, mu, sd)
    z = np.asarray(ndtri(p / (p + h)), dtype=np.float64)
    s = mu + sd * z
    cost = (h + p) * sd * _density(z)
    s, cost = broadcast(np.asarray(s, dtype=np.float64), np.asarray(cost, dtype=np.float64))
    return NewsvendorSolution(s, cost)
