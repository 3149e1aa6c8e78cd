"""Outbound webhooks: what a tenant's server receives, signed, retried, and only its own."""

import dataclasses
import json
import threading
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlmodel import Session, col, select

from saas_app.core import signatures
from saas_app.models import WebhookDelivery, WebhookSubscription
from saas_app.models.base import utcnow
from saas_app.services import debtors, invoices, outbound, recent
from saas_app.services.context import OrgContext
from saas_app.services.errors import PermissionDenied, ServiceError
from saas_app.worker import outbox, webhook_delivery
from saas_app.worker.dispatcher import Worker
from tests.aio import run
from tests.factories import add_member, debtor_with_invoice, sign_up


class Receiver:
    """A tenant's server on localhost: keeps what it is sent, answers with the next status in line."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.answers: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(receiver.answers.pop(0) if receiver.answers else 200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/events"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.received]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.server.shutdown()


def deliver(database_url: str, at: datetime | None = None) -> int:
    worker = Worker(database_url=database_url, wall=lambda: at or utcnow())

    async def once() -> int:
        async with httpx.AsyncClient(timeout=5) as client:
            return await worker.deliver_webhooks(client)

    return run(once())


def _subscribed(session: Session, url: str, events: list[str]) -> tuple[OrgContext, str]:
    _, ctx = sign_up(session)
    _, secret = outbound.subscribe(session, ctx, url=url, events=events)
    session.commit()
    return ctx, secret


def test_a_paid_invoice_and_an_opt_out_reach_the_tenants_server_signed(
    session: Session, database_url: str, receiver: Receiver
) -> None:
    ctx, secret = _subscribed(session, receiver.url, ["invoice.paid", "debtor.opted_out"])
    debtor_id, invoice_id = debtor_with_invoice(session, ctx, phone="+393331234567", number="A-1", due=date.today())
    invoices.record_payment(session, ctx, invoice_id, amount_minor=12345, paid_on=date.today())
    debtors.opt_out(session, ctx, debtor_id, source="phone call")
    session.commit()
    assert deliver(database_url) == 2
    by_type = {event["type"]: event for event in receiver.events()}
    paid, opted_out = by_type["invoice.paid"], by_type["debtor.opted_out"]
    assert paid["data"] == {
        "invoice_id": invoice_id,
        "number": "A-1",
        "debtor_id": debtor_id,
        "amount_minor": 12345,
        "paid_minor": 12345,
        "currency": "EUR",
    }
    assert (opted_out["data"]["debtor_id"], opted_out["data"]["source"]) == (debtor_id, "phone call")
    for headers, body in receiver.received:
        assert signatures.verify(headers["cobro-signature"], secret, body, now=utcnow().timestamp())
        assert headers["cobro-event"] == json.loads(body)["type"]
        assert headers["cobro-delivery"] == json.loads(body)["id"]
    assert deliver(database_url) == 0  # delivered once


def test_events_not_chosen_and_other_tenants_events_are_not_sent(
    session: Session, database_url: str, receiver: Receiver
) -> None:
    ctx, _ = _subscribed(session, receiver.url, ["reply.received"])
    _, other = sign_up(session)
    for who, number in ((ctx, "A-1"), (other, "B-1")):
        debtor_id, invoice_id = debtor_with_invoice(
            session, who, phone="+393331234567", number=number, due=date.today()
        )
        invoices.record_payment(session, who, invoice_id, amount_minor=12345, paid_on=date.today())
        debtors.opt_out(session, who, debtor_id, source="api")
    session.commit()
    assert deliver(database_url) == 0
    assert receiver.received == []


def test_a_failing_server_is_retried_with_backoff_then_given_up(
    session: Session, database_url: str, receiver: Receiver
) -> None:
    ctx, _ = _subscribed(session, receiver.url, ["debtor.opted_out"])
    debtor_id, _ = debtor_with_invoice(session, ctx, phone="+393331234567", number="A-1", due=date.today())
    debtors.opt_out(session, ctx, debtor_id, source="api")
    session.commit()
    receiver.answers = [500] * 10
    now = utcnow()
    assert deliver(database_url, now) == 1
    delivery = session.exec(select(WebhookDelivery)).one()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    assert deliver(database_url, now + timedelta(seconds=30)) == 0  # its minute has not passed
    for wait in webhook_delivery.BACKOFF:
        now += wait + timedelta(seconds=1)
        assert deliver(database_url, now) == 1
    session.expire_all()
    delivery = session.exec(select(WebhookDelivery)).one()
    assert (delivery.status, delivery.attempts) == ("failed", len(webhook_delivery.BACKOFF) + 1)
    assert len(receiver.received) == len(webhook_delivery.BACKOFF) + 1
    assert len({json.loads(body)["id"] for _, body in receiver.received}) == 1  # the same event id every time


def test_a_retry_that_succeeds_is_delivered(session: Session, database_url: str, receiver: Receiver) -> None:
    ctx, _ = _subscribed(session, receiver.url, ["debtor.opted_out"])
    debtor_id, _ = debtor_with_invoice(session, ctx, phone="+393331234567", number="A-1", due=date.today())
    debtors.opt_out(session, ctx, debtor_id, source="api")
    session.commit()
    receiver.answers = [503]
    now = utcnow()
    deliver(database_url, now)
    deliver(database_url, now + webhook_delivery.BACKOFF[0] + timedelta(seconds=1))
    [delivery] = outbound.recent_deliveries(session, ctx)
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("delivered", 2, "")


def test_message_statuses_recorded_by_the_worker_are_announced(
    session: Session, database_url: str, receiver: Receiver
) -> None:
    ctx, _ = _subscribed(session, receiver.url, ["message.status_changed"])
    outbox._announce(
        session, [outbox.Result(message_id=41, org_id=ctx.org_id, outcome="failed", code="131026")], utcnow()
    )
    session.commit()
    deliver(database_url)
    [event] = receiver.events()
    assert (event["type"], event["data"]["message_id"], event["data"]["status"]) == (
        "message.status_changed",
        41,
        "failed",
    )
    assert event["data"]["error_code"] == "131026"


def test_a_subscription_changed_here_counts_at_once_and_one_changed_elsewhere_within_a_second(
    session: Session, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Status webhooks ask who listens for every group; the answer is reused for a second (services.recent)."""
    clock = [1000.0]
    monkeypatch.setattr(recent.time, "monotonic", lambda: clock[0])
    event = "message.status_changed"
    assert outbound.listening_orgs(session, event) == set()
    ctx, _ = _subscribed(session, receiver.url, [event])
    assert outbound.listening_orgs(session, event) == {ctx.org_id}, "subscribed in this process: heard at once"
    [subscription] = outbound.subscriptions(session, ctx)
    # Another backend process removes it: this one is not told, and stops within the second.
    session.execute(
        update(WebhookSubscription).where(col(WebhookSubscription.id) == subscription.id).values(active=False)
    )
    session.commit()
    assert outbound.listening_orgs(session, event) == {ctx.org_id}
    clock[0] += 1.1
    assert outbound.listening_orgs(session, event) == set()


