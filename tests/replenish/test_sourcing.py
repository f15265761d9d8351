"""Sourcing: supplier choice, MOQ/pack rounding, blanket releases, dual sourcing and dates.

Dates: 2025-03-03 is a Monday. Weekday masks: bit 0 = Monday ... bit 6 = Sunday.
"""

from __future__ import annotations

import math
import re
from datetime import date, timedelta
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from takt.errors import InvalidInputError
from takt.replenish._frames import number_text, texts_per_group
from takt.replenish.sourcing import (
    OUTPUT_COLUMNS,
    OUTPUT_SCHEMA,
    SourcingConfig,
    round_up_to_pack,
    source_requirements,
)

AS_OF = date(2025, 3, 3)  # Monday
FRIDAY = date(2025, 3, 14)
MON, TUE, WED, THU, FRI, SAT, SUN = (1 << i for i in range(7))

OFFER_SCHEMA: dict[str, Any] = {
    "item_id": pl.Int64,
    "supplier_id": pl.Int64,
    "role": pl.String,
    "allocation_share": pl.Float64,
    "moq": pl.Float64,
    "pack_multiple": pl.Float64,
    "unit_price": pl.Float64,
    "delivery_weekdays": pl.Int64,
    "lead_time_days": pl.Float64,
    "supplier_blocked": pl.Boolean,
    "supplier_at_risk": pl.Boolean,
    "agreement_id": pl.Int64,
    "agreement_committed_qty": pl.Float64,
    "agreement_released_qty": pl.Float64,
    "agreement_unit_price": pl.Float64,
}
# The optional columns that name suppliers and agreements in the words.
NAMED_OFFER_SCHEMA: dict[str, Any] = {**OFFER_SCHEMA, "supplier": pl.String, "agreement": pl.String}
REQUIREMENT_SCHEMA: dict[str, Any] = {
    "requirement_id": pl.Int64,
    "item_id": pl.Int64,
    "qty": pl.Float64,
    "need_date": pl.Date,
    "strategy": pl.String,
}


def offer(supplier_id: int, **kw: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "item_id": 1,
        "supplier_id": supplier_id,
        "role": "primary",
        "allocation_share": None,
        "moq": None,
        "pack_multiple": None,
        "unit_price": 2.0,
        "delivery_weekdays": 0b1111111,
        "lead_time_days": 3.0,
        "supplier_blocked": False,
        "supplier_at_risk": False,
        "agreement_id": None,
        "agreement_committed_qty": None,
        "agreement_released_qty": None,
        "agreement_unit_price": None,
    }
    row.update(kw)
    return row


def need(requirement_id: int, qty: float, **kw: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "requirement_id": requirement_id,
        "item_id": 1,
        "qty": qty,
        "need_date": FRIDAY,
        "strategy": "jit",
    }
    row.update(kw)
    return row


def requirements_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=REQUIREMENT_SCHEMA)


def offers_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=OFFER_SCHEMA)


def source(
    needs: list[dict[str, Any]],
    offers: list[dict[str, Any]],
    as_of: date = AS_OF,
    **config: float,
) -> pl.DataFrame:
    return source_requirements(
        requirements_frame(needs),
        offers_frame(offers),
        as_of=as_of,
        config=SourcingConfig(**config),
    )


def source_named(needs: list[dict[str, Any]], offers: list[dict[str, Any]]) -> pl.DataFrame:
    """Like :func:`source`, with the offers' ``supplier`` and ``agreement`` codes."""
    rows = [{"supplier": None, "agreement": None, **row} for row in offers]
    return source_requirements(
        requirements_frame(needs), pl.DataFrame(rows, schema=NAMED_OFFER_SCHEMA), as_of=AS_OF
    )


def only(lines: pl.DataFrame) -> dict[str, Any]:
    assert lines.height == 1, lines
    return lines.row(0, named=True)


# --------------------------------------------------------------------------- rounding


def test_rounds_up_to_the_moq_then_to_a_whole_pack() -> None:
    line = only(source([need(1, 37.2)], [offer(3, moq=20.0, pack_multiple=10.0)]))
    assert line["qty"] == 40.0
    assert line["value"] == 80.0
    assert line["reason"] == "primary S3; rounded 37.2 up to 40 (MOQ 20, pack 10)"
    # Below the MOQ: up to the MOQ 25, then to the next pack of 10.
    line = only(source([need(1, 12.0)], [offer(3, moq=25.0, pack_multiple=10.0)]))
    assert line["qty"] == 30.0


