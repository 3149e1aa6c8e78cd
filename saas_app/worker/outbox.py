"""The worker's side of the message table: claim due messages, record what WhatsApp answered, recover.

A claimed message is `sending` with a lease. Whatever happens to the worker afterwards, the row
says what is known: `sent` with its wamid, `failed` with Meta's code, back to `scheduled` for a
retry, or still `sending` when nobody knows whether it left (a timeout, a killed worker). Those
wait for Meta's status webhook, which finds them by the id we sent in biz_opaque_callback_data;
only if none comes within WEBHOOK_GRACE after the lease do they go back to the queue.
"""

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ARRAY, Integer, Text, bindparam, case, func, or_, select, update
from sqlmodel import Session, col

from saas_app.core import library, ratelimit
from saas_app.core.campaigns import CampaignStatus, EnrollmentState
from saas_app.core.message_values import MessageFacts, payment_link, placeholder_values
from saas_app.core.messages import PENDING, RESENT, MessageKind, MessageStatus, SendOutcome
from saas_app.core.reminders import EXPLANATION, held_status, reason_not_to_send
from saas_app.core.schedule import next_send_time
from saas_app.core.templates import RenderError, Variant, render
from saas_app.models import (
    Cadence,
    Campaign,
    Debtor,
    Enrollment,
    Invoice,
    Message,
    Organization,
    Template,
    TemplateVariant,
    WhatsAppAccount,
)
from saas_app.services import outbound, reminders, whatsapp
from saas_app.services.cadences import rules_for
from saas_app.whatsapp.errors import TEMPLATE_STATUS_OF
from saas_app.whatsapp.templates import UTILITY_TTL

LEASE = timedelta(seconds=60)
WEBHOOK_GRACE = timedelta(minutes=10)
MAX_ATTEMPTS = 8
# How far ahead a number's send slots are booked (seconds): claims stay well inside their lease, and
# a number with a large backlog leaves the worker's room for waiting messages to the other numbers.
CLAIM_AHEAD = 2.0
# A number is claimed for again once this much of its booking has gone by. Until then its due
# messages are not candidates at all: otherwise a large backlog on one number, always a few slots
# short of full, would fill every claim's candidates and starve the other numbers.
CLAIM_STEP = 0.5
# A reminder claimed this long after its time is checked against the debtor's window again.
LATE = timedelta(minutes=5)
# How often a step whose template Meta paused or disabled is looked at again (Meta pauses for hours).
TEMPLATE_RECHECK = timedelta(hours=1)
_UNSENDABLE_TEMPLATE = ("paused", "disabled")
_TEMPLATE_CODES = {str(code) for code in TEMPLATE_STATUS_OF}
_TABLE = Message.__table__  # type: ignore[attr-defined]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outgoing:
    """Everything needed to send one message, read while claiming it."""

    message_id: int
    org_id: int
    account_id: int
    to: str  # E.164, or the BSUID of a debtor known only by it
    template_name: str
    language: str
    parameters: list[dict[str, str]]
    button_payloads: tuple[str, ...]
    attempts: int
    send_at: float  # the booked slot, Unix seconds: the number's rate holds across workers
    text: str = ""  # what the debtor reads; sent as is when there is no template (a person's reply)
    document: tuple[str, str] | None = None  # (link, file name): the invoice's PDF, with `text` as caption


@dataclass(frozen=True)
class Account:
    """A number the worker sends from: where, with which token, how fast."""

    id: int
    org_id: int
    base_url: str
    version: str
    phone_number_id: str
    access_token: str
    throughput: int


@dataclass
class Claimed:
    messages: list[Outgoing] = field(default_factory=list)
    accounts: dict[int, Account] = field(default_factory=dict)
    held_back: int = 0  # stopped, skipped or unrenderable at the last check


@dataclass(frozen=True)
class Result:
    """What became of one send."""

    message_id: int
    org_id: int
    outcome: SendOutcome
    wamid: str = ""
    code: str = ""
    reason: str = ""
    retry_at: datetime | None = None


