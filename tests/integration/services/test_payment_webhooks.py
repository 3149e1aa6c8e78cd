"""Payment providers' webhooks: Stripe's events and our own format, signed, applied once, per tenant."""

import json
import time
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from saas_app.api.app import create_api
from saas_app.core import signatures
from saas_app.models import Invoice, Message, Payment, PaymentEvent
from saas_app.models.base import utcnow
from saas_app.services import campaigns, payment_webhooks
from saas_app.services.context import OrgContext
from saas_app.services.errors import PermissionDenied, ServiceError
from saas_app.worker import planner
from tests.factories import add_member, debtor_with_invoice, sign_up, simple_cadence

STRIPE_SECRET = "whsec_test_0123456789abcdef"


class Tenant:
    def __init__(self, session: Session, client: TestClient) -> None:
        _, self.ctx = sign_up(session)
        row = payment_webhooks.set_stripe_secret(session, self.ctx, STRIPE_SECRET)
        self.secret = payment_webhooks.new_signing_secret(session, self.ctx)
        self.path = f"/webhooks/payments/{row.public_id}"
        session.commit()
        self.client = client

    def stripe(self, event: dict[str, Any], secret: str = STRIPE_SECRET, at: float | None = None) -> Any:
        raw = json.dumps(event).encode()
        header = signatures.header(secret, int(at if at is not None else time.time()), raw)
        return self.client.post(self.path, content=raw, headers={"Stripe-Signature": header})

    def ours(self, event: dict[str, Any]) -> Any:
        raw = json.dumps(event).encode()
        header = signatures.header(self.secret, int(time.time()), raw)
        return self.client.post(self.path, content=raw, headers={"Cobro-Signature": header})


@pytest.fixture
def client(session: Session) -> TestClient:
    return TestClient(create_api())


@pytest.fixture
def tenant(session: Session, client: TestClient) -> Tenant:
    return Tenant(session, client)


def checkout_completed(invoice: Invoice, amount: int | None = None, **extra: Any) -> dict[str, Any]:
    """A Stripe event as Stripe sends it (trimmed to the fields a payment needs)."""
    return {
        "id": f"evt_{invoice.number}_{amount}",
        "object": "event",
        "type": "checkout.session.completed",
        "created": int(time.time()),
        "livemode": False,
        "data": {
            "object": {
                "id": f"cs_test_{invoice.number}",
                "object": "checkout.session",
                "amount_total": amount if amount is not None else invoice.amount_minor,
                "currency": invoice.currency.lower(),
                "payment_status": "paid",
                "payment_intent": f"pi_{invoice.number}_{amount}",
                "client_reference_id": None,
                "metadata": {"cobro_invoice_id": str(invoice.id)},
                **extra,
            }
        },
    }


def _invoice(session: Session, ctx: OrgContext, number: str = "INV-1", due_in: int = 10) -> Invoice:
    due = date.today() + timedelta(days=due_in)
    _, invoice_id = debtor_with_invoice(session, ctx, phone="+393331234567", number=number, due=due)
    invoice = session.get(Invoice, invoice_id)
    assert invoice is not None
    return invoice


def test_a_stripe_checkout_marks_the_invoice_paid_stops_its_reminders_and_counts_in_the_campaign(
    session: Session, tenant: Tenant
) -> None:
    invoice = _invoice(session, tenant.ctx, due_in=2)
    cadence_id = simple_cadence(session, tenant.ctx, offsets=(0, 5))
    campaign = campaigns.create_campaign(
        session, tenant.ctx, name="November", cadence_id=cadence_id, invoice_ids=[invoice.id or 0], now=utcnow()
    )
    planner.plan_all(session, now=utcnow())
    assert session.exec(select(Message.status).where(Message.invoice_id == invoice.id)).all() == ["scheduled"]
    answer = tenant.stripe(checkout_completed(invoice))
    assert answer.status_code == 200
    assert answer.json() == {"outcome": "applied", "reason": ""}
    session.expire_all()
    assert session.get(Invoice, invoice.id).status == "paid"  # type: ignore[union-attr]
    [payment] = session.exec(select(Payment).where(Payment.invoice_id == invoice.id)).all()
    assert (payment.source, payment.method, payment.amount_minor) == ("webhook", "stripe", invoice.amount_minor)
    assert session.exec(select(Message.status).where(Message.invoice_id == invoice.id)).all() == ["cancelled"]
    stats = campaigns.campaign_stats(session, tenant.ctx, campaign.id or 0)
    assert (stats.paid, stats.paid_minor) == (1, {invoice.currency: invoice.amount_minor})


def test_a_repeated_event_and_the_same_payment_under_another_event_count_once(session: Session, tenant: Tenant) -> None:
    invoice = _invoice(session, tenant.ctx)
    event = checkout_completed(invoice, 4000)
    assert tenant.stripe(event).json()["outcome"] == "applied"
    assert tenant.stripe(event).json()["outcome"] == "duplicate"
    intent = {
        "id": "evt_pi",
        "type": "payment_intent.succeeded",
        "created": int(time.time()),
        "data": {"object": {"id": f"pi_{invoice.number}_4000", "amount_received": 4000, "currency": "eur"}},
    }
    intent["data"]["object"]["metadata"] = {"invoice_number": invoice.number}  # type: ignore[index]
    assert tenant.stripe(intent).json()["outcome"] == "duplicate"
    session.expire_all()
    refreshed = session.get(Invoice, invoice.id)
    assert refreshed is not None
    assert (refreshed.status, refreshed.paid_minor) == ("partially_paid", 4000)


