"""Dashboard queries over executions, always scoped to the signed-in portals (read only)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from store.database import Database
from store.tables import UNFINISHED_STATUSES, Execution, ExecutionStatus

OUTCOMES = ("created", "existing", "skipped", "failed")
IN_PROGRESS = "in_progress"  # pending or running: no outcome yet


@dataclass(frozen=True)
class ExecutionFilter:
    """Which executions a dashboard list or export shows; never outside ``portal_ids``."""

    portal_ids: tuple[int, ...]
    action: str = ""
    outcome: str = ""  # one of OUTCOMES, or IN_PROGRESS
    error_code: str = ""
    object_id: str = ""
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
    text: str = ""


def _like(term: str) -> str:
    """A LIKE pattern matching ``term`` anywhere, its wildcards taken literally."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filtered(stmt, f: ExecutionFilter):
    """Apply a filter's conditions to a select over executions."""
    stmt = stmt.where(Execution.portal_id.in_(list(f.portal_ids)))  # type: ignore[attr-defined]
    if f.action:
        stmt = stmt.where(Execution.action == f.action)
    if f.outcome == IN_PROGRESS:
        stmt = stmt.where(Execution.status.in_(UNFINISHED_STATUSES))  # type: ignore[attr-defined]
    elif f.outcome:
        stmt = stmt.where(Execution.result == f.outcome)
    if f.error_code:
        stmt = stmt.where(Execution.error_code == f.error_code)
    if f.object_id:
        stmt = stmt.where(Execution.object_id == f.object_id)
    if f.since is not None:
        stmt = stmt.where(Execution.created_at >= f.since)
    if f.until is not None:
        stmt = stmt.where(Execution.created_at < f.until)
    if f.text:
        pattern = _like(f.text)
        stmt = stmt.where(
            or_(*(
                column.ilike(pattern, escape="\\")  # type: ignore[attr-defined]
                for column in (Execution.callback_id, Execution.object_id,
                               Execution.error_message, Execution.qbo_doc_number,
                               Execution.qbo_id)
            ))
        )  # fmt: skip
    return stmt


def _newest_first(stmt):
    """Order executions newest first, ties broken by id so pages never overlap."""
    return stmt.order_by(Execution.created_at.desc(), Execution.id.desc())  # type: ignore[attr-defined,union-attr]


def list_executions(db: Database, f: ExecutionFilter, offset: int, limit: int) -> list[Execution]:
    """One page of filtered executions, newest first."""
    with db.session() as s:
        stmt = _newest_first(_filtered(select(Execution), f)).offset(offset).limit(limit)
        return list(s.exec(stmt).all())


def count_executions(db: Database, f: ExecutionFilter) -> int:
    """How many executions a filter matches."""
    with db.session() as s:
        stmt = _filtered(select(func.count()).select_from(Execution), f)
        return int(s.exec(stmt).one())


EXPORT_COLUMNS = (
    "id", "created_at", "finished_at", "portal_id", "action", "object_type", "object_id",
    "status", "result", "error_code", "error_message", "qbo_id", "qbo_doc_number", "qbo_total",
    "outputs", "attempts", "generation", "callback_id",
)  # fmt: skip


def iter_executions(db: Database, f: ExecutionFilter, batch: int = 1000) -> Iterator[Any]:
    """Stream filtered executions as rows of EXPORT_COLUMNS, newest first.

    ``yield_per`` fetches ``batch`` rows at a time (a server-side cursor on PostgreSQL), so an
    export of any size holds one batch in memory.
    """
    columns = [getattr(Execution, name) for name in EXPORT_COLUMNS]
    stmt = _newest_first(_filtered(select(*columns), f))
    with Session(db.engine) as s:
        yield from s.exec(stmt.execution_options(yield_per=batch))


def _day(db: Database):
    """The UTC calendar day of an execution, as SQL."""
    if db.is_postgres:
        return func.date(func.timezone("UTC", Execution.created_at))
    return func.date(Execution.created_at)  # SQLite stores UTC without an offset


def daily_outcomes(db: Database, portal_ids: tuple[int, ...], since: datetime) -> dict:
    """{day: {outcome: count}} for executions created since ``since`` (in-progress included)."""
    day = _day(db).label("day")
    stmt = (
        select(day, Execution.result, func.count())
        .where(Execution.portal_id.in_(list(portal_ids)))  # type: ignore[attr-defined]
        .where(Execution.created_at >= since)
        .group_by(day, Execution.result)
    )
    counts: dict = {}
    with db.session() as s:
        for value, result, n in s.exec(stmt):
            bucket = counts.setdefault(date.fromisoformat(str(value)[:10]), {})
            key = result if result in OUTCOMES else IN_PROGRESS
            bucket[key] = bucket.get(key, 0) + int(n)
    return counts


def unresolved_failures(
    db: Database, portal_ids: tuple[int, ...], limit: int = 20
) -> tuple[list[Execution], int]:
    """Failed executions with no later success for the same action and record, and their count."""
    later = aliased(Execution)
    resolved = (
        select(later.id)
        .where(later.portal_id == Execution.portal_id, later.action == Execution.action,
               later.object_type == Execution.object_type,
               later.object_id == Execution.object_id,
               later.status == ExecutionStatus.SUCCEEDED, later.id > Execution.id)
        .exists()
    )  # fmt: skip
    base = (
        select(Execution)
        .where(Execution.portal_id.in_(list(portal_ids)))  # type: ignore[attr-defined]
        .where(Execution.status == ExecutionStatus.FAILED, ~resolved)
    )
    with db.session() as s:
        total = s.exec(select(func.count()).select_from(base.subquery())).one()
        rows = list(s.exec(_newest_first(base).limit(limit)).all())
    return rows, int(total)


def error_codes(db: Database, portal_ids: tuple[int, ...]) -> list[str]:
    """The error codes the portals' executions ended with (for the filter menu)."""
    with db.session() as s:
        stmt = (
            select(Execution.error_code)
            .where(Execution.portal_id.in_(list(portal_ids)), Execution.error_code != "")  # type: ignore[attr-defined]
            .distinct()
            .order_by(Execution.error_code)
        )
        return list(s.exec(stmt).all())


def execution_in_portals(
    db: Database, execution_id: int, portal_ids: tuple[int, ...]
) -> Execution | None:
    """A ledger row, only when it belongs to one of these portals."""
    with db.session() as s:
        stmt = select(Execution).where(
            Execution.id == execution_id,
            Execution.portal_id.in_(list(portal_ids)),  # type: ignore[attr-defined]
        )
        return s.exec(stmt).first()
