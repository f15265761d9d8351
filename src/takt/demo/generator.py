"""Seeded, deterministic demo data in exactly the import file formats of ``takt.ingest.specs``.

:func:`generate` returns every kind for a small data set; :func:`iter_chunks` streams a
large one (up to millions of items) in slices of items with bounded memory. The
data tell one consistent story: two years of daily demand per item, the suppliers
that deliver those items (some reliable, some not, one with an outage), and the
purchase orders and goods receipts a reorder-point policy produced over that
history (see :mod:`takt.demo.history`). Stock-outs are backordered, not lost:
``inventory.backordered`` holds what was still owed at ``as_of``.

Randomness: ``SeedSequence(seed).spawn(chunks + 1)``; child 0 draws the suppliers
and risk events, child k + 1 the items of chunk k. Chunks never share state, so
memory does not grow with the number of items, and the same seed (and chunk size)
always gives the same frames.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC as UTC_ZONE
from datetime import date, datetime, time, timedelta

import numpy as np
import polars as pl

from takt.demo.history import (
    APAC,
    DIRECT,
    EU,
    INDIRECT,
    MRO,
    NA,
    REGIONS,
    SERVICE_Z,
    Calendar,
    FloatArray,
    IntArray,
    ItemSupply,
    SupplierBehaviour,
    SupplierPopulation,
    bucket_demand,
    choose_rows,
    draw_daily_demand,
    draw_demand_profiles,
    draw_suppliers,
    reorder_policy,
    simulate_replenishment,
)
from takt.domain.enums import (
    Category,
    Criticality,
    EdiPreference,
    Grain,
    InspectionResult,
    Lifecycle,
    OfferRole,
    PurchaseOrderStatus,
    RiskType,
    Severity,
    SignalSource,
)
from takt.domain.weekdays import format_weekdays
from takt.errors import InvalidInputError

MIN_DAYS = 180
MIN_SUPPLIERS = 6
CURRENCY = "EUR"
UTC = pl.Datetime("us", "UTC")

CATEGORIES = (Category.DIRECT, Category.INDIRECT, Category.MRO)
CATEGORY_MIX = (0.55, 0.25, 0.20)
LOCATIONS = ("PLANT-1", "PLANT-2", "DC-EAST", "DC-WEST")
_LOCATION_MIX = np.array([[0.55, 0.45, 0, 0], [0.25, 0.20, 0.30, 0.25], [0.55, 0.45, 0, 0]])
UOMS = ("EA", "KG", "M", "L", "BOX")
_UOM_MIX = np.array([[0.6, 0.15, 0.15, 0.1, 0], [0.5, 0.1, 0, 0.1, 0.3], [0.9, 0, 0.05, 0, 0.05]])
_CRITICALITY_MIX = np.array([[0.22, 0.32, 0.46], [0.04, 0.25, 0.71], [0.10, 0.30, 0.60]])
_COST_MEDIAN = np.array([6.0, 4.0, 45.0])
_COST_LOG_SD = np.array([1.5, 1.2, 1.2])
_DUAL_SOURCED = np.array([0.36, 0.20, 0.12])
# Lifecycle stages: new (history starts 60-90 days before as_of), phase-out (no demand in
# the last 120+ days), introduced mid-history (lifecycle active), active throughout.
_STAGE_MIX = (0.04, 0.04, 0.05, 0.87)
PACKS = np.array([1.0, 6.0, 10.0, 12.0, 25.0, 50.0, 100.0])
_NOUNS = (
    ("Bracket", "Housing", "Gasket", "Shaft", "Bearing sleeve", "Resin pellets", "Steel coil",
     "Cable harness", "PCB assembly", "Hex bolt M8", "Spring", "Valve body", "Sensor module"),
    ("Nitrile gloves", "Stretch film", "Carton 40x30", "Label roll", "Safety glasses",
     "Printer toner", "Cleaning agent", "Pallet", "Adhesive tape", "Ear plugs"),
    ("Ball bearing 6204", "V-belt", "Hydraulic hose", "Proximity sensor", "Motor 2.2 kW",
     "Filter cartridge", "Contactor", "Seal kit", "Fuse 16 A", "Pneumatic cylinder"),
)  # fmt: skip

_COUNTRIES = (("DE", "FR", "PL", "IT", "CZ"), ("US", "MX"), ("CN", "VN", "IN"))
_PHONE = {"DE": "+49", "FR": "+33", "PL": "+48", "IT": "+39", "CZ": "+420", "US": "+1",
          "MX": "+52", "CN": "+86", "VN": "+84", "IN": "+91"}  # fmt: skip
_LEGAL = {"DE": "GmbH", "FR": "SAS", "PL": "Sp. z o.o.", "IT": "S.r.l.", "CZ": "s.r.o.",
          "US": "Inc.", "MX": "S.A. de C.V.", "CN": "Co., Ltd.", "VN": "JSC",
          "IN": "Pvt. Ltd."}  # fmt: skip
_STEMS = ("Adler", "Baltic", "Rhein", "Vistula", "Lumiere", "Sonora", "Great Lakes", "Mekong",
          "Pearl River", "Deccan", "Alpen", "Moravia", "Loire", "Po Valley", "Keystone", "Lotus",
          "Harbor", "Summit", "Northwind", "Meridian", "Orion", "Falcon", "Atlas",
          "Cedar")  # fmt: skip
_TRADES = (
    ("Precision Parts", "Metalworks", "Plastics", "Electronics", "Castings", "Components"),
    ("Packaging", "Office Supply", "Industrial Supply", "Labels"),
    ("Industrial Service", "Bearings & Drives", "Automation", "Tools"),
)
_FIRST = ("Anna", "Jan", "Marie", "Luca", "Sofia", "Piotr", "Emma", "Carlos", "Wei", "Linh",
          "Priya", "John", "Eva", "Tomas", "Chloe", "Raj")  # fmt: skip
_LAST = ("Schmidt", "Dubois", "Kowalski", "Rossi", "Novak", "Miller", "Garcia", "Chen", "Nguyen",
         "Sharma", "Weber", "Martin", "Lopez", "Wang", "Patel", "Fischer")  # fmt: skip
_EDI = tuple(EdiPreference)
_EDI_MIX = {EU: (0.1, 0.45, 0.25, 0.2), NA: (0.6, 0.0, 0.2, 0.2), APAC: (0.1, 0.2, 0.35, 0.35)}
_PRICE_LEVEL = np.array([1.05, 1.02, 0.88])  # alternate offers, by region
_PO_STATUSES = [  # by status code, see _Chunk.order_frames
    str(PurchaseOrderStatus(s))
    for s in ["received", "closed", "partially_received", "shipped", "acknowledged", "sent"]
]
_INSPECTIONS = [str(InspectionResult(s)) for s in ("accepted", "rejected", "partial")]
_RECEIPT_NOTES = [
    None,
    "delayed by supplier outage",
    "short shipment, balance to follow",
    "short shipment, balance cancelled",
    "balance of short shipment",
]


@dataclass(frozen=True)
class DemoConfig:
    """What to generate. ``as_of`` is fixed so the output never depends on the clock."""

    items: int = 300
    suppliers: int | None = None  # None: 25 for up to 10,000 items, then one per 400 items
    days: int = 730  # daily history ending the day before as_of
    as_of: date = date(2026, 11, 1)
    seed: int = 42

    @property
    def supplier_count(self) -> int:
        return self.suppliers if self.suppliers is not None else max(25, self.items // 400)

    def validate(self) -> None:
        if self.items < 1:
            raise InvalidInputError("the demo needs at least one item")
        if self.supplier_count < MIN_SUPPLIERS:
            raise InvalidInputError(f"the demo needs at least {MIN_SUPPLIERS} suppliers")
        if self.days < MIN_DAYS:
            raise InvalidInputError(f"the demo needs at least {MIN_DAYS} days of history")


def generate(config: DemoConfig = DemoConfig()) -> dict[str, pl.DataFrame]:
    """Every kind for a small data set, as one chunk with all items.

    Keys: 'items', 'suppliers', 'offers', 'agreements', 'inventory', 'purchase-orders',
    'receipts', 'signals', 'risk-events' and 'demand-series' (daily, grain day).
    """
    chunks = iter_chunks(config, chunk_items=config.items, grain=Grain.DAY, with_signals=True)
    return next(chunks)


def iter_chunks(
    config: DemoConfig,
    *,
    chunk_items: int = 10_000,
    grain: str = "week",
    with_signals: bool = False,
) -> Iterator[dict[str, pl.DataFrame]]:
    """Stream the data set in slices of ``chunk_items`` items with bounded memory.

    The first chunk also carries 'suppliers' and 'risk-events'; every chunk carries
    'items', 'offers', 'agreements', 'inventory', 'purchase-orders', 'receipts' and
    'demand-series' at ``grain`` (day, week or month) for its items, and 'signals'
    when ``with_signals``. Keys are unique across chunks: PO and receipt numbers
    continue from the previous chunk; an agreement number appears in every chunk
    holding some of its items (its header columns are the same in all of them).
    """
    config.validate()
    if chunk_items < 1:
        raise InvalidInputError("chunk_items must be at least 1")
    try:
        bucket = Grain(grain)
    except ValueError:
        raise InvalidInputError(f"unknown grain {grain!r} (use day, week or month)") from None
    calendar = Calendar.ending_before(config.as_of, config.days)
    n_chunks = -(-config.items // chunk_items)
    seeds = np.random.SeedSequence(config.seed).spawn(n_chunks + 1)
    world = _World.build(config, calendar, np.random.default_rng(seeds[0]))
    po_count = receipt_count = 0
    for index in range(n_chunks):
        first = index * chunk_items
        chunk = _Chunk(
            world, seeds[index + 1], first, min(chunk_items, config.items - first), po_count
        )
        frames = chunk.frames(bucket, with_signals, receipt_count)
        po_count = chunk.po_count
        receipt_count += frames["receipts"].height
        if index == 0:
            frames = {"suppliers": world.supplier_table, **frames, "risk-events": world.risk_table}
        yield frames


@dataclass(frozen=True)
class _World:
    """What all chunks share: the calendar, the suppliers with their behaviour and agreements."""

    config: DemoConfig
    calendar: Calendar
    suppliers: SupplierPopulation
    code: pl.Series  # supplier codes
    weekdays: pl.Series  # delivery weekdays per supplier, as in the offers file
    agreement_numbers: list[str]  # by agreement rank
    supplier_table: pl.DataFrame
    risk_table: pl.DataFrame

    @classmethod
    def build(cls, config: DemoConfig, calendar: Calendar, rng: np.random.Generator) -> _World:
        n = config.supplier_count
        suppliers = draw_suppliers(rng, n, calendar.days)
        behaviour = suppliers.behaviour
        region = behaviour.region
        width = max(3, len(str(n)))
        code = [f"S-{i + 1:0{width}d}" for i in range(n)]
        columns: dict[str, list[str]] = {"supplier": code, "name": [], "country": []}
        columns |= {"region": [REGIONS[r] for r in region], "edi_preference": []}
        columns |= {"contact_name": [], "contact_email": [], "contact_phone": []}
        for focus, area in zip(suppliers.focus.tolist(), region.tolist(), strict=True):
            country = _COUNTRIES[area][int(rng.integers(len(_COUNTRIES[area])))]
            stem = _STEMS[int(rng.integers(len(_STEMS)))]
            trade = _TRADES[focus][int(rng.integers(len(_TRADES[focus])))]
            first, last = _FIRST[int(rng.integers(len(_FIRST)))], _LAST[int(rng.integers(16))]
            number = int(rng.integers(100_000_000, 1_000_000_000))
            domain = f"{stem.lower().replace(' ', '')}-{country.lower()}.example"
            columns["name"].append(f"{stem} {trade} {_LEGAL[country]}")
            columns["country"].append(country)
            columns["edi_preference"].append(str(_EDI[rng.choice(4, p=_EDI_MIX[area])]))
            columns["contact_name"].append(f"{first} {last}")
            columns["contact_email"].append(f"{first}.{last}@{domain}".lower())
            columns["contact_phone"].append(
                f"{_PHONE[country]} {number // 1_000_000} {number % 1_000_000:06d}"
            )
        agreements = int(suppliers.agreement_rank.max()) + 1
        return cls(
            config=config,
            calendar=calendar,
            suppliers=suppliers,
            code=pl.Series("supplier", code, pl.Utf8),
            weekdays=pl.Series(
                "delivery_weekdays",
                [format_weekdays(int(m)) for m in suppliers.behaviour.weekday_mask],
            ),
            agreement_numbers=[f"BA-{config.as_of.year}-{r + 1:03d}" for r in range(agreements)],
            supplier_table=pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.Utf8)),
            risk_table=_risk_events(rng, config, calendar, suppliers, code),
        )

    @property
    def behaviour(self) -> SupplierBehaviour:
        return self.suppliers.behaviour


def _risk_events(
    rng: np.random.Generator,
    config: DemoConfig,
    calendar: Calendar,
    suppliers: SupplierPopulation,
    code: list[str],
) -> pl.DataFrame:
    """The outage (a fire) and the port closure of the history, and two current events."""
    b, region, first = suppliers.behaviour, suppliers.behaviour.region, calendar.first_day
    eu = [int(s) for s in suppliers.direct_by_weight if region[s] == EU and s != b.outage_supplier]
    na = np.flatnonzero(region == NA)
    strike, watch = code[eu[0]], code[int(na[rng.integers(na.size)])]
    as_of = config.as_of
    return pl.DataFrame(
        {
            "event": ["RE-0001", "RE-0002", "RE-0003", "RE-0004"],
            "type": [str(t) for t in (RiskType.FIRE, RiskType.PORT_CLOSURE, RiskType.STRIKE,
                                      RiskType.FINANCIAL)],
            "severity": [str(s) for s in (Severity.HIGH, Severity.MEDIUM, Severity.MEDIUM,
                                          Severity.LOW)],
            "start_date": [first + timedelta(days=b.outage_start),
                           first + timedelta(days=b.port_start),
                           as_of + timedelta(days=5), as_of - timedelta(days=30)],
            "expected_duration_days": [b.outage_end - b.outage_start, b.port_end - b.port_start,
                                       3, 180],
            "supplier": [code[b.outage_supplier], None, strike, watch],
            "region": [None, REGIONS[b.port_region], None, None],
            "description": ["Fire at the main plant; production halted.",
                            "Typhoon closes the main container ports; vessels queue.",
                            "Union announces a 72-hour strike at the supplier's plant.",
                            "Credit rating downgraded; supplier on the watch list."],
        },
        schema={"event": pl.Utf8, "type": pl.Utf8, "severity": pl.Utf8, "start_date": pl.Date,
                "expected_duration_days": pl.Int64, "supplier": pl.Utf8, "region": pl.Utf8,
                "description": pl.Utf8},
    )  # fmt: skip


def _money(amount: FloatArray) -> FloatArray:
    """Cents for prices of one EUR and more, hundredths of a cent below."""
    return np.where(amount < 1.0, np.round(amount, 4), np.round(amount, 2))


def _dates(name: str, epoch_days: IntArray) -> pl.Series:
    return pl.Series(name, epoch_days.astype(np.int32)).cast(pl.Date)


def _labels(name: str, values: Sequence[str | None], codes: IntArray) -> pl.Series:
    """Text column from small integer codes (no large NumPy string arrays)."""
    return pl.Series(name, values, pl.Utf8).gather(codes)


def _repeat(name: str, value: str | date, n: int) -> pl.Series:
    return pl.repeat(value, n, eager=True).alias(name)


def _round_up(qty: FloatArray, pack: FloatArray) -> FloatArray:
    return np.maximum(np.ceil(qty / pack), 1.0) * pack


class _Chunk:
    """One slice of items: their master data, demand, sources and simulated history."""

    def __init__(
        self,
        world: _World,
        seed: np.random.SeedSequence,
        first_item: int,
        n_items: int,
        po_start: int,
    ) -> None:
        self.world = world
        self.n = n_items
        item_seed, supply_seed, signal_seed, snapshot_seed = seed.spawn(4)
        self.signal_rng = np.random.default_rng(signal_seed)
        rng = np.random.default_rng(item_seed)
        days = world.calendar.days
        self.sku = pl.Series(
            "sku", [f"P-{i + 1:06d}" for i in range(first_item, first_item + n_items)], pl.Utf8
        )
        # Exact shares per chunk (a shuffled quota), not a multinomial draw.
        quota = np.floor(np.cumsum(CATEGORY_MIX) * n_items + 0.5).astype(np.int64)
        category = rng.permutation(np.searchsorted(quota, np.arange(n_items), side="right"))
        self.category = category
        self.location = pl.Series("location", LOCATIONS).gather(
            choose_rows(rng, _LOCATION_MIX[category])
        )
        self.uom = pl.Series("uom", UOMS).gather(choose_rows(rng, _UOM_MIX[category]))
        self.criticality = choose_rows(rng, _CRITICALITY_MIX[category])
        cost = np.exp(rng.normal(np.log(_COST_MEDIAN[category]), _COST_LOG_SD[category]))
        self.unit_cost = _money(np.clip(cost, 0.01, 2500.0))
        noun = (rng.random(n_items) * np.array([len(x) for x in _NOUNS])[category]).astype(int)
        variant = rng.integers(100, 1000, n_items)
        self.description = [
            f"{_NOUNS[c][k]} {chr(65 + v % 26)}{v}"
            for c, k, v in zip(category.tolist(), noun.tolist(), variant.tolist(), strict=True)
        ]
        stage = rng.choice(4, n_items, p=_STAGE_MIX)  # new, phase-out, mid-life, active
        self.lifecycle = np.array([1, 2, 0, 0])[stage]  # index into tuple(Lifecycle)
        introduced = rng.integers(min(90, days // 2), max(days - 180, days // 2) + 1, n_items)
        launched = days - rng.integers(60, 91, n_items)
        self.first_day = np.select([stage == 0, stage == 2], [launched, introduced], 0)
        retired = rng.integers(max(days // 3, days - 400), days - 120 + 1, n_items)
        self.last_day = np.where(stage == 1, retired, days - 1)
        self.profile = draw_demand_profiles(
            rng, category, self.unit_cost, self.first_day, self.last_day
        )
        self.demand = draw_daily_demand(rng, self.profile, world.calendar)
        window = (self.last_day - self.first_day + 1).astype(np.float64)
        self.mean_daily = np.maximum(self.demand.sum(axis=1) / window, 1e-3)
        square = np.square(self.demand, dtype=np.float64).sum(axis=1) / window
        self.sd_daily = np.sqrt(np.maximum(square - self.mean_daily**2, 0.0))
        production = rng.random(n_items) < 0.65
        pos = rng.random(n_items) < 0.5
        self.source = np.select(
            [category == DIRECT, category == INDIRECT],
            [np.where(production, 1, 2), np.where(pos, 0, 4)],
            3,
        )  # index into tuple(SignalSource)
        self._draw_offers(rng)
        self.history = simulate_replenishment(
            np.random.default_rng(supply_seed),
            self.demand,
            self.supply,
            world.behaviour,
            world.calendar.first_day.weekday(),
        )
        self.snapshot_rng = np.random.default_rng(snapshot_seed)
        self.po_start = po_start
        self.po_count = po_start

    def _draw_offers(self, rng: np.random.Generator) -> None:
        world, n, category = self.world, self.n, self.category
        primary = np.zeros(n, dtype=np.int64)
        alternate = np.full(n, -1, dtype=np.int64)
        dual = rng.random(n) < _DUAL_SOURCED[category]
        for cat in (DIRECT, INDIRECT, MRO):
            members = np.flatnonzero(world.suppliers.focus == cat)
            rows = np.flatnonzero(category == cat)
            weight = world.suppliers.weight[members] / world.suppliers.weight[members].sum()
            pick = rng.choice(members.size, rows.size, p=weight)
            primary[rows] = members[pick]
            other = members[(pick + rng.integers(1, members.size, rows.size)) % members.size]
            alternate[rows] = np.where(dual[rows], other, -1)
        has_alt = alternate >= 0
        primary_share = np.where(has_alt, rng.choice([0.6, 0.7, 0.8], n), 1.0)
        self.primary, self.alternate = primary, alternate
        self.share = (primary_share, np.round(1.0 - primary_share, 2))
        alt = np.maximum(alternate, 0)
        # Quoted lead times vary around the supplier's typical one; alternates are priced
        # by region (APAC cheaper).
        quoted = world.suppliers.base_lead_time[np.stack([primary, alt])]
        lead_time = np.maximum(1, np.rint(quoted * rng.uniform(0.8, 1.25, (2, n)))).astype(np.int64)
        self.lead_time = (lead_time[0], lead_time[1])
        level = _PRICE_LEVEL[world.behaviour.region[alt]]
        self.price = (
            _money(self.unit_cost * np.exp(rng.normal(0.0, 0.03, n))),
            _money(self.unit_cost * level * np.exp(rng.normal(0, 0.04, n))),
        )
        weekly = self.mean_daily * 7.0 * rng.uniform(0.15, 0.6, n)
        self.pack = PACKS[np.maximum(np.searchsorted(PACKS, weekly, side="right") - 1, 0)]
        cap = np.maximum(1.0, np.floor(30.0 * self.mean_daily / self.pack))
        multiples = np.array([1.0, 1.0, 1.0, 2.0, 4.0, 5.0, 10.0])
        self.moq = (
            np.minimum(rng.choice(multiples, n), cap) * self.pack,
            np.minimum(rng.choice(multiples, n), cap) * self.pack,
        )
        breaks = (rng.random(n) < 0.3, has_alt & (rng.random(n) < 0.3))
        self.breaks = [
            (has, q1, q1 * 5.0, _money(price * 0.96), _money(price * 0.92))
            for has, moq, price in zip(breaks, self.moq, self.price, strict=True)
            for q1 in [_round_up(np.maximum(moq * 4.0, 10.0), self.pack)]
        ]
        # Direct items with a source that holds a blanket agreement are released against it.
        eligible = (category == DIRECT) & (self.lifecycle != 2)
        self.covered = (
            eligible & (world.suppliers.agreement_rank[primary] >= 0),
            eligible & has_alt & (world.suppliers.agreement_rank[alt] >= 0),
        )
        lead = primary_share * self.lead_time[0] + self.share[1] * self.lead_time[1]
        moq = np.maximum(self.moq[0], np.where(has_alt, self.moq[1], 0.0))
        reorder_point, order_qty = reorder_policy(
            self.mean_daily,
            self.sd_daily,
            lead,
            world.behaviour.lead_time_log_sd[primary] * lead,
            SERVICE_Z[self.criticality],
            self.unit_cost,
            moq,
            self.pack,
        )
        self.supply = ItemSupply(
            primary=primary,
            alternate=alternate,
            alternate_share=self.share[1],
            primary_lead_time=self.lead_time[0],
            alternate_lead_time=np.where(has_alt, self.lead_time[1], 0),
            reorder_point=reorder_point,
            order_qty=order_qty,
            initial_on_hand=np.where(
                self.first_day == 0, np.ceil(reorder_point + 0.5 * order_qty), 0.0
            ),
            order_from=np.maximum(0, self.first_day - self.lead_time[0]),
            order_until=self.last_day,
        )

    # ---------------------------------------------------------------- frames

    def frames(
        self, grain: Grain, with_signals: bool, receipt_start: int
    ) -> dict[str, pl.DataFrame]:
        frames = {
            "items": self.items_frame(),
            "offers": self.offers_frame(),
        }
        orders, receipts, agreements = self.order_frames(receipt_start)
        frames["agreements"] = agreements
        frames["inventory"] = self.inventory_frame()
        frames["purchase-orders"] = orders
        frames["receipts"] = receipts
        if with_signals:
            frames["signals"] = self.signals_frame()
        frames["demand-series"] = self.demand_series_frame(grain)
        return frames

    def items_frame(self) -> pl.DataFrame:
        return pl.DataFrame(
            [
                self.sku,
                self.location,
                pl.Series("description", self.description, pl.Utf8),
                self.uom,
                pl.Series("unit_cost", self.unit_cost, pl.Float64),
                pl.Series("category", [str(c) for c in CATEGORIES]).gather(self.category),
                pl.Series("criticality", [str(c) for c in Criticality]).gather(self.criticality),
                pl.Series("lifecycle", [str(c) for c in Lifecycle]).gather(self.lifecycle),
            ]
        )

    def offers_frame(self) -> pl.DataFrame:
        world = self.world
        parts = []
        for r, role in enumerate((OfferRole.PRIMARY, OfferRole.ALTERNATE)):
            rows = np.arange(self.n) if r == 0 else np.flatnonzero(self.alternate >= 0)
            supplier = (self.primary if r == 0 else self.alternate)[rows]
            has, q1, q2, p1, p2 = (x[rows] for x in self.breaks[r])
            parts.append(
                pl.DataFrame(
                    [
                        world.code.gather(supplier),
                        self.sku.gather(rows),
                        self.location.gather(rows),
                        pl.Series("lead_time_days", self.lead_time[r][rows].astype(np.int64)),
                        pl.Series("unit_price", self.price[r][rows], pl.Float64),
                        pl.Series("moq", self.moq[r][rows], pl.Float64),
                        pl.Series("pack_multiple", self.pack[rows], pl.Float64),
                        _repeat("role", str(role), rows.size),
                        pl.Series("allocation_share", self.share[r][rows], pl.Float64),
                        world.weekdays.gather(supplier),
                        pl.Series("has", has, pl.Boolean),
                        pl.Series("q1", q1.astype(np.int64)),
                        pl.Series("p1", p1),
                        pl.Series("q2", q2.astype(np.int64)),
                        pl.Series("p2", p2),
                    ]
                )
            )
        breaks = pl.format("{}:{};{}:{}", "q1", "p1", "q2", "p2")
        return (
            pl.concat(parts)
            .with_columns(price_breaks=pl.when("has").then(breaks).otherwise(pl.lit("", pl.Utf8)))
            .drop("has", "q1", "p1", "q2", "p2")
        )

    def order_frames(self, receipt_start: int) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
        """Purchase orders, receipts and agreements from the simulated history.

        Lines ordered on one day from one supplier (under one agreement, or none) form
        one PO. A PO is closed (received if its last receipt is under two weeks old)
        once every line has all it will get, partially received while some receipts
        are still due, else sent, acknowledged or shipped by how far it has come.
        """
        world, days, lines = self.world, self.world.calendar.days, self.history.lines
        alt = lines.alternate.astype(np.int64)
        covered = np.where(
            lines.alternate, self.covered[1][lines.item], self.covered[0][lines.item]
        )
        year_start = world.calendar.index_of(date(world.config.as_of.year, 1, 1))
        rank = np.where(
            covered & (lines.order_day >= year_start),
            world.suppliers.agreement_rank[lines.supplier],
            -1,
        )
        order = np.lexsort((lines.item, rank, lines.supplier, lines.order_day))
        item, supplier, rank, alt = (
            lines.item[order],
            lines.supplier[order],
            rank[order],
            alt[order],
        )
        order_day, qty = lines.order_day[order], lines.qty[order]
        new_po = np.ones(order.size, dtype=np.bool_)
        new_po[1:] = (np.diff(order_day) != 0) | (np.diff(supplier) != 0) | (np.diff(rank) != 0)
        po_index = np.cumsum(new_po) - 1
        starts = np.flatnonzero(new_po)
        line_no = np.arange(order.size) - starts[po_index] + 1
        po_number = self.po_start + 1 + po_index
        self.po_count = self.po_start + starts.size

        has, q1, q2, p1, p2 = (
            np.where(alt == 1, b[item], a[item]) for a, b in zip(*self.breaks, strict=True)
        )
        base = np.where(alt == 1, self.price[1][item], self.price[0][item])
        price = np.where(has & (qty >= q2), p2, np.where(has & (qty >= q1), p1, base))
        price = np.where(rank >= 0, _money(base * 0.97), price)

        first_day, second_day = lines.first_day[order], lines.second_day[order]
        last_due = np.maximum(first_day, second_day)
        complete = last_due < days
        received = first_day < days
        shipped = first_day - world.behaviour.transit_days[supplier] <= days - 1
        progress = np.where(order_day >= days - 2, 0, np.where(shipped, 2, 1))
        if starts.size:
            all_complete = np.minimum.reduceat(complete, starts)
            any_received = np.maximum.reduceat(received, starts)
            least = np.minimum.reduceat(progress, starts)
            last = np.maximum.reduceat(last_due, starts)
        else:
            all_complete = any_received = np.zeros(0, dtype=np.bool_)
            least = last = np.zeros(0, dtype=np.int64)
        status = np.select(
            [
                all_complete & (last >= days - 14),
                all_complete,
                any_received,
                least == 2,
                least == 1,
            ],
            [0, 1, 2, 3, 4],
            5,
        )[po_index]
        epoch = int(world.calendar.epoch_days[0]) if days else 0
        po_text = pl.Series("po", po_number).cast(pl.Utf8).str.zfill(6)
        po_text = ("PO-" + po_text).alias("po")
        numbers = world.agreement_numbers
        orders = pl.DataFrame(
            [
                po_text,
                world.code.gather(supplier),
                pl.Series("line", line_no.astype(np.int64)),
                self.sku.gather(item),
                self.location.gather(item),
                pl.Series("qty", qty, pl.Float64),
                pl.Series("unit_price", price, pl.Float64),
                _dates("order_date", epoch + order_day),
                _dates("need_date", epoch + lines.need_day[order]),
                _dates("promised_date", epoch + lines.promised_day[order]),
                _labels("status", _PO_STATUSES, status),
                _labels("agreement", [*numbers, None], np.where(rank >= 0, rank, len(numbers))),
                _repeat("currency", CURRENCY, order.size),
            ]
        )

        # Receipts: the first delivery of each line, then balances of short shipments.
        firsts = np.flatnonzero(received)
        seconds = np.flatnonzero((second_day >= 0) & (second_day < days))
        short = lines.first_qty[order] < qty
        first_note = np.select(
            [lines.first_delayed_by_outage[order], short & (second_day >= 0), short], [1, 2, 3], 0
        )
        which = np.concatenate([firsts, seconds])
        received_on = np.concatenate([first_day[firsts], second_day[seconds]])
        qty_received = np.concatenate(
            [lines.first_qty[order][firsts], lines.second_qty[order][seconds]]
        )
        qty_rejected = np.concatenate(
            [lines.first_rejected[order][firsts], lines.second_rejected[order][seconds]]
        )
        note = np.concatenate([first_note[firsts], np.full(seconds.size, 4)])
        seq = np.lexsort((line_no[which], po_number[which], received_on))
        which, received_on, qty_received, qty_rejected, note = (
            x[seq] for x in (which, received_on, qty_received, qty_rejected, note)
        )
        inspection = np.select([qty_rejected <= 0, qty_rejected >= qty_received], [0, 1], 2)
        gr_number = pl.Series(receipt_start + 1 + np.arange(which.size)).cast(pl.Utf8).str.zfill(7)
        receipts = pl.DataFrame(
            [
                ("GR-" + gr_number).alias("receipt"),
                po_text.gather(which),
                pl.Series("line", line_no[which].astype(np.int64)),
                _dates("received_on", epoch + received_on),
                pl.Series("qty_received", qty_received, pl.Float64),
                pl.Series("qty_rejected", qty_rejected, pl.Float64),
                _labels("inspection", _INSPECTIONS, inspection),
                _labels("note", _RECEIPT_NOTES, note),
            ]
        )
        return orders, receipts, self._agreements_frame(item, alt, rank, qty, numbers)

    def _agreements_frame(
        self, item: IntArray, alt: IntArray, rank: IntArray, qty: FloatArray, numbers: list[str]
    ) -> pl.DataFrame:
        """One row per agreement and item; committed ≈ a year of the source's share of demand."""
        world, rng = self.world, self.snapshot_rng
        released = np.bincount(
            item * 2 + alt, weights=np.where(rank >= 0, qty, 0.0), minlength=2 * self.n
        ).reshape(self.n, 2)
        year = world.config.as_of.year
        parts = []
        for r in (0, 1):
            rows = np.flatnonzero(self.covered[r])
            supplier = (self.primary if r == 0 else self.alternate)[rows]
            annual = self.mean_daily[rows] * 365.0 * self.share[r][rows]
            committed = _round_up(annual * rng.uniform(0.95, 1.25, rows.size), self.pack[rows])
            parts.append(
                pl.DataFrame(
                    [
                        pl.Series("agreement", numbers, pl.Utf8).gather(
                            world.suppliers.agreement_rank[supplier]
                        ),
                        world.code.gather(supplier),
                        _repeat("start_date", date(year, 1, 1), rows.size),
                        _repeat("end_date", date(year, 12, 31), rows.size),
                        self.sku.gather(rows),
                        self.location.gather(rows),
                        pl.Series("committed_qty", committed, pl.Float64),
                        pl.Series("unit_price", _money(self.price[r][rows] * 0.97), pl.Float64),
                        pl.Series("released_qty", released[rows, r], pl.Float64),
                        _repeat("currency", CURRENCY, rows.size),
                    ]
                )
            )
        return pl.concat(parts).sort("agreement", "sku", "location")

    def inventory_frame(self) -> pl.DataFrame:
        """The simulated stock at as_of; about one item in five has some stock allocated."""
        rng, history = self.snapshot_rng, self.history
        reserve = np.ceil(rng.uniform(0.5, 3.0, self.n) * self.mean_daily)
        allocated = np.where(rng.random(self.n) < 0.2, np.minimum(history.on_hand, reserve), 0.0)
        counted = datetime.combine(self.world.config.as_of, time(0), tzinfo=UTC_ZONE)
        return pl.DataFrame(
            [
                self.sku,
                self.location,
                pl.Series("on_hand", history.on_hand, pl.Float64),
                pl.Series("allocated", allocated, pl.Float64),
                pl.Series("backordered", history.backordered, pl.Float64),
                _repeat("as_of", counted, self.n),
            ]
        )

    def signals_frame(self) -> pl.DataFrame:
        """One consumption signal per item and day with demand, at a plausible hour (UTC)."""
        rows, cols = np.nonzero(self.demand)
        category = self.category[rows]
        start = np.array([6, 8, 0])[category] * 3600
        stop = np.array([22, 18, 24])[category] * 3600
        seconds = self.signal_rng.integers(start, stop)
        epoch = self.world.calendar.epoch_days
        micros = (epoch[cols] * 86_400 + seconds) * 1_000_000
        day_text = _dates("day", epoch).cast(pl.Utf8)
        sku, location = self.sku.gather(rows), self.location.gather(rows)
        return pl.DataFrame(
            [
                (sku + "@" + location + ":" + day_text.gather(cols)).alias("key"),
                sku,
                location,
                pl.Series("timestamp", micros).cast(pl.Datetime("us")).dt.replace_time_zone("UTC"),
                pl.Series("qty", self.demand[rows, cols], pl.Float64),
                pl.Series("source", [str(s) for s in SignalSource]).gather(self.source[rows]),
            ]
        )

    def demand_series_frame(self, grain: Grain) -> pl.DataFrame:
        """Demand per item and bucket from the item's first bucket on, zero buckets included."""
        period, totals, bucket_of_day = bucket_demand(self.demand, self.world.calendar, grain)
        first_bucket = bucket_of_day[self.first_day]
        rows, cols = np.nonzero(np.arange(period.size)[None, :] >= first_bucket[:, None])
        return pl.DataFrame(
            [
                self.sku.gather(rows),
                self.location.gather(rows),
                _dates("period", period[cols]),
                pl.Series("qty", totals[rows, cols], pl.Float64),
            ]
        )