def claim(session: Session, now: datetime, limit: int) -> Claimed:
    """Take up to `limit` due messages, book their send slots, re-check and render them; commits.

    A number gets at most CLAIM_AHEAD of sends booked: a slow number's claims never outlive their
    lease, and other organizations are not kept waiting. PostgreSQL workers skip each other's rows.
    """
    at = now.timestamp()
    chosen: dict[int, list[int]] = {}  # account -> message ids, in due order
    room: dict[int, int] = {}
    rates: dict[int, int] = {}
    for message_id, account_id, throughput, next_slot in session.execute(_candidates(session, now, limit)):
        rates[account_id] = throughput
        room.setdefault(account_id, ratelimit.free_slots(next_slot, at, throughput, CLAIM_AHEAD))
        if room[account_id] > 0:
            room[account_id] -= 1
            chosen.setdefault(account_id, []).append(message_id)
    if not chosen:
        session.commit()
        return Claimed()
    won = set(
        session.execute(
            update(Message)
            .where(
                col(Message.id).in_([i for ids in chosen.values() for i in ids]),
                col(Message.status) == MessageStatus.SCHEDULED,
            )
            .values(status=MessageStatus.SENDING, lease_until=now + LEASE, attempts=col(Message.attempts) + 1)
            .returning(col(Message.id))
            .execution_options(synchronize_session=False)
        ).scalars()
    )
    send_at: dict[int, float] = {}
    for account_id in sorted(chosen):  # one order for every worker: no deadlocks on account rows
        mine = [i for i in chosen[account_id] if i in won]
        if mine:
            send_at.update(zip(mine, _book(session, account_id, len(mine), rates[account_id], at), strict=True))
    claimed = _prepare(session, sorted(won), now, send_at)
    session.commit()
    return claimed


def _book(session: Session, account_id: int, count: int, throughput: int, now: float) -> list[float]:
    """Reserve `count` send slots on the account's row: atomic, so workers never share a slot."""
    account = WhatsAppAccount.__table__  # type: ignore[attr-defined]
    span = count * ratelimit.interval(throughput)
    first_free = case((account.c.next_send_slot > now, account.c.next_send_slot), else_=now)
    end = session.execute(
        update(account)
        .where(account.c.id == account_id)
        .values(next_send_slot=first_free + span)
        .returning(account.c.next_send_slot)
    ).scalar_one()
    return ratelimit.booked(end - span, count, throughput)


def waiting_for_a_slot(session: Session, now: datetime) -> bool:
    """Whether messages are due on numbers booked past the claim horizon: a claim found none of them, yet
    they go out once their number's slots pass (a worker asked to stop when idle is not idle yet)."""
    return session.execute(_due(select(_TABLE.c.id), now).limit(1)).first() is not None


def _due(query: Any, now: datetime) -> Any:
    """Due messages of running campaigns (or none) on numbers not paused: what a claim may take."""
    account = WhatsAppAccount.__table__  # type: ignore[attr-defined]
    campaign = Campaign.__table__  # type: ignore[attr-defined]
    return (
        query.join(account, (account.c.org_id == _TABLE.c.org_id) & (account.c.paused_reason == ""))
        .outerjoin(campaign, campaign.c.id == _TABLE.c.campaign_id)
        .where(
            _TABLE.c.status == MessageStatus.SCHEDULED,
            _TABLE.c.scheduled_at <= now,
            or_(_TABLE.c.campaign_id.is_(None), campaign.c.status == CampaignStatus.RUNNING),
        )
    )


def _candidates(session: Session, now: datetime, limit: int) -> Any:
    account = WhatsAppAccount.__table__  # type: ignore[attr-defined]
    horizon = now.timestamp() + CLAIM_AHEAD - CLAIM_STEP
    query = (
        _due(select(_TABLE.c.id, account.c.id, account.c.throughput, account.c.next_send_slot), now)
        .where(or_(account.c.next_send_slot.is_(None), account.c.next_send_slot < horizon))
        .order_by(_TABLE.c.scheduled_at)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=_TABLE, skip_locked=True)
    return query


