"""Demand classification against hand-computed cases and invariants."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from takt.errors import InvalidInputError
from takt.signals.classify import PATTERNS, ClassifyConfig, classify_panel
from takt.signals.panel import build_panel


def monthly(series: dict[str, list[float]], start: date = date(2020, 1, 1)) -> pl.DataFrame:
    rows = []
    for item, values in series.items():
        periods = pl.date_range(start, date(2100, 1, 1), "1mo", eager=True)[: len(values)]
        rows.append(pl.DataFrame({"item": item, "period": periods, "qty": values}))
    return pl.concat(rows)


def classify(series: dict[str, list[float]], **config: object) -> dict[str, dict[str, object]]:
    panel = build_panel(monthly(series), "month")
    out = classify_panel(panel, ClassifyConfig(**config))  # type: ignore[arg-type]
    return {r["item"]: r for r in out.iter_rows(named=True)}


def test_syntetos_boylan_quadrants() -> None:
    n = 36
    result = classify(
        {
            "smooth": [10.0] * n,
            "erratic": [1.0, 30.0] * (n // 2),
            "intermittent": [0.0, 0.0, 5.0] * (n // 3),
            "lumpy": [0.0, 0.0, 1.0, 0.0, 0.0, 40.0] * (n // 6),
        }
    )
    assert {k: v["pattern"] for k, v in result.items()} == {
        "smooth": "smooth",
        "erratic": "erratic",
        "intermittent": "intermittent",
        "lumpy": "lumpy",
    }
    assert result["intermittent"]["adi"] == pytest.approx(34 / 12)  # from the first demand on
    assert result["intermittent"]["cv2"] == 0.0
    sizes = np.array([1.0, 30.0] * 18)
    assert result["erratic"]["cv2"] == pytest.approx(sizes.var(ddof=1) / sizes.mean() ** 2)


def test_cutoffs_are_parameters() -> None:
    series = {"a": [0.0, 5.0] * 18}  # ADI 35/18 = 1.94
    assert classify(series)["a"]["pattern"] == "intermittent"
    assert classify(series, adi_cutoff=2.0)["a"]["pattern"] == "smooth"


def test_new_and_dying() -> None:
    result = classify(
        {
            "old": [5.0] * 36,
            "new": [0.0] * 30 + [4.0] * 6,
            "dying": [5.0] * 20 + [0.0] * 16,
            "never": [0.0] * 36,
        },
        dying_after=12,
    )
    assert result["new"]["pattern"] == "new" and result["new"]["review"]
    assert result["dying"]["pattern"] == "dying" and result["dying"]["periods_since_demand"] == 16
    assert result["never"]["pattern"] == "dying"
    assert result["old"]["pattern"] == "smooth" and not result["old"]["review"]


def test_abc_by_annual_value_and_xyz_by_variability() -> None:
    panel = build_panel(
        monthly(
            {
                "big": [100.0] * 12,
                "mid": [10.0] * 12,
                "small": [1.0] * 12,
                "noisy": [0.0, 20.0] * 6,
            }
        ),
        "month",
    )
    out = classify_panel(panel, unit_cost={"big": 5.0, "mid": 5.0, "small": 1.0, "noisy": 0.1})
    rows = {r["item"]: r for r in out.iter_rows(named=True)}
    # values 6000, 600, 12, 12: big starts at share 0, mid at 0.906, small at 0.996
    assert rows["big"]["abc"] == "A" and rows["mid"]["abc"] == "B" and rows["small"]["abc"] == "C"
    assert rows["big"]["annual_value"] == pytest.approx(6000.0)
    assert rows["big"]["xyz"] == "X" and rows["noisy"]["xyz"] == "Z"  # CV of 0/20 = 1.0


def test_seasonality_detected_only_where_present() -> None:
    t = np.arange(48)
    rng = np.random.default_rng(1)
    result = classify(
        {
            "seasonal": list(100 + 40 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 3, 48)),
            "flat": list(100 + rng.normal(0, 10, 48)),
        }
    )
    assert result["seasonal"]["seasonal"] and not result["flat"]["seasonal"]


def test_gaps_are_zero_demand_and_series_end_together() -> None:
    frame = pl.DataFrame(
        {
            "item": ["a", "a", "b"],
            "period": [date(2024, 1, 15), date(2024, 4, 2), date(2024, 2, 1)],
            "qty": [3.0, 4.0, 1.0],
        }
    )
    panel = build_panel(frame, "month")
    assert list(panel.values) == [3.0, 0.0, 0.0, 4.0, 1.0, 0.0, 0.0]
    assert panel.last_period == date(2024, 4, 1)


def test_bad_frames_are_named() -> None:
    with pytest.raises(InvalidInputError, match="lacks column"):
        build_panel(pl.DataFrame({"x": [1]}), "month")
    with pytest.raises(InvalidInputError, match="negative"):
        build_panel(
            pl.DataFrame({"item": ["a"], "period": [date(2024, 1, 1)], "qty": [-1.0]}), "month"
        )
    with pytest.raises(InvalidInputError, match="grain"):
        build_panel(
            pl.DataFrame({"item": ["a"], "period": [date(2024, 1, 1)], "qty": [1.0]}), "year"
        )


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 50), min_size=1, max_size=40), min_size=1, max_size=8))
def test_invariants(series: list[list[int]]) -> None:
    data = {f"i{k}": [float(v) for v in s] for k, s in enumerate(series)}
    out = classify(data)
    for row in out.values():
        assert row["pattern"] in PATTERNS
        assert row["adi"] >= 1.0
        assert row["cv2"] >= 0.0
        assert row["abc"] in ("A", "B", "C") and row["xyz"] in ("X", "Y", "Z")
