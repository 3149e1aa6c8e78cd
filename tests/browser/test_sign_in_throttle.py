"""An account guessed from many addresses: a password alone is refused, and the mailed link signs its owner in."""

import re
import time
import uuid
from datetime import UTC, datetime

from playwright.sync_api import expect
from sqlmodel import Session

from saas_app import db
from saas_app.core import throttle
from saas_app.models import LoginAttempt
from tests.browser.test_signup_and_team import sign_up

PASSWORD = "a long enough password"  # what test_signup_and_team.sign_up signs up with


def guesses_from_a_botnet(database_url: str, email: str) -> None:
    """Failed sign-ins on the account from many addresses, just now: enough for a wait longer than the test."""
    now = datetime.now(UTC)
    with Session(db.engine_for(database_url)) as session:
        session.add_all(
            LoginAttempt(email=email, ip=f"10.66.0.{n}", at=now) for n in range(throttle.FREE_FAILURES_PER_ACCOUNT + 6)
        )
        session.commit()


def mailed_unlock_path(log_path, email: str) -> str:
    """The unlock link printed on the development console (no mail server), as a developer would find it."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = re.findall(rf"--- email to {re.escape(email)}: .*?(/unlock/[A-Za-z0-9_-]+)", log_path.read_text(), re.S)
        if found:
            return found[-1]
        time.sleep(0.2)
    raise AssertionError("no unlock link was printed")


def test_the_owner_of_an_account_under_attack_signs_in_through_the_mailed_link(new_page, app_server) -> None:
    suffix = uuid.uuid4().hex[:6]
    email, company = f"nina-{suffix}@example.com", f"Nina Srl {suffix}"
    sign_up(new_page(), name="Nina", email=email, company=company)
    guesses_from_a_botnet(app_server.database_url, email)

    page = new_page()
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    expect(page.get_by_role("alert")).to_contain_text("we have emailed its owner a link to sign in")

    page.goto(mailed_unlock_path(app_server.log, email))
    expect(page.locator("#unlock-email")).to_have_text(email)
    page.fill("#password", PASSWORD)
    page.click("#unlock-submit")
    expect(page).to_have_url(re.compile(r"/dashboard/?$"))
    expect(page.locator("#dashboard-org")).to_have_text(company)