def test_a_quantity_already_a_multiple_stays() -> None:
    line = only(source([need(1, 40.0)], [offer(3, moq=20.0, pack_multiple=10.0)]))
    assert line["qty"] == 40.0
    assert line["reason"] == "primary S3; qty 40 as needed"
    # 2.1 / 0.3 is 7.000000000000001 in floats: still a whole number of packs.
    assert round_up_to_pack(np.array([2.1]), np.array([np.nan]), np.array([0.3]))[0] == 2.1
    line = only(source([need(1, 2.1)], [offer(3, pack_multiple=0.3)]))
    assert line["qty"] == 2.1


def test_no_moq_and_no_pack_orders_the_need() -> None:
    line = only(source([need(1, 7.25)], [offer(3)]))
    assert line["qty"] == 7.25


# --------------------------------------------------------------------------- supplier choice


def test_the_primary_is_chosen_over_a_cheaper_alternate() -> None:
    line = only(source([need(1, 10.0)], [offer(1), offer(2, role="alternate", unit_price=0.5)]))
    assert (line["supplier_id"], line["role"], line["sourced"]) == (1, "primary", True)
    assert line["unit_price"] == 2.0
    assert line["reason"].startswith("primary S1;")
    assert line["warning"] is None


def test_a_blocked_primary_shifts_to_the_alternate_and_says_why() -> None:
    offers = [offer(12, supplier_blocked=True), offer(5, role="alternate", unit_price=3.0)]
    line = only(source([need(1, 10.0)], offers))
    assert (line["supplier_id"], line["role"]) == (5, "alternate")
    assert line["reason"].startswith("alternate S5; primary S12 blocked;")


def test_a_primary_at_risk_shifts_to_the_alternate_without_risk() -> None:
    offers = [
        offer(12, supplier_at_risk=True),
        offer(5, role="alternate", unit_price=1.0, supplier_at_risk=True),
        offer(6, role="alternate", unit_price=3.0),
    ]
    line = only(source([need(1, 10.0)], offers))
    # S5 is cheaper but at risk too: the alternate without a risk event comes first.
    assert line["supplier_id"] == 6
    assert line["reason"].startswith("alternate S6; primary S12 at risk;")


def test_alternates_rank_by_price_then_lead_time_then_supplier() -> None:
    primary = offer(1, supplier_blocked=True)
    cheap_slow = offer(7, role="alternate", unit_price=1.0, lead_time_days=9.0)
    cheap_fast = offer(8, role="alternate", unit_price=1.0, lead_time_days=2.0)
    dear = offer(4, role="alternate", unit_price=1.5, lead_time_days=1.0)
    assert only(source([need(1, 5.0)], [primary, cheap_slow, cheap_fast, dear]))["supplier_id"] == 8
    twin = offer(6, role="alternate", unit_price=1.0, lead_time_days=2.0)
    assert only(source([need(1, 5.0)], [primary, cheap_fast, twin]))["supplier_id"] == 6


def test_an_item_with_only_alternates_says_there_is_no_primary() -> None:
    line = only(source([need(1, 5.0)], [offer(2, role="alternate")]))
    assert line["reason"].startswith("alternate S2; no primary offer;")


def test_a_primary_at_risk_with_no_alternate_still_orders_with_a_warning() -> None:
    line = only(source([need(1, 5.0)], [offer(1, supplier_at_risk=True)]))
    assert (line["supplier_id"], line["role"], line["sourced"]) == (1, "primary", True)
    assert line["reason"].startswith("primary S1 at risk, no eligible alternate;")
    assert line["warning"] == "supplier S1 at risk"


def test_no_offer_and_all_blocked_give_an_unsourced_line() -> None:
    needs = [need(1, 5.5), need(2, 3.0, item_id=2)]
    out = source(needs, [offer(9, item_id=2, supplier_blocked=True)])
    assert out["requirement_id"].to_list() == [1, 2]
    assert out["reason"].to_list() == ["no offer", "all suppliers blocked"]
    assert out["sourced"].to_list() == [False, False]
    assert out["supplier_id"].null_count() == 2
    assert out["delivery_date"].null_count() == 2
    assert out["qty"].to_list() == [5.5, 3.0]
    assert out.columns == list(OUTPUT_COLUMNS)


