"""The page a mailed unlock link opens, driven through its event handlers as the browser would."""

import pytest
from sqlmodel import Session

from saas_app.core import throttle
from saas_app.services import accounts
from saas_app.services.errors import ServiceError
from saas_app.services.mail import console_copy
from saas_app.state.auth import UnlockState
from tests.factories import PASSWORD, sign_up
from tests.integration.state.test_handlers import state_for


def unlock_path(session: Session, email: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Guess an account's password from many addresses until its owner is mailed an unlock link; that link's path.

    The clock stands still meanwhile, so that the account's first short wait is not over before the last guess.
    """
    now = accounts.utcnow()
    monkeypatch.setattr(accounts, "utcnow", lambda: now)
    for n in range(throttle.FREE_FAILURES_PER_ACCOUNT + 1):
        with pytest.raises(ServiceError):
            accounts.log_in(session, email=email, password="not the password", ip=f"10.9.0.{n}")
    body = console_copy(email)
    assert body is not None
    return "/unlock/" + body.split("/unlock/")[1].split()[0]


def test_the_owner_signs_in_through_the_unlock_link_once(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    sign_up(session, email="ana@example.com")
    path = unlock_path(session, "ana@example.com", monkeypatch)
    state = state_for(UnlockState, path=path)
    UnlockState.load.fn(state)
    assert (state.valid, state.unlock_email, state.error) == (True, "ana@example.com", "")
    assert UnlockState.submit.fn(state, {"password": "still not the password"}) is None
    assert state.error == "Wrong password."
    activation = UnlockState.submit.fn(state, {"password": PASSWORD})
    assert "/auth/activate" in str(activation), "the browser is handed on to exchange its ticket for a cookie"
    again = state_for(UnlockState, path=path)
    UnlockState.load.fn(again)
    assert not again.valid
    assert "already used" in again.error


def test_a_made_up_unlock_link_signs_nobody_in(session: Session) -> None:
    sign_up(session, email="ana@example.com")
    state = state_for(UnlockState, path="/unlock/made-up")
    UnlockState.load.fn(state)
    assert (state.valid, state.unlock_email) == (False, "")
    assert UnlockState.submit.fn(state, {"password": PASSWORD}) is None
    assert "invalid" in state.error
