"""Service-level helpers behind Takt's policy parameters: lead-time demand, safety stock,
reorder point, order-up-to level, MOQ/pack rounding, kanban count and days of cover.

All time quantities of one call share one unit (days, weeks): demand is per that unit,
lead time and review period are counted in it.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.special import ndtri

from takt.policy._checks import (
    ArrayLike,
    FloatArray,
    IntArray,
    broadcast,
    finite,
    finite_nonnegative,
    finite_positive,
    probability,
)
from takt.policy.normal import G_AT_ZERO, inverse_standard_normal_loss

# Quantities within this relative distance of a whole number of packs or containers count
# as that whole number: 3·(1/3)·3 must give 3 containers, not 4.
_ROUNDING_SLACK = 1e-12


class DemandOverInterval(NamedTuple):
    """Mean and standard deviation of demand over the protection interval."""

    mean: FloatArray
    sd: FloatArray


def lead_time_demand(
    demand_mean: ArrayLike,
    demand_sd: ArrayLike,
    lead_time_mean: ArrayLike,
    lead_time_sd: ArrayLike = 0.0,
    review_period: ArrayLike = 0.0,
) -> DemandOverInterval:
    """Demand over a random lead time plus a review period.

    Protection interval P = R + L with L random (mean μ_L, sd σ_L) and demand per period
    independent (mean μ_d, sd σ_d):

        mean = μ_d·(R + μ_L),   variance = (R + μ_L)·σ_d² + μ_d²·σ_L².

    Parameters
    ----------
    demand_mean : array_like
        Mean demand per period [μ_d]; >= 0.
    demand_sd : array_like
        Standard deviation of demand per period [σ_d]; >= 0.
    lead_time_mean : array_like
        Mean replenishment lead time in periods [μ_L]; >= 0.
    lead_time_sd : array_like
        Standard deviation of the lead time [σ_L]; >= 0. Default 0 (a constant lead time).
    review_period : array_like
        Review period R in periods; >= 0. Default 0 (continuous review).

    Returns
    -------
    :class:`DemandOverInterval` of arrays (mean, sd).

    Equations: Silver, Pyke & Thomas, *Inventory and Production Management in Supply
    Chains* (4th ed., 2017), ch. 6, eqs. for the mean and variance of demand over a
    random lead time; periodic review protects R + L (ch. 6, (R, S) systems).

    Examples
    --------
    The Dell example of Chopra & Meindl, *Supply Chain Management* (safety-inventory
    chapter): μ_d = 2,500/day, σ_d = 500, μ_L = 7 days, σ_L = 7 days: σ = 17,550
    (and 1,323 with a constant lead time).

    >>> m, s = lead_time_demand(2500, 500, 7, 7)
    >>> round(float(m)), round(float(s))
    (17500, 17550)
    >>> round(float(lead_time_demand(2500, 500, 7).sd))
    1323
    """
    mu_d = finite_nonnegative("demand_mean", demand_mean)
    sd_d = finite_nonnegative("demand_sd", demand_sd)
    mu_l = finite_nonnegative("lead_time_mean", lead_time_mean)
    sd_l = finite_nonnegative("lead_time_sd", lead_time_sd)
    r = finite_nonnegative("review_period", review_period)
    mu_d, sd_d, mu_l, sd_l, r = broadcast(mu_d, sd_d, mu_l, sd_l, r)
    periods = mu_l + r
    mean = mu_d * periods
    sd = np.sqrt(periods * sd_d**2 + mu_d**2 * sd_l**2)
    return DemandOverInterval(np.asarray(mean, dtype=np.float64), np.asarray(sd, dtype=np.float64))


def safety_factor_for_cycle_service(cycle_service_level: ArrayLike) -> FloatArray:
    """Safety factor z_α = Φ⁻¹(α) for a cycle service level α (P(no stock-out per cycle)).

    Parameters
    ----------
    cycle_service_level : array_like
        Target probability of no stock-out in a replenishment cycle [α]; inside (0, 1).

    Equations: Silver, Pyke & Thomas (4th ed.), ch. 6 (P₁ service, k = Φ⁻¹(P₁)).

    Examples
    --------
    >>> round(float(safety_factor_for_cycle_service(0.95)), 3)
    1.645
    """
    return np.asarray(
        ndtri(probability("cycle_service_level", cycle_service_level)), dtype=np.float64
    )


def safety_stock_cycle_service(
    cycle_service_level: ArrayLike, demand_sd_over_interval: ArrayLike
) -> FloatArray:
    """Safety stock for a cycle service level: SS = z_α·σ.

    Parameters
    ----------
    cycle_service_level : array_like
        Target probability of no stock-out per cycle [α]; inside (0, 1).
    demand_sd_over_interval : array_like
        Standard deviation of demand over the protection interval [σ_L or σ_{R+L}]
        (see :func:`lead_time_demand`); >= 0.

    Returns
    -------
    Array of SS. Below α = 0.5 it is negative (stock is planned to run out more often
    than not); callers that do not want that clip at zero.

    Equations: Silver, Pyke & Thomas (4th ed.), ch. 6 (SS = k·σ_L, k = Φ⁻¹(P₁)).

    Examples
    --------
    Chopra & Meindl's Dell example: α = 0.90, σ = 17,550 gives SS = 22,491 (1,695 with
    a constant lead time, σ = 1,323).

    >>> round(float(safety_stock_cycle_service(0.90, 17549.93)))
    22491
    """
    z = safety_factor_for_cycle_service(cycle_service_level)
    sd = finite_nonnegative("demand_sd_over_interval", demand_sd_over_interval)
    z, sd = broadcast(z, sd)
    return np.asarray(z * sd, dtype=np.float64)


def safety_factor_for_fill_rate(
    fill_rate: ArrayLike,
    order_quantity: ArrayLike,
    demand_sd_over_interval: ArrayLike,
    *,
    allow_negative: bool = False,
) -> FloatArray:
    """Safety factor k for a fill rate β: the k with σ·G(k) = (1 − β)·Q.

    The expected shortage per cycle σ·G(k) may be (1 − β) of the quantity that a cycle
    replenishes. Where σ = 0 the shortage is zero for any k ≥ 0, so k = 0.

    Parameters
    ----------
    fill_rate : array_like
        Target fraction of demand met from stock [β, P₂]; inside (0, 1).
    order_quantity : array_like
        Quantity replenished per cycle [Q] (for periodic review, the mean demand per review
        period); > 0.
    demand_sd_over_interval : array_like
        Standard deviation of demand over the protection interval [σ]; >= 0.
    allow_negative : bool
        Keep negative k (a large Q meets the fill rate with less than the mean
        lead-time demand on hand). Default False: k is floored at 0, the usual practice.

    Equations: Silver, Pyke & Thomas (4th ed.), ch. 6 (P₂ service: σ_L·G_u(k) = (1 − P₂)·Q).

    Examples
    --------
    β = 0.99, Q = 833, σ = 100: G(k) = 0.0833, so k = 1.0 (table value G(1) = 0.0833).

    >>> round(float(safety_factor_for_fill_rate(0.99, 833, 100)), 2)
    1.0
    """
    beta, q, sd = _fill_rate_inputs(fill_rate, order_quantity, demand_sd_over_interval)
    k = _fill_rate_factor(beta, q, sd)
    return np.asarray(k if allow_negative else np.maximum(k, 0.0), dtype=np.float64)


def _fill_rate_inputs(
    fill_rate: ArrayLike, order_quantity: ArrayLike, demand_sd_over_interval: ArrayLike
) -> tuple[FloatArray, ...]:
    beta = probability("fill_rate", fill_rate)
    q = finite_positive("order_quantity", order_quantity)
    sd = finite_nonnegative("demand_sd_over_interval", demand_sd_over_interval)
    return broadcast(beta, q, sd)


def _fill_rate_factor(beta: FloatArray, q: FloatArray, sd: FloatArray) -> FloatArray:
    """Unclipped k; −inf where σ is so small against (1 − β)·Q that G(k) overflows."""
    random = sd > 0
    with np.errstate(over="ignore"):
        target = np.where(random, (1.0 - beta) * q / np.where(random, sd, 1.0), G_AT_ZERO)
    solvable = random & np.isfinite(target)
    k = np.zeros_like(target)
    k[solvable] = inverse_standard_normal_loss(target[solvable])
    k[random & ~solvable] = -np.inf
    return k


def safety_stock_fill_rate(
    fill_rate: ArrayLike,
    order_quantity: ArrayLike,
    demand_sd_over_interval: ArrayLike,
    *,
    allow_negative: bool = False,
) -> FloatArray:
    """Safety stock for a fill rate β: SS = k·σ with σ·G(k) = (1 − β)·Q.

    Parameters as in :func:`safety_factor_for_fill_rate`. Where σ is negligible against
    (1 − β)·Q the (negative) safety stock tends to −(1 − β)·Q, since G(k) ≈ −k there.

    Equations: Silver, Pyke & Thomas (4th ed.), ch. 6 (P₂ service).

    Examples
    --------
    β = 0.99, Q = 833, σ = 100: SS = 1.0 × 100 = 100.

    >>> round(float(safety_stock_fill_rate(0.99, 833, 100)))
    100
    """
    beta, q, sd = _fill_rate_inputs(fill_rate, order_quantity, demand_sd_over_interval)
    k = _fill_rate_factor(beta, q, sd)
    with np.errstate(invalid="ignore"):
        ss = np.where(np.isfinite(k), k * sd, -(1.0 - beta) * q)
    return np.asarray(ss if allow_negative else np.maximum(ss, 0.0), dtype=np.float64)


def reorder_point(lead_time_demand_mean: ArrayLike, safety_stock: ArrayLike) -> FloatArray:
    """Reorder point r = expected lead-time demand + safety stock.

    Parameters
    ----------
    lead_time_demand_mean : array_like
        Expected demand over the lead time [μ_L·μ_d]; >= 0.
    safety_stock : array_like
        Safety stock [SS]; finite (may be negative).

    Equations: Silver, Pyke & Thomas (4th ed.), ch. 6 ((s, Q) systems, s = x̂_L + SS).

    Examples
    --------
    Chopra & Meindl's Dell example: 17,500 expected over the lead time + SS 22,491.

    >>> round(float(reorder_point(17500, 22491)))
    39991
    """
    mean = finite_nonnegative("lead_time_demand_mean", lead_time_demand_mean)
    mean, ss = broadcast(mean, finite("safety_stock", safety_stock))
    return np.asarray(mean + ss, dtype=np.float64)


def order_up_to_level(demand_mean_over_interval: ArrayLike, safety_stock: ArrayLike) -> FloatArray:
    """Order-up-to level S = expected demand over R + L + safety stock.

    Parameters
    ----------
    demand_mean_over_interval : array_like
        Expected demand over review period plus lead time [μ_d·(R + μ_L)]; >= 0.
    safety_stock : array_like
        Safety stock for the R + L interval [SS]; finite.

    Equations: Silver, Pyke & Thomas (4th ed.), ch. 6 ((R, S) systems, S = x̂_{R+L} + SS).

    Examples
    --------
    Weekly review (R = 7 days) added to the Dell example: demand over R + L has mean
    35,000 and σ = √(14·500² + 2,500²·7²) = 17,600, so at α = 0.90 S = 35,000 + 22,555.

    >>> m, s = lead_time_demand(2500, 500, 7, 7, review_period=7)
    >>> round(float(order_up_to_level(m, safety_stock_cycle_service(0.90, s))))
    57555
    """
    mean = finite_nonnegative("demand_mean_over_interval", demand_mean_over_interval)
    mean, ss = broadcast(mean, finite("safety_stock", safety_stock))
    return np.asarray(mean + ss, dtype=np.float64)


def round_order_quantity(
    quantity: ArrayLike, minimum_order_quantity: ArrayLike = 0.0, pack_size: ArrayLike = 1.0
) -> FloatArray:
    """Round order quantities up to the MOQ and then up to a whole number of packs.

    A quantity of zero (nothing to order) stays zero; any positive quantity becomes the
    smallest whole multiple of the pack that is at least the quantity and the MOQ.

    Parameters
    ----------
    quantity : array_like
        Raw order quantity (EOQ, proposal); >= 0.
    minimum_order_quantity : array_like
        Supplier's minimum order quantity [MOQ]; >= 0. Default 0.
    pack_size : array_like
        Pack (case, lot) multiple; > 0. Default 1 (whole units).

    Equations: Takt architecture notes (EOQ, then rounded up to MOQ and pack multiple);
    Silver, Pyke & Thomas (4th ed.), ch. 4 (rounding the EOQ to allowable quantities).

    Examples
    --------
    EOQ 304.05, MOQ 500, packs of 48: 11 packs = 528.

    >>> round_order_quantity([304.05, 0.0, 600.0], 500, 48).tolist()
    [528.0, 0.0, 624.0]
    """
    q = finite_nonnegative("quantity", quantity)
    moq = finite_nonnegative("minimum_order_quantity", minimum_order_quantity)
    pack = finite_positive("pack_size", pack_size)
    q, moq, pack = broadcast(q, moq, pack)
    wanted = np.maximum(q, moq)
    packs = _ceil_with_slack(wanted / pack)
    rounded = packs * pack
    # Float safety: never return less than asked for because of the slack.
    rounded = np.where(rounded < wanted, (packs + 1.0) * pack, rounded)
    return np.asarray(np.where(q > 0, rounded, 0.0), dtype=np.float64)


def _ceil_with_slack(x: FloatArray) -> FloatArray:
    return np.asarray(np.ceil(x - _ROUNDING_SLACK * np.maximum(1.0, np.abs(x))), dtype=np.float64)


def kanban_count(
    demand_rate: ArrayLike,
    replenishment_time: ArrayLike,
    container_quantity: ArrayLike,
    safety_factor: ArrayLike = 0.0,
) -> IntArray:
    """Number of kanban cards N = ⌈D·L·(1 + α)/C⌉.

    Parameters
    ----------
    demand_rate : array_like
        Demand per time unit [D]; >= 0.
    replenishment_time : array_like
        Time from card release to refill, in the unit of D (order + lead + handling) [L]; >= 0.
    container_quantity : array_like
        Units per container [C]; > 0.
    safety_factor : array_like
        Safety allowance as a fraction [α]; >= 0 (Toyota practice: 0–0.10). Default 0.

    Returns
    -------
    Array of N (int64): at least 1 wherever D·L > 0, 0 where there is no demand.

    Equations: Y. Monden, *Toyota Production System: An Integrated Approach to
    Just-In-Time*, the number of kanbans y = D·L·(1 + α)/a rounded up; Takt architecture
    notes (kanban count).

    Examples
    --------
    D = 400/day, L = 0.5 day, α = 0.1, C = 25: N = ⌈8.8⌉ = 9.

    >>> int(kanban_count(400, 0.5, 25, 0.1))
    9
    """
    d = finite_nonnegative("demand_rate", demand_rate)
    lt = finite_nonnegative("replenishment_time", replenishment_time)
    c = finite_positive("container_quantity", container_quantity)
    alpha = finite_nonnegative("safety_factor", safety_factor)
    d, lt, c, alpha = broadcast(d, lt, c, alpha)
    need = d * lt * (1.0 + alpha) / c
    # Any demand over the replenishment time needs at least one card in the loop.
    demanded = (d > 0) & (lt > 0)
    return np.where(demanded, np.maximum(_ceil_with_slack(need), 1.0), 0.0).astype(np.int64)


def days_of_cover(stock: ArrayLike, daily_demand: ArrayLike) -> FloatArray:
    """Days the stock lasts at the daily demand: stock / demand.

    Parameters
    ----------
    stock : array_like
        Units available (on hand, or inventory position); finite. Negative stock
        (backorders) covers 0 days.
    daily_demand : array_like
        Expected demand per day; >= 0. With no demand, positive stock covers +inf days.

    Equations: time supply (stock over usage rate), as in Silver, Pyke & Thomas (4th ed.);
    Takt architecture notes (time-to-survive uses the same cover).

    Examples
    --------
    >>> days_of_cover([1200, 0, 50, -10], [100, 100, 0, 5]).tolist()
    [12.0, 0.0, inf, 0.0]
    """
    units = np.maximum(finite("stock", stock), 0.0)
    demand = finite_nonnegative("daily_demand", daily_demand)
    units, demand = broadcast(units, demand)
    with np.errstate(divide="ignore", invalid="ignore"):
        cover = np.where(demand > 0, units / np.where(demand > 0, demand, 1.0), np.inf)
    return np.asarray(np.where(units > 0, cover, 0.0), dtype=np.float64)