def test_no_requirements_or_no_offers_at_all() -> None:
    assert dict(source([], [offer(1)]).schema) == OUTPUT_SCHEMA
    assert source([need(1, 5.0)], [])["reason"].to_list() == ["no offer"]


# --------------------------------------------------------------------------- blanket agreements


def agreement(aid: int, committed: float, released: float, price: float = 1.5) -> dict[str, Any]:
    return {
        "agreement_id": aid,
        "agreement_committed_qty": committed,
        "agreement_released_qty": released,
        "agreement_unit_price": price,
    }


def test_a_release_takes_the_agreement_price_and_says_what_is_left() -> None:
    offers = [offer(3, moq=20.0, pack_multiple=10.0, **agreement(7, 1000.0, 820.0))]
    line = only(source([need(1, 37.2)], offers))
    assert line["agreement_id"] == 7
    assert (line["qty"], line["unit_price"], line["value"]) == (40.0, 1.5, 60.0)
    assert line["reason"] == (
        "primary S3; rounded 37.2 up to 40 (MOQ 20, pack 10); "
        "release against BA-7 (860 of 1000 released after this)"
    )
    assert line["warning"] is None


def test_an_exhausted_agreement_shifts_to_the_alternate() -> None:
    # 40 left; the need rounds to 50: the agreement counts as exhausted.
    offers = [
        offer(12, pack_multiple=10.0, **agreement(7, 1000.0, 960.0)),
        offer(5, role="alternate", unit_price=2.5),
    ]
    line = only(source([need(1, 45.0)], offers))
    assert (line["supplier_id"], line["agreement_id"], line["unit_price"]) == (5, None, 2.5)
    assert "primary S12 agreement BA-7 exhausted: 40 of 1000 left" in line["reason"]
    # Exactly what is left still fits.
    line = only(source([need(1, 40.0)], offers))
    assert (line["supplier_id"], line["agreement_id"]) == (12, 7)


def test_releases_count_cumulatively_in_need_date_order_with_the_warning() -> None:
    # 200 left of 1000. In need-date order: r1 50 (850), r2 60 (910 >= 90 %: warning),
    # r3 100 would make 1010: exhausted, 90 left. r4 20 would fit, but a later need does
    # not jump ahead of an earlier one: exhausted too.
    offers = [
        offer(1, **agreement(7, 1000.0, 800.0)),
        offer(2, role="alternate", unit_price=3.0),
    ]
    needs = [
        need(4, 20.0, need_date=date(2025, 3, 20)),
        need(3, 100.0, need_date=date(2025, 3, 14)),
        need(1, 50.0, need_date=date(2025, 3, 10)),
        need(2, 60.0, need_date=date(2025, 3, 12)),
    ]
    out = source(needs, offers).sort("requirement_id")
    assert out["supplier_id"].to_list() == [1, 1, 2, 2]
    assert out["agreement_id"].to_list() == [7, 7, None, None]
    assert out["unit_price"].to_list() == [1.5, 1.5, 3.0, 3.0]
    reasons = out["reason"].to_list()
    assert "release against BA-7 (850 of 1000 released after this)" in reasons[0]
    assert "release against BA-7 (910 of 1000 released after this)" in reasons[1]
    assert "primary S1 agreement BA-7 exhausted: 90 of 1000 left" in reasons[2]
    assert "primary S1 agreement BA-7 exhausted: 90 of 1000 left" in reasons[3]
    assert out["warning"].to_list() == [
        None,
        "BA-7 91% released after this (910 of 1000)",
        None,
        None,
    ]


def test_the_warning_share_is_a_setting() -> None:
    offers = [offer(1, **agreement(7, 1000.0, 800.0))]
    line = only(source([need(1, 50.0)], offers, agreement_warn_share=0.8))
    assert line["warning"] == "BA-7 85% released after this (850 of 1000)"


