"""Risk exposure (TTS vs TTR), recommended actions and supplier leading indicators, on
hand-worked small worlds (the numbers in the comments are worked by hand)."""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from takt.errors import InvalidInputError
from takt.signals.leadtime import line_outcomes
from takt.signals.risk import (
    EXPOSURE_COLUMNS,
    RECOMMEND_COLUMNS,
    exposure,
    leading_indicators,
    number_text,
    recommend,
    supplier_exposure,
)
from takt.signals.scorecard import scorecard_trend
from tests.signals.test_leadtime import order_frame, receipt_frame

AS_OF = date(2026, 3, 1)
SETTINGS = settings(max_examples=60, deadline=None)


def item_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    base = {"demand_sd": 0.0, "on_order": 0.0, "criticality": "normal", "unit_cost": 1.0}
    return pl.DataFrame([base | r for r in rows])


def supply_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    base = {"region": None, "role": "primary", "share": 1.0, "lead_time_days": 7.0}
    return pl.DataFrame(
        [base | r for r in rows],
        schema_overrides={"region": pl.Utf8, "share": pl.Float64, "lead_time_q95_days": pl.Float64},
    )


def event_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    base = {"type": "port_closure", "severity": "high", "supplier": None, "region": None}
    schema = {
        "key": pl.Utf8,
        "type": pl.Utf8,
        "severity": pl.Utf8,
        "start": pl.Date,
        "expected_duration_days": pl.Int64,
        "supplier": pl.Utf8,
        "region": pl.Utf8,
    }
    return pl.DataFrame([base | r for r in rows], schema=schema)


NO_EVENTS = event_frame([])
# The port of Ningbo closed 10 days ago for 30 days: 20 days left on AS_OF.
PORT = {"key": "PORT-1", "region": "CN-NGB", "start": AS_OF - timedelta(days=10),
        "expected_duration_days": 30}  # fmt: skip


def hand_world() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """A: single source in the closed port. B: 60 % from that supplier, 40 % from Germany."""
    items = item_frame(
        [
            {
                "item": "A",
                "demand_mean": 10.0,
                "on_hand": 100.0,
                "on_order": 50.0,
                "unit_cost": 3.0,
            },
            {"item": "B", "demand_mean": 10.0, "on_hand": 200.0},
        ]
    )
    supply = supply_frame(
        [
            {"item": "A", "supplier": "S1", "region": "CN-NGB", "lead_time_q95_days": 10.0},
            {"item": "B", "supplier": "S1", "region": "CN-NGB", "share": 0.6,
             "lead_time_q95_days": 10.0},
            {"item": "B", "supplier": "S2", "region": "DE", "role": "alternate", "share": 0.4,
             "lead_time_q95_days": 8.0},
        ]
    )  # fmt: skip
    return items, supply, event_frame([PORT])


def rows(frame: pl.DataFrame, key: str = "item") -> dict[Any, dict[str, Any]]:
    return {r[key]: r for r in frame.iter_rows(named=True)}


# ---------------------------------------------------------------------- exposure


def test_port_closure_hand_case() -> None:
    items, supply, events = hand_world()
    out = exposure(items, supply, events, as_of=AS_OF)
    assert out.columns == list(EXPOSURE_COLUMNS)
    a = rows(out)["A"]
    # TTS = (100 + 50) / 10 = 15 d; TTR = 20 d left + 10 d q95 lead time = 30 d.
    assert a["time_to_survive_days"] == pytest.approx(15.0)
    assert a["time_to_recover_days"] == pytest.approx(30.0)
    assert a["exposed"] and a["hit"] and a["single_source"]
    assert a["gap_days"] == pytest.approx(15.0)
    assert a["units_short"] == pytest.approx(150.0)  # 10/day × 15 d
    assert a["value_at_risk"] == pytest.approx(450.0)  # 150 × 3
    assert (a["recover_supplier"], a["ttr_basis"], a["events"]) == ("S1", "risk_event", ["PORT-1"])
    assert a["event_starts_in_days"] == 0.0
    # B: TTS 200/10 = 20 d < TTR 30 d of S1 (its 60 % share is hit): gap 10 d, 100 short.
    b = rows(out)["B"]
    assert b["exposed"] and not b["single_source"] and b["suppliers"] == 2
    assert (b["gap_days"], b["units_short"], b["hit_suppliers"]) == (10.0, 100.0, ["S1"])
    assert out["item"].to_list() == ["A", "B"]  # largest value at risk first


