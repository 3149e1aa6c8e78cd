"""The invoice as a document in the chat: on a person's request, and at once when the debtor says
they never received it."""

import time
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, col, select

from saas_app.models import InboundMessage, Invoice, Message
from saas_app.services import inbox, invoices
from saas_app.services.errors import ServiceError
from tests.factories import debtor_with_invoice, sign_up
from tests.integration.services.test_webhooks import client, connect, post  # noqa: F401 (client is a fixture)
from tests.integration.services.test_webhooks import reply as reply_payload
from tests.integration.worker.test_dispatcher import campaign_world
from tests.integration.worker.test_meta_rules import QUIET, messages, send_due

PDF = "https://billing.example.com/invoices/NF-1.pdf"


def test_the_document_link_must_be_a_public_https_address(session: Session) -> None:
    _, ctx = sign_up(session)
    _, invoice_id = debtor_with_invoice(session, ctx, phone="+393471234567", number="A-1", due=date(2026, 11, 30))
    data = invoices.input_of(invoices.get_invoice(session, ctx, invoice_id))
    for bad in ("http://billing.example.com/a.pdf", "https://billing.example.com/a b.pdf", "file:///etc/passwd"):
        with pytest.raises(ServiceError) as refused:
            invoices.update_invoice(session, ctx, invoice_id, data.__class__(**{**data.__dict__, "document_url": bad}))
        assert refused.value.field == "document_url"
    saved = invoices.update_invoice(session, ctx, invoice_id, data.__class__(**{**data.__dict__, "document_url": PDF}))
    assert saved.document_url == PDF


def test_a_person_sends_the_invoice_and_the_worker_delivers_it_as_a_document(
    session: Session, database_url: str
) -> None:
    ctx, account, state = campaign_world(session, 1, behaviour=QUIET)
    reminder = session.exec(select(Message)).one()
    session.execute(update(Message).values(status="sent"))  # the reminder went out days ago
    session.execute(update(Invoice).where(col(Invoice.id) == reminder.invoice_id).values(document_url=PDF))
    invoice = session.get(Invoice, reminder.invoice_id)
    assert invoice is not None
    with pytest.raises(ServiceError, match="24 hours"):  # they have not written: WhatsApp wants a template
        inbox.send_invoice(session, ctx, reminder.debtor_id, invoice.id or 0)

    now = inbox.utcnow()
    session.add(
        InboundMessage(
            org_id=ctx.org_id, debtor_id=reminder.debtor_id, wamid="wamid.IN9", sender="393330000000", received_at=now
        )
    )
    state.debtor_wrote(account.phone_number_id, "+393330000000")
    inbox.send_invoice(session, ctx, reminder.debtor_id, invoice.id or 0, now)
    session.commit()

    send_due(database_url, state, now)
    [request] = state.sent
    assert request["type"] == "document"
    assert request["document"]["link"] == PDF
    assert request["document"]["filename"] == f"{invoice.number}.pdf"
    assert [(m.kind, m.status) for m in messages(session)] == [("reminder", "sent"), ("document", "sent")]


def test_i_never_got_the_invoice_gets_it_at_once(session: Session, client: TestClient) -> None:  # noqa: F811
    _, ctx = sign_up(session)
    connect(session, ctx)
    _, invoice_id = debtor_with_invoice(
        session, ctx, phone="+5511987654321", number="NF-1", due=date(2026, 11, 30), locale="pt_BR"
    )
    session.execute(update(Invoice).where(col(Invoice.id) == invoice_id).values(document_url=PDF))
    session.commit()
    payload = reply_payload("Oi, não recebi a fatura", "wamid.IN1", sender="5511987654321")
    payload["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"] = str(int(time.time()))
    assert post(client, payload) == 200
    [document] = session.exec(select(Message)).all()
    assert (document.kind, document.invoice_id, document.status, document.text) == (
        "document",
        invoice_id,
        "scheduled",
        "NF-1",
    )
    [stored] = session.exec(select(InboundMessage)).all()
    assert stored.intent == "not_received"  # and it waits in the inbox for a person as well
