"""Issue 21's done-when path on the simulator: build a segment, launch, and watch the open campaign page.

The app, the real sending worker (`cobro worker`) and the built-in WhatsApp simulator (`cobro simulator`)
run as processes, as `make run` starts them; the simulator answers every send and posts signed status
webhooks and a reply for each message to the app. Without reloading, the campaign page shows sent,
delivered, read and replied rise, its message list follows, and the reader keeps their place.
"""

import tempfile
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from saas_app import db
from saas_app.models import Cadence, CadenceStep, Invoice, Template
from tests.browser.conftest import RunningApp, _base_env, _free_port, running_app
from tests.browser.test_signup_and_team import ARTIFACTS, sign_up
from tests.browser.test_workspace_lists import owner_context
from tests.factories import debtor_with_invoice, today_of
from tests.processes import start_cli, stop

SIMULATOR_SECRET = "live-campaign-simulator-secret"
LIVE = 30_000  # ms: a few seconds of the worker, the simulator's webhooks and the page's 3 s loop, with room


@pytest.fixture(scope="module")
def app_server(oidc_issuer: str) -> Iterator[RunningApp]:
    """The app sending to this module's simulator, the simulator posting to the app, and a worker between."""
    folder = Path(tempfile.mkdtemp(prefix="cobro-live-"))
    database = f"sqlite:///{folder / 'live.db'}"
    simulator_url = f"http://127.0.0.1:{_free_port()}"
    shared = {"COBRO_SIMULATOR_URL": simulator_url, "COBRO_SIMULATOR_SECRET": SIMULATOR_SECRET}
    with running_app(oidc_issuer, database, **shared) as app:
        env = _base_env(app.url, int(app.url.rsplit(":", 1)[1]), oidc_issuer) | shared | {"DATABASE_URL": database}
        # Every send answered and read, every message answered: the figures rise in a few seconds, always the same.
        simulator = start_cli(
            [
                "simulator",
                "--port",
                simulator_url.rsplit(":", 1)[1],
                "--webhook-url",
                f"{app.url}/webhooks/whatsapp",
                "--sent-after",
                "0.3",
                "--delivered-after",
                "0.8",
                "--read-after",
                "1.5",
                "--reply-after",
                "2",
                "--failure-rate",
                "0",
                "--reply-rate",
                "1",
                "--seed",
                "21",
            ],
            env,
            folder / "simulator.log",
        )
        worker = start_cli(["worker", "--plan-seconds", "1", "--report-seconds", "0"], env, folder / "worker.log")
        try:
            yield app
        finally:
            stop(worker)
            stop(simulator)


def invoices_to_chase(database_url: str, company: str, email: str) -> None:
    """Two invoices 10 and 20 days overdue, one 100 days overdue, and a one-step cadence sending at any hour.

    Its template is one of the built-in library's, which the simulator's sandbox number holds approved.
    """
    with Session(db.engine_for(database_url), expire_on_commit=False) as session:
        ctx = owner_context(session, company, email)
        today = today_of(session, ctx)
        for n, late in enumerate((10, 20, 100)):
            _, invoice_id = debtor_with_invoice(
                session, ctx, phone=f"+39333500020{n}", number=f"W-{n}", due=today - timedelta(days=late)
            )
            invoice = session.get(Invoice, invoice_id)
            assert invoice is not None
            invoice.payment_link = f"https://pay.example.com/W-{n}"  # the template links to it
            session.add(invoice)
        template = session.exec(
            select(Template).where(Template.org_id == ctx.org_id, Template.key == "due_today_neutral")
        ).one()
        # Its send window is the whole day, so the test sends whatever the hour in the debtors' zone.
        cadence = Cadence(
            org_id=ctx.org_id,
            name="Live cadence",
            window_start_minute=0,
            window_end_minute=24 * 60,
            weekdays=list(range(7)),
            skip_holidays=False,
            weekly_cap=0,
            min_gap_hours=0,
        )
        session.add(cadence)
        session.flush()
        step = CadenceStep(
            org_id=ctx.org_id, cadence_id=cadence.id or 0, position=0, offset_days=0, template_id=template.id or 0
        )
        session.add(step)
        session.commit()


def test_launch_on_the_simulator_and_watch_the_figures_rise_without_a_reload(new_page, app_server) -> None:
    suffix = uuid.uuid4().hex[:6]
    page: Page = new_page()
    company, email = f"Vivo Srl {suffix}", f"viva-{suffix}@example.com"
    sign_up(page, name="Viva", email=email, company=company)
    invoices_to_chase(app_server.database_url, company, email)

    page.goto("/campaigns/new")
    count = page.locator("#count-invoices")
    expect(count).to_contain_text("3")
    page.locator("#max_days").fill("60")
    expect(count).to_contain_text("2")
    page.get_by_label("Cadence", exact=True).select_option(label="Live cadence · Ready")
    expect(page.locator("#preview-invoices")).to_contain_text("2")
    page.locator("#campaign_name").fill("Live on the simulator")
    page.locator("#launch").click()
    page.locator("#launch-dialog-confirm").click()
    expect(page.locator("#campaign-name")).to_have_text("Live on the simulator")
    page.evaluate("window.sameDocument = true")  # gone if the page reloads

    # The reader scrolls down to the message list and stays there while the figures rise.
    messages = page.locator("#messages")
    messages.scroll_into_view_if_needed()
    assert page.evaluate("window.scrollY") > 0
    for figure in ("sent", "delivered", "read", "replied"):
        expect(page.locator(f"#figure-{figure}")).to_have_text("2", timeout=LIVE)
    expect(page.locator("#funnel-replied .funnel-value")).to_have_text("2", timeout=LIVE)  # messages answered
    expect(page.locator("#funnel-read")).to_contain_text("100% of delivered")
    rows = page.locator(".message-row")
    expect(rows).to_have_count(2)
    for row in range(2):
        expect(rows.nth(row)).to_contain_text("Read", timeout=LIVE)
    expect(page.locator("#activity .activity-item")).to_have_count(1)  # launched, said once
    expect(page.locator("#activity .activity-item")).to_contain_text("Launched")
    assert page.evaluate("window.sameDocument") is True, "no reload"
    expect(messages).to_be_in_viewport()  # the reader kept their place: not sent back to the top
    page.screenshot(path=f"{ARTIFACTS}/campaign-live.png", full_page=True)
