"""Plan runs: every engine run over the store is recorded with its inputs, parameters
and status; its results are written in one transaction, and a failed run keeps its
row (status ``failed``, the error) and no results."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, func, select, update

from takt.errors import InvalidInputError, TaktError
from takt.store.db import transaction
from takt.store.models import PlanRunRow


def jsonable(value: Any) -> Any:
    """``value`` with NaN as null and dates as ISO text, for a JSON column."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


@contextmanager
def recorded_run(
    engine: Engine, *, kind: str, as_of: date, parameters: dict[str, Any], seed: int = 0
) -> Iterator[int]:
    """Record a run as ``running`` and yield its id; any error marks it ``failed`` and
    is raised as a :class:`TaktError` naming the run."""
    with transaction(engine) as session:
        run = PlanRunRow(
            kind=kind, status="running", as_of=as_of, parameters=jsonable(parameters), seed=seed
        )
        session.add(run)
        session.flush()
        run_id = run.id
    try:
        yield run_id
    except Exception as exc:
        with transaction(engine) as session:
            session.execute(
                update(PlanRunRow)
                .where(PlanRunRow.id == run_id)
                .values(status="failed", error=str(exc)[:2000], finished_at=datetime.now(UTC))
            )
        if isinstance(exc, TaktError):
            raise
        raise TaktError(f"{kind} run {run_id} failed: {exc}") from exc


def finish_run(engine: Engine, run_id: int, summary: dict[str, Any]) -> None:
    with transaction(engine) as session:
        session.execute(
            update(PlanRunRow)
            .where(PlanRunRow.id == run_id)
            .values(status="succeeded", finished_at=datetime.now(UTC), summary=jsonable(summary))
        )


def latest_run_id(engine: Engine, kind: str = "forecast") -> int:
    with engine.connect() as conn:
        run_id = conn.execute(
            select(func.max(PlanRunRow.id)).where(
                PlanRunRow.kind == kind, PlanRunRow.status == "succeeded"
            )
        ).scalar()
    if run_id is None:
        raise InvalidInputError(f"no successful {kind} run yet: run 'takt {kind}' first")
    return int(run_id)


def latest_run_parameters(engine: Engine, kind: str) -> dict[str, Any]:
    """The parameters the latest successful run of ``kind`` recorded ({} when none)."""
    with engine.connect() as conn:
        params = conn.execute(
            select(PlanRunRow.parameters)
            .where(PlanRunRow.kind == kind, PlanRunRow.status == "succeeded")
            .order_by(PlanRunRow.id.desc())
            .limit(1)
        ).scalar()
    return dict(params or {})
