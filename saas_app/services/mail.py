"""Outgoing email. Every message is stored; without a mail server it is printed to the console."""

import logging
import smtplib
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from sqlmodel import Session, col, select

from saas_app.models import OutboundEmail
from saas_app.models.base import utcnow
from saas_app.settings import settings

log = logging.getLogger("cobro.mail")
SENDER = "Cobro <no-reply@cobro.local>"


def send_email(session: Session, *, to: str, subject: str, body: str) -> OutboundEmail:
    """Stores an email and sends it through the configured SMTP server, or prints it when there is none."""
    email = OutboundEmail(to=to, subject=subject, body=body)
    if settings.smtp_url:
        _deliver(to, subject, body)
        email.sent_at = utcnow()
    else:
        print(f"\n--- email to {to}: {subject}\n{body}\n---", flush=True)  # noqa: T201
    session.add(email)
    return email


def latest_email_to(session: Session, to: str) -> OutboundEmail | None:
    """The newest email stored for an address, or None; how tests read a link that was mailed."""
    query = select(OutboundEmail).where(OutboundEmail.to == to).order_by(col(OutboundEmail.id).desc())
    return session.exec(query).first()


def _deliver(to: str, subject: str, body: str) -> None:
    """COBRO_SMTP_URL=smtp://user:password@host:port (smtps:// for implicit TLS)."""
    url = urlsplit(settings.smtp_url)
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = SENDER, to, subject
    message.set_content(body)
    smtp_class = smtplib.SMTP_SSL if url.scheme == "smtps" else smtplib.SMTP
    with smtp_class(url.hostname or "localhost", url.port or 0, timeout=10) as smtp:
        if url.scheme == "smtp" and url.port != 25:
            smtp.starttls()
        if url.username:
            smtp.login(unquote(url.username), unquote(url.password or ""))
        smtp.send_message(message)
