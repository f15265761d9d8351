"""Supply-risk exposure (time to survive against time to recover), one recommended action
per exposed item, and early warnings from the supplier scorecard trend.

Python API::

    at_risk = exposure(items, supply, events, as_of=as_of)              # one row per item
    supplier_exposure(items, supply, events, as_of=as_of)                # one row per supplier
    recommend(at_risk, supply, open_lines, as_of=as_of)                  # per exposed item
    leading_indicators(scorecard_trend(outcomes, as_of=as_of))           # early warnings

Model (Simchi-Levi, Schmidt & Wei, "From superstorms to factory fires: managing
unpredictable supply-chain disruptions", *Harvard Business Review*, Jan–Feb 2014;
Simchi-Levi et al., "Identifying risks and mitigating disruptions in the automotive supply
chain", *Interfaces* 45(5), 2015). All times are days from ``as_of``.

- An event *hits* a supplier when it names the supplier or the supplier's region, its
  severity is at least ``min_severity``, and it is running on ``as_of`` or starts within
  ``horizon_days`` (inclusive). Its remaining days are end − max(start, as_of), end =
  start + expected_duration_days: the days left of a running event, the whole duration
  of one not yet begun (the supplier keeps delivering until it starts, so the item
  enters the event with about today's stock).
- An offer *carries* volume when its share is above 0 (share missing: when it is the
  primary). A hit supplier carrying none of the item's volume stops nothing.
- Time to recover of an offer: TTR = remaining event days + the offer's 95 % lead time
  (``lead_time_q95_days``, else ``lead_time_days``) to refill the pipeline once it is
  back; for a supplier with no event, the 95 % lead time alone: the TTR it would have
  if it stopped today (as in :mod:`takt.services.policy`). The item's TTR is the largest
  over its hit carrying offers; with none hit, that of its worst primary (else worst
  offer), so a latent exposure shows too (``hit`` false, ``ttr_basis`` says which).
- Time to survive: TTS = max(on_hand + on_order, 0) / demand_mean, how long stock and
  the open pipeline cover demand if nothing more arrives. Deliberately simple and
  conservative: it neither counts the unaffected suppliers' future deliveries nor drops
  the hit supplier's open lines (pass ``on_order`` without them for the stricter view).
  Null without demand: such an item never runs out and is never exposed.
- Exposed when TTS < TTR; gap_days = TTR − TTS; units_short = demand_mean·max(gap, 0),
  plus z·demand_sd·√max(gap, 0) for line-stoppers (the safety stock of a z service level
  over the gap, demand_sd being per day; z = ``line_stopper_z``, 1.645 ≈ 95 %);
  value_at_risk = units_short · unit_cost.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from takt.domain.enums import Criticality, OfferRole, Severity
from takt.errors import InvalidInputError
from takt.signals.leadtime import require_columns

CRITICALITIES = tuple(c.value for c in Criticality)
SEVERITIES = tuple(s.value for s in Severity)  # in rising order
ROLES = tuple(r.value for r in OfferRole)
ACTIONS = ("shift_to_alternate", "expedite", "pre_build", "raise_buffer")
INDICATORS = ("otif_falling", "lead_time_drifting", "defects_rising")
ITEM_COLUMNS = ("item", "demand_mean", "demand_sd", "on_hand", "on_order", "criticality")
SUPPLY_COLUMNS = ("item", "supplier", "region", "role", "share", "lead_time_days")
EVENT_COLUMNS = ("type", "severity", "expected_duration_days", "supplier", "region")
OPEN_LINE_COLUMNS = ("po_number", "line_no", "item", "supplier", "qty_open", "due_date")
TREND_COLUMNS = ("supplier", "period_start", "lines", "otif_pct", "defect_rate", "lead_time_mean")
EXPOSURE_COLUMNS = (
    "item", "criticality", "suppliers", "single_source", "hit", "time_to_survive_days",
    "time_to_recover_days", "recover_supplier", "ttr_basis", "exposed", "gap_days",
    "units_short", "value_at_risk", "event_starts_in_days", "hit_suppliers", "events", "note",
)  # fmt: skip
RECOMMEND_COLUMNS = (
    "item", "criticality", "action", "supplier", "alternate", "uplift_qty", "uplift_days",
    "lines", "also_buffer", "gap_days", "value_at_risk", "reason",
)  # fmt: skip
_NO_KEYS = pl.lit([], dtype=pl.List(pl.Utf8))
_TOLERANCE = 1e-9  # so a change of exactly the threshold counts as reaching it


# ---------------------------------------------------------------------- text


def number_text(value: pl.Expr, decimals: int = 0) -> pl.Expr:
    """``value`` as text for messages: rounded to ``decimals``, thousands separated by
    commas, trailing zeros dropped (5000 → "5,000"; 15.0 → "15"; 8.926 with 2 → "8.93")."""
    scale = 10**decimals
    units = (value.cast(pl.Float64).abs() * scale).round(0).cast(pl.Int64)
    whole = (units // scale).cast(pl.Utf8).str.reverse().str.replace_all(r"(\d{3})", "${1},")
    text = whole.str.reverse().str.strip_chars_start(",")
    if decimals > 0:
        fraction = (units % scale).cast(pl.Utf8).str.zfill(decimals).str.strip_chars_end("0")
        text = pl.when(fraction.str.len_chars() > 0).then(text + "." + fraction).otherwise(text)
    signed = pl.when((value < 0) & (units > 0)).then("-" + text).otherwise(text)
    return pl.when(value.is_finite()).then(signed).otherwise(value.cast(pl.Utf8))


# ---------------------------------------------------------------------- inputs


def _pick(frame: pl.DataFrame, names: tuple[str, str], what: str) -> str:
    for name in names:
        if name in frame.columns:
            return name
    raise InvalidInputError(f"{what} lacks column {names[0]!r} (or {names[1]!r})")


def _check(frame: pl.DataFrame, key: str, what: str, rules: dict[str, pl.Expr]) -> None:
    """Raise naming the first rows (by ``key``) that break a rule (mask true = broken)."""
    for problem, broken in rules.items():
        shown = frame.filter(broken)[key].head(5).to_list()
        if shown:
            raise InvalidInputError(f"{what}: {problem} for {key} {shown}")


def _items(items: pl.DataFrame) -> pl.DataFrame:
    require_columns(items, ITEM_COLUMNS, "items")
    cost = pl.col("unit_cost") if "unit_cost" in items.columns else pl.lit(None)
    frame = items.select(
        pl.col("item").cast(pl.Utf8),
        *[pl.col(c).cast(pl.Float64) for c in ("demand_mean", "demand_sd")],
        *[pl.col(c).cast(pl.Float64).fill_null(0.0) for c in ("on_hand", "on_order")],
        pl.col("criticality").cast(pl.Utf8).fill_null("normal"),
        cost.cast(pl.Float64).alias("unit_cost"),
    )
    _check(frame, "item", "items", {
        "listed twice": pl.col("item").is_duplicated(),
        f"criticality not in {list(CRITICALITIES)}": ~pl.col("criticality").is_in(CRITICALITIES),
        "negative demand_mean or demand_sd": pl.min_horizontal("demand_mean", "demand_sd") < 0,
    })  # fmt: skip
    return frame.with_columns(pl.col("demand_sd").fill_null(0.0))


def _offers(supply: pl.DataFrame) -> pl.DataFrame:
    require_columns(supply, SUPPLY_COLUMNS, "supply")
    lead_time = pl.col("lead_time_days").cast(pl.Float64)
    q95 = pl.col("lead_time_q95_days") if "lead_time_q95_days" in supply.columns else lead_time
    frame = supply.select(
        *[pl.col(c).cast(pl.Utf8) for c in ("item", "supplier", "region", "role")],
        pl.col("share").cast(pl.Float64),
        lead_time,
        pl.coalesce(q95.cast(pl.Float64), lead_time).alias("lead_time_q95_days"),
    )
    _check(frame, "item", "supply", {
        "more than one offer from the same supplier": pl.struct("item", "supplier").is_duplicated(),
        f"role not one of {list(ROLES)}": ~pl.col("role").is_in(ROLES),
        "share outside 0..1": (pl.col("share") < 0) | (pl.col("share") > 1),
        "negative lead time": pl.col("lead_time_q95_days") < 0,
    })  # fmt: skip
    carrying = pl.coalesce(pl.col("share") > 0, pl.col("role") == "primary")
    return frame.with_columns(carrying.alias("carrying"))


def _events(
    events: pl.DataFrame, as_of: date, horizon_days: int, min_severity: str
) -> pl.DataFrame:
    """The events that count on ``as_of``: key, supplier, region, remaining_days, starts_in."""
    if min_severity not in SEVERITIES:
        raise InvalidInputError(f"min_severity must be one of {list(SEVERITIES)}")
    if horizon_days < 0:
        raise InvalidInputError(f"horizon_days must not be negative, got {horizon_days}")
    key = _pick(events, ("key", "event"), "events")
    start = _pick(events, ("start", "start_date"), "events")
    require_columns(events, EVENT_COLUMNS, "events")
    frame = events.select(
        pl.col(key).cast(pl.Utf8).alias("key"),
        pl.col("severity").cast(pl.Utf8),
        pl.col(start).cast(pl.Date).alias("start"),
        pl.col("expected_duration_days").cast(pl.Float64).alias("duration"),
        pl.col("supplier").cast(pl.Utf8),
        pl.col("region").cast(pl.Utf8),
    )
    _check(frame, "key", "events", {
        f"severity not one of {list(SEVERITIES)}": ~pl.col("severity").is_in(SEVERITIES),
        "missing start or duration": pl.col("start").is_null() | pl.col("duration").is_null(),
        "negative expected_duration_days": pl.col("duration") < 0,
        "no supplier nor region": pl.all_horizontal(pl.col("supplier", "region").is_null()),
    })  # fmt: skip
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    since = (pl.lit(as_of) - pl.col("start")).dt.total_days().cast(pl.Float64)
    severe = pl.col("severity").replace_strict(rank, return_dtype=pl.Int64) >= rank[min_severity]
    return (
        frame.with_columns(
            (pl.col("duration") - since.clip(lower_bound=0.0)).alias("remaining_days"),
            (-since).clip(lower_bound=0.0).alias("starts_in"),
        )
        .filter((pl.col("starts_in") <= horizon_days) & (pl.col("remaining_days") > 0) & severe)
        .select("key", "supplier", "region", "remaining_days", "starts_in")
    )


def _hit_offers(offers: pl.DataFrame, events: pl.DataFrame) -> pl.DataFrame:
    """Offers with hit, remaining_days (longest), starts_in (soonest), events, ttr_days.

    Events are matched once per distinct (supplier, region), then joined to the offers."""
    agg = [
        pl.col("remaining_days").max(),
        pl.col("starts_in").min(),
        pl.col("key").unique().sort().alias("events"),
    ]
    sites = offers.select("supplier", "region").unique()
    by_supplier = sites.join(events.drop("region").drop_nulls("supplier"), on="supplier")
    by_region = sites.join(events.drop("supplier").drop_nulls("region"), on="region")
    hits = (
        pl.concat([by_supplier, by_region], how="diagonal").group_by("supplier", "region").agg(agg)
    )
    joined = offers.join(hits, on=["supplier", "region"], how="left", nulls_equal=True)
    return joined.with_columns(
        pl.col("remaining_days").is_not_null().alias("hit"),
        pl.col("events").fill_null(_NO_KEYS),
        (pl.col("lead_time_q95_days") + pl.col("remaining_days").fill_null(0.0)).alias("ttr_days"),
    ).drop("remaining_days")  # fmt: skip


# ---------------------------------------------------------------------- exposure


def _shortfall(gap: pl.Expr, z: float) -> pl.Expr:
    """Units short over a gap: mean demand, plus z·σ·√gap for line-stoppers."""
    short = gap.clip(lower_bound=0.0)
    line_stopper = pl.col("criticality") == "line_stopper"
    safety = pl.when(line_stopper).then(z * pl.col("demand_sd") * short.sqrt()).otherwise(0.0)
    return pl.col("demand_mean") * short + safety


def _assess(
    items: pl.DataFrame,
    supply: pl.DataFrame,
    events: pl.DataFrame,
    as_of: date,
    horizon_days: int,
    min_severity: str,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Items with their TTS, and offers with hit status and TTR."""
    position = (pl.col("on_hand") + pl.col("on_order")).clip(lower_bound=0.0)
    tts = pl.when(pl.col("demand_mean") > 0).then(position / pl.col("demand_mean"))
    frame = _items(items).with_columns(tts.alias("time_to_survive_days"))
    offers = _hit_offers(_offers(supply), _events(events, as_of, horizon_days, min_severity))
    return frame, offers


