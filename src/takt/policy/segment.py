"""Segmentation: every item gets a strategy (``jit`` / ``hybrid`` / ``buffer``), a
replenishment logic and its reasons in words, from a rule table a planner can read
(``rules.toml`` beside this module, or their own file) and per-item overrides that
win over the rules. Vectorised: each condition is one column expression over all
items.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from takt.errors import InvalidInputError

DEFAULT_RULES = Path(__file__).with_name("rules.toml")
STRATEGIES = ("jit", "hybrid", "buffer")
LOGICS = ("kanban", "rop", "min_max", "order_up_to", "none")
WORD_FIELDS = ("pattern", "abc", "xyz", "criticality", "category", "supplier_risk", "region_risk")
BOOL_FIELDS = ("single_source",)
NUMBER_FIELDS = ("lead_time_mean_days", "lead_time_cv", "otif", "defect_rate")
FIELDS = WORD_FIELDS + BOOL_FIELDS + NUMBER_FIELDS
CATEGORIES = ("direct", "indirect", "mro")


@dataclass(frozen=True)
class Condition:
    field: str
    words: tuple[str, ...] | None = None
    flag: bool | None = None
    minimum: float | None = None
    maximum: float | None = None

    def expr(self) -> pl.Expr:
        col = pl.col(self.field)
        if self.words is not None:
            return col.is_in(list(self.words)).fill_null(False)
        if self.flag is not None:
            return (col == self.flag).fill_null(False)
        cond = pl.lit(True)
        if self.minimum is not None:
            cond = cond & (col >= self.minimum)
        if self.maximum is not None:
            cond = cond & (col < self.maximum)
        return cond.fill_null(False)

    def words_expr(self) -> pl.Expr:
        """The condition as the planner reads it, with the item's value."""
        col = pl.col(self.field)
        f = self.field
        if f == "single_source":
            return pl.lit("single source" if self.flag else "dual source")
        if f == "criticality":
            return col.str.replace("_", "-")
        if f in ("pattern",):
            return pl.format("{} demand", col)
        if f in ("abc", "xyz"):
            return pl.format("{} {}", pl.lit(f.upper()), col)
        if f in ("supplier_risk", "region_risk"):
            return pl.format("{} risk {}", pl.lit(f.split("_")[0]), col)
        if f == "category":
            return col
        if f == "lead_time_cv":
            return pl.format("lead-time CV {}", col.round(2))
        if f == "lead_time_mean_days":
            return pl.format("lead time {} d", col.round(0).cast(pl.Int64))
        if f == "otif":
            return pl.format("OTIF {} %", (col * 100).round(0).cast(pl.Int64))
        if f == "defect_rate":
            return pl.format("defects {} %", (col * 100).round(1))
        raise AssertionError(f)


@dataclass(frozen=True)
class Rule:
    name: str
    strategy: str
    logic: str | None = None
    note: str | None = None
    all: tuple[Condition, ...] = ()
    any: tuple[Condition, ...] = ()

    def matches(self) -> pl.Expr:
        cond = pl.lit(True)
        for c in self.all:
            cond = cond & c.expr()
        if self.any:
            cond = cond & pl.any_horizontal([c.expr() for c in self.any])
        return cond

    def reason(self) -> pl.Expr:
        parts = [c.words_expr() for c in self.all]
        parts += [pl.when(c.expr()).then(c.words_expr()) for c in self.any]
        if self.note:
            parts.append(pl.lit(self.note))
        if not parts:
            return pl.lit(f"{self.strategy}: {self.name}")
        words = pl.concat_list(parts).list.drop_nulls().list.join(", ")
        return pl.format("{}: {}", pl.lit(self.strategy), words)


@dataclass(frozen=True)
class RuleTable:
    rules: tuple[Rule, ...]
    logic: dict[str, dict[str, str]] = field(default_factory=dict)
    source: str = "default"


def _condition(name: str, value: Any, where: str) -> Condition:
    if name not in FIELDS:
        raise InvalidInputError(f"{where}: unknown field {name!r}; fields: {', '.join(FIELDS)}")
    if name in WORD_FIELDS:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InvalidInputError(f"{where}: {name} takes a list of words")
        return Condition(name, words=tuple(value))
    if name in BOOL_FIELDS:
        if not isinstance(value, bool):
            raise InvalidInputError(f"{where}: {name} takes true or false")
        return Condition(name, flag=value)
    if not isinstance(value, dict) or not set(value) <= {"min", "max"} or not value:
        raise InvalidInputError(f"{where}: {name} takes {{min = x}} and/or {{max = x}}")
    return Condition(name, minimum=value.get("min"), maximum=value.get("max"))


