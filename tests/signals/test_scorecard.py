"""Supplier scorecards: OTIF per line on hand-built cases, KPIs and score on the demo."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest

from takt.demo.generator import DemoConfig, generate
from takt.demo.history import draw_suppliers
from takt.errors import InvalidInputError
from takt.signals.leadtime import line_outcomes
from takt.signals.scorecard import (
    COMPONENTS,
    ScorecardConfig,
    line_otif,
    scorecard_trend,
    supplier_scorecard,
)
from tests.signals.test_leadtime import hand_case, order_frame, receipt_frame

JUDGED_ON = date(2026, 2, 1)
DEMO_AS_OF = date(2026, 11, 1)


@pytest.fixture(scope="module")
def hand() -> pl.DataFrame:
    return line_outcomes(*hand_case())


def by_line(frame: pl.DataFrame) -> dict[tuple[str, int], dict[str, object]]:
    return {(r["po"], r["line"]): r for r in frame.iter_rows(named=True)}


# ---------------------------------------------------------------------- per line


def test_line_otif_hand_case(hand: pl.DataFrame) -> None:
    rows = by_line(line_otif(hand, ScorecardConfig(), as_of=JUDGED_ON))
    assert set(rows) == {("PO-1", 1), ("PO-1", 2), ("PO-2", 1), ("PO-5", 1), ("PO-6", 1)}
    # Not yet due (PO-4) and cancelled (PO-3) are left out.
    late = rows["PO-1", 1]
    assert (late["on_time"], late["in_full"], late["otif"]) == (False, False, False)
    short = rows["PO-1", 2]  # 80 on time, the 20 after the window: on time, not in full
    assert short["on_time"] and not short["in_full"] and short["qty_by_window_end"] == 80.0
    rejected = rows["PO-2", 1]  # in full on the gross quantity; quality scores the rejects
    assert rejected["otif"]
    past_due = rows["PO-5", 1]
    assert past_due["open"] and not past_due["on_time"] and not past_due["in_full"]
    made_whole = rows["PO-6", 1]  # need date as due date; balance inside the window
    assert made_whole["due_date"] == date(2026, 1, 10)
    assert made_whole["otif"] and made_whole["qty_by_window_end"] == 100.0


def test_line_otif_window_and_tolerance() -> None:
    promised = date(2026, 1, 10)
    cases = {  # po: (received on, qty received) -> expected (on_time, in_full)
        "EARLY-2": (date(2026, 1, 8), 100.0, (True, True)),
        "EARLY-3": (date(2026, 1, 7), 100.0, (False, True)),
        "LATE-1": (date(2026, 1, 11), 100.0, (False, False)),
        "TOL-98": (date(2026, 1, 10), 98.0, (True, True)),
        "TOL-97": (date(2026, 1, 10), 97.0, (True, False)),
    }
    orders = order_frame(
        [{"po": po, "supplier": "A", "order_date": date(2026, 1, 1), "promised_date": promised}
         for po in cases]
    )  # fmt: skip
    receipts = receipt_frame([(po, 1, on, qty, 0.0) for po, (on, qty, _) in cases.items()])
    rows = by_line(line_otif(line_outcomes(orders, receipts), as_of=JUDGED_ON))
    for po, (_, _, expected) in cases.items():
        assert (rows[po, 1]["on_time"], rows[po, 1]["in_full"]) == expected, po
    wider = ScorecardConfig(early_days=3, late_days=1, in_full_tolerance=0.05)
    rows = by_line(line_otif(line_outcomes(orders, receipts), wider, as_of=JUDGED_ON))
    assert all(rows[po, 1]["on_time"] and rows[po, 1]["in_full"] for po in cases)


def test_line_otif_judges_an_early_full_delivery_before_its_due_date(hand: pl.DataFrame) -> None:
    # On 9 Jan PO-6 is not due (10 Jan) and has 90 of 100: not judged yet;
    # PO-2 (due 10 Jan) has not arrived: not judged either.
    rows = by_line(line_otif(hand, as_of=date(2026, 1, 9)))
    assert ("PO-6", 1) not in rows and ("PO-2", 1) not in rows
    rows = by_line(line_otif(hand, as_of=date(2026, 1, 10)))  # all 100 in, still 10 Jan
    assert rows["PO-6", 1]["otif"] and rows["PO-2", 1]["otif"]


def test_line_otif_ignores_receipts_after_as_of(hand: pl.DataFrame) -> None:
    # The outcomes know of the 15 Jan receipt of PO-1/1; judged on 12 Jan it is still open.
    rows = by_line(line_otif(hand, as_of=date(2026, 1, 12)))
    late = rows["PO-1", 1]
    assert late["open"] and late["first_receipt"] is None and late["lead_time_days"] is None
    assert not late["on_time"] and not late["in_full"]
    assert rows["PO-1", 2]["qty_by_window_end"] == 80.0


def test_config_is_validated() -> None:
    with pytest.raises(InvalidInputError, match="unknown score weight"):
        ScorecardConfig(weights={"price": 1.0}).validate()
    with pytest.raises(InvalidInputError, match="in_full_tolerance"):
        ScorecardConfig(in_full_tolerance=1.5).validate()


# ---------------------------------------------------------------------- per supplier


def test_scorecard_hand_case(hand: pl.DataFrame) -> None:
    acks = pl.DataFrame(
        {
            "po": ["PO-1", "PO-1", "PO-5"],
            "acknowledged_on": [date(2026, 1, 5), date(2026, 1, 3), date(2026, 1, 4)],
        }
    )
    events = pl.DataFrame(
        {
            "event": ["E1", "E2", "E3", "E4"],
            "type": ["fire", "strike", "financial", "fire"],
            "start_date": [date(2026, 1, 5), date(2026, 1, 25), date(2026, 1, 5), date(2026, 3, 1)],
            "supplier": ["A", "A", "B", "A"],
        }
    )
    card = supplier_scorecard(hand, as_of=JUDGED_ON, risk_events=events, acknowledgements=acks)
    rows = {r["supplier"]: r for r in card.iter_rows(named=True)}
    a, b = rows["A"], rows["B"]
    assert (a["lines"], b["lines"]) == (3, 2)
    assert a["on_time_pct"] == pytest.approx(100 / 3) and a["in_full_pct"] == 0.0
    assert a["otif_pct"] == 0.0 and a["open_past_due"] == 1
    assert b["otif_pct"] == 100.0 and b["open_past_due"] == 0
    assert a["lead_time_mean"] == pytest.approx(11.0)  # 14 and 8 days
    assert a["lead_time_std"] == pytest.approx(np.sqrt(18.0))
    assert b["defect_rate"] == pytest.approx(5 / 150) and b["defect_ppm"] == pytest.approx(1e6 / 30)
    assert a["defect_rate"] == 0.0
    # First acknowledgements: PO-1 after 2 days, PO-5 after 1 day.
    assert a["ack_latency_days"] == pytest.approx(1.5) and b["ack_latency_days"] is None
    # Fire on 5 Jan: next receipt 9 Jan (4 days); strike on 25 Jan: nothing by 1 Feb (7,
    # a lower bound); the financial notice and the future event do not count.
    assert a["disruption_events"] == 2 and a["disruptions_open"] == 1
    assert a["disruption_response_days"] == pytest.approx(5.5)
    assert b["disruption_events"] == 0 and b["disruption_response_days"] is None

    ratios = np.array([8 / 8, 7 / 9])  # lead time over planned lead time
    assert b["lead_time_ratio_cv"] == pytest.approx(ratios.std(ddof=1) / ratios.mean())
    assert b["lead_time_score"] == pytest.approx(1 - b["lead_time_ratio_cv"] / 0.5)
    assert b["quality_score"] == pytest.approx(1 - (1e6 / 30) / 50_000)
    assert b["responsiveness_score"] is None
    # B has no responsiveness: its weight is spread over the other three.
    expected_b = 100 * (0.4 * 1.0 + 0.2 * b["lead_time_score"] + 0.25 * b["quality_score"]) / 0.85
    assert b["score"] == pytest.approx(expected_b)
    assert a["responsiveness_score"] == pytest.approx(((1 - 1.5 / 5) + (1 - 5.5 / 90)) / 2)
    expected_a = 100 * (
        0.2 * a["lead_time_score"] + 0.25 * 1.0 + 0.15 * a["responsiveness_score"]
    )  # otif 0, weights sum to 1
    assert a["score"] == pytest.approx(expected_a)
    assert card["supplier"].to_list() == ["B", "A"] and card["rank"].to_list() == [1, 2]


def test_scorecard_lookback_drops_old_lines(hand: pl.DataFrame) -> None:
    card = supplier_scorecard(hand, ScorecardConfig(lookback_days=10), as_of=JUDGED_ON)
    rows = {r["supplier"]: r for r in card.iter_rows(named=True)}
    # Only windows ending after 22 Jan count: none of A's (PO-5's ends on 20 Jan).
    assert rows["A"]["lines"] == 0 and rows["A"]["score"] is None
    assert rows["A"]["otif_pct"] is None


@pytest.fixture(scope="module")
def demo() -> dict[str, pl.DataFrame]:
    return generate(DemoConfig(items=300))


@pytest.fixture(scope="module")
def demo_outcomes(demo: dict[str, pl.DataFrame]) -> pl.DataFrame:
    return line_outcomes(demo["purchase-orders"], demo["receipts"], as_of=DEMO_AS_OF)


@pytest.fixture(scope="module")
def demo_card(demo: dict[str, pl.DataFrame], demo_outcomes: pl.DataFrame) -> pl.DataFrame:
    return supplier_scorecard(demo_outcomes, as_of=DEMO_AS_OF, risk_events=demo["risk-events"])


def supplier_tiers() -> pl.DataFrame:
    """How the demo suppliers really behave: the generator draws them first from child 0
    of the seed (see ``takt.demo.generator``), so the same call reproduces them."""
    rng = np.random.default_rng(np.random.SeedSequence(42).spawn(1)[0])
    behaviour = draw_suppliers(rng, 25, 730).behaviour
    return pl.DataFrame(
        {
            "supplier": [f"S-{i + 1:03d}" for i in range(25)],
            "log_sd": behaviour.lead_time_log_sd,
            "outage": np.arange(25) == behaviour.outage_supplier,
        }
    )


def test_demo_otif_separates_reliable_from_unreliable(demo_card: pl.DataFrame) -> None:
    card = demo_card.join(supplier_tiers(), on="supplier")
    reliable = card.filter((pl.col("log_sd") <= 0.1) & ~pl.col("outage"))
    unreliable = card.filter(pl.col("log_sd") >= 0.35)
    assert reliable.height >= 3 and unreliable.height >= 3
    assert reliable["otif_pct"].min() > unreliable["otif_pct"].max()  # type: ignore[operator]
    assert reliable["otif_pct"].mean() - unreliable["otif_pct"].mean() > 30  # type: ignore[operator]
    assert (
        reliable["lead_time_ratio_cv"].max() < unreliable["lead_time_ratio_cv"].min()  # type: ignore[operator]
    )
    assert reliable["score"].mean() > unreliable["score"].mean()  # type: ignore[operator]


def test_demo_outage_supplier_recovers_after_its_outage(
    demo: dict[str, pl.DataFrame], demo_card: pl.DataFrame
) -> None:
    outage = demo["risk-events"].filter(pl.col("type").is_in(["fire", "outage"])).row(0, named=True)
    assert supplier_tiers().filter(pl.col("outage"))["supplier"].item() == outage["supplier"]
    row = demo_card.filter(pl.col("supplier") == outage["supplier"]).row(0, named=True)
    duration = outage["expected_duration_days"]
    assert duration <= row["disruption_response_days"] <= duration + 15
    assert row["disruption_events"] == 1 and row["responsiveness_score"] is not None
    others = demo_card.filter(pl.col("supplier") != outage["supplier"])
    assert others["disruption_response_days"].is_null().all()  # the rest have no events


def test_demo_score_follows_the_formula(demo_card: pl.DataFrame) -> None:
    weights = np.array([0.40, 0.20, 0.25, 0.15])
    scores = demo_card.select([f"{c}_score" for c in COMPONENTS]).to_numpy()
    have = ~np.isnan(scores)
    expected = 100 * np.nansum(scores * weights, axis=1) / (have * weights).sum(axis=1)
    np.testing.assert_allclose(demo_card["score"].to_numpy(), expected)
    assert ((demo_card["score"] >= 0) & (demo_card["score"] <= 100)).all()


def test_weights_change_the_ranking(demo_outcomes: pl.DataFrame) -> None:
    def ranking(weights: dict[str, float]) -> list[str]:
        card = supplier_scorecard(demo_outcomes, ScorecardConfig(weights=weights), as_of=DEMO_AS_OF)
        return card["supplier"].to_list()

    by_quality = ranking({"quality": 1.0})
    by_otif = ranking({"otif": 1.0})
    default = ranking(dict(ScorecardConfig().weights))
    assert by_quality != by_otif and default != by_quality
    card = supplier_scorecard(demo_outcomes, as_of=DEMO_AS_OF)
    best_otif = card.sort("otif_pct", "supplier", descending=[True, False])["supplier"][0]
    assert by_otif[0] == best_otif
    # Doubling every weight changes nothing: only their proportions count.
    assert ranking({k: 2 * v for k, v in ScorecardConfig().weights.items()}) == default


# ---------------------------------------------------------------------- trend


def test_trend_hand_case(hand: pl.DataFrame) -> None:
    out = scorecard_trend(hand, as_of=JUDGED_ON, window="1mo", periods=2)
    assert out.height == 4  # every supplier, every window
    january = out.filter(pl.col("period_start") == date(2026, 1, 1))
    jan = {r["supplier"]: r for r in january.iter_rows(named=True)}
    assert jan["A"]["period_end"] == JUDGED_ON
    assert (jan["A"]["lines"], jan["A"]["otif_pct"]) == (3, 0.0)
    assert (jan["B"]["lines"], jan["B"]["otif_pct"]) == (2, 100.0)
    assert jan["B"]["defect_rate"] == pytest.approx(5 / 150)
    assert jan["A"]["lead_time_mean"] == pytest.approx(11.0)
    dec = out.filter(pl.col("period_start") == date(2025, 12, 1))
    assert dec["lines"].to_list() == [0, 0] and dec["otif_pct"].is_null().all()

    overlapping = scorecard_trend(hand, as_of=JUDGED_ON, window="30d", step="10d", periods=3)
    a = overlapping.filter(pl.col("supplier") == "A").sort("period_end", descending=True)
    assert a["period_end"].to_list() == [JUDGED_ON, date(2026, 1, 22), date(2026, 1, 12)]
    assert a["lines"].to_list() == [3, 3, 2]  # PO-5's window ends 20 Jan
    with pytest.raises(InvalidInputError, match="durations"):
        scorecard_trend(hand, as_of=JUDGED_ON, window="month")


def test_trend_on_demo(demo_outcomes: pl.DataFrame) -> None:
    out = scorecard_trend(demo_outcomes, as_of=DEMO_AS_OF, window="1mo", periods=12)
    assert out.height == 25 * 12
    assert out["period_start"].min() == date(2025, 11, 1)
    total = out["lines"].sum()
    judged = line_otif(demo_outcomes, as_of=DEMO_AS_OF)
    in_year = judged.filter(pl.col("window_end") >= date(2025, 11, 1))
    assert total == in_year.height
