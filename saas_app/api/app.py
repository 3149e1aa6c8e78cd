"""The HTTP side of the app, built by a factory so that every Reflex app instance gets its own."""

import itertools
import logging
import re
import secrets
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from sqlalchemy import text
from starlette.exceptions import HTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from saas_app import logs, metrics
from saas_app.api import auth_routes, payment_routes, webhook_routes
from saas_app.api.limits import BodyLimit
from saas_app.api.security import BrowserGuard
from saas_app.api.v1 import calls, docs, routes
from saas_app.core.imports import MAX_FILE_BYTES
from saas_app.db import get_engine
from saas_app.services.errors import ServiceError
from saas_app.settings import settings

API_BODY_LIMIT = 2_000_000  # a bulk call of 1,000 invoices is about 300 kB
# Reflex's upload route (the import dialog) writes what it receives to disk before any handler of ours runs:
# the largest file an import takes, plus room for the multipart envelope, and not a byte more.
UPLOAD_PATH = "/_upload"
UPLOAD_BODY_LIMIT = MAX_FILE_BYTES + 64 * 1024
METRICS_PATH = "/metrics"
log = logging.getLogger("cobro.http")


async def health() -> JSONResponse:
    """For load balancers: 200 while the database answers, 503 naming the error's class (never its text) when not."""
    try:
        with get_engine().connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any failure means "not healthy", said plainly
        return JSONResponse({"status": "error", "database": str(error.__class__.__name__)}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


def serve_metrics(request: Request) -> Response:
    """Prometheus's scrape: this host's processes' figures and the database's, to a holder of the token (see
    metrics.access); in a thread, since it reads the database."""
    verdict = metrics.access(
        request.headers.get("authorization", ""),
        request.client.host if request.client else "",
        proxied=any(name in request.headers for name in metrics.FORWARDING_HEADERS),
        token=settings.metrics_token,
    )
    if verdict == 401:
        return PlainTextResponse("a bearer token is needed", status_code=401, headers={"WWW-Authenticate": "Bearer"})
    if verdict != 200:
        return PlainTextResponse("Not Found", status_code=404)
    body, content_type = metrics.exposition(
        (metrics.process_figures(), metrics.DatabaseCollector()), request.headers.get("accept", "")
    )
    return Response(body, media_type=content_type)


# Paths outside FastAPI's routing that carry no ids, counted under their own name; any other path that
# no route of ours matched (the pages, static files, a 404) is counted as "other", never by its path.
_FIXED_ROUTES = frozenset({webhook_routes.PATH, "/ping", "/_health", "/_upload", "/_all_routes"})
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# Request ids: this process's random prefix and a counter, unique without a call for randomness per request.
_PROCESS_PREFIX = secrets.token_hex(4)
_request_numbers = itertools.count(1)


def route_of(scope: Scope) -> str:
    """The route template a request matched (`/api/v1/debtors/{debtor_id}`), never the path with its ids."""
    path = getattr(scope.get("route"), "path_format", None)  # FastAPI leaves the matched route in the scope
    if isinstance(path, str):
        return path
    return scope["path"] if scope["path"] in _FIXED_ROUTES else "other"


def _request_id(scope: Scope) -> str:
    """The caller's X-Request-ID when it is a plain token (a proxy's: one id across logs), else a new one."""
    for key, value in scope["headers"]:
        if key == b"x-request-id":
            given = value.decode("latin-1")
            if _REQUEST_ID.fullmatch(given):
                return given
    return f"{_PROCESS_PREFIX}{next(_request_numbers):08x}"


def log_bug(where: str) -> str:
    """Log the exception being handled with a short reference a person can quote; returns the reference."""
    reference = secrets.token_hex(4)
    log.exception("unhandled error in %s (reference %s)", where, reference, extra={"reference": reference})
    return reference


class Observed:
    """Outermost ASGI layer: a request id for every log line of the request (and the answer's X-Request-ID),
    the request counted by route template and status code, and any unhandled error logged with a reference.

    Cheap on purpose, since webhook POSTs pass here thousands of times a second: no Request object,
    the counter's labelled child looked up in a dict.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._counted: dict[tuple[str, str, int], Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """An HTTP request with its id bound, counted once answered; websockets pass untouched."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        status = 0

        async def answer(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (b"x-request-id", request_id.encode())]
            await send(message)

        token = logs.bind_request(request_id)
        try:
            await self.app(scope, receive, answer)
        except Exception as error:  # noqa: BLE001 - a bug: logged with its reference, never the server's bare trace
            reference = getattr(error, "cobro_reference", "") or log_bug(f"{scope['method']} {route_of(scope)}")
            if not status:
                await JSONResponse(_bug_answer(reference), status_code=500)(scope, receive, answer)
        finally:
            logs.unbind_request(token)
            self._count(scope, status or 500)

    def _count(self, scope: Scope, status: int) -> None:
        method = scope["method"] if scope["method"] in _METHODS else "OTHER"
        key = (route_of(scope), method, status)
        child = self._counted.get(key)
        if child is None:
            child = self._counted[key] = metrics.HTTP_REQUESTS.labels(key[0], method, str(status))
        child.inc()


def _bug_answer(reference: str) -> dict[str, str]:
    return {"detail": "Something went wrong on our side.", "reference": reference}


async def _unhandled(request: Request, error: Exception) -> Response:
    """FastAPI's last resort (inside its error middleware, which raises the error again for `Observed`)."""
    reference = log_bug(f"{request.method} {route_of(request.scope)}")
    error.cobro_reference = reference  # type: ignore[attr-defined]  # Observed logs it once, not twice
    return JSONResponse(_bug_answer(reference), status_code=500)


class _Api(FastAPI):
    """FastAPI, with Meta's event POSTs answered ahead of its whole middleware stack.

    Starlette keeps its error middleware outermost and FastAPI adds two more around ours; for a
    POST that is one status, passing through them cost 6% of the process's time (py-spy,
    bench/webhooks.py). `events` answers its own errors. Outside both, `BrowserGuard` refuses what
    other sites' pages send and adds the security headers to every answer, pages included (Reflex
    mounts itself inside this app).
    """

    def build_middleware_stack(self) -> ASGIApp:
        return Observed(
            BrowserGuard(
                webhook_routes.EventsFirst(super().build_middleware_stack()),
                allowed_origins=settings.allowed_origins,
                https=settings.is_https,
            )
        )


def create_api() -> FastAPI:
    """The HTTP side of the app: auth, webhooks, the API and its docs, /metrics, with JSON errors and body limits."""
    logs.configure(settings)
    # FastAPI's OpenTelemetry hooks are off: nothing here configures a collector, and checking for
    # one read the environment on every request (2-3% of a webhook POST's cost, bench/webhooks.py).
    api = _Api(
        title="Cobro",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    # Only the OpenID Connect flow stores anything here (state and nonce), signed with SECRET_KEY.
    api.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie="cobro_oidc",
        max_age=600,
        same_site="lax",
        https_only=settings.is_https,
    )
    api.add_api_route("/api/health", health, methods=["GET"])
    api.add_api_route(METRICS_PATH, serve_metrics, methods=["GET"], include_in_schema=False)
    api.include_router(auth_routes.router)
    api.include_router(webhook_routes.router)
    api.include_router(payment_routes.router)
    api.include_router(routes.router)
    api.include_router(routes.write_router)
    api.include_router(docs.router)
    api.include_router(routes.fallback_router)
    _answer_api_errors(api)
    api.add_middleware(
        BodyLimit,
        limits={
            calls.PREFIX: API_BODY_LIMIT,
            payment_routes.PREFIX: payment_routes.MAX_BODY,
            UPLOAD_PATH: UPLOAD_BODY_LIMIT,
        },
    )
    return api


def _answer_api_errors(api: FastAPI) -> None:
    """Under /api/v1, every refusal is JSON in the API's one error shape; elsewhere FastAPI's defaults stay."""

    def scoped(ours: Callable[[Request, Exception], Response], default: Callable[..., Any]) -> Callable[..., Any]:
        async def handle(request: Request, error: Exception) -> Response:
            if request.url.path.startswith(calls.PREFIX):
                return ours(request, error)
            return await default(request, error)

        return handle

    async def reraise(_request: Request, error: Exception) -> Response:
        raise error

    api.add_exception_handler(ServiceError, scoped(calls.service_error, reraise))
    api.add_exception_handler(
        RequestValidationError, scoped(calls.validation_error, request_validation_exception_handler)
    )
    api.add_exception_handler(HTTPException, scoped(calls.http_error, http_exception_handler))
    api.add_exception_handler(Exception, _unhandled)
