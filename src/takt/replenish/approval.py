"""Approval: which order lines go out on their own and which wait for a buyer.

The rules are data (:class:`ApprovalConfig`). A sourced line is approved automatically
(``decision`` "auto") only when all of these hold:

- its value is at most the auto-approve limit (5,000.00, or the limit of the item's category
  where ``category_limits`` has one);
- its quantity is at most ``max_over_policy`` (1.5) times what the policy alone would have
  ordered (``policy_qty``; without a policy quantity there is nothing to compare with, so the
  line waits);
- it comes from a primary offer (not shifted to an alternate);
- it is not ``late`` (the caller's flag decides: the service clears it for a delivery that
  falls within the item's safety-stock cover; the dates only say by how many days);
- it carries no warning (an agreement nearly used up, a supplier at risk);
- the item's criticality is not one that always goes to a buyer (``queue_criticalities``,
  none by default).

Every other line is queued ("queue") with every rule it broke, in words: "value 12,400.00 over
the auto-approve limit 5,000.00; qty 300 is 2.0× the policy's 150" (quantities with at most 2
decimals; suppliers by their code, "shifted to alternate S-024", when the lines carry a
``supplier`` column, else by id, "S24"). Unsourced lines are queued with "no supplier".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import polars as pl

from takt.domain.enums import Category, Criticality
from takt.errors import InvalidInputError
from takt.replenish._frames import (
    category_column,
    first_bad_row,
    flag_column,
    id_column,
    label_text,
    labeller,
    money_text,
    number_column,
    number_text,
    optional_text_column,
    require_columns,
)
from takt.replenish.sourcing import ROLES

INPUT_COLUMNS = (
    "supplier_id",
    "role",
    "qty",
    "value",
    "late",
    "warning",
    "policy_qty",
    "category",
    "criticality",
)
CATEGORIES = tuple(c.value for c in Category)
CRITICALITIES = tuple(c.value for c in Criticality)
DECISIONS = ("auto", "queue")


@dataclass(frozen=True)
class ApprovalConfig:
    """The auto-approve rules of :func:`decide_approval`.

    Attributes
    ----------
    auto_approve_limit : float
        Largest line value approved without a buyer. Default 5,000.00.
    category_limits : mapping category -> float
        Limits that replace ``auto_approve_limit`` for a category (direct, indirect, mro).
        Default none.
    max_over_policy : float
        Largest quantity, as a multiple of the policy's own quantity, approved without a buyer
        (MOQ and pack rounding push a line above the policy). Default 1.5.
    queue_criticalities : frozenset of criticality
        Criticalities whose lines always go to a buyer. Default none.
    """

    auto_approve_limit: float = 5_000.0
    category_limits: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    max_over_policy: float = 1.5
    queue_criticalities: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        _limit("auto_approve_limit", self.auto_approve_limit)
        for category, limit in self.category_limits.items():
            if category not in CATEGORIES:
                raise InvalidInputError(
                    f"category_limits has unknown category {category!r} "
                    f"(use {', '.join(CATEGORIES)})"
                )
            _limit(f"category_limits[{category!r}]", limit)
        _limit("max_over_policy", self.max_over_policy)
        unknown = set(self.queue_criticalities) - set(CRITICALITIES)
        if unknown:
            raise InvalidInputError(f"queue_criticalities has unknown values {sorted(unknown)}")

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # The read-only mapping does not pickle; a process of its own gets a copy.
        limits = dict(self.category_limits)
        fields = (self.auto_approve_limit, limits, self.max_over_policy, self.queue_criticalities)
        return (_approval_config, fields)


def _approval_config(
    limit: float, categories: dict[str, float], over: float, criticalities: frozenset[str]
) -> ApprovalConfig:
    return ApprovalConfig(limit, MappingProxyType(categories), over, criticalities)


def _limit(name: str, value: float) -> None:
    if not isinstance(value, int | float) or not (0 <= value < float("inf")):
        raise InvalidInputError(f"{name} must be finite and >= 0 (got {value!r})")


def decide_approval(lines: pl.DataFrame, *, config: ApprovalConfig | None = None) -> pl.DataFrame:
    """The lines with ``decision`` ("auto" or "queue") and ``approval_reason`` added.

    Parameters
    ----------
    lines : pl.DataFrame
        Sourced order lines (:func:`~takt.replenish.sourcing.source_requirements`) with
        ``supplier_id`` (null = unsourced), ``role`` (primary/alternate), ``qty``, ``value``,
        ``late`` (bool), ``warning`` (text or null), plus ``policy_qty`` (what the policy alone
        would have ordered, rounded; null = unknown), ``category`` (direct, indirect, mro) and
        ``criticality`` (line_stopper, important, normal). A ``sourced`` column, if there,
        decides which lines are sourced (else a supplier does); ``supplier`` (text), if there
        and not null, names the supplier instead of ``S<supplier_id>``; ``need_date`` and
        ``delivery_date``, if there, say by how many days a line is late, but only ``late``
        decides whether it is. Other columns are carried along.
    config : ApprovalConfig, optional

    Returns
    -------
    pl.DataFrame
        The input rows in their order, with ``decision`` and ``approval_reason`` (why a line
        waits, every broken rule joined by "; "; "within the auto-approve rules" for "auto").

    Raises
    ------
    InvalidInputError
        A missing column or a bad value, naming the column and the row.
    """
    config = ApprovalConfig() if config is None else config
    if not isinstance(config, ApprovalConfig):
        raise InvalidInputError("config must be an ApprovalConfig")
    frame = require_columns(lines, "lines", INPUT_COLUMNS)
    frame = frame.drop("decision", "approval_reason", strict=False)
    checks = _read_lines(frame)
    reasons = checks.select(_broken_rules(config)).to_series()
    decision = pl.when(reasons.is_null()).then(pl.lit("auto")).otherwise(pl.lit("queue"))
    return frame.with_columns(
        decision=pl.select(decision).to_series(),
        approval_reason=reasons.fill_null("within the auto-approve rules"),
    )


def _finite_at_least_zero(x: pl.Series) -> pl.Series:
    return x.is_finite() & (x >= 0)


def _read_lines(frame: pl.DataFrame) -> pl.DataFrame:
    """The columns the rules read, checked and typed (``sourced``, numbers, texts)."""
    name = "lines"
    label = labeller(frame, *(c for c in ("requirement_id", "supplier_id") if c in frame.columns))
    supplier = id_column(frame, name, "supplier_id", nullable=True)
    if "sourced" in frame.columns:
        sourced = frame.get_column("sourced").cast(pl.Boolean).fill_null(False)
    else:
        sourced = supplier.is_not_null()
    qty, value = (
        number_column(
            frame, name, column, label, test=_finite_at_least_zero,
            rule="finite and >= 0 on a sourced line", nullable=False, where=sourced,
        )
        for column in ("qty", "value")
    )  # fmt: skip
    policy = number_column(
        frame, name, "policy_qty", label, test=_finite_at_least_zero, rule="finite and >= 0 or null"
    )
    role = frame.get_column("role").cast(pl.String)
    bad_role = sourced & ~role.is_in(list(ROLES)).fill_null(False)
    first_bad_row(frame, name, "role", bad_role, "one of " + ", ".join(ROLES), label)
    late = flag_column(frame, name, "late")
    warning = frame.get_column("warning")
    if warning.dtype not in (pl.String, pl.Null):
        raise InvalidInputError(f"lines.warning must be text or null (got {warning.dtype})")
    # The days are only read for a line flagged late: a delivery after the need date that
    # the caller found acceptable (within the safety-stock cover) is not late at all.
    days_late = pl.Series("days_late", [None] * frame.height, dtype=pl.Int64)
    if {"need_date", "delivery_date"} <= set(frame.columns):
        try:
            days_late = frame.select(
                pl.when(late).then((pl.col("delivery_date") - pl.col("need_date")).dt.total_days())
            ).to_series()
        except pl.exceptions.PolarsError:
            raise InvalidInputError("lines.need_date and delivery_date must be dates") from None
    return pl.DataFrame(
        {
            "sourced": sourced,
            "supplier_id": supplier,
            "supplier": optional_text_column(frame, name, "supplier"),
            "role": role,
            "qty": qty,
            "value": value,
            "policy_qty": policy,
            "late": late,
            "days_late": days_late.cast(pl.Int64),
            "warning": warning.cast(pl.String),
            "category": category_column(frame, name, "category", CATEGORIES, label),
            "criticality": category_column(frame, name, "criticality", CRITICALITIES, label),
        }
    )


def _broken_rules(config: ApprovalConfig) -> pl.Expr:
    """Every rule a line breaks, in words, joined by "; "; null when it breaks none."""
    limit = pl.col("category").replace_strict(
        list(config.category_limits),
        [float(v) for v in config.category_limits.values()],
        default=float(config.auto_approve_limit),
        return_dtype=pl.Float64,
    )
    has_own_limit = pl.col("category").is_in(list(config.category_limits))
    over_value = pl.when(pl.col("value") > limit).then(
        pl.format(
            "value {} over the {}auto-approve limit {}",
            money_text(pl.col("value")),
            pl.when(has_own_limit).then(pl.format("{} ", "category")).otherwise(pl.lit("")),
            money_text(limit),
        )
    )
    policy = pl.col("policy_qty")
    qty = number_text(pl.col("qty"))
    over_policy = (
        pl.when(policy.is_null())
        .then(pl.lit("no policy quantity to compare with"))
        .when((policy == 0) & (pl.col("qty") > 0))
        .then(pl.format("qty {} where the policy would order nothing", qty))
        .when(pl.col("qty") > policy * config.max_over_policy * (1 + 1e-9))
        .then(
            pl.format(
                "qty {} is {}× the policy's {}",
                qty,
                (pl.col("qty") / policy).round(1).cast(pl.String),
                number_text(policy),
            )
        )
    )
    alternate = pl.when(pl.col("role") == "alternate").then(
        pl.format(
            "shifted to alternate {}",
            label_text(pl.col("supplier"), pl.col("supplier_id"), "S"),
        )
    )
    days = pl.col("days_late")
    late = pl.when(pl.col("late")).then(
        pl.when(days > 0)
        .then(
            pl.format(
                "late by {} {}",
                days,
                pl.when(days == 1).then(pl.lit("day")).otherwise(pl.lit("days")),
            )
        )
        .otherwise(pl.lit("late"))
    )
    warning = pl.when(pl.col("warning").is_not_null() & (pl.col("warning") != "")).then(
        pl.format("warning: {}", "warning")
    )
    always = pl.when(pl.col("criticality").is_in(list(config.queue_criticalities))).then(
        pl.format("{} items always go to a buyer", "criticality")
    )
    rules = pl.concat_str(
        [over_value, over_policy, alternate, late, warning, always],
        separator="; ",
        ignore_nulls=True,
    )
    sourced_reason = pl.when(rules != "").then(rules)
    return (
        pl.when(pl.col("sourced"))
        .then(sourced_reason)
        .otherwise(pl.lit("no supplier"))
        .alias("approval_reason")
    )
