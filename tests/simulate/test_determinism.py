"""Reproducibility: same seed, same numbers; an item's numbers are its own."""

from __future__ import annotations

import numba
import numpy as np
import polars as pl
import pytest

import takt.simulate.engine as engine
from takt.simulate import simulate
from tests.simulate.builders import base_stock, items_frame


def mixed_items() -> pl.DataFrame:
    """One item of every logic and demand model, random lead times."""
    return items_frame(
        5,
        supplier=["S1", "S1", "S2", "S2", "S3"],
        logic=["kanban", "rop", "min_max", "order_up_to", "kanban"],
        container_qty=[2.0, None, None, None, 1.0],
        kanban_count=[8, None, None, None, 12],
        reorder_point=[None, 15.0, 10.0, None, None],
        order_qty=[None, 20.0, None, None, None],
        order_up_to=[None, None, 30.0, 45.0, None],
        review_period_days=[1, 1, 2, 7, 1],
        moq=[0.0, 25.0, 0.0, 0.0, 0.0],
        pack_multiple=[1.0, 5.0, 1.0, 2.0, 1.0],
        lead_time_mean_days=[4.0, 6.0, 3.0, 8.0, 5.0],
        lead_time_sd_days=[1.5, 2.0, 0.0, 3.0, 2.0],
        demand_model=["poisson", "normal", "gamma", "compound", "bootstrap"],
        demand_mean=[2.0, 3.0, 1.5, 2.0, None],
        demand_sd=[None, 1.0, 2.0, None, None],
        adi=[None, None, None, 3.0, None],
        cv2=[None, None, None, 0.6, None],
        unit_cost=[3.0, 1.0, 2.0, 5.0, 4.0],
    )


def history() -> pl.DataFrame:
    rng = np.random.default_rng(7)
    return pl.DataFrame({"item": ["I4"] * 300, "qty": rng.poisson(2.0, 300).astype(float)})


def run(items: pl.DataFrame, **kwargs: object) -> pl.DataFrame:
    options: dict[str, object] = {"days": 200, "replications": 4, "demand_history": history()}
    return simulate(items, **{**options, **kwargs}).items  # type: ignore[arg-type]


def test_same_seed_gives_identical_results() -> None:
    assert run(mixed_items(), seed=42).equals(run(mixed_items(), seed=42))


def test_other_seed_gives_other_results() -> None:
    a, b = run(mixed_items(), seed=1), run(mixed_items(), seed=2)
    assert not a.select("demand").equals(b.select("demand"))


def test_an_item_does_not_depend_on_the_other_items_or_their_order() -> None:
    items = mixed_items()
    alone = run(items.filter(pl.col("item") == "I2"), seed=9)
    shuffled = run(items.reverse(), seed=9).filter(pl.col("item") == "I2")
    with_more = run(
        pl.concat([items, base_stock(3, prefix="X")], how="diagonal_relaxed"), seed=9
    ).filter(pl.col("item") == "I2")
    assert alone.equals(shuffled)
    assert alone.equals(with_more)


def test_results_do_not_depend_on_the_number_of_threads() -> None:
    items = pl.concat([mixed_items(), base_stock(20, prefix="X")], how="diagonal_relaxed")
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = run(items, seed=5)
        numba.set_num_threads(max(threads, 2))
        many = run(items, seed=5)
    finally:
        numba.set_num_threads(threads)
    assert one.equals(many)


def test_fast_base_stock_kernel_matches_the_general_kernel_bit_for_bit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Bootstrap kanban items take the stripped-down kernel; it must change nothing."""
    rng = np.random.default_rng(3)
    items = base_stock(
        12,
        container_qty=[1.0, 2.5] * 6,
        kanban_count=[6, 4] * 6,
        pack_multiple=0.5,
        lead_time_sd_days=[0.0, 1.0, 2.5] * 4,
        demand_model="bootstrap",
        unit_cost=2.0,
        time_to_recover_days=5.0,
    )
    demand = pl.DataFrame(
        {"item": np.repeat(items["item"].to_numpy(), 50), "qty": rng.gamma(1.0, 2.0, 600)}
    )
    chosen: list[np.ndarray] = []
    original = engine.fast_path

    def spy(*args: object) -> np.ndarray:
        chosen.append(original(*args))  # type: ignore[arg-type]
        return chosen[-1]

    for lost_sales in (False, True):
        options = {"days": 150, "replications": 3, "seed": 8, "warmup_days": 7}
        with monkeypatch.context() as patch:
            patch.setattr(engine, "fast_path", spy)
            fast = simulate(items, demand_history=demand, lost_sales=lost_sales, **options)
        assert chosen[-1].sum() >= 8  # wide lead times (sd 2.5) take the general kernel
        with monkeypatch.context() as patch:
            patch.setattr(engine, "fast_path", lambda data, *_: np.zeros(len(data), bool))
            general = simulate(items, demand_history=demand, lost_sales=lost_sales, **options)
        assert fast.items.equals(general.items)


def test_demand_paths_are_common_across_policies() -> None:
    """The same item meets the same demand whatever its policy (common random numbers)."""
    lean = base_stock(5, kanban_count=4)
    fat = base_stock(5, kanban_count=40)
    a = simulate(lean, days=300, replications=3, seed=1).items
    b = simulate(fat, days=300, replications=3, seed=1).items
    assert (a["demand"] == b["demand"]).all()
    assert (a["fill_rate"] < b["fill_rate"]).all()
