"""Debtors' replies as conversations, and a person's answer inside WhatsApp's 24-hour window."""

import json
from datetime import timedelta

import httpx
import pytest
from sqlmodel import Session, select

from saas_app.db import session_scope
from saas_app.models import Debtor, Invoice, Message
from saas_app.services import inbox, webhooks, whatsapp
from saas_app.services.errors import NotFound, PermissionDenied, ServiceError
from saas_app.whatsapp.simulator import create_simulator
from saas_app.whatsapp.webhooks import contact, envelope, signature_of, text_message
from tests.aio import run
from tests.factories import add_member, sign_up
from tests.integration.worker.test_dispatcher import LATER, campaign_world, send_all


def test_a_reply_becomes_a_conversation_a_person_answers_in_the_window(session: Session, database_url: str) -> None:
    ctx, account, state = campaign_world(session, 2)
    send_all(database_url, state)
    first = session.exec(select(Message).order_by(Message.id)).first()
    assert first is not None
    debtor = session.get(Debtor, first.debtor_id)
    assert debtor is not None
    now = LATER + timedelta(minutes=5)  # the worker sent at LATER
    payload = envelope(
        account.waba_id,
        account.phone_number_id,
        account.display_number,
        contacts=[contact(debtor.phone, "Debtor")],
        messages=[text_message("wamid.IN1", debtor.phone, now, "I never received the invoice", first.wamid or "")],
    )
    raw = json.dumps(payload).encode()
    assert webhooks.receive(session, raw, signature_of(raw, whatsapp.app_secret(account))).http_status == 200
    session.commit()

    [conversation] = inbox.conversations(session, ctx)
    assert (conversation.name, conversation.last_intent, conversation.waiting) == (debtor.name, "not_received", 1)
    thread = inbox.thread(session, ctx, debtor.id or 0, now=now)
    assert [e.inbound for e in thread.entries] == [False, True]
    invoice = session.get(Invoice, first.invoice_id)  # the planner's insert order decides which invoice is first
    assert invoice is not None
    expected = f"Hi {debtor.name}, invoice {invoice.number} of €123.45"
    assert thread.entries[0].text.startswith(expected), "what they received"
    assert thread.window_closes_at is not None

    inbox.reply(session, ctx, debtor.id or 0, "  Sorry! Here is the link: https://pay.example.com/INV-0  ", now=now)
    session.commit()
    state.debtor_wrote(account.phone_number_id, debtor.phone)
    state._last_to.clear()  # the reminder went out seconds ago in this test; the pair rate wants 6 s
    assert send_all(database_url, state, wall=lambda: now).stats.sent == 1
    assert state.sent[-1]["type"] == "text"
    assert state.sent[-1]["text"]["body"] == "Sorry! Here is the link: https://pay.example.com/INV-0"
    session.expire_all()
    assert inbox.thread(session, ctx, debtor.id or 0).entries[-1].status == "sent"

    with pytest.raises(ServiceError, match="24 hours"):
        inbox.reply(session, ctx, debtor.id or 0, "Still there?", now=now + timedelta(hours=25))
    viewer = add_member(session, ctx, "viewer")
    with pytest.raises(PermissionDenied):
        inbox.reply(session, viewer, debtor.id or 0, "Hello")
    _, stranger = sign_up(session)
    with pytest.raises(NotFound):
        inbox.thread(session, stranger, debtor.id or 0)
    assert inbox.conversations(session, stranger) == []

    async def mark_read(context) -> bool:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_simulator(state))) as http:
            return await inbox.mark_read(session_scope, context, debtor.id or 0, http)

    session.commit()  # the service reads in a transaction of its own
    assert run(mark_read(ctx))
    assert state.read_receipts == ["wamid.IN1"], "the debtor sees blue ticks on their message"
    with pytest.raises(PermissionDenied):
        run(mark_read(viewer))

    assert inbox.mark_handled(session, ctx, debtor.id or 0) == 1
    session.commit()
    assert inbox.conversations(session, ctx)[0].waiting == 0
