"""The demo generator: deterministic, in the import formats, consistent and realistic."""

from __future__ import annotations

import re
from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest

from takt.demo import DemoConfig, generate, iter_chunks
from takt.demo.history import PATTERNS, classify_demand
from takt.domain.weekdays import parse_weekdays
from takt.errors import InvalidInputError
from takt.ingest.specs import SPECS

CONFIG = DemoConfig()
FIRST_DAY = CONFIG.as_of - timedelta(days=CONFIG.days)
ITEM = ["sku", "location"]
DTYPES = {
    "text": pl.Utf8,
    "int": pl.Int64,
    "float": pl.Float64,
    "money": pl.Float64,
    "date": pl.Date,
    "datetime": pl.Datetime("us", "UTC"),
    "enum": pl.Utf8,
    "weekdays": pl.Utf8,
    "price_breaks": pl.Utf8,
}
SMALL = DemoConfig(items=60, days=200, seed=7)


@pytest.fixture(scope="module")
def data() -> dict[str, pl.DataFrame]:
    return generate(CONFIG)


@pytest.fixture(scope="module")
def patterns(data: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Items with their Syntetos-Boylan class measured on the daily demand-series."""
    items = data["items"].with_row_index("row")
    series = data["demand-series"].join(items.select(*ITEM, "row"), on=ITEM)
    day = (series["period"] - FIRST_DAY).dt.total_days().to_numpy()
    demand = np.zeros((items.height, CONFIG.days), dtype=np.int32)
    demand[series["row"].to_numpy(), day] = series["qty"].to_numpy()
    first = series.group_by("row").agg(pl.col("period").min()).sort("row")["period"]
    first_day = (first - FIRST_DAY).dt.total_days().to_numpy()
    found = classify_demand(demand, first_day)
    return items.with_columns(
        pattern=pl.Series([PATTERNS[k] for k in found]), first_period=first
    ).drop("row")


def _assert_matches_spec(kind: str, frame: pl.DataFrame) -> None:
    spec = SPECS[kind]
    assert set(frame.columns) <= {c.name for c in spec.columns}, kind
    for col in spec.columns:
        if col.name not in frame.columns:
            assert not col.required, f"{kind}.{col.name} missing"
            continue
        values = frame[col.name]
        where = f"{kind}.{col.name}"
        assert values.dtype == DTYPES[col.type], where
        if col.required:
            assert values.null_count() == 0, where
        values = values.drop_nulls()
        if col.enum is not None:
            assert set(values.unique()) <= {e.value for e in col.enum}, where
        if col.minimum is not None and col.exclusive_minimum:
            assert (values > col.minimum).all(), where
        elif col.minimum is not None:
            assert (values >= col.minimum).all(), where
        if col.maximum is not None:
            assert (values <= col.maximum).all(), where
        if col.max_length is not None and values.len():
            assert values.str.len_chars().max() <= col.max_length, where  # type: ignore[operator]
        if col.type == "weekdays":
            for text in values.unique():
                parse_weekdays(text)
        if col.type == "price_breaks":
            for text in values.unique():
                steps = [step.split(":") for step in text.split(";")] if text else []
                quantities = [float(q) for q, _ in steps]
                assert quantities == sorted(quantities), where
                assert all(float(p) > 0 for _, p in steps), where
    assert not frame.select(spec.key).is_duplicated().any(), f"{kind} keys not unique"


def _keys(frame: pl.DataFrame, columns: list[str]) -> set[tuple[object, ...]]:
    return set(frame.select(columns).unique().iter_rows())


# ---------------------------------------------------------------- determinism and shape


def test_same_seed_gives_identical_frames_and_another_seed_differs() -> None:
    first, again = generate(SMALL), generate(SMALL)
    assert first.keys() == again.keys()
    for kind in first:
        assert first[kind].equals(again[kind]), kind
    other = generate(DemoConfig(items=60, days=200, seed=8))
    assert not other["demand-series"].equals(first["demand-series"])
    assert not other["purchase-orders"].equals(first["purchase-orders"])


def test_generate_returns_every_kind_in_its_import_format(data: dict[str, pl.DataFrame]) -> None:
    assert set(data) == set(SPECS)
    for kind, frame in data.items():
        _assert_matches_spec(kind, frame)
        assert frame.height > 0, kind


def test_default_size_and_master_data_mix(data: dict[str, pl.DataFrame]) -> None:
    items, suppliers = data["items"], data["suppliers"]
    assert items.height == 300
    assert suppliers.height == 25
    assert items["sku"].str.contains(r"^P-\d{6}$").all()
    assert set(items["location"]) <= {"PLANT-1", "PLANT-2", "DC-EAST", "DC-WEST"}
    assert set(items["uom"]) == {"EA", "KG", "M", "L", "BOX"}
    share = items["category"].value_counts(normalize=True)
    share_of = dict(zip(share["category"], share["proportion"], strict=True))
    assert share_of["direct"] == pytest.approx(0.55, abs=0.08)
    assert share_of["indirect"] == pytest.approx(0.25, abs=0.07)
    assert share_of["mro"] == pytest.approx(0.20, abs=0.07)
    assert items["unit_cost"].min() < 1 < 100 < items["unit_cost"].max()  # type: ignore[operator]
    stoppers = items.filter(pl.col("criticality") == "line_stopper")
    assert stoppers.height / items.height == pytest.approx(0.15, abs=0.065)
    assert (stoppers["category"] == "direct").mean() > 0.6  # type: ignore[operator]
    important = (items["criticality"] == "important").mean()
    assert important == pytest.approx(0.30, abs=0.07)


def test_suppliers_span_regions_channels_and_contacts(data: dict[str, pl.DataFrame]) -> None:
    suppliers = data["suppliers"]
    regions = {"EU": {"DE", "FR", "PL", "IT", "CZ"}, "NA": {"US", "MX"}, "APAC": {"CN", "VN", "IN"}}
    assert set(suppliers["region"]) == set(regions)
    for region, country in suppliers.select("region", "country").iter_rows():
        assert country in regions[region]
    assert len(set(suppliers["edi_preference"])) >= 3
    assert suppliers["contact_email"].str.contains("@").all()
    assert suppliers["contact_phone"].str.starts_with("+").all()


# ---------------------------------------------------------------- references


def test_every_reference_is_consistent(data: dict[str, pl.DataFrame]) -> None:
    items = _keys(data["items"], ITEM)
    suppliers = set(data["suppliers"]["supplier"])
    for kind in ("offers", "agreements", "inventory", "purchase-orders", "signals"):
        assert _keys(data[kind], ITEM) <= items, kind
    assert _keys(data["demand-series"], ITEM) == items
    assert _keys(data["inventory"], ITEM) == items
    for kind in ("offers", "agreements", "purchase-orders"):
        assert set(data[kind]["supplier"]) <= suppliers, kind
    risk = data["risk-events"]
    assert set(risk["supplier"].drop_nulls()) <= suppliers
    assert (risk["supplier"].is_not_null() | risk["region"].is_not_null()).all()
    orders, receipts = data["purchase-orders"], data["receipts"]
    assert _keys(receipts, ["po", "line"]) <= _keys(orders, ["po", "line"])
    agreements = data["agreements"]
    assert (agreements["start_date"] <= agreements["end_date"]).all()
    assert set(orders["agreement"].drop_nulls()) <= set(agreements["agreement"])
    # Every PO line orders from a supplier that offers the item.
    assert _keys(orders, ["supplier", *ITEM]) <= _keys(data["offers"], ["supplier", *ITEM])
    assert (receipts["qty_rejected"] <= receipts["qty_received"]).all()
    assert (orders["qty"] > 0).all()


def test_purchase_order_headers_agree_across_lines(data: dict[str, pl.DataFrame]) -> None:
    orders = data["purchase-orders"]
    header = ["supplier", "order_date", "status", "agreement", "currency"]
    per_po = orders.group_by("po").agg(
        *(pl.col(c).n_unique().alias(c) for c in header),
        pl.len().alias("lines"),
        pl.col("line").min().alias("first"),
        pl.col("line").max().alias("last"),
    )
    for column in header:
        assert (per_po[column] == 1).all(), column
    assert (per_po["first"] == 1).all() and (per_po["last"] == per_po["lines"]).all()
    assert (per_po["lines"] > 1).sum() > 100  # same-day lines to one supplier are consolidated
    assert orders["po"].str.contains(r"^PO-\d{6}$").all()
    assert data["receipts"]["receipt"].str.contains(r"^GR-\d{7}$").all()


# ---------------------------------------------------------------- demand


def test_all_four_demand_patterns_with_sensible_shares_by_category(
    patterns: pl.DataFrame,
) -> None:
    active = patterns.filter(pl.col("lifecycle") == "active")
    assert set(active["pattern"]) == set(PATTERNS)
    assert (active["pattern"].value_counts()["count"] >= 10).all()

    def share(category: str, wanted: set[str]) -> float:
        of = active.filter(pl.col("category") == category)["pattern"]
        return float(of.is_in(list(wanted)).mean())  # type: ignore[arg-type]

    assert share("direct", {"smooth", "erratic"}) > 0.75
    assert share("mro", {"intermittent", "lumpy"}) > 0.75
    assert 0.2 < share("indirect", {"smooth", "erratic"}) < 0.8


def test_production_items_see_little_weekend_demand(data: dict[str, pl.DataFrame]) -> None:
    direct = data["items"].filter(pl.col("category") == "direct").select(ITEM)
    by_weekday = (
        data["demand-series"]
        .join(direct, on=ITEM)
        .group_by(pl.col("period").dt.weekday().alias("weekday"))
        .agg(pl.col("qty").sum())
    )
    qty = dict(zip(by_weekday["weekday"], by_weekday["qty"], strict=True))
    workday = sum(qty[d] for d in range(1, 6)) / 5
    assert qty[6] < 0.6 * workday
    assert qty[7] < 0.2 * workday


def test_some_items_are_seasonal(patterns: pl.DataFrame, data: dict[str, pl.DataFrame]) -> None:
    """About a fifth of the steady items show an annual cycle (first yearly harmonic)."""
    steady = patterns.filter(
        (pl.col("pattern") == "smooth")
        & (pl.col("lifecycle") == "active")
        & (pl.col("first_period") == FIRST_DAY)
    ).select(ITEM)
    monthly = (
        data["demand-series"]
        .join(steady, on=ITEM)
        .group_by(*ITEM, pl.col("period").dt.truncate("1mo").alias("month"))
        .agg(pl.col("qty").sum())
        .sort(*ITEM, "month")
        .pivot(on="month", index=ITEM, values="qty")
    )
    qty = monthly.drop(ITEM).to_numpy()
    month = np.arange(qty.shape[1])
    amplitude = 2 * np.abs((qty * np.exp(-2j * np.pi * month / 12)).sum(axis=1)) / qty.sum(axis=1)
    assert qty.shape[0] > 50
    assert 0.08 < (amplitude > 0.25).mean() < 0.4


def test_new_and_phase_out_items(data: dict[str, pl.DataFrame]) -> None:
    items, signals = data["items"], data["signals"]
    new = items.filter(pl.col("lifecycle") == "new").select(ITEM)
    dying = items.filter(pl.col("lifecycle") == "phase_out").select(ITEM)
    assert 3 <= new.height <= 25 and 3 <= dying.height <= 25
    first = data["demand-series"].join(new, on=ITEM).group_by(ITEM).agg(pl.col("period").min())
    assert (first["period"] >= CONFIG.as_of - timedelta(days=90)).all()
    assert (first["period"] <= CONFIG.as_of - timedelta(days=60)).all()
    day = pl.col("timestamp").dt.date()
    last = signals.join(dying, on=ITEM).group_by(ITEM).agg(day.max())
    assert last.height == dying.height
    assert (last["timestamp"] <= CONFIG.as_of - timedelta(days=121)).all()


def test_signals_and_demand_series_tell_the_same_history(data: dict[str, pl.DataFrame]) -> None:
    signals, series = data["signals"], data["demand-series"]
    assert signals.height == series.filter(pl.col("qty") > 0).height
    assert (signals["qty"] == signals["qty"].round()).all()
    assert signals["key"].str.contains(r"^P-\d{6}@[A-Z0-9-]+:\d{4}-\d{2}-\d{2}$").all()
    same = signals.with_columns(period=pl.col("timestamp").dt.date()).join(
        series, on=[*ITEM, "period"]
    )
    assert (same["qty"] == same["qty_right"]).all()
    assert same.height == signals.height
    assert signals["timestamp"].dt.date().max() == CONFIG.as_of - timedelta(days=1)
    sources = signals.join(data["items"], on=ITEM).group_by("category").agg(pl.col("source"))
    expected = {"direct": {"production", "kanban"}, "indirect": {"pos", "manual"}, "mro": {"mro"}}
    for category, found in sources.iter_rows():
        assert set(found) == expected[category]
    # Complete daily series from each item's first day, zero days included.
    per_item = series.group_by(ITEM).agg(pl.len(), pl.col("period").min().alias("first"))
    expected_days = (pl.lit(CONFIG.as_of) - pl.col("first")).dt.total_days()
    assert per_item.select((pl.col("len") == expected_days).all()).item()


@pytest.mark.parametrize(("grain", "rule"), [("week", "1w"), ("month", "1mo")])
def test_bucketed_history_keeps_the_totals(grain: str, rule: str) -> None:
    daily = generate(SMALL)["demand-series"]
    chunk = next(iter_chunks(SMALL, chunk_items=SMALL.items, grain=grain))
    bucketed = chunk["demand-series"]
    _assert_matches_spec("demand-series", bucketed)
    assert (bucketed["period"] == bucketed["period"].dt.truncate(rule)).all()
    expected = daily.group_by(*ITEM, pl.col("period").dt.truncate(rule)).agg(pl.col("qty").sum())
    assert bucketed.sort(*ITEM, "period").equals(expected.sort(*ITEM, "period"))


# ---------------------------------------------------------------- sources and agreements


def test_offers_primary_alternate_and_terms(data: dict[str, pl.DataFrame]) -> None:
    offers = data["offers"]
    per_item = offers.group_by(ITEM).agg(
        (pl.col("role") == "primary").sum().alias("primaries"),
        pl.col("allocation_share").sum().alias("share"),
        pl.len().alias("offers"),
    )
    assert per_item.height == 300
    assert (per_item["primaries"] == 1).all()
    assert np.allclose(per_item["share"].to_numpy(), 1.0)
    assert 0.2 <= (per_item["offers"] == 2).mean() <= 0.36  # type: ignore[operator]
    assert set(offers["pack_multiple"]) <= {1, 6, 10, 12, 25, 50, 100}
    assert len(set(offers["pack_multiple"])) >= 5
    assert (offers["moq"] % offers["pack_multiple"] == 0).all()
    assert 0.1 < (offers["price_breaks"] != "").mean() < 0.5  # type: ignore[operator]
    assert (offers["delivery_weekdays"] != "all").any()
    direct = data["items"].filter(pl.col("category") == "direct").select(ITEM)
    quoted = (
        offers.join(direct, on=ITEM)
        .join(data["suppliers"], on="supplier")
        .group_by("region")
        .agg(pl.col("lead_time_days").median())
    )
    lead = dict(zip(quoted["region"], quoted["lead_time_days"], strict=True))
    assert lead["EU"] < lead["NA"] < lead["APAC"]
    assert lead["APAC"] >= 30


def test_agreements_cover_the_year_and_match_their_releases(
    data: dict[str, pl.DataFrame],
) -> None:
    agreements, orders = data["agreements"], data["purchase-orders"]
    assert 8 <= agreements["agreement"].n_unique() <= 12
    assert (agreements["start_date"] <= CONFIG.as_of).all()
    assert (agreements["end_date"] >= CONFIG.as_of).all()
    headers = agreements.group_by("agreement").agg(
        pl.col("supplier", "start_date", "end_date", "currency").n_unique()
    )
    assert (headers.drop("agreement") == 1).to_numpy().all()
    released = (
        orders.filter(pl.col("agreement").is_not_null())
        .group_by("agreement", *ITEM)
        .agg(pl.col("qty").sum())
    )
    both = agreements.join(released, on=["agreement", *ITEM], how="left").with_columns(
        pl.col("qty").fill_null(0.0)
    )
    assert (both["released_qty"] == both["qty"]).all()
    assert released.height == agreements.filter(pl.col("released_qty") > 0).height
    assert (both["released_qty"] > 0).mean() > 0.8  # type: ignore[operator]
    ratio = float(both["released_qty"].sum()) / float(both["committed_qty"].sum())
    assert 0.5 < ratio < 1.1  # ten months into the agreement year
    releases = orders.filter(pl.col("agreement").is_not_null())
    assert (releases["order_date"] >= agreements["start_date"].min()).all()
    direct = data["items"].filter(pl.col("category") == "direct").select(ITEM)
    assert _keys(agreements, ITEM) <= _keys(direct, ITEM)


# ---------------------------------------------------------------- orders and receipts


def test_receipts_never_exceed_what_was_ordered(data: dict[str, pl.DataFrame]) -> None:
    orders, receipts = data["purchase-orders"], data["receipts"]
    per_line = receipts.group_by("po", "line").agg(pl.col("qty_received").sum())
    lines = orders.join(per_line, on=["po", "line"])
    assert (lines["qty_received"] <= lines["qty"]).all()
    assert (lines["qty_received"] < lines["qty"]).sum() > 50  # short deliveries happen
    inspection = receipts.select(
        pl.when(pl.col("qty_rejected") == 0)
        .then(pl.lit("accepted"))
        .when(pl.col("qty_rejected") == pl.col("qty_received"))
        .then(pl.lit("rejected"))
        .otherwise(pl.lit("partial"))
    ).to_series()
    assert (inspection == receipts["inspection"]).all()
    assert set(receipts["inspection"]) == {"accepted", "partial", "rejected"}
    assert (receipts["received_on"] < CONFIG.as_of).all()
    dated = receipts.join(orders, on=["po", "line"])
    assert (dated["received_on"] > dated["order_date"]).all()


def test_order_status_follows_the_receipts(data: dict[str, pl.DataFrame]) -> None:
    orders, receipts = data["purchase-orders"], data["receipts"]
    got = receipts.group_by("po").agg(pl.len().alias("receipts"))
    per_po = orders.group_by("po").agg(pl.col("status").first()).join(got, on="po", how="left")
    per_po = per_po.with_columns(pl.col("receipts").fill_null(0))
    status = dict(per_po.group_by("status").agg(pl.len()).iter_rows())
    assert status["closed"] > 0.8 * per_po.height
    for open_status in ("sent", "acknowledged", "shipped", "partially_received"):
        assert status.get(open_status, 0) > 0, open_status
    unreceived = per_po.filter(pl.col("status").is_in(["sent", "acknowledged", "shipped"]))
    assert (unreceived["receipts"] == 0).all()
    assert (per_po.filter(pl.col("status") == "partially_received")["receipts"] > 0).all()
    done_lines = orders.filter(pl.col("status").is_in(["closed", "received"])).select("po", "line")
    assert _keys(done_lines, ["po", "line"]) <= _keys(receipts, ["po", "line"])
    assert orders["promised_date"].null_count() == 0
    recent = orders.filter(pl.col("status") == "sent")["order_date"]
    assert (recent >= CONFIG.as_of - timedelta(days=2)).all()


def test_lead_times_are_right_skewed_mostly_late_and_differ_by_supplier(
    data: dict[str, pl.DataFrame],
) -> None:
    first = data["receipts"].group_by("po", "line").agg(pl.col("received_on").min())
    lines = data["purchase-orders"].join(first, on=["po", "line"])
    lines = lines.with_columns(
        actual=(pl.col("received_on") - pl.col("order_date")).dt.total_days(),
        quoted=(pl.col("need_date") - pl.col("order_date")).dt.total_days(),
    )
    assert (lines["actual"] > lines["quoted"]).mean() > 2 * (  # type: ignore[operator]
        lines["actual"] < lines["quoted"]
    ).mean()
    ratio = (lines["actual"] / lines["quoted"]).to_numpy()
    assert np.mean(ratio) > np.median(ratio)  # right-skewed
    spread = lines.group_by("supplier").agg((pl.col("actual") / pl.col("quoted")).std())
    assert spread["actual"].max() > 4 * spread["actual"].min()  # type: ignore[operator]


def test_defect_rates_differ_across_suppliers(data: dict[str, pl.DataFrame]) -> None:
    receipts = data["receipts"].join(
        data["purchase-orders"].select("po", "line", "supplier"), on=["po", "line"]
    )
    rate = receipts.group_by("supplier").agg(
        (pl.col("qty_rejected").sum() / pl.col("qty_received").sum()).alias("rate")
    )["rate"]
    assert rate.min() < 0.005  # type: ignore[operator]
    assert 0.03 < rate.max() < 0.15  # type: ignore[operator]


def test_outage_supplier_delivers_nothing_during_its_outage(
    data: dict[str, pl.DataFrame],
) -> None:
    risk = data["risk-events"]
    outage = risk.filter(pl.col("type").is_in(["outage", "fire"]))
    assert outage.height == 1 and 2 <= risk.height - 1 <= 3
    supplier, start, days = outage.select("supplier", "start_date", "expected_duration_days").row(0)
    assert 30 <= days <= 45
    end = start + timedelta(days=days)
    assert end < CONFIG.as_of
    assert risk.filter((pl.col("type") == "port_closure") & pl.col("supplier").is_null()).height
    received = (
        data["receipts"]
        .join(data["purchase-orders"].select("po", "line", "supplier"), on=["po", "line"])
        .filter(pl.col("supplier") == supplier)["received_on"]
    )
    assert not received.is_between(start, end, closed="left").any()
    before = int(received.is_between(start - timedelta(days=days), start, closed="left").sum())
    after = int(received.is_between(end, end + timedelta(days=14), closed="left").sum())
    assert before > 0 and after > 0.5 * before  # the backlog piles up after the outage


def test_inventory_snapshot(data: dict[str, pl.DataFrame]) -> None:
    inventory = data["inventory"]
    assert (inventory["on_hand"] >= 0).all()
    assert (inventory["allocated"] <= inventory["on_hand"]).all()
    assert (inventory["allocated"] > 0).sum() > 10
    assert 0 < (inventory["backordered"] > 0).sum() < 60
    assert (inventory["on_hand"] > 0).mean() > 0.7  # type: ignore[operator]


# ---------------------------------------------------------------- streaming


def test_iter_chunks_streams_unique_keys_and_repeats_itself() -> None:
    config = DemoConfig(items=25_000, days=180, seed=3)

    def run() -> list[dict[str, pl.DataFrame]]:
        return list(iter_chunks(config, chunk_items=10_000))

    chunks = run()
    assert len(chunks) == 3
    assert [c["items"].height for c in chunks] == [10_000, 10_000, 5_000]
    assert "suppliers" in chunks[0] and "risk-events" in chunks[0]
    assert all("suppliers" not in c and "signals" not in c for c in chunks[1:])
    for kind in ("items", "offers", "inventory", "purchase-orders", "receipts", "agreements"):
        whole = pl.concat([c[kind] for c in chunks])
        _assert_matches_spec(kind, whole)
    series = pl.concat([c["demand-series"] for c in chunks])
    _assert_matches_spec("demand-series", series)
    assert (series["period"].dt.weekday() == 1).all()
    suppliers = set(chunks[0]["suppliers"]["supplier"])
    assert set(pl.concat([c["offers"] for c in chunks])["supplier"]) <= suppliers
    again = run()
    for chunk, repeat in zip(chunks, again, strict=True):
        assert chunk.keys() == repeat.keys()
        assert all(chunk[kind].equals(repeat[kind]) for kind in chunk)


def test_generate_is_the_single_chunk_stream() -> None:
    whole = generate(SMALL)
    chunk = next(iter_chunks(SMALL, chunk_items=SMALL.items, grain="day", with_signals=True))
    assert whole.keys() == chunk.keys()
    assert all(whole[kind].equals(chunk[kind]) for kind in whole)


def test_tiny_data_sets_still_validate() -> None:
    for items in (1, 5):
        frames = generate(DemoConfig(items=items, days=180, seed=items))
        for kind, frame in frames.items():
            _assert_matches_spec(kind, frame)


@pytest.mark.parametrize(
    "config",
    [DemoConfig(items=0), DemoConfig(days=30), DemoConfig(suppliers=3)],
    ids=["no items", "short history", "few suppliers"],
)
def test_invalid_configs_are_refused(config: DemoConfig) -> None:
    with pytest.raises(InvalidInputError):
        generate(config)


def test_invalid_stream_arguments_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="grain"):
        next(iter_chunks(SMALL, grain="year"))
    with pytest.raises(InvalidInputError, match="chunk_items"):
        next(iter_chunks(SMALL, chunk_items=0))


def test_price_breaks_apply_to_the_order_price(data: dict[str, pl.DataFrame]) -> None:
    offers = data["offers"].filter(pl.col("price_breaks") != "")
    lines = data["purchase-orders"].filter(pl.col("agreement").is_null())
    priced = lines.join(offers, on=["supplier", *ITEM])
    for qty, price, base, breaks in priced.select(
        "qty", "unit_price", "unit_price_right", "price_breaks"
    ).iter_rows():
        expected = base
        for step in breaks.split(";"):
            at, step_price = (float(x) for x in step.split(":"))
            if qty >= at:
                expected = step_price
        assert price == pytest.approx(expected)


def test_dates_are_plain_dates_within_the_history(data: dict[str, pl.DataFrame]) -> None:
    orders = data["purchase-orders"]
    assert date(2024, 11, 1) == FIRST_DAY
    assert FIRST_DAY <= orders["order_date"].min() <= FIRST_DAY + timedelta(days=7)  # type: ignore[operator]
    assert orders["order_date"].max() < CONFIG.as_of  # type: ignore[operator]
    assert (orders["need_date"] > orders["order_date"]).all()
    assert (orders["promised_date"] >= orders["need_date"]).all()
    assert re.fullmatch(r"BA-2026-\d{3}", data["agreements"]["agreement"][0])
