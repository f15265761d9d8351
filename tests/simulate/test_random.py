"""The compiled samplers against their distributions (fixed seeds: no flaky tests)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from numba import njit
from scipy import stats

from takt.simulate._items import _poisson_tables
from takt.simulate._kernel import (
    BOOTSTRAP,
    COMPOUND,
    GAMMA,
    NORMAL,
    POISSON,
    fill_demand,
    fill_lead_times,
)
from takt.simulate._lead_times import build_lead_time_tables, rounded_lognormal_pmf
from takt.simulate._random import gamma, item_seeds, standard_normal, stream

N = 200_000
NO_TABLE = np.zeros(0, dtype=np.uint64)


def uint_stream(seed: int, index: int) -> tuple[np.uint64, np.uint64]:
    """A stream's state as the kernel holds it (Python ints would compile a signed copy)."""
    s, g = stream(np.uint64(seed), index)
    return np.uint64(s), np.uint64(g)


@njit(cache=True)
def _normals(n: int, seed: np.uint64) -> np.ndarray:  # pragma: no cover - compiled
    s, g = stream(seed, 0)
    out = np.empty(n)
    for k in range(n):
        out[k], s = standard_normal(s, g)
    return out


@njit(cache=True)
def _gammas(n: int, seed: np.uint64, shape: float) -> np.ndarray:  # pragma: no cover
    s, g = stream(seed, 0)
    out = np.empty(n)
    for k in range(n):
        out[k], s = gamma(s, g, shape, 1.0)
    return out


def demand_draws(model: int, a: float, b: float = 0.0, c: float = 0.0) -> np.ndarray:
    out = np.empty(N)
    s, g = uint_stream(12345, 0)
    fill_demand(out, s, g, model, a, b, c, np.zeros(0), 0, 0, NO_TABLE, 0, 0)
    return out


def test_ziggurat_normal_is_standard_normal_including_the_tails() -> None:
    x = _normals(N, np.uint64(1))
    assert stats.kstest(x, "norm").pvalue > 0.01
    assert x.mean() == pytest.approx(0.0, abs=0.01)
    assert x.std() == pytest.approx(1.0, abs=0.01)
    # Beyond the base layer (|x| > 3.654) draws come from the tail algorithm.
    tail = np.mean(np.abs(x) > 3.6541528853610088)
    assert tail == pytest.approx(2 * stats.norm.sf(3.6541528853610088), rel=0.5)


@pytest.mark.parametrize("shape", [0.4, 1.0, 3.5])
def test_marsaglia_tsang_gamma(shape: float) -> None:
    x = _gammas(N, np.uint64(2), shape)
    assert stats.kstest(x, "gamma", args=(shape,)).pvalue > 0.01


@pytest.mark.parametrize("mean", [0.3, 4.0, 9.99, 10.0, 37.5])
def test_poisson_inversion_and_ptrs(mean: float) -> None:
    x = demand_draws(POISSON, mean)
    assert x.mean() == pytest.approx(mean, rel=0.01, abs=0.005)
    k = np.arange(int(mean + 8 * np.sqrt(mean) + 5))
    observed = np.bincount(x.astype(np.int64), minlength=len(k))[: len(k)]
    expected = stats.poisson.pmf(k, mean) * N
    keep = expected > 20
    chi2 = np.sum((observed[keep] - expected[keep]) ** 2 / expected[keep])
    assert stats.chi2.sf(chi2, keep.sum() - 1) > 0.01


@pytest.mark.parametrize("mean", [0.0, 0.05, 2.5, 30.0, 63.9])
def test_poisson_alias_tables(mean: float) -> None:
    """Below a mean of 64 Poisson demand is drawn from the item's alias table."""
    _start, size, entries = _poisson_tables(np.array([POISSON]), np.array([mean]))
    assert size[0] >= 1
    out = np.empty(N)
    s, g = uint_stream(99, 0)
    fill_demand(out, s, g, POISSON, mean, 0.0, 0.0, np.zeros(0), 0, 0, entries, 0, int(size[0]))
    assert out.mean() == pytest.approx(mean, rel=0.01, abs=0.002)
    if mean == 0.0:
        return
    k = np.arange(int(size[0]))
    observed = np.bincount(out.astype(np.int64), minlength=len(k))
    expected = stats.poisson.pmf(k, mean) * N
    keep = expected > 20
    chi2 = np.sum((observed[keep] - expected[keep]) ** 2 / expected[keep])
    assert stats.chi2.sf(chi2, max(keep.sum() - 1, 1)) > 0.01