def test_bad_or_stale_signatures_change_nothing(session: Session, tenant: Tenant) -> None:
    invoice = _invoice(session, tenant.ctx)
    event = checkout_completed(invoice)
    assert tenant.stripe(event, secret="whsec_someone_else").status_code == 400
    assert tenant.stripe(event, at=time.time() - 3600).status_code == 400  # a replay of an old delivery
    raw = json.dumps(event).encode()
    forged = tenant.client.post(tenant.path, content=raw, headers={"Stripe-Signature": "t=1,v1=00"})
    assert forged.status_code == 400
    assert tenant.client.post(tenant.path, content=raw).json() == {"outcome": "refused", "reason": "unsigned"}
    assert tenant.client.post("/webhooks/payments/nobody", content=raw).status_code == 404
    session.expire_all()
    assert session.get(Invoice, invoice.id).status == "open"  # type: ignore[union-attr]
    assert session.exec(select(PaymentEvent)).all() == []


def test_our_own_format_matches_by_number_and_records_the_method(session: Session, tenant: Tenant) -> None:
    invoice = _invoice(session, tenant.ctx)
    event = {
        "id": "bank-778",
        "type": "payment.succeeded",
        "data": {
            "invoice_number": invoice.number,
            "amount_minor": 1000,
            "currency": "EUR",
            "method": "pix",
            "paid_on": "2026-11-20",
            "payment_id": "E2E-1",
        },
    }
    assert tenant.ours(event).json() == {"outcome": "applied", "reason": ""}
    payment = session.exec(select(Payment).where(Payment.invoice_id == invoice.id)).one()
    assert (payment.method, payment.paid_on, payment.external_id) == ("pix", date(2026, 11, 20), "cobro:E2E-1")
    signed_as_stripe = tenant.stripe({**event, "id": "bank-779"})
    assert signed_as_stripe.json()["outcome"] == "ignored"  # a Stripe header means Stripe's format


def test_events_that_match_nothing_are_kept_with_the_reason(session: Session, tenant: Tenant) -> None:
    invoice = _invoice(session, tenant.ctx)
    unknown = checkout_completed(invoice, metadata={}, client_reference_id="NOPE")
    assert tenant.stripe(unknown).json()["reason"] == "no invoice matches its metadata or number"
    dollars = checkout_completed(invoice, 5, currency="usd")
    assert tenant.stripe(dollars).json()["reason"] == "paid in USD, the invoice is in EUR"
    unpaid = checkout_completed(invoice, 6, payment_status="unpaid")
    assert tenant.stripe(unpaid).json()["reason"] == "the checkout is not paid yet"
    other = {"id": "evt_x", "type": "customer.created", "data": {"object": {}}}
    assert tenant.stripe(other).json()["outcome"] == "ignored"
    reasons = [event.reason for event in payment_webhooks.recent_events(session, tenant.ctx)]
    assert len(reasons) == 4
    session.expire_all()
    assert session.get(Invoice, invoice.id).status == "open"  # type: ignore[union-attr]


def test_an_event_reaches_only_its_own_organizations_invoices(
    session: Session, tenant: Tenant, client: TestClient
) -> None:
    other = Tenant(session, client)
    theirs = _invoice(session, other.ctx, number="SHARED-1")
    mine = _invoice(session, tenant.ctx, number="SHARED-1")
    by_id = checkout_completed(theirs)  # their invoice's id, sent to my endpoint
    by_id["data"]["object"]["metadata"] = {"cobro_invoice_id": str(theirs.id)}
    assert tenant.stripe(by_id).json()["outcome"] == "ignored"
    by_number = checkout_completed(theirs, metadata={}, client_reference_id="SHARED-1")
    by_number["id"] = "evt_by_number"
    assert tenant.stripe(by_number).json()["outcome"] == "applied"
    session.expire_all()
    assert session.get(Invoice, mine.id).status == "paid"  # type: ignore[union-attr]
    assert session.get(Invoice, theirs.id).status == "open"  # type: ignore[union-attr]
    assert other.stripe(by_number, secret=STRIPE_SECRET).json()["outcome"] == "applied"  # its own event ids


def test_only_admins_see_and_set_the_secrets(session: Session, tenant: Tenant) -> None:
    collector = add_member(session, tenant.ctx, "collector")
    with pytest.raises(PermissionDenied):
        payment_webhooks.new_signing_secret(session, collector)
    with pytest.raises(ServiceError, match="whsec_"):
        payment_webhooks.set_stripe_secret(session, tenant.ctx, "sk_live_oops")
    shown = payment_webhooks.describe(payment_webhooks.endpoint(session, tenant.ctx))
    assert shown["has_stripe_secret"]
    assert shown["has_signing_secret"]
    assert STRIPE_SECRET not in json.dumps(shown)


@pytest.mark.parametrize("header", ["Stripe-Signature", "Cobro-Signature"])
def test_a_signed_body_nested_deep_is_refused_not_a_500(session: Session, tenant: Tenant, header: str) -> None:
    raw = b'{"id": "evt_deep", "data": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    secret = STRIPE_SECRET if header == "Stripe-Signature" else tenant.secret
    answer = tenant.client.post(
        tenant.path, content=raw, headers={header: signatures.header(secret, int(time.time()), raw)}
    )
    assert (answer.status_code, answer.json()["reason"]) == (400, "not JSON")
    assert session.exec(select(PaymentEvent)).all() == []
