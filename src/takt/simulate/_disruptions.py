"""A scenario turned into the kernel's day-indexed arrays.

Supply disruptions act on *lanes*, the (supplier, region) pairs of the items: an outage
of a supplier hits all its lanes, a region closure every lane in the region. Lanes that
no disruption touches share profile 0, the identity (the kernel then reads an identity
row: no branch, no cost). Demand spikes act on item groups: the items hit by the same set
of spikes share one row of factors.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import polars as pl

from takt.errors import InvalidInputError
from takt.simulate._items import CRITICALITIES
from takt.simulate._random import FloatArray, IntArray
from takt.simulate.scenarios import Disruption, Scenario

_SUPPLY_KINDS = ("supplier_outage", "region_closure", "lead_time_stretch", "quality_failure")


@dataclass(frozen=True)
class DisruptionArrays:
    supply_profile: IntArray  # item -> row of the three supply arrays (0 = undisturbed)
    release_day: IntArray  # (profiles, total + 1): day an arrival due on day a is received
    accept_share: FloatArray  # (profiles, total): accepted share of receipts on day t
    stretch_factor: FloatArray  # (profiles, total): lead-time factor of orders placed on t
    demand_profile: IntArray  # item -> row of demand_factor (0 = undisturbed)
    demand_factor: FloatArray  # (groups, total): demand multiplier of day t
    targets: pl.DataFrame  # disruption, kind, supplier, region: the lanes each one hits


def compile_scenario(
    scenario: Scenario | None,
    labels: pl.DataFrame,
    spend: FloatArray,
    warmup_days: int,
    days: int,
    *,
    strict: bool = True,
) -> DisruptionArrays:
    """Arrays for ``scenario`` over a run of ``warmup_days + days`` days.

    ``strict=False`` compiles onto a partition of the items: a named target no item of
    the partition has hits nothing here (the whole run checked it, and pinned its ranks
    with :func:`pin_ranks`)."""
    total = warmup_days + days
    n = labels.height
    lanes = labels.select("supplier", "region")
    unique_lanes = lanes.unique(maintain_order=True)
    lane_of_item = (
        lanes.with_row_index("_row")
        .join(unique_lanes.with_row_index("_id"), on=["supplier", "region"], how="left")
        .sort("_row")
        .get_column("_id")
        .to_numpy()
        .astype(np.int64)
    )
    n_lanes = unique_lanes.height
    blocked = np.zeros((n_lanes, total), dtype=bool)
    accept = np.ones((n_lanes, total))
    stretch = np.ones((n_lanes, total))
    touched = np.zeros(n_lanes, dtype=bool)
    spike_masks: list[np.ndarray] = []
    spike_rows: list[FloatArray] = []
    target_rows: list[dict[str, object]] = []
    name = scenario.name if scenario is not None else ""
    disruptions = scenario.disruptions if scenario is not None else ()
    for number, disruption in enumerate(disruptions, start=1):
        where = f"scenario {name!r}, disruption {number} ({disruption.kind})"
        first = warmup_days + disruption.start_day
        window = slice(min(first, total), min(first + disruption.days, total))
        if disruption.kind == "demand_spike":
            mask = _spike_items(disruption, labels, where, strict)
            factor = np.ones(total)
            factor[window] = 1.0 + disruption.increase_pct / 100.0
            spike_masks.append(mask)
            spike_rows.append(factor)
            continue
        hit = _lanes_hit(disruption, unique_lanes, labels, spend, where, strict)
        touched |= hit
        if disruption.kind in ("supplier_outage", "region_closure"):
            blocked[hit, window] = True
        elif disruption.kind == "quality_failure":
            accept[hit, window] *= 1.0 - disruption.reject_rate
        else:
            stretch[hit, window] *= disruption.factor
        for supplier, region in unique_lanes.filter(pl.Series(hit)).iter_rows():
            target_rows.append(
                {
                    "disruption": number,
                    "kind": disruption.kind,
                    "supplier": supplier,
                    "region": region,
                }
            )

    profile_of_lane = np.zeros(n_lanes, dtype=np.int64)
    profile_of_lane[touched] = np.arange(1, int(touched.sum()) + 1)
    kept = np.flatnonzero(touched)
    # Row 0 is the identity: undisturbed lanes.
    release = np.tile(np.arange(total + 1, dtype=np.int64), (len(kept) + 1, 1))
    for row, lane in enumerate(kept, start=1):
        release[row, :total] = _release(blocked[lane])
    demand_profile, demand_factor = _spike_groups(spike_masks, spike_rows, n, total)
    targets = pl.DataFrame(
        target_rows,
        schema={
            "disruption": pl.Int64,
            "kind": pl.String,
            "supplier": pl.String,
            "region": pl.String,
        },
    )
    return DisruptionArrays(
        supply_profile=profile_of_lane[lane_of_item],
        release_day=release,
        accept_share=np.vstack([np.ones((1, total)), accept[kept]]),
        stretch_factor=np.vstack([np.ones((1, total)), stretch[kept]]),
        demand_profile=demand_profile,
        demand_factor=demand_factor,
        targets=targets,
    )


def _release(blocked: np.ndarray) -> IntArray:
    """For each day a, the first day >= a that is not blocked (the horizon if none)."""
    total = len(blocked)
    days = np.arange(total, dtype=np.int64)
    open_day = np.where(blocked, total, days)
    # The first open day at or after a: a suffix minimum.
    return np.minimum.accumulate(open_day[::-1])[::-1]


def _ranked(key: str, labels: pl.DataFrame, spend: FloatArray) -> list[str]:
    """Suppliers (or regions) by annual spend, largest first (units if no costs); ties by name."""
    weight = spend if spend.sum() > 0 else np.ones(len(spend))
    table = (
        pl.DataFrame({key: labels.get_column(key), "w": weight})
        .group_by(key)
        .agg(pl.col("w").sum())
        .sort(["w", key], descending=[True, False])
    )
    return list(table.get_column(key))


def _lanes_hit(
    disruption: Disruption,
    lanes: pl.DataFrame,
    labels: pl.DataFrame,
    spend: FloatArray,
    where: str,
    strict: bool,
) -> np.ndarray:
    suppliers = _resolve(
        "supplier", disruption.suppliers, disruption.supplier_rank, labels, spend, where, strict
    )
    regions = _resolve(
        "region", disruption.regions, disruption.region_rank, labels, spend, where, strict
    )
    hit = np.ones(lanes.height, dtype=bool)
    if suppliers is not None:
        hit &= lanes.get_column("supplier").is_in(suppliers).to_numpy()
    if regions is not None:
        hit &= lanes.get_column("region").is_in(regions).to_numpy()
    return hit


def _resolve(
    key: str,
    names: tuple[str, ...],
    rank: int | None,
    labels: pl.DataFrame,
    spend: FloatArray,
    where: str,
    strict: bool = True,
) -> list[str] | None:
    """The names a target picks, checked against the items; None when not narrowed."""
    if rank is not None and not strict:
        raise InvalidInputError(f"{where}: a {key}_rank must be pinned before partitioning")
    if rank is not None:
        ranked = _ranked(key, labels, spend)
        if rank > len(ranked):
            raise InvalidInputError(
                f"{where}: {key}_rank {rank} but the items have {len(ranked)} {key}(s)"
            )
        return [ranked[rank - 1]]
    if not names:
        return None
    known = set(labels.get_column(key).to_list())
    unknown = [name for name in names if name not in known]
    if unknown and strict:
        raise InvalidInputError(f"{where}: no item has {key} {unknown[0]!r}")
    return list(names)


def pin_ranks(scenario: Scenario, labels: pl.DataFrame, spend: FloatArray) -> Scenario:
    """``scenario`` with each supplier or region rank replaced by the name it picks among
    these items, so that partitions of them disrupt the same supplier or region."""
    pinned = []
    for number, disruption in enumerate(scenario.disruptions, start=1):
        where = f"scenario {scenario.name!r}, disruption {number} ({disruption.kind})"
        changes: dict[str, object] = {}
        for key, rank in (
            ("supplier", disruption.supplier_rank),
            ("region", disruption.region_rank),
        ):
            if rank is not None:
                names = _resolve(key, (), rank, labels, spend, where)
                changes[f"{key}s"] = tuple(names or ())
                changes[f"{key}_rank"] = None
        pinned.append(replace(disruption, **changes))  # type: ignore[arg-type]
    return replace(scenario, disruptions=tuple(pinned))


def _spike_items(
    disruption: Disruption, labels: pl.DataFrame, where: str, strict: bool = True
) -> np.ndarray:
    mask = np.ones(labels.height, dtype=bool)
    for field, column in (
        ("items", "item"),
        ("categories", "category"),
        ("criticalities", "criticality"),
        ("suppliers", "supplier"),
    ):
        wanted: tuple[str, ...] = getattr(disruption, field)
        if not wanted:
            continue
        values = labels.get_column(column)
        known = set(CRITICALITIES) if column == "criticality" else set(values.to_list())
        unknown = [w for w in wanted if w not in known]
        if unknown and strict:
            raise InvalidInputError(
                f"{where}: field '{field}': no item has {column} {unknown[0]!r}"
            )
        mask &= values.is_in(list(wanted)).to_numpy()
    return mask


def _spike_groups(
    masks: list[np.ndarray], rows: list[FloatArray], n: int, total: int
) -> tuple[IntArray, FloatArray]:
    """Item groups by the set of spikes that hit them, and each group's daily factor."""
    if not masks:
        return np.zeros(n, dtype=np.int64), np.ones((1, total))
    membership = np.column_stack(masks)  # (items, spikes)
    patterns, group = np.unique(membership, axis=0, return_inverse=True)
    group = np.asarray(group, dtype=np.int64).reshape(-1)
    factors = np.ones((len(patterns), total))
    for g, pattern in enumerate(patterns):
        for k in np.flatnonzero(pattern):
            factors[g] *= rows[k]
    # Put the untouched group (if any) at row 0, as the kernel expects.
    untouched = np.flatnonzero(~patterns.any(axis=1))
    order = np.arange(len(patterns))
    if len(untouched):
        order = np.concatenate([untouched, np.delete(order, untouched[0])])
    else:
        order = np.concatenate([[len(patterns)], order])
        factors = np.vstack([factors, np.ones((1, total))])
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    return position[group], factors[order]