def _worst(offers: pl.DataFrame, mask: pl.Expr, value: str, name: str) -> pl.DataFrame:
    """Per item, the largest ``value`` among the offers in ``mask`` and its supplier (ties:
    first name): one sort of the whole frame, faster than a sort inside every group."""
    order = ["item", value, "supplier"]
    return (
        offers.filter(mask & pl.col(value).is_not_null())
        .sort(order, descending=[False, True, False])
        .unique("item", keep="first")
        .select("item", pl.col(value).alias(f"_{name}_ttr"),
                pl.col("supplier").alias(f"_{name}_supplier"))
    )  # fmt: skip


def _all_keys(column: pl.Expr) -> pl.Expr:
    return column.list.explode(keep_nulls=False, empty_as_null=False).unique().sort()


def exposure(
    items: pl.DataFrame,
    supply: pl.DataFrame,
    events: pl.DataFrame,
    *,
    as_of: date,
    horizon_days: int = 30,
    min_severity: str = "low",
    line_stopper_z: float = 1.645,
) -> pl.DataFrame:
    """TTS against TTR for every item (the model is in the module docstring).

    ``items``: item, demand_mean and demand_sd (units per day), on_hand, on_order (open,
    any supplier), criticality (line_stopper / important / normal; null = normal),
    unit_cost (optional). ``supply``: item, supplier, region, role (primary / alternate),
    share (0..1), lead_time_days, lead_time_q95_days (optional; else lead_time_days).
    ``events``: key (or event), type, severity, start (or start_date),
    expected_duration_days, supplier, region (either may be null, not both).

    Columns: item, criticality, suppliers (count of offers), single_source, hit (a
    carrying offer's supplier is hit), time_to_survive_days, time_to_recover_days,
    recover_supplier (the supplier setting the TTR), ttr_basis (risk_event / primary /
    any_offer), exposed, gap_days, units_short, value_at_risk, event_starts_in_days (0
    when running), hit_suppliers (every hit supplier of the item), events (keys), note
    (no demand / no supply offer / no lead time). Exposed items first, largest value at
    risk first.

    Example (a test's hand case): 100 on hand + 50 on order at 10 a day → TTS 15 d; the
    only supplier sits in a port closed for 20 more days and its 95 % lead time is 10 d →
    TTR 30 d: exposed, gap 15 d, 150 units short.
    """
    frame, offers = _assess(items, supply, events, as_of, horizon_days, min_severity)
    hit_carrying = pl.col("hit") & pl.col("carrying")
    hits = (
        offers.filter(pl.col("hit"))
        .group_by("item")
        .agg(
            pl.col("starts_in").filter(pl.col("carrying")).min().alias("event_starts_in_days"),
            pl.col("supplier").unique().sort().alias("hit_suppliers"),
            _all_keys(pl.col("events").filter(pl.col("carrying"))).alias("events"),
        )
    )
    per_item = (
        offers.group_by("item")
        .agg(pl.col("supplier").n_unique().cast(pl.Int64).alias("suppliers"))
        .join(_worst(offers, hit_carrying, "ttr_days", "hit"), on="item", how="left")
        .join(_worst(offers, pl.col("role") == "primary", "lead_time_q95_days", "primary"),
              on="item", how="left")
        .join(_worst(offers, pl.lit(True), "lead_time_q95_days", "any"), on="item", how="left")
        .join(hits, on="item", how="left")
    )  # fmt: skip
    ttr = pl.coalesce("_hit_ttr", "_primary_ttr", "_any_ttr")
    tts = pl.col("time_to_survive_days")
    basis = (
        pl.when(pl.col("_hit_ttr").is_not_null()).then(pl.lit("risk_event"))
        .when(pl.col("_primary_ttr").is_not_null()).then(pl.lit("primary"))
        .when(pl.col("_any_ttr").is_not_null()).then(pl.lit("any_offer"))
    )  # fmt: skip
    note = (
        pl.when(pl.col("demand_mean").fill_null(0.0) == 0).then(pl.lit("no demand"))
        .when(pl.col("suppliers") == 0).then(pl.lit("no supply offer"))
        .when(ttr.is_null()).then(pl.lit("no lead time"))
    )  # fmt: skip
    out = (
        frame.join(per_item, on="item", how="left")
        .with_columns(
            pl.col("suppliers").fill_null(0),
            ttr.alias("time_to_recover_days"),
            pl.coalesce("_hit_supplier", "_primary_supplier", "_any_supplier").alias(
                "recover_supplier"
            ),
            basis.alias("ttr_basis"),
            (ttr - tts).alias("gap_days"),
            pl.col("_hit_ttr").is_not_null().alias("hit"),
            (tts < ttr).fill_null(False).alias("exposed"),
            pl.col("hit_suppliers").fill_null(_NO_KEYS),
            pl.col("events").fill_null(_NO_KEYS),
        )
        .with_columns(
            (pl.col("suppliers") == 1).alias("single_source"),
            _shortfall(pl.col("gap_days"), line_stopper_z).alias("units_short"),
            note.alias("note"),
        )
        .with_columns((pl.col("units_short") * pl.col("unit_cost")).alias("value_at_risk"))
    )
    order = ["exposed", "value_at_risk", "gap_days", "item"]
    descending = [True, True, True, False]
    return out.sort(order, descending=descending, nulls_last=True).select(EXPOSURE_COLUMNS)


