"""The pages' pure helpers: where a sign-in may send the browser, the forecast interval,
history in the forecast's periods, and chart JSON that cannot break out of its block."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import plotly.graph_objects as go
import pytest

from takt.web.auth import safe_target
from takt.web.charts import embed, forecast_interval, history_by_period


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/items?q=A", "/items?q=A"),
        ("/approvals", "/approvals"),
        (None, "/"),
        ("", "/"),
        ("https://evil.example/", "/"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("items", "/"),
    ],
)
def test_safe_target_keeps_the_browser_on_this_site(target: str | None, expected: str) -> None:
    assert safe_target(target) == expected


def test_forecast_interval_is_rmsse_times_the_naive_scale() -> None:
    # naive one-step errors of 8, 12, 10: 4 and -2 -> RMS sqrt(10); RMSSE 1, z 1
    lower, upper = forecast_interval([10.0, 2.0], [8.0, 12.0, 10.0], 1.0, z=1.0) or ([], [])
    assert upper[0] - 10.0 == pytest.approx(10**0.5)
    assert lower == [pytest.approx(10.0 - 10**0.5), 0.0]  # floored at zero
    assert forecast_interval([10.0], [8.0, 12.0, 10.0], None) is None
    assert forecast_interval([10.0], [8.0, 12.0], 1.0) is None  # too little history


def test_history_is_summed_into_the_forecasts_weeks() -> None:
    start = date(2026, 3, 2)
    periods = [start + timedelta(weeks=w) for w in range(3)]
    history = [{"day": start - timedelta(days=d), "qty": 1.0} for d in range(1, 18)]
    history.reverse()  # oldest first, as item_detail gives it
    days, totals = history_by_period(history, periods)
    # 17 days back: 2 whole weeks and 3 days of a partial week that starts before them.
    assert days == [start - timedelta(weeks=2), start - timedelta(weeks=1)]
    assert totals == [7.0, 7.0]
    daily, values = history_by_period(history, [])
    assert len(daily) == 17 and values == [1.0] * 17


def test_chart_json_cannot_close_its_script_block() -> None:
    title = "</script><script>alert(1)</script> & more"
    chart = embed(go.Figure(layout={"title": {"text": title}}), "c")
    assert "</script" not in chart.json and "<" not in chart.json and "&" not in chart.json
    assert json.loads(str(chart.json))["layout"]["title"]["text"] == title
    assert re.fullmatch(r"[\x20-\x7e]+", str(chart.json))
