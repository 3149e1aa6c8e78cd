"""New campaign from the browser: build a segment and watch the count follow, choose a cadence, see the
preview, launch and land on the campaign; a viewer sees no launch."""

import uuid
from datetime import timedelta

from playwright.sync_api import expect
from sqlmodel import Session

from saas_app import db
from saas_app.models import Debtor
from tests.browser.test_signup_and_team import ARTIFACTS, sign_up
from tests.browser.test_workspace_lists import log_in, owner_context
from tests.factories import PASSWORD, add_member, debtor_with_invoice, simple_cadence, today_of


def three_late_invoices(database_url: str, company: str, email: str, viewer: str) -> int:
    """Invoices 5, 45 and 100 days overdue, a ready cadence and a viewer; the cadence's id."""
    with Session(db.engine_for(database_url), expire_on_commit=False) as session:
        ctx = owner_context(session, company, email)
        today = today_of(session, ctx)
        for n, late in enumerate((5, 45, 100)):
            debtor_with_invoice(
                session, ctx, phone=f"+39333100020{n}", number=f"L-{n}", due=today - timedelta(days=late)
            )
        add_member(session, ctx, "viewer", email=viewer)
        return simple_cadence(session, ctx)


def test_build_a_segment_preview_and_launch(new_page, app_server) -> None:
    suffix = uuid.uuid4().hex[:6]
    page = new_page()
    company, email, viewer = f"Lancio Srl {suffix}", f"lia-{suffix}@example.com", f"vera-{suffix}@example.com"
    sign_up(page, name="Lia", email=email, company=company)
    cadence_id = three_late_invoices(app_server.database_url, company, email, viewer)

    page.goto("/campaigns")
    page.locator("#new-campaign").click()
    expect(page).to_have_url(f"{app_server.url}/campaigns/new")
    count = page.locator("#count-invoices")
    expect(count).to_contain_text("3")
    page.locator("#min_days").fill("30")
    expect(count).to_contain_text("2")
    page.locator("#max_days").fill("60")
    expect(count).to_contain_text("1")
    page.locator("#max_days").fill("")
    expect(count).to_contain_text("2")

    page.get_by_label("Cadence", exact=True).select_option(str(cadence_id))  # a list bound to its label
    expect(page.locator("#preview-invoices")).to_contain_text("2")
    expect(page.locator("#samples .sample")).to_have_count(2)
    expect(page.locator("#timing")).to_contain_text("First message")

    page.locator("#campaign_name").fill("Old debts")
    page.locator("#launch").click()
    page.locator("#launch-dialog-confirm").click()
    expect(page.locator("#campaign-name")).to_have_text("Old debts")
    assert f"/campaigns/{cadence_id}" != page.url  # a campaign's page, not the cadence's
    assert "/campaigns/new" not in page.url

    page = new_page()
    log_in(page, viewer, PASSWORD)
    page.goto("/campaigns")
    expect(page.locator(".campaign-row")).to_have_count(1)
    expect(page.locator("#new-campaign")).to_have_count(0)
    page.goto("/campaigns/new")
    expect(page.locator("#count-invoices")).to_contain_text("3")  # a viewer may look
    expect(page.locator("#launch")).to_have_count(0)
    expect(page.locator("#save-segment")).to_have_count(0)


def debtors_abroad(database_url: str, company: str, email: str) -> None:
    """One overdue invoice each for debtors in Italy, Brazil, Portugal and Spain; the Brazilian and Spanish tagged."""
    with Session(db.engine_for(database_url), expire_on_commit=False) as session:
        ctx = owner_context(session, company, email)
        today = today_of(session, ctx)
        for n, (phone, tags) in enumerate(
            [("+393331000301", []), ("+5511987650301", ["vip"]), ("+351912000301", []), ("+34612000301", ["vip"])]
        ):
            debtor_id, _ = debtor_with_invoice(
                session, ctx, phone=phone, number=f"A-{n}", due=today - timedelta(days=10)
            )
            debtor = session.get(Debtor, debtor_id)
            assert debtor is not None
            debtor.tags = tags
            session.add(debtor)
        session.commit()


def test_countries_and_tags_as_chips_move_the_count(new_page, app_server) -> None:
    suffix = uuid.uuid4().hex[:6]
    page = new_page()
    company, email = f"Mundo Lda {suffix}", f"rui-{suffix}@example.com"
    sign_up(page, name="Rui", email=email, company=company)
    debtors_abroad(app_server.database_url, company, email)

    page.goto("/campaigns/new")
    count = page.locator("#count-invoices")
    expect(count).to_contain_text("4")
    page.select_option("#countries", label="Brazil (1)")
    expect(page.locator("#countries-chips .chip")).to_have_text(["Brazil"])
    expect(count).to_contain_text("1")
    page.select_option("#countries", label="Portugal (1)")
    expect(page.locator("#countries-chips .chip")).to_have_text(["Brazil", "Portugal"])
    expect(count).to_contain_text("2")
    page.select_option("#tags", label="vip (2)")
    expect(count).to_contain_text("1")  # the Brazilian: the Spaniard is not in a chosen country
    page.locator("#countries-chips .chip").filter(has_text="Brazil").locator(".chip-remove").click()
    expect(page.locator("#countries-chips .chip")).to_have_text(["Portugal"])
    expect(count).to_contain_text("0")
    page.locator("#countries-chips .chip-remove").click()
    expect(count).to_contain_text("2")  # every vip: Brazil and Spain
    page.screenshot(path=f"{ARTIFACTS}/campaign-launch-chips.png", full_page=True)
