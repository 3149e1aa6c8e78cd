"""/webhooks/whatsapp against crafted POSTs: the signature is checked on the raw bytes before anything
reads the body, a malformed signed body is refused alone, and no POST can fail another POST's events."""

import asyncio
import json
import logging
import threading
import time
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from saas_app.api import webhook_routes
from saas_app.api.app import create_api
from saas_app.models import InboundMessage, WebhookEvent
from saas_app.services import webhooks
from saas_app.whatsapp.webhooks import signature_of
from tests.aio import run
from tests.factories import debtor_with_invoice, sign_up
from tests.integration.services.test_webhooks import SECRET, connect, envelope, reply

NUMBER = "1098765432"
DEEP = b'{"x": {"phone_number_id": "' + NUMBER.encode() + b'"}, "y": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
# Bodies of odd shapes: each once made the whole group of POSTs it arrived with answer 500.
CRAFTED = [
    b'{"object":"whatsapp_business_account","entry":[1]}',
    b'{"object":"whatsapp_business_account","entry":"x"}',
    json.dumps(
        envelope(NUMBER, statuses=[{"id": "wamid.X", "status": "read", "timestamp": 1e30, "recipient_id": "1"}])
    ).encode(),
    b"[" * 100_000,
]
# The same shapes naming our number, so that a signature made with its app secret lets them be read.
SIGNED_MALFORMED = [
    b'{"object":"whatsapp_business_account","entry":[1],"m":{"phone_number_id":"' + NUMBER.encode() + b'"}}',
    b'{"object":"whatsapp_business_account","entry":"x","m":{"phone_number_id":"' + NUMBER.encode() + b'"}}',
    CRAFTED[2],
    DEEP,
]


@pytest.fixture
def client(session: Session) -> TestClient:
    return TestClient(create_api(), follow_redirects=False)


def signed(client: TestClient, body: bytes, signature: str) -> int:
    return client.post("/webhooks/whatsapp", content=body, headers={"X-Hub-Signature-256": signature}).status_code


def stored_events(session: Session) -> int:
    return session.exec(select(func.count()).select_from(WebhookEvent)).one()


def test_crafted_bodies_with_any_signature_are_refused_without_a_500(
    session: Session, client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    _, ctx = sign_up(session)
    connect(session, ctx)
    for body in CRAFTED:
        unsigned = client.post("/webhooks/whatsapp", content=body).status_code
        forged = signed(client, body, "sha256=" + "0" * 64)
        wrong_secret = signed(client, body, signature_of(body, "not-ours"))
        assert (unsigned, forged, wrong_secret) == (401, 403, 403), body[:60]
    assert stored_events(session) == 0
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], "no traceback for a crafted POST"


def test_a_malformed_body_signed_with_our_secret_gets_400_and_changes_nothing(
    session: Session, client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    _, ctx = sign_up(session)
    connect(session, ctx)
    for body in SIGNED_MALFORMED:
        answer = client.post(
            "/webhooks/whatsapp", content=body, headers={"X-Hub-Signature-256": signature_of(body, SECRET)}
        )
        assert answer.status_code == 400, body[:60]
    assert stored_events(session) == 0
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_crafted_posts_in_a_group_fail_none_of_the_valid_ones(session: Session) -> None:
    """40 crafted POSTs among 60 valid replies, written as one group: every valid one is stored."""
    _, ctx = sign_up(session)
    connect(session, ctx)
    debtor_with_invoice(session, ctx, phone="+5511987654321", number="NF-1", due=date(2026, 11, 23))
    session.commit()
    valid = [json.dumps(reply(f"Reply {i}", f"wamid.IN{i}")).encode() for i in range(60)]
    posts = [(body, signature_of(body, SECRET)) for body in valid]
    posts += [(body, "sha256=" + "0" * 64) for body in CRAFTED * 5]
    posts += [(body, signature_of(body, SECRET)) for body in SIGNED_MALFORMED * 5]
    outcomes = webhooks.receive_many(session, posts)
    session.commit()
    assert [o.http_status for o in outcomes] == [200] * 60 + [403] * 20 + [400] * 20
    assert session.exec(select(func.count()).select_from(InboundMessage)).one() == 60
    assert stored_events(session) == 60


def test_with_two_writers_a_second_group_starts_once_enough_posts_wait_never_a_third(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """PostgreSQL's ingester: while a group is written, POSTs wait for it until SECOND_GROUP_AT of them do."""
    lock = threading.Lock()
    at_once, most_at_once, groups = 0, 0, []

    def receive(posts: list[tuple[bytes, str]]) -> list[webhooks.Outcome]:
        nonlocal at_once, most_at_once
        with lock:
            at_once += 1
            most_at_once = max(most_at_once, at_once)
            groups.append([raw for raw, _ in posts])
        time.sleep(0.3)  # the database's answer: long beside the POSTs' 2 ms, so the test holds on a busy machine
        with lock:
            at_once -= 1
        return [webhooks.Outcome(200) for _ in posts]

    monkeypatch.setattr(webhook_routes, "_receive", receive)

    async def a_post_every_2_ms() -> list[webhooks.Outcome]:
        ingester = webhook_routes._Ingester(writers=2)
        posts = []
        for n in range(40):
            posts.append(asyncio.ensure_future(ingester.submit(str(n).encode(), "sha256=x")))
            await asyncio.sleep(0.002)
        return await asyncio.gather(*posts)

    outcomes = run(a_post_every_2_ms())
    assert [outcome.http_status for outcome in outcomes] == [200] * 40
    assert most_at_once == 2
    assert groups[0] == [b"0"], "alone, the first POST is written at once"
    assert len(groups[1]) >= webhook_routes.SECOND_GROUP_AT, "the next ones wait until enough of them do"
    assert sorted(raw for group in groups for raw in group) == sorted(str(n).encode() for n in range(40))


def test_a_group_that_fails_is_written_again_one_post_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever makes a group's transaction fail, only the POST that causes it is answered 500."""
    written: list[list[bytes]] = []

    def receive(posts: list[tuple[bytes, str]]) -> list[webhooks.Outcome]:
        written.append([raw for raw, _ in posts])
        if any(raw == b"poison" for raw, _ in posts):
            raise RuntimeError("a bug this POST triggers")
        return [webhooks.Outcome(200) for _ in posts]

    monkeypatch.setattr(webhook_routes, "_receive", receive)

    async def three_at_once() -> list[object]:
        ingester = webhook_routes._Ingester(writers=1)
        submits = [ingester.submit(raw, "sha256=x") for raw in (b"one", b"poison", b"two")]
        return await asyncio.gather(*submits, return_exceptions=True)

    one, poison, two = run(three_at_once())
    assert isinstance(one, webhooks.Outcome)
    assert isinstance(two, webhooks.Outcome)
    assert (one.http_status, two.http_status) == (200, 200)
    assert isinstance(poison, RuntimeError)
    assert written[0] == [b"one", b"poison", b"two"], "first as one group"
    assert sorted(written[1:]) == [[b"one"], [b"poison"], [b"two"]], "then one at a time"
