"""The command line, through Typer's runner: exit codes, output, and no tracebacks."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from takt.cli import app, main

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def run_main(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
) -> tuple[int, str, str]:
    """Run the real entry point (which turns Takt errors into one line and exit 1)."""
    monkeypatch.setattr("sys.argv", ["takt", *args])
    with pytest.raises(SystemExit) as info:
        main()
    captured = capsys.readouterr()
    return int(info.value.code or 0), captured.out, captured.err


def commands() -> list[str]:
    names = [c.name or "" for c in app.registered_commands]
    names += [
        f"{g.name} {c.name}"
        for g in app.registered_groups
        for c in g.typer_instance.registered_commands
    ]
    return sorted(names)


def test_every_command_has_help_and_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    for name in commands():
        code, out, _ = run(*name.split(), "--help")
        assert code == 0, name
        assert len(out.strip()) > 40, name
        assert f"takt {name}" in readme, f"'takt {name}' missing from README.md"


def test_import_then_status(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 't.db'}"
    assert run("db", "upgrade", "-d", url)[0] == 0
    code, out, _ = run("import", "items", str(ROOT / "examples" / "items.csv"), "-d", url)
    assert code == 0
    assert re.search(r"items.*6 row\(s\).*6 new, 0 updated, 0 unchanged", out.replace("\n", " "))
    code, out, _ = run("db", "status", "-d", url, "--output", "json")
    assert code == 0 and '"items": 6' in out


def test_rejected_import_is_one_report_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 't.db'}"
    run("db", "upgrade", "-d", url)
    bad = tmp_path / "bad.csv"
    bad.write_text("sku,unit_cost,category\nA,lots,direct\n")
    code, out, err = run_main(capsys, monkeypatch, "import", "items", str(bad), "-d", url)
    assert code == 1
    assert "import rejected, 1 problem(s)" in err
    assert f"{bad}, row 2, column 'unit_cost': not a number: 'lots'" in err
    assert "Nothing from this file was written." in err
    assert "Traceback" not in err + out


def test_errors_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    items = str(ROOT / "examples" / "items.csv")
    code, _, err = run_main(
        capsys, monkeypatch, "import", "items", items, "-d", f"sqlite:///{tmp_path / 'x.db'}"
    )
    assert code == 1 and "takt db upgrade" in err and "Traceback" not in err
    code, _, err = run_main(capsys, monkeypatch, "db", "upgrade", "-d", "mysql://x/y")
    assert code == 1 and err.strip().startswith("error: unsupported database 'mysql'")
    assert len(err.strip().splitlines()) == 1
    code, _, err = run_main(capsys, monkeypatch, "import", "items", "x.csv", "--map", "nonsense")
    assert code == 1 and "--map 'nonsense' is not COLUMN=HEADER" in err


def test_version() -> None:
    code, out, _ = run("--version")
    assert code == 0 and out.startswith("takt 0.")


def test_forecast_runs_and_export(tmp_path: Path) -> None:
    from takt.services.demo import build_demo_database

    db = tmp_path / "demo.db"
    report = build_demo_database(db, items=30, seed=5)
    assert report.forecast is not None and report.forecast.items == 30
    url = f"sqlite:///{db}"
    code, out, _ = run("forecast", "-d", url, "--grain", "month", "--horizon", "3", "-o", "json")
    assert code == 0 and '"items": 30' in out
    code, out, _ = run("runs", "-d", url, "-o", "json")
    assert code == 0 and out.count('"kind": "forecast"') == 2  # the demo's and this one
    assert '"status": "failed"' not in out
    target = tmp_path / "fc.csv"
    code, out, _ = run("export", "forecasts", "--out", str(target), "-d", url)
    assert code == 0
    import polars as pl

    exported = pl.read_csv(target)
    assert exported.height == 30 * 3 and set(exported.columns) == {
        "sku",
        "location",
        "period_start",
        "qty",
    }
    holdout = tmp_path / "holdout.csv"
    code, out, _ = run("export", "holdout", "--out", str(holdout), "-d", url)
    assert code == 0, out
    rows = pl.read_csv(holdout)  # the monthly run's: 12 months held out
    assert 0 < rows.height <= 30
    assert {"pattern", "first_demand", "adi", "cv2", "actual", "forecast"} <= set(rows.columns)
    # --holdout-periods: recorded with the run; 0 fits no holdout.
    code, out, _ = run(
        "forecast", "-d", url, "--grain", "month", "--horizon", "3", "--holdout-periods", "0"
    )
    assert code == 0, out
    result = runner.invoke(app, ["export", "holdout", "--out", str(holdout), "-d", url])
    assert result.exit_code == 1 and "has no holdout" in str(result.exception)
    from sqlalchemy import create_engine, select

    from takt.store.models import PlanRunRow

    with create_engine(url).connect() as conn:
        recorded = conn.execute(
            select(PlanRunRow.parameters)
            .where(PlanRunRow.kind == "forecast")
            .order_by(PlanRunRow.id.desc())
        ).scalars()
        assert [r["holdout_periods"] for r in recorded][:2] == [0, 12]


def test_scorecard_and_supplier_exports(tmp_path: Path) -> None:
    from takt.services.demo import build_demo_database

    db = tmp_path / "demo.db"
    build_demo_database(db, items=60, seed=8)
    url = f"sqlite:///{db}"
    code, out, _ = run("scorecard", "-d", url, "-o", "json")
    assert code == 0 and '"scorecards"' in out and '"score"' in out
    code, out, _ = run("scorecard", "-d", url, "--trend", "S-001")
    assert code == 0 and "S-001: monthly trend" in out
    for what in ("scorecards", "lead-times"):
        target = tmp_path / f"{what}.parquet"
        code, _, _ = run("export", what, "--out", str(target), "-d", url)
        assert code == 0 and target.stat().st_size > 0


def test_policy_commands(tmp_path: Path) -> None:
    from takt.services.demo import build_demo_database

    db = tmp_path / "demo.db"
    build_demo_database(db, items=40, seed=9)
    url = f"sqlite:///{db}"
    assert run("scorecard", "-d", url)[0] == 0
    code, out, _ = run("policy", "-d", url, "--limit", "5")
    assert code == 0 and "Policy run" in out and "reason" in out
    assert "demand: the forecast run's forecasts; calibration on the forecast run's holdout" in out
    assert "(52 periods, 364 days)" in out and "  all " in out
    import polars as pl

    first = tmp_path / "first.csv"
    assert run("export", "policies", "--out", str(first), "-d", url)[0] == 0
    row = pl.read_csv(first).row(0, named=True)
    item = f"{row['sku']}@{row['location']}"
    code, out, _ = run("policy", "set", item, "--strategy", "buffer", "--note", "launch", "-d", url)
    assert code == 0, out
    code, out, _ = run("policy", "-d", url, "-o", "json")
    assert code == 0 and "buffer: override (launch)" in out
    assert json.loads(out)["calibration"]["applied"] is True
    target = tmp_path / "policies.csv"
    assert run("export", "policies", "--out", str(target), "-d", url)[0] == 0
    assert "buffer: override (launch)" in target.read_text()
    code, out, _ = run("policy", "clear", item, "-d", url)
    assert code == 0 and "override removed" in out
