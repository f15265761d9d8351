"""The standard normal loss functions and the inverse of the first-order loss.

For Z ~ N(0, 1) with density φ and distribution function Φ:

- loss G(z) = E[(Z − z)⁺] = φ(z) − z·(1 − Φ(z)): the expected shortage, in standard
  deviations, when z standard deviations of stock are held;
- complementary loss Ḡ(z) = E[(z − Z)⁺] = G(z) + z: the expected leftover;
- second-order loss G⁽²⁾(z) = ½·E[((Z − z)⁺)²] = ½[(z² + 1)(1 − Φ(z)) − z·φ(z)].

Snyder & Shen write G as 𝓛 and Silver, Pyke & Thomas as G_u; the values agree with the
printed tables of both books.
"""

from __future__ import annotations

import numpy as np
from scipy.special import erfcx, ndtr

from takt.policy._checks import ArrayLike, FloatArray, finite, finite_positive

_INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)
_SQRT_HALF = np.sqrt(0.5)
G_AT_ZERO = float(_INV_SQRT_2PI)  # G(0) = φ(0)
_MAX_NEWTON = 100


def _density(z: FloatArray) -> FloatArray:
    with np.errstate(over="ignore"):  # |z| > 1e154: z² is inf and the density 0, as it is
        return np.asarray(_INV_SQRT_2PI * np.exp(-0.5 * z * z), dtype=np.float64)


def _upper_tail(z: FloatArray) -> FloatArray:
    """1 − Φ(z), accurate in the right tail (where 1 − ndtr(z) would round to 0)."""
    return np.asarray(ndtr(-z), dtype=np.float64)


def _loss(z: FloatArray) -> FloatArray:
    """G(z) without argument checks, for the kernels of this package (z may be ±inf)."""
    with np.errstate(invalid="ignore"):
        g = _density(z) - z * _upper_tail(z)
    # ±inf: no shortage above, all of −z below (inf·0 would be nan).
    return np.where(np.isposinf(z), 0.0, np.where(np.isneginf(z), np.inf, np.maximum(g, 0.0)))


def _second_loss(z: FloatArray) -> FloatArray:
    with np.errstate(invalid="ignore"):
        g2 = 0.5 * ((z * z + 1.0) * _upper_tail(z) - z * _density(z))
    return np.where(np.isposinf(z), 0.0, np.where(np.isneginf(z), np.inf, np.maximum(g2, 0.0)))


def standard_normal_loss(z: ArrayLike) -> FloatArray:
    """Standard normal (first-order) loss function G(z) = φ(z) − z·(1 − Φ(z)).

    Parameters
    ----------
    z : array_like
        Standardised stock level (safety factor) [z, k]; finite.

    Returns
    -------
    Array of G(z), the expected shortage per unit of standard deviation.

    Equations: Snyder & Shen, *Fundamentals of Supply Chain Theory* (2nd ed., 2019),
    eq. (C.22); Silver, Pyke & Thomas, *Inventory and Production Management in Supply
    Chains* (4th ed., 2017), the tabulated G_u(k) of ch. 6.

    Examples
    --------
    The printed table values G(0) = 0.3989, G(1) = 0.0833, G(2) = 0.0085, G(−1) = 1.0833:

    >>> standard_normal_loss([0.0, 1.0, 2.0, -1.0]).round(4).tolist()
    [0.3989, 0.0833, 0.0085, 1.0833]
    """
    return _loss(finite("z", z))


def standard_normal_complementary_loss(z: ArrayLike) -> FloatArray:
    """Standard normal complementary loss function Ḡ(z) = E[(z − Z)⁺] = G(z) + z.

    Parameters
    ----------
    z : array_like
        Standardised stock level [z]; finite.

    Equations: Snyder & Shen (2nd ed.), eq. (C.23) (the complementary loss 𝓛̄(z) = z + 𝓛(z)).

    Examples
    --------
    At z = 1.3 the tables give 𝓛(1.3) = 0.0455, so 𝓛̄(1.3) = 1.3455:

    >>> round(float(standard_normal_complementary_loss(1.3)), 4)
    1.3455
    """
    x = finite("z", z)
    return np.asarray(_loss(x) + x, dtype=np.float64)


