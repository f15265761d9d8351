"""The pages in a real browser: Debian's Chromium driven by Playwright against a uvicorn
server on a free port over a SQLite file. A buyer approves a proposal and follows it to
its purchase order, an item's chart is drawn (with the Content-Security-Policy in force),
and a supplier sees only its own orders. Screenshots go to ``TAKT_ARTIFACTS``."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import Engine

from takt.api.app import create_app
from takt.store.db import make_engine, upgrade
from tests.web.world import HISTORY_PO, S2_PO, WebWorld, build_web_world, password, po_of


@dataclass
class Site:
    url: str
    engine: Engine
    world: WebWorld


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('browser') / 'takt.db'}")
    upgrade(engine)
    world = build_web_world(engine)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(engine), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="takt-web-test", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:  # until it answers
        try:
            if httpx.get(f"{url}/login", timeout=1.0).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the uvicorn server did not start")
        time.sleep(0.05)
    yield Site(url, engine, world)
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.problems = []  # console errors and failed requests: a CSP block shows here
    opened.on("console", lambda m: m.type == "error" and opened.problems.append(m.text))
    opened.on("pageerror", lambda e: opened.problems.append(str(e)))
    yield opened
    context.close()


def sign_in(page: Any, site: Site, username: str, path: str = "/") -> None:
    page.goto(site.url + path)
    assert "/login" in page.url
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password(username))
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_load_state("load")


def shoot(page: Any, folder: Path, name: str) -> Path:
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.is_file() and path.stat().st_size > 1000
    return path


def test_a_buyer_approves_a_proposal_and_sees_its_po(
    page: Any, site: Site, artifacts: Path
) -> None:
    sign_in(page, site, "buyer", "/approvals")
    assert page.url.endswith("/approvals")
    b = site.world.proposals["B@MAIN"]
    row = page.locator(f"#proposal-{b}")
    assert "over the auto-approve limit" in row.inner_text()
    shoot(page, artifacts, "approvals-before")
    row.get_by_role("button", name="Approve").click()
    page.wait_for_selector("#decided")
    number = po_of(site.engine, b)
    assert number is not None
    link = page.locator("#decided a.po")
    assert link.inner_text() == number
    assert page.locator(f"#proposal-{b}").count() == 0
    shoot(page, artifacts, "approvals-after")
    link.click()
    page.wait_for_selector("#po-number")
    assert page.inner_text("#po-number") == number
    assert "B@MAIN" in page.inner_text("#lines")
    shoot(page, artifacts, "purchase-order")
    assert page.problems == []


def test_an_items_chart_is_drawn(page: Any, site: Site, artifacts: Path) -> None:
    sign_in(page, site, "viewer", "/items/A@MAIN")
    assert page.url.endswith("/items/A@MAIN")
    page.wait_for_selector("#chart-demand svg.main-svg", timeout=15_000)
    page.wait_for_selector("#chart-position svg.main-svg", timeout=15_000)
    bars = page.locator("#chart-demand g.barlayer path")
    assert bars.count() >= 10  # the weeks of history, drawn
    assert "buffer: test rule for A" in page.inner_text("#policy")
    shoot(page, artifacts, "item-A")
    assert page.problems == []


def test_a_supplier_sees_only_its_own_orders(page: Any, site: Site, artifacts: Path) -> None:
    sign_in(page, site, "supplier-s2")
    assert page.url.endswith("/portal")
    numbers = page.locator("section.order span.po").all_inner_texts()
    assert numbers == [S2_PO]
    body = page.inner_text("main")
    assert "PO-OLD-1" not in body and HISTORY_PO not in body
    shoot(page, artifacts, "portal-S2")
    page.goto(site.url + "/items")
    assert "Not allowed" in page.inner_text("h1")
    sign_out = page.get_by_role("button", name="Sign out")
    sign_out.click()
    page.wait_for_url("**/login")
    sign_in(page, site, "supplier-s1")
    assert page.locator("section.order span.po").all_inner_texts() == ["PO-OLD-1"]
    shoot(page, artifacts, "portal-S1")