def test_normal_and_gamma_demand_by_mean_and_sd() -> None:
    normal = demand_draws(NORMAL, 10.0, 2.0)
    assert normal.mean() == pytest.approx(10.0, abs=0.02)
    assert normal.std() == pytest.approx(2.0, abs=0.02)
    shape, scale = (4.0 / 3.0) ** 2, 3.0**2 / 4.0  # mean 4, sd 3
    skewed = demand_draws(GAMMA, shape, scale, 4.0)
    assert skewed.mean() == pytest.approx(4.0, rel=0.01)
    assert skewed.std() == pytest.approx(3.0, rel=0.02)
    assert (demand_draws(GAMMA, 0.0, 0.0, 4.0) == 4.0).all()


def test_compound_bernoulli_demand() -> None:
    """An order every ADI = 4 days on average, gamma sizes of mean 8 and CV² 0.5."""
    p, size_mean, cv2 = 0.25, 8.0, 0.5
    x = demand_draws(COMPOUND, p, 1.0 / cv2, size_mean * cv2)
    sizes = x[x > 0]
    assert np.mean(x > 0) == pytest.approx(p, abs=0.005)
    assert sizes.mean() == pytest.approx(size_mean, rel=0.01)
    assert sizes.var() / sizes.mean() ** 2 == pytest.approx(cv2, rel=0.03)
    constant = demand_draws(COMPOUND, p, 0.0, size_mean)
    assert set(np.unique(constant)) == {0.0, size_mean}


def test_bootstrap_resamples_the_history_uniformly() -> None:
    history = np.array([0.0, 1.0, 5.0, 9.0])
    out = np.empty(N)
    s, g = uint_stream(3, 0)
    fill_demand(out, s, g, BOOTSTRAP, 0.0, 0.0, 0.0, history, 0, 4, NO_TABLE, 0, 0)
    counts = np.array([np.sum(out == v) for v in history])
    assert stats.chisquare(counts).pvalue > 0.01


@pytest.mark.parametrize(("mean", "sd"), [(7.0, 2.0), (20.0, 9.0), (60.0, 30.0), (4.0, 0.0)])
def test_lead_times_are_rounded_lognormal(mean: float, sd: float) -> None:
    """Alias tables (and the direct draw for wide ones) give round(L), L lognormal."""
    horizon = 400
    tables = build_lead_time_tables(np.array([mean]), np.array([sd]), horizon)
    out = np.empty(N, dtype=np.int64)
    s, g = uint_stream(4, 1)
    fill_lead_times(
        out,
        s,
        g,
        int(tables.size[0]),
        int(tables.low[0]),
        int(tables.start[0]),
        tables.entries,
        float(tables.log_mean[0]),
        float(tables.log_sd[0]),
        horizon + 1,
    )
    if sd == 0:
        assert (out == round(mean)).all()
        return
    assert out.mean() == pytest.approx(mean, rel=0.01)
    low, high = int(out.min()), int(out.max())
    pmf = rounded_lognormal_pmf(mean, sd, low, high)
    observed = np.bincount(out - low, minlength=high - low + 1)
    keep = pmf * N > 20
    chi2 = np.sum((observed[keep] - pmf[keep] * N) ** 2 / (pmf[keep] * N))
    assert stats.chi2.sf(chi2, keep.sum() - 1) > 0.01


def test_item_seeds_depend_on_name_and_seed_only() -> None:
    names = pl.Series(["A", "B", "ÄÖ", "C"])
    seeds = item_seeds(names, 7)
    assert len(set(seeds.tolist())) == 4
    assert item_seeds(names.reverse(), 7).tolist() == seeds.tolist()[::-1]
    assert item_seeds(pl.Series(["C"]), 7)[0] == seeds[3]
    assert item_seeds(names, 8)[0] != seeds[0]