def test_line_stoppers_add_safety_over_the_gap() -> None:
    items, supply, events = hand_world()
    items = items.with_columns(
        pl.when(pl.col("item") == "A").then(pl.lit("line_stopper")).otherwise(pl.col("criticality"))
        .alias("criticality"),
        pl.lit(4.0).alias("demand_sd"),
    )  # fmt: skip
    out = rows(exposure(items, supply, events, as_of=AS_OF, line_stopper_z=1.645))
    # 150 + 1.645 × 4 × √15 = 150 + 25.484 = 175.484; B (normal) keeps its 100.
    assert out["A"]["units_short"] == pytest.approx(150.0 + 1.645 * 4.0 * math.sqrt(15.0))
    assert out["A"]["units_short"] == pytest.approx(175.484, abs=1e-3)
    assert out["B"]["units_short"] == pytest.approx(100.0)


@pytest.mark.parametrize(
    ("start_in", "duration", "severity", "ttr", "exposed"),
    [
        (12, 25, "high", 35.0, True),  # starts in 12 d: its whole 25 d count, + 10 d q95
        (30, 25, "high", 35.0, True),  # the 30-day horizon is inclusive
        (31, 25, "high", 10.0, False),  # beyond the horizon: TTR is the q95 alone
        (-40, 30, "high", 10.0, False),  # ended 10 days ago
        (-10, 30, "medium", 10.0, False),  # below min_severity="high"
    ],
)
def test_event_window_horizon_and_severity(
    start_in: int, duration: int, severity: str, ttr: float, exposed: bool
) -> None:
    items, supply, _ = hand_world()
    event = PORT | {"start": AS_OF + timedelta(days=start_in), "expected_duration_days": duration,
                    "severity": severity}  # fmt: skip
    out = exposure(items, supply, event_frame([event]), as_of=AS_OF, min_severity="high")
    a = rows(out)["A"]
    assert a["time_to_recover_days"] == pytest.approx(ttr)
    assert a["exposed"] is exposed
    assert a["ttr_basis"] == ("risk_event" if exposed else "primary")
    if exposed:
        assert a["event_starts_in_days"] == start_in


def test_event_hits_by_supplier_name_and_not_other_regions() -> None:
    items, supply, _ = hand_world()
    events = event_frame(
        [
            {"key": "FIRE-S2", "type": "fire", "supplier": "S2", "start": AS_OF,
             "expected_duration_days": 50},
            {"key": "STORM-US", "type": "weather", "region": "US", "start": AS_OF,
             "expected_duration_days": 50},
        ]
    )  # fmt: skip
    out = rows(exposure(items, supply, events, as_of=AS_OF))
    # S2 (40 % of B) burns: TTR 50 + 8 = 58 d against 20 d of stock.
    assert out["B"]["time_to_recover_days"] == pytest.approx(58.0)
    assert out["B"]["recover_supplier"] == "S2" and out["B"]["events"] == ["FIRE-S2"]
    # A is untouched: latent view, TTR = its primary's 10 d q95 < 15 d TTS.
    assert not out["A"]["hit"] and not out["A"]["exposed"]
    assert out["A"]["gap_days"] == pytest.approx(-5.0)


def test_a_hit_supplier_carrying_no_volume_stops_nothing() -> None:
    items = item_frame([{"item": "C", "demand_mean": 1.0, "on_hand": 9.0}])
    supply = supply_frame(
        [
            {"item": "C", "supplier": "S2", "region": "DE", "lead_time_q95_days": 8.0},
            {"item": "C", "supplier": "S1", "region": "CN-NGB", "role": "alternate",
             "share": 0.0, "lead_time_q95_days": 10.0},
        ]
    )  # fmt: skip
    c = rows(exposure(items, supply, event_frame([PORT]), as_of=AS_OF))["C"]
    assert not c["hit"] and not c["exposed"] and c["hit_suppliers"] == ["S1"]
    assert (c["time_to_recover_days"], c["ttr_basis"]) == (8.0, "primary")


