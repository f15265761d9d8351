"""Risk on the command line: exposure with actions, uplifts made, listed and ended."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from takt.store.db import make_engine, upgrade
from tests.services.replenish_world import AS_OF, build_world
from tests.services.test_risk_report import _fire_at_s1
from tests.test_cli import run


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    engine = make_engine(url)
    upgrade(engine)
    build_world(engine)
    _fire_at_s1(engine)
    engine.dispose()
    return url


def test_exposure_apply_and_the_uplift_lifecycle(url: str) -> None:
    day = str(AS_OF)
    code, out, _ = run("risk", "exposure", "--as-of", day, "-d", url, "--output", "json")
    assert code == 0
    report = json.loads(out)
    assert [r["item"] for r in report["exposed"]] == ["B@MAIN", "A@MAIN"]  # largest gap first
    code, out, _ = run("risk", "exposure", "--as-of", day, "-d", url, "--apply")
    assert code == 0 and "2 buffer uplift(s) made" in out and "raise_buffer" in out
    code, out, _ = run("risk", "uplifts", "--active-on", day, "-d", url, "--output", "json")
    ups = json.loads(out)
    assert sorted(u["item"] for u in ups) == ["A@MAIN", "B@MAIN"]
    code, out, _ = run(
        "risk", "uplift", "C@MAIN", "--qty", "50", "--days", "7", "--start", day, "-d", url
    )
    assert code == 0 and "C@MAIN +50" in out
    uplift_id = out.split()[1].rstrip(":")
    assert run("risk", "end", uplift_id, "-d", url)[0] == 0
    code, out, _ = run("risk", "uplifts", "-d", url, "--output", "json")
    assert len(json.loads(out)) == 3
    code, _, err = run("risk", "uplift", "C@MAIN", "--qty", "5", "--days", "2", "--start",
                       "soon", "-d", url)  # fmt: skip
    assert code != 0 and "not a date" in err
