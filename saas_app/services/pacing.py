"""What the planner and the cadence editor's dry run read before placing a reminder: the account's
messaging-limit ledger and the debtor's other messages. One way to read each, for both.

The planner runs these for every organization it plans; the dry run for one debtor it never writes to.
"""

from collections import defaultdict
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from saas_app import db
from saas_app.core.messages import MessageStatus
from saas_app.core.pacing import DAY, Ledger, planned_limit
from saas_app.models import Enrollment, Message, WhatsAppAccount

S = MessageStatus
NOT_COUNTED = (S.CANCELLED, S.SKIPPED, S.FAILED, S.EXPIRED)  # for spacing and the weekly cap
# What Meta counts toward the messaging limit: templates on their way or arrived.
REACHING = (S.SCHEDULED, S.SENDING, S.SENT, S.DELIVERED, S.READ)
# How far back a debtor's messages still matter to spacing and the weekly cap (a week, and a day's margin).
SCHEDULE_LOOKBACK = timedelta(days=8)

_SENT_OR_DUE = func.coalesce(col(Message.sent_at), col(Message.scheduled_at))


def reaching(org_id: int, now: datetime) -> tuple[Any, ...]:
    """The organization's template sends Meta counts in a moving day that ends after `now`."""
    return (
        Message.org_id == org_id,
        col(Message.template_id).is_not(None),
        col(Message.status).in_(REACHING),
        now - DAY <= _SENT_OR_DUE,
    )


def _aware(at: datetime) -> datetime:
    """coalesce() loses the column type: SQLite gives naive UTC back."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


def account_ledger(
    session: Session,
    org_id: int,
    now: datetime,
    *,
    known: Ledger | None = None,
    counted: int = 0,
    lock: bool = False,
) -> tuple[Ledger | None, int]:
    """The organization's messaging-limit ledger at `now` and how many sends it counts; None: no limit.

    A caller holding a ledger (`known`, counting `counted` sends) keeps it unless the sends it counts
    changed under it (another planner, a cancellation): a count is cheap, reading every send of a large
    campaign each batch is not. With `lock`, on PostgreSQL the account row stays locked until the caller
    commits, so two planners never book the same places; the worker's send-slot booking waits that long
    at most.
    """
    query = select(WhatsAppAccount.messaging_limit).where(WhatsAppAccount.org_id == org_id)
    if lock and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    limit = session.exec(query).first()
    if not limit:
        return None, 0
    sends = reaching(org_id, now)
    unchanged = known is not None and known.limit == planned_limit(limit)
    if unchanged and session.exec(select(func.count()).select_from(Message).where(*sends)).one() == counted:
        return known, counted
    booked = session.exec(select(_SENT_OR_DUE).where(*sends)).all()
    return Ledger(planned_limit(limit), [_aware(at) for at in booked]), len(booked)


def debtor_schedule(
    session: Session,
    now: datetime,
    debtor_ids: Collection[int],
    *,
    enrolled_between: tuple[int, int] | None = None,
    excluding: Collection[int] = (),
) -> dict[int, list[datetime]]:
    """The debtors' messages around now (sent or to be sent), which spacing and the weekly cap must respect.

    PostgreSQL gets the debtor ids as one array (an index scan); given a subquery it would scan every
    message. SQLite, given the planner's window of enrollment ids (`enrolled_between`, exclusive of the
    first), gets the window's debtors as a subquery rather than thousands of parameters. `excluding`:
    enrollments whose messages do not count (the dry run's own invoice, planned afresh).
    """
    dialect = session.get_bind().dialect.name
    params: dict[str, Any] = {}
    if dialect == "postgresql" or enrolled_between is None:
        mine: Any = db.one_of(dialect, col(Message.debtor_id), "debtor_ids")
        params["debtor_ids"] = sorted(debtor_ids)
    else:
        after_id, last_id = enrolled_between
        in_batch = select(Enrollment.debtor_id).where(col(Enrollment.id) > after_id, col(Enrollment.id) <= last_id)
        mine = col(Message.debtor_id).in_(in_batch)
    query = select(Message.debtor_id, Message.scheduled_at, Message.sent_at).where(
        mine,
        col(Message.status).not_in(NOT_COUNTED),
        Message.scheduled_at > now - SCHEDULE_LOOKBACK,
    )
    if excluding:
        query = query.where(
            or_(col(Message.enrollment_id).is_(None), col(Message.enrollment_id).not_in(list(excluding)))
        )
    times: dict[int, list[datetime]] = defaultdict(list)
    for debtor_id, scheduled_at, sent_at in session.exec(query, params=params).all():
        times[debtor_id].append(sent_at or scheduled_at)
    return times
