"""Outbound webhooks: a tenant's URLs receive signed events, delivered by the worker with retries
(saas_app.worker.webhook_delivery claims, posts and records them).

Events are written in the transaction of the change they report, so an event exists if and only if
its change was committed; the worker posts them afterwards and keeps a log of every attempt.
"""

import ipaddress
import socket
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select as sa_select
from sqlalchemy import update
from sqlmodel import Session, col, select

from saas_app.auth.secrets import new_token, seal
from saas_app.core.roles import Action
from saas_app.i18n import N_
from saas_app.models import WebhookDelivery, WebhookSubscription
from saas_app.models.base import utcnow
from saas_app.services import audit, recent
from saas_app.services.context import OrgContext, owned_row
from saas_app.services.errors import ServiceError
from saas_app.settings import settings

EVENTS = ("message.status_changed", "reply.received", "invoice.paid", "debtor.opted_out")
MAX_SUBSCRIPTIONS = 10


def _check_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname or len(url) > 500:
        raise ServiceError(N_("Enter a full URL, such as https://example.com/cobro-events."), field="url")
    if settings.is_production and parts.scheme != "https":
        raise ServiceError(N_("Webhook URLs must use https."), field="url")
    if settings.is_production and not _is_public_host(parts.hostname):
        raise ServiceError(N_("This address is not reachable from the internet."), field="url")
    return url


def _is_public_host(host: str) -> bool:
    """Whether every address the host resolves to is on the public internet (no loopback, LAN, metadata)."""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except (OSError, UnicodeError):
        return False
    return bool(addresses) and all(ipaddress.ip_address(str(a).split("%")[0]).is_global for a in addresses)


def subscribe(session: Session, ctx: OrgContext, *, url: str, events: list[str]) -> tuple[WebhookSubscription, str]:
    """A new subscription and its signing secret, which is shown this once."""
    ctx.require(Action.MANAGE_SETTINGS)
    url = _check_url(url)
    chosen = [event for event in EVENTS if event in set(events)]
    if not chosen or set(events) - set(EVENTS):
        raise ServiceError(N_("Choose at least one event."), field="events")
    if len(subscriptions(session, ctx)) >= MAX_SUBSCRIPTIONS:  # removed ones do not count
        raise ServiceError(N_("An organization can have at most {count} webhook URLs."), count=MAX_SUBSCRIPTIONS)
    secret = "whsec_" + new_token(24)
    row = WebhookSubscription(
        org_id=ctx.org_id, url=url, secret_sealed=seal(secret), events=chosen, created_by_id=ctx.user_id
    )
    session.add(row)
    session.flush()
    _listening.forget()
    audit.record_for(ctx, session, "webhook.subscribed", target_type="webhook", target_id=row.id, url=url)
    return row, secret


def remove(session: Session, ctx: OrgContext, subscription_id: int) -> None:
    """Stop sending to this URL; deliveries still waiting are dropped, the log of past ones stays."""
    ctx.require(Action.MANAGE_SETTINGS)
    row = owned_row(session, WebhookSubscription, ctx, subscription_id, N_("This webhook does not exist."))
    row.active = False
    session.add(row)
    _listening.forget()
    session.execute(
        update(WebhookDelivery)
        .where(col(WebhookDelivery.subscription_id) == row.id, col(WebhookDelivery.status) == "pending")
        .values(status="failed", last_error="webhook removed")
    )
    audit.record_for(ctx, session, "webhook.removed", target_type="webhook", target_id=row.id)


def subscriptions(session: Session, ctx: OrgContext) -> list[WebhookSubscription]:
    """The organization's active webhook subscriptions, in the order they were added; admins only."""
    ctx.require(Action.MANAGE_SETTINGS)
    query = select(WebhookSubscription).where(WebhookSubscription.org_id == ctx.org_id, WebhookSubscription.active)
    return list(session.exec(query.order_by(col(WebhookSubscription.id))))


def recent_deliveries(session: Session, ctx: OrgContext, limit: int = 50) -> list[WebhookDelivery]:
    """The organization's latest webhook deliveries, newest first; admins only."""
    ctx.require(Action.MANAGE_SETTINGS)
    query = (
        select(WebhookDelivery)
        .where(WebhookDelivery.org_id == ctx.org_id)
        .order_by(col(WebhookDelivery.id).desc())
        .limit(limit)
    )
    return list(session.exec(query))


# Asked for every group of status webhooks and every batch of sends; a new subscription here is
# heard at once, one made in another process within a second (see services.recent).
_listening: recent.Recent[set[int]] = recent.Recent(seconds=1.0)


def listening_orgs(session: Session, event_type: str) -> set[int]:
    """Organizations with a subscription to this event: a hot path asks this before gathering details."""
    return _listening.get((session.get_bind(), event_type), lambda: _read_listening(session, event_type)) or set()


def _read_listening(session: Session, event_type: str) -> set[int]:
    table = WebhookSubscription.__table__  # type: ignore[attr-defined]
    # Core columns, not the ORM's: at a third of the cost.
    rows = session.execute(sa_select(table.c.org_id, table.c.events).where(table.c.active)).all()
    return {org_id for org_id, events in rows if event_type in events}


def message_event(
    *,
    message_id: int,
    status: str,
    at: datetime,
    debtor_id: int | None,
    invoice_id: int | None,
    campaign_id: int | None,
    error_code: str = "",
) -> dict[str, Any]:
    """A message's status change as the JSON our webhooks post, the time in ISO 8601."""
    return {
        "message_id": message_id,
        "status": status,
        "at": at.isoformat(),
        "debtor_id": debtor_id,
        "invoice_id": invoice_id,
        "campaign_id": campaign_id,
        "error_code": error_code,
    }


def emit(
    session: Session, org_id: int, event_type: str, items: Iterable[dict[str, Any]], now: datetime | None = None
) -> int:
    """Queue one event per item for every active subscription to `event_type`; returns deliveries made.

    Costs one query when nobody listens, so the webhook ingester can call it for every batch.
    """
    listening = session.exec(
        select(WebhookSubscription.id, WebhookSubscription.events).where(
            WebhookSubscription.org_id == org_id, WebhookSubscription.active
        )
    ).all()
    targets = [subscription_id for subscription_id, events in listening if event_type in events]
    if not targets:
        return 0
    now = now or utcnow()
    rows = []
    for data in items:
        event_id = "evt_" + uuid.uuid4().hex
        payload = {"id": event_id, "type": event_type, "created": int(now.timestamp()), "data": data}
        rows += [
            WebhookDelivery(
                org_id=org_id,
                subscription_id=subscription_id or 0,
                event_id=event_id,
                event_type=event_type,
                payload=payload,
                next_attempt_at=now,
            )
            for subscription_id in targets
        ]
    session.add_all(rows)
    return len(rows)


def may_post_to(url: str) -> bool:
    """Checked again at delivery: a name that now resolves to a private address is not posted to."""
    host = urlsplit(url).hostname or ""
    return not settings.is_production or _is_public_host(host)
