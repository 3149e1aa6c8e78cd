"""Session cookie routes and OpenID Connect sign-in.

The session cookie is HttpOnly, so it is set and cleared here, in HTTP responses, never by the
browser's JavaScript. Reflex event handlers read it from the websocket's request headers.
Signing in and out change the session, so they are POSTs that only our own pages can send (the
origin check is api.security.BrowserGuard's): a link or an image on another site does neither.
"""

from typing import Annotated

from authlib.integrations.starlette_client import OAuth, OAuthError
from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from saas_app import routes
from saas_app.auth.cookies import SESSION_COOKIE
from saas_app.db import session_scope
from saas_app.i18n import from_accept_language
from saas_app.routes import safe_next
from saas_app.services import accounts
from saas_app.services.errors import ServiceError
from saas_app.settings import settings

router = APIRouter()


def client_ip(request: Request) -> str:
    """The caller's address as the socket gives it, or "" when there is none (as in tests)."""
    return request.client.host if request.client else ""


def _signed_in(ticket: str, next_path: str) -> Response:
    with session_scope() as session:
        token = accounts.activate_session(session, ticket)
    if token is None:
        return RedirectResponse("/login?error=expired", status_code=303)
    response = RedirectResponse(safe_next(next_path), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(accounts.SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=settings.is_https,
        path="/",
    )
    return response


@router.post(routes.ACTIVATE)
async def activate(ticket: Annotated[str, Form()] = "", next: Annotated[str, Form()] = routes.DASHBOARD) -> Response:  # noqa: A002
    """A sign-in ticket swapped for the HttpOnly session cookie, which only an HTTP response can set."""
    return _signed_in(ticket, next)


@router.get(routes.ACTIVATE)
async def activate_link() -> Response:
    """A sign-in by link (an old bookmark, another site's page) signs no one in: on to the login page."""
    return RedirectResponse(routes.LOGIN, status_code=303)


@router.post(routes.LOGOUT)
async def logout(request: Request) -> Response:
    """Ends the session in the database as well as in the browser, then back to the login page."""
    with session_scope() as session:
        accounts.log_out(session, request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse(routes.LOGIN, status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get(routes.LOGOUT)
async def logout_link() -> Response:
    """Following a link logs no one out (an image on another site could be that link): back to the app."""
    return RedirectResponse(routes.DASHBOARD, status_code=303)


def _oauth() -> OAuth:
    oauth = OAuth()
    for provider in settings.oidc_providers:
        oauth.register(
            name=provider.name,
            client_id=provider.client_id,
            client_secret=provider.client_secret or None,
            server_metadata_url=provider.metadata_url,
            client_kwargs={"scope": "openid email profile"},
        )
    return oauth


_OAUTH = _oauth()


def _callback_url(provider: str) -> str:
    return f"{settings.public_url}/auth/oidc/{provider}/callback"


@router.get("/auth/oidc/{provider}/login")
async def oidc_login(provider: str, request: Request, next: str = "/dashboard") -> Response:  # noqa: A002
    """Off to the identity provider, remembering a same-site page to come back to; unknown providers get an error."""
    client = _OAUTH.create_client(provider)
    if client is None:
        return RedirectResponse("/login?error=oidc", status_code=303)
    request.session["next"] = safe_next(next)
    return await client.authorize_redirect(request, _callback_url(provider))


@router.get("/auth/oidc/{provider}/callback")
async def oidc_callback(provider: str, request: Request) -> Response:
    """The provider's answer: signs the person in by their verified email, or back to login saying why not."""
    client = _OAUTH.create_client(provider)
    if client is None:
        return RedirectResponse("/login?error=oidc", status_code=303)
    try:
        token = await client.authorize_access_token(request)
    except OAuthError:
        return RedirectResponse("/login?error=oidc", status_code=303)
    claims = token.get("userinfo") or {}
    try:
        with session_scope() as session:
            user = accounts.sign_in_with_oidc(
                session,
                provider=provider,
                subject=str(claims.get("sub", "")),
                email=str(claims.get("email", "")),
                email_verified=bool(claims.get("email_verified", False)),
                name=str(claims.get("name", "")),
                locale=from_accept_language(request.headers.get("accept-language", "")),
            )
            ticket = accounts.start_session(
                session, user=user, ip=client_ip(request), user_agent=request.headers.get("user-agent", "")
            )
    except ServiceError:
        return RedirectResponse("/login?error=oidc_email", status_code=303)
    return _signed_in(ticket, request.session.pop("next", "/dashboard"))
