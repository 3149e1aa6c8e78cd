"""Builders for test data, through the same services the product uses."""

import itertools

from sqlmodel import Session

from saas_app.services import accounts
from saas_app.services.context import OrgContext

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


def sign_up(session: Session, *, org_name: str = "", email: str = "") -> tuple[accounts.SignUp, OrgContext]:
    n = next(_counter)
    result = accounts.sign_up(
        session,
        name=f"Owner {n}",
        email=email or f"owner{n}@example.com",
        password=PASSWORD,
        org_name=org_name or f"Company {n}",
        first_party_confirmed=True,
    )
    session.commit()
    assert result.user.id is not None
    assert result.organization.id is not None
    return result, OrgContext(user_id=result.user.id, org_id=result.organization.id, role="owner")


def add_member(session: Session, owner: OrgContext, role: str, email: str = "") -> OrgContext:
    """A user who joined the owner's organization through an invitation, with `role`."""
    from saas_app.services import team

    email = email or f"member{next(_counter)}@example.com"
    link = team.invite(session, owner, email=email, role=role)
    user = accounts.create_user(session, email=email, name="Member", password=PASSWORD)
    assert user.id is not None
    team.accept_invitation(session, token=link.rsplit("/", 1)[-1], user_id=user.id)
    session.commit()
    return OrgContext(user_id=user.id, org_id=owner.org_id, role=role)


def session_token(session: Session, ticket: str) -> str:
    token = accounts.activate_session(session, ticket)
    session.commit()
    assert token
    return token
