"""Reorder points from the compound distribution of demand over R + L, by item.

Convolved (:mod:`._ltd_compound`, exact) by default; sampled (:mod:`._ltd_montecarlo`)
where the caller asks for it, or where a very wide range of order counts makes the
convolution dearer than the samples (:func:`._ltd_compound.convolution_cost`). Items
with an uncertain forecast rate (φ = ``rate_cv2`` > 0) get the levels of M·D instead
(:mod:`._ltd_uncertain`); items with φ = 0 are sized exactly as without it. Fill-rate
levels are sized on the exact shortage per cycle (:mod:`._per_cycle`) where the caller
gives its second term, else on the textbook shortage over R + L.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import polars as pl

from takt.policy._checks import BoolArray, FloatArray
from takt.policy._ltd_compound import (
    CONVOLUTION_BUDGET,
    compound_reorder_points,
    convolution_cost,
)
from takt.policy._ltd_montecarlo import item_seeds, sample_reorder_points
from takt.policy._ltd_uncertain import sample_uncertain_reorder_points, uncertain_reorder_points
from takt.policy._per_cycle import (
    compound_per_cycle_levels,
    sample_per_cycle_levels,
    uncertain_per_cycle_levels,
)


def distribution_levels(
    names: pl.Series,
    period_days: float,
    occurrence_probability: FloatArray,
    size_mean: FloatArray,
    size_cv2: FloatArray,
    review_days: FloatArray,
    lead_time_mean_days: FloatArray,
    lead_time_sd_days: FloatArray,
    service_target: FloatArray,
    allowed_shortage: FloatArray,
    *,
    fill_rate: bool,
    method: Literal["compound", "montecarlo"],
    samples: int,
    seed: int,
    rate_cv2: FloatArray | None = None,
    second_term: tuple[FloatArray, FloatArray] | None = None,
) -> tuple[FloatArray, BoolArray]:
    """The level of every item and whether it was sampled (the rest were convolved).

    Arguments as :func:`._ltd_compound.compound_reorder_points`, one entry per item of
    ``names``; ``samples`` and ``seed`` are the Monte Carlo's (the stream of an item
    comes from its name and the seed); ``rate_cv2`` φ ≥ 0 per item (None: all 0).
    ``second_term`` (review days of the second interval, offset) per item, from
    :func:`._per_cycle.second_term`, sizes fill rates on the shortage per cycle; None
    on the textbook shortage E[(D − level)⁺] over R + L.
    """
    p = occurrence_probability
    sampled = np.ones(len(p), dtype=bool)
    if method == "compound":
        cost = convolution_cost(period_days, p, review_days, lead_time_mean_days, lead_time_sd_days)
        sampled = cost > CONVOLUTION_BUDGET
    phi = np.zeros(len(p)) if rate_cv2 is None else rate_cv2
    uncertain = phi > 0.0
    per_cycle = second_term if fill_rate else None
    levels = np.empty(len(p))
    for part, convolve in ((~sampled, True), (sampled, False)):
        for with_rate in (False, True):
            rows = part & (uncertain if with_rate else ~uncertain)
            if not rows.any():
                continue
            interval = (
                p[rows],
                size_mean[rows],
                size_cv2[rows],
                review_days[rows],
                lead_time_mean_days[rows],
                lead_time_sd_days[rows],
            )
            if per_cycle is not None:
                second = (per_cycle[0][rows], per_cycle[1][rows])
                allowed = allowed_shortage[rows]
                if convolve and with_rate:
                    levels[rows] = uncertain_per_cycle_levels(
                        period_days, *interval, allowed, phi[rows], *second
                    )
                elif convolve:
                    levels[rows] = compound_per_cycle_levels(
                        period_days, *interval, allowed, *second
                    )
                else:
                    seeds = item_seeds(names.filter(pl.Series(rows)), seed)
                    levels[rows] = sample_per_cycle_levels(
                        seeds, period_days, *interval, allowed, samples, phi[rows], *second
                    )
                continue
            arguments = (
                *interval,
                service_target[rows],
                allowed_shortage[rows],
                fill_rate,
            )
            if convolve and with_rate:
                levels[rows] = uncertain_reorder_points(period_days, *arguments, phi[rows])
            elif convolve:
                levels[rows] = compound_reorder_points(period_days, *arguments)
            else:
                seeds = item_seeds(names.filter(pl.Series(rows)), seed)
                if with_rate:
                    levels[rows] = sample_uncertain_reorder_points(
                        seeds, period_days, *arguments, samples, phi[rows]
                    )
                else:
                    levels[rows] = sample_reorder_points(seeds, period_days, *arguments, samples)
    return levels, sampled
