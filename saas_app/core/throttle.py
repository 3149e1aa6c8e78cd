"""How many failed sign-ins are tolerated before we make the caller wait."""

from dataclasses import dataclass
from datetime import datetime, timedelta

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20


@dataclass(frozen=True)
class ThrottleDecision:
    allowed: bool
    retry_after: timedelta = timedelta(0)


def decide(account_failures: list[datetime], address_failures: list[datetime], now: datetime) -> ThrottleDecision:
    """Refuse while either the account or the address has too many recent failures.

    The caller may try again once enough of the failures have left the window.
    """
    waits = []
    for failures, limit in (
        (account_failures, MAX_FAILURES_PER_ACCOUNT),
        (address_failures, MAX_FAILURES_PER_ADDRESS),
    ):
        recent = sorted(at for at in failures if now - at < WINDOW)
        if len(recent) >= limit:
            # The oldest failure that keeps the count at the limit decides when it frees up.
            waits.append(recent[len(recent) - limit] + WINDOW - now)
    if not waits:
        return ThrottleDecision(allowed=True)
    return ThrottleDecision(allowed=False, retry_after=max(waits))
