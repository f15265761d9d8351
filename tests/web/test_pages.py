"""The web pages through FastAPI's test client, on both backends: signing in and out,
CSRF, roles, approvals with their PO, the item, supplier, risk, simulation and run pages,
paging and search, the CSV export and the supplier portal."""

from __future__ import annotations

import csv
import io
import json
import re
import time

import pytest
from sqlalchemy import insert, select, update

from takt.store.db import transaction
from takt.store.models import ItemRow, PlanRunRow, ProposalRow
from tests.web.conftest import Web
from tests.web.world import HISTORY_PO, S2_PO, SIM_FILL_RATE, password, po_of

PAGES = (
    "/",
    "/approvals",
    "/items",
    "/items/A@MAIN",
    "/suppliers",
    "/suppliers/S1",
    "/risk",
    "/simulation",
    "/runs",
    "/purchase-orders/PO-OLD-1",
)
EXTERNAL = re.compile(
    r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//", re.IGNORECASE
)


def status_of(web: Web, proposal_id: int) -> str:
    with transaction(web.engine) as session:
        return str(
            session.execute(
                select(ProposalRow.status).where(ProposalRow.id == proposal_id)
            ).scalar_one()
        )


def chart_figure(html: str, chart_id: str) -> dict[str, object]:
    found = re.search(
        rf'<script type="application/json" id="{chart_id}-figure">(.*?)</script>', html, re.DOTALL
    )
    assert found, f"no chart {chart_id}"
    figure: dict[str, object] = json.loads(found.group(1))
    return figure


# --------------------------------------------------------------------------- sign in, sign out


