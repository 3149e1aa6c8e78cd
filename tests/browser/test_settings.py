"""Organization settings and API keys, as an owner uses them."""

import json
import time
import uuid

import httpx
from playwright.sync_api import expect

from saas_app.core import signatures
from tests.browser.conftest import RunningApp
from tests.browser.test_signup_and_team import sign_up


def test_owner_changes_organization_settings_and_sees_field_errors(new_page) -> None:
    suffix = uuid.uuid4().hex[:6]
    page = new_page()
    sign_up(page, name="Dora", email=f"dora-{suffix}@example.com", company=f"Dora Lda {suffix}")
    page.goto("/settings/organization")
    expect(page.locator("#name")).to_have_value(f"Dora Lda {suffix}")
    # The test browser speaks en-US: sign-up proposed the United States and its dollar.
    expect(page.locator("#country")).to_have_value("US")
    expect(page.locator("#currency")).to_have_value("USD")
    # Currency, time zone and country are lists; a value forged into one is still refused by the server.
    page.locator("#currency").evaluate("s => { s.add(new Option('XYZ', 'XYZ')); s.value = 'XYZ'; }")
    page.click("#settings-save")
    expect(page.get_by_role("alert")).to_contain_text("XYZ is not an ISO 4217 currency code.")
    page.select_option("#currency", "BRL")
    page.select_option("#timezone", "America/Sao_Paulo")
    page.select_option("#country", "BR")
    page.click("#settings-save")
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    page.reload()
    expect(page.locator("#currency")).to_have_value("BRL")
    expect(page.locator("#timezone")).to_have_value("America/Sao_Paulo")
    expect(page.locator("#country")).to_have_value("BR")
    # Brazil's zones now come first in the list.
    expect(page.locator("#timezone option").first).to_have_text("America/Sao_Paulo")
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
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Systems that use it stop reaching Cobro at once.")
    expect(page.get_by_text("Revoked")).to_have_count(0)  # nothing happens before the confirmation
    dialog.get_by_role("button", name="Revoke").click()
    expect(page.get_by_text("Revoked")).to_be_visible()
    page.reload()
    expect(page.locator("#api-key-value")).to_have_count(0)


def test_a_key_made_in_settings_works_against_the_api(new_page, app_server: RunningApp) -> None:
    suffix = uuid.uuid4().hex[:6]
    page = new_page()
    sign_up(page, name="Ines", email=f"ines-{suffix}@example.com", company=f"Ines Lda {suffix}")
    page.goto("/settings/api-keys")
    page.fill("#api-key-name", "ERP")
    page.check("text=Write")
    page.click("#api-key-create")
    key = page.locator("#api-key-value").inner_text().strip()
    headers = {"Authorization": f"Bearer {key}"}
    created = httpx.post(
        f"{app_server.url}/api/v1/debtors", json={"name": "Rui", "phone": "+351912345678"}, headers=headers
    )
    assert created.status_code == 201, created.text
    listed = httpx.get(f"{app_server.url}/api/v1/debtors", headers=headers).json()["data"]
    assert [debtor["name"] for debtor in listed] == ["Rui"]
    docs = page.context.new_page()
    docs.goto(f"{app_server.url}/api/v1/docs")
    expect(docs.get_by_role("heading", name="Cobro API")).to_be_visible()
    docs.screenshot(path="artifacts/api-docs.png", full_page=False)


def test_owner_connects_stripe_and_sees_the_payments_that_arrive(new_page, app_server: RunningApp) -> None:
    suffix = uuid.uuid4().hex[:6]
    page = new_page()
    sign_up(page, name="Joana", email=f"joana-{suffix}@example.com", company=f"Joana Lda {suffix}")
    page.goto("/settings/payments")
    expect(page.get_by_text("No payment events yet")).to_be_visible()
    endpoint = page.locator("#payments-endpoint").inner_text().strip()
    assert endpoint.startswith(f"{app_server.url}/webhooks/payments/")
    page.fill("#stripe_secret", "sk_live_wrong")
    page.click("#stripe-secret-save")
    expect(page.get_by_role("alert")).to_contain_text("whsec_")
    secret = "whsec_browser_test_secret_123"
    page.fill("#stripe_secret", secret)
    page.click("#stripe-secret-save")
    expect(page.get_by_text("Connected")).to_be_visible()
    page.click("#signing-secret-new")
    expect(page.locator("#signing-secret")).to_contain_text("whsec_")
    event = {"id": "evt_browser_1", "type": "customer.created", "data": {"object": {}}}
    raw = json.dumps(event).encode()
    signed = {"Stripe-Signature": signatures.header(secret, int(time.time()), raw)}
    assert httpx.post(endpoint, content=raw, headers=signed).json()["outcome"] == "ignored"
    page.reload()
    expect(page.get_by_text("evt_browser_1")).to_be_visible()
    expect(page.get_by_text("not a payment event")).to_be_visible()
    page.screenshot(path="artifacts/settings-payments.png", full_page=True)


def test_owner_adds_a_webhook_url_sees_its_secret_once_and_removes_it(new_page) -> None:
    suffix = uuid.uuid4().hex[:6]
    page = new_page()
    sign_up(page, name="Luca", email=f"luca-{suffix}@example.com", company=f"Luca Srl {suffix}")
    page.goto("/settings/webhooks")
    expect(page.get_by_text("Nothing sent yet")).to_be_visible()
    page.fill("#url", "ftp://erp.example.com")
    page.click("#webhook-add")
    expect(page.get_by_role("alert")).to_contain_text("Enter a full URL")
    page.fill("#url", "https://erp.example.com/cobro-events")
    page.click("#webhook-add")
    expect(page.locator("#webhook-secret")).to_contain_text("whsec_")
    expect(page.get_by_text("https://erp.example.com/cobro-events")).to_be_visible()
    page.screenshot(path="artifacts/settings-webhooks.png", full_page=True)
    page.get_by_role("button", name="Remove").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Remove").click()
    expect(page.get_by_text("https://erp.example.com/cobro-events")).to_have_count(0)
