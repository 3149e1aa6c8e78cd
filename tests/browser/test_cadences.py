"""The cadence editor as a finance team uses it: move a step and watch the dry run follow, see what a new
step lacks in Italian, and a viewer who can look but not move anything."""

import re
import uuid
from datetime import timedelta

from playwright.sync_api import Locator, Page, expect
from sqlmodel import Session

from saas_app import db
from saas_app.models import Invoice, Organization, Template, TemplateVariant
from saas_app.models.base import utcnow
from saas_app.services import cadences, campaigns, invoices
from saas_app.state.cadences import position, span
from saas_app.worker import planner
from tests.browser.test_signup_and_team import sign_up
from tests.browser.test_workspace_lists import log_in, owner_context
from tests.factories import PASSWORD, add_member, debtor_with_invoice, simple_cadence, today_of


def an_italian_debtor_and_an_english_only_template(database_url: str, company: str, email: str, viewer: str) -> int:
    """An open invoice due on a Sunday (+3 a Wednesday, +5 a Friday, no holiday), a template with no Italian
    and no fallback language, and a viewer; the standard cadence's id."""
    with Session(db.engine_for(database_url), expire_on_commit=False) as session:
        ctx = owner_context(session, company, email)
        due = today_of(session, ctx) + timedelta(days=21)
        due += timedelta(days=(6 - due.weekday()) % 7)
        while any(cadences.holidays_of("IT", d.year) & {d} for d in (due + timedelta(3), due + timedelta(5))):
            due += timedelta(days=7)
        debtor_with_invoice(session, ctx, phone="+393331000101", number="IT-1", due=due, locale="it")
        template = Template(org_id=ctx.org_id, key="english_only", name="English only", purpose="due_today")
        session.add(template)
        session.flush()
        body = "Hello {{customer_name}}, please pay {{amount}} today."
        session.add(TemplateVariant(org_id=ctx.org_id, template_id=template.id or 0, language="en", body=body))
        org = session.get(Organization, ctx.org_id)
        assert org is not None
        org.language_fallback = []
        session.add(org)
        session.commit()
        add_member(session, ctx, "viewer", email=viewer)
        standard = cadences.standard_cadence(session, ctx)
        assert standard is not None
        return standard.id or 0


def dry_run_of(page: Page, index: int):
    return page.locator(f'.dry-run-row[data-index="{index}"] .dry-run-local')


def test_moving_a_step_moves_the_dry_run_and_a_new_step_says_what_it_lacks(new_page, app_server) -> None:
    suffix = uuid.uuid4().hex[:6]
    page = new_page()
    company, email, viewer = f"Cadenze Srl {suffix}", f"carla-{suffix}@example.com", f"vito-{suffix}@example.com"
    sign_up(page, name="Carla", email=email, company=company)
    cadence_id = an_italian_debtor_and_an_english_only_template(app_server.database_url, company, email, viewer)

    page.goto("/cadences")
    expect(page.locator(".cadence-row")).to_have_count(1)
    expect(page.locator(".cadence-row .timeline-dot")).to_have_count(9)
    page.goto(f"/cadences/{cadence_id}")
    expect(page.locator("#dry-run-invoice")).to_contain_text("IT-1")
    expect(dry_run_of(page, 2)).to_contain_text(re.compile(r"^Wednesday"))
    card = page.locator('.step-card[data-index="2"]')
    expect(card).to_have_attribute("data-offset", "3")
    card.focus()
    page.keyboard.press("ArrowRight")
    expect(card).to_have_attribute("data-offset", "4")
    page.keyboard.press("ArrowRight")
    expect(card).to_have_attribute("data-offset", "5")
    expect(dry_run_of(page, 2)).to_contain_text(re.compile(r"^Friday"))
    expect(page.locator("#unsaved")).to_be_visible()

    expect(page.locator("#readiness-problems")).to_have_count(0)
    page.click("#add-step")
    expect(page.locator("#step-dialog")).to_be_visible()
    page.click("#step-template")
    page.get_by_role("option", name=re.compile(r"^English only")).click()
    expect(page.locator("#readiness-problems")).to_contain_text("Italian (Italy): No version in it_IT")
    expect(page.locator("#readiness-problems a").first).to_have_attribute(
        "href", re.compile(r"^/templates/\d+\?language=it$")
    )
    page.keyboard.press("Escape")
    page.click("#save-cadence")
    expect(page.locator("#unsaved")).to_have_count(0)
    expect(page.locator(".step-card")).to_have_count(10)

    reader = new_page()
    log_in(reader, viewer, PASSWORD)
    reader.goto(f"/cadences/{cadence_id}")
    expect(reader.locator("#read-only")).to_be_visible()
    expect(reader.locator(".step-later")).to_have_count(0)
    expect(reader.locator("#add-step")).to_have_count(0)
    kept = reader.locator('.step-card[data-index="2"]')
    expect(kept).to_have_attribute("data-offset", "5")
    kept.focus()
    reader.keyboard.press("ArrowRight")  # no key handler is bound for a viewer: nothing happens, not even a refusal
    drag(reader, kept, 120)
    reader.wait_for_timeout(500)
    expect(reader.get_by_text("Your role does not allow this.")).to_have_count(0)
    expect(kept).to_have_attribute("data-offset", "5")


