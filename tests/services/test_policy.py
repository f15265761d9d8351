"""Policy runs on the store: every item segmented with reasons and sized; overrides win."""

from __future__ import annotations

import polars as pl
import pytest
from sqlalchemy import Engine

from takt.demo.generator import DemoConfig, generate
from takt.errors import InvalidInputError, NotFoundError
from takt.services.forecasting import run_forecast
from takt.services.imports import import_frame
from takt.services.policy import (
    assemble_features,
    clear_override,
    export_policies,
    run_policy,
    set_override,
)
from takt.services.supplier_signals import run_supplier_signals

KINDS = (
    "items",
    "suppliers",
    "offers",
    "agreements",
    "inventory",
    "purchase-orders",
    "receipts",
    "signals",
    "risk-events",
)


@pytest.fixture(scope="module")
def frames() -> dict[str, pl.DataFrame]:
    return generate(DemoConfig(items=80, seed=21))


def prepare(engine: Engine, frames: dict[str, pl.DataFrame]) -> None:
    for kind in KINDS:
        import_frame(engine, kind, frames[kind])
    run_forecast(engine, grain="week", horizon=8)
    run_supplier_signals(engine)


def test_policy_run_segments_and_sizes_every_item(
    engine: Engine, frames: dict[str, pl.DataFrame]
) -> None:
    prepare(engine, frames)
    features, _, days = assemble_features(engine)
    assert days == 7.0
    assert features.height == 80
    assert features["lead_time_mean_days"].null_count() == 0
    result = run_policy(engine)
    policies = export_policies(engine, result.run_id)
    assert policies.height == 80
    assert policies["reason"].null_count() == 0
    assert set(policies["strategy"]) <= {"jit", "hybrid", "buffer"}
    assert len(set(policies["strategy"])) >= 2
    joined = policies.join(
        features.select(
            "sku",
            "location",
            "criticality",
            "single_source",
            "pattern",
            "category",
            "moq",
            "pack_multiple",
        ),
        on=["sku", "location"],
    )
    exposed = joined.filter(
        (pl.col("criticality") == "line_stopper")
        & pl.col("single_source")
        & (pl.col("pattern") != "dying")
    )
    assert (exposed["strategy"] == "buffer").all()
    dying = joined.filter(pl.col("pattern") == "dying")
    assert (dying["order_qty"].fill_null(0) == 0).all()
    ordered = joined.filter(pl.col("order_qty") > 0)
    assert (ordered["order_qty"] >= ordered["moq"] - 1e-9).all()
    ratio = ordered["order_qty"] / ordered["pack_multiple"]
    assert ((ratio - ratio.round(0)).abs() < 1e-6).all()
    kanban = joined.filter(pl.col("logic") == "kanban")
    assert (kanban["kanban_count"] >= 1).all()
    assert (
        joined.filter(pl.col("strategy") != "hybrid")["contingency_reserve"].fill_null(0) == 0
    ).all()
    assert (joined["safety_stock"].fill_null(0) >= 0).all()


def test_override_wins_until_cleared(engine: Engine, frames: dict[str, pl.DataFrame]) -> None:
    prepare(engine, frames)
    first = export_policies(engine, run_policy(engine).run_id)
    target = first.filter(pl.col("strategy") != "buffer").row(0, named=True)
    item = f"{target['sku']}@{target['location']}"
    set_override(engine, item, strategy="buffer", note="new product launch", service_target=0.995)
    second = export_policies(engine, run_policy(engine).run_id)
    row = second.filter(
        (pl.col("sku") == target["sku"]) & (pl.col("location") == target["location"])
    ).row(0, named=True)
    assert row["strategy"] == "buffer" and row["reason"] == "buffer: override (new product launch)"
    assert row["service_target"] == pytest.approx(0.995)
    assert clear_override(engine, item)
    third = export_policies(engine, run_policy(engine).run_id)
    back = third.filter(
        (pl.col("sku") == target["sku"]) & (pl.col("location") == target["location"])
    )
    assert back["strategy"][0] == target["strategy"]


def test_override_errors(engine: Engine, frames: dict[str, pl.DataFrame]) -> None:
    for kind in ("items",):
        import_frame(engine, kind, frames[kind])
    with pytest.raises(NotFoundError, match="unknown item 'NOPE@X'"):
        set_override(engine, "NOPE@X", strategy="buffer")
    sku = frames["items"].row(0, named=True)
    item = f"{sku['sku']}@{sku['location']}"
    with pytest.raises(InvalidInputError, match="strategy must be one of"):
        set_override(engine, item, strategy="lean")
    with pytest.raises(InvalidInputError, match="no successful forecast run"):
        run_policy(engine)
