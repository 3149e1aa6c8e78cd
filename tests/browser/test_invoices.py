"""The invoices as a finance team works them: what is owed, narrowed and sorted, a payment recorded."""

import re
import uuid
from datetime import timedelta

from playwright.sync_api import Page, expect
from sqlalchemy import update
from sqlmodel import Session, col, select

from saas_app import db
from saas_app.core.money import format_money
from saas_app.models import Invoice, Organization
from tests.browser.test_signup_and_team import ARTIFACTS, sign_up
from tests.browser.test_workspace_lists import log_in, owner_context
from tests.factories import PASSWORD, add_member, debtor_with_invoice, today_of


def three_invoices(database_url: str, company: str, email: str, viewer: str) -> str:
    """Three invoices in the organization's own currency, one 40 days overdue; a viewer. Returns the currency."""
    with Session(db.engine_for(database_url), expire_on_commit=False) as session:
        ctx = owner_context(session, company, email)
        currency = session.exec(select(Organization.currency).where(Organization.id == ctx.org_id)).one()
        today = today_of(session, ctx)
        for n, (days, amount) in enumerate(((-40, 50_000), (3, 12_345), (-2, 80_000)), start=1):
            _, invoice_id = debtor_with_invoice(
                session, ctx, phone=f"+39333100{n:04d}", number=f"INV-{n}", due=today + timedelta(days=days)
            )
            session.execute(
                update(Invoice).where(col(Invoice.id) == invoice_id).values(currency=currency, amount_minor=amount)
            )
        session.commit()
        add_member(session, ctx, "viewer", email=viewer)
        return currency


def numbers(page: Page) -> list[str]:
    return page.locator(".invoice-row .invoice-number").all_inner_texts()


def test_a_collector_narrows_sorts_and_records_a_partial_payment(new_page, app_server) -> None:
    suffix = uuid.uuid4().hex[:6]
    page = new_page()
    company, email, viewer = f"Conti Srl {suffix}", f"conti-{suffix}@example.com", f"vera-{suffix}@example.com"
    sign_up(page, name="Carla", email=email, company=company)
    currency = three_invoices(app_server.database_url, company, email, viewer)

    page.goto("/invoices")
    rows = page.locator(".invoice-row")
    expect(rows).to_have_count(3)
    expect(rows.first.locator(".invoice-number")).to_have_text("INV-1")
    expect(rows.first.locator(".invoice-amount")).to_have_text(format_money(50_000, currency, "en"))
    expect(rows.first.locator(".invoice-age")).to_have_text("40 days overdue")
    expect(page.locator(".currency-total .total-outstanding")).to_have_text(format_money(142_345, currency, "en"))
    expect(page.locator(".currency-total .total-overdue")).to_have_text(format_money(130_000, currency, "en"))
    page.screenshot(path=f"{ARTIFACTS}/invoices.png", full_page=True)

    page.click("#sort-outstanding")  # the largest debt first
    expect(rows.first.locator(".invoice-number")).to_have_text("INV-3")
    assert numbers(page) == ["INV-3", "INV-1", "INV-2"]
    page.click("#sort-outstanding")
    expect(rows.first.locator(".invoice-number")).to_have_text("INV-2")

    page.get_by_label("Age", exact=True).click()  # each menu is named by the label above it
    page.get_by_role("option", name="31–90 days overdue").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("INV-1")
    expect(page.locator(".currency-total .total-outstanding")).to_have_text(format_money(50_000, currency, "en"))
    page.click("#filter-clear")
    expect(rows).to_have_count(3)
    page.get_by_label("Invoice number or debtor").fill("inv-2")
    page.press("#filter-search", "Enter")
    expect(rows).to_have_count(1)
    page.click("#filter-clear")
    expect(rows).to_have_count(3)

    late = rows.filter(has_text="INV-3")
    late.locator(".row-actions").click()
    page.locator(".action-pay").click()
    expect(page.locator("#dialog-title")).to_have_text("Record a payment on invoice INV-3")
    expect(page.locator("#amount")).to_have_value("800.00")
    page.fill("#amount", "1000")
    page.click("#dialog-confirm")
    expect(page.locator("#amount-error")).to_have_text("That is more than what is still owed on invoice INV-3.")
    page.fill("#amount", "300")
    page.click("#dialog-confirm")
    expect(page.locator("#invoice-dialog")).to_have_count(0)
    expect(late.locator(".invoice-outstanding")).to_have_text(format_money(50_000, currency, "en"))
    expect(late.locator(".invoice-status")).to_have_text("Partly paid")
    expect(page.locator(".currency-total .total-outstanding")).to_have_text(format_money(112_345, currency, "en"))
    page.screenshot(path=f"{ARTIFACTS}/invoices-paid-in-part.png", full_page=True)

    reader = new_page()
    log_in(reader, viewer, PASSWORD)
    reader.goto("/invoices")
    expect(reader.locator(".invoice-row")).to_have_count(3)
    expect(reader.locator(".invoice-row").filter(has_text="INV-3").locator(".invoice-outstanding")).to_have_text(
        format_money(50_000, currency, "en")
    )
    expect(reader.locator(".row-actions")).to_have_count(0)
    expect(reader.locator(".row-select")).to_have_count(0)
    expect(reader.locator("#select-page")).to_have_count(0)
    expect(reader.locator("#import-open")).to_have_count(0)
    expect(reader.locator("#role-badge")).to_have_text("Viewer")
    reader.screenshot(path=f"{ARTIFACTS}/invoices-viewer.png", full_page=True)

    stranger = new_page()
    sign_up(stranger, name="Eve", email=f"eve-{suffix}@example.com", company=f"Eve Ltd {suffix}")
    stranger.goto("/invoices")
    expect(stranger.get_by_text("No invoices yet")).to_be_visible()
    expect(stranger.get_by_text("INV-1")).to_have_count(0)
    expect(stranger).to_have_url(re.compile(r"/invoices/?$"))


def test_start_a_campaign_from_two_ticked_invoices(new_page, app_server) -> None:
    suffix = uuid.uuid4().hex[:6]
    page = new_page()
    company, email, viewer = f"Scelta Srl {suffix}", f"sara-{suffix}@example.com", f"vito-{suffix}@example.com"
    sign_up(page, name="Sara", email=email, company=company)
    three_invoices(app_server.database_url, company, email, viewer)

    page.goto("/invoices")
    rows = page.locator(".invoice-row")
    expect(rows).to_have_count(3)
    expect(page.locator("#bulk-start-campaign")).to_have_count(0)
    rows.filter(has_text="INV-1").locator(".row-select").click()
    rows.filter(has_text="INV-3").locator(".row-select").click()
    expect(page.locator("#selected-count")).to_have_text("2")
    page.locator("#bulk-start-campaign").click()

    expect(page).to_have_url(re.compile(r"/campaigns/new\?invoices=\d+,\d+$"))
    expect(page.locator("#picked-count")).to_have_text("2")
    expect(page.locator("#picked-numbers")).to_have_text("INV-1, INV-3")
    expect(page.locator("#count-invoices")).to_contain_text("2")
    expect(page.locator("#count-debtors")).to_contain_text("2")
    page.screenshot(path=f"{ARTIFACTS}/campaign-launch-picked.png", full_page=True)
    page.get_by_role("button", name="Use rules instead").click()
    expect(page.locator("#count-invoices")).to_contain_text("3")

    reader = new_page()
    log_in(reader, viewer, PASSWORD)
    reader.goto("/invoices")
    expect(reader.locator(".invoice-row")).to_have_count(3)
    expect(reader.locator("#bulk-start-campaign")).to_have_count(0)
