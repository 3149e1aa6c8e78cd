import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from saas_app import routes
from saas_app.api.app import create_api
from saas_app.api.auth_routes import SESSION_COOKIE, safe_next
from saas_app.services import accounts
from saas_app.settings import origin_of, settings
from tests.factories import PASSWORD, sign_up

OUR_ORIGIN = origin_of(settings.public_url)
FROM_OUR_PAGE = {"Origin": OUR_ORIGIN}


@pytest.fixture
def client(session: Session) -> TestClient:
    return TestClient(create_api(), follow_redirects=False)


def a_ticket(session: Session) -> str:
    sign_up(session, email="ana@example.com")
    ticket = accounts.log_in(session, email="ana@example.com", password=PASSWORD)
    session.commit()
    return ticket


def signed_in(session: Session, client: TestClient) -> str:
    """Ana's session token, with the client holding its cookie as her browser would."""
    response = client.post(routes.ACTIVATE, data={"ticket": a_ticket(session)}, headers=FROM_OUR_PAGE)
    token = response.cookies[SESSION_COOKIE]
    client.cookies.set(SESSION_COOKIE, token)
    return token


def still_signed_in(session: Session, token: str) -> bool:
    session.expire_all()
    return accounts.resolve_session(session, token) is not None


def test_health_checks_the_database(client: TestClient) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_activate_sets_an_httponly_session_cookie_once(session: Session, client: TestClient) -> None:
    ticket = a_ticket(session)
    response = client.post(routes.ACTIVATE, data={"ticket": ticket, "next": "/settings"}, headers=FROM_OUR_PAGE)
    assert response.status_code == 303
    assert response.headers["location"] == "/settings"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    token = response.cookies[SESSION_COOKIE]
    assert accounts.resolve_session(session, token) is not None
    replay = client.post(routes.ACTIVATE, data={"ticket": ticket}, headers=FROM_OUR_PAGE)
    assert replay.headers["location"] == "/login?error=expired"


def test_logout_revokes_the_session_and_clears_the_cookie(session: Session, client: TestClient) -> None:
    token = signed_in(session, client)
    response = client.post(routes.LOGOUT, headers=FROM_OUR_PAGE)
    assert response.headers["location"] == "/login"
    assert f'{SESSION_COOKIE}=""' in response.headers["set-cookie"]
    assert not still_signed_in(session, token)


def test_a_link_or_image_to_logout_logs_no_one_out(session: Session, client: TestClient) -> None:
    token = signed_in(session, client)
    response = client.get(routes.LOGOUT, headers={"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Dest": "image"})
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard"
    assert "set-cookie" not in response.headers
    assert still_signed_in(session, token)


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://localhost:9999"},  # a page on another port of this host: same site, so Lax sends the cookie
        {"Origin": "https://evil.example"},
        {"Origin": "null"},  # a sandboxed frame or a file: page
        {"Sec-Fetch-Site": "same-site"},
        {"Referer": "https://evil.example/logout.html"},
        {},  # no sign of whose page sent it
    ],
)
def test_a_logout_posted_by_another_sites_page_is_refused(
    session: Session, client: TestClient, headers: dict[str, str]
) -> None:
    token = signed_in(session, client)
    response = client.post(routes.LOGOUT, headers=headers)
    assert response.status_code == 403
    assert "set-cookie" not in response.headers
    assert still_signed_in(session, token)


def test_a_logout_from_our_page_without_origin_is_known_by_its_referer(session: Session, client: TestClient) -> None:
    token = signed_in(session, client)
    response = client.post(routes.LOGOUT, headers={"Referer": f"{OUR_ORIGIN}/dashboard"})
    assert response.status_code == 303
    assert not still_signed_in(session, token)


def test_another_site_cannot_sign_the_browser_in_to_its_own_account(session: Session, client: TestClient) -> None:
    """Login CSRF: the attacker's ticket posted from the attacker's page sets no cookie and stays unused."""
    ticket = a_ticket(session)
    response = client.post(routes.ACTIVATE, data={"ticket": ticket}, headers={"Origin": "http://localhost:9999"})
    assert response.status_code == 403
    assert SESSION_COOKIE not in response.cookies
    assert client.post(routes.ACTIVATE, data={"ticket": ticket}, headers=FROM_OUR_PAGE).status_code == 303


def test_a_sign_in_link_signs_no_one_in_and_leaves_the_ticket_unused(session: Session, client: TestClient) -> None:
    ticket = a_ticket(session)
    response = client.get(routes.ACTIVATE, params={"ticket": ticket})
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert "set-cookie" not in response.headers
    assert client.post(routes.ACTIVATE, data={"ticket": ticket}, headers=FROM_OUR_PAGE).cookies[SESSION_COOKIE]


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
