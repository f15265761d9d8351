"""Consolidation: one PO per supplier, delivery date and agreement; stable keys and line numbers."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import pytest

from takt.errors import InvalidInputError
from takt.replenish.consolidate import HEADER_COLUMNS, consolidate, po_headers

D1, D2 = date(2025, 3, 12), date(2025, 3, 14)
SCHEMA: dict[str, Any] = {
    "requirement_id": pl.Int64,
    "item_id": pl.Int64,
    "supplier_id": pl.Int64,
    "agreement_id": pl.Int64,
    "delivery_date": pl.Date,
    "order_date": pl.Date,
    "value": pl.Float64,
    "note": pl.String,
}


def lines() -> pl.DataFrame:
    rows = [
        # requirement, item, supplier, agreement, delivery, order, value, note
        (1, 30, 9, None, D1, date(2025, 3, 9), 10.0, "a"),
        (2, 10, 9, None, D1, date(2025, 3, 8), 20.0, "b"),
        (3, 10, 4, 7, D2, date(2025, 3, 10), 30.0, "c"),
        (4, 20, 4, None, D2, date(2025, 3, 11), 40.0, "d"),
        (5, 99, None, None, None, None, None, "unsourced"),
        (6, 20, 4, 7, D2, date(2025, 3, 9), 50.0, "e"),
        (7, 10, 4, None, D1, date(2025, 3, 9), 60.0, "f"),
        (0, 10, 9, None, D1, date(2025, 3, 9), 70.0, "g"),
    ]
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


def test_one_po_per_supplier_delivery_date_and_agreement_in_a_stable_order() -> None:
    out = consolidate(lines())
    got = out.select("requirement_id", "po_key", "line_no").rows()
    assert got == [
        (7, 0, 1),  # supplier 4, 12th, no agreement
        (4, 1, 1),  # supplier 4, 14th, no agreement (before the release)
        (3, 2, 1),  # supplier 4, 14th, release against 7: item 10 first
        (6, 2, 2),  # ... then item 20
        (0, 3, 1),  # supplier 9, 12th: item 10, requirement 0
        (2, 3, 2),  # item 10, requirement 2
        (1, 3, 3),  # item 30
        (5, None, None),  # unsourced: on no PO, last
    ]
    # Carried columns follow their rows.
    assert out.filter(pl.col("requirement_id") == 5)["note"].item() == "unsourced"
    assert out["po_key"].dtype == pl.Int64 and out["line_no"].dtype == pl.Int64


def test_the_keys_do_not_depend_on_the_input_order() -> None:
    frame = lines()
    shuffled = frame.sample(fraction=1.0, shuffle=True, seed=3)
    a = consolidate(frame).select("requirement_id", "po_key", "line_no")
    b = consolidate(shuffled).select("requirement_id", "po_key", "line_no")
    assert a.equals(b)


def test_headers_give_the_earliest_order_date_the_line_count_and_the_value() -> None:
    headers = po_headers(consolidate(lines()))
    assert headers.columns == list(HEADER_COLUMNS)
    assert headers.rows() == [
        (0, 4, None, date(2025, 3, 9), D1, 1, 60.0),
        (1, 4, None, date(2025, 3, 11), D2, 1, 40.0),
        (2, 4, 7, date(2025, 3, 9), D2, 2, 80.0),
        (3, 9, None, date(2025, 3, 8), D1, 3, 100.0),
    ]
    # Straight from sourcing (no po_key yet): consolidated first, same answer.
    assert po_headers(lines()).equals(headers)


def test_an_existing_po_key_is_replaced() -> None:
    stale = lines().with_columns(po_key=pl.lit(42), line_no=pl.lit(42))
    assert consolidate(stale)["po_key"].max() == 3


def test_no_lines_give_no_pos() -> None:
    empty = lines().clear()
    assert consolidate(empty).height == 0
    assert po_headers(empty).height == 0


@pytest.mark.parametrize("column", ["supplier_id", "delivery_date", "requirement_id"])
def test_a_missing_column_is_named(column: str) -> None:
    with pytest.raises(InvalidInputError, match=column):
        consolidate(lines().drop(column))


def test_ids_must_be_whole_numbers() -> None:
    with pytest.raises(InvalidInputError, match=r"lines\.supplier_id must hold whole numbers"):
        consolidate(lines().with_columns(pl.col("supplier_id").cast(pl.String)))
    with pytest.raises(InvalidInputError, match=r"lines\.delivery_date must be a date"):
        po_headers(lines().with_columns(pl.col("delivery_date").cast(pl.String)))


def test_a_sourced_line_without_a_delivery_date_is_refused() -> None:
    broken = lines().with_columns(
        delivery_date=pl.when(pl.col("requirement_id") == 2).then(None).otherwise("delivery_date")
    )
    with pytest.raises(InvalidInputError, match=r"delivery_date.*row 1, requirement_id 2"):
        consolidate(broken)
