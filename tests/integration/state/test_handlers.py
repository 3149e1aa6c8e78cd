"""Event handlers, called as the browser would call them over the websocket, with any arguments.

Each handler must re-check the session cookie and the membership on the server: a signed-out
caller, a member of another organization, or a viewer must get a refusal and change nothing.
"""

from typing import Any

import pytest
import reflex as rx
from reflex.istate.data import RouterData
from sqlmodel import Session, func, select

import saas_app.saas_app  # noqa: F401 - builds the app, registering every state
from saas_app.auth.cookies import SESSION_COOKIE
from saas_app.models import ApiKey, Invitation, Membership, Organization, WhatsAppAccount
from saas_app.services import accounts, api_keys, team
from saas_app.state.auth import InviteState, OnboardingState
from saas_app.state.base import SessionState
from saas_app.state.settings.api_keys import ApiKeysState
from saas_app.state.settings.organization import OrganizationSettingsState
from saas_app.state.settings.team import TeamState
from saas_app.state.settings.whatsapp import WhatsAppSettingsState
from tests.factories import PASSWORD, add_member, session_token, sign_up


def state_for(cls: type[rx.State], *, token: str = "", path: str = "/settings") -> Any:
    root = rx.State(_reflex_internal_init=True)
    cookie = f"{SESSION_COOKIE}={token}" if token else ""
    root.router = RouterData.from_router_data({"headers": {"cookie": cookie}, "pathname": path, "asPath": path})
    return root.get_substate(cls.get_full_name().split(".")[1:])


def call(cls: type[rx.State], handler: str, *args: Any, token: str = "", path: str = "/settings") -> Any:
    state = state_for(cls, token=token, path=path)
    return getattr(cls, handler).fn(state, *args)


def is_redirect_to_login(result: Any) -> bool:
    return result is not None and "/login" in str(getattr(result, "args", ""))


def token_of(session: Session, email: str) -> str:
    return session_token(session, accounts.log_in(session, email=email, password=PASSWORD))


def snapshot(session: Session) -> tuple:
    session.expire_all()
    memberships = sorted((m.org_id, m.user_id, m.role) for m in session.exec(select(Membership)))
    invitations = sorted((i.id, i.revoked_at is None) for i in session.exec(select(Invitation)))
    orgs = session.exec(select(func.count()).select_from(Organization)).one()
    return memberships, invitations, orgs


@pytest.fixture
def tenants(session: Session) -> dict[str, Any]:
    _, alpha = sign_up(session, org_name="Alpha", email="alpha@example.com")
    _, beta = sign_up(session, org_name="Beta", email="beta@example.com")
    viewer = add_member(session, alpha, "viewer", email="viewer@example.com")
    beta_member = add_member(session, beta, "collector", email="bcollector@example.com")
    team.invite(session, beta, email="pending@example.com", role="viewer")
    session.commit()
    beta_invitation = session.exec(select(Invitation).where(Invitation.email == "pending@example.com")).one()
    beta_membership = session.exec(select(Membership).where(Membership.user_id == beta_member.user_id)).one()
    return {
        "alpha": alpha,
        "beta": beta,
        "viewer": viewer,
        "beta_invitation_id": str(beta_invitation.id),
        "beta_membership_id": str(beta_membership.id),
    }


def team_handler_calls(t: dict[str, Any]) -> list[tuple[str, tuple]]:
    return [
        ("invite", ({"email": "new@example.com", "role": "admin"},)),
        ("revoke", (t["beta_invitation_id"],)),
        ("change_role", (t["beta_membership_id"], "viewer")),
        ("remove", (t["beta_membership_id"],)),
    ]


SETTINGS_FORM = {"name": "Hijacked", "default_locale": "en", "currency": "USD", "timezone": "UTC"}


def settings_handler_calls() -> list[tuple[type[rx.State], str, tuple]]:
    return [
        (OrganizationSettingsState, "save", (SETTINGS_FORM,)),
        (ApiKeysState, "create", ({"name": "stolen", "scope_read": "on", "scope_write": "on"},)),
    ]


def org_names(session: Session) -> list[str]:
    session.expire_all()
    return sorted(o.name for o in session.exec(select(Organization)))


def api_key_count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(ApiKey)).one()


