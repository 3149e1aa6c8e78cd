"""Sign-in through a real OpenID Connect provider."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import OIDC_USER


def test_first_oidc_sign_in_creates_the_user_who_then_creates_an_organization(new_page) -> None:
    page = new_page()
    page.goto("/login")
    provider_button = page.locator(".oidc-provider")
    expect(provider_button).to_contain_text("Corp SSO")
    provider_button.click()
    # The provider's own consent page: pick the predefined user.
    page.get_by_role("button", name=OIDC_USER.sub).click()
    expect(page).to_have_url(re.compile(r"/onboarding/?$"))
    page.fill("#org_name", "Olga Consulting")
    expect(page.locator("#country")).to_have_value("US")  # proposed from the browser (en-US)
    page.select_option("#country", "PT")
    page.click("#first_party")
    page.get_by_role("button", name="Create organization").click()
    expect(page).to_have_url(re.compile(r"/dashboard/?$"))
    expect(page.locator("#dashboard-org")).to_have_text("Olga Consulting")
    expect(page.locator("#role-badge")).to_have_text("Owner")

    # Signing in again finds the same user and organization.
    page.click("#user-menu")
    page.click("#logout")
    page.goto("/login")
    page.locator(".oidc-provider").click()
    page.get_by_role("button", name=OIDC_USER.sub).first.click()
    expect(page).to_have_url(re.compile(r"/dashboard/?$"))
    expect(page.locator("#dashboard-org")).to_have_text("Olga Consulting")
