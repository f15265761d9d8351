"""Who may see a page: the signed-in user (session cookie, or an API token), the CSRF
check on every form post, and the role each page needs.

Not signed in, a page answers with a redirect to ``/login`` (remembering where the user
was going); signed in without the role, with a 403 page. Supplier accounts see only the
portal; internal users never see the portal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request, status
from starlette.datastructures import FormData

from takt.api.deps import EngineDep, optional_user
from takt.services.users import User


class SignInRequired(Exception):
    """No live session: the page sends the browser to the sign-in form."""

    def __init__(self, target: str) -> None:
        super().__init__(target)
        self.target = target


class PageForbidden(Exception):
    """Signed in, but this page is not for this user (a 403 page says why)."""

    def __init__(self, message: str, user: User | None = None) -> None:
        super().__init__(message)
        self.user = user


def safe_target(target: str | None, default: str = "/") -> str:
    """``target`` when it is a path on this site, else ``default``: a sign-in link must
    not send the user on to another site (an open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


async def page_user(request: Request, engine: EngineDep) -> User:
    """The signed-in user; a form post must carry the session's CSRF token."""
    try:
        user = await optional_user(request, engine)
    except HTTPException as exc:
        if exc.status_code == status.HTTP_403_FORBIDDEN:
            raise PageForbidden(str(exc.detail)) from exc
        raise SignInRequired(_here(request)) from exc  # an invalid or expired API token
    if user is None:
        raise SignInRequired(_here(request))
    return user


PageUser = Annotated[User, Depends(page_user)]


def _here(request: Request) -> str:
    if request.method != "GET":
        return "/"
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def internal(role: str) -> Callable[[User], User]:
    """A dependency admitting internal users with at least ``role``."""

    def check(user: PageUser) -> User:
        if user.role == "supplier":
            raise PageForbidden("This page is for internal users; suppliers use the portal.", user)
        if not user.can(role):
            raise PageForbidden(f"This page needs the {role} role (you are {user.role}).", user)
        return user

    return check


def supplier_account(user: PageUser) -> User:
    if user.role != "supplier" or user.supplier_id is None:
        raise PageForbidden("The supplier portal is for supplier accounts.", user)
    return user


Viewer = Annotated[User, Depends(internal("viewer"))]
Planner = Annotated[User, Depends(internal("planner"))]
Buyer = Annotated[User, Depends(internal("buyer"))]
Supplier = Annotated[User, Depends(supplier_account)]


async def _form(request: Request) -> FormData:
    # Read once here (the CSRF check read it already; Starlette keeps it) so the page
    # functions can stay synchronous and run in the thread pool.
    return await request.form()


Form = Annotated[FormData, Depends(_form)]


def form_ids(form: FormData, name: str = "id") -> list[int]:
    """The proposal ids ticked in ``form`` (anything not a positive integer is ignored)."""
    ids = []
    for value in form.getlist(name):
        if isinstance(value, str) and value.isdigit() and 0 < int(value) < 2**62:
            ids.append(int(value))
    return list(dict.fromkeys(ids))
