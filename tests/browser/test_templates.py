"""The templates studio as a team uses it: a built-in reminder opened from the list, its Portuguese text edited
with the bubble following before anything is saved, every language side by side in its debtor's money, a
stale save from a second browser refused with who changed it, and a viewer who only reads."""

import re
import uuid
from datetime import date, timedelta

from playwright.sync_api import Page, expect
from sqlalchemy import update
from sqlmodel import Session, col

from saas_app import db
from saas_app.core.money import format_money
from saas_app.models import Invoice
from saas_app.services import templates
from tests.browser.test_signup_and_team import ARTIFACTS, sign_up
from tests.browser.test_workspace_lists import log_in, owner_context
from tests.factories import PASSWORD, add_member, debtor_with_invoice

TEMPLATE = "overdue_1_30_firm"
# The sample invoice (1234.56) as each language's sample debtor reads it: Babel's own strings, no-break
# spaces included; English readers get US dollars.
SAMPLE_AMOUNTS = {
    "en": format_money(123_456, "USD", "en"),
    "it": format_money(123_456, "EUR", "it"),
    "es": format_money(123_456, "EUR", "es"),
    "pt_BR": format_money(123_456, "BRL", "pt_BR"),
    "fr": format_money(123_456, "EUR", "fr"),
}


def template_id(database_url: str, company: str, email: str) -> int:
    with Session(db.engine_for(database_url), expire_on_commit=False) as session:
        return templates.find_template(session, owner_context(session, company, email), TEMPLATE).id or 0


def stored_body(database_url: str, company: str, email: str, language: str) -> str:
    with Session(db.engine_for(database_url), expire_on_commit=False) as session:
        ctx = owner_context(session, company, email)
        return templates.variants_of(session, templates.find_template(session, ctx, TEMPLATE).id or 0)[language].body


def test_the_portuguese_text_is_edited_with_the_bubble_following_and_five_languages_side_by_side(
    new_page, app_server
) -> None:
    suffix = uuid.uuid4().hex[:6]
    page: Page = new_page()
    company, email = f"Padaria Sol {suffix}", f"bia-{suffix}@example.com"
    sign_up(page, name="Bia", email=email, company=company)
    with Session(db.engine_for(app_server.database_url), expire_on_commit=False) as session:
        _, invoice_id = debtor_with_invoice(
            session,
            owner_context(session, company, email),
            phone="+393331000001",
            number="A-77",
            due=date.today() - timedelta(days=9),
        )
        link = update(Invoice).where(col(Invoice.id) == invoice_id).values(payment_link="https://pay.example.com/A-77")
        session.execute(link)
        session.commit()
    before = stored_body(app_server.database_url, company, email, "pt_BR")

    page.goto("/templates")
    card = page.locator(".template-row").filter(has_text="1–30 days overdue — firm")
    expect(card.locator(".template-built-in")).to_be_visible()
    expect(card.locator(".language-chip")).to_have_count(5)
    card.get_by_role("link", name="1–30 days overdue — firm").click()
    expect(page).to_have_url(re.compile(r"/templates/\d+/?$"))
    editor = page.locator("#editor-layout")
    # On a wide screen the bubble sits beside the editor, not under it.
    form_box, bubble_box = (
        editor.locator("#template-body").bounding_box(),
        page.locator("#preview-bubble").bounding_box(),
    )
    assert form_box is not None
    assert bubble_box is not None
    assert bubble_box["x"] > form_box["x"] + form_box["width"]

    page.locator(".language-tab[data-language='pt_BR']").click()
    bubble = page.locator("#preview-bubble")
    expect(bubble).to_contain_text(f"no valor de {SAMPLE_AMOUNTS['pt_BR']}")
    expect(bubble).to_contain_text("em atraso há 12 dias")  # the sample is as late as a 1–30 days reminder
    body = page.locator("#template-body")
    body.fill("Olá , a fatura {{invoice_number}} de {{amount}} venceu. Pague em {{payment_link}} hoje.")
    expect(bubble).to_contain_text(f"a fatura INV-1024 de {SAMPLE_AMOUNTS['pt_BR']} venceu.")
    # A placeholder chip writes where the cursor is (a script in the page, allowed by the CSP).
    body.evaluate("field => { field.focus(); field.setSelectionRange(4, 4); }")
    page.locator(".placeholder-chip[data-placeholder='customer_name']").click()
    expect(body).to_have_value(
        "Olá {{customer_name}}, a fatura {{invoice_number}} de {{amount}} venceu. Pague em {{payment_link}} hoje."
    )
    expect(bubble).to_contain_text("Olá Ana Souza, a fatura INV-1024")
    assert stored_body(app_server.database_url, company, email, "pt_BR") == before, "nothing saved yet"
    body.fill("{{amount}} Olá {{valor}}")
    expect(page.locator("#template-body-error")).to_contain_text("{{valor}} is not a placeholder Cobro fills in.")
    expect(page.locator(".language-tab[data-language='pt_BR'] .lucide-circle-alert").first).to_be_visible()
    body.fill("Olá {{customer_name}}, a fatura {{invoice_number}} de {{amount}} venceu. Pague: {{payment_link}} hoje.")
    page.click("#save-template")
    expect(page.locator("#save-template")).to_be_disabled()
    assert stored_body(app_server.database_url, company, email, "pt_BR").startswith("Olá {{customer_name}}, a fatura")

    page.click("#side-by-side")
    sides = page.locator(".side-preview")
    expect(sides).to_have_count(5)
    for language, amount in SAMPLE_AMOUNTS.items():
        expect(page.locator(f".side-preview[data-language='{language}']")).to_contain_text(amount)
    expect(page.locator(".side-preview[data-language='pt_BR']")).to_contain_text("Olá Ana Souza, a fatura INV-1024")
    page.screenshot(path=f"{ARTIFACTS}/templates-side-by-side.png", full_page=True)

    # A real invoice instead of the sample: every bubble in that debtor's money.
    page.get_by_role("button", name="Use an invoice").click()
    page.fill("#invoice-search", "A-77")
    page.locator(".invoice-choice").filter(has_text="A-77").click()
    expect(page.locator("#preview-sample")).to_have_text("Invoice A-77 of Debtor A-77")
    expect(page.locator(".side-preview[data-language='pt_BR']")).to_contain_text(
        f"a fatura A-77 de {format_money(12_345, 'EUR', 'en')} venceu"
    )


