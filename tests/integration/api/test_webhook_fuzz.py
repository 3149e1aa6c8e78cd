"""The two doors the internet posts to, fuzzed: Meta's WhatsApp webhook and a tenant's payment webhook.

The property, for any body: a clear answer (200 stored, 400 malformed, 401 unsigned, 403 mis-signed,
404 unknown endpoint), never a 500, never a traceback in the log, and never a change from a request
that was not signed with the tenant's secret. Bodies are Meta's and Stripe's real shapes with any
part swapped for any JSON value (NaN, 1e308, deep lists, odd text), or plain bytes.
"""

import json
import logging
import time
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, func, select

from saas_app.api.app import create_api
from saas_app.core import signatures
from saas_app.models import InboundMessage, Message, Payment, PaymentEvent, WebhookEvent
from saas_app.services import payment_webhooks
from saas_app.whatsapp.webhooks import signature_of
from tests.factories import sign_up
from tests.integration.services.test_webhooks import SECRET, connect
from tests.properties import examples

NUMBER = "1098765432"
STRIPE_SECRET = "whsec_fuzz_0123456789abcdef"
FUZZ = settings(
    max_examples=examples(40),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Any JSON value, including what Python's json module writes but JSON forbids (NaN, Infinity).
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(["", "0", "1e30", "\u202e", "wamid.X", NUMBER, "read", "failed", "text", "button"]),
)
junk = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=12,
)


