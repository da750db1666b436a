"""The HubSpot action definitions published by `hubspot publish-actions`."""

from __future__ import annotations

from sqlmodel import select

from store.database import Database
from store.tables import ActionDefinition, utcnow


def action_definitions(db: Database, app_id: str | None = None) -> list[ActionDefinition]:
    """The definitions published by `hubspot publish-actions` (for one app, or all)."""
    with db.session() as s:
        stmt = select(ActionDefinition).order_by(ActionDefinition.slug)  # type: ignore[arg-type]
        if app_id is not None:
            stmt = stmt.where(ActionDefinition.app_id == str(app_id))
        return list(s.exec(stmt).all())


def record_action_definition(
    db: Database, app_id: str, slug: str, definition_id: str, revision_id: str, changed: bool
) -> None:
    """Remember an action's definition id; published_at moves only when HubSpot changed it."""
    with db.session() as s:
        stmt = select(ActionDefinition).where(
            ActionDefinition.app_id == str(app_id), ActionDefinition.slug == slug
        )
        row = s.exec(stmt).first()
        if row is None:
            row = ActionDefinition(app_id=str(app_id), slug=slug, definition_id=definition_id)
        elif not changed and row.definition_id == definition_id:
            if revision_id and row.revision_id != revision_id:
                row.revision_id = revision_id
                s.add(row)
            return
        row.definition_id = definition_id
        row.revision_id = revision_id
        row.published_at = utcnow()
        s.add(row)