def test_an_exhausted_agreement_without_alternate_orders_at_the_list_price() -> None:
    offers = [offer(1, unit_price=2.0, **agreement(7, 100.0, 90.0))]
    line = only(source([need(1, 30.0)], offers))
    assert (line["supplier_id"], line["agreement_id"], line["unit_price"]) == (1, None, 2.0)
    assert "agreement BA-7 exhausted: 10 of 100 left, ordered at the list price" in line["reason"]


# --------------------------------------------------------------------------- dual sourcing


def dual(moq_b: float = 10.0, **b: Any) -> list[dict[str, Any]]:
    return [
        offer(1, allocation_share=0.6, moq=10.0, pack_multiple=10.0),
        offer(2, allocation_share=0.2, moq=moq_b, pack_multiple=7.0, **b),
        offer(3, role="alternate", unit_price=0.1),
    ]


def test_dual_sourcing_splits_by_normalised_share_rounding_each_part() -> None:
    # Shares 0.6 : 0.2 -> 75 % and 25 % of 100: 75 -> 80 (pack 10), 25 -> 28 (pack 7).
    out = source([need(1, 100.0)], dual())
    assert out["supplier_id"].to_list() == [1, 2]
    assert out["qty"].to_list() == [80.0, 28.0]
    assert out["split"].to_list() == [True, True]
    assert out["reason"].to_list() == [
        "primary S1; 75% of a split need; rounded 75 up to 80 (MOQ 10, pack 10)",
        "primary S2; 25% of a split need; rounded 25 up to 28 (MOQ 10, pack 7)",
    ]


def test_a_split_part_below_its_moq_gives_the_whole_to_the_largest_share() -> None:
    line = only(source([need(1, 100.0)], dual(moq_b=30.0)))
    assert (line["supplier_id"], line["qty"], line["split"]) == (1, 100.0, False)
    assert (
        "no split: S2's part 25 would be below its MOQ 30, whole need to the largest share"
        in line["reason"]
    )


def test_a_primary_at_risk_takes_no_part_of_the_split() -> None:
    line = only(source([need(1, 100.0)], dual(supplier_at_risk=True)))
    assert (line["supplier_id"], line["qty"], line["split"]) == (1, 100.0, False)
    assert line["reason"].startswith("primary S1; primary S2 at risk;")


# --------------------------------------------------------------------------- dates


def test_delivery_snaps_back_to_the_latest_delivery_day() -> None:
    # Need Friday 14th; deliveries Monday and Wednesday -> Wednesday 12th; lead 2.3 -> 3 days.
    line = only(source([need(1, 5.0)], [offer(1, delivery_weekdays=MON | WED, lead_time_days=2.3)]))
    assert line["delivery_date"] == date(2025, 3, 12)
    assert line["order_date"] == date(2025, 3, 9)
    assert line["late"] is False
    # A need date on a delivery day stays.
    line = only(source([need(1, 5.0)], [offer(1, delivery_weekdays=FRI)]))
    assert (line["delivery_date"], line["order_date"]) == (FRIDAY, date(2025, 3, 11))


def test_an_order_date_in_the_past_goes_out_today_and_arrives_late() -> None:
    # Today Monday 10th, need Wednesday 12th, deliveries Monday and Thursday, lead 4:
    # latest delivery Monday 10th would need ordering on the 6th. Ordered today, it can
    # arrive from Friday 14th on: first delivery day Monday 17th, 5 days late.
    as_of = date(2025, 3, 10)
    offers = [offer(1, delivery_weekdays=MON | THU, lead_time_days=4.0)]
    line = only(source([need(1, 5.0, need_date=date(2025, 3, 12))], offers, as_of=as_of))
    assert (line["order_date"], line["delivery_date"]) == (as_of, date(2025, 3, 17))
    assert line["late"] is True
    assert line["reason"].endswith("late 5 days: ordered today, earliest delivery 2025-03-17")


# --------------------------------------------------------------------------- no lead time


def test_an_offer_without_a_lead_time_is_passed_over_and_named() -> None:
    offers = [offer(1, lead_time_days=None), offer(2, role="alternate")]
    line = only(source([need(1, 5.0)], offers))
    assert (line["supplier_id"], line["sourced"]) == (2, True)
    assert line["reason"].startswith("alternate S2; no lead time for S1;")
    # Among primaries the other one takes the order, and no split goes to the undated one.
    offers = [
        offer(1, allocation_share=0.6),
        offer(2, allocation_share=0.4, lead_time_days=None),
    ]
    line = only(source([need(1, 10.0)], offers))
    assert (line["supplier_id"], line["split"], line["qty"]) == (1, False, 10.0)
    assert line["reason"] == "primary S1; no lead time for S2; qty 10 as needed"


