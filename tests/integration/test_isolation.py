"""A member of organization A, given ids from organization B, gets nothing and changes nothing."""

import pytest
from sqlmodel import Session, select

from saas_app.models import ApiKey, Invitation, Membership
from saas_app.services import api_keys, team
from saas_app.services.context import OrgContext
from saas_app.services.errors import NotFound
from tests.factories import add_member, sign_up


@pytest.fixture
def two_tenants(session: Session) -> tuple[OrgContext, OrgContext]:
    _, a = sign_up(session, org_name="Alpha")
    _, b = sign_up(session, org_name="Beta")
    add_member(session, b, "collector")
    team.invite(session, b, email="pending@example.com", role="viewer")
    api_keys.create_api_key(session, b, name="Beta CRM", scopes=["read"])
    session.commit()
    return a, b


def test_listings_show_only_the_own_organization(session: Session, two_tenants) -> None:
    a, b = two_tenants
    assert len(team.list_members(session, a)) == 1
    assert team.list_invitations(session, a) == []
    assert api_keys.list_api_keys(session, a) == []
    assert len(team.list_members(session, b)) == 2


def test_ids_of_another_organization_are_not_found_and_nothing_changes(session: Session, two_tenants) -> None:
    a, b = two_tenants
    b_membership = session.exec(select(Membership).where(Membership.org_id == b.org_id)).first()
    b_invitation = session.exec(
        select(Invitation).where(Invitation.org_id == b.org_id, Invitation.email == "pending@example.com")
    ).one()
    b_key = session.exec(select(ApiKey).where(ApiKey.org_id == b.org_id)).one()
    assert b_membership
    assert b_membership.id
    assert b_invitation.id
    assert b_key.id
    attempts = [
        lambda: team.change_role(session, a, b_membership.id, "viewer"),
        lambda: team.remove_member(session, a, b_membership.id),
        lambda: team.revoke_invitation(session, a, b_invitation.id),
        lambda: api_keys.revoke_api_key(session, a, b_key.id),
    ]
    for attempt in attempts:
        with pytest.raises(NotFound):
            attempt()
    session.commit()
    session.expire_all()
    assert session.get(Membership, b_membership.id).role == b_membership.role
    assert session.get(Invitation, b_invitation.id).revoked_at is None
    assert session.get(ApiKey, b_key.id).revoked_at is None