def drag(page: Page, card: Locator, pixels: float) -> None:
    """Press on the card's template name, move the mouse `pixels` to the right in small steps, release."""
    box = card.locator(".step-template").bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + pixels, y, steps=12)
    page.mouse.up()


def test_dragging_the_plus_3_step_to_plus_5_moves_its_dry_run_by_two_days(new_page, app_server) -> None:
    suffix = uuid.uuid4().hex[:6]
    page = new_page()
    company, email = f"Trascina Srl {suffix}", f"dora-{suffix}@example.com"
    sign_up(page, name="Dora", email=email, company=company)
    cadence_id = an_italian_debtor_and_an_english_only_template(
        app_server.database_url, company, email, f"ugo-{suffix}@example.com"
    )
    page.goto(f"/cadences/{cadence_id}")
    expect(dry_run_of(page, 2)).to_contain_text(re.compile(r"^Wednesday"))
    card = page.locator('.step-card[data-index="2"]')
    expect(card).to_have_attribute("data-offset", "3")
    offsets = [-7, 0, 3, 14, 28, 45, 75, 95, 120]
    low, high = span(offsets)
    track = page.locator("#timeline").bounding_box()
    assert track is not None
    drag(page, card, (position(5, low, high) - position(3, low, high)) * track["width"])
    expect(card).to_have_attribute("data-offset", "5")
    expect(dry_run_of(page, 2)).to_contain_text(re.compile(r"^Friday"))
    expect(page.locator("#step-dialog")).to_have_count(0)  # a drop is not a click that opens the step
    expect(page.locator("#unsaved")).to_be_visible()

    drag(page, card, track["width"] / 3)  # past the +14 step: the server refuses, the card goes back
    expect(page.get_by_text("Steps go out in the order of their days")).to_be_visible()
    expect(card).to_have_attribute("data-offset", "5")