def maybe(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly the value Meta or Stripe would send, sometimes anything at all."""
    return st.one_of(valid, valid, valid, junk)


def fields(**shape: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A JSON object whose fields each may be sent right, wrong, or left out."""
    return st.fixed_dictionaries({}, optional={name: maybe(value) for name, value in shape.items()})


timestamps = st.one_of(st.integers(0, 4_000_000_000).map(str), st.just("1795000000"))
statuses = fields(
    id=st.sampled_from(["wamid.A", "wamid.B"]),
    status=st.sampled_from(["sent", "delivered", "read", "failed", "deleted"]),
    timestamp=timestamps,
    recipient_id=st.just("5511987654321"),
    errors=st.lists(fields(code=st.integers(0, 200_000), title=st.text(max_size=20)), max_size=2),
)
messages = fields(
    id=st.sampled_from(["wamid.in1", "wamid.in2"]),
    timestamp=timestamps,
    type=st.sampled_from(["text", "button", "interactive", "image", "unsupported"]),
    text=fields(body=st.text(max_size=80)),
    button=fields(text=st.text(max_size=20), payload=st.text(max_size=20)),
    context=fields(id=st.just("wamid.A"), **{"from": st.just(NUMBER)}),
    **{"from": st.sampled_from(["5511987654321", "393331234567"])},
)
values = fields(
    messaging_product=st.just("whatsapp"),
    metadata=st.fixed_dictionaries({"phone_number_id": st.just(NUMBER)}),
    statuses=st.lists(statuses, max_size=3),
    messages=st.lists(messages, max_size=2),
    contacts=st.lists(fields(wa_id=st.just("5511987654321"), profile=fields(name=st.text(max_size=20))), max_size=2),
    event=st.sampled_from(["APPROVED", "REJECTED", "PAUSED"]),
)
changes = fields(field=st.sampled_from(["messages", "message_template_status_update"]), value=values)
envelopes = fields(
    object=st.just("whatsapp_business_account"),
    entry=st.lists(fields(id=st.just("WABA"), changes=st.lists(changes, max_size=2)), max_size=2),
)


def as_bytes(document: Any) -> bytes:
    """What reaches the socket: Python's JSON, NaN and all, and the phone number our scan looks for."""
    raw = json.dumps(document).encode()
    return raw if NUMBER.encode() in raw else raw[:-1] + b', "n": {"phone_number_id": "' + NUMBER.encode() + b'"}}'


# Nesting deeper than any parser's recursion limit, beside fields an event needs.
depths = st.sampled_from([1, 1_000, 100_000])
deep = depths.map(
    lambda n: (
        b'{"id": "evt_deep", "metadata": {"phone_number_id": "%s"}, "data": %s%s}'
        % (NUMBER.encode(), b"[" * n, b"]" * n)
    )
)
bodies = st.one_of(envelopes.map(as_bytes), envelopes.map(as_bytes), st.binary(max_size=200), deep)


def counts(session: Session, *tables: type) -> tuple[int, ...]:
    session.expire_all()
    return tuple(session.exec(select(func.count()).select_from(table)).one() for table in tables)


def no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    errors = [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]
    assert not errors, errors


def test_whatsapp_webhook_answers_any_body_clearly_and_unsigned_ones_change_nothing(
    session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    _, ctx = sign_up(session)
    connect(session, ctx, NUMBER)
    client = TestClient(create_api())
    tables = (WebhookEvent, InboundMessage, Message)

    @FUZZ
    @given(body=bodies)
    def answers(body: bytes) -> None:
        def post(signature: str | None) -> int:
            headers = {"X-Hub-Signature-256": signature} if signature is not None else {}
            return client.post("/webhooks/whatsapp", content=body, headers=headers).status_code

        before = counts(session, *tables)
        assert (post(None), post("sha256=" + "0" * 64), post(signature_of(body, "not-ours"))) == (401, 403, 403)
        assert counts(session, *tables) == before, "a request without our signature changed something"
        status = post(signature_of(body, SECRET))
        # Signed but about no number of ours (no events, or events without their number): 403.
        assert status in (200, 400, 403), status
        if status != 200:
            assert counts(session, *tables) == before, "a refused body changed something"
        no_traceback(caplog)

    answers()


def stripe_event(data: dict[str, Any]) -> dict[str, Any]:
    return {"id": "evt_fuzz", "object": "event", "type": "checkout.session.completed", "data": {"object": data}}


checkout = fields(
    id=st.just("cs_fuzz"),
    amount_total=st.integers(-(10**20), 10**20),
    currency=st.sampled_from(["eur", "brl", "EUR", "xxx", ""]),
    payment_status=st.sampled_from(["paid", "unpaid"]),
    payment_intent=st.text(max_size=20),
    client_reference_id=st.one_of(st.none(), st.text(max_size=10)),
    metadata=fields(cobro_invoice_id=st.one_of(st.integers().map(str), st.text(max_size=10))),
)
events = st.one_of(checkout.map(stripe_event), fields(id=st.text(max_size=10), type=st.text(max_size=30), data=junk))
payment_bodies = st.one_of(events.map(lambda e: json.dumps(e).encode()), st.binary(max_size=200), deep)


@pytest.fixture
def tenant(session: Session) -> tuple[str, str]:
    _, ctx = sign_up(session)
    row = payment_webhooks.set_stripe_secret(session, ctx, STRIPE_SECRET)
    ours = payment_webhooks.new_signing_secret(session, ctx)
    session.commit()
    return f"/webhooks/payments/{row.public_id}", ours


def test_payment_webhook_answers_any_body_clearly_and_unsigned_ones_change_nothing(
    session: Session, tenant: tuple[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    path, our_secret = tenant
    client = TestClient(create_api())
    tables = (PaymentEvent, Payment)

    @FUZZ
    @given(body=payment_bodies, clock=st.sampled_from([0, -3600]))
    def answers(body: bytes, clock: int) -> None:
        def post(header: str, sign: Callable[[bytes], str]) -> int:
            return client.post(path, content=body, headers={header: sign(body)}).status_code

        def signed_with(secret: str) -> Callable[[bytes], str]:
            return lambda raw: signatures.header(secret, int(time.time()) + clock, raw)

        before = counts(session, *tables)
        forged = [
            client.post(path, content=body).status_code,
            post("Stripe-Signature", signed_with("whsec_not_ours")),
            post("Cobro-Signature", signed_with("whsec_not_ours")),
            post("Stripe-Signature", lambda _raw: "t=1,v1=" + "0" * 64),
        ]
        assert forged == [400] * 4, forged
        assert client.post("/webhooks/payments/not-an-endpoint", content=body).status_code == 404
        assert counts(session, *tables) == before, "a request without the tenant's signature changed something"
        for header, secret in (("Stripe-Signature", STRIPE_SECRET), ("Cobro-Signature", our_secret)):
            status = post(header, signed_with(secret))
            assert status in (200, 400), status
        no_traceback(caplog)

    answers()
