"""The web pages: sign in and out, the dashboard, the approval queue (and its CSV), items,
suppliers, risk, the latest simulation, plan runs, purchase orders and the supplier
portal. :func:`install` adds them to the app.

Each page is a thin function: it checks the role (:mod:`takt.web.auth`), calls the
services (:mod:`takt.services`, :mod:`takt.web.reads`) and renders one template. Form
posts follow post/redirect/get; a domain error comes back on the page with its message.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import polars as pl
from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine
from starlette.datastructures import FormData

from takt.api.deps import SESSION_COOKIE, EngineDep
from takt.errors import InvalidInputError, NotFoundError, TaktError
from takt.services import browse
from takt.services.exports import csv_text
from takt.services.users import SESSION_HOURS, User, authenticate, end_session, start_session
from takt.web import charts, reads
from takt.web.auth import (
    Buyer,
    Form,
    PageForbidden,
    PageUser,
    Planner,
    SignInRequired,
    Supplier,
    Viewer,
    form_ids,
    safe_target,
)
from takt.web.formats import number, percent, run_summary

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(include_in_schema=False)
LOGIN_COOKIE = "takt_login"  # the sign-in form's own CSRF token (double submit)
PageNo = Annotated[int, Query(ge=1, le=10**7)]
Size = Annotated[int, Query(ge=5, le=200)]
Search = Annotated[str | None, Query(max_length=100)]
# Only this site's files: scripts, styles, images; no inline script, no framing.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
CSV_COLUMNS = (
    "id", "item", "kind", "qty", "supplier", "need_date", "order_date", "delivery_date",
    "new_date", "unit_price", "value", "agreement", "po", "decision", "reason",
    "approval_reason", "warning",
)  # fmt: skip


templates.env.filters.update(num=number, pct=percent)


def _secure(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cache-Control"] = "no-store"
    return response


def render(
    request: Request,
    name: str,
    user: User | None,
    status_code: int = 200,
    **context: Any,
) -> Response:
    context.setdefault("charts", [])
    context.update(user=user, csrf_token=getattr(request.state, "csrf_token", ""))
    return _secure(templates.TemplateResponse(request, name, context, status_code=status_code))


def _redirect(url: str) -> Response:
    return _secure(RedirectResponse(url, status_code=303))


def _pager(request: Request, page: browse.Page) -> dict[str, Any]:
    number = page.offset // page.limit + 1
    pages = max((page.total + page.limit - 1) // page.limit, 1)

    def link(number: int) -> str:
        url = request.url.include_query_params(page=number)
        return f"{url.path}?{url.query}"

    return {
        "page": number,
        "pages": pages,
        "total": page.total,
        "first": page.offset + 1 if page.items else 0,
        "last": page.offset + len(page.items),
        "prev": link(number - 1) if number > 1 else None,
        "next": link(number + 1) if number < pages else None,
    }


def _not_found(request: Request, user: User, message: str) -> Response:
    return render(request, "error.html", user, 404, title="Not found", message=message)


# --------------------------------------------------------------------------- sign in


def _login_form(
    request: Request, target: str, error: str | None = None, status_code: int = 200
) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(
        request, "login.html", None, status_code, login_token=token, next=target, error=error
    )
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        max_age=900,
        httponly=True,
        samesite="strict",
        path="/login",
        secure=request.url.scheme == "https",
    )
    return response


@router.get("/login")
def login_page(request: Request, next: Annotated[str | None, Query()] = None) -> Response:
    return _login_form(request, safe_target(next))


@router.post("/login")
def login(request: Request, engine: EngineDep, form: Form) -> Response:
    target = safe_target(str(form.get("next") or "/"))
    sent, expected = str(form.get("login_token") or ""), request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        return _login_form(request, target, "The form expired: please sign in again.", 400)
    user = authenticate(
        engine, str(form.get("username") or "")[:200], str(form.get("password") or "")[:1000]
    )
    if user is None:  # one message for an unknown user and a wrong password
        return _login_form(request, target, "Wrong username or password.")
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        end_session(engine, old)
    sid, _ = start_session(engine, user)
    if user.role == "supplier" and not target.startswith("/portal"):
        target = "/portal"
    response = _redirect(target)
    response.set_cookie(
        SESSION_COOKIE,
        sid,
        max_age=SESSION_HOURS * 3600,
        httponly=True,
        samesite="lax",
        path="/",
        secure=request.url.scheme == "https",
    )
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, engine: EngineDep, _: PageUser) -> Response:
    sid = request.cookies.get(SESSION_COOKIE)
    if sid:
        end_session(engine, sid)
    response = _redirect("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# --------------------------------------------------------------------------- dashboard


@router.get("/")
def dashboard(request: Request, engine: EngineDep, user: PageUser) -> Response:
    if user.role == "supplier":
        return _redirect("/portal")
    return render(request, "dashboard.html", user, active="dashboard", **reads.dashboard(engine))


# --------------------------------------------------------------------------- approvals


def _approvals(
    request: Request,
    engine: Engine,
    user: User,
    *,
    page: int = 1,
    size: int = 50,
    decided: list[int] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    queue = reads.proposals_page(engine, limit=size, offset=(page - 1) * size)
    done = reads.proposals_page(engine, status=None, ids=decided, limit=200) if decided else None
    return render(
        request,
        "approvals.html",
        user,
        status_code,
        active="approvals",
        queue=queue,
        paging=_pager(request, queue),
        decided=done,
        error=error,
        can_decide=user.can("buyer"),
    )


@router.get("/approvals")
def approvals(
    request: Request,
    engine: EngineDep,
    user: Viewer,
    page: PageNo = 1,
    size: Size = 50,
    decided: Annotated[str | None, Query(max_length=2000)] = None,
) -> Response:
    ids = [int(x) for x in (decided or "").split(",") if x.strip().isdigit()][:200]
    return _approvals(request, engine, user, page=page, size=size, decided=ids or None)


def _decide(
    request: Request, engine: Engine, user: User, form: FormData, approve: bool
) -> Response:
    from takt.services.replenish import approve_proposals, reject_proposals

    ids = form_ids(form, "one") or form_ids(form, "id")
    if not ids:
        return _approvals(
            request, engine, user, error="Tick at least one proposal.", status_code=400
        )
    try:
        if approve:
            approve_proposals(engine, ids, actor=user.username)
        else:
            note = str(form.get("note") or "").strip()[:500]
            reject_proposals(engine, ids, actor=user.username, note=note)
    except (InvalidInputError, NotFoundError) as exc:
        return _approvals(request, engine, user, error=str(exc), status_code=400)
    return _redirect("/approvals?decided=" + ",".join(map(str, ids)))


@router.post("/approvals/approve")
def approve(request: Request, engine: EngineDep, user: Buyer, form: Form) -> Response:
    return _decide(request, engine, user, form, approve=True)


@router.post("/approvals/reject")
def reject(request: Request, engine: EngineDep, user: Buyer, form: Form) -> Response:
    return _decide(request, engine, user, form, approve=False)


@router.get("/approvals.csv")
def approvals_csv(engine: EngineDep, _: Viewer) -> Response:
    """The whole open queue as CSV, every text cell safe from formula injection."""
    rows = reads.open_proposals(engine).iter_rows(named=True)
    name = f"takt-approvals-{reads.utc_today().isoformat()}.csv"
    return _secure(
        Response(
            csv_text(CSV_COLUMNS, rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    )


# --------------------------------------------------------------------------- items


@router.get("/items")
def items(
    request: Request,
    engine: EngineDep,
    user: Viewer,
    q: Search = None,
    page: PageNo = 1,
    size: Size = 50,
) -> Response:
    search = (q or "").strip() or None
    found = browse.items_page(engine, search=search, limit=size, offset=(page - 1) * size)
    return render(
        request,
        "items.html",
        user,
        active="items",
        items=found,
        q=search or "",
        paging=_pager(request, found),
    )


@router.get("/items/{item:path}")
def item(request: Request, engine: EngineDep, user: Viewer, item: str) -> Response:
    from takt.services.replenish import list_proposals

    try:
        detail = browse.item_detail(engine, item)
    except NotFoundError as exc:
        return _not_found(request, user, str(exc))
    policy = detail["policy"]
    history = detail["history"]
    rate = (policy or {}).get("demand_per_day")
    if rate is None:
        rate = sum(h["qty"] for h in history) / 365 if history else 0.0
    lead = float((policy or {}).get("lead_time_days") or 0)
    days = int(min(max(28, 2 * lead + 7), 120))
    projection = reads.projected_position(
        engine, detail["item"], demand_per_day=float(rate), start=reads.utc_today(), days=days
    )
    proposals = list_proposals(engine, status="open", item=detail["item"]).to_dicts()
    figures = [
        charts.embed(charts.demand_chart(detail), "chart-demand"),
        charts.embed(charts.position_chart(projection, policy), "chart-position"),
    ]
    return render(
        request,
        "item.html",
        user,
        active="items",
        d=detail,
        projection=projection,
        proposals=proposals,
        charts=figures,
    )


# --------------------------------------------------------------------------- suppliers


@router.get("/suppliers")
def suppliers(
    request: Request,
    engine: EngineDep,
    user: Viewer,
    q: Search = None,
    page: PageNo = 1,
    size: Size = 50,
) -> Response:
    search = (q or "").strip() or None
    found = browse.suppliers_page(engine, search=search, limit=size, offset=(page - 1) * size)
    return render(
        request,
        "suppliers.html",
        user,
        active="suppliers",
        suppliers=found,
        q=search or "",
        paging=_pager(request, found),
    )


@router.get("/suppliers/{code}")
def supplier(request: Request, engine: EngineDep, user: Viewer, code: str) -> Response:
    try:
        detail = browse.supplier_detail(engine, code)
    except NotFoundError as exc:
        return _not_found(request, user, str(exc))
    lead_times = reads.received_lead_times(engine, code)
    figures = [
        charts.embed(charts.supplier_trend_chart(detail["trend"]), "chart-trend"),
        charts.embed(charts.lead_time_chart(lead_times), "chart-lead-times"),
    ]
    return render(
        request,
        "supplier.html",
        user,
        active="suppliers",
        s=detail,
        receipts=len(lead_times),
        charts=figures,
    )


# --------------------------------------------------------------------------- risk, simulation


@router.get("/risk")
def risk(request: Request, engine: EngineDep, user: Viewer) -> Response:
    from takt.services.risk import risk_report

    today = reads.utc_today()
    report = risk_report(engine, as_of=today)
    figure, left_out = charts.risk_chart(report.items)
    exposed = report.items.filter(pl.col("exposed").fill_null(False))
    return render(
        request,
        "risk.html",
        user,
        active="risk",
        today=today,
        exposed=exposed.head(50).to_dicts(),
        exposed_total=exposed.height,
        assessed=report.items.height,
        left_out=left_out,
        events=reads.active_events(engine, today),
        actions=report.actions.to_dicts(),
        suppliers=report.suppliers.head(30).to_dicts(),
        alerts=report.alerts.to_dicts(),
        charts=[charts.embed(figure, "chart-exposure")],
    )


KPI_ROWS = (
    ("fill_rate", "fill rate", "pct"),
    ("cycle_service_level", "cycle service level", "pct"),
    ("stockout_days", "stock-out days", "num1"),
    ("line_stop_days", "line-stop days", "num1"),
    ("working_capital", "working capital (average value on hand)", "num"),
    ("carrying_cost", "carrying cost", "num"),
    ("orders", "orders", "num"),
    ("exposed_items", "exposed items (TTS < TTR)", "num"),
)


@router.get("/simulation")
def simulation(request: Request, engine: EngineDep, user: Viewer) -> Response:
    run = reads.latest_simulation(engine)
    figures = []
    if run is not None:
        figures.append(charts.embed(charts.simulation_chart(run["summary"]), "chart-strategies"))
    return render(
        request,
        "simulation.html",
        user,
        active="simulation",
        run=run,
        kpi_rows=KPI_ROWS,
        charts=figures,
    )


# --------------------------------------------------------------------------- runs


def _runs(
    request: Request,
    engine: Engine,
    user: User,
    *,
    kind: str | None = None,
    page: int = 1,
    started: int | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    found = browse.runs_page(engine, kind=kind, limit=25, offset=(page - 1) * 25)
    return render(
        request,
        "runs.html",
        user,
        status_code,
        active="runs",
        runs=found,
        kind=kind or "",
        paging=_pager(request, found),
        started=started,
        error=error,
        can_start=user.can("planner"),
        kinds=("plan", "policy", "forecast", "suppliers", "simulation"),
        summary=run_summary,
    )


@router.get("/runs")
def runs(
    request: Request,
    engine: EngineDep,
    user: Viewer,
    kind: Annotated[str | None, Query(pattern="^[a-z_]{0,32}$")] = None,
    page: PageNo = 1,
    started: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    return _runs(request, engine, user, kind=kind or None, page=page, started=started)


@router.post("/runs")
def start_run(request: Request, engine: EngineDep, user: Planner, form: Form) -> Response:
    """Start a plan run in a background thread, as ``POST /api/plan-runs`` does."""
    from takt.api.routes_ops import start_plan
    from takt.api.schemas import PlanRunCreate

    as_of: date | None = None
    text = str(form.get("as_of") or "").strip()
    try:
        as_of = date.fromisoformat(text) if text else None
    except ValueError:
        return _runs(
            request,
            engine,
            user,
            error=f"as of: not a date (YYYY-MM-DD): {text[:40]}",
            status_code=400,
        )
    try:
        started = start_plan(PlanRunCreate(as_of=as_of), engine, user)
    except TaktError as exc:
        return _runs(request, engine, user, error=str(exc), status_code=400)
    return _redirect(f"/runs?started={int(started['id'])}")


# --------------------------------------------------------------------------- purchase orders


@router.get("/purchase-orders/{number}")
def purchase_order(request: Request, engine: EngineDep, user: Viewer, number: str) -> Response:
    from takt.services.purchasing import show_purchase_order

    try:
        header, lines, events = show_purchase_order(engine, number)
    except NotFoundError as exc:
        return _not_found(request, user, str(exc))
    return render(
        request,
        "purchase_order.html",
        user,
        active="approvals",
        po=header,
        lines=lines.to_dicts(),
        events=events.to_dicts(),
    )


@router.get("/portal")
def portal(request: Request, engine: EngineDep, user: Supplier, page: PageNo = 1) -> Response:
    assert user.supplier_id is not None  # supplier_account checked it
    orders = reads.portal_orders(engine, user.supplier_id, limit=20, offset=(page - 1) * 20)
    return render(
        request, "portal.html", user, active="portal", orders=orders, paging=_pager(request, orders)
    )


# --------------------------------------------------------------------------- install


def _plotly_js() -> Path:
    return Path(str(resources.files("plotly") / "package_data" / "plotly.min.js"))


def install(app: FastAPI) -> None:
    """Add the pages, their assets and their error pages to ``app``."""

    @app.exception_handler(SignInRequired)
    async def _sign_in(_: Request, exc: SignInRequired) -> Response:
        target = safe_target(exc.target)
        return _redirect("/login" if target == "/" else f"/login?next={quote(target)}")

    @app.exception_handler(PageForbidden)
    async def _forbidden(request: Request, exc: PageForbidden) -> Response:
        return render(request, "error.html", exc.user, 403, title="Not allowed", message=str(exc))

    plotly_js = _plotly_js()

    @app.get("/assets/plotly.min.js", include_in_schema=False)
    async def plotly() -> FileResponse:
        # Served from the installed package: the pages never reach a CDN.
        return FileResponse(
            plotly_js,
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    app.include_router(router)  # after the route above: /assets/plotly.min.js wins
    app.mount("/assets", StaticFiles(directory=HERE / "static"), name="web-assets")
