"""Mailed links reach their recipient only: not the database, not a production log, not the caller's clock."""

import dataclasses
import logging
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from sqlmodel import Session, select

from saas_app.models import OutboundEmail
from saas_app.services import accounts, mail, team
from saas_app.settings import settings
from tests.factories import sign_up

KNOWN_TOKEN = "live-token-that-must-reach-only-the-recipient"


@pytest.fixture
def known_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every reset, invitation and unlock link carries KNOWN_TOKEN, so that output can be searched for it."""
    monkeypatch.setattr(accounts, "new_token", lambda: KNOWN_TOKEN)
    monkeypatch.setattr(team, "new_token", lambda: KNOWN_TOKEN)


def use_settings(monkeypatch: pytest.MonkeyPatch, **changes: str) -> None:
    monkeypatch.setattr(mail, "settings", dataclasses.replace(settings, **changes))


def mail_every_link(session: Session) -> None:
    """A reset, an invitation and an unlock link, each mailed once."""
    _, owner = sign_up(session, email="ana@example.com")
    accounts.request_password_reset(session, email="ana@example.com", ip="198.51.100.7")
    team.invite(session, owner, email="bea@example.com", role="viewer")
    session.commit()
    user = accounts.find_user(session, "ana@example.com")
    assert user is not None
    accounts._mail_unlock_link(session, user, accounts.utcnow())  # the unlock mail alone, without an attack
    session.commit()


@pytest.mark.usefixtures("known_tokens")
@pytest.mark.parametrize("environment", ["production", "development"])
def test_production_never_prints_or_logs_a_live_link_and_no_database_holds_one(
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    environment: str,
) -> None:
    """The flaw found: a live reset token for the demo account sat in the run log and the outboundemail table."""
    use_settings(monkeypatch, environment=environment)
    caplog.set_level(logging.DEBUG)
    mail_every_link(session)
    printed = capsys.readouterr()
    output = printed.out + printed.err + caplog.text
    stored = session.exec(select(OutboundEmail.body)).all()
    assert len(stored) == 3
    assert all(KNOWN_TOKEN not in body and mail.WITHHELD in body for body in stored)
    if environment == "production":
        assert KNOWN_TOKEN not in output
        assert "COBRO_SMTP_URL is not set" in caplog.text
    else:
        assert output.count(KNOWN_TOKEN) == 3, "a developer without a mail server still sees each link"


class BlockingSmtp:
    """Stands in for smtplib.SMTP: keeps what it is given, holding each delivery until released."""

    released = threading.Event()
    delivered: list[EmailMessage] = []  # noqa: RUF012 - shared with the class the mailer instantiates
    done = threading.Event()

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.address = (host, port, timeout)

    def __enter__(self) -> "BlockingSmtp":
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def starttls(self) -> None:
        """TLS is asked for on a submission port."""

    def login(self, user: str, password: str) -> None:
        assert (user, password) == ("cobro", "p@ss")

    def send_message(self, message: EmailMessage) -> None:
        self.released.wait(10)
        self.delivered.append(message)
        self.done.set()


@pytest.fixture
def smtp_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[BlockingSmtp]]:
    use_settings(monkeypatch, smtp_url="smtp://cobro:p%40ss@mail.example.com:587")
    monkeypatch.setattr(mail.smtplib, "SMTP", BlockingSmtp)
    BlockingSmtp.released.clear()
    BlockingSmtp.done.clear()
    BlockingSmtp.delivered.clear()
    yield BlockingSmtp
    BlockingSmtp.released.set()


@pytest.mark.usefixtures("known_tokens")
def test_a_reset_request_answers_before_the_mail_server_does(
    session: Session, smtp_server: type[BlockingSmtp], capsys: pytest.CaptureFixture[str]
) -> None:
    """How long the mail server takes must not tell the caller that the account exists."""
    sign_up(session, email="ana@example.com")
    started = time.monotonic()
    accounts.request_password_reset(session, email="ana@example.com")
    session.commit()
    assert time.monotonic() - started < 5
    assert smtp_server.delivered == [], "the server has not answered yet"
    stored = mail.latest_email_to(session, "ana@example.com")
    assert stored is not None
    assert stored.sent_at is not None
    smtp_server.released.set()
    assert smtp_server.done.wait(10)
    [message] = smtp_server.delivered
    assert message["To"] == "ana@example.com"
    assert f"/reset-password/{KNOWN_TOKEN}" in message.get_content()
    assert KNOWN_TOKEN not in stored.body
    assert KNOWN_TOKEN not in capsys.readouterr().out


def test_a_failed_delivery_is_logged_without_the_email(
    session: Session, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    class RefusingSmtp(BlockingSmtp):
        def send_message(self, message: EmailMessage) -> None:  # noqa: ARG002 - the server refuses whatever it gets
            raise mail.smtplib.SMTPRecipientsRefused({"ana@example.com": (550, b"no such user")})

    use_settings(monkeypatch, smtp_url="smtps://mail.example.com:465")
    monkeypatch.setattr(mail.smtplib, "SMTP_SSL", RefusingSmtp)
    mail.send_email(session, to="ana@example.com", subject="Hello", body=f"secret {KNOWN_TOKEN}", secret=KNOWN_TOKEN)
    deadline = time.monotonic() + 10
    while "could not be delivered" not in caplog.text and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "SMTPRecipientsRefused" in caplog.text
    assert KNOWN_TOKEN not in caplog.text