def test_a_page_sends_the_anonymous_to_sign_in_and_back(web: Web) -> None:
    client = web.anonymous()
    answer = client.get("/items?q=A", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/items%3Fq%3DA"
    form = client.get(answer.headers["location"])
    assert 'name="next" value="/items?q=A"' in form.text
    token = re.search(r'name="login_token" value="([^"]+)"', form.text)
    assert token
    signed = client.post(
        "/login",
        data={
            "username": "viewer",
            "password": password("viewer"),
            "login_token": token.group(1),
            "next": "/items?q=A",
        },
        follow_redirects=False,
    )
    assert signed.status_code == 303 and signed.headers["location"] == "/items?q=A"
    cookie = signed.headers["set-cookie"]
    assert "takt_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert client.get("/items").status_code == 200


def test_sign_out_needs_the_csrf_token_and_ends_the_session(web: Web) -> None:
    client, csrf = web.signed_in("viewer")
    sid = client.cookies.get("takt_session")
    assert client.post("/logout", follow_redirects=False).status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 200  # still signed in
    out = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert client.get("/", follow_redirects=False).status_code == 303
    replay = web.anonymous()
    replay.cookies.set("takt_session", str(sid))  # the old cookie opens nothing any more
    assert replay.get("/", follow_redirects=False).headers["location"] == "/login"


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(web: Web) -> None:
    answers = []
    for username, secret in (("buyer", "not-the-password"), ("nobody", "buyer-password")):
        client = web.anonymous()
        token = re.search(r'name="login_token" value="([^"]+)"', client.get("/login").text)
        assert token
        answer = client.post(
            "/login", data={"username": username, "password": secret, "login_token": token.group(1)}
        )
        assert "Wrong username or password." in answer.text
        assert "takt_session" not in answer.headers.get("set-cookie", "")
        answers.append((answer.status_code, answer.text.count("Wrong username or password.")))
    assert answers[0] == answers[1]


def test_sign_in_needs_the_forms_own_token_and_stays_on_this_site(web: Web) -> None:
    client = web.anonymous()
    forged = client.post("/login", data={"username": "buyer", "password": password("buyer")})
    assert forged.status_code == 400 and "takt_session" not in forged.headers.get("set-cookie", "")
    token = re.search(r'name="login_token" value="([^"]+)"', client.get("/login").text)
    assert token
    signed = client.post(
        "/login",
        data={
            "username": "buyer",
            "password": password("buyer"),
            "login_token": token.group(1),
            "next": "//evil.example/steal",
        },
        follow_redirects=False,
    )
    assert signed.headers["location"] == "/"


# --------------------------------------------------------------------------- CSRF and roles


def test_approving_without_or_with_a_wrong_csrf_token_is_refused(web: Web) -> None:
    client, csrf = web.signed_in("buyer")
    b = web.world.proposals["B@MAIN"]
    for data in ({"one": str(b)}, {"one": str(b), "csrf_token": csrf[::-1]}):
        answer = client.post("/approvals/approve", data=data)
        assert answer.status_code == 403 and "CSRF" in answer.text
    assert status_of(web, b) == "open"
    # A header token is as good as the form field (what scripts send).
    sent = client.post(
        "/approvals/approve",
        data={"one": str(b)},
        headers={"X-CSRF-Token": csrf},
        follow_redirects=False,
    )
    assert sent.status_code == 303 and status_of(web, b) == "approved"


def test_every_form_post_needs_the_csrf_token(web: Web) -> None:
    client, _ = web.signed_in("admin")
    before = client.get("/runs").text.count("<tr><td>")
    b = str(web.world.proposals["B@MAIN"])
    for url, data in (("/approvals/approve", {"one": b}), ("/approvals/reject", {"one": b}),
                      ("/runs", {}), ("/logout", {})):  # fmt: skip
        answer = client.post(url, data=data, follow_redirects=False)
        assert answer.status_code == 403, url
    assert status_of(web, int(b)) == "open"
    assert client.get("/runs").text.count("<tr><td>") == before  # no run started
    assert client.get("/", follow_redirects=False).status_code == 200  # still signed in


def test_a_viewer_reads_the_queue_but_cannot_approve(web: Web) -> None:
    client, csrf = web.signed_in("viewer")
    b = web.world.proposals["B@MAIN"]
    page = client.get("/approvals")
    assert page.status_code == 200 and f'id="proposal-{b}"' in page.text
    assert "Approve</button>" not in page.text
    answer = client.post("/approvals/approve", data={"one": str(b), "csrf_token": csrf})
    assert answer.status_code == 403 and "buyer role" in answer.text
    assert status_of(web, b) == "open"
    assert client.post("/runs", data={"csrf_token": csrf}).status_code == 403


def test_suppliers_and_staff_keep_to_their_own_pages(web: Web) -> None:
    supplier, _ = web.signed_in("supplier-s1")
    for url in ("/items", "/approvals", "/approvals.csv", "/risk", "/purchase-orders/PO-OLD-1"):
        assert supplier.get(url).status_code == 403, url
    home = supplier.get("/", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == "/portal"
    buyer, _ = web.signed_in("buyer")
    assert buyer.get("/portal").status_code == 403


# --------------------------------------------------------------------------- approvals


def test_a_buyer_approves_a_proposal_and_sees_its_purchase_order(web: Web) -> None:
    client, csrf = web.signed_in("buyer")
    b = web.world.proposals["B@MAIN"]
    queue = client.get("/approvals").text
    row = queue[queue.index(f'id="proposal-{b}"') :]
    assert "reached the min 20" in row  # the proposal's reason
    assert "over the auto-approve limit" in row  # and why it needs a buyer
    answer = client.post("/approvals/approve", data={"one": str(b), "csrf_token": csrf})
    assert answer.status_code == 200 and answer.url.path == "/approvals"
    number = po_of(web.engine, b)
    assert number is not None and number.startswith("PO")
    assert f'href="/purchase-orders/{number}"' in answer.text
    assert f'id="proposal-{b}"' not in answer.text  # left the queue
    po = client.get(f"/purchase-orders/{number}")
    assert po.status_code == 200 and "B@MAIN" in po.text and "approved" in po.text


def test_a_refused_approval_comes_back_with_the_reason(web: Web) -> None:
    client, csrf = web.signed_in("buyer")
    d = web.world.proposals["D@MAIN"]
    answer = client.post("/approvals/approve", data={"one": str(d), "csrf_token": csrf})
    assert answer.status_code == 400 and "have no supplier" in answer.text
    assert status_of(web, d) == "open"
    none_ticked = client.post("/approvals/approve", data={"csrf_token": csrf})
    assert none_ticked.status_code == 400 and "Tick at least one" in none_ticked.text


def test_a_buyer_rejects_ticked_proposals_with_a_note(web: Web) -> None:
    client, csrf = web.signed_in("buyer")
    c, d = web.world.proposals["C@MAIN"], web.world.proposals["D@MAIN"]
    answer = client.post(
        "/approvals/reject",
        data={"id": [str(c), str(d)], "note": "<b>not now</b>", "csrf_token": csrf},
    )
    assert answer.status_code == 200
    assert status_of(web, c) == "rejected" and status_of(web, d) == "rejected"
    with transaction(web.engine) as session:
        reason = session.execute(select(ProposalRow.approval_reason).where(ProposalRow.id == c))
        assert str(reason.scalar_one()).endswith("rejected: <b>not now</b>")


def test_the_csv_export_escapes_formulas(web: Web) -> None:
    b = web.world.proposals["B@MAIN"]
    with transaction(web.engine) as session:
        session.execute(
            update(ProposalRow)
            .where(ProposalRow.id == b)
            .values(warning="=cmd|' /C calc'!A0", approval_reason="@SUM(1+1)*cmd|' /C calc'!A0")
        )
    client, _ = web.signed_in("viewer")
    answer = client.get("/approvals.csv")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    row = next(r for r in rows if r["id"] == str(b))
    assert row["warning"] == "'=cmd|' /C calc'!A0"
    assert row["approval_reason"] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert row["item"] == "B@MAIN" and float(row["qty"]) == 190.0
    assert {r["item"] for r in rows} == set(web.world.proposals)
    assert not any(v.startswith(("=", "+", "-", "@")) for r in rows for v in r.values())


# --------------------------------------------------------------------------- items


def test_the_item_page_shows_the_policy_reason_and_its_charts(web: Web) -> None:
    client, _ = web.signed_in("viewer")
    page = client.get("/items/A@MAIN")
    assert page.status_code == 200
    assert "buffer: test rule for A" in page.text
    assert 'class="chart" id="chart-demand"' in page.text
    demand = chart_figure(page.text, "chart-demand")
    names = [t.get("name") for t in demand["data"]]  # type: ignore[attr-defined]
    assert names == ["demand", None, "80 % interval (backtest RMSSE)", "forecast"]
    forecast = demand["data"][3]  # type: ignore[index]
    assert len(forecast["x"]) == 13 and set(forecast["y"]) == {70.0}
    position = chart_figure(page.text, "chart-position")
    arrivals = position["data"][0]  # type: ignore[index]
    assert arrivals["y"][0] == 100.0  # the auto-approved line of 100, due already
    assert 'id="open-lines"' in page.text and "overdue" in page.text


def test_no_page_loads_anything_from_another_site(web: Web) -> None:
    client, _ = web.signed_in("buyer")
    supplier, _ = web.signed_in("supplier-s2")
    pages = [(client, url) for url in PAGES] + [(supplier, "/portal")]
    for who, url in pages:
        answer = who.get(url)
        assert answer.status_code == 200, url
        assert '<script src="http' not in answer.text and not EXTERNAL.search(answer.text), url
        assert "script-src 'self'" in answer.headers["content-security-policy"]
    plotly = client.get("/assets/plotly.min.js")
    assert plotly.status_code == 200 and "javascript" in plotly.headers["content-type"]
    assert len(plotly.content) > 1_000_000 and b"plotly" in plotly.content[:2000].lower()
    assert client.get("/assets/charts.js").status_code == 200
    assert client.get("/assets/takt.css").status_code == 200


def test_items_are_paged_and_searched_on_the_server(web: Web) -> None:
    with transaction(web.engine) as session:
        session.execute(
            insert(ItemRow),
            [
                {
                    "sku": f"P-{n:04d}",
                    "location": "MAIN",
                    "description": f"part {n}",
                    "unit_cost": 1,
                    "category": "direct",
                    "criticality": "normal",
                    "lifecycle": "active",
                }
                for n in range(120)
            ],
        )
    client, _ = web.signed_in("viewer")
    first = client.get("/items", params={"size": 50})
    assert first.text.count('<a href="/items/') == 50 and "1–50 of 124" in first.text
    assert 'href="/items?size=50&amp;page=2"' in first.text
    third = client.get("/items", params={"size": 50, "page": 3})
    assert third.text.count('<a href="/items/') == 24 and "101–124 of 124" in third.text
    found = client.get("/items", params={"q": "p-011"})
    skus = re.findall(r'<a href="/items/([^"]+)">', found.text)
    assert skus == [f"P-011{n}%40MAIN" for n in range(10)]
    nothing = client.get("/items", params={"q": "<script>x</script>"})
    assert "No item matches." in nothing.text and "<script>x</script>" not in nothing.text


def test_the_item_list_reads_one_page_of_a_large_store(web: Web) -> None:
    rows = [
        {
            "sku": f"BULK-{n:06d}",
            "location": "MAIN",
            "description": "",
            "unit_cost": 1,
            "category": "direct",
            "criticality": "normal",
            "lifecycle": "active",
        }
        for n in range(100_000)
    ]
    with transaction(web.engine) as session:
        for start in range(0, len(rows), 20_000):
            session.execute(insert(ItemRow), rows[start : start + 20_000])
    client, _ = web.signed_in("viewer")
    started = time.perf_counter()
    page = client.get("/items", params={"page": 1000})
    seconds = time.perf_counter() - started
    assert page.text.count('<a href="/items/') == 50 and "of 100,004" in page.text
    # Page 1000 holds rows 49,951–50,000 in SKU order: A, B, then the BULK items.
    assert "BULK-049948" in page.text and "BULK-049997" in page.text
    assert "BULK-049947" not in page.text and "BULK-049998" not in page.text
    assert seconds < 5.0, f"{seconds:.2f} s for one page of 100,000 items"


def test_unknown_records_are_404_pages(web: Web) -> None:
    client, _ = web.signed_in("viewer")
    for url, text in (
        ("/items/NOPE@MAIN", "unknown item"),
        ("/suppliers/NOPE", "no supplier"),
        ("/purchase-orders/NOPE", "no purchase order"),
    ):
        answer = client.get(url)
        assert answer.status_code == 404 and text in answer.text, url
        assert answer.headers["content-type"].startswith("text/html")


# --------------------------------------------------------------------------- other pages


def test_the_dashboard_adds_up_stock_service_exposure_and_proposals(web: Web) -> None:
    client, _ = web.signed_in("viewer")
    page = client.get("/").text
    section = {
        name: page[page.index(f'id="{name}"') :][:900]
        for name in ("working-capital", "service", "exposure", "proposals")
    }
    assert '<p class="big">540</p>' in section["working-capital"]  # (30+10+500+0) × 1.00
    assert f'<p class="big">{SIM_FILL_RATE * 100:.1f} %</p>' in section["service"]
    assert '<p class="big">1</p>' in section["exposure"]  # B: 1 day of cover, S1 down 32
    assert '<a href="/approvals">3</a>' in section["proposals"]
    assert "<td>auto</td><td>approved</td>" in section["proposals"]


def test_the_supplier_page_shows_the_scorecard_trend_and_lead_times(web: Web) -> None:
    client, _ = web.signed_in("viewer")
    page = client.get("/suppliers/S1")
    assert page.status_code == 200 and "Primary Parts" in page.text and "85.5 (1)" in page.text
    trend = chart_figure(page.text, "chart-trend")
    assert [t["name"] for t in trend["data"]] == ["OTIF %", "mean lead time (days)"]  # type: ignore[attr-defined]
    assert trend["data"][0]["y"] == [90.0, 85.0, 80.0, 75.0]  # type: ignore[index]
    lead = chart_figure(page.text, "chart-lead-times")
    assert sorted(lead["data"][0]["x"]) == [4.0, 5.0, 5.0, 6.0, 7.0, 9.0]  # type: ignore[index]
    empty = client.get("/suppliers/S2")
    assert "No scorecard yet" in empty.text and "no receipts yet" in empty.text


def test_the_risk_page_highlights_exposed_items_events_and_actions(web: Web) -> None:
    client, _ = web.signed_in("viewer")
    page = client.get("/risk")
    assert page.status_code == 200
    events = page.text[page.text.index('id="events"') :]
    assert "s1-fire" in events and "fire at the S1 plant" in events
    actions = page.text[page.text.index('id="actions"') :]
    assert "B@MAIN" in actions and "raise_buffer" in actions
    figure = chart_figure(page.text, "chart-exposure")
    exposed = next(t for t in figure["data"] if t["name"] == "exposed (TTS < TTR)")  # type: ignore[attr-defined]
    assert [text.split(" · ")[0] for text in exposed["text"]] == ["B@MAIN"]


def test_the_simulation_page_shows_the_latest_run(web: Web) -> None:
    client, _ = web.signed_in("viewer")
    page = client.get("/simulation").text
    kpis = page[page.index('id="kpis"') :]
    assert f"{SIM_FILL_RATE * 100:.1f} %" in kpis and "90.1 %" in kpis and "50.0 %" not in kpis
    assert "supplier_outage" in kpis
    strategies = page[page.index('id="strategies"') :]
    assert strategies.count("<tr><td>normal conditions</td>") == 2
    figure = chart_figure(page, "chart-strategies")
    assert {t["name"] for t in figure["data"]} == {"normal conditions", "supplier_outage"}  # type: ignore[attr-defined]


def test_a_planner_starts_a_plan_run_from_the_runs_page(web: Web) -> None:
    client, csrf = web.signed_in("planner")
    answer = client.post(
        "/runs", data={"csrf_token": csrf, "as_of": "2026-03-02"}, follow_redirects=False
    )
    assert answer.status_code == 303
    run_id = int(answer.headers["location"].split("started=")[1])
    deadline = time.monotonic() + 60
    status = "running"
    while status == "running" and time.monotonic() < deadline:
        with transaction(web.engine) as session:
            status = session.execute(
                select(PlanRunRow.status).where(PlanRunRow.id == run_id)
            ).scalar_one()
        time.sleep(0.05)
    assert status == "succeeded"
    page = client.get(answer.headers["location"]).text
    assert f"Plan run {run_id} started" in page and "queued)" in page
    bad = client.post("/runs", data={"csrf_token": csrf, "as_of": "someday"})
    assert bad.status_code == 400 and "as of: not a date" in bad.text


@pytest.mark.parametrize(
    ("who", "sees", "never"),
    [
        ("supplier-s1", ["PO-OLD-1"], [S2_PO, HISTORY_PO]),
        ("supplier-s2", [S2_PO], ["PO-OLD-1", HISTORY_PO]),
    ],
)
def test_a_supplier_sees_only_its_own_open_orders(
    web: Web, who: str, sees: list[str], never: list[str]
) -> None:
    client, _ = web.signed_in(who)
    page = client.get("/portal")
    assert page.status_code == 200
    numbers = re.findall(r'<span class="po">([^<]+)</span>', page.text)
    assert numbers == sees
    for number in [*never, web.world.auto_po]:  # approved, not yet sent: still ours
        assert number not in page.text