def standard_normal_second_loss(z: ArrayLike) -> FloatArray:
    """Standard normal second-order loss G⁽²⁾(z) = ½[(z² + 1)(1 − Φ(z)) − z·φ(z)].

    Used by the exact (r, Q) cost: the integral of G from z to ∞.

    Parameters
    ----------
    z : array_like
        Standardised stock level [z]; finite.

    Equations: Snyder & Shen (2nd ed.), eqs. (C.27)–(C.28) (𝓛⁽²⁾).

    Examples
    --------
    >>> round(float(standard_normal_second_loss(1.3)), 4)
    0.0188
    """
    return _second_loss(finite("z", z))


def _log_loss_right(z: FloatArray) -> tuple[FloatArray, FloatArray]:
    """ln G(z) and G(z)/(1 − Φ(z)) for z ≥ 0, without underflow in the far right tail.

    With 1 − Φ(z) = ½·erfcx(z/√2)·e^(−z²/2), G(z) = e^(−z²/2)·b(z) where
    b(z) = 1/√(2π) − z·½·erfcx(z/√2); only b is computed, never e^(−z²/2).
    """
    half_mills = 0.5 * np.asarray(erfcx(z * _SQRT_HALF), dtype=np.float64)
    b = np.maximum(_INV_SQRT_2PI - z * half_mills, np.finfo(np.float64).tiny)
    return -0.5 * z * z + np.log(b), b / half_mills


def inverse_standard_normal_loss(loss: ArrayLike) -> FloatArray:
    """The safety factor k with G(k) = ``loss``: the inverse of the standard normal loss.

    G falls strictly from +∞ to 0, so every positive ``loss`` has exactly one k. Solved by
    Newton's method over all items at once: on G itself where k ≤ 0 (G is convex and the
    iterates rise to the root from the left) and on ln G where k > 0 (ln G is concave and
    the iterates fall to the root from the right), so no step overshoots.

    Parameters
    ----------
    loss : array_like
        Target expected shortage per standard deviation [G(k)]; > 0. For a fill rate β and
        order quantity Q this is (1 − β)·Q/σ.

    Returns
    -------
    Array of k, accurate to about 1e-12.

    Equations: Silver, Pyke & Thomas (4th ed., 2017), ch. 6, the fill-rate rule
    σ·G_u(k) = (1 − β)·Q solved for k; Snyder & Shen (2nd ed.), eq. (C.22) inverted.

    Examples
    --------
    The table value G(1) = 0.0833 read backwards:

    >>> round(float(inverse_standard_normal_loss(0.0833)), 2)
    1.0
    """
    target = finite_positive("loss", loss)
    x = target.ravel()
    z = np.empty_like(x)
    left = x >= G_AT_ZERO
    # Start on the side from which Newton converges monotonically: k = −x has G(−x) ≥ x,
    # and φ(k) = x has G(k) < φ(k) = x.
    z[left] = -x[left]
    z[~left] = np.sqrt(-2.0 * np.log(x[~left] / _INV_SQRT_2PI))
    active = np.flatnonzero(np.ones_like(x, dtype=bool))
    for _ in range(_MAX_NEWTON):
        if active.size == 0:
            break
        za, xa, on_left = z[active], x[active], left[active]
        step = np.empty_like(za)
        zl = za[on_left]
        step[on_left] = (_loss(zl) - xa[on_left]) / _upper_tail(zl)
        log_g, ratio = _log_loss_right(za[~on_left])
        step[~on_left] = (log_g - np.log(xa[~on_left])) * ratio
        z[active] = za + step
        active = active[np.abs(step) > 1e-13 * (1.0 + np.abs(za))]
    return z.reshape(target.shape)
