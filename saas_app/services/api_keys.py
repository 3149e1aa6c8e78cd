"""API keys for a tenant's other systems; the key is shown once and stored hashed."""

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, col, select

from saas_app.auth.secrets import hash_token, new_token
from saas_app.core.roles import Action
from saas_app.i18n import N_
from saas_app.models import ApiKey
from saas_app.models.base import utcnow
from saas_app.services import audit
from saas_app.services.context import OrgContext, owned_row
from saas_app.services.errors import ServiceError

SCOPES = ("read", "write")
KEY_PREFIX = "cobro_"
LAST_USED_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True)
class ApiCaller:
    org_id: int
    key_id: int
    scopes: frozenset[str]


def create_api_key(session: Session, ctx: OrgContext, *, name: str, scopes: list[str]) -> str:
    """A new API key with its scopes, returned once: only its hash and a short prefix are stored."""
    ctx.require(Action.MANAGE_SETTINGS)
    name = name.strip()
    if not name:
        raise ServiceError(N_("Give the key a name, such as the system that will use it."), field="name")
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise ServiceError(N_("Scopes must be read, write or both."), field="scopes")
    key = KEY_PREFIX + new_token(30)
    row = ApiKey(
        org_id=ctx.org_id,
        name=name[:120],
        prefix=key[: len(KEY_PREFIX) + 6],
        key_hash=hash_token(key),
        scopes=",".join(sorted(set(scopes))),
        created_by_id=ctx.user_id,
    )
    session.add(row)
    session.flush()
    audit.record_for(
        ctx, session, "api_key.created", target_type="api_key", target_id=row.id, name=row.name, scopes=row.scopes
    )
    return key


def list_api_keys(session: Session, ctx: OrgContext) -> list[ApiKey]:
    """The organization's API keys, newest first, revoked ones included; owners and admins only."""
    ctx.require(Action.MANAGE_SETTINGS)
    query = select(ApiKey).where(ApiKey.org_id == ctx.org_id).order_by(col(ApiKey.id).desc())
    return list(session.exec(query))


def revoke_api_key(session: Session, ctx: OrgContext, key_id: int) -> None:
    """Revokes one of the organization's keys at once, and audits it."""
    ctx.require(Action.MANAGE_SETTINGS)
    row = owned_row(session, ApiKey, ctx, key_id, N_("This API key does not exist."))
    row.revoked_at = utcnow()
    session.add(row)
    audit.record_for(ctx, session, "api_key.revoked", target_type="api_key", target_id=key_id)


def authenticate_api_key(session: Session, key: str) -> ApiCaller | None:
    """Who a live key acts for and what it may do; its last use kept to the minute, not written on every call."""
    row = session.exec(select(ApiKey).where(ApiKey.key_hash == hash_token(key))).first()
    if row is None or row.revoked_at is not None or row.id is None:
        return None
    now = utcnow()
    # A busy integration calls many times a second: the time is kept to the minute, not written each call.
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_PRECISION:
        row.last_used_at = now
        session.add(row)
    return ApiCaller(org_id=row.org_id, key_id=row.id, scopes=frozenset(row.scopes.split(",")))
