"""Request dependencies: the store, the signed-in user and the role checks (all async:
they do no I/O of their own beyond the cached token lookup, and a sync dependency would
cost each request a trip through the thread pool).

A request is authenticated by an API token (``Authorization: Bearer takt_…``) or by the
web session cookie; a state-changing request on a session must also carry that session's
CSRF token (form field ``csrf_token`` or header ``X-CSRF-Token``): a token in a header is
something a cross-site form cannot send, a cookie is not.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from sqlalchemy import Engine

from takt.services.users import User, session_user, user_for_token

SESSION_COOKIE = "takt_session"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


async def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


EngineDep = Annotated[Engine, Depends(get_engine)]


async def _csrf_from(request: Request) -> str | None:
    header = request.headers.get("x-csrf-token")
    if header:
        return header
    if request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        return value if isinstance(value, str) else None
    return None


async def optional_user(request: Request, engine: EngineDep) -> User | None:
    """The caller, or None when not signed in (raises 403 on a failed CSRF check)."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        user = user_for_token(engine, header[7:].strip())
        if user is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "invalid or expired API token",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return user
    sid = request.cookies.get(SESSION_COOKIE)
    if not sid:
        return None
    found = session_user(engine, sid)
    if found is None:
        return None
    user, csrf = found
    request.state.csrf_token = csrf
    if request.method not in SAFE_METHODS and await _csrf_from(request) != csrf:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "missing or wrong CSRF token")
    return user


async def current_user(user: Annotated[User | None, Depends(optional_user)]) -> User:
    if user is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "sign in or send an API token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def require(role: str) -> Callable[[User], Awaitable[User]]:
    """A dependency admitting users with at least ``role`` (never supplier accounts)."""

    async def check(user: CurrentUser) -> User:
        if not user.can(role):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, f"this needs the {role} role (you are {user.role})"
            )
        return user

    return check


Viewer = Annotated[User, Depends(require("viewer"))]
Planner = Annotated[User, Depends(require("planner"))]
Buyer = Annotated[User, Depends(require("buyer"))]
Admin = Annotated[User, Depends(require("admin"))]


async def supplier_user(user: CurrentUser) -> User:
    if user.role != "supplier" or user.supplier_id is None:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "the supplier portal is for supplier accounts"
        )
    return user


SupplierUser = Annotated[User, Depends(supplier_user)]
