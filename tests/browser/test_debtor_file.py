"""The debtor's file as a finance team uses it: opened from the list, what is owed and everything that happened,
a note, a phone typed wrong and put right with nothing lost, a partial payment, and a viewer who only reads."""

import re
import uuid
from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from saas_app import db
from saas_app.models import Debtor, InboundMessage, Message
from saas_app.services import invoices
from tests.browser.test_signup_and_team import ARTIFACTS, sign_up
from tests.browser.test_workspace_lists import log_in, owner_context
from tests.factories import PASSWORD, add_member, debtor_with_invoice, today_of


def a_debtor_who_was_reminded_and_replied(database_url: str, company: str, email: str, viewer: str) -> tuple[int, int]:
    """A debtor 12 days late on A-1 (€123.45), a reminder they read and their reply: (debtor id, invoice id)."""
    with Session(db.engine_for(database_url), expire_on_commit=False) as session:
        ctx = owner_context(session, company, email)
        debtor, invoice = debtor_with_invoice(
            session, ctx, phone="+393331000001", number="A-1", due=today_of(session, ctx) - timedelta(days=12)
        )
        sent = datetime.now(UTC) - timedelta(hours=3)
        session.add(
            Message(
                org_id=ctx.org_id,
                debtor_id=debtor,
                invoice_id=invoice,
                scheduled_at=sent,
                sent_at=sent,
                delivered_at=sent,
                read_at=sent + timedelta(minutes=5),
                status="read",
                text="Hi *Debtor A-1*, invoice A-1 of €123.45 is 12 days overdue.",
            )
        )
        session.add(
            InboundMessage(
                org_id=ctx.org_id,
                debtor_id=debtor,
                wamid=f"wamid.{uuid.uuid4().hex}",
                sender="393331000001",
                text="I need a few more days",
                intent="need_time",
                received_at=sent + timedelta(minutes=10),
            )
        )
        session.commit()
        add_member(session, ctx, "viewer", email=viewer)
        return debtor, invoice


def stored_debtor(database_url: str, debtor_id: int) -> Debtor:
    with Session(db.engine_for(database_url), expire_on_commit=False) as session:
        found = session.exec(select(Debtor).where(Debtor.id == debtor_id)).one()
        return found


