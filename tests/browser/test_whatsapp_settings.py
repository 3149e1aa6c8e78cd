"""The WhatsApp settings page: the sandbox, a connection test, templates sent to Meta for approval."""

import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from saas_app import db
from saas_app.models import Organization
from saas_app.settings import settings
from saas_app.whatsapp.simulator import Behaviour, SimulatorState
from saas_app.worker import outbox
from tests.browser.conftest import RunningApp, running_app
from tests.browser.test_signup_and_team import sign_up
from tests.integration.worker.test_crash import SimulatorServer


@pytest.fixture(scope="module")
def simulator() -> Iterator[SimulatorServer]:
    state = SimulatorState(behaviour=Behaviour(webhooks=False), sandbox_secret=settings.simulator_secret)
    with SimulatorServer(state) as server:
        yield server


@pytest.fixture(scope="module")
def app_server(oidc_issuer: str, simulator: SimulatorServer) -> Iterator[RunningApp]:
    """This module's app sends to this module's simulator."""
    database = Path(tempfile.mkdtemp(prefix="cobro-browser-")) / "whatsapp.db"
    with running_app(oidc_issuer, f"sqlite:///{database}", COBRO_SIMULATOR_URL=simulator.url) as app:
        yield app


def test_owner_tests_the_sandbox_connection_and_submits_templates(new_page, simulator: SimulatorServer) -> None:
    suffix = uuid.uuid4().hex[:6]
    page = new_page()
    sign_up(page, name="Fabio", email=f"fabio-{suffix}@example.com", company=f"Fabio Srl {suffix}")
    page.goto("/settings/whatsapp")
    expect(page.locator("#whatsapp-sandbox")).to_contain_text("You are on the sandbox")
    expect(page.locator("#verify-token")).not_to_be_empty()
    page.click("#whatsapp-test")
    expect(page.locator("#whatsapp-check")).to_contain_text("Connected: Cobro Sandbox")
    expect(page.locator("#whatsapp-check")).to_contain_text("up to 250 people a day")
    page.click("#whatsapp-submit")
    expect(page.get_by_text("115 sent for approval; 0 refused.")).to_be_visible(timeout=20_000)
    expect(page.locator("#whatsapp-templates")).to_contain_text("due_today_neutral")
    page.screenshot(path="artifacts/settings-whatsapp.png", full_page=True)
    page.screenshot(path="artifacts/settings-whatsapp-top.png")
    page.fill("#phone_number_id", "not-a-number")
    page.click("#whatsapp-save")
    expect(page.get_by_role("alert")).to_contain_text("digits only")


def test_a_paused_account_is_announced_everywhere_until_a_new_token_is_saved(new_page, app_server) -> None:
    suffix = uuid.uuid4().hex[:6]
    page = new_page()
    sign_up(page, name="Gaia", email=f"gaia-{suffix}@example.com", company=f"Gaia Srl {suffix}")
    with Session(db.engine_for(app_server.database_url)) as session:  # what the worker does on error 190
        org_id = session.exec(select(Organization.id).where(Organization.name == f"Gaia Srl {suffix}")).one()
        outbox.pause_account(session, org_id, "the access token has expired or was revoked")
        session.commit()
    page.goto("/dashboard")
    expect(page.locator("#sending-paused-banner")).to_contain_text("sending is paused")
    page.locator("#sending-paused-banner a").click()
    expect(page.locator("#whatsapp-paused")).to_contain_text("the access token has expired or was revoked")
    page.fill("#access_token", "EAAG-a-fresh-token")
    page.click("#whatsapp-save")
    expect(page.get_by_text("WhatsApp settings saved.")).to_be_visible()
    expect(page.locator("#whatsapp-paused")).to_have_count(0)
    page.goto("/dashboard")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.locator("#sending-paused-banner")).to_have_count(0)