def supplier_exposure(
    items: pl.DataFrame,
    supply: pl.DataFrame,
    events: pl.DataFrame,
    *,
    as_of: date,
    horizon_days: int = 30,
    min_severity: str = "low",
    line_stopper_z: float = 1.645,
) -> pl.DataFrame:
    """Exposure per supplier: what happens if *this* supplier stops for its TTR.

    Same inputs and model as :func:`exposure`, but each supplier is judged alone (the
    per-node view of Simchi-Levi et al. 2015): an item counts as exposed to the supplier
    when the supplier carries some of its volume and the item's TTS is below this
    offer's TTR (remaining event days + 95 % lead time; the lead time alone when the
    supplier has no event). Columns: supplier, region, hit (an event hits it), items
    (offers), exposed_items, single_source_items (items it alone supplies),
    value_at_risk (Σ over its exposed items of units_short·unit_cost with its own TTR),
    worst_gap_days (largest TTR − TTS over its carrying offers), events (keys). Largest
    value at risk first.
    """
    frame, offers = _assess(items, supply, events, as_of, horizon_days, min_severity)
    gap = pl.when(pl.col("carrying")).then(pl.col("ttr_days") - pl.col("time_to_survive_days"))
    joined = (
        offers.with_columns(pl.col("supplier").n_unique().over("item").alias("_n"))
        .join(frame, on="item", how="inner")
        .with_columns(gap.alias("_gap"))
        .with_columns(
            (pl.col("_gap") > 0).fill_null(False).alias("_exposed"),
            (_shortfall(pl.col("_gap"), line_stopper_z) * pl.col("unit_cost")).alias("_var"),
        )
    )
    per_supplier = joined.group_by("supplier").agg(
        pl.col("region").drop_nulls().first(),
        pl.col("hit").any(),
        pl.col("item").n_unique().cast(pl.Int64).alias("items"),
        pl.col("_exposed").sum().cast(pl.Int64).alias("exposed_items"),
        (pl.col("_n") == 1).sum().cast(pl.Int64).alias("single_source_items"),
        pl.col("_var").filter(pl.col("_exposed")).sum().alias("value_at_risk"),
        pl.col("_gap").max().alias("worst_gap_days"),
        _all_keys(pl.col("events")).alias("events"),
    )
    return per_supplier.sort(["value_at_risk", "supplier"], descending=[True, False])