def test_without_any_dated_offer_the_need_comes_back_unsourced() -> None:
    # The run goes on: the item with a lead time is sourced as usual.
    needs = [need(1, 5.0), need(2, 3.0, item_id=2)]
    offers = [offer(1, lead_time_days=None), offer(4, item_id=2)]
    out = source(needs, offers)
    assert out.select("requirement_id", "supplier_id", "sourced", "qty").rows() == [
        (1, None, False, 5.0),
        (2, 4, True, 3.0),
    ]
    assert out["reason"][0] == "no lead time for S1"
    # Several are all named (by code); a blocked one is not, it could not be used anyway.
    offers = [
        offer(1, supplier="S-001", lead_time_days=None),
        offer(2, supplier="S-002", role="alternate", lead_time_days=None),
        offer(3, supplier="S-003", supplier_blocked=True),
    ]
    assert only(source_named([need(1, 5.0)], offers))["reason"] == "no lead time for S-001, S-002"
    # A blocked supplier without a lead time is just blocked.
    offers = [offer(1, supplier_blocked=True, lead_time_days=None)]
    assert only(source([need(1, 5.0)], offers))["reason"] == "all suppliers blocked"


# --------------------------------------------------------------------------- in words


def test_suppliers_and_agreements_go_by_their_codes() -> None:
    offers = [
        offer(12, supplier="S-012", supplier_blocked=True),
        offer(
            24, role="alternate", supplier="S-024", supplier_at_risk=True, agreement="BA-182",
            **agreement(7, 1000.0, 850.0),
        ),
    ]  # fmt: skip
    line = only(source_named([need(1, 60.0)], offers))
    assert line["agreement_id"] == 7
    assert line["reason"] == (
        "alternate S-024; primary S-012 blocked; qty 60 as needed; "
        "release against BA-182 (910 of 1000 released after this)"
    )
    assert line["warning"] == (
        "BA-182 91% released after this (910 of 1000); supplier S-024 at risk"
    )


def test_an_exhausted_agreement_and_a_given_up_split_go_by_their_codes() -> None:
    offers = [
        offer(12, supplier="S-012", agreement="BA-182", pack_multiple=10.0,
              **agreement(7, 1000.0, 960.0)),
        offer(5, supplier="S-005", role="alternate"),
    ]  # fmt: skip
    line = only(source_named([need(1, 45.0)], offers))
    assert line["reason"].startswith(
        "alternate S-005; primary S-012 agreement BA-182 exhausted: 40 of 1000 left;"
    )
    offers = [offer(1, supplier="S-001", agreement="BA-9", **agreement(7, 100.0, 90.0))]
    assert only(source_named([need(1, 30.0)], offers))["reason"] == (
        "primary S-001, no eligible alternate; qty 30 as needed; "
        "agreement BA-9 exhausted: 10 of 100 left, ordered at the list price"
    )
    codes = ["S-001", "S-002", "S-003"]
    offers = [{**row, "supplier": code} for row, code in zip(dual(moq_b=30.0), codes, strict=True)]
    assert (
        "no split: S-002's part 25 would be below its MOQ 30"
        in only(source_named([need(1, 100.0)], offers))["reason"]
    )


def test_without_a_code_the_words_fall_back_to_the_ids() -> None:
    # A null or blank code counts as none; the other offers keep theirs.
    offers = [
        offer(12, supplier="  ", supplier_blocked=True),
        offer(5, supplier=None, role="alternate", **agreement(7, 1000.0, 0.0)),
        offer(6, supplier="S-006", role="alternate", unit_price=9.0),
    ]
    line = only(source_named([need(1, 10.0)], offers))
    assert line["reason"] == (
        "alternate S5; primary S12 blocked; qty 10 as needed; "
        "release against BA-7 (10 of 1000 released after this)"
    )