def test_items_without_demand_or_supply_are_noted_never_exposed() -> None:
    items = item_frame(
        [{"item": "IDLE", "demand_mean": 0.0, "on_hand": 0.0},
         {"item": "ORPHAN", "demand_mean": 5.0, "on_hand": 0.0}]
    )  # fmt: skip
    supply = supply_frame([{"item": "IDLE", "supplier": "S1", "region": "CN-NGB"}])
    out = rows(exposure(items, supply, event_frame([PORT]), as_of=AS_OF))
    assert out["IDLE"]["time_to_survive_days"] is None and not out["IDLE"]["exposed"]
    assert out["IDLE"]["note"] == "no demand"
    assert out["ORPHAN"]["note"] == "no supply offer" and not out["ORPHAN"]["exposed"]
    # No q95 given: lead_time_days (7) stands in, + 20 d of port closure.
    assert out["IDLE"]["time_to_recover_days"] == pytest.approx(27.0)


def test_accepts_the_store_extract_column_names() -> None:
    items, supply, events = hand_world()
    renamed = events.rename({"key": "event", "start": "start_date"})
    assert exposure(items, supply, renamed, as_of=AS_OF).equals(
        exposure(items, supply, events, as_of=AS_OF)
    )


@pytest.mark.parametrize(
    ("frame", "change", "message"),
    [
        ("items", lambda f: f.drop("on_hand"), "on_hand"),
        ("items", lambda f: f.with_columns(pl.lit("vital").alias("criticality")), "criticality"),
        ("supply", lambda f: f.with_columns(pl.lit("backup").alias("role")), "role"),
        ("supply", lambda f: f.with_columns(pl.lit(1.5).alias("share")), "share"),
        ("events", lambda f: f.with_columns(pl.lit("dire").alias("severity")), "severity"),
        ("events", lambda f: f.with_columns(pl.lit(None, pl.Utf8).alias("region")), "nor region"),
        ("events", lambda f: f.drop("start"), "start"),
    ],
)
def test_bad_input_names_the_problem(frame: str, change: Any, message: str) -> None:
    world = dict(zip(("items", "supply", "events"), hand_world(), strict=True))
    world[frame] = change(world[frame])
    with pytest.raises(InvalidInputError, match=message):
        exposure(world["items"], world["supply"], world["events"], as_of=AS_OF)


def test_supplier_exposure_hand_case() -> None:
    out = rows(supplier_exposure(*hand_world(), as_of=AS_OF), "supplier")
    s1, s2 = out["S1"], out["S2"]
    # S1 stops for 30 d: A short 150 × 3 = 450, B short 10 d × 10 = 100 × 1: 550.
    assert (s1["items"], s1["exposed_items"], s1["single_source_items"]) == (2, 2, 1)
    assert s1["value_at_risk"] == pytest.approx(550.0) and s1["worst_gap_days"] == 15.0
    assert s1["hit"] and s1["events"] == ["PORT-1"] and s1["region"] == "CN-NGB"
    # S2 (no event) would need its 8 d q95 against B's 20 d: gap -12, nothing exposed.
    assert (s2["exposed_items"], s2["value_at_risk"], s2["worst_gap_days"]) == (0, 0.0, -12.0)
    assert not s2["hit"]


# ---------------------------------------------------------------------- recommend


def test_recommend_shift_expedite_and_buffer() -> None:
    items, supply, events = hand_world()
    items = pl.concat(
        [items, item_frame([{"item": "D", "demand_mean": 10.0, "on_hand": 150.0}])],
        how="diagonal_relaxed",
    )
    supply = pl.concat(
        [supply, supply_frame([{"item": "D", "supplier": "S1", "region": "CN-NGB",
                                "lead_time_q95_days": 10.0}])]
    )  # fmt: skip
    open_lines = pl.DataFrame(
        {
            "po_number": ["PO-7", "PO-7", "PO-8"],
            "line_no": [1, 2, 1],
            "item": ["A", "A", "A"],
            "supplier": ["S1", "S1", "S3"],
            "qty_open": [50.0, 20.0, 30.0],
            # day 20 is after A's stock runs out (day 15), day 5 before it
            "due_date": [AS_OF + timedelta(days=20), AS_OF + timedelta(days=5), AS_OF],
        }
    )
    exp = exposure(items, supply, events, as_of=AS_OF)
    out = recommend(exp, supply, open_lines, as_of=AS_OF)
    assert out.columns == list(RECOMMEND_COLUMNS)
    acts = rows(out)
    # B: S2 delivers in 8 d < 20 d TTS, unaffected → shift S1's 60 % share to S2.
    assert (acts["B"]["action"], acts["B"]["alternate"]) == ("shift_to_alternate", "S2")
    assert (acts["B"]["uplift_qty"], acts["B"]["uplift_days"]) == (100.0, 30.0)
    assert "60 % share to S2" in acts["B"]["reason"]
    # A: no alternate; PO-7/1 (due day 20 > TTS 15) can be pulled forward, PO-7/2 is in time.
    assert (acts["A"]["action"], acts["A"]["lines"]) == ("expedite", ["PO-7/1"])
    assert "PO-7/1 (50 units)" in acts["A"]["reason"] and not acts["A"]["also_buffer"]
    # D: 150/10 = 15 d, no alternate, no lines, not a line-stopper → raise the buffer.
    assert acts["D"]["action"] == "raise_buffer"
    assert acts["D"]["reason"].endswith("Raise the buffer by 150 units for 30 d")
    assert acts["D"]["supplier"] == "S1" and acts["D"]["alternate"] is None


