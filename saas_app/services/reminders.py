"""The one owner of a reminder's life outside the worker and the webhook ingestion.

Payments, replies, opt-outs, a new due date or messaging limit, a person in the UI: every path that
stops, pauses, resumes, re-plans or cancels scheduled messages comes here, and so does every message
queued outside the planner. The worker (claim, send, record, recover: saas_app.worker) and the
status webhooks (services.webhooks) are the only other writers of a message's status.

It reads no other service: invoices, debtors, the inbox and the WhatsApp settings call it, never
the other way round, so no import circle runs through it.
"""

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, or_, update
from sqlmodel import Session, col, select

from saas_app.core.campaigns import LIVE, EnrollmentState
from saas_app.core.messages import MessageKind, MessageStatus
from saas_app.core.reminders import StopReason
from saas_app.models import Cadence, Campaign, Enrollment, Message


def queue_free_text(
    session: Session,
    *,
    org_id: int,
    debtor_id: int,
    kind: MessageKind,
    text: str,
    now: datetime,
    language: str = "",
    invoice_id: int | None = None,
) -> Message:
    """Put a message that is not a cadence's step in the outbox (a reply, a document, an opt-out's
    confirmation): the worker sends it inside the 24-hour window the debtor opened."""
    message = Message(
        org_id=org_id,
        debtor_id=debtor_id,
        invoice_id=invoice_id,
        kind=kind,
        language=language,
        text=text,
        status=MessageStatus.SCHEDULED,
        scheduled_at=now,
    )
    session.add(message)
    session.flush()
    return message


