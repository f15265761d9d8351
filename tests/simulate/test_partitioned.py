"""A simulation over item partitions merges into the run over all items: item rows
exactly, pooled KPIs to rounding, scenario ranks pinned on all the items first."""

from __future__ import annotations

import itertools

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from takt.errors import InvalidInputError
from takt.simulate import Disruption, Scenario, merge_results, pin_scenario, simulate
from tests.simulate.builders import base_stock

# The largest supplier by spend (S3: the dearest items) has items only in the last
# partition; the spike hits one category everywhere and one named item.
SCENARIO = Scenario(
    "mixed",
    "",
    (
        Disruption("supplier_outage", 20, 30, supplier_rank=1),
        Disruption("lead_time_stretch", 10, 40, regions=("east",), factor=1.5),
        Disruption("demand_spike", 5, 20, increase_pct=60.0, items=("I3",)),
    ),
)


def portfolio() -> pl.DataFrame:
    n = 30
    rng = np.random.default_rng(3)
    return base_stock(
        n,
        supplier=[f"S{1 + i // 10}" for i in range(n)],
        region=["east" if i % 3 else "west" for i in range(n)],
        strategy=[("jit", "hybrid", "buffer")[i % 3] for i in range(n)],
        criticality=["line_stopper" if i % 7 == 0 else "normal" for i in range(n)],
        unit_cost=[1.0 + 10.0 * (i // 10) for i in range(n)],
        kanban_count=list(rng.integers(6, 16, n)),
        lead_time_sd_days=1.0,
        time_to_recover_days=12.0,
    )


def run_parts(items: pl.DataFrame, bounds: list[int], **kwargs: object) -> object:
    pinned = pin_scenario(items, SCENARIO, days=120)
    parts = [
        simulate(items[a:b], scenario=pinned, partial=True, **kwargs)  # type: ignore[arg-type]
        for a, b in itertools.pairwise(bounds)
    ]
    return merge_results(parts)


def test_partitions_merge_into_the_whole_run() -> None:
    items = portfolio()
    kwargs = {"days": 120, "replications": 6, "seed": 9}
    whole = simulate(items, scenario=SCENARIO, **kwargs)  # type: ignore[arg-type]
    merged = run_parts(items, [0, 7, 19, 30], **kwargs)
    assert_frame_equal(merged.items, whole.items, check_exact=True)  # type: ignore[attr-defined]
    for name in ("overall", "strategies", "suppliers"):
        assert_frame_equal(
            getattr(merged, name), getattr(whole, name), check_exact=False, rel_tol=1e-12
        )
    assert_frame_equal(
        merged.targets.sort(pl.all()),  # type: ignore[attr-defined]
        whole.targets.sort(pl.all()),
    )
    # The outage hit S3 (rank 1 by spend) in the partition that has it, and only there.
    outage = whole.targets.filter(pl.col("kind") == "supplier_outage")
    assert outage["supplier"].unique().to_list() == ["S3"]
    calm = simulate(items, **kwargs)  # type: ignore[arg-type]
    s3 = pl.col("supplier") == "S3"
    hit = whole.items.filter(s3)["fill_rate"].mean()
    assert hit < calm.items.filter(s3)["fill_rate"].mean() - 0.05  # type: ignore[operator]


def test_pinning_is_needed_and_checked_on_all_items() -> None:
    items = portfolio()
    with pytest.raises(InvalidInputError, match="supplier_rank must be pinned"):
        simulate(items[:5], scenario=SCENARIO, days=30, partial=True)
    pinned = pin_scenario(items, SCENARIO, days=30)
    assert pinned is not None and pinned.disruptions[0].suppliers == ("S3",)
    assert pinned.disruptions[0].supplier_rank is None
    # A partition without the supplier an outage hits is simulated undisturbed.
    outage = Scenario("outage", "", (Disruption("supplier_outage", 0, 20, supplier_rank=1),))
    alone = simulate(items[:5], scenario=pin_scenario(items, outage), days=30, partial=True)
    plain = simulate(items[:5], days=30)
    assert_frame_equal(alone.items, plain.items, check_exact=True)
    # The whole run still refuses a name no item has.
    bad = Scenario("bad", "", (Disruption("supplier_outage", 0, 5, suppliers=("S9",)),))
    with pytest.raises(InvalidInputError, match="no item has supplier 'S9'"):
        pin_scenario(items, bad)


def test_only_parts_of_one_run_merge() -> None:
    items = portfolio()
    a = simulate(items[:10], days=30, seed=1)
    b = simulate(items[10:], days=30, seed=2)
    with pytest.raises(InvalidInputError, match="different runs"):
        merge_results([a, b])
    with pytest.raises(InvalidInputError, match="no partition results"):
        merge_results([])
