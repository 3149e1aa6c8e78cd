"""Pacing to WhatsApp's messaging limit: at most `limit` template sends in any moving 24 hours.

Meta counts the unique people a business reaches outside a service window per moving 24 hours.
The ledger counts every template send instead: a debtor reminded twice in a day uses two places,
so the count of people can only be lower than the count the ledger keeps under the limit.

Sends are booked one after another, in the order the caller decides (its priority), and send k
may go no earlier than a day after send k - limit. Then no day holds limit + 1 sends, whatever
order their times came in: among any limit + 1 places, two differ by a multiple of `limit`, and
each step of `limit` places waits a day.
"""

from collections import deque
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

DAY = timedelta(hours=24)

# Meta's messaging-limit tiers (whatsapp_business_manager_messaging_limit), as the unique people a
# business may reach outside service windows per moving 24 hours; 0: unlimited. The one table:
# the client reads Meta's answer with it, the settings form offers and accepts its values.
MESSAGING_TIERS: dict[str, int] = {
    "TIER_250": 250,
    "TIER_1K": 1_000,
    "TIER_2K": 2_000,
    "TIER_10K": 10_000,
    "TIER_100K": 100_000,
    "TIER_UNLIMITED": 0,
}
MESSAGING_LIMITS: tuple[int, ...] = tuple(MESSAGING_TIERS.values())
# A send exactly a day after another must not share a window with it, however windows are cut.
_MARGIN = timedelta(seconds=1)


class Ledger:
    """The template sends of one WhatsApp account from a day ago on: booked and to be booked."""

    def __init__(self, limit: int, booked: Iterable[datetime] = ()) -> None:
        if limit < 1:
            raise ValueError("a ledger needs a limit of at least one send a day")
        self.limit = limit
        # The last `limit` sends in booking order (what was booked before comes in time order):
        # the oldest of them decides when the next may go.
        self._last: deque[datetime] = deque(sorted(booked)[-limit:], maxlen=limit)

    def earliest(self) -> datetime | None:
        """The first moment the next send may go; None while the limit leaves room at any time."""
        return self._last[0] + DAY + _MARGIN if len(self._last) == self.limit else None

    def book(self, at: datetime) -> None:
        """Count a send at `at`, which the caller has placed no earlier than earliest()."""
        self._last.append(at)


def headroom(limit: int) -> int:
    """Places of the limit the planner leaves free: a retried or held send goes out later than
    planned, and must not push a moving day over Meta's limit."""
    return max(1, limit // 20) if limit > 1 else 0


def planned_limit(limit: int) -> int:
    """How many sends a moving day may be planned with under Meta's `limit`: the limit less its headroom."""
    return limit - headroom(limit)


def paced(
    ledger: Ledger, when: datetime, not_before: datetime, send_time: Callable[[datetime], datetime | None]
) -> datetime | None:
    """The send time once the account's messaging limit has room, booked in the ledger.

    `when` is the first moment the debtor's rules allow; `send_time(t)` gives the first one they allow
    from `t` on. None (nothing booked) when no allowed moment is left once the limit has room.
    """
    earliest = ledger.earliest()
    if earliest is not None and when < earliest:
        # Up to the whole minute: later is always allowed, and sends in one minute share a lookup.
        earliest = earliest.replace(second=0, microsecond=0) + timedelta(minutes=1)
        later = send_time(max(not_before, earliest))
        if later is None:
            return None
        when = later
    ledger.book(when)
    return when