def _prepare(session: Session, ids: list[int], now: datetime, send_at: dict[int, float]) -> Claimed:
    """The last check before sending (stop rules, consent), then the text in the debtor's language."""
    claimed = Claimed()
    if not ids:
        return claimed
    rows = session.execute(
        select(
            _TABLE.c.id,
            _TABLE.c.org_id,
            _TABLE.c.attempts,
            _TABLE.c.enrollment_id,
            _TABLE.c.language,
            _TABLE.c.template_id,
            _TABLE.c.text,
            _TABLE.c.kind,
            _TABLE.c.scheduled_at,
            Debtor.__table__.c.name.label("debtor_name"),  # type: ignore[attr-defined]
            col(Debtor.phone),
            col(Debtor.whatsapp_user_id),
            col(Debtor.locale),
            col(Debtor.timezone),
            col(Debtor.opted_in_at),
            col(Debtor.opted_out_at),
            col(Debtor.country),
            col(Debtor.window_start_minute),
            col(Debtor.window_end_minute),
            col(Campaign.cadence_id),
            col(Invoice.status).label("invoice_status"),
            col(Invoice.number),
            col(Invoice.document_url),
            col(Invoice.service),
            col(Invoice.amount_minor),
            col(Invoice.paid_minor),
            col(Invoice.currency),
            col(Invoice.due_on),
            col(Invoice.payment_link),
            col(Enrollment.state).label("enrollment_state"),
            col(Template.key).label("template_key"),
            col(TemplateVariant.whatsapp_name),
            col(TemplateVariant.header),
            col(TemplateVariant.body),
            col(TemplateVariant.footer),
            col(TemplateVariant.buttons),
            col(TemplateVariant.status).label("variant_status"),
            Organization.__table__.c.name.label("org_name"),  # type: ignore[attr-defined]
            col(Organization.sender_name),
            col(Organization.contact),
            col(Organization.payment_methods),
            col(Organization.payment_link_template),
            col(WhatsAppAccount.id).label("account_id"),
        )
        .join(Debtor, col(Debtor.id) == _TABLE.c.debtor_id)
        .outerjoin(Invoice, col(Invoice.id) == _TABLE.c.invoice_id)
        .outerjoin(Enrollment, col(Enrollment.id) == _TABLE.c.enrollment_id)
        .outerjoin(Campaign, col(Campaign.id) == _TABLE.c.campaign_id)
        .outerjoin(Template, col(Template.id) == _TABLE.c.template_id)
        .outerjoin(
            TemplateVariant,
            (col(TemplateVariant.template_id) == _TABLE.c.template_id)
            & (col(TemplateVariant.language) == _TABLE.c.language),
        )
        .join(Organization, col(Organization.id) == _TABLE.c.org_id)
        .join(WhatsAppAccount, col(WhatsAppAccount.org_id) == _TABLE.c.org_id)
        .where(_TABLE.c.id.in_(ids))
    ).all()
    held: list[dict[str, Any]] = []
    postponed: list[dict[str, Any]] = []
    rendered: list[dict[str, Any]] = []
    paused_enrollments: list[int] = []
    account_ids: set[int] = set()
    cadences: dict[int, Cadence] = {}
    for row in rows:
        if row.enrollment_state == EnrollmentState.PAUSED:  # paused after planning: the step is planned again later
            paused_enrollments.append(row.enrollment_id)
            held.append({"b_id": row.id, "b_status": MessageStatus.SCHEDULED, "reason": "", "b_failed_at": None})
            continue
        status, reason = _stop_reason(row, now)
        if status:
            held.append({"b_id": row.id, "b_status": status, "reason": reason, "b_failed_at": _failed_at(status, now)})
            continue
        if _window_closed(session, row, now, cadences):  # the worker was down: plan it for the next window
            paused_enrollments.append(row.enrollment_id)
            held.append({"b_id": row.id, "b_status": MessageStatus.SCHEDULED, "reason": "", "b_failed_at": None})
            continue
        if waiting := _template_unavailable(row):
            postponed.append({"b_id": row.id, "reason": waiting, "b_at": now + TEMPLATE_RECHECK})
            continue
        try:
            outgoing = _outgoing(row, now, send_at[row.id])
        except RenderError as problem:
            reason = f"the template cannot be filled in: {problem}"
            held.append({"b_id": row.id, "b_status": MessageStatus.FAILED, "reason": reason, "b_failed_at": now})
            continue
        claimed.messages.append(outgoing)
        account_ids.add(row.account_id)
        if row.template_id is not None:
            rendered.append({"b_id": row.id, "b_text": outgoing.text, "b_parameters": outgoing.parameters})
    _hold(session, held)
    _postpone(session, postponed)
    if rendered:  # what the debtor reads, kept with the message: evidence, and the inbox's thread
        session.connection().execute(
            update(_TABLE)
            .where(_TABLE.c.id == bindparam("b_id"))
            .values(text=bindparam("b_text"), parameters=bindparam("b_parameters")),
            rendered,
        )
    reminders.unplan(session, paused_enrollments)
    claimed.held_back = len(held) + len(postponed) - len(paused_enrollments)
    claimed.accounts = _accounts(session, account_ids)
    return claimed


