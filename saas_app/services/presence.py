"""Two people in one editor (a template's or a cadence's): who else has it open, and the save that came first.

Both editors check in while they stay open and list the others who do; both refuse a save made from an
older version with StaleSave, which names who saved last, when, and what they changed (from the audit log).
"""

from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from saas_app.core.roles import Action
from saas_app.i18n import N_
from saas_app.models import AuditLog, Cadence, EditorPresence, Template, User
from saas_app.models.base import utcnow
from saas_app.services.context import OrgContext, owned_row
from saas_app.services.errors import Conflict


class EditorKind(StrEnum):
    """What an editor edits; also the audit log's target type of its saves."""

    TEMPLATE = "template"
    CADENCE = "cadence"


_EDITED: dict[EditorKind, tuple[type[Template] | type[Cadence], str]] = {
    EditorKind.TEMPLATE: (Template, N_("This template does not exist.")),
    EditorKind.CADENCE: (Cadence, N_("This cadence does not exist.")),
}
# An editor counts as open while it checks in; it checks in every 20 seconds (state.editors).
PRESENCE_WINDOW = timedelta(seconds=60)


def _checked(session: Session, ctx: OrgContext, kind: EditorKind, object_id: int) -> int:
    """The id of the organization's template or cadence; another tenant's is as missing as none."""
    ctx.require(Action.VIEW)
    model, missing = _EDITED[EditorKind(kind)]
    return owned_row(session, model, ctx, object_id, missing).id or 0


def _rows(ctx: OrgContext, kind: EditorKind, object_id: int) -> SelectOfScalar[EditorPresence]:
    """The presence rows of one editor in the acting organization."""
    return select(EditorPresence).where(
        EditorPresence.org_id == ctx.org_id,
        EditorPresence.kind == kind,
        EditorPresence.object_id == object_id,
    )


def present(
    session: Session, ctx: OrgContext, kind: EditorKind, object_id: int, now: datetime | None = None
) -> list[str]:
    """Note that the acting member has this editor open; the names of the others who do too."""
    object_id = _checked(session, ctx, kind, object_id)
    now = now or utcnow()
    if ctx.user_id is not None:
        mine = session.exec(_rows(ctx, kind, object_id).where(EditorPresence.user_id == ctx.user_id)).first()
        mine = mine or EditorPresence(org_id=ctx.org_id, kind=kind, object_id=object_id, user_id=ctx.user_id)
        mine.last_seen = now
        session.add(mine)
    others = session.exec(
        select(User)
        .join(EditorPresence, col(EditorPresence.user_id) == User.id)
        .where(
            EditorPresence.org_id == ctx.org_id,
            EditorPresence.kind == kind,
            EditorPresence.object_id == object_id,
            col(EditorPresence.user_id) != ctx.user_id,
            col(EditorPresence.last_seen) >= now - PRESENCE_WINDOW,
        )
    )
    return sorted((user.name or user.email for user in others), key=str.lower)


def left(session: Session, ctx: OrgContext, kind: EditorKind, object_id: int) -> None:
    """The acting member closed this editor."""
    for row in session.exec(_rows(ctx, kind, object_id).where(EditorPresence.user_id == ctx.user_id)):
        session.delete(row)


class StaleSave(Conflict):
    """Someone saved after the editor read what it saves: who, when and which parts they changed."""

    def __init__(self, kind: EditorKind, who: str, at: datetime | None, parts: list[str]) -> None:
        super().__init__(N_("Someone else saved this after you opened it."))
        self.kind, self.who, self.at, self.parts = kind, who, at, parts


# How far back a refusal looks for the save it names (a template's languages are saved apart).
_RECENT_SAVES = 50


def stale_save(
    session: Session, ctx: OrgContext, kind: EditorKind, object_id: int, action: str, **details: str
) -> StaleSave:
    """The refusal of a stale save, naming the last `action` on this object whose details hold `details`."""
    entries = session.exec(
        select(AuditLog, User)
        .join(User, col(User.id) == AuditLog.actor_user_id, isouter=True)
        .where(
            AuditLog.org_id == ctx.org_id,
            AuditLog.action == action,
            AuditLog.target_type == kind,
            AuditLog.target_id == str(object_id),
        )
        .order_by(col(AuditLog.id).desc())
        .limit(_RECENT_SAVES)
    )
    for entry, user in entries:
        if all(entry.details.get(key) == value for key, value in details.items()):
            who = (user.name or user.email) if user is not None else ""
            return StaleSave(kind, who, entry.created_at, list(entry.details.get("changed", [])))
    return StaleSave(kind, "", None, [])
