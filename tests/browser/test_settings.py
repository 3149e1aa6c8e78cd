"""Organization settings and API keys, as an owner uses them."""

import uuid

from playwright.sync_api import expect

from tests.browser.test_signup_and_team import sign_up


def test_owner_changes_organization_settings_and_sees_field_errors(new_page) -> None:
    suffix = uuid.uuid4().hex[:6]
    page = new_page()
    sign_up(page, name="Dora", email=f"dora-{suffix}@example.com", company=f"Dora Lda {suffix}")
    page.goto("/settings/organization")
    expect(page.locator("#name")).to_have_value(f"Dora Lda {suffix}")
    page.fill("#currency", "XYZ")
    page.click("#settings-save")
    expect(page.get_by_role("alert")).to_contain_text("XYZ is not an ISO 4217 currency code.")
    page.fill("#currency", "brl")
    page.fill("#timezone", "America/Sao_Paulo")
    page.click("#settings-save")
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    page.reload()
    expect(page.locator("#currency")).to_have_value("BRL")
    expect(page.locator("#timezone")).to_have_value("America/Sao_Paulo")
    page.screenshot(path="artifacts/settings-organization.png", full_page=True)


def test_owner_creates_an_api_key_shown_once_and_revokes_it(new_page) -> None:
    suffix = uuid.uuid4().hex[:6]
    page = new_page()
    sign_up(page, name="Enzo", email=f"enzo-{suffix}@example.com", company=f"Enzo SpA {suffix}")
    page.goto("/settings/api-keys")
    expect(page.get_by_text("No API keys yet")).to_be_visible()
    page.fill("#api-key-name", "ERP")
    page.click("#api-key-create")
    key = page.locator("#api-key-value")
    expect(key).to_contain_text("cobro_")
    page.screenshot(path="artifacts/settings-api-keys.png", full_page=True)
    page.get_by_role("button", name="Revoke").click()
    expect(page.get_by_text("Revoked")).to_be_visible()
    page.reload()
    expect(page.locator("#api-key-value")).to_have_count(0)
