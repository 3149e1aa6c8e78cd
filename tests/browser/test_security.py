"""The app as another site's page, and as Chromium under our Content-Security-Policy, sees it.

The app runs as `make run` serves it (`reflex run --env prod`: pages, websocket and API on one port),
so the policy checked here is the one the pages are really served with.
"""

import http.client
import re
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import socketio
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, expect

from saas_app import routes
from saas_app.api.app import UPLOAD_BODY_LIMIT
from saas_app.auth.cookies import SESSION_COOKIE
from tests.browser.conftest import RunningApp, _free_port
from tests.browser.test_signup_and_team import sign_up
from tests.browser.test_workspace_lists import a_campaign_with_mixed_consent

PUBLIC_PAGES = [
    routes.LANDING,
    routes.LOGIN,
    routes.SIGNUP,
    routes.FORGOT_PASSWORD,
    "/reset-password/not-a-token",
    "/invite/not-a-token",
]


def every_page(campaign_id: int) -> list[str]:
    """Every address in routes.py that a browser opens as a page (the /auth/ routes only answer forms)."""
    addresses = [value for name, value in vars(routes).items() if name.isupper() and isinstance(value, str)]
    pages = dict.fromkeys(path for path in addresses if path.startswith("/") and not path.startswith("/auth/"))
    return [path.replace("[campaign_id]", str(campaign_id)).replace("[token]", "not-a-token") for path in pages]


class PolicyWatch:
    """Chromium's console reports of what our Content-Security-Policy blocked, page by page."""

    def __init__(self, page: Page) -> None:
        self.violations: list[str] = []
        page.on("console", self._read)
        self.page = page

    def _read(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.violations.append(f"{self.page.url}: {message.text}")

    def visit(self, path: str) -> None:
        response = self.page.goto(path)
        assert response is not None
        policy = response.headers.get("content-security-policy", "")
        assert "frame-ancestors 'none'" in policy, path
        assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0], path
        self.page.wait_for_load_state("networkidle")
        self.page.wait_for_timeout(300)  # the page's on_load answers over the websocket


def test_every_page_works_under_its_content_security_policy(new_page, app_server: RunningApp) -> None:
    visitor = PolicyWatch(new_page())
    for path in PUBLIC_PAGES:
        visitor.visit(path)
    assert visitor.violations == []

    suffix = uuid.uuid4().hex[:6]
    company, email = f"Policy Ltd {suffix}", f"paula-{suffix}@example.com"
    member = new_page()
    watch = PolicyWatch(member)
    sign_up(member, name="Paula", email=email, company=company)  # the sign-in POST is an rx.call_script (eval)
    campaign_id, _ = a_campaign_with_mixed_consent(app_server.database_url, company, email, f"v-{suffix}@example.com")
    for path in every_page(campaign_id):
        watch.visit(path)
    expect(member.locator("body")).to_contain_text("Cobro API")  # the API's own page, last in routes.py

    watch.visit(routes.SETTINGS_ORGANIZATION)
    member.click("#settings-save")
    expect(member.get_by_text("Settings saved.")).to_be_visible()  # a toast: JavaScript sent by the server
    assert watch.violations == []

    # And the policy is not for show: a script slipped into the page does not run.
    injected = member.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.injected = true";
            document.body.appendChild(script);
            return window.injected === true;
        }"""
    )
    assert injected is False
    member.wait_for_timeout(500)  # Chromium reports it on the console
    assert any("inline script" in violation for violation in watch.violations)


def session_cookie(context: BrowserContext) -> str:
    return next(cookie["value"] for cookie in context.cookies() if cookie["name"] == SESSION_COOKIE)


@contextmanager
def site_on_another_port(html: str) -> Iterator[str]:
    """A real web server on another port of this machine: the same site as the app, so Lax cookies go along.

    (A page Playwright makes up would not do: Chromium keeps such pages off local addresses.)
    """

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://localhost:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_page_on_another_port_can_neither_log_the_user_out_nor_open_the_websocket(
    new_page, app_server: RunningApp
) -> None:
    suffix = uuid.uuid4().hex[:6]
    page = new_page()
    sign_up(page, name="Vera", email=f"vera-{suffix}@example.com", company=f"Vera SpA {suffix}")

    html = f"""<!doctype html><body>
      <img src="{app_server.url}{routes.LOGOUT}">
      <form id="out" method="post" action="{app_server.url}{routes.LOGOUT}"></form>
      <script>
        window.socket = new Promise((resolve) => {{
          const ws = new WebSocket("{app_server.url.replace("http", "ws")}/_event/?EIO=4&transport=websocket");
          ws.onopen = () => resolve("open");
          ws.onerror = () => resolve("refused");
        }});
      </script>
    </body>"""
    with site_on_another_port(html) as attacker:
        page.goto(attacker)  # returns once the page has loaded, the image included
        socket = page.evaluate("window.socket")
        with page.expect_navigation() as posted:
            page.evaluate("document.getElementById('out').submit()")
        assert posted.value is not None

    page.goto(routes.DASHBOARD)
    expect(page).to_have_url(re.compile(r"/dashboard/?$"))  # still signed in
    expect(page.locator("#dashboard-org")).to_have_text(f"Vera SpA {suffix}")
    assert posted.value.status == 403
    assert socket == "refused"

    # Our own page logs out with a POST.
    page.click("#user-menu")
    page.click("#logout")
    expect(page).to_have_url(re.compile(r"/login/?$"))
    page.goto(routes.DASHBOARD)
    expect(page).to_have_url(re.compile(r"/login"))


def test_a_socketio_client_with_the_users_cookie_and_a_foreign_origin_is_refused(
    new_page, app_server: RunningApp
) -> None:
    suffix = uuid.uuid4().hex[:6]
    page = new_page()
    sign_up(page, name="Sara", email=f"sara-{suffix}@example.com", company=f"Sara Oy {suffix}")
    cookie = f"{SESSION_COOKIE}={session_cookie(page.context)}"

    def connects(origin: str) -> bool:
        client = socketio.Client(reconnection=False, websocket_extra_options={"origin": origin})
        try:
            client.connect(
                app_server.url,
                socketio_path="/_event",
                transports=["websocket"],
                headers={"Cookie": cookie},
                wait_timeout=10,
            )
        except socketio.exceptions.ConnectionError:
            return False
        client.disconnect()
        return True

    assert not connects(f"http://localhost:{_free_port()}")
    assert not connects("https://evil.example")
    assert connects(app_server.url)


def test_an_upload_larger_than_any_import_is_refused_before_it_is_written(app_server: RunningApp) -> None:
    """Reflex's upload route keeps what it receives before our handler sees it: the body limit stops it first."""
    url = urlsplit(app_server.url)

    def post_declaring(length: int, body: bytes) -> int:
        connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=20)
        connection.putrequest("POST", "/_upload")
        connection.putheader("Origin", app_server.url)
        connection.putheader("Content-Type", "multipart/form-data; boundary=x")
        connection.putheader("Content-Length", str(length))
        connection.endheaders(body)
        status = connection.getresponse().status
        connection.close()
        return status

    assert post_declaring(UPLOAD_BODY_LIMIT + 1, b"") == 413
    assert post_declaring(4, b"--x-") != 413, "a small upload reaches Reflex, which judges it"
