"""Command line for the server and its users: ``takt serve``, ``takt user add``,
``takt user token``. Registered on the main app by :mod:`takt.cli`."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from takt.cli import DatabaseOption, _engine, app, err, out

user_app = typer.Typer(
    help="Users of the web app and the API: add one (the first admin), issue API tokens.",
    no_args_is_help=True,
)
app.add_typer(user_app, name="user")


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (PostgreSQL for > 1).")] = 1,
    access_log: Annotated[bool, typer.Option(help="Log every request.")] = True,
    database: DatabaseOption = None,
) -> None:
    """Run the web app and the REST API (OpenAPI documentation at /docs)."""
    import uvicorn

    from takt.store.db import require_current

    engine = _engine(database)
    require_current(engine)
    if workers > 1:
        os.environ["TAKT_DATABASE_URL"] = engine.url.render_as_string(hide_password=False)
        uvicorn.run(
            "takt.api.serve:app",
            host=host,
            port=port,
            workers=workers,
            log_level="info",
            access_log=access_log,
        )
        return
    from takt.api.app import create_app

    uvicorn.run(
        create_app(engine, trigger_process=True),
        host=host,
        port=port,
        log_level="info",
        access_log=access_log,
    )


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="Sign-in name.")],
    role: Annotated[
        str, typer.Option(help="viewer, planner, buyer, admin or supplier.")
    ] = "viewer",
    supplier: Annotated[
        str | None, typer.Option(help="For a supplier account: its supplier code.")
    ] = None,
    password: Annotated[
        str | None,
        typer.Option(
            envvar="TAKT_NEW_PASSWORD", help="Password (else asked; or TAKT_NEW_PASSWORD)."
        ),
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Create a user (e.g. the first admin); the password is stored hashed (scrypt)."""
    from takt.services.users import add_user

    if password is None:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    user = add_user(_engine(database), username, password, role=role, supplier=supplier)
    scope = f" for supplier {user.supplier}" if user.supplier else ""
    out.print(f"user {user.username} ({user.role}{scope}) created", highlight=False)


@user_app.command("token")
def user_token(
    username: Annotated[str, typer.Argument(help="Whose token.")],
    name: Annotated[str, typer.Option(help="What the token is for.")] = "api",
    days: Annotated[int | None, typer.Option(help="Expires after this many days.")] = None,
    database: DatabaseOption = None,
) -> None:
    """Issue an API token (printed once; only its hash is stored)."""
    from takt.services.users import create_token

    token = create_token(_engine(database), username, name=name, days=days)
    err.print("the token (shown once; send it as 'Authorization: Bearer <token>'):")
    out.print(token, highlight=False, soft_wrap=True)
