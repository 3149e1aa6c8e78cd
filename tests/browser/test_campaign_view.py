"""The campaign view live: figures rise while the page stays open, pause holds it, a viewer only reads."""

import re
import uuid
from datetime import timedelta

from playwright.sync_api import Page, expect
from sqlalchemy import update
from sqlmodel import Session, col, select

from saas_app import db
from saas_app.models import Message
from saas_app.models.base import utcnow
from saas_app.services import campaigns
from saas_app.worker import planner
from tests.browser.test_signup_and_team import ARTIFACTS, sign_up
from tests.browser.test_workspace_lists import log_in, owner_context
from tests.factories import PASSWORD, add_member, debtor_with_invoice, simple_cadence, today_of


def a_running_campaign(database_url: str, company: str, email: str, viewer: str) -> int:
    """Three debtors due today, one message each planned now: the campaign's id."""
    with Session(db.engine_for(database_url), expire_on_commit=False) as session:
        ctx = owner_context(session, company, email)
        due = today_of(session, ctx) + timedelta(days=10)
        invoices = [
            debtor_with_invoice(session, ctx, phone=f"+3933320000{n}", number=f"L-{n}", due=due)[1] for n in range(3)
        ]
        now = utcnow()
        campaign = campaigns.create_campaign(
            session, ctx, name="Live reminders", cadence_id=simple_cadence(session, ctx), invoice_ids=invoices, now=now
        )
        session.commit()
        planner.plan_all(session, now=now, org_id=ctx.org_id)
        add_member(session, ctx, "viewer", email=viewer)
        session.commit()
        return campaign.id or 0


def move(database_url: str, campaign_id: int, count: int, status: str) -> None:
    """`count` of the campaign's messages reach `status`, as the worker and status webhooks would write it."""
    with Session(db.engine_for(database_url)) as session:
        ids = session.exec(
            select(Message.id).where(Message.campaign_id == campaign_id).order_by(col(Message.id)).limit(count)
        ).all()
        now = utcnow()
        stamps = {"sent_at": now} if status == "sent" else {"delivered_at": now}
        session.execute(update(Message).where(col(Message.id).in_(ids)).values(status=status, **stamps))
        session.commit()


def statuses(database_url: str, campaign_id: int) -> list[str]:
    with Session(db.engine_for(database_url)) as session:
        return sorted(session.exec(select(Message.status).where(Message.campaign_id == campaign_id)).all())


def test_figures_rise_without_reload_pause_holds_and_a_viewer_only_reads(new_page, app_server) -> None:
    suffix = uuid.uuid4().hex[:6]
    page: Page = new_page()
    company, email, viewer = f"Live Srl {suffix}", f"live-{suffix}@example.com", f"lv-{suffix}@example.com"
    sign_up(page, name="Lia", email=email, company=company)
    database = app_server.database_url
    campaign_id = a_running_campaign(database, company, email, viewer)

    page.goto(f"/campaigns/{campaign_id}")
    expect(page.locator("#campaign-name")).to_have_text("Live reminders")
    expect(page.locator("#figure-sent")).to_have_text("0")
    expect(page.locator("#funnel-targeted .funnel-value")).to_have_text("3")
    expect(page.locator(".message-row")).to_have_count(3)

    move(database, campaign_id, 2, "sent")
    expect(page.locator("#figure-sent")).to_have_text("2", timeout=10_000)  # no reload: the live loop
    move(database, campaign_id, 1, "delivered")
    expect(page.locator("#figure-delivered")).to_have_text("1", timeout=10_000)
    expect(page.locator("#funnel-delivered")).to_contain_text("50% of sent")
    page.screenshot(path=f"{ARTIFACTS}/campaign-view.png", full_page=True)

    page.click("#pause")
    page.click("#pause-dialog-confirm")
    expect(page.locator("#campaign-status")).to_have_text("Paused")
    assert "scheduled" not in statuses(database, campaign_id)  # the third message was taken back
    with Session(db.engine_for(database)) as session:
        planner.plan_all(session, now=utcnow())
        session.commit()
    assert statuses(database, campaign_id) == ["delivered", "sent"]  # and nothing is planned while paused
    expect(page.locator("#resume")).to_be_visible()
    expect(page.locator("#pause")).to_have_count(0)

    reader = new_page()
    log_in(reader, viewer, PASSWORD)
    reader.goto(f"/campaigns/{campaign_id}")
    expect(reader.locator("#campaign-name")).to_have_text("Live reminders")
    expect(reader.locator("#figure-sent")).to_have_text("2")
    for control in ("#pause", "#resume", "#stop", "#add-note"):
        expect(reader.locator(control)).to_have_count(0)

    stranger = new_page()
    sign_up(stranger, name="Eve", email=f"eve-{suffix}@example.com", company=f"Eve Ltd {suffix}")
    stranger.goto(f"/campaigns/{campaign_id}")
    expect(stranger.get_by_role("alert")).to_contain_text("This campaign does not exist.")
    expect(stranger.get_by_text("Live reminders")).to_have_count(0)
    expect(stranger).to_have_url(re.compile(rf"/campaigns/{campaign_id}/?$"))
