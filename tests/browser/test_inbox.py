"""The inbox as a collector uses it: a debtor's reply, read, answered, marked handled."""

import json
import uuid
from datetime import UTC, datetime

from playwright.sync_api import expect
from sqlmodel import Session, select

from saas_app import db
from saas_app.models import Invoice, Message, Organization, User, WhatsAppAccount
from saas_app.services import webhooks, whatsapp
from saas_app.services.context import OrgContext
from saas_app.whatsapp.webhooks import contact, envelope, signature_of, text_message
from tests.browser.test_signup_and_team import sign_up
from tests.factories import debtor_with_invoice


def a_debtor_replies(database_url: str, company: str, email: str) -> None:
    """What Meta would deliver: a reply to the organization's sandbox number, signed."""
    with Session(db.engine_for(database_url)) as session:
        org_id = session.exec(select(Organization.id).where(Organization.name == company)).one()
        user_id = session.exec(select(User.id).where(User.email == email)).one()
        ctx = OrgContext(user_id=user_id, org_id=org_id or 0, role="owner")
        debtor_with_invoice(session, ctx, phone="+393331234567", number="FT-7", due=datetime.now(UTC).date())
        account = session.exec(select(WhatsAppAccount).where(WhatsAppAccount.org_id == org_id)).one()
        now = datetime.now(UTC)
        payload = envelope(
            account.waba_id,
            account.phone_number_id,
            account.display_number,
            contacts=[contact("+393331234567", "Lucia")],
            messages=[
                text_message("wamid.IN-UI", "+393331234567", now, "Non ho ricevuto la fattura, me la rimandate?")
            ],
        )
        raw = json.dumps(payload).encode()
        assert webhooks.receive(session, raw, signature_of(raw, whatsapp.app_secret(account))).http_status == 200
        session.commit()


def test_a_collector_reads_a_reply_answers_it_and_marks_it_handled(new_page, app_server) -> None:
    suffix = uuid.uuid4().hex[:6]
    page = new_page()
    company, email = f"Lucia Srl {suffix}", f"lucia-{suffix}@example.com"
    sign_up(page, name="Lucia", email=email, company=company)
    page.goto("/inbox")
    expect(page.get_by_text("No replies yet")).to_be_visible()
    a_debtor_replies(app_server.database_url, company, email)
    page.reload()
    conversation = page.locator(".conversation").first
    expect(conversation).to_contain_text("Did not receive the invoice")
    conversation.click()
    expect(page.locator("#thread")).to_contain_text("Non ho ricevuto la fattura")
    expect(page.locator("#window-note")).to_contain_text("You can answer freely until")
    page.fill("#reply-text", "Gliela rimandiamo subito, grazie!")
    page.click("#reply-send")
    expect(page.get_by_text("Reply queued")).to_be_visible()
    expect(page.locator("#thread .entry-out")).to_contain_text("Gliela rimandiamo subito")  # queued for the worker
    with Session(db.engine_for(app_server.database_url)) as session:
        queued = session.exec(select(Message).where(Message.text == "Gliela rimandiamo subito, grazie!")).one()
        assert (queued.status, queued.template_id) == ("scheduled", None)
    # The billing system adds the invoice's PDF: a person sends it in the chat the debtor opened.
    with Session(db.engine_for(app_server.database_url)) as session:
        invoice = session.exec(select(Invoice).where(Invoice.number == "FT-7")).one()
        invoice.document_url = "https://billing.example.com/FT-7.pdf"
        session.add(invoice)
        session.commit()
    page.reload()
    page.locator(".conversation").first.click()
    page.get_by_role("button", name="Send invoice FT-7").click()
    expect(page.get_by_text("Invoice queued")).to_be_visible()
    with Session(db.engine_for(app_server.database_url)) as session:
        document = session.exec(select(Message).where(Message.kind == "document")).one()
        assert (document.status, document.text) == ("scheduled", "FT-7")
    page.screenshot(path="artifacts/inbox.png", full_page=True)
    page.click("#mark-handled")
    expect(page.locator(".conversation .rt-Badge").filter(has_text="1")).to_have_count(0)