def test_a_sample_debtor_in_sao_paulo_reads_the_steps_in_brazilian_time_and_portuguese(new_page, app_server) -> None:
    suffix = uuid.uuid4().hex[:6]
    page = new_page()
    company, email = f"Amostra Ltda {suffix}", f"bia-{suffix}@example.com"
    sign_up(page, name="Bia", email=email, company=company)
    cadence_id = an_italian_debtor_and_an_english_only_template(
        app_server.database_url, company, email, f"leo-{suffix}@example.com"
    )
    page.goto(f"/cadences/{cadence_id}")
    expect(page.locator("#dry-run-invoice")).to_contain_text("IT-1")
    page.click("#pick-sample")
    expect(page.locator("#sample-locale")).to_be_visible()
    page.fill("#sample-zone", "America/Sao_Paulo")
    page.select_option("#sample-locale", "pt_BR")
    page.select_option("#sample-country", "BR")
    page.select_option("#sample-due", "7")
    page.click("#try-sample")
    expect(page.locator("#dry-run-sample")).to_contain_text(
        re.compile(r"^Sample debtor · America/Sao_Paulo · Portuguese \(Brazil\) · Brazil · .* · Due in 7 days$")
    )
    expect(page.locator("#dry-run-invoice")).to_have_count(0)
    first = page.locator('.dry-run-row[data-index="0"]')
    expect(first.locator(".dry-run-local")).to_contain_text("(America/Sao_Paulo)")
    expect(first.locator(".dry-run-language")).to_contain_text("Portuguese (Brazil)")
    expect(first.locator(".bubble-body")).to_contain_text("Olá")
    expect(page.locator(".dry-run-row .dry-run-local").filter(has_text="(America/Sao_Paulo)")).to_have_count(9)

    page.click("#pick-sample")
    # Wait for the server to open the form again: typed into the form still fading out from the last try, the
    # zone would be lost when the open one mounts.
    expect(page.locator("#sample-form")).to_have_attribute("data-state", "open")
    page.fill("#sample-zone", "Mars/Olympus_Mons")
    page.click("#try-sample")
    expect(page.locator("#sample-error")).to_contain_text("Choose a time zone from the list")
    expect(page.locator("#dry-run-sample")).to_contain_text("America/Sao_Paulo")


def test_a_reminder_another_campaign_sends_the_same_day_moves_the_step(new_page, app_server) -> None:
    suffix = uuid.uuid4().hex[:6]
    page = new_page()
    company, email = f"Spostato Srl {suffix}", f"eva-{suffix}@example.com"
    sign_up(page, name="Eva", email=email, company=company)
    cadence_id = an_italian_debtor_and_an_english_only_template(
        app_server.database_url, company, email, f"ivo-{suffix}@example.com"
    )
    with Session(db.engine_for(app_server.database_url), expire_on_commit=False) as session:
        ctx = owner_context(session, company, email)
        org = session.get(Organization, ctx.org_id)
        assert org is not None
        org.language_fallback = ["en"]  # the other campaign's template is written in English only
        session.add(org)
        [mine] = cadences.find_open_invoices(session, ctx, "IT-1")
        invoice = session.get(Invoice, mine.invoice_id)
        assert invoice is not None
        # The same debtor's other invoice, in another campaign whose one step goes out on the +3 step's day.
        other = invoices.create_invoice(
            session,
            ctx,
            invoices.InvoiceInput(
                debtor_id=invoice.debtor_id, number="IT-2", amount_minor=5000, currency="EUR", due_on=invoice.due_on
            ),
        )
        campaigns.create_campaign(
            session,
            ctx,
            name="Altro",
            cadence_id=simple_cadence(session, ctx, offsets=(3,)),
            invoice_ids=[other.id or 0],
            now=utcnow(),
        )
        session.commit()
        planner.plan_all(session, now=utcnow(), org_id=ctx.org_id)
        session.commit()
    page.goto(f"/cadences/{cadence_id}")
    page.click("#pick-invoice")
    page.fill("#invoice-search", "IT-1")
    page.locator(".invoice-choice", has_text=re.compile(r"^IT-1 ·")).click()
    expect(page.locator("#dry-run-invoice")).to_contain_text("IT-1")
    moved = page.locator('.dry-run-row[data-index="2"]')
    expect(moved.locator(".dry-run-local")).to_contain_text(re.compile(r"^Thursday"))  # not Wednesday: taken
    expect(moved.locator(".dry-run-moved")).to_contain_text("Moved: another reminder to this debtor on")
    expect(page.locator(".dry-run-moved")).to_have_count(1)