def test_line_stoppers_pre_build_or_also_buffer() -> None:
    items, supply, events = hand_world()
    items = items.with_columns(
        pl.lit("line_stopper").alias("criticality"), pl.lit(4.0).alias("demand_sd")
    )
    out = rows(recommend(exposure(items, supply, events, as_of=AS_OF), supply, None, as_of=AS_OF))
    # A: no unaffected source, nothing to expedite → pre-build ⌈175.48⌉ = 176 units.
    assert (out["A"]["action"], out["A"]["uplift_qty"]) == ("pre_build", 176.0)
    assert "bridge the 15 d gap" in out["A"]["reason"]
    # B: shift to S2 and, being a line-stopper, also hold ⌈100 + 1.645·4·√10⌉ = 121 units.
    assert out["B"]["action"] == "shift_to_alternate" and out["B"]["also_buffer"]
    assert out["B"]["uplift_qty"] == 121.0
    assert "also raise the buffer by 121 units for 30 d" in out["B"]["reason"]


def test_slow_or_hit_alternates_are_not_shifted_to() -> None:
    items, supply, _ = hand_world()
    slow = supply.with_columns(
        pl.when(pl.col("supplier") == "S2").then(25.0).otherwise(pl.col("lead_time_q95_days"))
        .alias("lead_time_q95_days")
    )  # fmt: skip
    exp = exposure(items, slow, event_frame([PORT]), as_of=AS_OF)
    b = rows(recommend(exp, slow, None, as_of=AS_OF))["B"]
    # S2 needs 25 d but stock lasts 20 d: raise the buffer, naming the slow alternate.
    assert (b["action"], b["alternate"]) == ("raise_buffer", "S2")
    assert "alternate S2 needs 25 d, longer than the cover" in b["reason"]
    # An alternate caught by the same storm is no alternate at all.
    storm = event_frame([PORT, PORT | {"key": "STORM-DE", "region": "DE"}])
    exp = exposure(items, supply, storm, as_of=AS_OF)
    b = rows(recommend(exp, supply, None, as_of=AS_OF))["B"]
    assert b["action"] == "raise_buffer" and b["alternate"] is None


def test_latent_exposures_only_on_request() -> None:
    items = item_frame([{"item": "JIT", "demand_mean": 10.0, "on_hand": 30.0}])
    supply = supply_frame([{"item": "JIT", "supplier": "S9", "lead_time_q95_days": 12.0}])
    exp = exposure(items, supply, NO_EVENTS, as_of=AS_OF)
    assert exp["exposed"].to_list() == [True] and exp["hit"].to_list() == [False]
    assert recommend(exp, supply, None, as_of=AS_OF).height == 0
    latent = recommend(exp, supply, None, as_of=AS_OF, latent=True)
    assert latent["action"].to_list() == ["raise_buffer"]
    assert latent["reason"][0].startswith("if S9 stopped today it would need 12 d")


# ---------------------------------------------------------------------- properties

quantity = st.floats(0.0, 1_000.0, allow_nan=False)
days = st.integers(0, 60)