def test_a_debtors_file_from_the_list_to_a_partial_payment(new_page, app_server) -> None:
    suffix = uuid.uuid4().hex[:6]
    page: Page = new_page()
    company, email, viewer = f"Rossi Srl {suffix}", f"marta-{suffix}@example.com", f"vito-{suffix}@example.com"
    sign_up(page, name="Marta", email=email, company=company)
    debtor_id, invoice_id = a_debtor_who_was_reminded_and_replied(app_server.database_url, company, email, viewer)

    page.goto("/debtors")
    row = page.locator(".debtor-row")
    expect(row).to_have_count(1)
    expect(row.locator(".debtor-outstanding")).to_have_text("€123.45")
    expect(row.locator(".debtor-days-overdue")).to_have_text("12")
    expect(row.locator(".debtor-behaviour")).to_have_text("Late")
    row.get_by_role("link", name="Debtor A-1").click()
    expect(page).to_have_url(re.compile(rf"/debtors/{debtor_id}/?$"))

    expect(page.locator("#debtor-name")).to_have_text("Debtor A-1")
    expect(page.locator("#file-outstanding")).to_contain_text("€123.45")
    expect(page.locator("#file-days-overdue")).to_contain_text("12 days")
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("I need a few more days")
    expect(timeline).to_contain_text("Needs more time")
    expect(timeline).to_contain_text("Reminder for invoice A-1")
    expect(timeline.locator(".event-chat").first).to_be_visible()

    page.fill("#note", "Called: she pays half on Friday.")
    page.click("#add-note")
    expect(timeline.locator(".event-note").first).to_have_text("Called: she pays half on Friday.")
    expect(page.locator("#note")).to_have_value("")

    page.fill("#name", "Ana Bianchi")
    page.fill("#phone", "12345")
    page.fill("#email", "ana@example.com")
    page.click("#profile-save")
    expect(page.locator("#phone-error")).to_contain_text("12345 is not a valid phone number.")
    expect(page.locator("#phone-error")).to_contain_text("with its country code")
    for field, typed in (("#name", "Ana Bianchi"), ("#phone", "12345"), ("#email", "ana@example.com")):
        expect(page.locator(field)).to_have_value(typed)  # nothing typed is lost
    assert stored_debtor(app_server.database_url, debtor_id).name == "Debtor A-1"  # and nothing was saved
    page.screenshot(path=f"{ARTIFACTS}/debtor-file-bad-phone.png", full_page=True)

    page.fill("#phone", "+39 333 777 8888")
    page.click("#profile-save")
    expect(page.locator("#debtor-name")).to_have_text("Ana Bianchi")
    expect(page.locator("#phone-error")).to_have_count(0)
    assert stored_debtor(app_server.database_url, debtor_id).phone == "+393337778888"
    expect(timeline.locator(".event-title").first).to_have_text("Profile changed: name, phone, email")

    page.click("#locale")  # every locale of our languages, by its name: a Mexican debtor reads $9,500.00
    page.get_by_role("option", name="Spanish (Mexico)", exact=True).click()
    page.click("#profile-save")
    expect(timeline.locator(".event-title").first).to_have_text("Profile changed: language")
    expect(page.locator("#locale")).to_have_text("Spanish (Mexico)")
    assert stored_debtor(app_server.database_url, debtor_id).locale == "es_MX"

    with Session(db.engine_for(app_server.database_url)) as session:  # the payment /invoices records
        owner = owner_context(session, company, email)
        invoices.record_payment(session, owner, invoice_id, amount_minor=2_345, paid_on=today_of(session, owner))
        session.commit()
    page.reload()
    expect(page.locator("#file-outstanding")).to_contain_text("€100.00")
    expect(page.locator(".invoice-balance")).to_have_text("€100.00")
    expect(timeline.locator(".event-title").first).to_have_text("Payment of €23.45 on invoice A-1")
    expect(timeline.locator(".event-detail").first).to_contain_text("€100.00 left to pay")
    page.screenshot(path=f"{ARTIFACTS}/debtor-file.png", full_page=True)

    printed = new_page()
    log_in(printed, email, "a long enough password")
    printed.goto(f"/debtors/{debtor_id}/print")
    expect(printed.locator("#print-name")).to_contain_text("Ana Bianchi")
    expect(printed.locator("#print-timeline")).to_contain_text("Payment of €23.45 on invoice A-1")
    expect(printed.locator("#print-timeline")).to_contain_text("Called: she pays half on Friday.")
    printed.screenshot(path=f"{ARTIFACTS}/debtor-file-print.png", full_page=True)

    reader = new_page()
    log_in(reader, viewer, PASSWORD)
    reader.goto(f"/debtors/{debtor_id}")
    expect(reader.locator("#debtor-name")).to_have_text("Ana Bianchi")
    expect(reader.locator("#profile-facts")).to_contain_text("+39 333 777 8888")
    expect(reader.locator("#profile-facts")).to_contain_text("Spanish (Mexico)")
    expect(reader.locator("#timeline")).to_contain_text("Called: she pays half on Friday.")
    for action in ("#note", "#add-note", "#profile-save", "#name", "#assign-select", "#record-opt-out"):
        expect(reader.locator(action)).to_have_count(0)
    expect(reader.locator("#export-csv")).to_be_visible()  # reading, and taking a copy, is a viewer's right
    reader.screenshot(path=f"{ARTIFACTS}/debtor-file-viewer.png", full_page=True)

    stranger = new_page()
    sign_up(stranger, name="Eve", email=f"eve-{suffix}@example.com", company=f"Eve Ltd {suffix}")
    stranger.goto(f"/debtors/{debtor_id}")
    expect(stranger.get_by_role("alert")).to_contain_text("This debtor does not exist.")
    expect(stranger.get_by_text("Ana Bianchi")).to_have_count(0)
