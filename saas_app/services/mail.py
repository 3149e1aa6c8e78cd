"""Outgoing email: every message is stored, but never the secret it carries.

A reset, invitation or unlock link is a key to an account: only its recipient may hold it. The
caller names the secret (the token in the link); the stored copy and anything logged show
WITHHELD in its place, and only the mail itself carries it.

Without a mail server (COBRO_SMTP_URL), development prints the whole email on the console, since
the developer is the recipient there, and keeps it in this process's memory, where
`console_copy` reads it (that is how tests follow a mailed link). Production prints nothing of
such an email, only a warning that it was not sent.

With a mail server, delivery happens on a background thread, so that how long the server takes
cannot tell the caller whether an account exists (a reset request answers at once either way).
"""

import logging
import smtplib
import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from sqlmodel import Session, col, select

from saas_app.models import OutboundEmail
from saas_app.models.base import utcnow
from saas_app.settings import settings

log = logging.getLogger("cobro.mail")
SENDER = "Cobro <no-reply@cobro.local>"
WITHHELD = "[withheld]"
CONSOLE_COPIES_KEPT = 200

_delivery = ThreadPoolExecutor(max_workers=2, thread_name_prefix="cobro-mail")
_console_copies: OrderedDict[str, str] = OrderedDict()
_console_lock = threading.Lock()


def send_email(session: Session, *, to: str, subject: str, body: str, secret: str = "") -> OutboundEmail:
    """Stores an email without `secret` and sends it whole: through SMTP, else on the development console.

    Returns the stored row, whose body shows WITHHELD where the secret was; sent_at is when it was
    handed to the mail server's queue (None when there is no mail server).
    """
    kept = body.replace(secret, WITHHELD) if secret else body
    email = OutboundEmail(to=to, subject=subject, body=kept)
    if settings.smtp_url:
        _delivery.submit(_deliver, to, subject, body).add_done_callback(_log_failure)
        email.sent_at = utcnow()
    elif settings.is_production:
        log.warning("COBRO_SMTP_URL is not set: the email %r to %s was not sent", subject, to)
    else:
        print(f"\n--- email to {to}: {subject}\n{body}\n---", flush=True)  # noqa: T201
        _keep_console_copy(to, body)
    session.add(email)
    return email


def latest_email_to(session: Session, to: str) -> OutboundEmail | None:
    """The newest email stored for an address, or None; its secret, if it had one, is withheld."""
    query = select(OutboundEmail).where(OutboundEmail.to == to).order_by(col(OutboundEmail.id).desc())
    return session.exec(query).first()


def console_copy(to: str) -> str | None:
    """The whole body of the newest email this process printed for an address (development without SMTP)."""
    with _console_lock:
        return _console_copies.get(to)


def _keep_console_copy(to: str, body: str) -> None:
    with _console_lock:
        _console_copies.pop(to, None)
        _console_copies[to] = body
        while len(_console_copies) > CONSOLE_COPIES_KEPT:
            _console_copies.popitem(last=False)


def _log_failure(delivery: Future[None]) -> None:
    error = delivery.exception()
    if error is not None:
        # SMTP errors carry the server's reply, never the message we sent, so no secret reaches the log.
        log.error("An email could not be delivered: %s: %s", type(error).__name__, error)


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
