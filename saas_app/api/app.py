"""The HTTP side of the app, built by a factory so that every Reflex app instance gets its own."""

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from sqlalchemy import text
from starlette.exceptions import HTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp

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


async def health() -> JSONResponse:
    """For load balancers: 200 while the database answers, 503 naming the error's class (never its text) when not."""
    try:
        with get_engine().connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any failure means "not healthy", said plainly
        return JSONResponse({"status": "error", "database": str(error.__class__.__name__)}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


class _Api(FastAPI):
    """FastAPI, with Meta's event POSTs answered ahead of its whole middleware stack.

    Starlette keeps its error middleware outermost and FastAPI adds two more around ours; for a
    POST that is one status, passing through them cost 6% of the process's time (py-spy,
    bench/webhooks.py). `events` answers its own errors. Outside both, `BrowserGuard` refuses what
    other sites' pages send and adds the security headers to every answer, pages included (Reflex
    mounts itself inside this app).
    """

    def build_middleware_stack(self) -> ASGIApp:
        return BrowserGuard(
            webhook_routes.EventsFirst(super().build_middleware_stack()),
            allowed_origins=settings.allowed_origins,
            https=settings.is_https,
        )


def create_api() -> FastAPI:
    """The HTTP side of the app: auth, webhooks, the API and its docs, with JSON errors and body limits."""
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
