"""Fixtures of the web tests: the app over the web world on both backends, clients signed
in as any user, and Debian's Chromium for the browser tests.

Chromium is ``/usr/bin/chromium`` (never a browser Playwright downloads). When it is
missing, ``apt-get install -y chromium`` is tried once; if that fails the browser tests
are skipped with the reason, or fail when ``TAKT_REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from takt.api.app import create_app
from tests.web.world import WebWorld, build_web_world, sign_in

CHROMIUM = Path("/usr/bin/chromium")


@dataclass
class Web:
    app: FastAPI
    engine: Engine
    world: WebWorld
    clients: list[TestClient] = field(default_factory=list)

    def anonymous(self) -> TestClient:
        client = TestClient(self.app)
        self.clients.append(client)
        return client

    def signed_in(self, username: str) -> tuple[TestClient, str]:
        """A client with its own session as ``username``, and the session's CSRF token."""
        client = self.anonymous()
        return client, sign_in(client, username)


@pytest.fixture
def web(engine: Engine) -> Iterator[Web]:
    made = Web(create_app(engine), engine, build_web_world(engine))
    yield made
    for client in made.clients:
        client.close()


def _browser_unavailable(reason: str) -> None:
    if os.environ.get("TAKT_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (TAKT_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


def _install_chromium() -> str | None:
    """Install Debian's Chromium; the reason it failed, or None."""
    apt = shutil.which("apt-get")
    if apt is None:
        return "no /usr/bin/chromium and no apt-get to install it"
    try:
        done = subprocess.run(
            [apt, "install", "-y", "chromium"],
            capture_output=True,
            text=True,
            timeout=900,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"apt-get install -y chromium failed: {exc}"
    if done.returncode != 0 or not CHROMIUM.exists():
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        return f"apt-get install -y chromium failed ({done.returncode}): {' | '.join(tail)}"
    return None


@pytest.fixture(scope="session")
def chromium() -> str:
    """The path of Debian's Chromium, installed if need be."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        _browser_unavailable(f"playwright is not installed: {exc}")
    if not CHROMIUM.exists():
        reason = _install_chromium()
        if reason is not None:
            _browser_unavailable(reason)
    return str(CHROMIUM)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots go: ``TAKT_ARTIFACTS``, else ``build/screenshots``."""
    default = Path(__file__).resolve().parents[2] / "build" / "screenshots"
    folder = Path(os.environ.get("TAKT_ARTIFACTS") or default)
    folder.mkdir(parents=True, exist_ok=True)
    return folder
