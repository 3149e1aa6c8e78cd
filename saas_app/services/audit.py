"""The audit trail: who changed what, when, from where."""

from typing import Any

from sqlmodel import Session, col, select

from saas_app.core.roles import Action
from saas_app.models import AuditLog
from saas_app.services.context import OrgContext


def record(
    session: Session,
    *,
    action: str,
    org_id: int | None,
    actor_user_id: int | None,
    target_type: str = "",
    target_id: object = "",
    ip: str = "",
    **details: Any,
) -> None:
    """An audit entry in the caller's transaction, so that it is kept exactly when the change is."""
    session.add(
        AuditLog(
            org_id=org_id,
            actor_user_id=actor_user_id,
            action=action,
            target_type=target_type,
            target_id=str(target_id),
            details=details,
            ip=ip,
        )
    )


def record_for(ctx: OrgContext, session: Session, action: str, **kwargs: Any) -> None:
    """An audit entry for the acting user, or API key, and their address."""
    if ctx.api_key_id is not None:
        kwargs.setdefault("api_key_id", ctx.api_key_id)
    record(session, action=action, org_id=ctx.org_id, actor_user_id=ctx.user_id, ip=ctx.ip, **kwargs)


def recent_entries(session: Session, ctx: OrgContext, limit: int = 50) -> list[AuditLog]:
    """The organization's latest audit entries, newest first; for those who manage the team."""
    ctx.require(Action.MANAGE_TEAM)
    query = (
        select(AuditLog)
        .where(AuditLog.org_id == ctx.org_id)
        .order_by(col(AuditLog.created_at).desc(), col(AuditLog.id).desc())
        .limit(limit)
    )
    return list(session.exec(query))
