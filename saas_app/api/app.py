"""The HTTP side of the app, built by a factory so that every Reflex app instance gets its own."""

from fastapi import FastAPI
from sqlalchemy import text
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import JSONResponse

from saas_app.api import auth_routes, webhook_routes
from saas_app.db import get_engine
from saas_app.settings import settings


async def health() -> JSONResponse:
    try:
        with get_engine().connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any failure means "not healthy", said plainly
        return JSONResponse({"status": "error", "database": str(error.__class__.__name__)}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


def create_api() -> FastAPI:
    api = FastAPI(title="Cobro", docs_url=None, redoc_url=None, openapi_url=None)
    # Only the OpenID Connect flow stores anything here (state and nonce), signed with SECRET_KEY.
    api.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie="cobro_oidc",
        max_age=600,
        same_site="lax",
        https_only=settings.public_url.startswith("https://"),
    )
    api.add_api_route("/api/health", health, methods=["GET"])
    api.include_router(auth_routes.router)
    api.include_router(webhook_routes.router)
    return api
