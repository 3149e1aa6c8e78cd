import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from saas_app.api.app import create_api
from saas_app.api.auth_routes import SESSION_COOKIE, safe_next
from saas_app.services import accounts
from tests.factories import PASSWORD, sign_up


@pytest.fixture
def client(session: Session) -> TestClient:
    return TestClient(create_api(), follow_redirects=False)


def test_health_checks_the_database(client: TestClient) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_activate_sets_an_httponly_session_cookie_once(session: Session, client: TestClient) -> None:
    sign_up(session, email="ana@example.com")
    ticket = accounts.log_in(session, email="ana@example.com", password=PASSWORD)
    session.commit()
    response = client.get("/auth/activate", params={"ticket": ticket, "next": "/settings"})
    assert response.status_code == 303
    assert response.headers["location"] == "/settings"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    token = response.cookies[SESSION_COOKIE]
    assert accounts.resolve_session(session, token) is not None
    replay = client.get("/auth/activate", params={"ticket": ticket})
    assert replay.headers["location"] == "/login?error=expired"


def test_logout_revokes_the_session_and_clears_the_cookie(session: Session, client: TestClient) -> None:
    sign_up(session, email="ana@example.com")
    ticket = accounts.log_in(session, email="ana@example.com", password=PASSWORD)
    session.commit()
    token = client.get("/auth/activate", params={"ticket": ticket}).cookies[SESSION_COOKIE]
    client.cookies.set(SESSION_COOKIE, token)
    response = client.get("/auth/logout")
    assert response.headers["location"] == "/login"
    assert f'{SESSION_COOKIE}=""' in response.headers["set-cookie"]
    session.expire_all()
    assert accounts.resolve_session(session, token) is None


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/settings", "/settings"),
        ("//evil.example", "/dashboard"),
        ("https://evil.example", "/dashboard"),
        ("/\\evil.example", "/dashboard"),
        ("", "/dashboard"),
    ],
)
def test_redirects_stay_on_this_site(target: str, expected: str) -> None:
    assert safe_next(target) == expected