def test_signed_out_callers_are_sent_to_log_in_and_change_nothing(session: Session, tenants) -> None:
    before = snapshot(session)
    for handler, args in team_handler_calls(tenants):
        assert is_redirect_to_login(call(TeamState, handler, *args)), handler
    for cls, handler, args in settings_handler_calls():
        assert is_redirect_to_login(call(cls, handler, *args)), handler
    assert org_names(session) == ["Alpha", "Beta"]
    assert api_key_count(session) == 0
    assert is_redirect_to_login(call(TeamState, "load"))
    assert is_redirect_to_login(call(SessionState, "require_member", path="/dashboard"))
    assert is_redirect_to_login(call(InviteState, "accept", path="/invite/whatever"))
    assert is_redirect_to_login(call(OnboardingState, "submit", {"org_name": "X", "first_party": "on"}))
    call(SessionState, "switch_organization", str(tenants["beta"].org_id))
    assert snapshot(session) == before


def test_a_member_of_another_organization_changes_nothing(session: Session, tenants) -> None:
    token = token_of(session, "alpha@example.com")  # owner of Alpha, a stranger to Beta
    before = snapshot(session)
    for handler, args in team_handler_calls(tenants)[1:]:
        result = call(TeamState, handler, *args, token=token)
        assert not is_redirect_to_login(result), handler
    call(SessionState, "switch_organization", str(tenants["beta"].org_id), token=token)
    assert snapshot(session) == before
    identity = accounts.resolve_session(session, token)
    assert identity is not None
    assert identity.org_id == tenants["alpha"].org_id


@pytest.mark.parametrize("email", ["viewer@example.com", "bcollector@example.com"])
def test_viewers_and_collectors_cannot_change_settings_or_keys(session: Session, tenants, email: str) -> None:
    token = token_of(session, email)
    for cls, handler, args in settings_handler_calls():
        assert call(cls, handler, *args, token=token) is not None
    assert org_names(session) == ["Alpha", "Beta"]
    assert api_key_count(session) == 0


def test_an_owner_saves_settings_of_the_own_organization_only(session: Session, tenants) -> None:
    token = token_of(session, "beta@example.com")
    call(OrganizationSettingsState, "save", SETTINGS_FORM, token=token)
    assert org_names(session) == ["Alpha", "Hijacked"]


def test_a_viewer_cannot_change_the_team(session: Session, tenants) -> None:
    token = token_of(session, "viewer@example.com")
    alpha_owner = session.exec(select(Membership).where(Membership.user_id == tenants["alpha"].user_id)).one()
    before = snapshot(session)
    call(TeamState, "invite", {"email": "new@example.com", "role": "viewer"}, token=token)
    call(TeamState, "change_role", str(alpha_owner.id), "viewer", token=token)
    call(TeamState, "remove", str(alpha_owner.id), token=token)
    assert snapshot(session) == before


@pytest.mark.parametrize("bad_id", ["abc", "", "1; DROP TABLE user", "-1", "99999999"])
def test_malformed_ids_are_refused_without_a_crash(session: Session, tenants, bad_id: str) -> None:
    token = token_of(session, "alpha@example.com")
    before = snapshot(session)
    for handler in ("revoke", "remove"):
        assert call(TeamState, handler, bad_id, token=token) is not None
    assert call(TeamState, "change_role", bad_id, "owner", token=token) is not None
    assert snapshot(session) == before


def test_the_owner_can_invite_through_the_handler(session: Session, tenants) -> None:
    token = token_of(session, "alpha@example.com")
    state = state_for(TeamState, token=token)
    state.role = "owner"
    TeamState.invite.fn(state, {"email": "new@example.com", "role": "collector"})
    assert "/invite/" in state.invite_link
    assert [i.email for i in team.list_invitations(session, tenants["alpha"])] == ["new@example.com"]


def test_an_invitation_is_accepted_only_by_its_addressee(session: Session, tenants) -> None:
    link = team.invite(session, tenants["alpha"], email="carla@example.com", role="collector")
    accounts.create_user(session, email="mallory@example.com", name="Mallory", password=PASSWORD)
    session.commit()
    path = "/invite/" + link.rsplit("/", 1)[-1]
    state = state_for(InviteState, token=token_of(session, "mallory@example.com"), path=path)
    InviteState.accept.fn(state)
    assert "carla@example.com" in state.error
    assert not any(m.org_id == tenants["alpha"].org_id for m in accounts.memberships_of(session, _user_id(session)))


def _user_id(session: Session) -> int:
    user = accounts.find_user(session, "mallory@example.com")
    assert user is not None
    assert user.id is not None
    return user.id


