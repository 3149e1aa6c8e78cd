"""A business signs up, invites a colleague, who accepts and sees only that organization."""

import re
import uuid

from playwright.sync_api import Page, expect

ARTIFACTS = "artifacts"


def sign_up(page: Page, *, name: str, email: str, company: str, weak_first: bool = False) -> None:
    page.goto("/signup")
    page.fill("#name", name)
    page.fill("#email", email)
    page.fill("#org_name", company)
    page.click("#first_party")
    if weak_first:
        expect(page.get_by_text("a few unrelated words work well")).to_be_visible()  # the rule, before typing
        page.fill("#password", "password12")
        page.click("#signup-submit")
        expect(page.locator("#password-error")).to_contain_text("one of the most used passwords")
    page.fill("#password", "a long enough password")
    page.click("#signup-submit")
    expect(page).to_have_url(re.compile(r"/dashboard/?$"))
    expect(page.locator("#dashboard-org")).to_have_text(company)


def test_sign_up_invite_accept_and_isolation(new_page) -> None:
    suffix = uuid.uuid4().hex[:6]
    owner = new_page()
    sign_up(
        owner, name="Ana Souza", email=f"ana-{suffix}@example.com", company=f"Padaria Sol {suffix}", weak_first=True
    )
    owner.screenshot(path=f"{ARTIFACTS}/dashboard.png", full_page=True)

    # Someone else's organization, which the invited colleague must never see.
    stranger = new_page()
    sign_up(stranger, name="Eve", email=f"eve-{suffix}@example.com", company=f"Other Shop {suffix}")

    owner.goto("/settings")
    owner.fill("#invite-email", f"bruno-{suffix}@example.com")
    owner.click("#invite-submit")
    link = owner.locator("#invite-link")
    expect(link).to_contain_text("/invite/")
    invite_url = link.inner_text().strip()
    expect(owner.get_by_text(f"bruno-{suffix}@example.com")).to_be_visible()
    owner.screenshot(path=f"{ARTIFACTS}/team.png", full_page=True)

    colleague = new_page()
    colleague.goto(invite_url)
    expect(colleague.locator("#invite-org")).to_contain_text(f"Padaria Sol {suffix}")
    colleague.fill("#name", "Bruno Lima")
    colleague.fill("#password", "another long password")
    colleague.click("#invite-create")
    expect(colleague).to_have_url(re.compile(r"/dashboard/?$"))
    expect(colleague.locator("#dashboard-org")).to_have_text(f"Padaria Sol {suffix}")
    expect(colleague.locator("#role-badge")).to_have_text("Collector")

    colleague.click("#org-switcher")
    options = colleague.get_by_role("option")
    expect(options).to_have_count(1)
    expect(options.first).to_have_text(f"Padaria Sol {suffix}")
    colleague.keyboard.press("Escape")

    colleague.goto("/settings")
    expect(colleague.locator(".member-row")).to_have_count(2)
    expect(colleague.locator("#invite-email")).to_have_count(0)  # collectors do not manage the team
    expect(colleague.get_by_text(f"eve-{suffix}@example.com")).to_have_count(0)


def test_signed_out_visitors_are_sent_to_log_in(new_page) -> None:
    page = new_page()
    page.goto("/settings")
    expect(page).to_have_url(re.compile(r"/login/?\?next=/settings"))


def test_log_in_log_out(new_page) -> None:
    suffix = uuid.uuid4().hex[:6]
    page = new_page()
    sign_up(page, name="Carla", email=f"carla-{suffix}@example.com", company=f"Carla SRL {suffix}")
    page.click("#user-menu")
    page.click("#logout")
    expect(page).to_have_url(re.compile(r"/login/?$"))
    page.goto("/dashboard")
    expect(page).to_have_url(re.compile(r"/login"))
    page.fill("#email", f"carla-{suffix}@example.com")
    page.fill("#password", "wrong password here")
    page.click("#login-submit")
    expect(page.get_by_role("alert")).to_contain_text("Wrong email or password.")
    page.fill("#password", "a long enough password")
    page.click("#login-submit")
    expect(page).to_have_url(re.compile(r"/dashboard/?$"))
    expect(page.locator("#dashboard-org")).to_have_text(f"Carla SRL {suffix}")


def test_sign_up_proposes_the_country_from_the_browser(browser, app_server) -> None:
    brazil = browser.new_context(base_url=app_server.url, locale="pt-BR", timezone_id="America/Sao_Paulo")
    mexico = browser.new_context(base_url=app_server.url, locale="es", timezone_id="America/Mexico_City")
    try:
        page = mexico.new_page()
        page.goto("/signup")
        # Spanish alone says Spain; the browser's clock says Mexico.
        expect(page.locator("#country")).to_have_value("MX")
        expect(page.locator("#country option[value=MX]")).to_have_text("México")

        page = brazil.new_page()
        suffix = uuid.uuid4().hex[:6]
        page.goto("/signup")
        expect(page.locator("#country")).to_have_value("BR")
        page.fill("#name", "Dona Maria")
        page.fill("#email", f"maria-{suffix}@example.com.br")
        page.fill("#password", "a long enough password")
        page.fill("#org_name", f"Fibra Rápida {suffix}")
        page.click("#first_party")
        page.click("#signup-submit")
        expect(page).to_have_url(re.compile(r"/dashboard/?$"))
        page.goto("/settings/organization")
        expect(page.locator("#currency")).to_have_value("BRL")
        expect(page.locator("#timezone")).to_have_value("America/Sao_Paulo")
    finally:
        brazil.close()
        mexico.close()
