"""Scenario files: the standard library, custom files, and errors that say where."""

from __future__ import annotations

from pathlib import Path

import pytest

from takt.errors import InvalidInputError
from takt.simulate import Disruption, Scenario, load_scenarios, standard_scenarios


def write(tmp_path: Path, text: str, name: str = "custom.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_standard_library_loads_and_covers_every_disruption_type() -> None:
    scenarios = standard_scenarios()
    names = {s.name for s in scenarios}
    assert {"supplier_outage", "port_closure", "demand_spike", "lead_time_stretch"} <= names
    kinds = {d.kind for s in scenarios for d in s.disruptions}
    assert kinds == {
        "supplier_outage",
        "region_closure",
        "demand_spike",
        "lead_time_stretch",
        "quality_failure",
    }
    assert all(s.description for s in scenarios)
    assert load_scenarios("port_closure")[0].disruptions[0].region_rank == 1


def test_custom_file_with_one_scenario(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        name = "two_things"
        description = "S1 down, then a spike on MRO items"
        [[disruption]]
        type = "supplier_outage"
        supplier = "S1"
        start_day = 10
        days = 5
        [[disruption]]
        type = "demand_spike"
        increase_pct = 25.0
        categories = ["mro"]
        start_day = 0
        days = 30
        """,
    )
    [scenario] = load_scenarios(path)
    assert scenario == Scenario(
        "two_things",
        "S1 down, then a spike on MRO items",
        (
            Disruption("supplier_outage", 10, 5, suppliers=("S1",)),
            Disruption("demand_spike", 0, 30, categories=("mro",), increase_pct=25.0),
        ),
    )
    assert scenario.source == str(path)


def test_file_with_several_scenarios_and_a_directory(tmp_path: Path) -> None:
    write(
        tmp_path,
        """
        [[scenario]]
        name = "a"
        [[scenario.disruption]]
        type = "port_closure"
        regions = ["asia", "eu"]
        start_day = 0
        days = 3
        [[scenario]]
        name = "b"
        [[scenario.disruption]]
        type = "quality_failure"
        supplier_rank = 2
        reject_rate = 0.5
        start_day = 1
        days = 2
        """,
        "two.toml",
    )
    write(tmp_path, 'name = "c"\n', "three.toml")
    names = [s.name for s in load_scenarios(tmp_path)]
    assert names == ["c", "a", "b"]  # files in name order
    kinds = [d.kind for s in load_scenarios(tmp_path / "two.toml") for d in s.disruptions]
    assert kinds == ["region_closure", "quality_failure"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("days = ", "invalid TOML"),
        ('description = "x"', "scenario 1: field 'name'"),
        (
            'name = "s"\n[[disruption]]\ntype = "meteor"\nstart_day = 0\ndays = 1',
            "scenario 's', disruption 1: field 'type' must be one of",
        ),
        (
            'name = "s"\n[[disruption]]\ntype = "supplier_outage"\nsupplier = "S"\n'
            "start_day = 0\ndays = -3",
            "scenario 's', disruption 1 (supplier_outage): field 'days' must be a whole "
            "number >= 1 (got -3)",
        ),
        (
            'name = "s"\n[[disruption]]\ntype = "supplier_outage"\nstart_day = 0\ndays = 3',
            "field 'supplier / suppliers / supplier_rank' is required",
        ),
        (
            'name = "s"\n[[disruption]]\ntype = "quality_failure"\nsupplier = "S"\n'
            "reject_rate = 1.5\nstart_day = 0\ndays = 3",
            "(quality_failure): field 'reject_rate' must be in [0, 1] (got 1.5)",
        ),
        (
            'name = "s"\n[[disruption]]\ntype = "demand_spike"\nstart_day = 0\ndays = 3',
            "field 'increase_pct' is required",
        ),
        (
            'name = "s"\n[[disruption]]\ntype = "demand_spike"\nincrease_pct = 5\n'
            "start_day = 0\ndays = 3\nfactor = 2",
            "field 'factor' is not a field of demand_spike",
        ),
        (
            'name = "s"\n[[disruption]]\ntype = "lead_time_stretch"\nfactor = "x"\n'
            "start_day = 0\ndays = 3",
            "field 'factor' must be a number (got 'x')",
        ),
        ('name = "s"\nseverity = 3', "scenario 's': unknown fields ['severity']"),
    ],
)
def test_errors_name_the_file_scenario_and_field(tmp_path: Path, body: str, message: str) -> None:
    path = write(tmp_path, body)
    with pytest.raises(InvalidInputError) as error:
        load_scenarios(path)
    assert str(path) in str(error.value)
    assert message in str(error.value)


def test_unknown_standard_name_and_missing_file() -> None:
    with pytest.raises(InvalidInputError, match=r"no standard scenario 'tsunami'.*supplier_outage"):
        load_scenarios("tsunami")
    with pytest.raises(InvalidInputError, match="scenario file not found"):
        load_scenarios(Path("/no/such/file.toml"))


def test_disruptions_check_their_fields_when_built_in_python() -> None:
    with pytest.raises(InvalidInputError, match="field 'factor' must be > 0"):
        Disruption("lead_time_stretch", 0, 5, factor=0.0)
    with pytest.raises(InvalidInputError, match="field 'start_day' must be a whole number"):
        Disruption("demand_spike", -1, 5, increase_pct=10.0)
    with pytest.raises(InvalidInputError, match="supplier_rank' cannot be given with"):
        Disruption("supplier_outage", 0, 5, suppliers=("S1",), supplier_rank=1)
