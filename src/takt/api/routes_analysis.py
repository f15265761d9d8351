"""Analysis: simulations (stress tests, stored as runs), ROI, risk events, exposure and
buffer uplifts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from takt.api.deps import EngineDep, Planner, Viewer
from takt.api.schemas import RiskEventCreate, SimulationCreate, UpliftCreate
from takt.services import browse
from takt.services.dates import Day

router = APIRouter()
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=10**9)]


@router.post("/simulations", tags=["simulation"], status_code=status.HTTP_201_CREATED)
def simulate(body: SimulationCreate, engine: EngineDep, _: Planner) -> dict[str, Any]:
    """Stress-test the stored policies in normal conditions and under a standard scenario;
    the run is stored (``GET /api/runs?kind=simulation``) and its summary returned."""
    from takt.services.simulation import stress_test
    from takt.simulate.scenarios import standard_scenarios

    names = sorted(s.name for s in standard_scenarios())
    if body.scenario is not None and body.scenario not in names:
        from takt.errors import InvalidInputError

        raise InvalidInputError(f"scenario: one of {', '.join(names)} (got {body.scenario!r})")
    result = stress_test(
        engine,
        scenario=body.scenario,
        days=body.days,
        replications=body.replications,
        seed=body.seed,
    )
    page = browse.runs_page(engine, kind="simulation", limit=1)
    return page.items[0] if page.items else {"id": result.run_id}


@router.get("/roi", tags=["simulation"])
def roi(
    engine: EngineDep,
    _: Viewer,
    baseline: Annotated[str, Query(pattern="^(all_buffer|all_jit)$")] = "all_buffer",
    days: Annotated[int, Query(ge=30, le=730)] = 365,
    replications: Annotated[int, Query(ge=1, le=50)] = 10,
    holding_rate: Annotated[float, Query(gt=0, le=1)] = 0.25,
) -> dict[str, Any]:
    """The recommended policy against all-buffer (or all-JIT), with every assumption."""
    from takt.services.simulation import roi_view
    from takt.simulate.roi import RoiAssumptions

    view = roi_view(
        engine,
        baseline=baseline,
        days=days,
        replications=replications,
        assumptions=RoiAssumptions(holding_rate=holding_rate),
    )
    return {
        "baseline": view.baseline,
        "headline": view.headline,
        "table": view.table.to_dicts(),
        "kpis": view.kpis.to_dicts(),
    }


@router.get("/risk/events", tags=["risk"])
def risk_events(
    engine: EngineDep, _: Viewer, limit: Limit = 50, offset: Offset = 0
) -> dict[str, Any]:
    page = browse.risk_events_page(engine, limit=limit, offset=offset)
    return {"items": page.items, "total": page.total, "limit": page.limit, "offset": page.offset}


@router.post("/risk/events", tags=["risk"], status_code=status.HTTP_201_CREATED)
def add_risk_event(body: RiskEventCreate, engine: EngineDep, _: Planner) -> dict[str, Any]:
    """Post a risk event on a supplier or a region (fire, port closure, …)."""
    from takt.services.risk import add_risk_event as add

    add(engine, **body.model_dump())
    return body.model_dump()


@router.get("/risk/exposure", tags=["risk"])
def exposure(
    engine: EngineDep,
    _: Viewer,
    as_of: Day | None = None,
    horizon_days: Annotated[int, Query(ge=0, le=365)] = 30,
    exposed_only: bool = True,
    limit: Limit = 100,
) -> dict[str, Any]:
    """Time-to-survive against time-to-recover per item and supplier, a recommended
    action per exposed item, and the scorecard's leading indicators."""
    import polars as pl

    from takt.services.risk import risk_report

    report = risk_report(engine, as_of=as_of, horizon_days=horizon_days)
    items = report.items
    if exposed_only:
        items = items.filter(pl.col("exposed").fill_null(False))
    items = items.sort("gap_days", descending=True, nulls_last=True)
    return {
        "as_of": report.as_of,
        "items": items.head(limit).to_dicts(),
        "exposed": int(report.items["exposed"].fill_null(False).sum()),
        "suppliers": report.suppliers.to_dicts(),
        "actions": report.actions.head(limit).to_dicts(),
        "alerts": report.alerts.to_dicts(),
    }


@router.get("/risk/uplifts", tags=["risk"])
def uplifts(engine: EngineDep, _: Viewer, active_on: Day | None = None) -> list[dict[str, Any]]:
    from takt.services.risk import list_uplifts

    return list_uplifts(engine, active_on=active_on)


@router.post("/risk/uplifts", tags=["risk"], status_code=status.HTTP_201_CREATED)
def add_uplift(body: UpliftCreate, engine: EngineDep, user: Planner) -> dict[str, Any]:
    """Raise an item's buffer for a number of days; the plan honours it, it lapses."""
    from takt.services.risk import add_uplift as add

    up = add(
        engine,
        body.item,
        qty=body.qty,
        days=body.days,
        start=body.start,
        reason=body.reason,
        risk_event=body.risk_event,
        actor=user.username,
    )
    return dict(up.__dict__)