# ---------------------------------------------------------------------- actions


def recommend(
    exposed: pl.DataFrame,
    supply: pl.DataFrame,
    open_lines: pl.DataFrame | None,
    *,
    as_of: date,
    latent: bool = False,
) -> pl.DataFrame:
    """One recommended action for each exposed item of :func:`exposure`'s output.

    Only items a risk event hits, unless ``latent``: nearly every lean item's stock
    covers less than its supplier's 95 % lead time, and with no event that is a question
    for the stocking policy (its contingency reserve), not an action for today.
    Priority, the cheapest sure way to close the gap first:

    1. ``shift_to_alternate`` when another offer of the item, from a supplier no event
       hits, delivers within the TTS (its 95 % lead time < TTS): the exposure goes away
       without extra stock; the fastest such offer (ties: name) is in ``alternate``.
    2. ``expedite`` when open lines of the supplier setting the TTR are due after the
       stock runs out (due_date > as_of + TTS): bought already, only late; ``lines``
       lists them as "PO/line".
    3. ``pre_build`` for a line-stopper with no unaffected offer and nothing to
       expedite: build or buy the shortfall ahead now, since no other route is left.
    4. ``raise_buffer`` otherwise: hold uplift_qty more units for uplift_days.

    uplift_qty = ⌈units_short⌉ (for a shift, the units to order from the alternate);
    uplift_days = ⌈TTR⌉. A line-stopper whose action is a shift or an expedite also
    raises its buffer (``also_buffer``, said in the reason): both rest on a supplier's
    promise, and a line stop costs far more than the stock. ``alternate`` also names a
    slower unaffected offer when there is one. ``open_lines``: po_number, line_no, item,
    supplier, qty_open, due_date (None: nothing to expedite). Columns: item,
    criticality, action, supplier (the one at risk), alternate, uplift_qty, uplift_days,
    lines, also_buffer, gap_days, value_at_risk, reason. Largest value at risk first.
    """
    require_columns(exposed, EXPOSURE_COLUMNS, "exposed")
    chosen = pl.col("exposed") & (pl.col("hit") | latent)
    at_risk = exposed.filter(chosen).with_columns(
        pl.col("units_short").ceil().alias("uplift_qty"),
        pl.col("time_to_recover_days").ceil().alias("uplift_days"),
    )
    offers = _offers(supply)
    unaffected = (pl.col("supplier") != pl.col("recover_supplier")) & ~pl.col(
        "hit_suppliers"
    ).list.contains(pl.col("supplier"))
    alternates = (
        at_risk.select("item", "recover_supplier", "hit_suppliers")
        .join(offers, on="item", how="inner")
        .filter(unaffected)
        .sort("item", "lead_time_q95_days", "supplier", nulls_last=True)
        .group_by("item", maintain_order=True)
        .agg(pl.col("supplier").first().alias("alternate"), pl.col("lead_time_q95_days").first())
    )
    shares = offers.select("item", pl.col("supplier").alias("recover_supplier"), "share")
    frame = (
        at_risk.join(alternates, on="item", how="left")
        .join(shares, on=["item", "recover_supplier"], how="left")
        .join(_late_lines(at_risk, open_lines, as_of), on="item", how="left")
    )
    line_stopper = pl.col("criticality") == "line_stopper"
    action = (
        pl.when(pl.col("lead_time_q95_days") < pl.col("time_to_survive_days"))
        .then(pl.lit("shift_to_alternate"))
        .when(pl.col("lines").is_not_null()).then(pl.lit("expedite"))
        .when(line_stopper & pl.col("alternate").is_null()).then(pl.lit("pre_build"))
        .otherwise(pl.lit("raise_buffer"))
    )  # fmt: skip
    frame = frame.with_columns(action.alias("action")).with_columns(
        (line_stopper & pl.col("action").is_in(ACTIONS[:2])).alias("also_buffer")
    )
    order = ["value_at_risk", "gap_days", "item"]
    return (
        frame.with_columns(_reason().alias("reason"), pl.col("recover_supplier").alias("supplier"))
        .sort(order, descending=[True, True, False], nulls_last=True)
        .select(RECOMMEND_COLUMNS)
    )


