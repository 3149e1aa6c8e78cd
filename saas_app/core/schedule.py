"""When a reminder may go out: the debtor's local window, weekdays, holidays, spacing and weekly cap.

All inputs and outputs are plain values; times are timezone-aware, UTC in and UTC out, and the
debtor's zone (zoneinfo) is applied only here, so daylight-saving changes are handled in one place.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, partial
from zoneinfo import ZoneInfo, available_timezones

from saas_app.core.pacing import Ledger, paced

WEEK = timedelta(days=7)
ALL_WEEKDAYS = frozenset(range(7))  # Monday = 0
DEFAULT_HORIZON = timedelta(days=120)
# WhatsApp's pair rate: one message to the same person every 6 seconds, whatever the cadence says.
PAIR_SPACING = timedelta(seconds=6)


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def is_time_zone(name: str) -> bool:
    """An IANA zone name zoneinfo knows, such as America/Sao_Paulo."""
    return name in _zones()


@dataclass(frozen=True)
class SendRules:
    window_start: time = time(9, 0)
    window_end: time = time(19, 0)  # exclusive
    weekdays: frozenset[int] = frozenset(range(5))
    min_gap: timedelta = timedelta(hours=20)
    weekly_cap: int = 3  # 0: no cap
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.window_end <= self.window_start:
            raise ValueError("the send window must end after it starts")
        if not self.weekdays:
            raise ValueError("at least one weekday must be allowed")


def _local(day: date, at: time, zone: ZoneInfo) -> datetime:
    """A wall-clock time that exists: a time skipped by a DST jump moves forward past the jump."""
    naive = datetime.combine(day, at)
    aware = naive.replace(tzinfo=zone)
    back = aware.astimezone(UTC).astimezone(zone)
    return back if back.replace(tzinfo=None) != naive else aware


def _allowed_day(day: date, rules: SendRules) -> bool:
    return day.weekday() in rules.weekdays and day not in rules.holidays


def _cap_frees_at(candidate: datetime, others: Sequence[datetime], cap: int) -> datetime | None:
    """None if one more message at `candidate` keeps every 7-day window within the cap;
    otherwise the earliest later moment worth trying."""
    if cap <= 0:
        return None
    points = sorted([*others, candidate])
    for start in points:
        if start > candidate or candidate - start >= WEEK:
            continue
        in_window = [p for p in points if start <= p < start + WEEK]
        if len(in_window) > cap:
            return start + WEEK
    return None


def _too_close(candidate: datetime, others: Sequence[datetime], gap: timedelta) -> datetime | None:
    clashes = [other for other in others if abs(candidate - other) < gap]
    return max(clashes) + gap if clashes else None


def next_send_time(
    *,
    target: date,
    zone: str,
    rules: SendRules,
    not_before: datetime,
    others: Sequence[datetime] = (),
    horizon: timedelta = DEFAULT_HORIZON,
) -> datetime | None:
    """The first moment, on or after the target day, that respects every rule; None past the horizon.

    `others` are the debtor's other messages (sent or scheduled), for spacing and the weekly cap.
    """
    tz = ZoneInfo(zone)
    earliest = max(not_before, _local(target, rules.window_start, tz).astimezone(UTC))
    limit = earliest + horizon
    candidate = earliest
    while candidate <= limit:
        local = candidate.astimezone(tz)
        day = local.date()
        if not _allowed_day(day, rules) or local.time() >= rules.window_end:
            candidate = _local(day + timedelta(days=1), rules.window_start, tz).astimezone(UTC)
            continue
        if local.time() < rules.window_start:
            candidate = _local(day, rules.window_start, tz).astimezone(UTC)
            if candidate.astimezone(tz).time() >= rules.window_end:  # the window fell into a DST gap
                candidate = _local(day + timedelta(days=1), rules.window_start, tz).astimezone(UTC)
            continue
        later = _too_close(candidate, others, max(rules.min_gap, PAIR_SPACING)) or _cap_frees_at(
            candidate, others, rules.weekly_cap
        )
        if later is not None:
            candidate = later
            continue
        return candidate
    return None


@dataclass(frozen=True)
class StepPlan:
    offset_days: int
    rules: SendRules


@dataclass(frozen=True)
class PlannedSend:
    step: int
    due_day: date
    send_at: datetime | None  # UTC; None when no moment fits within the horizon
    local: datetime | None
    # Why it goes later than its own rules alone would send it: another message to the debtor then (UTC),
    # or the account's messaging limit, full until then (UTC).
    moved_by: datetime | None = None
    paced_until: datetime | None = None


def _pushed_by(alone: datetime, others: Sequence[datetime], rules: SendRules) -> datetime | None:
    """The other message that kept a step from going at `alone`: the nearest within the spacing, else
    the nearest in the same seven days (the weekly cap)."""
    gap = max(rules.min_gap, PAIR_SPACING)
    near = [o for o in others if abs(o - alone) < gap] or [o for o in others if abs(o - alone) < WEEK]
    return min(near, key=lambda o: abs(o - alone)) if near else None


def _from(send_time: Callable[..., datetime | None], others: Sequence[datetime], start: datetime) -> datetime | None:
    return send_time(not_before=start, others=others)


def plan(
    *,
    due: date,
    steps: Sequence[StepPlan],
    zone: str,
    now: datetime,
    others: Sequence[datetime] = (),
    ledger: Ledger | None = None,
) -> list[PlannedSend]:
    """The dry run: when each step of a cadence would go out for one invoice, in order, as the planner
    would place it.

    A step whose day has passed goes out at the next allowed moment; each step waits for the one
    before it, and all of them count toward the debtor's spacing and weekly cap, with the debtor's
    `others` (other campaigns' messages). With the account's messaging-limit `ledger`, each step waits
    for a place in it too, and takes it.
    """
    tz = ZoneInfo(zone)
    planned: list[PlannedSend] = []
    own: list[datetime] = []
    not_before = now
    for index, step in enumerate(steps):
        target = due + timedelta(days=step.offset_days)
        send_time = partial(next_send_time, target=target, zone=zone, rules=step.rules)
        alone = send_time(not_before=not_before, others=own)
        everyone = [*own, *others]
        at = send_time(not_before=not_before, others=everyone) if others else alone
        moved_by = _pushed_by(alone, others, step.rules) if alone is not None and at != alone else None
        paced_until = None
        if at is not None and ledger is not None:
            frees, unpaced = ledger.earliest(), at
            at = paced(ledger, at, not_before, partial(_from, send_time, everyone))
            paced_until = frees if at != unpaced else None
        planned.append(PlannedSend(index, target, at, at.astimezone(tz) if at else None, moved_by, paced_until))
        if at is not None:
            own.append(at)
            not_before = at
    return planned


def first_step(offsets: Sequence[int], due: date, today: date) -> int:
    """Where a newly enrolled invoice starts: the latest step whose day has come, so an invoice
    40 days overdue gets the overdue reminder, not the 'due in 7 days' one. Offsets are sorted."""
    started = [index for index, offset in enumerate(offsets) if due + timedelta(days=offset) <= today]
    return started[-1] if started else 0