def _stop_reason(row: Any, now: datetime) -> tuple[str, str]:
    """Why this message must not go now: (status, reason), or ("", "") to send it."""
    stop = reason_not_to_send(
        invoice_status=row.invoice_status,
        opted_in=row.opted_in_at is not None,
        opted_out=row.opted_out_at is not None,
        kind=row.kind,
    )
    if stop is not None:
        return held_status(stop), EXPLANATION[stop]
    if row.kind == MessageKind.DOCUMENT and not row.document_url:
        return MessageStatus.FAILED, "the invoice has no document link any more"
    if row.template_id is None:  # a reply or a document inside the debtor's 24-hour window: they wrote first
        return "", ""
    if row.enrollment_state in (EnrollmentState.STOPPED, EnrollmentState.DONE):
        return MessageStatus.CANCELLED, "the campaign stopped for this invoice"
    if row.body is None:
        return MessageStatus.FAILED, f"the template has no {row.language or 'language'} version"
    if row.kind == MessageKind.REMINDER and now - row.scheduled_at > UTILITY_TTL:  # a backlog: its news is stale
        hours = int(UTILITY_TTL.total_seconds() // 3600)
        return (
            MessageStatus.EXPIRED,
            f"not sent in time: it was due at {row.scheduled_at:%Y-%m-%d %H:%M} UTC, over {hours} h ago",
        )
    return "", ""


def _window_closed(session: Session, row: Any, now: datetime, cadences: dict[int, Cadence]) -> bool:
    """A reminder claimed well after its time may no longer be inside the debtor's send window."""
    if row.kind != MessageKind.REMINDER or row.cadence_id is None or now - row.scheduled_at <= LATE:
        return False
    if row.cadence_id not in cadences:
        cadence = session.get(Cadence, row.cadence_id)
        assert cadence is not None
        cadences[row.cadence_id] = cadence
    today = _local_today(now, row.timezone)
    rules = rules_for(cadences[row.cadence_id], row, today)
    allowed = next_send_time(target=today, zone=row.timezone, rules=rules, not_before=now, horizon=timedelta(days=8))
    return allowed is None or allowed - now > LATE


def _template_unavailable(row: Any) -> str:
    """Why a step waits for its template (Meta paused or disabled it), or "" when it may go."""
    if row.template_id is None or row.variant_status not in _UNSENDABLE_TEMPLATE:
        return ""
    name = row.whatsapp_name or row.template_key
    return f"the template {name} ({row.language}) is {row.variant_status} on WhatsApp: the step waits for it"


def _address(row: Any) -> str:
    """The debtor's phone number; without one, their BSUID (the client then addresses Meta's `recipient`)."""
    return str(row.phone or row.whatsapp_user_id or "")


def _outgoing(row: Any, now: datetime, send_at: float) -> Outgoing:
    if row.template_id is None:
        document = (row.document_url, f"{row.number}.pdf") if row.kind == MessageKind.DOCUMENT else None
        return Outgoing(
            row.id,
            row.org_id,
            row.account_id,
            _address(row),
            "",
            "",
            [],
            (),
            row.attempts,
            send_at,
            text=row.text,
            document=document,
        )
    today = _local_today(now, row.timezone)
    amount_due = (row.amount_minor or 0) - (row.paid_minor or 0)
    facts = MessageFacts(
        customer_name=row.debtor_name,
        locale=row.locale or row.language,  # the variant is es for es_MX; $9,500.00 is written for es_MX
        amount_due_minor=amount_due,
        currency=row.currency or "EUR",
        due_on=row.due_on or today,
        invoice_number=row.number or "",
        service=row.service or "",
        payment_link=row.payment_link
        or payment_link(row.payment_link_template, row.number or "", amount_due, row.currency or "EUR"),
        payment_methods=row.payment_methods,
        company_name=row.sender_name or row.org_name,
        contact=row.contact,
    )
    variant = Variant(body=row.body, header=row.header, footer=row.footer, buttons=tuple(row.buttons or ()))
    rendered = render(variant, placeholder_values(facts, today))
    return Outgoing(
        message_id=row.id,
        org_id=row.org_id,
        account_id=row.account_id,
        to=_address(row),
        template_name=row.whatsapp_name or row.template_key,
        language=row.language,
        parameters=rendered.parameters,
        button_payloads=library.REPLY_BUTTONS[: len(variant.buttons)],
        attempts=row.attempts,
        send_at=send_at,
        text=rendered.text,
    )


def _local_today(now: datetime, zone: str) -> date:
    try:
        return now.astimezone(ZoneInfo(zone)).date()
    except (KeyError, ValueError):
        return now.date()


def _hold(session: Session, held: list[dict[str, Any]]) -> None:
    if not held:
        return
    session.connection().execute(
        update(_TABLE)
        .where(_TABLE.c.id == bindparam("b_id"), _TABLE.c.status == MessageStatus.SENDING)
        .values(
            status=bindparam("b_status"),
            error_message=bindparam("reason"),
            lease_until=None,
            failed_at=bindparam("b_failed_at"),
        ),
        held,
    )


def _postpone(session: Session, postponed: list[dict[str, Any]]) -> None:
    """Back in the queue until `b_at`; not counted as a try, since nothing was sent."""
    if not postponed:
        return
    session.connection().execute(
        update(_TABLE)
        .where(_TABLE.c.id == bindparam("b_id"), _TABLE.c.status == MessageStatus.SENDING)
        .values(
            status=MessageStatus.SCHEDULED,
            scheduled_at=bindparam("b_at"),
            error_message=bindparam("reason"),
            lease_until=None,
            attempts=_TABLE.c.attempts - 1,
        ),
        postponed,
    )


def _failed_at(status: str, now: datetime) -> datetime | None:
    return now if status == MessageStatus.FAILED else None


def _accounts(session: Session, ids: set[int]) -> dict[int, Account]:
    if not ids:
        return {}
    found = session.execute(select(WhatsAppAccount).where(col(WhatsAppAccount.id).in_(ids))).scalars()
    return {
        account.id or 0: Account(
            id=account.id or 0,
            org_id=account.org_id,
            base_url=account.api_base_url,
            version=account.api_version,
            phone_number_id=account.phone_number_id,
            access_token=whatsapp.access_token(account),
            throughput=account.throughput,
        )
        for account in found
    }


def _announce(session: Session, results: list[Result], now: datetime) -> None:
    """Tell the organizations that subscribed: one query when none did."""
    listening = outbound.listening_orgs(session, "message.status_changed") if results else set()
    wanted = [result for result in results if result.org_id in listening]
    if not wanted:
        return
    ids = [result.message_id for result in wanted]
    rows = session.execute(
        select(col(Message.id), col(Message.debtor_id), col(Message.invoice_id), col(Message.campaign_id)).where(
            col(Message.id).in_(ids)
        )
    ).all()
    about = {row[0]: row[1:] for row in rows}
    by_org: dict[int, list[dict[str, Any]]] = {}
    for result in wanted:
        debtor_id, invoice_id, campaign_id = about.get(result.message_id, (None, None, None))
        event = outbound.message_event(
            message_id=result.message_id,
            status=result.outcome,
            at=now,
            debtor_id=debtor_id,
            invoice_id=invoice_id,
            campaign_id=campaign_id,
            error_code=result.code,
        )
        by_org.setdefault(result.org_id, []).append(event)
    for org_id, events in by_org.items():
        outbound.emit(session, org_id, "message.status_changed", events, now)


def record(session: Session, results: list[Result], now: datetime) -> None:
    """Write a batch of send results; commits. A row a webhook already moved on keeps its status."""
    by_outcome: dict[SendOutcome, list[Result]] = {}
    for result in results:
        by_outcome.setdefault(result.outcome, []).append(result)
    connection = session.connection()
    sending = _TABLE.c.status == MessageStatus.SENDING
    mine = _TABLE.c.id == bindparam("b_id")
    if sent := by_outcome.get(SendOutcome.SENT):
        _record_sent(connection, sent, now)
    if failed := by_outcome.get(SendOutcome.FAILED):
        connection.execute(
            update(_TABLE)
            .where(mine, sending)
            .values(
                status=MessageStatus.FAILED,
                lease_until=None,
                failed_at=now,
                error_code=bindparam("code"),
                error_message=bindparam("reason"),
            ),
            [{"b_id": r.message_id, "code": r.code[:20], "reason": r.reason[:500]} for r in failed],
        )
    again = [
        r
        for o in (SendOutcome.RETRY, SendOutcome.PAUSE_ACCOUNT, SendOutcome.PAUSE_TEMPLATE)
        for r in by_outcome.get(o, [])
    ]
    if again:
        connection.execute(
            update(_TABLE)
            .where(mine, sending)
            .values(
                status=MessageStatus.SCHEDULED,
                lease_until=None,
                scheduled_at=bindparam("at"),
                error_code=bindparam("code"),
                error_message=bindparam("reason"),
            ),
            [
                {"b_id": r.message_id, "at": r.retry_at or now, "code": r.code[:20], "reason": r.reason[:500]}
                for r in again
            ],
        )
    if uncertain := by_outcome.get(SendOutcome.UNCERTAIN):
        # Maybe sent: the lease runs out now and the webhook grace starts (see recover).
        connection.execute(
            update(_TABLE).where(mine, sending).values(lease_until=now, error_message=bindparam("reason")),
            [{"b_id": r.message_id, "reason": r.reason[:500]} for r in uncertain],
        )
    paused = {result.org_id: result for result in by_outcome.get(SendOutcome.PAUSE_ACCOUNT, [])}
    for org_id, result in paused.items():  # one line per organization, not one per message of the batch
        pause_account(session, org_id, result.reason)
        log.warning(
            "sending paused for the organization until an admin fixes its WhatsApp account: %s",
            result.reason,
            extra={"org_id": org_id, "message_id": result.message_id, "code": result.code},
        )
    _mark_paused_templates(session, by_outcome.get(SendOutcome.PAUSE_TEMPLATE, []), now)
    _announce(session, (by_outcome.get(SendOutcome.SENT) or []) + (by_outcome.get(SendOutcome.FAILED) or []), now)
    session.commit()


def _sent_values(wamid: Any, now: Any) -> dict[str, Any]:
    """What a send WhatsApp accepted writes on its row, `wamid` and `now` being the statement's values."""
    # Meta's `failed` webhook can come before the answer is written: its code and reason stay.
    failed_since = or_(_TABLE.c.status == MessageStatus.FAILED, _TABLE.c.status == MessageStatus.EXPIRED)
    return {
        "wamid": wamid,
        "lease_until": None,
        "sent_at": func.coalesce(_TABLE.c.sent_at, now),
        # What earlier tries were refused for is no error of a message that went out.
        "error_code": case((failed_since, _TABLE.c.error_code), else_=""),
        "error_message": case(
            (failed_since, _TABLE.c.error_message),
            (_TABLE.c.error_message == RESENT, RESENT),
            else_="",
        ),
        "status": case(
            # Not in_(): an executemany takes no expanding parameter.
            (or_(*(_TABLE.c.status == pending for pending in PENDING)), MessageStatus.SENT),
            else_=_TABLE.c.status,
        ),
    }


# PostgreSQL: the batch as one statement over two arrays. Row by row (an executemany) each UPDATE fired
# the campaign counters' statement trigger of its own: most of the database's work per send, and several
# statements each taking counter rows in their own order (a deadlock with a webhook group's UPDATE).
_SENT_ROWS = (
    func.unnest(bindparam("ids", type_=ARRAY(Integer)), bindparam("wamids", type_=ARRAY(Text)))
    .table_valued("id", "wamid")
    .render_derived()  # AS anon_1(id, wamid)
)
_RECORD_SENT_AS_ARRAYS = (  # PostgreSQL
    update(_TABLE).where(_TABLE.c.id == _SENT_ROWS.c.id).values(_sent_values(_SENT_ROWS.c.wamid, bindparam("now")))
)
_RECORD_SENT_BY_ROW = (  # SQLite: an executemany, its triggers being per row anyway
    update(_TABLE).where(_TABLE.c.id == bindparam("b_id")).values(_sent_values(bindparam("b_wamid"), bindparam("now")))
)


def _record_sent(connection: Any, sent: list[Result], now: datetime) -> None:
    """The sends WhatsApp accepted, written with their wamids."""
    if connection.dialect.name == "postgresql":
        ids, wamids = [r.message_id for r in sent], [r.wamid for r in sent]
        connection.execute(_RECORD_SENT_AS_ARRAYS, {"ids": ids, "wamids": wamids, "now": now})
        return
    connection.execute(_RECORD_SENT_BY_ROW, [{"b_id": r.message_id, "b_wamid": r.wamid, "now": now} for r in sent])


def _mark_paused_templates(session: Session, results: list[Result], now: datetime) -> None:
    """Meta refused a send because it paused or disabled the template: the variant says so as well."""
    status_of = {r.message_id: TEMPLATE_STATUS_OF[int(r.code)] for r in results if r.code in _TEMPLATE_CODES}
    if not status_of:
        return
    rows = session.execute(
        select(_TABLE.c.id, _TABLE.c.template_id, _TABLE.c.language).where(_TABLE.c.id.in_(status_of))
    ).all()
    for message_id, template_id, language in rows:
        session.execute(
            update(TemplateVariant)
            .where(col(TemplateVariant.template_id) == template_id, col(TemplateVariant.language) == language)
            .values(status=status_of[message_id], updated_at=now)
            .execution_options(synchronize_session=False)
        )


def pause_account(session: Session, org_id: int, reason: str) -> None:
    """Stop an organization's sending until an admin fixes the account (a new token clears it)."""
    session.execute(
        update(WhatsAppAccount)
        .where(col(WhatsAppAccount.org_id) == org_id, col(WhatsAppAccount.paused_reason) == "")
        .values(paused_reason=reason[:300])
        .execution_options(synchronize_session=False)
    )


def recover(session: Session, now: datetime, grace: timedelta = WEBHOOK_GRACE) -> int:
    """Messages whose worker vanished and for which Meta never confirmed anything go back to the queue."""
    result = session.execute(
        update(Message)
        .where(col(Message.status) == MessageStatus.SENDING, col(Message.lease_until) < now - grace)
        .values(
            status=MessageStatus.SCHEDULED,
            lease_until=None,
            error_message=RESENT,
        )
        .execution_options(synchronize_session=False)
    )
    session.commit()
    recovered = int(getattr(result, "rowcount", 0) or 0)
    if recovered:
        log.warning("%d messages sent again: their worker stopped and WhatsApp never confirmed them", recovered)
    return recovered