def one_item_world(
    on_hand: float, on_order: float, demand: float, q95: float, remaining: int
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    items = item_frame([{"item": "X", "demand_mean": demand, "demand_sd": 2.0, "on_hand": on_hand,
                         "on_order": on_order, "criticality": "line_stopper"}])  # fmt: skip
    supply = supply_frame(
        [{"item": "X", "supplier": "S", "region": "R", "lead_time_q95_days": q95}]
    )
    event = {"key": "E", "region": "R", "start": AS_OF, "expected_duration_days": remaining}
    return items, supply, event_frame([event] if remaining else [])


@SETTINGS
@given(quantity, quantity, st.floats(0.0, 100.0), st.floats(0.1, 50.0), st.floats(0.0, 60.0), days)
def test_more_stock_never_makes_an_item_more_exposed(
    on_hand: float, extra: float, on_order: float, demand: float, q95: float, remaining: int
) -> None:
    before = exposure(*one_item_world(on_hand, on_order, demand, q95, remaining), as_of=AS_OF)
    after = exposure(
        *one_item_world(on_hand + extra, on_order, demand, q95, remaining), as_of=AS_OF
    )
    assert after["time_to_survive_days"][0] >= before["time_to_survive_days"][0]
    assert after["exposed"][0] <= before["exposed"][0]
    assert after["units_short"][0] <= before["units_short"][0] + 1e-9
    assert after["time_to_recover_days"][0] == before["time_to_recover_days"][0]


@SETTINGS
@given(quantity, st.floats(0.1, 50.0), st.floats(0.0, 50.0), days, days)
def test_tts_falls_with_demand_and_ttr_grows_with_the_event(
    stock: float, demand: float, more_demand: float, remaining: int, longer: int
) -> None:
    base = exposure(*one_item_world(stock, 0.0, demand, 10.0, remaining), as_of=AS_OF)
    busier = exposure(
        *one_item_world(stock, 0.0, demand + more_demand, 10.0, remaining), as_of=AS_OF
    )
    assert base["time_to_survive_days"][0] == pytest.approx(stock / demand)
    assert busier["time_to_survive_days"][0] <= base["time_to_survive_days"][0] + 1e-12
    worse = exposure(*one_item_world(stock, 0.0, demand, 10.0, remaining + longer), as_of=AS_OF)
    assert worse["time_to_recover_days"][0] == pytest.approx(10.0 + remaining + longer)
    assert worse["exposed"][0] >= base["exposed"][0]


def test_a_hundred_thousand_items_match_the_rule() -> None:
    rng = np.random.default_rng(7)
    n = 100_000
    region = rng.integers(0, 10, n)
    q95 = rng.uniform(2.0, 40.0, n)
    demand = rng.uniform(0.0, 20.0, n)
    stock = rng.uniform(0.0, 600.0, n)
    items = pl.DataFrame({"item": [f"I{i}" for i in range(n)], "demand_mean": demand,
                          "demand_sd": 1.0, "on_hand": stock, "on_order": 0.0,
                          "criticality": "normal", "unit_cost": 2.0})  # fmt: skip
    supply = pl.DataFrame({"item": items["item"], "supplier": [f"S{r}-{i % 50}" for i, r in
                           enumerate(region)], "region": [f"R{r}" for r in region],
                           "role": "primary", "share": 1.0, "lead_time_days": q95 / 1.5,
                           "lead_time_q95_days": q95})  # fmt: skip
    events = event_frame([PORT | {"region": "R3"}])  # 20 days left in region R3
    out = exposure(items, supply, events, as_of=AS_OF).sort("item")
    order = np.argsort([f"I{i}" for i in range(n)])
    tts = np.where(demand > 0, stock / np.where(demand > 0, demand, 1.0), np.inf)
    ttr = q95 + np.where(region == 3, 20.0, 0.0)
    assert out.height == n
    assert out["exposed"].to_numpy().tolist() == (tts < ttr)[order].tolist()
    assert out["hit"].sum() == int((region == 3).sum())
    assert (
        supplier_exposure(items, supply, events, as_of=AS_OF).height
        == supply["supplier"].n_unique()
    )


# ---------------------------------------------------------------------- leading indicators

STARTS = [date(2025, m, 1) for m in range(1, 13)]


def trend_frame(supplier: str, **series: list[float]) -> pl.DataFrame:
    n = len(STARTS)
    data = {"otif_pct": [95.0] * n, "defect_rate": [0.01] * n, "lead_time_mean": [10.0] * n,
            "lines": [20] * n} | series  # fmt: skip
    return pl.DataFrame({"supplier": supplier, "period_start": STARTS,
                         "period_end": [*STARTS[1:], date(2026, 1, 1)], **data})  # fmt: skip


def test_each_indicator_fires_on_a_deteriorating_supplier() -> None:
    trend = trend_frame(
        "BAD",
        otif_pct=[95.0] * 9 + [90.0, 80.0, 70.0],
        lines=[20] * 9 + [10, 30, 10],
        lead_time_mean=[10.0] * 9 + [13.0, 14.0, 15.0],
        defect_rate=[0.01] * 9 + [0.03, 0.05, 0.07],
    )
    out = rows(leading_indicators(trend), "indicator")
    otif = out["otif_falling"]
    # recent OTIF weighted by lines: (90·10 + 80·30 + 70·10) / 50 = 80; baseline 95.
    assert (otif["baseline"], otif["recent"], otif["change"]) == (95.0, 80.0, -15.0)
    assert otif["slope"] < 0 and otif["severity"] == "medium"  # 15 / 10 < 2
    assert otif["message"].startswith("OTIF fell from 95 % to 80 % (-15 pts) over the last 3")
    # lead time (13·10 + 14·30 + 15·10)/50 = 14 d against 10 d: +40 % = 2 × 20 % → high.
    lead = out["lead_time_drifting"]
    assert lead["change"] == pytest.approx(40.0) and lead["severity"] == "high"
    # defects 1 % → (3·10 + 5·30 + 7·10)/50 = 5 %: +4 pts = 2 × 2 pts → high.
    defects = out["defects_rising"]
    assert defects["recent"] == pytest.approx(5.0) and defects["change"] == pytest.approx(4.0)
    assert (defects["windows_recent"], defects["windows_baseline"]) == (3, 9)


@pytest.mark.parametrize("seed", range(5))
def test_a_flat_noisy_supplier_raises_nothing(seed: int) -> None:
    rng = np.random.default_rng(seed)
    trend = trend_frame(
        "STEADY",
        otif_pct=(92.0 + rng.normal(0, 3, 12)).clip(0, 100).tolist(),
        lead_time_mean=(10.0 + rng.normal(0, 0.8, 12)).tolist(),
        defect_rate=(0.01 + rng.uniform(-0.004, 0.004, 12)).tolist(),
        lines=rng.integers(5, 40, 12).tolist(),
    )
    assert leading_indicators(trend).height == 0


def test_indicators_need_enough_windows_and_a_falling_slope() -> None:
    # A collapse, but 7 of 12 windows are empty: 5 < 3 recent + 3 baseline → no judgement.
    sparse = trend_frame("NEW", otif_pct=[95.0] * 9 + [40.0] * 3, lines=[0] * 7 + [20] * 5)
    assert leading_indicators(sparse).height == 0
    # A dip after a recovery: recent 55 vs baseline (5·40 + 4·100)/9 = 66.7 is a 11.7-pt
    # drop, but the least-squares slope over the year is positive (Σ(x − x̄)y = 442.5).
    recovering = trend_frame("UP", otif_pct=[40.0] * 5 + [100.0] * 4 + [55.0] * 3)
    assert leading_indicators(recovering).height == 0
    with pytest.raises(InvalidInputError, match="otif_drop_pts"):
        leading_indicators(recovering, otif_drop_pts=0.0)


def test_number_text() -> None:
    values = pl.DataFrame({"v": [5000.0, 15.0, 8.926, -1234567.5, 0.04, None]})
    text = values.select(number_text(pl.col("v"), 2).alias("v"))["v"].to_list()
    assert text == ["5,000", "15", "8.93", "-1,234,567.5", "0.04", None]
    assert values.select(number_text(pl.col("v")).alias("v"))["v"][3] == "-1,234,568"


def test_indicators_read_the_scorecard_trend() -> None:
    # Five lines a month in 2025, promised in 10 days; from October they take 16 days.
    orders, receipts = [], []
    for month in range(1, 13):
        for k in range(5):
            po, ordered = f"PO-{month}-{k}", date(2025, month, 1 + k)
            late = 6 if month >= 10 else 0
            orders.append({"po": po, "supplier": "DRIFT", "order_date": ordered,
                           "promised_date": ordered + timedelta(days=10)})  # fmt: skip
            receipts.append((po, 1, ordered + timedelta(days=10 + late), 100.0, 0.0))
    outcomes = line_outcomes(order_frame(orders), receipt_frame(receipts))
    trend = scorecard_trend(outcomes, as_of=date(2026, 1, 1), window="1mo", periods=12)
    out = rows(leading_indicators(trend), "indicator")
    assert set(out) == {"otif_falling", "lead_time_drifting"}
    # OTIF 100 % → 0 % (all late), lead time 10 → 16 d (+60 % = 3 × 20 %): both critical.
    assert (out["otif_falling"]["baseline"], out["otif_falling"]["recent"]) == (100.0, 0.0)
    assert out["lead_time_drifting"]["change"] == pytest.approx(60.0)
    assert {r["severity"] for r in out.values()} == {"critical"}
