"""Argument checks and array types shared by the policy formulas.

Every formula validates its inputs once, over all items, and names the first bad argument
and item in an :class:`~takt.errors.InvalidInputError`; NaN fails every check (a missing
parameter is an input problem, not a number to compute with).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from takt.errors import InvalidInputError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
ArrayLike = npt.ArrayLike
_D = TypeVar("_D", bound=np.generic)


def as_float(name: str, value: ArrayLike) -> FloatArray:
    """``value`` as a float array; a value that is not numeric is an input error."""
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"{name} must be numeric ({exc})") from None


def _require(name: str, x: FloatArray, ok: BoolArray, rule: str) -> None:
    if not np.all(ok):
        bad = int(np.flatnonzero(~np.ravel(ok))[0])
        value = float(x.flat[bad])
        where = f" at item {bad}" if x.ndim else ""
        raise InvalidInputError(f"{name} must be {rule} (got {value!r}{where})")


def _check(
    rule: str, test: Callable[[FloatArray], BoolArray]
) -> Callable[[str, ArrayLike], FloatArray]:
    def check(name: str, value: ArrayLike) -> FloatArray:
        x = as_float(name, value)
        with np.errstate(invalid="ignore"):
            _require(name, x, test(x), rule)
        return x

    return check


nonnegative = _check(">= 0", lambda x: x >= 0)
positive = _check("> 0", lambda x: x > 0)
finite_nonnegative = _check("finite and >= 0", lambda x: np.isfinite(x) & (x >= 0))
finite_positive = _check("finite and > 0", lambda x: np.isfinite(x) & (x > 0))
finite = _check("finite", np.isfinite)
probability = _check("inside (0, 1)", lambda x: (x > 0) & (x < 1))
fraction = _check("inside [0, 1)", lambda x: (x >= 0) & (x < 1))


def whole(name: str, value: ArrayLike, *, minimum: int | None = 0) -> IntArray:
    """A whole-number argument (units of a discrete distribution, periods) as int64."""
    x = as_float(name, value)
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(x) & (x == np.round(x))
        if minimum is not None:
            ok &= x >= minimum
        rule = "a whole number" + ("" if minimum is None else f" >= {minimum}")
        _require(name, x, ok, rule)
    return x.astype(np.int64)


def broadcast(*arrays: FloatArray) -> tuple[FloatArray, ...]:
    """Broadcast the item arrays to one shape, with a clear error when they disagree."""
    try:
        return tuple(np.broadcast_arrays(*arrays))
    except ValueError as exc:
        raise InvalidInputError(f"item arrays do not have matching shapes ({exc})") from None


def common_shape(*arrays: npt.NDArray[Any]) -> tuple[int, ...]:
    """The broadcast shape of the item arrays, with a clear error when they disagree."""
    try:
        return tuple(np.broadcast_shapes(*(a.shape for a in arrays)))
    except ValueError as exc:
        raise InvalidInputError(f"item arrays do not have matching shapes ({exc})") from None


def flat(x: npt.NDArray[_D], shape: tuple[int, ...]) -> npt.NDArray[_D]:
    """``x`` broadcast to ``shape`` as a contiguous 1-D array, the form compiled kernels take."""
    return np.ascontiguousarray(np.broadcast_to(x, shape).ravel())
