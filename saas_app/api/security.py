"""What every answer tells the browser, and which browser requests are refused before the app sees them.

`BrowserGuard` wraps the whole app (pages, websocket, API, webhooks; see api.app._Api):

- A write (POST, PUT, PATCH, DELETE) or a websocket from a page of another origin is refused: a
  browser sends the session cookie (SameSite=Lax counts other ports of this host as the same
  site) with it, so the page's origin is what tells our pages from anyone else's. Calls without
  an Origin (an API client, a webhook, curl) carry no victim's cookie and pass; the two routes that
  set or clear the session cookie need proof that our own page sent them.
- Every answer carries a Content-Security-Policy, X-Content-Type-Options, a Referrer-Policy, an
  anti-framing policy, and over https Strict-Transport-Security.

The pages' policy: Reflex's prerendered pages carry a few inline scripts (the colour-mode switch,
React Router's hydration data), allowed by their hashes, read from the built pages; no other inline
script runs. 'unsafe-eval' stays, because Reflex runs what the server sends back as JavaScript
with eval (every rx.toast, rx.call_script); 'unsafe-inline' for styles, because emotion writes a
<style> per component and Radix sets style attributes. Pages are served by this app in
`reflex run --env prod` (`make run`, the browser tests); under `--env dev` Vite serves them
without these headers, while the API and websocket on the backend port keep every check.
"""

import base64
import hashlib
import json
import re
from functools import lru_cache
from pathlib import Path

from reflex import constants
from reflex.utils.prerequisites import get_web_dir
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from saas_app import routes
from saas_app.settings import origin_of

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# These set or clear the session cookie: a browser always names the page that posts them.
SESSION_ROUTES = frozenset({routes.ACTIVATE, routes.LOGOUT})

Header = tuple[bytes, bytes]
CSP = b"content-security-policy"
HSTS_HEADER = b"strict-transport-security"
HSTS = b"max-age=63072000; includeSubDomains"
# Sent with every answer (the Content-Security-Policy depends on what the answer is).
ALWAYS: tuple[Header, ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    # Our own pages keep the full address (the origin check reads it); other sites get none, so the
    # tokens in reset and invitation links never leave us.
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
# Answers that are not pages (JSON, files) load nothing and are framed by no one.
NOT_A_PAGE_POLICY = b"default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
NOT_A_PAGE: tuple[Header, ...] = (*ALWAYS, (CSP, NOT_A_PAGE_POLICY))
OUR_HEADERS = frozenset({CSP, HSTS_HEADER, *(name for name, _ in ALWAYS)})
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL)


def script_hashes(html: bytes) -> list[str]:
    """CSP sources (`'sha256-…'`) for the inline scripts of a page, in order of appearance."""
    return [
        f"'sha256-{base64.b64encode(hashlib.sha256(body).digest()).decode()}'"
        for body in _INLINE_SCRIPT.findall(html)
        if body
    ]


def _header(scope: Scope, name: bytes) -> str | None:
    """A request header by its lower-case name (ASGI servers give them so), without building a Headers."""
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


def built_pages_dir() -> Path:
    """Where `reflex run --env prod` builds the pages it serves."""
    return get_web_dir() / constants.Dirs.STATIC


@lru_cache(maxsize=4)
def _built_script_hashes(directory: Path, built_at: int) -> tuple[str, ...]:  # noqa: ARG001 - part of the cache key
    found: dict[str, None] = {}
    for page in sorted(directory.rglob("*.html")):
        found.update(dict.fromkeys(script_hashes(page.read_bytes())))
    return tuple(found)


def page_script_hashes(directory: Path) -> tuple[str, ...]:
    """The hashes of every inline script of the built pages, read again when the pages are rebuilt."""
    try:
        built_at = directory.stat().st_mtime_ns
    except OSError:
        return ()
    return _built_script_hashes(directory, built_at)


@lru_cache(maxsize=4)
def page_policy(allowed_origins: tuple[str, ...], hashes: tuple[str, ...]) -> str:
    """The Content-Security-Policy of our pages: our own scripts, styles, images and websocket only."""
    sockets = [origin.replace("http", "ws", 1) for origin in allowed_origins]
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'unsafe-eval'", *hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'", *allowed_origins, *sockets],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


class BrowserGuard:
    """ASGI: refuses writes and websockets from other origins, and adds the security headers to every answer."""

    def __init__(self, app: ASGIApp, *, allowed_origins: list[str], https: bool, pages_dir: Path | None = None) -> None:
        self.app = app
        self.allowed_origins = tuple(allowed_origins)
        self.allowed = frozenset(allowed_origins)
        self.https = https
        self.pages_dir = pages_dir

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse what another origin's page sent; otherwise pass it on, answering with our headers.

        Meta's webhook POSTs come through here by the thousand a second: the checks read the raw
        header list once and add a fixed set of headers, a few microseconds per request.
        """
        if scope["type"] == "websocket":
            if not self._websocket_allowed(scope):
                await send({"type": "websocket.close", "code": 1008})  # before accepting: an HTTP 403
                return
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = self.https or scope.get("scheme") == "https"
        if scope["method"] not in SAFE_METHODS and not self._write_allowed(scope):
            await self._refuse(send, https)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = self._with_security_headers(
                    message.get("headers", []), https, revalidated=message["status"] == 304
                )
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _websocket_allowed(self, scope: Scope) -> bool:
        origin = _header(scope, b"origin")
        return origin is None or origin in self.allowed

    def _write_allowed(self, scope: Scope) -> bool:
        origin = _header(scope, b"origin")
        if origin is not None:
            return origin in self.allowed  # "null" too is refused: sandboxed frames, file: pages
        site = _header(scope, b"sec-fetch-site")
        if site is not None and site != "same-origin":
            return False
        if scope["path"].rstrip("/") in SESSION_ROUTES:
            return site == "same-origin" or self._from_our_page(_header(scope, b"referer") or "")
        return True

    def _from_our_page(self, referer: str) -> bool:
        try:
            return bool(referer) and origin_of(referer) in self.allowed
        except RuntimeError:
            return False

    def _with_security_headers(self, headers: list[Header], https: bool, *, revalidated: bool = False) -> list[Header]:
        content_type = b""
        present: set[bytes] = set()
        for name, value in headers:
            lower = name.lower()
            if lower == b"content-type":
                content_type = value
            elif lower in OUR_HEADERS:
                present.add(lower)  # the route chose its own: it stays
        # A 304 names no content type, and the browser keeps the policy it stored with the page unless
        # the 304 brings another: a page's policy must not be swapped for the strict one.
        if revalidated:
            extra = ALWAYS
        elif content_type.startswith(b"text/html"):
            extra = (*ALWAYS, (CSP, self._page_policy()))
        else:
            extra = NOT_A_PAGE
        if https:
            extra = (*extra, (HSTS_HEADER, HSTS))
        if present:
            extra = tuple((name, value) for name, value in extra if name not in present)
        return [*headers, *extra]

    def _page_policy(self) -> bytes:
        hashes = page_script_hashes(self.pages_dir or built_pages_dir())
        return page_policy(self.allowed_origins, hashes).encode()

    async def _refuse(self, send: Send, https: bool) -> None:
        message = "This request came from a page of another site, so it was refused."
        body = json.dumps({"error": {"code": "forbidden", "message": message, "field": "", "details": []}}).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send(
            {"type": "http.response.start", "status": 403, "headers": self._with_security_headers(headers, https)}
        )
        await send({"type": "http.response.body", "body": body})
