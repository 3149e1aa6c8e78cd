"""Payment providers tell us an invoice was paid: the tenant's endpoint, its secrets, and each event once."""

import json
import time
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from saas_app.auth.secrets import new_token, seal, unseal
from saas_app.core import signatures
from saas_app.core.payment_events import Ignored, PaymentNotice, read_cobro, read_stripe
from saas_app.core.roles import Action, Role
from saas_app.i18n import N_
from saas_app.models import Invoice, PaymentEndpoint, PaymentEvent
from saas_app.models.base import utcnow
from saas_app.services import audit, invoices
from saas_app.services.context import OrgContext
from saas_app.services.errors import ServiceError
from saas_app.settings import settings

STRIPE_HEADER = "stripe-signature"
COBRO_HEADER = "cobro-signature"
SECRET_PREFIX = "whsec_"  # noqa: S105 - the prefix Stripe gives its secrets, not a secret


@dataclass(frozen=True)
class Received:
    status_code: int  # 200 once stored (applied, ignored or a repeat); 400 for a bad signature; 404 unknown
    outcome: str  # applied, ignored, duplicate, refused, unknown
    reason: str = ""


def endpoint(session: Session, ctx: OrgContext) -> PaymentEndpoint:
    """The organization's endpoint, made on first use; its URL is not a secret, its signing secrets are."""
    ctx.require(Action.MANAGE_SETTINGS)
    row = session.exec(select(PaymentEndpoint).where(PaymentEndpoint.org_id == ctx.org_id)).first()
    if row is None:
        row = PaymentEndpoint(org_id=ctx.org_id, public_id=new_token(15))
        session.add(row)
        session.flush()
    return row


def url_of(row: PaymentEndpoint) -> str:
    """The public URL a payment provider posts this endpoint's events to."""
    return f"{settings.public_url.rstrip('/')}/webhooks/payments/{row.public_id}"


def new_signing_secret(session: Session, ctx: OrgContext) -> str:
    """A fresh secret for our own format, shown once; the previous one stops working."""
    row = endpoint(session, ctx)
    secret = SECRET_PREFIX + new_token(24)
    row.signing_secret_sealed = seal(secret)
    row.updated_at = utcnow()
    session.add(row)
    audit.record_for(ctx, session, "payments.signing_secret_rotated", target_type="payment_endpoint", target_id=row.id)
    return secret


def set_stripe_secret(session: Session, ctx: OrgContext, secret: str) -> PaymentEndpoint:
    """Stripe's signing secret for this endpoint (Dashboard → Webhooks → the endpoint → Signing secret)."""
    secret = secret.strip()
    if secret and not (secret.startswith(SECRET_PREFIX) and 10 < len(secret) <= 200 and secret.isprintable()):
        raise ServiceError(N_("A Stripe signing secret starts with whsec_."), field="stripe_secret")
    row = endpoint(session, ctx)
    row.stripe_secret_sealed = seal(secret)
    row.updated_at = utcnow()
    session.add(row)
    audit.record_for(
        ctx, session, "payments.stripe_secret_set", target_type="payment_endpoint", target_id=row.id, cleared=not secret
    )
    return row


def recent_events(session: Session, ctx: OrgContext, limit: int = 50) -> list[PaymentEvent]:
    """The organization's latest payment events, newest first, with their outcomes; admins only."""
    ctx.require(Action.MANAGE_SETTINGS)
    query = (
        select(PaymentEvent)
        .where(PaymentEvent.org_id == ctx.org_id)
        .order_by(col(PaymentEvent.received_at).desc(), col(PaymentEvent.id).desc())
        .limit(limit)
    )
    return list(session.exec(query))


def receive(
    session: Session, public_id: str, headers: dict[str, str], raw: bytes, now: float | None = None
) -> Received:
    """Check the signature, then apply the event once. Nothing is written for a bad signature.

    Two deliveries of one event at the same moment: the second fails on the event's unique key, and
    the caller answers it as a duplicate once its transaction is rolled back.
    """
    row = session.exec(select(PaymentEndpoint).where(PaymentEndpoint.public_id == public_id)).first()
    if row is None:
        return Received(404, "unknown", "no such endpoint")
    if STRIPE_HEADER in headers:
        provider, signature, sealed = "stripe", headers[STRIPE_HEADER], row.stripe_secret_sealed
    elif COBRO_HEADER in headers:
        provider, signature, sealed = "cobro", headers[COBRO_HEADER], row.signing_secret_sealed
    else:
        return Received(400, "refused", "unsigned")
    if not signatures.verify(signature, unseal(sealed), raw, now if now is not None else time.time()):
        return Received(400, "refused", "bad signature")
    try:
        event = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: arrays or objects nested thousands deep
        return Received(400, "refused", "not JSON")
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or not event["id"].strip():
        return Received(400, "refused", "no event id")
    notice = read_stripe(event) if provider == "stripe" else read_cobro(event)
    if session.exec(
        select(PaymentEvent.id).where(
            PaymentEvent.org_id == row.org_id,
            PaymentEvent.provider == provider,
            PaymentEvent.event_id == notice.event_id,
        )
    ).first():
        return Received(200, "duplicate")
    return _apply(session, row.org_id, provider, notice)


def _apply(session: Session, org_id: int, provider: str, notice: PaymentNotice | Ignored) -> Received:
    # The provider acts for the organization with a collector's rights: it records payments, nothing else.
    ctx = OrgContext(user_id=None, org_id=org_id, role=Role.COLLECTOR.value)
    event = PaymentEvent(
        org_id=org_id, provider=provider, event_id=notice.event_id, event_type=notice.event_type, outcome="ignored"
    )
    if isinstance(notice, Ignored):
        event.reason = notice.reason
    else:
        invoice = _invoice_of(session, ctx, notice)
        event.invoice_id = invoice.id if invoice else None
        if invoice is None:
            event.reason = "no invoice matches its metadata or number"
        elif invoice.currency != notice.currency:
            event.reason = f"paid in {notice.currency}, the invoice is in {invoice.currency}"
        else:
            event.outcome, event.reason = _record(session, ctx, invoice, notice, event)
    session.add(event)
    session.flush()
    return Received(200, event.outcome, event.reason)


def _invoice_of(session: Session, ctx: OrgContext, notice: PaymentNotice) -> Invoice | None:
    if notice.invoice_id is not None:
        found = session.exec(
            select(Invoice).where(Invoice.org_id == ctx.org_id, Invoice.id == notice.invoice_id)
        ).first()
        if found is not None:
            return found
    return invoices.find_by_number(session, ctx, notice.invoice_number) if notice.invoice_number else None


def _record(
    session: Session, ctx: OrgContext, invoice: Invoice, notice: PaymentNotice, event: PaymentEvent
) -> tuple[str, str]:
    try:
        payment, created = invoices.record_payment(
            session,
            ctx,
            invoice.id or 0,
            amount_minor=notice.amount_minor,
            paid_on=notice.paid_on,
            method=notice.method,
            source="webhook",
            external_id=f"{event.provider}:{notice.external_id}",
        )
    except ServiceError as refused:
        return "ignored", str(refused)[:300]
    event.payment_id = payment.id
    return ("applied", "") if created else ("duplicate", "this payment was already recorded")


def describe(row: PaymentEndpoint) -> dict[str, Any]:
    """What Settings shows: the URL and which secrets are set, never the secrets."""
    return {
        "url": url_of(row),
        "has_signing_secret": bool(row.signing_secret_sealed),
        "has_stripe_secret": bool(row.stripe_secret_sealed),
    }
