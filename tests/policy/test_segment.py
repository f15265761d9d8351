"""Segmentation: the rule table decides, the reason says why, overrides win."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from takt.errors import InvalidInputError
from takt.policy.segment import STRATEGIES, load_rules, segment


def one(**fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "item": "x",
        "pattern": "smooth",
        "xyz": "X",
        "abc": "A",
        "criticality": "normal",
        "category": "direct",
        "single_source": False,
        "lead_time_cv": 0.1,
        "otif": 0.97,
        "defect_rate": 0.001,
        "lead_time_mean_days": 7.0,
        "supplier_risk": "none",
        "region_risk": "none",
    }
    base.update(fields)
    row = segment(pl.DataFrame([base])).row(0, named=True)
    return row


def test_the_planner_reads_why() -> None:
    row = one(criticality="line_stopper", single_source=True, lead_time_cv=0.62)
    assert row["strategy"] == "buffer" and row["logic"] == "rop"
    assert row["reason"] == "buffer: line-stopper, single source, lead-time CV 0.62"


def test_stable_reliable_direct_item_runs_jit_on_kanban() -> None:
    row = one()
    assert (row["strategy"], row["logic"], row["rule"]) == ("jit", "kanban", "stable and reliable")
    assert row["reason"] == "jit: smooth demand, XYZ X"


def test_supply_risk_gives_hybrid_and_names_only_what_held() -> None:
    row = one(otif=0.8, lead_time_cv=0.35)
    assert row["strategy"] == "hybrid"
    assert row["reason"] == "hybrid: lead-time CV 0.35, OTIF 80 %"


def test_indirect_and_mro_use_min_max_whatever_the_strategy() -> None:
    assert one(category="mro")["logic"] == "min_max"
    assert one(category="indirect", pattern="lumpy")["logic"] == "min_max"


def test_dying_items_are_not_reordered() -> None:
    row = one(pattern="dying")
    assert row["logic"] == "none" and "no automatic reorder" in row["reason"]


def test_first_matching_rule_wins() -> None:
    # line-stopper AND lumpy: the critical rule comes first
    row = one(criticality="line_stopper", pattern="lumpy", single_source=True)
    assert row["rule"] == "critical and exposed"
    # a line-stopper with a reliable supplier is not "exposed": hybrid for being critical
    assert one(criticality="line_stopper")["strategy"] == "hybrid"


def test_missing_supply_history_matches_no_numeric_condition() -> None:
    row = one(otif=None, lead_time_cv=None, lead_time_mean_days=None)
    assert row["strategy"] == "jit"


def test_overrides_win_and_say_so() -> None:
    items = pl.DataFrame([{"item": "a", "pattern": "smooth", "xyz": "X", "category": "direct"}])
    out = segment(
        items,
        overrides=pl.DataFrame(
            {"item": ["a"], "strategy": ["buffer"], "note": ["launch of model Y"]}
        ),
    )
    row = out.row(0, named=True)
    assert (row["strategy"], row["rule"]) == ("buffer", "override")
    assert row["reason"] == "buffer: override (launch of model Y)"
    with pytest.raises(InvalidInputError, match="strategy 'lean' is not one of"):
        segment(items, overrides=pl.DataFrame({"item": ["a"], "strategy": ["lean"]}))


def test_custom_rule_file(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(
        '[[rule]]\nname = "all lean"\nstrategy = "jit"\n'
        "[logic.direct]\njit='kanban'\nhybrid='rop'\nbuffer='rop'\n"
        "[logic.indirect]\njit='min_max'\nhybrid='min_max'\nbuffer='min_max'\n"
        "[logic.mro]\njit='min_max'\nhybrid='min_max'\nbuffer='min_max'\n"
    )
    rules = load_rules(path)
    out = segment(pl.DataFrame({"item": ["a"], "pattern": ["lumpy"]}), rules)
    assert out["strategy"][0] == "jit" and out["reason"][0] == "jit: all lean"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[[rule]]\nstrategy = "lean"\n', "strategy must be one of"),
        ('[[rule]]\nstrategy = "jit"\nall = { colour = ["red"] }\n', "unknown field 'colour'"),
        ('[[rule]]\nstrategy = "jit"\nall = { otif = 0.9 }\n', "otif takes {min = x}"),
        ("[[rule]\n", "not valid TOML"),
        ("", "no [[rule]] entries"),
    ],
)
def test_bad_rule_files_are_named(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(body)
    with pytest.raises(
        InvalidInputError, match=message.replace("[", r"\[").replace("{", r"\{")
    ) as info:
        load_rules(path)
    assert str(path) in str(info.value)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "pattern": st.sampled_from(
                    ["smooth", "erratic", "intermittent", "lumpy", "new", "dying"]
                ),
                "xyz": st.sampled_from(["X", "Y", "Z"]),
                "criticality": st.sampled_from(["line_stopper", "important", "normal"]),
                "category": st.sampled_from(["direct", "indirect", "mro"]),
                "single_source": st.booleans(),
                "lead_time_cv": st.none() | st.floats(0, 2),
                "otif": st.none() | st.floats(0, 1),
            }
        ),
        min_size=1,
        max_size=30,
    )
)
def test_every_item_gets_a_strategy_logic_and_reason(rows: list[dict[str, object]]) -> None:
    items = pl.DataFrame([{"item": f"i{k}", **r} for k, r in enumerate(rows)])
    out = segment(items)
    assert out.height == items.height
    assert set(out["strategy"]) <= set(STRATEGIES)
    assert out["logic"].null_count() == 0
    assert all(r.startswith(f"{s}: ") for s, r in zip(out["strategy"], out["reason"], strict=True))
    line_stoppers = out.filter(items["criticality"] == "line_stopper")
    assert "jit" not in set(line_stoppers.filter(pl.col("rule") != "dying")["strategy"])
