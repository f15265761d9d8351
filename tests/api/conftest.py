"""An API client over the hand-made replenishment world, with one user per role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from takt.api.app import create_app
from takt.services.users import add_user, create_token
from tests.services.replenish_world import build_world

ROLES = ("viewer", "planner", "buyer", "admin")


@dataclass
class Api:
    client: TestClient
    engine: Engine
    ids: dict[str, int]
    tokens: dict[str, str]

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def get(self, who: str, url: str, **kw: object):  # type: ignore[no-untyped-def]
        return self.client.get(url, headers=self.headers(who), **kw)  # type: ignore[arg-type]

    def post(self, who: str, url: str, **kw: object):  # type: ignore[no-untyped-def]
        return self.client.post(url, headers=self.headers(who), **kw)  # type: ignore[arg-type]


def make_api(engine: Engine) -> Api:
    ids = build_world(engine)
    tokens = {}
    for role in ROLES:
        add_user(engine, role, f"{role}-password", role=role)
        tokens[role] = create_token(engine, role, name="test")
    for code in ("S1", "S2"):
        name = f"supplier-{code.lower()}"
        add_user(engine, name, f"{name}-password", role="supplier", supplier=code)
        tokens[code] = create_token(engine, name, name="portal")
    return Api(TestClient(create_app(engine)), engine, ids, tokens)


@pytest.fixture
def api(engine: Engine) -> Iterator[Api]:
    made = make_api(engine)
    with made.client:
        yield made
