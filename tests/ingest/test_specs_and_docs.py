"""The file specs, their generated documentation and the example files agree."""

from __future__ import annotations

from pathlib import Path

import pytest

from takt.ingest.docs import render
from takt.ingest.specs import LOAD_ORDER, SPECS
from takt.ingest.validate import normalise_header, parse_price_breaks

ROOT = Path(__file__).resolve().parents[2]


def test_data_formats_doc_is_generated_from_the_specs() -> None:
    assert (ROOT / "docs" / "data-formats.md").read_text() == render(), "run 'make docs'"


@pytest.mark.parametrize("kind", sorted(SPECS))
def test_every_kind_has_an_example_and_a_load_position(kind: str) -> None:
    assert (ROOT / "examples" / f"{kind}.csv").is_file()
    assert kind in LOAD_ORDER


@pytest.mark.parametrize("kind", sorted(SPECS))
def test_spec_names_and_aliases_are_unambiguous(kind: str) -> None:
    names = [n for c in SPECS[kind].columns for n in (c.name, *c.aliases)]
    assert len(names) == len(set(names))
    assert all(normalise_header(n) == n for n in names)
    assert set(SPECS[kind].key) <= {c.name for c in SPECS[kind].columns}


def test_header_normalisation() -> None:
    assert normalise_header("  Unit Cost ") == "unit_cost"
    assert normalise_header("Lead-Time.Days") == "lead_time_days"


def test_price_breaks_are_sorted_and_validated() -> None:
    assert parse_price_breaks("500:4.20; 100:4.5") == "100:4.5;500:4.20"
    assert parse_price_breaks("") == ""
    with pytest.raises(ValueError, match="min_qty:price"):
        parse_price_breaks("100=4")
