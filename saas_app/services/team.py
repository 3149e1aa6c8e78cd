"""Members, roles and invitations of one organization."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, func, select

from saas_app.auth.secrets import hash_token, new_token
from saas_app.core.roles import Action, Role, can_assign
from saas_app.core.text import is_valid_email, normalize_email
from saas_app.i18n import N_
from saas_app.models import Invitation, Membership, Organization, User
from saas_app.models.base import utcnow
from saas_app.services import audit
from saas_app.services.context import OrgContext, owned_row
from saas_app.services.errors import NotFound, PermissionDenied, ServiceError
from saas_app.services.mail import send_email
from saas_app.settings import settings

INVITATION_LIFETIME = timedelta(days=7)


@dataclass(frozen=True)
class MemberView:
    membership_id: int
    user_id: int
    name: str
    email: str
    role: str
    joined_at: datetime


@dataclass(frozen=True)
class InvitationView:
    invitation_id: int
    email: str
    role: str
    expires_at: datetime


@dataclass(frozen=True)
class InvitationPreview:
    org_name: str
    email: str
    role: str
    has_account: bool


def list_members(session: Session, ctx: OrgContext) -> list[MemberView]:
    """The organization's members with their role and when they joined, by name."""
    ctx.require(Action.VIEW)
    rows = session.exec(
        select(Membership, User)
        .join(User, col(User.id) == Membership.user_id)
        .where(Membership.org_id == ctx.org_id)
        .order_by(User.name, User.email)
    ).all()
    return [MemberView(m.id or 0, u.id or 0, u.name, u.email, m.role, m.created_at) for m, u in rows]


def list_invitations(session: Session, ctx: OrgContext) -> list[InvitationView]:
    """Invitations still open (not accepted, revoked or expired), newest first; for those who manage the team."""
    ctx.require(Action.MANAGE_TEAM)
    rows = session.exec(
        select(Invitation)
        .where(
            Invitation.org_id == ctx.org_id,
            col(Invitation.accepted_at).is_(None),
            col(Invitation.revoked_at).is_(None),
            Invitation.expires_at > utcnow(),
        )
        .order_by(col(Invitation.id).desc())
    ).all()
    return [InvitationView(i.id or 0, i.email, i.role, i.expires_at) for i in rows]


def _check_role(role: str) -> str:
    try:
        return Role(role).value
    except ValueError:
        raise ServiceError(N_("Unknown role: {role}."), field="role", role=role) from None


def invite(session: Session, ctx: OrgContext, *, email: str, role: str) -> str:
    """Create an invitation, email its link, and return the link (shown once to the inviter)."""
    ctx.require(Action.MANAGE_TEAM)
    role = _check_role(role)
    if not can_assign(ctx.role, role):
        raise PermissionDenied(N_("Only an owner can invite another owner."))
    email = normalize_email(email)
    if not is_valid_email(email):
        raise ServiceError(N_("Enter a valid email address."), field="email")
    already = session.exec(
        select(Membership.id)
        .join(User, col(User.id) == Membership.user_id)
        .where(Membership.org_id == ctx.org_id, User.email == email)
    ).first()
    if already is not None:
        raise ServiceError(N_("{email} is already a member."), field="email", email=email)
    token = new_token()
    invitation = Invitation(
        org_id=ctx.org_id,
        email=email,
        role=role,
        token_hash=hash_token(token),
        invited_by_id=ctx.user_id,
        expires_at=utcnow() + INVITATION_LIFETIME,
    )
    session.add(invitation)
    session.flush()
    org = session.get(Organization, ctx.org_id)
    link = f"{settings.public_url}/invite/{token}"
    send_email(
        session,
        to=email,
        subject=f"You are invited to {org.name if org else 'Cobro'} on Cobro",
        body=f"You have been invited to join {org.name if org else ''} on Cobro as {role}.\n"
        f"Accept within 7 days: {link}",
        secret=token,
    )
    audit.record_for(
        ctx, session, "invitation.created", target_type="invitation", target_id=invitation.id, email=email, role=role
    )
    return link


