"""Debtors and campaigns as a finance team reads them: who may be messaged, and how far each campaign got."""

import re
import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from saas_app import db
from saas_app.models import Organization, TemplateVariant, User
from saas_app.models.base import utcnow
from saas_app.services import campaigns, debtors
from saas_app.services.context import OrgContext
from saas_app.state.campaigns import when
from saas_app.worker import planner
from tests.browser.test_signup_and_team import ARTIFACTS, sign_up
from tests.factories import PASSWORD, add_member, debtor_with_invoice, simple_cadence, today_of


def owner_context(session: Session, company: str, email: str) -> OrgContext:
    org_id = session.exec(select(Organization.id).where(Organization.name == company)).one()
    user_id = session.exec(select(User.id).where(User.email == email)).one()
    return OrgContext(user_id=user_id, org_id=org_id or 0, role="owner")


def a_campaign_with_mixed_consent(database_url: str, company: str, email: str, viewer: str) -> tuple[int, str]:
    """Three debtors (opted in, no opt-in, opted out), a campaign planned for the first: (its id, last planned).

    The campaign's template was rejected by Meta, so its page lists a problem for each step.
    """
    with Session(db.engine_for(database_url), expire_on_commit=False) as session:
        ctx = owner_context(session, company, email)
        due = today_of(session, ctx) + timedelta(days=10)
        _, invoice = debtor_with_invoice(session, ctx, phone="+393331000001", number="OK-1", due=due)
        debtor_with_invoice(session, ctx, phone="+393331000002", number="NO-1", due=due, consent=False)
        leaving, _ = debtor_with_invoice(session, ctx, phone="+393331000003", number="OUT-1", due=due)
        debtors.opt_out(session, ctx, leaving, source="test")
        now = utcnow()
        campaign = campaigns.create_campaign(
            session,
            ctx,
            name="October reminders",
            cadence_id=simple_cadence(session, ctx),
            invoice_ids=[invoice],
            now=now,
        )
        session.commit()
        planner.plan_all(session, now=now, org_id=ctx.org_id)
        session.commit()
        add_member(session, ctx, "viewer", email=viewer)
        for variant in session.exec(select(TemplateVariant).where(TemplateVariant.org_id == ctx.org_id)):
            variant.status = "rejected"  # Meta turned the step's template down: the campaign page says so
            session.add(variant)
        session.commit()
        stats = campaigns.campaign_stats(session, ctx, campaign.id or 0)
        assert stats.last_send_at is not None
        zone = session.exec(select(Organization.timezone).where(Organization.id == ctx.org_id)).one()
        return campaign.id or 0, when(stats.last_send_at, ZoneInfo(zone), "en")


def log_in(page: Page, email: str, password: str) -> None:
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("#login-submit")
    expect(page).to_have_url(re.compile(r"/dashboard/?$"))


def test_the_team_sees_who_gets_no_reminders_and_how_far_a_campaign_got(new_page, app_server) -> None:
    suffix = uuid.uuid4().hex[:6]
    page = new_page()
    company, email, viewer = f"Marta Srl {suffix}", f"marta-{suffix}@example.com", f"vito-{suffix}@example.com"
    sign_up(page, name="Marta", email=email, company=company)
    campaign_id, last_planned = a_campaign_with_mixed_consent(app_server.database_url, company, email, viewer)

    page.goto("/debtors")
    rows = page.locator(".debtor-row")
    expect(rows).to_have_count(3)
    expect(rows.filter(has_text="Debtor OK-1")).to_contain_text("Opted in (recorded by hand, ")
    expect(rows.filter(has_text="Debtor OUT-1")).to_contain_text("Opted out (")
    expect(rows.filter(has_text="Debtor NO-1")).to_contain_text("+39 333 100 0002")
    expect(page.locator("#without-opt-in-count")).to_have_text("1")
    expect(page.locator("#consent-note")).to_contain_text("WhatsApp requires consent before a business starts")
    page.screenshot(path=f"{ARTIFACTS}/debtors-all.png", full_page=True)
    page.get_by_role("radio", name="Without opt-in").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Debtor NO-1")
    expect(rows.first).to_contain_text("No opt-in: reminders are skipped")
    expect(rows.first.locator(".debtor-outstanding")).to_have_text("€123.45")
    page.wait_for_timeout(500)  # the filter's highlight slides into place
    page.screenshot(path=f"{ARTIFACTS}/debtors.png", full_page=True)

    page.goto("/campaigns")
    row = page.locator(".campaign-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("October reminders")
    expect(row).to_contain_text("Running")
    for figure, value in (("invoices", "1"), ("scheduled", "1"), ("sent", "0"), ("paid", "0"), ("expired", "0")):
        expect(row.locator(f".figure-{figure}")).to_have_text(value)
    expect(row.locator(".last-planned")).to_have_text(f"Last planned message: {last_planned}")
    page.screenshot(path=f"{ARTIFACTS}/campaigns.png", full_page=True)

    row.get_by_role("link", name="October reminders").click()
    expect(page).to_have_url(re.compile(rf"/campaigns/{campaign_id}/?$"))
    expect(page.locator("#campaign-name")).to_have_text("October reminders")
    expect(page.locator("#figure-invoices")).to_have_text("1")
    expect(page.locator("#last-planned")).to_have_text(f"Last planned message: {last_planned}")
    expect(page.locator("#problems")).to_contain_text(
        "Step 1 · Reminder · English: Meta rejected this version: edit it and submit it again."
    )
    page.screenshot(path=f"{ARTIFACTS}/campaign.png", full_page=True)

    reader = new_page()
    log_in(reader, viewer, PASSWORD)
    reader.goto("/debtors?consent=opted_out")
    expect(reader.locator(".debtor-row")).to_have_count(1)
    expect(reader.locator(".debtor-row")).to_contain_text("Debtor OUT-1")
    reader.goto(f"/campaigns/{campaign_id}")
    expect(reader.locator("#campaign-name")).to_have_text("October reminders")
    expect(reader.locator("#role-badge")).to_have_text("Viewer")

    stranger = new_page()
    sign_up(stranger, name="Eve", email=f"eve-{suffix}@example.com", company=f"Eve Ltd {suffix}")
    stranger.goto("/debtors")
    expect(stranger.get_by_text("No debtors yet")).to_be_visible()
    stranger.screenshot(path=f"{ARTIFACTS}/debtors-empty.png", full_page=True)
    stranger.goto("/campaigns")
    expect(stranger.get_by_text("No campaigns yet")).to_be_visible()
    stranger.goto(f"/campaigns/{campaign_id}")
    expect(stranger.get_by_role("alert")).to_contain_text("This campaign does not exist.")
    expect(stranger.locator("#campaign-name")).to_have_count(0)
    expect(stranger.get_by_text("October reminders")).to_have_count(0)
    stranger.screenshot(path=f"{ARTIFACTS}/campaign-not-found.png", full_page=True)