def test_a_stale_save_is_refused_with_who_changed_it_and_a_viewer_only_reads(new_page, app_server) -> None:
    suffix = uuid.uuid4().hex[:6]
    owner = new_page()
    company, email = f"Conti Srl {suffix}", f"marta-{suffix}@example.com"
    collector_email, viewer_email = f"carla-{suffix}@example.com", f"vito-{suffix}@example.com"
    sign_up(owner, name="Marta", email=email, company=company)
    with Session(db.engine_for(app_server.database_url), expire_on_commit=False) as session:
        ctx = owner_context(session, company, email)
        add_member(session, ctx, "collector", email=collector_email)
        add_member(session, ctx, "viewer", email=viewer_email)
    path = f"/templates/{template_id(app_server.database_url, company, email)}"

    owner.goto(path)
    expect(owner.locator("#template-title")).to_have_text("1–30 days overdue — firm")
    collector = new_page()
    log_in(collector, collector_email, PASSWORD)
    collector.goto(path)
    expect(collector.locator("#others-here")).to_have_text("Marta")  # the owner opened it first

    owner.locator("#template-body").fill("Hi {{customer_name}}, {{amount}} is overdue: {{payment_link}} today.")
    owner.click("#save-template")
    expect(owner.locator("#save-template")).to_be_disabled()
    collector.locator("#template-body").fill("Hello {{customer_name}}, please pay {{amount}} today.")
    collector.click("#save-template")
    stale = collector.locator("#stale-save")
    expect(stale).to_contain_text("Not saved: Marta saved this language at")
    expect(stale).to_contain_text("(body changed)")
    expect(collector.locator("#template-body")).to_have_value("Hello {{customer_name}}, please pay {{amount}} today.")
    body = stored_body(app_server.database_url, company, email, "en")
    assert body == "Hi {{customer_name}}, {{amount}} is overdue: {{payment_link}} today."
    collector.get_by_role("button", name="Reload this language").click()
    expect(collector.locator("#template-body")).to_have_value(body)
    expect(stale).to_have_count(0)

    # The sandbox number approves a submitted language at once.
    owner.click("#submit-language")
    expect(owner.locator("#variant-status")).to_have_text("Approved")
    expect(owner.locator("#variant-status")).to_have_attribute("data-accent-color", "green")

    viewer = new_page()
    log_in(viewer, viewer_email, PASSWORD)
    viewer.goto(path)
    expect(viewer.locator("#template-title")).to_have_text("1–30 days overdue — firm")
    expect(viewer.locator("#read-only")).to_be_visible()
    expect(viewer.locator("#template-body")).to_have_attribute("readonly", "")
    for control in ("#save-template", "#submit-language", "#submit-all", "#remove-language", "#add-language"):
        expect(viewer.locator(control)).to_have_count(0)
    expect(viewer.locator(".placeholder-chip")).to_have_count(0)
    expect(viewer.locator("#preview-bubble")).to_contain_text("Hi Ana Souza")
    viewer.screenshot(path=f"{ARTIFACTS}/templates-viewer.png", full_page=True)

    # Whoever opened it first learns who joined at the next check-in (every 20 seconds).
    expect(owner.locator("#others-here")).to_contain_text("Member", timeout=30_000)
