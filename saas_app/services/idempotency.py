"""Idempotency-Key: a POST retried with the same key is answered as the first time, and done once."""

import hashlib
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from saas_app.i18n import N_
from saas_app.models import IdempotencyRecord
from saas_app.models.base import utcnow
from saas_app.services.errors import Conflict

# Long enough for a client's retries across an outage; Stripe keeps its keys as long.
RETENTION = timedelta(hours=24)


def fingerprint(method: str, path: str, body: bytes) -> str:
    """What identifies a request's content, so that a key reused for a different request is refused."""
    return hashlib.sha256(b"\n".join((method.encode(), path.encode(), body))).hexdigest()


def recall(
    session: Session, org_id: int, key: str, request: str, now: datetime | None = None
) -> IdempotencyRecord | None:
    """The stored answer for this key, if any; the same key sent with another request is a client's bug."""
    row = session.exec(
        select(IdempotencyRecord).where(IdempotencyRecord.org_id == org_id, IdempotencyRecord.key == key)
    ).first()
    if row is None:
        return None
    if row.created_at < (now or utcnow()) - RETENTION:
        session.delete(row)
        session.flush()
        return None
    if row.request_hash != request:
        raise Conflict(N_("This Idempotency-Key was already used for a different request."), field="Idempotency-Key")
    return row


def claim(session: Session, org_id: int, key: str, request: str) -> IdempotencyRecord:
    """Hold the key inside the request's transaction: a concurrent twin waits, then finds the answer."""
    row = IdempotencyRecord(org_id=org_id, key=key, request_hash=request, status_code=0)
    session.add(row)
    session.flush()
    return row


def remember(session: Session, row: IdempotencyRecord, status_code: int, body: dict[str, Any]) -> None:
    """Stores the first answer given under a key, for its retries to get back."""
    row.status_code = status_code
    row.body = body
    session.add(row)


def purge(session: Session, now: datetime | None = None) -> int:
    """Deletes keys older than the retention, returning how many; a key is then free to reuse."""
    result = session.execute(
        delete(IdempotencyRecord).where(col(IdempotencyRecord.created_at) < (now or utcnow()) - RETENTION)
    )
    return int(getattr(result, "rowcount", 0) or 0)