def test_codes_must_be_text() -> None:
    requirements = requirements_frame([need(1, 5.0)])
    offers = offers_frame([offer(1)]).with_columns(supplier=pl.lit(17))
    with pytest.raises(InvalidInputError, match=r"offers\.supplier must be text"):
        source_requirements(requirements, offers, as_of=AS_OF)


def test_quantities_in_words_have_at_most_two_decimals() -> None:
    line = only(source([need(1, 194.025801)], [offer(3, pack_multiple=12.0)]))
    assert line["qty"] == 204.0
    assert line["reason"] == "primary S3; rounded 194.03 up to 204 (pack 12)"
    line = only(source([need(1, 7.256)], [offer(3, moq=2.5, pack_multiple=0.25)]))
    assert line["reason"] == "primary S3; rounded 7.26 up to 7.5 (MOQ 2.5, pack 0.25)"
    # Split parts and shares; agreement balances, releases and their warnings.
    thirds = [offer(i, allocation_share=0.3) for i in (1, 2, 3)]
    assert source([need(1, 100.0)], thirds)["reason"][0] == (
        "primary S1; 33.3% of a split need; qty 33.33 as needed"
    )
    line = only(source([need(1, 50.0)], [offer(1, **agreement(7, 100.0, 40.1234))]))
    assert line["reason"].endswith("release against BA-7 (90.12 of 100 released after this)")
    assert line["warning"] == "BA-7 90% released after this (90.12 of 100)"
    offers = [offer(1, **agreement(7, 100.0, 89.994)), offer(2, role="alternate")]
    assert (
        "agreement BA-7 exhausted: 10.01 of 100 left"
        in only(source([need(1, 30.0)], offers))["reason"]
    )


def test_number_text() -> None:
    values = pl.Series([40.0, 37.2, 194.025801, 0.004, -0.004, 1234.5, None])
    assert pl.select(number_text(pl.lit(values))).to_series().to_list() == [
        "40", "37.2", "194.03", "0", "0", "1234.5", None,
    ]  # fmt: skip


def test_texts_per_group() -> None:
    texts = pl.Series(["a", "b", "c", "d"])
    joined = texts_per_group(np.array([0, 2, 2, 3]), texts, 5)
    assert joined.to_list() == ["a", None, "b, c", "d", None]
    assert texts_per_group(np.array([], dtype=np.int64), texts.clear(), 2).to_list() == [None] * 2


# --------------------------------------------------------------------------- properties

masks = st.integers(1, 127)
packs = st.sampled_from([None, 0.5, 1.0, 2.5, 6.0, 12.0, 0.1])
moqs = st.sampled_from([None, 0.0, 1.0, 10.0, 25.0, 48.0])


@st.composite
def worlds(draw: st.DrawFn) -> tuple[pl.DataFrame, pl.DataFrame, date]:
    n_items = draw(st.integers(1, 4))
    offers = []
    supplier = 0
    for item in range(n_items):
        for _ in range(draw(st.integers(0, 3))):
            supplier += 1
            has_agreement = draw(st.booleans())
            offers.append(
                offer(
                    supplier,
                    item_id=item,
                    role=draw(st.sampled_from(["primary", "alternate"])),
                    allocation_share=draw(st.sampled_from([None, 0.0, 0.2, 0.5, 1.0])),
                    moq=draw(moqs),
                    pack_multiple=draw(packs),
                    unit_price=draw(st.floats(0.0, 100.0)),
                    delivery_weekdays=draw(masks),
                    lead_time_days=draw(st.one_of(st.none(), st.floats(0.0, 30.0))),
                    supplier_blocked=draw(st.booleans()),
                    supplier_at_risk=draw(st.booleans()),
                    **(
                        agreement(
                            supplier,
                            draw(st.floats(0.0, 500.0)),
                            draw(st.floats(0.0, 500.0)),
                        )
                        if has_agreement
                        else {}
                    ),
                )
            )
    needs = [
        need(
            i,
            draw(st.floats(0.01, 300.0)),
            item_id=draw(st.integers(0, n_items)),
            need_date=AS_OF + timedelta(days=draw(st.integers(-5, 40))),
        )
        for i in range(draw(st.integers(1, 12)))
    ]
    as_of = AS_OF + timedelta(days=draw(st.integers(0, 3)))
    return requirements_frame(needs), offers_frame(offers), as_of


