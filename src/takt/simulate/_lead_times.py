"""Lead-time distributions in whole days, as alias tables the kernel draws from in O(1).

A lead time is lognormal with the item's mean μ_L and sd σ_L in days (log-scale parameters
σ² = ln(1 + σ_L²/μ_L²), μ = ln μ_L − σ²/2, so the mean and sd are exactly the given ones;
Silver, Pyke & Thomas, 4th ed., 2017, ch. 6 use the same moments), rounded half up to whole
days: P(ℓ = k) = F(k + ½) − F(k − ½). A constant lead time (σ_L = 0) is round(μ_L).

Each distinct (μ_L, σ_L) pair gets one alias table over [low, high], where low and high are
the 10⁻¹² and 1 − 10⁻¹² quantiles (the mass outside is put on the end values) and high is
capped at the horizon (an order that late never arrives inside the run either way). A
table wider than ``MAX_TABLE_DAYS`` is not built: the kernel then draws the lognormal
itself (ziggurat normal and exp), slower per draw but the same distribution.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

from takt.simulate._random import FloatArray, IntArray, U64Array, alias_entries

MAX_TABLE_DAYS = 128  # at most 256: an entry keeps its alias in 8 bits
_TAIL = 1e-12


@dataclass(frozen=True)
class LeadTimeTables:
    """Per item a profile; per profile the table (or, with size 0, lognormal parameters)."""

    profile: IntArray  # item -> profile
    start: IntArray  # profile -> first entry in ``entries``
    size: IntArray  # profile -> entries (0: draw the lognormal directly)
    low: IntArray  # profile -> lead time of entry 0, in days
    log_mean: FloatArray  # profile -> μ of the lognormal (direct draws)
    log_sd: FloatArray  # profile -> σ of the lognormal (direct draws)
    entries: U64Array  # alias table entries, see ``pack_alias``


def lognormal_log_parameters(mean: FloatArray, sd: FloatArray) -> tuple[FloatArray, FloatArray]:
    """(μ, σ) of the lognormal with the given mean and sd; sd 0 gives σ = 0."""
    safe_mean = np.where(mean > 0, mean, 1.0)
    log_var = np.log1p((sd / safe_mean) ** 2)
    return np.log(safe_mean) - 0.5 * log_var, np.sqrt(log_var)


def rounded_lognormal_pmf(
    mean: float, sd: float, low: int, high: int
) -> FloatArray:  # used by the tables and by the tests
    """P(round(L) = k) for k = low … high, the tails folded onto the end values."""
    mu, sigma = lognormal_log_parameters(np.array([mean]), np.array([sd]))
    edges = np.arange(low, high + 2, dtype=np.float64) - 0.5
    with np.errstate(divide="ignore"):
        z = (np.log(np.maximum(edges, 0.0)) - mu[0]) / sigma[0]
    cdf = ndtr(z)
    cdf[0] = 0.0
    cdf[-1] = 1.0
    return np.asarray(np.diff(cdf), dtype=np.float64)


def build_lead_time_tables(mean: FloatArray, sd: FloatArray, horizon: int) -> LeadTimeTables:
    """Tables for items with lead-time ``mean`` and ``sd`` (days) over a run of ``horizon``."""
    pairs = np.column_stack([mean, sd])
    unique, profile = np.unique(pairs, axis=0, return_inverse=True)
    profile = np.asarray(profile, dtype=np.int64).reshape(-1)
    p_mean, p_sd = unique[:, 0], unique[:, 1]
    cap = horizon + 1
    constant = (p_sd == 0) | (p_mean == 0)
    mu, sigma = lognormal_log_parameters(p_mean, p_sd)
    z = ndtri(_TAIL)
    with np.errstate(over="ignore"):
        low_days = np.floor(np.exp(mu + z * sigma) + 0.5)
        high_days = np.floor(np.exp(mu - z * sigma) + 0.5)
    rounded = np.minimum(np.floor(p_mean + 0.5), cap)
    low = np.where(constant, rounded, np.minimum(low_days, cap)).astype(np.int64)
    high = np.where(constant, rounded, np.minimum(high_days, cap)).astype(np.int64)
    size = high - low + 1
    size = np.where(size > MAX_TABLE_DAYS, 0, size)
    start = np.zeros(len(size), dtype=np.int64)
    np.cumsum(size[:-1], out=start[1:])
    entries = _alias_tables(mu, sigma, low, size, start)
    return LeadTimeTables(
        profile=profile,
        start=start,
        size=size.astype(np.int64),
        low=low,
        log_mean=np.where(constant, 0.0, mu),
        log_sd=np.where(constant, 0.0, sigma),
        entries=entries,
    )


def _alias_tables(
    mu: FloatArray, sigma: FloatArray, low: IntArray, size: IntArray, start: IntArray
) -> U64Array:
    """All tables at once: the pmf of every entry, vectorised, then Vose per profile."""
    total = int(size.sum())
    owner = np.repeat(np.arange(len(size)), size)
    days = low[owner] + (np.arange(total) - start[owner])
    with np.errstate(divide="ignore", invalid="ignore"):
        below = ndtr((np.log(np.maximum(days - 0.5, 0.0)) - mu[owner]) / sigma[owner])
        above = ndtr((np.log(days + 0.5) - mu[owner]) / sigma[owner])
    below[start[size > 0]] = 0.0
    above[(start + size - 1)[size > 0]] = 1.0
    pmf = np.where(sigma[owner] > 0, above - below, 1.0)
    return alias_entries(pmf, start, size)
