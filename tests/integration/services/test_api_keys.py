import pytest
from sqlmodel import Session

from saas_app.services import api_keys
from saas_app.services.errors import PermissionDenied, ServiceError
from tests.factories import add_member, sign_up


def test_a_key_is_shown_once_authenticates_and_can_be_revoked(session: Session) -> None:
    _, owner = sign_up(session)
    key = api_keys.create_api_key(session, owner, name="CRM", scopes=["read", "write"])
    caller = api_keys.authenticate_api_key(session, key)
    assert caller is not None
    assert caller.org_id == owner.org_id
    assert caller.scopes == {"read", "write"}
    [listed] = api_keys.list_api_keys(session, owner)
    assert key not in (listed.key_hash, listed.prefix)
    assert listed.last_used_at is not None
    api_keys.revoke_api_key(session, owner, caller.key_id)
    assert api_keys.authenticate_api_key(session, key) is None


def test_unknown_scopes_are_refused(session: Session) -> None:
    _, owner = sign_up(session)
    with pytest.raises(ServiceError, match="Scopes"):
        api_keys.create_api_key(session, owner, name="CRM", scopes=["admin"])


def test_collectors_cannot_manage_keys(session: Session) -> None:
    _, owner = sign_up(session)
    collector = add_member(session, owner, "collector")
    with pytest.raises(PermissionDenied):
        api_keys.create_api_key(session, collector, name="CRM", scopes=["read"])