def test_a_member_of_two_organizations_switches_between_them(session: Session, tenants) -> None:
    link = team.invite(session, tenants["beta"], email="alpha@example.com", role="viewer")
    team.accept_invitation(session, token=link.rsplit("/", 1)[-1], user_id=tenants["alpha"].user_id)
    session.commit()
    token = token_of(session, "alpha@example.com")
    state = state_for(SessionState, token=token, path="/dashboard")
    SessionState.require_member.fn(state)
    assert sorted(o["name"] for o in state.orgs) == ["Alpha", "Beta"]
    SessionState.switch_organization.fn(state, str(tenants["beta"].org_id))
    session.expire_all()
    identity = accounts.resolve_session(session, token)
    assert identity is not None
    assert (identity.org_id, identity.role) == (tenants["beta"].org_id, "viewer")


def test_a_signed_in_addressee_accepts_and_lands_in_the_new_organization(session: Session, tenants) -> None:
    link = team.invite(session, tenants["beta"], email="alpha@example.com", role="admin")
    session.commit()
    token = token_of(session, "alpha@example.com")
    state = state_for(InviteState, token=token, path="/invite/" + link.rsplit("/", 1)[-1])
    InviteState.load.fn(state)
    assert (state.valid, state.org_name, state.signed_in_email) == (True, "Beta", "alpha@example.com")
    InviteState.accept.fn(state)
    session.expire_all()
    identity = accounts.resolve_session(session, token)
    assert identity is not None
    assert (identity.org_id, identity.role) == (tenants["beta"].org_id, "admin")


def toast_text(result: Any) -> str:
    return str(getattr(result, "args", result))


def test_a_refusal_is_said_beside_its_field_and_changes_nothing(session: Session, tenants) -> None:
    token = token_of(session, "alpha@example.com")
    state = state_for(OrganizationSettingsState, token=token, path="/settings/organization")
    result = OrganizationSettingsState.save.fn(state, SETTINGS_FORM | {"name": "Renamed", "currency": "XYZ"})
    assert result is None  # no "saved" toast
    assert (state.error_field, state.error) == ("currency", "XYZ is not an ISO 4217 currency code.")
    assert org_names(session) == ["Alpha", "Beta"]
    OrganizationSettingsState.save.fn(state, SETTINGS_FORM | {"name": "Renamed"})
    assert (state.error, state.error_field, state.name) == ("", "", "Renamed")  # the error goes once put right


def test_an_id_that_is_not_one_is_refused_as_not_valid(session: Session, tenants) -> None:
    token = token_of(session, "alpha@example.com")
    result = call(ApiKeysState, "revoke", "1 OR 1=1", token=token, path="/settings/api-keys")
    assert "That request was not valid." in toast_text(result)


def test_a_bug_in_a_handler_is_logged_with_a_reference_the_person_is_told(
    session: Session, tenants, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("a bug, not the person's fault")

    monkeypatch.setattr(api_keys, "revoke_api_key", broken)
    token = token_of(session, "alpha@example.com")
    result = call(ApiKeysState, "revoke", "12", token=token, path="/settings/api-keys")
    said = toast_text(result)
    assert "Something went wrong on our side." in said
    assert "not valid" not in said
    reference = said.split("Reference: ")[1][:8]
    logged = [r for r in caplog.records if reference in r.getMessage()]
    assert logged, "the reference the person quotes finds the log line"
    assert logged[0].exc_info is not None
    assert "a bug" in str(logged[0].exc_info[1])


def test_the_1k_tier_is_offered_shown_and_saved_by_the_whatsapp_form(session: Session, tenants) -> None:
    """A 1K tier that "Test connection" stored must be one the form can show and save again."""
    account = session.exec(select(WhatsAppAccount).where(WhatsAppAccount.org_id == tenants["alpha"].org_id)).one()
    account.messaging_limit = 1000  # as Test connection stores Meta's TIER_1K
    session.add(account)
    accounts.set_locale(session, tenants["alpha"].user_id, "it")
    session.commit()
    token = token_of(session, "alpha@example.com")
    state = state_for(WhatsAppSettingsState, token=token, path="/settings/whatsapp")
    WhatsAppSettingsState.load.fn(state)
    assert state.messaging_limit == "1000"
    offered = {option["value"]: option["label"] for option in state.limit_options}
    assert offered["1000"] == "1.000"  # in the reader's way of writing numbers
    assert list(offered) == ["250", "1000", "2000", "10000", "100000", "0"]
    form = {"phone_number_id": state.phone_number_id, "throughput": state.throughput, "messaging_limit": "1000"}
    WhatsAppSettingsState.save.fn(state, form)
    assert (state.error, state.messaging_limit) == ("", "1000")
    session.expire_all()
    assert session.get(WhatsAppAccount, account.id).messaging_limit == 1000
