import re

import pytest
from sqlmodel import Session, select

from saas_app.models import AuditLog, Membership
from saas_app.services import accounts, team
from saas_app.services.errors import NotFound, PermissionDenied, ServiceError
from saas_app.services.mail import WITHHELD, console_copy, latest_email_to
from tests.factories import PASSWORD, add_member, sign_up


def _token(link: str) -> str:
    return link.rsplit("/", 1)[-1]


def test_an_invitation_is_emailed_and_joins_the_invited_user_with_its_role(session: Session) -> None:
    _, owner = sign_up(session, org_name="Acme")
    link = team.invite(session, owner, email="Bea@Example.com", role="collector")
    email = latest_email_to(session, "bea@example.com")
    assert email is not None
    assert _token(link) not in email.body, "the stored copy must not hold a live invitation"
    assert f"/invite/{WITHHELD}" in email.body
    assert link in (console_copy("bea@example.com") or ""), "the mail itself carries the link"
    preview = team.preview_invitation(session, _token(link))
    assert (preview.org_name, preview.email, preview.role, preview.has_account) == (
        "Acme",
        "bea@example.com",
        "collector",
        False,
    )
    bea = accounts.create_user(session, email="bea@example.com", name="Bea", password=PASSWORD)
    assert team.accept_invitation(session, token=_token(link), user_id=bea.id or 0) == owner.org_id
    roles = {m.email: m.role for m in team.list_members(session, owner)}
    assert roles == {session.get(accounts.User, owner.user_id).email: "owner", "bea@example.com": "collector"}
    with pytest.raises(NotFound):
        team.accept_invitation(session, token=_token(link), user_id=bea.id or 0)


def test_an_invitation_cannot_be_accepted_by_someone_else(session: Session) -> None:
    _, owner = sign_up(session)
    link = team.invite(session, owner, email="bea@example.com", role="admin")
    mallory = accounts.create_user(session, email="mallory@example.com", name="M", password=PASSWORD)
    with pytest.raises(PermissionDenied, match=re.escape("bea@example.com")):
        team.accept_invitation(session, token=_token(link), user_id=mallory.id or 0)
    assert session.exec(select(Membership).where(Membership.user_id == mallory.id)).first() is None


def test_revoked_invitations_cannot_be_used(session: Session) -> None:
    _, owner = sign_up(session)
    link = team.invite(session, owner, email="bea@example.com", role="viewer")
    [pending] = team.list_invitations(session, owner)
    team.revoke_invitation(session, owner, pending.invitation_id)
    with pytest.raises(NotFound):
        team.preview_invitation(session, _token(link))
    assert team.list_invitations(session, owner) == []


def test_inviting_an_existing_member_is_refused(session: Session) -> None:
    _, owner = sign_up(session, email="ana@example.com")
    with pytest.raises(ServiceError, match="already a member"):
        team.invite(session, owner, email="ana@example.com", role="viewer")


@pytest.mark.parametrize("role", ["collector", "viewer"])
def test_collectors_and_viewers_cannot_invite_or_change_roles(session: Session, role: str) -> None:
    _, owner = sign_up(session)
    member = add_member(session, owner, role)
    with pytest.raises(PermissionDenied):
        team.invite(session, member, email="x@example.com", role="viewer")
    owner_membership = session.exec(select(Membership).where(Membership.user_id == owner.user_id)).one()
    with pytest.raises(PermissionDenied):
        team.change_role(session, member, owner_membership.id or 0, "viewer")
    assert session.get(Membership, owner_membership.id).role == "owner"


def test_admins_cannot_create_or_demote_owners(session: Session) -> None:
    _, owner = sign_up(session)
    admin = add_member(session, owner, "admin")
    with pytest.raises(PermissionDenied):
        team.invite(session, admin, email="boss@example.com", role="owner")
    owner_membership = session.exec(select(Membership).where(Membership.user_id == owner.user_id)).one()
    with pytest.raises(PermissionDenied):
        team.change_role(session, admin, owner_membership.id or 0, "viewer")
    with pytest.raises(PermissionDenied):
        team.remove_member(session, admin, owner_membership.id or 0)


def test_the_last_owner_can_be_neither_demoted_nor_removed(session: Session) -> None:
    _, owner = sign_up(session)
    mine = session.exec(select(Membership).where(Membership.user_id == owner.user_id)).one()
    with pytest.raises(ServiceError, match="at least one owner"):
        team.change_role(session, owner, mine.id or 0, "admin")
    with pytest.raises(ServiceError, match="at least one owner"):
        team.remove_member(session, owner, mine.id or 0)
    second = add_member(session, owner, "owner")
    team.change_role(session, owner, mine.id or 0, "admin")
    assert session.get(Membership, mine.id).role == "admin"
    assert second.role == "owner"


def test_role_changes_and_removals_are_audited(session: Session) -> None:
    _, owner = sign_up(session)
    member = add_member(session, owner, "viewer")
    membership = session.exec(select(Membership).where(Membership.user_id == member.user_id)).one()
    team.change_role(session, owner, membership.id or 0, "collector")
    team.remove_member(session, owner, membership.id or 0)
    actions = [a.action for a in session.exec(select(AuditLog).where(AuditLog.org_id == owner.org_id))]
    assert {"invitation.created", "invitation.accepted", "member.role_changed", "member.removed"} <= set(actions)


def test_a_member_can_leave(session: Session) -> None:
    _, owner = sign_up(session)
    viewer = add_member(session, owner, "viewer")
    membership = session.exec(select(Membership).where(Membership.user_id == viewer.user_id)).one()
    team.remove_member(session, viewer, membership.id or 0)
    session.commit()
    assert session.get(Membership, membership.id) is None