def _is_multiple(qty: float, pack: float) -> bool:
    packs = qty / pack
    return abs(packs - round(packs)) <= 1e-6 * max(1.0, packs)


@settings(max_examples=150, deadline=None)
@given(worlds())
def test_every_line_keeps_the_rules(world: tuple[pl.DataFrame, pl.DataFrame, date]) -> None:
    requirements, offers, as_of = world
    out = source_requirements(requirements, offers, as_of=as_of)
    assert dict(out.schema) == OUTPUT_SCHEMA
    assert set(out["requirement_id"]) == set(requirements["requirement_id"])
    lines = out.filter("sourced").join(
        offers.select(
            "item_id",
            "supplier_id",
            "allocation_share",
            "moq",
            "pack_multiple",
            "delivery_weekdays",
            "lead_time_days",
            pl.col("agreement_committed_qty").alias("committed"),
            pl.col("agreement_released_qty").alias("released"),
        ),
        on=["item_id", "supplier_id"],
    )
    needs = dict(zip(requirements["requirement_id"], requirements["qty"], strict=True))
    share_sums = lines.group_by("requirement_id").agg(
        pl.col("allocation_share").sum().alias("share_sum")
    )
    lines = lines.join(share_sums, on="requirement_id")
    for line in lines.iter_rows(named=True):
        requirement_qty = needs[line["requirement_id"]]
        part = requirement_qty
        if line["split"]:
            part = requirement_qty * line["allocation_share"] / line["share_sum"]
        assert line["qty"] >= part * (1 - 1e-9)
        if line["pack_multiple"] is not None:
            assert _is_multiple(line["qty"], line["pack_multiple"])
        if line["moq"] is not None:
            assert line["qty"] >= line["moq"] * (1 - 1e-9)
        assert line["delivery_weekdays"] >> line["delivery_date"].weekday() & 1
        assert line["order_date"] >= as_of
        assert line["lead_time_days"] is not None  # an offer without one is never ordered from
        lead = math.ceil(line["lead_time_days"])
        assert (line["delivery_date"] - line["order_date"]).days >= lead
        assert line["late"] == (line["delivery_date"] > line["need_date"])
        assert line["value"] == pytest.approx(line["qty"] * line["unit_price"])
    # Every number in the words has at most 2 decimals.
    for text in [*out["reason"], *out["warning"].drop_nulls()]:
        assert not re.search(r"\d\.\d{3}", text), text
    totals = out.filter("sourced").group_by("requirement_id").agg(pl.col("qty").sum())
    for requirement_id, total in totals.iter_rows():
        assert total >= needs[requirement_id] * (1 - 1e-9)
    # Releases never take an agreement past what it has left.
    releases = lines.filter(pl.col("agreement_id").is_not_null())
    for _, group in releases.group_by("agreement_id"):
        committed, released = group["committed"][0], group["released"][0]
        assert released + group["qty"].sum() <= committed * (1 + 1e-9) + 1e-9


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("frames", "column"),
    [
        (lambda r, o: (r.drop("qty"), o), "qty"),
        (lambda r, o: (r, o.drop("role")), "role"),
        (lambda r, o: (r.with_columns(qty=pl.lit(-3.0)), o), "qty"),
        (lambda r, o: (r.with_columns(qty=pl.lit(float("nan"))), o), "qty"),
        (lambda r, o: (r.with_columns(strategy=pl.lit("lean")), o), "strategy"),
        (lambda r, o: (pl.concat([r, r]), o), "requirement_id"),
        (lambda r, o: (r, o.with_columns(role=pl.lit("backup"))), "role"),
        (lambda r, o: (r, o.with_columns(moq=pl.lit(-1.0))), "moq"),
        (lambda r, o: (r, o.with_columns(pack_multiple=pl.lit(0.0))), "pack_multiple"),
        (lambda r, o: (r, o.with_columns(allocation_share=pl.lit(1.5))), "allocation_share"),
        (lambda r, o: (r, o.with_columns(delivery_weekdays=pl.lit(0))), "delivery_weekdays"),
        (lambda r, o: (r, o.with_columns(lead_time_days=pl.lit(-1.0))), "lead_time_days"),
        (lambda r, o: (r, o.with_columns(unit_price=pl.lit(None, pl.Float64))), "unit_price"),
        (lambda r, o: (r, pl.concat([o, o])), "supplier_id"),
        (
            lambda r, o: (r, o.with_columns(agreement_id=pl.lit(7, pl.Int64))),
            "agreement_committed_qty",
        ),
        (lambda r, o: (r.with_columns(need_date=pl.lit("2025-03-14")), o), "need_date"),
    ],
)
def test_bad_input_names_the_column(frames: Any, column: str) -> None:
    requirements = requirements_frame([need(1, 5.0), need(2, 6.0)])
    offers = offers_frame([offer(1)])
    requirements, offers = frames(requirements, offers)
    with pytest.raises(InvalidInputError, match=column):
        source_requirements(requirements, offers, as_of=AS_OF)