def test_removing_a_url_drops_what_waits_for_it(session: Session, database_url: str, receiver: Receiver) -> None:
    ctx, _ = _subscribed(session, receiver.url, ["debtor.opted_out"])
    debtor_id, _ = debtor_with_invoice(session, ctx, phone="+393331234567", number="A-1", due=date.today())
    debtors.opt_out(session, ctx, debtor_id, source="api")
    [subscription] = outbound.subscriptions(session, ctx)
    outbound.remove(session, ctx, subscription.id or 0)
    session.commit()
    assert deliver(database_url) == 0
    assert outbound.subscriptions(session, ctx) == []


def test_who_may_subscribe_and_to_what(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    _, owner = sign_up(session)
    collector = add_member(session, owner, "collector")
    with pytest.raises(PermissionDenied):
        outbound.subscribe(session, collector, url="https://example.com/hook", events=["invoice.paid"])
    with pytest.raises(ServiceError, match="event"):
        outbound.subscribe(session, owner, url="https://example.com/hook", events=["invoice.lost"])
    with pytest.raises(ServiceError, match="URL"):
        outbound.subscribe(session, owner, url="ftp://example.com", events=["invoice.paid"])
    production = dataclasses.replace(outbound.settings, environment="production")
    monkeypatch.setattr(outbound, "settings", production)
    for url in ("http://example.com/hook", "https://127.0.0.1/hook", "https://10.1.2.3/x", "https://169.254.169.254/"):
        with pytest.raises(ServiceError):
            outbound.subscribe(session, owner, url=url, events=["invoice.paid"])
    assert not outbound.may_post_to("https://localhost/hook")


def test_removed_urls_leave_room_for_new_ones(session: Session) -> None:
    _, owner = sign_up(session)
    for n in range(outbound.MAX_SUBSCRIPTIONS):
        row, _ = outbound.subscribe(session, owner, url=f"https://example.com/{n}", events=["invoice.paid"])
    with pytest.raises(ServiceError, match="at most"):
        outbound.subscribe(session, owner, url="https://example.com/more", events=["invoice.paid"])
    outbound.remove(session, owner, row.id or 0)
    outbound.subscribe(session, owner, url="https://example.com/more", events=["invoice.paid"])
    assert len(outbound.subscriptions(session, owner)) == outbound.MAX_SUBSCRIPTIONS