def _late_lines(
    at_risk: pl.DataFrame, open_lines: pl.DataFrame | None, as_of: date
) -> pl.DataFrame:
    """Per item, the open lines of its at-risk supplier due after the stock runs out."""
    if open_lines is None:
        return pl.DataFrame(
            schema={"item": pl.Utf8, "lines": pl.List(pl.Utf8), "late_qty": pl.Float64}
        )
    require_columns(open_lines, OPEN_LINE_COLUMNS, "open_lines")
    line = pl.concat_str(
        pl.col("po_number").cast(pl.Utf8), pl.lit("/"), pl.col("line_no").cast(pl.Utf8)
    )
    lines = open_lines.select(
        pl.col("item").cast(pl.Utf8),
        pl.col("supplier").cast(pl.Utf8).alias("recover_supplier"),
        line.alias("line"),
        pl.col("qty_open").cast(pl.Float64),
        pl.col("due_date").cast(pl.Date),
    ).filter(pl.col("qty_open") > 0)  # fmt: skip
    due_in = (pl.col("due_date") - pl.lit(as_of)).dt.total_days().cast(pl.Float64)
    return (
        at_risk.select("item", "recover_supplier", "time_to_survive_days")
        .join(lines, on=["item", "recover_supplier"], how="inner")
        .filter(due_in > pl.col("time_to_survive_days"))
        .sort("item", "due_date", "line")
        .group_by("item", maintain_order=True)
        .agg(pl.col("line").alias("lines"), pl.col("qty_open").sum().alias("late_qty"))
    )