def test_a_negative_quantity_names_the_requirement() -> None:
    requirements = requirements_frame([need(1, 5.0), need(2, -6.0)])
    with pytest.raises(InvalidInputError, match=r"qty .*row 1, requirement_id 2"):
        source_requirements(requirements, offers_frame([offer(1)]), as_of=AS_OF)


def test_as_of_and_config_are_checked() -> None:
    requirements, offers = requirements_frame([need(1, 5.0)]), offers_frame([offer(1)])
    with pytest.raises(InvalidInputError, match="as_of"):
        source_requirements(requirements, offers, as_of="2025-03-03")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="agreement_warn_share"):
        SourcingConfig(agreement_warn_share=1.5)
    with pytest.raises(InvalidInputError, match="DataFrame"):
        source_requirements(requirements.to_dicts(), offers, as_of=AS_OF)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- scale


def synthetic_world(n: int, seed: int = 0) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``n`` requirements over n/10 items with two offers each: a benchmark input."""
    rng = np.random.default_rng(seed)
    items = max(n // 10, 1)
    requirements = pl.DataFrame(
        {
            "requirement_id": np.arange(n),
            "item_id": rng.integers(0, items, n),
            "qty": rng.uniform(1.0, 500.0, n),
            "need_date": pl.Series(rng.integers(20150, 20200, n)).cast(pl.Int32).cast(pl.Date),
            "strategy": rng.choice(["jit", "hybrid", "buffer"], n),
        }
    )
    m = 2 * items
    with_agreement = rng.random(m) < 0.3
    offers = pl.DataFrame(
        {
            "item_id": np.repeat(np.arange(items), 2),
            "supplier_id": np.tile([1, 2], items),
            "role": rng.choice(["primary", "alternate"], m, p=[0.7, 0.3]),
            "allocation_share": rng.uniform(0.0, 1.0, m),
            "moq": rng.choice([0.0, 10.0, 50.0], m),
            "pack_multiple": rng.choice([1.0, 5.0, 12.0], m),
            "unit_price": rng.uniform(1.0, 10.0, m),
            "delivery_weekdays": rng.integers(1, 128, m),
            "lead_time_days": rng.uniform(0.0, 20.0, m),
            "supplier_blocked": rng.random(m) < 0.05,
            "supplier_at_risk": rng.random(m) < 0.1,
            "agreement_id": pl.Series(np.arange(m)).set(pl.Series(~with_agreement), None),
            "agreement_committed_qty": np.where(with_agreement, 6000.0, np.nan),
            "agreement_released_qty": np.where(with_agreement, 5000.0, np.nan),
            "agreement_unit_price": np.where(with_agreement, 1.0, np.nan),
        }
    )
    return requirements, offers


def test_a_hundred_thousand_requirements_complete() -> None:
    requirements, offers = synthetic_world(100_000)
    out = source_requirements(requirements, offers, as_of=date(2025, 3, 1))
    assert out["requirement_id"].n_unique() == 100_000
    assert out.filter("sourced")["qty"].min() > 0  # type: ignore[operator]


if __name__ == "__main__":  # benchmark: python tests/replenish/test_sourcing.py [n]
    import sys
    import time

    size = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    frames = synthetic_world(size)
    start = time.perf_counter()
    result = source_requirements(*frames, as_of=date(2025, 3, 1))
    print(
        f"{size:,} requirements -> {result.height:,} lines in {time.perf_counter() - start:.2f} s"
    )
