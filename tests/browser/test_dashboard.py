"""The dashboard as a finance team reads it: first steps for a new organization, then what is owed and came in."""

import uuid
from datetime import timedelta

from playwright.sync_api import expect
from sqlmodel import Session

from saas_app import db
from saas_app.core.money import format_money
from saas_app.services import debtors, invoices
from tests.browser.test_signup_and_team import ARTIFACTS, sign_up
from tests.browser.test_workspace_lists import log_in, owner_context
from tests.factories import PASSWORD, add_member, today_of


def owes(database_url: str, company: str, email: str, viewer: str) -> None:
    """Euros: 100.00 not due, 200.00 ten days late (50.00 of it paid today), 300.00 sixty days late; reais: 70.00."""
    with Session(db.engine_for(database_url), expire_on_commit=False) as session:
        ctx = owner_context(session, company, email)
        today = today_of(session, ctx)
        for n, (amount, late, currency) in enumerate(
            [(10_000, -10, "EUR"), (20_000, 10, "EUR"), (30_000, 60, "EUR"), (7_000, 5, "BRL")]
        ):
            debtor = debtors.create_debtor(
                session, ctx, debtors.DebtorInput(name=f"Cliente {n}", phone=f"+39333200000{n}")
            )
            invoice = invoices.create_invoice(
                session,
                ctx,
                invoices.InvoiceInput(
                    debtor_id=debtor.id or 0,
                    number=f"F-{n}",
                    amount_minor=amount,
                    currency=currency,
                    due_on=today - timedelta(days=late),
                ),
            )
            if n == 1:
                invoices.record_payment(session, ctx, invoice.id or 0, amount_minor=5_000, paid_on=today)
        add_member(session, ctx, "viewer", email=viewer)
        session.commit()


def test_a_new_organization_is_guided_then_reads_what_is_owed_by_age_and_currency(new_page, app_server) -> None:
    suffix = uuid.uuid4().hex[:6]
    page = new_page()
    company, email, viewer = f"Luisa Srl {suffix}", f"luisa-{suffix}@example.com", f"nino-{suffix}@example.com"
    sign_up(page, name="Luisa", email=email, company=company)
    steps = page.locator("#first-steps")
    expect(steps).to_contain_text("Your first campaign in four steps")
    expect(steps.get_by_role("link", name="Go to debtors")).to_be_visible()
    expect(page.get_by_text("Nothing owed yet")).to_be_visible()
    page.screenshot(path=f"{ARTIFACTS}/dashboard-new.png", full_page=True)

    owes(app_server.database_url, company, email, viewer)
    page.reload()
    euros = lambda minor: format_money(minor, "EUR", "en")  # noqa: E731 - a short local formatter
    expect(page.locator("#outstanding")).to_have_text(euros(55_000))
    expect(page.locator("#overdue")).to_have_text(euros(45_000))
    expect(page.locator("#recovered")).to_have_text(euros(5_000))
    expect(page.locator("#figures")).to_contain_text("3 invoices still owed")
    expect(page.locator("#figures")).to_contain_text("2 invoices past their due date")
    ageing = page.locator("#ageing")
    for label, minor in (("Not yet due", 10_000), ("1-30 days late", 15_000), ("31-90 days late", 30_000)):
        expect(ageing).to_contain_text(f"{label}{euros(minor)}")
    expect(page.locator("#ageing-chart")).to_be_visible()
    expect(page.locator("#recovered-chart")).to_be_visible()
    # The debtors step ticks itself: its link to the debtors page is gone.
    expect(steps.get_by_role("link", name="Go to debtors")).to_have_count(0)
    page.screenshot(path=f"{ARTIFACTS}/dashboard.png", full_page=True)

    page.locator("#currency").click()
    page.get_by_role("option", name="BRL").click()
    expect(page.locator("#outstanding")).to_have_text(format_money(7_000, "BRL", "en"))
    expect(page.locator("#recovered-none")).to_contain_text("No payment came in over these weeks.")

    reader = new_page()
    log_in(reader, viewer, PASSWORD)
    expect(reader.locator("#outstanding")).to_have_text(euros(55_000))