def _cancel_pending(session: Session, enrollment_ids: list[int], reason: str) -> int:
    if not enrollment_ids:
        return 0
    result = session.execute(
        update(Message)
        .where(col(Message.enrollment_id).in_(enrollment_ids), col(Message.status) == MessageStatus.SCHEDULED)
        .values(status=MessageStatus.CANCELLED, error_message=reason)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _stop(session: Session, condition: Any, reason: str) -> int:
    ids = list(session.exec(select(Enrollment.id).where(condition, col(Enrollment.state).in_(LIVE))))
    if ids:
        session.execute(
            update(Enrollment)
            .where(col(Enrollment.id).in_(ids))
            .values(state=EnrollmentState.STOPPED, stop_reason=reason)
        )
    return _cancel_pending(session, [i for i in ids if i is not None], reason)


def stop_invoice(session: Session, org_id: int, invoice_id: int, *, reason: StopReason) -> int:
    """Paid, disputed or written off: its reminders stop before the next send. Returns messages cancelled."""
    return _stop(session, (Enrollment.org_id == org_id) & (Enrollment.invoice_id == invoice_id), reason)


def stop_debtor(session: Session, org_id: int, debtor_id: int, *, reason: StopReason = StopReason.OPTED_OUT) -> int:
    """Opt-out: nothing more goes to this debtor, from any campaign."""
    return _stop(session, (Enrollment.org_id == org_id) & (Enrollment.debtor_id == debtor_id), reason)


# A person stopped the whole campaign: its enrollments' stop reason, and what each message held back says.
CAMPAIGN_STOPPED = "campaign_stopped"


def stop_campaign(session: Session, org_id: int, campaign_id: int) -> int:
    """A person stopped the campaign: every message it still had planned is cancelled. Returns how many.

    What a worker already claimed may still go, as with every other stop.
    """
    return _stop(session, (Enrollment.org_id == org_id) & (Enrollment.campaign_id == campaign_id), CAMPAIGN_STOPPED)


def hold_campaign(session: Session, org_id: int, campaign_id: int) -> int:
    """A person paused the campaign: its planned messages are taken back, so that nothing goes and the
    planner schedules them again, in their send windows, once it runs again. Returns how many."""
    waiting = session.exec(
        select(Message.enrollment_id)
        .where(
            Message.org_id == org_id,
            Message.campaign_id == campaign_id,
            Message.status == MessageStatus.SCHEDULED,
        )
        .distinct()
    ).all()
    return unplan(session, [e for e in waiting if e is not None])


def unplan(session: Session, enrollment_ids: list[int]) -> int:
    """Take back messages not yet claimed by a worker, so the planner schedules their step again later."""
    if not enrollment_ids:
        return 0
    taken = session.execute(
        delete(Message)
        .where(col(Message.enrollment_id).in_(enrollment_ids), col(Message.status) == MessageStatus.SCHEDULED)
        .returning(col(Message.enrollment_id), col(Message.step_position))
        .execution_options(synchronize_session=False)
    ).all()
    if taken:
        table = Enrollment.__table__  # type: ignore[attr-defined]
        session.connection().execute(
            update(table).where(table.c.id == bindparam("enrollment")).values(next_step=bindparam("position")),
            [{"enrollment": enrollment_id, "position": position} for enrollment_id, position in taken],
        )
    return len(taken)


def _pause(session: Session, enrollments: list[tuple[int, date]]) -> int:
    """Hold each (enrollment, first day it may send again); a longer pause already set is kept."""
    for enrollment_id, until in enrollments:
        session.execute(
            update(Enrollment)
            .where(
                col(Enrollment.id) == enrollment_id,
                or_(col(Enrollment.paused_until).is_(None), col(Enrollment.paused_until) < until),
            )
            .values(paused_until=until)
        )
    return unplan(session, [enrollment_id for enrollment_id, _ in enrollments])


def _active_with(session: Session, setting: Any, condition: Any) -> list[tuple[int, int]]:
    """The live enrollments matching `condition`, each with one setting of its campaign's cadence.

    Paused ones too: a pause a person lifts later must still respect a promise or a reply made meanwhile.
    """
    rows = session.exec(
        select(Enrollment.id, setting)
        .join(Campaign, col(Campaign.id) == Enrollment.campaign_id)
        .join(Cadence, col(Cadence.id) == Campaign.cadence_id)
        .where(condition, col(Enrollment.state).in_(LIVE))
    ).all()
    return [(enrollment_id, value) for enrollment_id, value in rows if enrollment_id is not None]


def pause_for_reply(session: Session, org_id: int, debtor_id: int, today: date) -> int:
    """The debtor answered: a person reads it first, and the cadences wait their reply pause."""
    mine = (Enrollment.org_id == org_id) & (Enrollment.debtor_id == debtor_id)
    rows = _active_with(session, Cadence.reply_pause_days, mine)
    return _pause(session, [(e, today + timedelta(days=days)) for e, days in rows if days > 0])


def pause_for_promise(session: Session, org_id: int, invoice_id: int, promised_on: date) -> int:
    """A promise to pay: nothing more until the promised date and the cadence's grace days have passed."""
    mine = (Enrollment.org_id == org_id) & (Enrollment.invoice_id == invoice_id)
    rows = _active_with(session, Cadence.promise_grace_days, mine)
    return _pause(session, [(e, promised_on + timedelta(days=days + 1)) for e, days in rows])


def _enrollments_of(session: Session, org_id: int, invoice_id: int, states: tuple[str, ...]) -> list[int]:
    ids = session.exec(
        select(Enrollment.id).where(
            Enrollment.org_id == org_id, Enrollment.invoice_id == invoice_id, col(Enrollment.state).in_(states)
        )
    )
    return [i for i in ids if i is not None]


def _active_enrollments_of(session: Session, org_id: int, invoice_id: int) -> list[int]:
    return _enrollments_of(session, org_id, invoice_id, (EnrollmentState.ACTIVE,))


def resume_invoice(session: Session, org_id: int, invoice_id: int) -> int:
    """A promise withdrawn (the invoice reopened): its reminders take up again from now.

    A pause a person set stays: only they lift it (`unpause_invoice`).
    """
    known = _enrollments_of(session, org_id, invoice_id, LIVE)
    if known:
        session.execute(update(Enrollment).where(col(Enrollment.id).in_(known)).values(paused_until=None))
    return unplan(session, known)


def pause_invoice(session: Session, org_id: int, invoice_id: int) -> int:
    """A person holds this invoice's reminders until they resume them; returns the messages taken back.

    What a worker already claimed may still go; the rest is planned again once resumed.
    """
    active = _active_enrollments_of(session, org_id, invoice_id)
    if active:
        session.execute(update(Enrollment).where(col(Enrollment.id).in_(active)).values(state=EnrollmentState.PAUSED))
    return unplan(session, active)


def unpause_invoice(session: Session, org_id: int, invoice_id: int) -> int:
    """The person's pause lifted: the planner takes the invoice's reminders up again at their due step.

    Returns the enrollments resumed: none when no pause was set, or when another campaign has begun
    chasing the invoice meanwhile (an invoice is chased by one campaign at a time).
    """
    chased = _active_enrollments_of(session, org_id, invoice_id)
    paused = _enrollments_of(session, org_id, invoice_id, (EnrollmentState.PAUSED,))
    if chased or not paused:
        return 0
    latest = max(paused)  # one at a time can be active: the newest pause is the one to lift
    session.execute(update(Enrollment).where(col(Enrollment.id) == latest).values(state=EnrollmentState.ACTIVE))
    return 1


def replan_invoice(session: Session, org_id: int, invoice_id: int) -> int:
    """Its due date moved: reminders not yet sent are planned again from the new date."""
    return unplan(session, _active_enrollments_of(session, org_id, invoice_id))


def replan_organization(session: Session, org_id: int) -> int:
    """The WhatsApp account's limit changed: every reminder not yet sent is paced again."""
    waiting = session.exec(
        select(Message.enrollment_id)
        .where(
            Message.org_id == org_id, Message.status == MessageStatus.SCHEDULED, col(Message.enrollment_id).is_not(None)
        )
        .distinct()
    ).all()
    return unplan(session, [e for e in waiting if e is not None])