def _reason() -> pl.Expr:
    n, d = number_text(pl.col("uplift_qty")), number_text(pl.col("uplift_days"))
    tts = number_text(pl.col("time_to_survive_days"), 1)
    ttr = number_text(pl.col("time_to_recover_days"), 1)
    supplier, alternate = pl.col("recover_supplier"), pl.col("alternate")
    hit = pl.format("{} is hit by {} and needs {} d to recover", supplier,
                    pl.col("events").list.join(", "), ttr)  # fmt: skip
    latent = pl.format("if {} stopped today it would need {} d (95 % lead time)", supplier, ttr)
    why = pl.when(pl.col("hit")).then(hit).otherwise(latent)
    why = pl.format("{}; stock and pipeline cover {} d. ", why, tts)
    share = number_text(100.0 * pl.col("share")).fill_null("?")
    alt_lt = number_text(pl.col("lead_time_q95_days"), 1)
    what = (
        pl.when(pl.col("action") == "shift_to_alternate")
        .then(pl.format("Move its {} % share to {} (95 % lead time {} d, inside the cover) and "
                        "order {} units from {} for the next {} d",
                        share, alternate, alt_lt, n, alternate, d))
        .when(pl.col("action") == "expedite")
        .then(pl.format("Expedite {} open line(s) {} ({} units) due after the stock runs out",
                        pl.col("lines").list.len(), pl.col("lines").list.join(", "),
                        number_text(pl.col("late_qty"))))
        .when(pl.col("action") == "pre_build")
        .then(pl.format("Line-stopper with no unaffected source and nothing to expedite: build "
                        "or buy {} units ahead now to bridge the {} d gap",
                        n, number_text(pl.col("gap_days"), 1)))
        .otherwise(pl.format("Raise the buffer by {} units for {} d", n, d))
    )  # fmt: skip
    slow = pl.when((pl.col("action") != "shift_to_alternate") & alternate.is_not_null()).then(
        pl.format(" (alternate {} needs {} d, longer than the cover)", alternate, alt_lt)
    )
    also = pl.when(pl.col("also_buffer")).then(
        pl.format("; line-stopper: also raise the buffer by {} units for {} d", n, d)
    )
    return pl.concat_str(why, what, slow.otherwise(pl.lit("")), also.otherwise(pl.lit("")))


