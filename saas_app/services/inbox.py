"""Debtors' replies for a person: conversations, what each debtor needs, and answers inside the 24 h window."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlmodel import Session, col, select

from saas_app.core.messages import MessageKind, MessageStatus
from saas_app.core.roles import Action
from saas_app.i18n import N_
from saas_app.models import Debtor, InboundMessage, Invoice, Message, WhatsAppAccount
from saas_app.models.base import utcnow
from saas_app.services import audit, reminders, whatsapp
from saas_app.services.context import OrgContext, owned_row
from saas_app.services.errors import NotFound, ServiceError
from saas_app.services.paging import Slice, keyset
from saas_app.whatsapp.client import CloudClient, CloudError

# WhatsApp's customer service window: free text only this long after the debtor's last message.
SERVICE_WINDOW = timedelta(hours=24)
MAX_TEXT = 4096
# Outbound rows a conversation shows; besides them, a person's reply still waiting for the worker.
S = MessageStatus
_SHOWN = (S.SENDING, S.SENT, S.DELIVERED, S.READ, S.FAILED)


@dataclass(frozen=True)
class Conversation:
    debtor_id: int
    name: str
    phone: str
    last_text: str
    last_intent: str
    last_at: datetime
    waiting: int  # replies nobody has marked handled


@dataclass(frozen=True)
class Entry:
    inbound: bool
    text: str
    at: datetime
    status: str = ""  # outbound: scheduled ... read, failed
    intent: str = ""  # inbound
    error: str = ""
    document: bool = False  # outbound: the invoice's PDF, `text` its caption


@dataclass(frozen=True)
class Thread:
    debtor_id: int
    name: str
    phone: str
    opted_out: bool
    window_closes_at: datetime | None  # None: the window is closed
    entries: list[Entry]
    documents: list[tuple[int, str]]  # (invoice id, number) of open invoices whose PDF can be sent


def conversations(session: Session, ctx: OrgContext, limit: int = 50) -> list[Conversation]:
    """Debtors who wrote, newest first; replies from numbers we do not know are left to the log."""
    ctx.require(Action.VIEW)
    recent = session.exec(
        select(InboundMessage, Debtor)
        .join(Debtor, col(Debtor.id) == InboundMessage.debtor_id)
        .where(InboundMessage.org_id == ctx.org_id)
        .order_by(col(InboundMessage.received_at).desc(), col(InboundMessage.id).desc())
        .limit(limit * 20)
    ).all()
    found: dict[int, Conversation] = {}
    waiting: dict[int, int] = {}
    for reply, debtor in recent:
        debtor_id = debtor.id or 0
        waiting[debtor_id] = waiting.get(debtor_id, 0) + (reply.handled_at is None)
        if debtor_id not in found and len(found) < limit:
            found[debtor_id] = Conversation(
                debtor_id, debtor.name, debtor.phone, reply.text, reply.intent, reply.received_at, 0
            )
    return [
        Conversation(c.debtor_id, c.name, c.phone, c.last_text, c.last_intent, c.last_at, waiting[c.debtor_id])
        for c in found.values()
    ]


def _debtor(session: Session, ctx: OrgContext, debtor_id: int) -> Debtor:
    debtor = session.get(Debtor, debtor_id)
    if debtor is None or debtor.org_id != ctx.org_id:
        raise NotFound(N_("This debtor does not exist."))
    return debtor


def scan_sent(
    session: Session, ctx: OrgContext, debtor_id: int, *, after: int | None = None, limit: int = 50
) -> Slice[Message]:
    """Messages to one debtor, every status from scheduled to read, oldest first."""
    ctx.require(Action.VIEW)
    debtor = _debtor(session, ctx, debtor_id)
    query = select(Message).where(Message.org_id == ctx.org_id, Message.debtor_id == debtor.id)
    return keyset(session, query, col(Message.id), after=after, limit=limit)


def scan_replies(
    session: Session, ctx: OrgContext, debtor_id: int, *, after: int | None = None, limit: int = 50
) -> Slice[InboundMessage]:
    """What one debtor wrote, oldest first."""
    ctx.require(Action.VIEW)
    debtor = _debtor(session, ctx, debtor_id)
    query = select(InboundMessage).where(InboundMessage.org_id == ctx.org_id, InboundMessage.debtor_id == debtor.id)
    return keyset(session, query, col(InboundMessage.id), after=after, limit=limit)


def window_closes_at(session: Session, org_id: int, debtor_id: int, now: datetime) -> datetime | None:
    """When WhatsApp's 24-hour window since the debtor's last message closes; None when it is closed."""
    last = session.exec(
        select(InboundMessage.received_at)
        .where(InboundMessage.org_id == org_id, InboundMessage.debtor_id == debtor_id)
        .order_by(col(InboundMessage.received_at).desc())
    ).first()
    return last + SERVICE_WINDOW if last is not None and last + SERVICE_WINDOW > now else None


def thread(session: Session, ctx: OrgContext, debtor_id: int, now: datetime | None = None) -> Thread:
    """Everything exchanged with one debtor on WhatsApp, oldest first."""
    ctx.require(Action.VIEW)
    debtor = _debtor(session, ctx, debtor_id)
    replies = session.exec(
        select(InboundMessage).where(InboundMessage.org_id == ctx.org_id, InboundMessage.debtor_id == debtor_id)
    ).all()
    queued_reply = (col(Message.status) == S.SCHEDULED) & col(Message.template_id).is_(None)
    sent = session.exec(
        select(Message).where(
            Message.org_id == ctx.org_id,
            Message.debtor_id == debtor_id,
            col(Message.status).in_(_SHOWN) | queued_reply,
        )
    ).all()
    entries = [Entry(True, r.text, r.received_at, intent=r.intent) for r in replies]
    entries += [
        Entry(
            False,
            m.text,
            m.sent_at or m.failed_at or m.scheduled_at,
            status=m.status,
            error=m.error_message,
            document=m.kind == MessageKind.DOCUMENT,
        )
        for m in sent
    ]
    entries.sort(key=lambda e: e.at)
    return Thread(
        debtor_id,
        debtor.name,
        debtor.phone,
        debtor.opted_out_at is not None,
        window_closes_at(session, ctx.org_id, debtor_id, now or utcnow()),
        entries[-200:],
        _sendable_documents(session, ctx.org_id, debtor_id),
    )


def _sendable_documents(session: Session, org_id: int, debtor_id: int) -> list[tuple[int, str]]:
    rows = session.exec(
        select(Invoice.id, Invoice.number).where(
            Invoice.org_id == org_id,
            Invoice.debtor_id == debtor_id,
            Invoice.document_url != "",
            col(Invoice.status).not_in(("paid", "written_off")),
        )
    ).all()
    return [(invoice_id, number) for invoice_id, number in rows if invoice_id is not None]


def reply(session: Session, ctx: OrgContext, debtor_id: int, text: str, now: datetime | None = None) -> Message:
    """A person's answer, sent by the worker as free text while the debtor's window is open."""
    ctx.require(Action.COLLECT)
    now = now or utcnow()
    debtor = _debtor(session, ctx, debtor_id)
    text = text.strip()
    if not text:
        raise ServiceError(N_("Write a reply first."), field="text")
    if len(text) > MAX_TEXT:
        raise ServiceError(N_("A WhatsApp message holds at most 4,096 characters."), field="text")
    _check_writable(session, debtor, now, field="text")
    message = reminders.queue_free_text(
        session, org_id=ctx.org_id, debtor_id=debtor_id, kind=MessageKind.REPLY, text=text, now=now
    )
    audit.record_for(ctx, session, "inbox.replied", target_type="debtor", target_id=debtor_id, message_id=message.id)
    return message


def _check_writable(session: Session, debtor: Debtor, now: datetime, *, field: str) -> None:
    """Free text and documents need consent not withdrawn and the 24-hour window the debtor opened."""
    if debtor.opted_out_at is not None:
        raise ServiceError(N_("This debtor opted out: nothing more is sent to them."), field=field)
    if window_closes_at(session, debtor.org_id, debtor.id or 0, now) is None:
        raise ServiceError(
            N_("More than 24 hours since their last message: WhatsApp allows only an approved template now."),
            field=field,
        )


def send_invoice(
    session: Session, ctx: OrgContext, debtor_id: int, invoice_id: int, now: datetime | None = None
) -> Message:
    """The invoice's PDF in the chat: the answer to "I never received the invoice"."""
    ctx.require(Action.COLLECT)
    now = now or utcnow()
    debtor = _debtor(session, ctx, debtor_id)
    invoice = owned_row(session, Invoice, ctx, invoice_id, N_("This invoice does not exist."))
    if invoice.debtor_id != debtor.id:
        raise NotFound(N_("This invoice does not exist."))
    if not invoice.document_url:
        raise ServiceError(
            N_("This invoice has no document link: add it from your billing system or through the API."),
            field="invoice",
        )
    _check_writable(session, debtor, now, field="invoice")
    message = queue_document(session, invoice, now)
    audit.record_for(
        ctx, session, "inbox.invoice_sent", target_type="debtor", target_id=debtor_id, invoice_id=invoice.id
    )
    return message


