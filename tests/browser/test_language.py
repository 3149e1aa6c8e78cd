"""The UI language, chosen once and remembered per user."""

import re

from playwright.sync_api import Page, expect

from tests.browser.test_signup_and_team import sign_up


def choose_language(page: Page, name: str) -> None:
    page.click("#language-select")
    page.get_by_role("option", name=name).click()


def test_the_chosen_language_is_remembered_for_the_user(new_page) -> None:
    page = new_page()
    sign_up(page, name="Giulia", email="giulia@example.com", company="Trattoria Roma")
    choose_language(page, "Italiano")
    expect(page.get_by_role("link", name="Debitori", exact=True)).to_be_visible()
    page.screenshot(path="artifacts/dashboard-it.png", full_page=True)

    # A new browser (no cookies but the session) gets Italian from the user's profile.
    page.click("#user-menu")
    page.click("#logout")
    elsewhere = new_page()
    elsewhere.goto("/login")
    elsewhere.fill("#email", "giulia@example.com")
    elsewhere.fill("#password", "a long enough password")
    elsewhere.click("#login-submit")
    expect(elsewhere).to_have_url(re.compile(r"/dashboard/?$"))
    expect(elsewhere.get_by_role("link", name="Debitori", exact=True)).to_be_visible()
    expect(elsewhere.locator("#role-badge")).to_have_text("Proprietario")
