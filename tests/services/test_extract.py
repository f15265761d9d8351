"""The store read back in the import formats: a round trip changes nothing."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from sqlalchemy import Engine

from takt.services import extract
from takt.services.imports import import_frame
from tests.conftest import fresh_database_url
from tests.services.conftest import EXAMPLES, load_examples, snapshot


def test_round_trip_through_a_second_database(engine: Engine, tmp_path: Path, request) -> None:  # type: ignore[no-untyped-def]
    load_examples(engine, until="signals")
    frames = {
        "suppliers": extract.suppliers(engine),
        "offers": extract.offers(engine),
        "purchase-orders": extract.purchase_orders(engine),
        "receipts": extract.receipts(engine),
    }
    po = frames["purchase-orders"]
    example = pl.read_csv(EXAMPLES / "purchase-orders.csv", try_parse_dates=True)
    assert (
        po.select("po", "line", "qty")
        .sort("po", "line")
        .equals(example.select("po", "line", pl.col("qty").cast(pl.Float64)).sort("po", "line"))
    )
    assert frames["receipts"]["inspection"].to_list() == ["accepted", "partial"]
    from takt.store.db import make_engine, upgrade

    other = make_engine(fresh_database_url(engine.dialect.name, tmp_path, request))
    upgrade(other)
    import_frame(other, "items", pl.read_csv(EXAMPLES / "items.csv"))
    import_frame(other, "suppliers", frames["suppliers"])
    import_frame(other, "agreements", pl.read_csv(EXAMPLES / "agreements.csv"))
    for kind in ("offers", "purchase-orders", "receipts"):
        assert import_frame(other, kind, frames[kind]).inserted == frames[kind].height
    # Same content by natural keys (database ids may differ between the two stores).
    for name in ("suppliers", "offers", "purchase_orders", "receipts", "risk_events"):
        read = getattr(extract, name)
        assert read(engine).equals(read(other)), name
    assert snapshot(other)["po_events"]  # the second store audited its imports too
    other.dispose()
