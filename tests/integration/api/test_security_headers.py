"""What every answer tells the browser, and what other sites' pages are refused (api/security.py).

The pages themselves are checked in Chromium by tests/browser/test_security.py.
"""

import dataclasses
from pathlib import Path

import pytest
from fastapi import FastAPI, WebSocket
from fastapi.testclient import TestClient
from httpx import Headers
from reflex.app import App
from sqlmodel import Session
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocketDisconnect

from saas_app.api import app as api_app
from saas_app.api import security
from saas_app.api.app import create_api
from saas_app.settings import origin_of, settings

OUR_ORIGIN = origin_of(settings.public_url)
ANOTHER_PORT = "http://localhost:9999"  # the probe's page: same site as ours, so SameSite=Lax sends the cookie


@pytest.fixture
def client(session: Session) -> TestClient:
    return TestClient(create_api(), follow_redirects=False)


def directives(policy: str) -> dict[str, list[str]]:
    return {name: sources for name, *sources in (part.split() for part in policy.split(";"))}


def assert_hardened(headers: Headers) -> None:
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"
    assert directives(headers["content-security-policy"])["frame-ancestors"] == ["'none'"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/health"),
        ("GET", "/api/v1/debtors"),  # 401: no key
        ("GET", "/api/v1/openapi.json"),
        ("GET", "/no-such-page"),
        ("POST", "/webhooks/whatsapp"),  # answered ahead of the middleware stack (EventsFirst)
        ("GET", "/auth/logout"),
    ],
)
def test_every_answer_carries_the_security_headers(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path)
    assert_hardened(response.headers)
    assert "strict-transport-security" not in response.headers  # served over http: nothing to pin


def test_answers_that_are_not_pages_may_load_nothing(client: TestClient) -> None:
    policy = directives(client.get("/api/health").headers["content-security-policy"])
    assert policy["default-src"] == ["'none'"]


def test_a_page_runs_only_our_scripts_and_talks_only_to_our_origins(client: TestClient) -> None:
    response = client.get("/api/v1/docs")
    assert response.headers["content-type"].startswith("text/html")
    assert_hardened(response.headers)
    policy = directives(response.headers["content-security-policy"])
    assert "'unsafe-inline'" not in policy["script-src"]
    assert policy["object-src"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert set(policy["connect-src"]) == {"'self'", *settings.allowed_origins} | {
        origin.replace("http", "ws", 1) for origin in settings.allowed_origins
    }
    assert ANOTHER_PORT not in policy["connect-src"]


def test_over_https_browsers_are_told_to_stay_on_https(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api_app, "settings", dataclasses.replace(settings, public_url="https://cobro.example.com"))
    response = TestClient(create_api()).get("/api/health")
    assert response.headers["strict-transport-security"] == "max-age=63072000; includeSubDomains"
    behind_proxy = TestClient(create_api(), base_url="https://testserver").get("/api/health")
    assert "strict-transport-security" in behind_proxy.headers


def answering(status: int, headers: list[tuple[bytes, bytes]]) -> ASGIApp:
    """A bare ASGI app that answers every request with `status` and `headers`."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    return app


def test_a_revalidated_page_keeps_the_policy_the_browser_stored_with_it() -> None:
    guard = security.BrowserGuard(answering(304, [(b"etag", b'"1"')]), allowed_origins=[OUR_ORIGIN], https=False)
    response = TestClient(guard).get("/dashboard/")
    assert response.status_code == 304
    assert "content-security-policy" not in response.headers
    assert response.headers["x-content-type-options"] == "nosniff"


def test_an_answer_that_sets_its_own_policy_keeps_it() -> None:
    own = [(b"content-type", b"text/html"), (b"Content-Security-Policy", b"sandbox")]
    response = TestClient(security.BrowserGuard(answering(200, own), allowed_origins=[OUR_ORIGIN], https=True)).get("/")
    assert response.headers.get_list("content-security-policy") == ["sandbox"]
    assert response.headers["strict-transport-security"] == security.HSTS.decode()


def test_the_pages_inline_scripts_are_allowed_by_their_hashes_and_nothing_else(tmp_path: Path) -> None:
    (tmp_path / "login").mkdir()
    (tmp_path / "index.html").write_bytes(b"<script>alert(1)</script><script src='/a.js'></script>")
    (tmp_path / "login" / "index.html").write_bytes(b'<script type="module" async="">import("/b.js")</script>')
    hashes = security.page_script_hashes(tmp_path)
    # printf 'alert(1)' | openssl dgst -sha256 -binary | base64
    assert hashes == (
        "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='",
        *security.script_hashes(b'<script type="module">import("/b.js")</script>'),
    )
    policy = security.BrowserGuard(
        FastAPI(), allowed_origins=[OUR_ORIGIN], https=False, pages_dir=tmp_path
    )._page_policy()
    assert set(hashes) <= set(directives(policy.decode())["script-src"])
    assert security.page_script_hashes(tmp_path / "not-built") == ()


def test_cors_answers_our_origins_only(session: Session) -> None:
    """Reflex puts this CORS middleware around the app; with "*" it reflected any Origin, with credentials."""
    api = create_api()
    App._add_cors(api)
    client = TestClient(api)
    signed_in_probe = {"Cookie": "cobro_session=whatever"}
    foreign = client.get("/api/health", headers={"Origin": ANOTHER_PORT, **signed_in_probe})
    assert "access-control-allow-origin" not in foreign.headers
    ours = client.get("/api/health", headers={"Origin": OUR_ORIGIN, **signed_in_probe})
    assert ours.headers["access-control-allow-origin"] == OUR_ORIGIN
    preflight = client.options(
        "/api/v1/debtors", headers={"Origin": ANOTHER_PORT, "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status_code == 400


@pytest.mark.parametrize("origin", [ANOTHER_PORT, "https://evil.example", "null"])
def test_writes_from_another_sites_page_are_refused_before_the_app(
    session: Session, client: TestClient, origin: str
) -> None:
    response = client.post("/api/v1/debtors", json={"name": "X", "phone": "+393331234567"}, headers={"Origin": origin})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert_hardened(response.headers)


def test_writes_without_a_browser_origin_reach_the_app(session: Session, client: TestClient) -> None:
    """API clients and webhooks send no Origin: their own credentials decide (here: none, so 401)."""
    assert client.post("/api/v1/debtors", json={}).status_code == 401
    assert client.post("/api/v1/debtors", json={}, headers={"Origin": OUR_ORIGIN}).status_code == 401
    assert client.post("/api/v1/debtors", json={}, headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403


def test_a_websocket_from_another_origin_is_refused_at_the_upgrade(session: Session) -> None:
    """Reflex mounts its /_event socket inside this app: the same guard stands before it (and socket.io's own)."""
    api = create_api()

    async def state(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("the debtors")
        await websocket.close()

    api.add_api_websocket_route("/_probe", state)
    client = TestClient(api)

    def read_from(origin: str) -> str:
        try:
            with client.websocket_connect("/_probe", headers={"Origin": origin}) as websocket:
                return websocket.receive_text()
        except WebSocketDisconnect as refused:
            return f"refused with {refused.code}"

    assert read_from(ANOTHER_PORT) == "refused with 1008"
    assert read_from("null") == "refused with 1008"
    assert read_from(OUR_ORIGIN) == "the debtors"
