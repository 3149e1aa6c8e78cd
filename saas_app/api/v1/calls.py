"""How an API request is served: who calls (the key), in which language, in one transaction, at most once."""

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response

from saas_app import i18n
from saas_app.api.v1.schemas import MAX_ID
from saas_app.core.roles import Role
from saas_app.db import session_scope
from saas_app.i18n import N_
from saas_app.services import api_keys, idempotency
from saas_app.services.context import OrgContext
from saas_app.services.errors import Conflict, NotFound, PermissionDenied, ServiceError
from saas_app.services.invoices import BulkRefused

PREFIX = "/api/v1"
MAX_KEY_LENGTH = 255
bearer = HTTPBearer(auto_error=False, description="An API key made in Settings → API keys: `cobro_...`")


def _language(request: Request) -> str:
    return i18n.from_accept_language(request.headers.get("accept-language", ""))


def error_response(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    """Every refusal has one shape: {"error": {"code", "message", "field", "details"}}."""
    body = {"code": code, "message": message, "field": extra.pop("field", ""), "details": extra.pop("details", [])}
    return JSONResponse({"error": body}, status_code=status, headers=extra.pop("headers", None))


def _say(request: Request, error: ServiceError) -> str:
    return i18n.gettext(_language(request), error.message, **error.params)


def service_error(request: Request, error: Exception) -> Response:
    """A service's refusal in the API's error shape: 404, 403, 409, or 422 with each bulk item's reason."""
    assert isinstance(error, ServiceError)
    if isinstance(error, NotFound):
        return error_response(404, "not_found", _say(request, error))
    if isinstance(error, PermissionDenied):
        return error_response(403, "forbidden", _say(request, error))
    if isinstance(error, Conflict):
        return error_response(409, "conflict", _say(request, error), field=error.field)
    details = []
    if isinstance(error, BulkRefused):
        details = [
            {"index": index, "field": item.field, "message": _say(request, item)} for index, item in error.errors
        ]
    return error_response(422, "invalid", _say(request, error), field=error.field, details=details)


def validation_error(request: Request, error: Exception) -> Response:  # noqa: ARG001 - an exception handler: Starlette passes the request
    """Pydantic's refusals, said as ours: the field as a dotted path, the reason in words."""
    assert isinstance(error, RequestValidationError)
    details: list[dict[str, Any]] = []
    for item in error.errors():
        where = [str(part) for part in item.get("loc", ()) if part not in ("body", "query", "path", "header")]
        index = None
        if len(where) >= 2 and where[0] == "invoices" and where[1].isdigit():  # a bulk item: say which
            index = int(where[1])
            where = where[2:]
        details.append({"field": ".".join(where), "message": str(item.get("msg", "")), "index": index})
    field, reason = (str(details[0]["field"]), str(details[0]["message"])) if details else ("", "invalid request")
    message = f"{field}: {reason}" if field else reason
    return error_response(422, "invalid", message, field=field, details=details)


def http_error(request: Request, error: Exception) -> Response:  # noqa: ARG001 - an exception handler: Starlette passes the request
    """FastAPI's and Starlette's HTTP errors (401, 405, 413, ...) in the API's one error shape."""
    assert isinstance(error, HTTPException)
    codes = {
        400: "bad_request",
        401: "unauthorized",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        413: "too_large",
    }
    headers = getattr(error, "headers", None)
    return error_response(error.status_code, codes.get(error.status_code, "error"), str(error.detail), headers=headers)


@dataclass(frozen=True)
class Caller:
    """An authenticated API call: the organization, what the key may do, and the request it came with."""

    ctx: OrgContext
    scopes: frozenset[str]
    request: Request

    def require(self, scope: str) -> None:
        """Refuses with 403, in the caller's language, a call the key's scopes do not cover."""
        if scope not in self.scopes:
            message = i18n.gettext(_language(self.request), N_("This API key lacks the {scope} scope."), scope=scope)
            raise HTTPException(403, message)

    def read(self, work: Callable[[Session, OrgContext], Any]) -> Any:
        """A read in one transaction, for keys with the read scope."""
        self.require("read")
        with session_scope() as session:
            return work(session, self.ctx)

    def write(
        self, work: Callable[[Session, OrgContext], tuple[int, BaseModel]], body: BaseModel | None = None
    ) -> Response:
        """Run a change in one transaction; with an Idempotency-Key, a retry gets the first answer back."""
        self.require("write")
        key = self.request.headers.get("idempotency-key")
        if key is not None and not (0 < len(key) <= MAX_KEY_LENGTH and key.isprintable()):
            message = i18n.gettext(_language(self.request), N_("The Idempotency-Key must be 1 to 255 characters."))
            return error_response(422, "invalid", message, field="Idempotency-Key")
        try:
            return self._write_once(work, body, key)
        except (IntegrityError, OperationalError):
            if key is None:
                raise
            # A twin request with the same key committed first: its answer is now there to replay.
            return self._write_once(work, body, key)

    def _write_once(
        self, work: Callable[..., tuple[int, BaseModel]], body: BaseModel | None, key: str | None
    ) -> Response:
        payload = body.model_dump_json().encode() if body is not None else b""
        request = idempotency.fingerprint(self.request.method, str(self.request.url.path), payload)
        with session_scope() as session:
            record = None
            if key is not None:
                stored = idempotency.recall(session, self.ctx.org_id, key, request)
                if stored is not None:
                    return JSONResponse(stored.body, stored.status_code, headers={"Idempotent-Replayed": "true"})
                record = idempotency.claim(session, self.ctx.org_id, key, request)
            status, answer = work(session, self.ctx)
            content = answer.model_dump(mode="json")
            if record is not None:
                idempotency.remember(session, record, status, content)
        return JSONResponse(content, status)


def caller(request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Caller:
    """The API key behind a request, as a caller with the least role its scopes need; 401 without a live key."""
    language = _language(request)
    refused = {"WWW-Authenticate": "Bearer"}
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(401, i18n.gettext(language, N_("Send an API key: Authorization: Bearer <key>.")), refused)
    key = credentials.credentials
    with session_scope() as session:
        found = api_keys.authenticate_api_key(session, key) if len(key) <= 200 else None
    if found is None:
        raise HTTPException(401, i18n.gettext(language, N_("This API key is unknown or revoked.")), refused)
    # A key acts with the least role that covers its scopes, whatever its maker's role was.
    role = Role.COLLECTOR if "write" in found.scopes else Role.VIEWER
    ip = request.client.host if request.client else ""
    ctx = OrgContext(user_id=None, org_id=found.org_id, role=role.value, ip=ip, api_key_id=found.key_id)
    return Caller(ctx, found.scopes, request)


def cursor_of(after: int | None) -> str | None:
    """The opaque cursor for the next page, after this id; None at the end of the list."""
    return base64.urlsafe_b64encode(f"after:{after}".encode()).decode().rstrip("=") if after is not None else None


def position_of(cursor: str | None) -> int | None:
    """The id a cursor points after; a cursor we did not make is refused as invalid input."""
    if not cursor:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = text.partition(":")
        if kind == "after" and value.isdigit() and int(value) <= MAX_ID:
            return int(value)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise ServiceError(N_("This cursor is not one we gave; start again without it."), field="cursor")
