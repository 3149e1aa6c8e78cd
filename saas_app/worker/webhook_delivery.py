"""The worker's side of outbound webhooks: claim the deliveries that are due, post them, record each try.

Events are queued by services.outbound in the transaction of the change they report; this posts
them afterwards, with a lease so that two workers never post one delivery at once.
"""

import asyncio
import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlmodel import Session, col, select

from saas_app.auth.secrets import unseal
from saas_app.core import signatures
from saas_app.models import WebhookDelivery, WebhookSubscription
from saas_app.services import outbound

# After each failed attempt, the wait before the next: about a day and a half in all, then "failed".
BACKOFF = tuple(timedelta(minutes=minutes) for minutes in (1, 5, 30, 2 * 60, 8 * 60, 24 * 60))
LEASE = timedelta(minutes=2)  # a claimed delivery is not claimed again while it is being posted


@dataclass(frozen=True)
class Claimed:
    delivery_id: int
    url: str
    secret: str
    body: bytes
    event_id: str
    event_type: str


def claim_due(session: Session, now: datetime, limit: int = 50) -> list[Claimed]:
    """Deliveries whose time has come, leased so that another worker leaves them alone meanwhile."""
    query = (
        select(WebhookDelivery, WebhookSubscription)
        .join(WebhookSubscription, col(WebhookSubscription.id) == WebhookDelivery.subscription_id)
        .where(col(WebhookDelivery.status) == "pending", col(WebhookDelivery.next_attempt_at) <= now)
        .order_by(col(WebhookDelivery.next_attempt_at))
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=WebhookDelivery)
    claimed = []
    for delivery, subscription in session.exec(query).all():
        delivery.next_attempt_at = now + LEASE
        session.add(delivery)
        body = json.dumps(delivery.payload, separators=(",", ":")).encode()
        claimed.append(
            Claimed(
                delivery.id or 0,
                subscription.url,
                unseal(subscription.secret_sealed),
                body,
                delivery.event_id,
                delivery.event_type,
            )
        )
    return claimed


def headers_for(claimed: Claimed, now: float) -> dict[str, str]:
    """The headers of a webhook we post: the event type, the event id to deduplicate on, and the signature."""
    return {
        "Content-Type": "application/json",
        "User-Agent": "Cobro-Webhooks/1",
        "Cobro-Event": claimed.event_type,
        "Cobro-Delivery": claimed.event_id,
        "Cobro-Signature": signatures.header(claimed.secret, int(now), claimed.body),
    }


def record_attempt(
    session: Session, delivery_id: int, now: datetime, *, status_code: int | None, error: str = ""
) -> str:
    """A 2xx delivers; anything else waits its backoff, and after the last one the delivery failed."""
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.status != "pending":
        return "gone"
    delivery.attempts += 1
    delivery.last_status_code = status_code
    delivery.last_error = error[:300]
    if status_code is not None and 200 <= status_code < 300:
        delivery.status, delivery.delivered_at, delivery.last_error = "delivered", now, ""
    elif delivery.attempts > len(BACKOFF):
        delivery.status = "failed"
    else:
        delivery.next_attempt_at = now + BACKOFF[delivery.attempts - 1]
    session.add(delivery)
    return delivery.status


async def post(client: httpx.AsyncClient, item: Claimed) -> tuple[int, int | None, str]:
    """(delivery, HTTP status or None, what went wrong); a tenant's server never stops the worker."""
    if not await asyncio.to_thread(outbound.may_post_to, item.url):
        return item.delivery_id, None, "the URL resolves to an address that is not public"
    headers = headers_for(item, time.time())
    try:
        async with client.stream("POST", item.url, content=item.body, headers=headers) as response:
            if response.is_success:
                return item.delivery_id, response.status_code, ""
            start = b""
            async for chunk in response.aiter_bytes():  # only the start: a tenant's server may answer at length
                start += chunk
                if len(start) >= 200:
                    break
    except httpx.HTTPError as error:
        return item.delivery_id, None, f"{type(error).__name__}: {error}"[:300]
    text = start[:200].decode(errors="replace")
    return item.delivery_id, response.status_code, f"HTTP {response.status_code}: {text}"