def load_rules(path: str | Path | None = None) -> RuleTable:
    """Read and check a rule table (the packaged default when ``path`` is None)."""
    source = Path(path) if path is not None else DEFAULT_RULES
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInputError(f"rule file not found: {source}") from None
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInputError(f"{source}: not valid TOML: {exc}") from None
    rules = []
    for i, raw in enumerate(data.get("rule", []), start=1):
        where = f"{source}, rule {i} ({raw.get('name', 'unnamed')})"
        strategy = raw.get("strategy")
        if strategy not in STRATEGIES:
            raise InvalidInputError(f"{where}: strategy must be one of {', '.join(STRATEGIES)}")
        logic = raw.get("logic")
        if logic is not None and logic not in LOGICS:
            raise InvalidInputError(f"{where}: logic must be one of {', '.join(LOGICS)}")
        unknown = set(raw) - {"name", "strategy", "logic", "note", "all", "any"}
        if unknown:
            raise InvalidInputError(f"{where}: unknown key(s) {sorted(unknown)}")
        rules.append(
            Rule(
                name=str(raw.get("name", f"rule {i}")),
                strategy=strategy,
                logic=logic,
                note=raw.get("note"),
                all=tuple(_condition(k, v, where) for k, v in raw.get("all", {}).items()),
                any=tuple(_condition(k, v, where) for k, v in raw.get("any", {}).items()),
            )
        )
    if not rules:
        raise InvalidInputError(f"{source}: no [[rule]] entries")
    logic_table = data.get("logic", {})
    for category in CATEGORIES:
        for strategy in STRATEGIES:
            value = logic_table.get(category, {}).get(strategy)
            if value not in LOGICS:
                raise InvalidInputError(
                    f"{source}: [logic.{category}] {strategy} must be one of {', '.join(LOGICS)}"
                )
    return RuleTable(tuple(rules), logic_table, str(source))


def segment(
    items: pl.DataFrame,
    rules: RuleTable | None = None,
    overrides: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Strategy, logic, rule and reason per item.

    ``items`` has ``item`` and any of the rule fields (missing ones count as
    unknown); ``overrides`` has ``item, strategy`` and optionally ``logic`` and
    ``note``: an override wins over every rule and says so in its reason.
    """
    rules = rules or load_rules()
    if "item" not in items.columns:
        raise InvalidInputError("items need an 'item' column")

    def dtype(f: str) -> type[pl.DataType]:
        return pl.Float64 if f in NUMBER_FIELDS else pl.Boolean if f in BOOL_FIELDS else pl.Utf8

    frame = items.with_columns(
        [
            (pl.col(f).cast(dtype(f)) if f in items.columns else pl.lit(None, dtype(f))).alias(f)
            for f in FIELDS
        ]
    )
    strategy = pl.lit(None, pl.Utf8)
    rule_name = pl.lit(None, pl.Utf8)
    reason = pl.lit(None, pl.Utf8)
    rule_logic = pl.lit(None, pl.Utf8)
    for rule in reversed(rules.rules):  # the first rule must be the outermost `when`
        hit = rule.matches()
        strategy = pl.when(hit).then(pl.lit(rule.strategy)).otherwise(strategy)
        rule_name = pl.when(hit).then(pl.lit(rule.name)).otherwise(rule_name)
        reason = pl.when(hit).then(rule.reason()).otherwise(reason)
        rule_logic = pl.when(hit).then(pl.lit(rule.logic)).otherwise(rule_logic)
    out = frame.with_columns(
        strategy.alias("strategy"),
        rule_name.alias("rule"),
        reason.alias("reason"),
        rule_logic.alias("_rule_logic"),
    )
    if overrides is not None and overrides.height:
        ov = overrides.select(
            pl.col("item"),
            pl.col("strategy").alias("_ov_strategy"),
            (pl.col("logic") if "logic" in overrides.columns else pl.lit(None, pl.Utf8)).alias(
                "_ov_logic"
            ),
            (pl.col("note") if "note" in overrides.columns else pl.lit(None, pl.Utf8)).alias(
                "_ov_note"
            ),
        )
        bad = ov.filter(~pl.col("_ov_strategy").is_in(list(STRATEGIES)))
        if bad.height:
            raise InvalidInputError(
                f"override for {bad['item'][0]!r}: strategy {bad['_ov_strategy'][0]!r} "
                f"is not one of {', '.join(STRATEGIES)}"
            )
        out = (
            out.join(ov, on="item", how="left")
            .with_columns(
                pl.coalesce("_ov_strategy", "strategy").alias("strategy"),
                pl.when(pl.col("_ov_strategy").is_not_null())
                .then(pl.lit("override"))
                .otherwise(pl.col("rule"))
                .alias("rule"),
                pl.when(pl.col("_ov_strategy").is_not_null())
                .then(
                    pl.format(
                        "{}: override ({})",
                        pl.col("_ov_strategy"),
                        pl.coalesce(pl.col("_ov_note"), pl.lit("set by planner")),
                    )
                )
                .otherwise(pl.col("reason"))
                .alias("reason"),
                pl.coalesce("_ov_logic", "_rule_logic").alias("_rule_logic"),
            )
            .drop("_ov_strategy", "_ov_logic", "_ov_note")
        )
    by_category = pl.lit(None, pl.Utf8)
    for category in CATEGORIES:
        for strat in STRATEGIES:
            by_category = (
                pl.when((pl.col("category") == category) & (pl.col("strategy") == strat))
                .then(pl.lit(rules.logic[category][strat]))
                .otherwise(by_category)
            )
    default_logic = (
        pl.when(pl.col("strategy") == "jit").then(pl.lit("kanban")).otherwise(pl.lit("rop"))
    )
    out = out.with_columns(pl.coalesce("_rule_logic", by_category, default_logic).alias("logic"))
    return out.select("item", "strategy", "logic", "rule", "reason")