def revoke_invitation(session: Session, ctx: OrgContext, invitation_id: int) -> None:
    """Revokes an invitation not yet accepted, so its link stops working; audited."""
    ctx.require(Action.MANAGE_TEAM)
    invitation = owned_row(session, Invitation, ctx, invitation_id, N_("This invitation no longer exists."))
    if invitation.accepted_at is not None:
        raise NotFound(N_("This invitation no longer exists."))
    invitation.revoked_at = utcnow()
    session.add(invitation)
    audit.record_for(ctx, session, "invitation.revoked", target_type="invitation", target_id=invitation_id)


def _owner_count(session: Session, org_id: int) -> int:
    return session.exec(
        select(func.count()).select_from(Membership).where(Membership.org_id == org_id, Membership.role == Role.OWNER)
    ).one()


def _membership(session: Session, ctx: OrgContext, membership_id: int) -> Membership:
    return owned_row(session, Membership, ctx, membership_id, N_("This member is no longer in the organization."))


def change_role(session: Session, ctx: OrgContext, membership_id: int, role: str) -> None:
    """A member's new role: only an owner touches owners, and the last owner stays one."""
    ctx.require(Action.MANAGE_TEAM)
    role = _check_role(role)
    member = _membership(session, ctx, membership_id)
    if not (can_assign(ctx.role, member.role) and can_assign(ctx.role, role)):
        raise PermissionDenied(N_("Only an owner can change an owner, or make someone owner."))
    if member.role == Role.OWNER and role != Role.OWNER and _owner_count(session, ctx.org_id) == 1:
        raise ServiceError(N_("An organization needs at least one owner. Make someone else owner first."))
    previous, member.role = member.role, role
    session.add(member)
    audit.record_for(
        ctx,
        session,
        "member.role_changed",
        target_type="membership",
        target_id=membership_id,
        user_id=member.user_id,
        previous=previous,
        role=role,
    )


def remove_member(session: Session, ctx: OrgContext, membership_id: int) -> None:
    """A member removed, or leaving on their own; only an owner removes an owner, and the last owner stays."""
    member = _membership(session, ctx, membership_id)
    leaving_self = member.user_id == ctx.user_id
    if not leaving_self:
        ctx.require(Action.MANAGE_TEAM)
        if not can_assign(ctx.role, member.role):
            raise PermissionDenied(N_("Only an owner can remove an owner."))
    if member.role == Role.OWNER and _owner_count(session, ctx.org_id) == 1:
        raise ServiceError(N_("An organization needs at least one owner. Make someone else owner first."))
    session.delete(member)
    audit.record_for(
        ctx,
        session,
        "member.removed",
        target_type="membership",
        target_id=membership_id,
        user_id=member.user_id,
        role=member.role,
    )


def _open_invitation(session: Session, token: str) -> Invitation:
    invitation = session.exec(select(Invitation).where(Invitation.token_hash == hash_token(token))).first()
    if (
        invitation is None
        or invitation.revoked_at is not None
        or invitation.accepted_at is not None
        or invitation.expires_at <= utcnow()
    ):
        raise NotFound(N_("This invitation is invalid, was already used, or has expired."))
    return invitation


def preview_invitation(session: Session, token: str) -> InvitationPreview:
    """What an open invitation's page shows: the organization, the email and role, and whether it has an account."""
    invitation = _open_invitation(session, token)
    org = session.get(Organization, invitation.org_id)
    has_account = session.exec(select(User.id).where(User.email == invitation.email)).first() is not None
    return InvitationPreview(org.name if org else "", invitation.email, invitation.role, has_account)


def accept_invitation(session: Session, *, token: str, user_id: int, ip: str = "") -> int:
    """Join the invitation's organization; returns its id. The invitation is bound to its email."""
    invitation = _open_invitation(session, token)
    user = session.get(User, user_id)
    if user is None or user.email != invitation.email:
        raise PermissionDenied(
            N_("This invitation was sent to {email}. Log in with that address to accept it."),
            email=invitation.email,
        )
    exists = session.exec(
        select(Membership).where(Membership.org_id == invitation.org_id, Membership.user_id == user_id)
    ).first()
    if exists is None:
        session.add(Membership(org_id=invitation.org_id, user_id=user_id, role=invitation.role))
    invitation.accepted_at = utcnow()
    invitation.accepted_by_id = user_id
    session.add(invitation)
    audit.record(
        session,
        action="invitation.accepted",
        org_id=invitation.org_id,
        actor_user_id=user_id,
        target_type="invitation",
        target_id=invitation.id,
        role=invitation.role,
        ip=ip,
    )
    return invitation.org_id