# ---------------------------------------------------------------------- early warnings


def leading_indicators(
    trend: pl.DataFrame,
    *,
    periods: int = 3,
    otif_drop_pts: float = 10.0,
    lead_time_rise_pct: float = 20.0,
    defect_rise_pts: float = 2.0,
    min_baseline: int = 3,
) -> pl.DataFrame:
    """Early warnings per supplier from :func:`takt.signals.scorecard.scorecard_trend`.

    Windows with lines == 0 are ignored, and so is a window without the metric (no
    received line: no lead time). Per supplier and metric the latest ``periods`` windows
    are *recent*, the earlier ones the *baseline*; each side is the mean over its
    windows weighted by their lines (a window of 2 lines weighs less than one of 200).
    An indicator needs ``periods`` recent and at least ``min_baseline`` baseline windows
    (6 in all by default: fewer cannot tell a trend from noise), and fires only when
    both the step and the least-squares slope over all those windows (x = window
    number, so empty windows leave gaps) point the bad way; a recovering supplier with
    one bad spell long ago does not fire:

    - ``otif_falling``: OTIF fell by ≥ ``otif_drop_pts`` percentage points, slope < 0;
    - ``lead_time_drifting``: mean lead time rose by ≥ ``lead_time_rise_pct`` %, slope > 0;
    - ``defects_rising``: defect rate rose by ≥ ``defect_rise_pts`` points (baseline and
      recent as %), slope > 0.

    severity = medium below twice the threshold, high below three times, else critical.
    Columns: supplier, indicator, baseline, recent, change (points; % for lead time),
    slope (per window, in the metric's unit), windows_recent, windows_baseline,
    severity, message.
    """
    if periods < 1 or min_baseline < 1:
        raise InvalidInputError("periods and min_baseline must be at least 1")
    thresholds = {"otif_drop_pts": otif_drop_pts, "lead_time_rise_pct": lead_time_rise_pct,
                  "defect_rise_pts": defect_rise_pts}  # fmt: skip
    for name, value in thresholds.items():
        if not value > 0:
            raise InvalidInputError(f"{name} must be positive, got {value}")
    require_columns(trend, TREND_COLUMNS, "trend")
    # indicator: (value, bad direction, threshold, what, unit of value, of change, of slope)
    specs = {
        "otif_falling": (pl.col("otif_pct"), -1.0, otif_drop_pts, "OTIF", " %", " pts", " pts"),
        "lead_time_drifting": (pl.col("lead_time_mean"), 1.0, lead_time_rise_pct,
                               "mean lead time", " d", " %", " d"),
        "defects_rising": (100.0 * pl.col("defect_rate"), 1.0, defect_rise_pts,
                           "defect rate", " %", " pts", " pts"),
    }  # fmt: skip
    windows = trend.filter(pl.col("lines") > 0).with_columns(
        pl.col("period_start").rank("dense").cast(pl.Float64).alias("_x"),
        pl.col("supplier").cast(pl.Utf8),
        pl.col("lines").cast(pl.Float64).alias("_w"),
    )
    long = pl.concat(
        windows.select("supplier", pl.lit(name).alias("indicator"), "_x", "_w",
                       spec[0].cast(pl.Float64).alias("_y")).drop_nulls("_y")
        for name, spec in specs.items()
    ).sort("supplier", "indicator", "_x")  # fmt: skip
    from_end = pl.int_range(pl.len(), dtype=pl.Int64).reverse().over("supplier", "indicator")
    long = long.with_columns((from_end < periods).alias("_recent"))
    x, y, recent = pl.col("_x"), pl.col("_y"), pl.col("_recent")

    def weighted(mask: pl.Expr) -> pl.Expr:
        return (y * pl.col("_w")).filter(mask).sum() / pl.col("_w").filter(mask).sum()

    stats = long.group_by("supplier", "indicator").agg(
        weighted(~recent).alias("baseline"),
        weighted(recent).alias("recent"),
        (((x - x.mean()) * (y - y.mean())).sum() / ((x - x.mean()) ** 2).sum()).alias("slope"),
        recent.sum().cast(pl.Int64).alias("windows_recent"),
        (~recent).sum().cast(pl.Int64).alias("windows_baseline"),
    )

    def spec(column: int) -> pl.Expr:
        mapping = {name: s[column] for name, s in specs.items()}
        dtype = pl.Float64 if column in (1, 2) else pl.Utf8
        return pl.col("indicator").replace_strict(mapping, return_dtype=dtype)

    direction, threshold = spec(1), spec(2)
    relative = pl.col("indicator") == "lead_time_drifting"
    change = (
        pl.when(relative).then(100.0 * (pl.col("recent") / pl.col("baseline") - 1.0))
        .otherwise(pl.col("recent") - pl.col("baseline"))
    )  # fmt: skip
    fired = stats.with_columns(change.alias("change")).filter(
        (pl.col("windows_baseline") >= min_baseline)
        & (direction * pl.col("change") >= threshold - _TOLERANCE)
        & (direction * pl.col("slope") > 0)
        & (~relative | (pl.col("baseline") > 0))
    )
    ratio = pl.col("change").abs() / threshold + _TOLERANCE
    severity = (
        pl.when(ratio < 2.0).then(pl.lit("medium"))
        .when(ratio < 3.0).then(pl.lit("high"))
        .otherwise(pl.lit("critical"))
    )  # fmt: skip
    sign = pl.when(pl.col("change") >= 0).then(pl.lit("+")).otherwise(pl.lit(""))
    slope_sign = pl.when(pl.col("slope") >= 0).then(pl.lit("+")).otherwise(pl.lit(""))
    message = pl.format(
        "{} {} from {}{} to {}{} ({}{}{}) over the last {} windows against the {} before; "
        "trend {}{}{} per window",
        spec(3), pl.when(direction < 0).then(pl.lit("fell")).otherwise(pl.lit("rose")),
        number_text(pl.col("baseline"), 1), spec(4), number_text(pl.col("recent"), 1), spec(4),
        sign, number_text(pl.col("change"), 1), spec(5),
        pl.col("windows_recent"), pl.col("windows_baseline"),
        slope_sign, number_text(pl.col("slope"), 2), spec(6),
    )  # fmt: skip
    return (
        fired.with_columns(severity.alias("severity"), message.alias("message"))
        .sort("supplier", "indicator")
        .select("supplier", "indicator", "baseline", "recent", "change", "slope",
                "windows_recent", "windows_baseline", "severity", "message")
    )  # fmt: skip
