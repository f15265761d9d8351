"""The FastAPI application: REST API under ``/api``, OpenAPI at ``/openapi.json``, its
interactive documentation at ``/docs`` (Swagger UI served from the installed
``swagger_ui_bundle`` package: nothing from a CDN, it works offline), and the web pages.

Domain errors become HTTP answers in one place: not found 404, invalid input 422 (with
the message naming the field), a lock held 409, any other Takt error 400.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

import takt
from takt.errors import InvalidInputError, NotFoundError, TaktError
from takt.services.locks import LockedError
from takt.store.db import WalCheckpointer


def _swagger_dir() -> Path | None:
    try:
        import swagger_ui_bundle
    except ImportError:  # pragma: no cover - a dependency
        return None
    return Path(swagger_ui_bundle.swagger_ui_path)


def create_app(engine: Engine, *, trigger_process: bool = False) -> FastAPI:
    """The app over ``engine`` (a migrated store). ``trigger_process``: decide due items
    of single signals in a child process (the server's choice) instead of a thread."""
    from takt.services.trigger_worker import TriggerWorker

    worker = TriggerWorker(engine, process=trigger_process)
    # Requests never copy SQLite's log back themselves (a stall of tens of ms each time).
    checkpointer = WalCheckpointer(engine)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        checkpointer.start()
        worker.start()
        yield
        worker.stop()
        checkpointer.stop()

    app = FastAPI(
        lifespan=lifespan,
        title="Takt",
        version=getattr(takt, "__version__", "0"),
        description="Just-in-time procurement: signals, policies, proposals, purchase "
        "orders, suppliers, risk and simulation.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.engine = engine
    # Due items of single signals are decided in the background (see trigger_worker).
    app.state.trigger_worker = worker

    @app.exception_handler(NotFoundError)
    async def _not_found(_: Request, exc: NotFoundError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(InvalidInputError)
    async def _invalid(_: Request, exc: InvalidInputError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=422)

    @app.exception_handler(LockedError)
    async def _locked(_: Request, exc: LockedError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=409)

    @app.exception_handler(TaktError)
    async def _takt(_: Request, exc: TaktError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    swagger = _swagger_dir()
    if swagger is not None:
        app.mount("/static/swagger", StaticFiles(directory=swagger), name="swagger")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Takt API",
            swagger_js_url="/static/swagger/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger/swagger-ui.css",
            swagger_favicon_url="/static/swagger/favicon-32x32.png",
        )

    from takt.api import portal, routes_analysis, routes_core, routes_edi, routes_ops
    from takt.web import pages

    for module in (routes_core, routes_ops, routes_analysis, routes_edi):
        app.include_router(module.router, prefix="/api")
    app.include_router(portal.router, prefix="/api/portal")
    pages.install(app)
    return app