def queue_document(session: Session, invoice: Invoice, now: datetime) -> Message:
    """Ask the worker to send the invoice's document (its link must be set), captioned with its number."""
    caption = " · ".join(part for part in (invoice.number, invoice.service) if part)
    return reminders.queue_free_text(
        session,
        org_id=invoice.org_id,
        debtor_id=invoice.debtor_id,
        invoice_id=invoice.id,
        kind=MessageKind.DOCUMENT,
        text=caption[:1024],
        now=now,
    )


def mark_handled(session: Session, ctx: OrgContext, debtor_id: int, now: datetime | None = None) -> int:
    """A person has dealt with this debtor's replies; returns how many were waiting."""
    ctx.require(Action.COLLECT)
    _debtor(session, ctx, debtor_id)
    waiting = session.exec(
        select(InboundMessage).where(
            InboundMessage.org_id == ctx.org_id,
            InboundMessage.debtor_id == debtor_id,
            col(InboundMessage.handled_at).is_(None),
        )
    ).all()
    for row in waiting:
        row.handled_at = now or utcnow()
        session.add(row)
    return len(waiting)


async def mark_read(
    transaction: whatsapp.Transactions, ctx: OrgContext, debtor_id: int, http: httpx.AsyncClient
) -> bool:
    """Blue ticks for the debtor: their latest message was seen by a person. False if WhatsApp refused."""
    ctx.require(Action.COLLECT)
    with transaction() as session:  # closed before Meta is called
        _debtor(session, ctx, debtor_id)
        latest = session.exec(
            select(InboundMessage.wamid)
            .where(InboundMessage.org_id == ctx.org_id, InboundMessage.debtor_id == debtor_id)
            .order_by(col(InboundMessage.received_at).desc())
        ).first()
        account = session.exec(select(WhatsAppAccount).where(WhatsAppAccount.org_id == ctx.org_id)).first()
        endpoint = whatsapp.endpoint_of(account) if account is not None else None
    if latest is None or endpoint is None:
        return False
    try:
        await CloudClient(endpoint, http).mark_read(latest)
    except CloudError:
        return False  # nothing for the person to do: the conversation reads the same
    return True
