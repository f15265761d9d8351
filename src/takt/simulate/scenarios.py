"""Disruption scenarios as data: TOML files, parsed with :mod:`tomllib`.

A file holds one scenario (top-level ``name``, ``description`` and ``[[disruption]]``
tables) or several (``[[scenario]]`` tables, each with its ``[[scenario.disruption]]``)::

    name = "asia_port_closure"
    description = "The busiest region's port closed for three weeks from day 20"

    [[disruption]]
    type = "region_closure"      # alias: port_closure
    region_rank = 1              # or: region = "east_asia" / regions = [...]
    start_day = 20
    days = 21

Days count from the first simulated day after the warm-up (day 0). Disruption types,
with the fields each takes (``start_day`` ≥ 0 and ``days`` ≥ 1 always):

- ``supplier_outage``: no deliveries from the supplier(s) from ``start_day`` for
  ``days`` days; whatever is due inside the window arrives on the day after it.
  Target: ``supplier``, ``suppliers`` or ``supplier_rank`` (1 = largest annual spend).
- ``region_closure`` / ``port_closure``: an outage of every supplier of the region(s).
  Target: ``region``, ``regions`` or ``region_rank``.
- ``demand_spike``: demand × (1 + ``increase_pct``/100) on the days of the window.
  Target (optional, default every item; several narrow it down): ``items``,
  ``categories``, ``criticalities``, ``suppliers``.
- ``lead_time_stretch``: the lead time of an order placed in the window × ``factor``
  (> 0), rounded to whole days. Target (optional, default every supplier): a supplier
  or a region target as above.
- ``quality_failure``: a share ``reject_rate`` (in [0, 1]) of every receipt from the
  supplier(s) in the window is rejected and never enters stock. Target: a supplier
  target.

Standard scenarios ship in ``takt/simulate/scenarios/*.toml``; ``load_scenarios("standard")``
reads them all, ``load_scenarios("supplier_outage")`` one of them by file name.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from takt.errors import InvalidInputError

KINDS = (
    "supplier_outage",
    "region_closure",
    "demand_spike",
    "lead_time_stretch",
    "quality_failure",
)
_ALIASES = {"port_closure": "region_closure"}
_SUPPLIER_TARGET = ("supplier", "suppliers", "supplier_rank")
_REGION_TARGET = ("region", "regions", "region_rank")
_ITEM_TARGET = ("items", "categories", "criticalities", "suppliers")
_FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # kind: (required magnitude fields, allowed target fields)
    "supplier_outage": ((), _SUPPLIER_TARGET),
    "region_closure": ((), _REGION_TARGET),
    "demand_spike": (("increase_pct",), _ITEM_TARGET),
    "lead_time_stretch": (("factor",), _SUPPLIER_TARGET + _REGION_TARGET),
    "quality_failure": (("reject_rate",), _SUPPLIER_TARGET),
}
_TARGET_NEEDED = {"supplier_outage", "region_closure", "quality_failure"}


@dataclass(frozen=True)
class Disruption:
    """One disruption: what happens, to whom, from which day, for how many days.

    Targets left empty mean "not narrowed by this field"; a supplier or region rank k
    picks the k-th largest by annual spend (expected demand × unit cost; ties by name).
    """

    kind: str
    start_day: int
    days: int
    suppliers: tuple[str, ...] = ()
    supplier_rank: int | None = None
    regions: tuple[str, ...] = ()
    region_rank: int | None = None
    items: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    criticalities: tuple[str, ...] = ()
    increase_pct: float = 0.0
    factor: float = 1.0
    reject_rate: float = 0.0

    def __post_init__(self) -> None:
        check = _Checker("Disruption", self.kind)
        if self.kind not in KINDS:
            raise InvalidInputError(f"disruption type must be one of {', '.join(KINDS)}")
        check.whole("start_day", self.start_day, 0)
        check.whole("days", self.days, 1)
        for name in ("supplier_rank", "region_rank"):
            value = getattr(self, name)
            if value is not None:
                check.whole(name, value, 1)
        if self.kind == "demand_spike" and not self.increase_pct > -100.0:
            check.fail("increase_pct", "must be > -100", self.increase_pct)
        if self.kind == "lead_time_stretch" and not self.factor > 0.0:
            check.fail("factor", "must be > 0", self.factor)
        if self.kind == "quality_failure" and not 0.0 <= self.reject_rate <= 1.0:
            check.fail("reject_rate", "must be in [0, 1]", self.reject_rate)
        supplier_target = bool(self.suppliers) or self.supplier_rank is not None
        region_target = bool(self.regions) or self.region_rank is not None
        if self.kind in _TARGET_NEEDED and not (supplier_target or region_target):
            fields = _REGION_TARGET if self.kind == "region_closure" else _SUPPLIER_TARGET
            check.fail(" / ".join(fields), "is required (which supplier or region?)", None)
        if self.suppliers and self.supplier_rank is not None:
            check.fail("supplier_rank", "cannot be given with supplier(s)", self.supplier_rank)
        if self.regions and self.region_rank is not None:
            check.fail("region_rank", "cannot be given with region(s)", self.region_rank)


@dataclass(frozen=True)
class Scenario:
    """A named set of disruptions (an empty one is the undisturbed baseline)."""

    name: str
    description: str = ""
    disruptions: tuple[Disruption, ...] = ()
    source: str = field(default="", compare=False)


class _Checker:
    """Raises errors that name the file, scenario, disruption and field."""

    def __init__(self, where: str, kind: str) -> None:
        self.where = where
        self.kind = kind

    def fail(self, name: str, rule: str, value: object) -> None:
        got = "" if value is None else f" (got {value!r})"
        raise InvalidInputError(f"{self.where} ({self.kind}): field '{name}' {rule}{got}")

    def whole(self, name: str, value: object, low: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            self.fail(name, f"must be a whole number >= {low}", value)


def load_scenarios(path_or_name: str | Path) -> list[Scenario]:
    """Scenarios from a TOML file, a directory of them, or the standard library.

    ``"standard"`` gives every standard scenario; another bare name (no ``/`` and no
    ``.toml``) a standard scenario file of that name; anything else is a path.

    Raises
    ------
    InvalidInputError
        Unknown name, unreadable or invalid TOML, or a bad field (naming the file,
        scenario, disruption and field).
    """
    text = str(path_or_name)
    standard = resources.files("takt.simulate") / "scenarios"
    if isinstance(path_or_name, str) and "/" not in text and not text.endswith(".toml"):
        names = sorted(p.name for p in standard.iterdir() if p.name.endswith(".toml"))
        if text == "standard":
            return [s for name in names for s in _read(standard / name, f"<standard>/{name}")]
        if f"{text}.toml" not in names:
            known = ", ".join(n.removesuffix(".toml") for n in names)
            raise InvalidInputError(f"no standard scenario {text!r} (known: {known}, standard)")
        return _read(standard / f"{text}.toml", f"<standard>/{text}.toml")
    path = Path(path_or_name)
    if path.is_dir():
        return [s for file in sorted(path.glob("*.toml")) for s in _read(file, str(file))]
    if not path.is_file():
        raise InvalidInputError(f"scenario file not found: {path}")
    return _read(path, str(path))


def standard_scenarios() -> list[Scenario]:
    """Every scenario of the standard library."""
    return load_scenarios("standard")


def _read(file: Any, label: str) -> list[Scenario]:
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"{label}: cannot read ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInputError(f"{label}: invalid TOML ({exc})") from None
    if "scenario" in data:
        extra = sorted(set(data) - {"scenario"})
        if extra:
            raise InvalidInputError(f"{label}: unknown top-level keys {extra} next to [[scenario]]")
        tables = data["scenario"]
        if not isinstance(tables, list):
            raise InvalidInputError(f"{label}: 'scenario' must be an array of tables")
    else:
        tables = [data]
    scenarios = [_scenario(table, label, k + 1) for k, table in enumerate(tables)]
    seen: set[str] = set()
    for scenario in scenarios:
        if scenario.name in seen:
            raise InvalidInputError(f"{label}: scenario name {scenario.name!r} is used twice")
        seen.add(scenario.name)
    return scenarios


def _scenario(table: Any, label: str, number: int) -> Scenario:
    where = f"{label}: scenario {number}"
    if not isinstance(table, dict):
        raise InvalidInputError(f"{where} must be a table")
    name = table.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InvalidInputError(f"{where}: field 'name' must be a non-empty string")
    where = f"{label}: scenario {name!r}"
    unknown = sorted(set(table) - {"name", "description", "disruption"})
    if unknown:
        raise InvalidInputError(f"{where}: unknown fields {unknown}")
    description = table.get("description", "")
    if not isinstance(description, str):
        raise InvalidInputError(f"{where}: field 'description' must be a string")
    raw = table.get("disruption", [])
    if not isinstance(raw, list):
        raise InvalidInputError(f"{where}: 'disruption' must be an array of tables")
    disruptions = tuple(_disruption(d, f"{where}, disruption {k + 1}") for k, d in enumerate(raw))
    return Scenario(name.strip(), description, disruptions, source=label)


def _disruption(table: Any, where: str) -> Disruption:
    if not isinstance(table, dict):
        raise InvalidInputError(f"{where} must be a table")
    raw_kind = table.get("type")
    kind = _ALIASES.get(raw_kind, raw_kind) if isinstance(raw_kind, str) else raw_kind
    if kind not in KINDS:
        allowed = ", ".join((*KINDS, *_ALIASES))
        raise InvalidInputError(
            f"{where}: field 'type' must be one of {allowed} (got {raw_kind!r})"
        )
    check = _Checker(where, str(raw_kind))
    magnitude, targets = _FIELDS[kind]
    allowed_fields = {"type", "start_day", "days", *magnitude, *targets}
    unknown = sorted(set(table) - allowed_fields)
    if unknown:
        check.fail(
            unknown[0], f"is not a field of {raw_kind} (allowed: {sorted(allowed_fields)})", None
        )
    for name in ("start_day", "days", *magnitude):
        if name not in table:
            check.fail(name, "is required", None)
    values: dict[str, Any] = {"kind": kind}
    for name in ("start_day", "days", "supplier_rank", "region_rank"):
        if name in table:
            check.whole(name, table[name], 0 if name == "start_day" else 1)
            values[name] = table[name]
    for name in magnitude:
        value = table[name]
        if isinstance(value, bool) or not isinstance(value, int | float):
            check.fail(name, "must be a number", value)
        values[name] = float(value)
    for single, plural in (("supplier", "suppliers"), ("region", "regions")):
        if single in table and plural in table:
            check.fail(plural, f"cannot be given with '{single}'", None)
        if single in table:
            values[plural] = (_string(check, single, table[single]),)
        elif plural in table:
            values[plural] = _strings(check, plural, table[plural])
    for name in ("items", "categories", "criticalities"):
        if name in table:
            values[name] = _strings(check, name, table[name])
    try:
        return Disruption(**values)
    except InvalidInputError as exc:
        # Re-raise with the file and scenario in front of the field.
        message = str(exc).split("): ", 1)[-1]
        raise InvalidInputError(f"{where} ({raw_kind}): {message}") from None


def _string(check: _Checker, name: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        check.fail(name, "must be a non-empty string", value)
    return str(value)


def _strings(check: _Checker, name: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        check.fail(name, "must be a non-empty list of strings", value)
    return tuple(_string(check, name, v) for v in value)
