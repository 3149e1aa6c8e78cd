"""A debtor's payment behaviour (punctual, late, chronic) from their invoices, with the facts behind it.

The thresholds, each as collections teams reason about a payer:

- An invoice is settled late when it is paid more than GRACE_DAYS after its due date (a transfer
  that takes two days is not lateness); an unpaid invoice past that grace counts as late too.
- An invoice still unpaid LONG_OVERDUE_DAYS after its due date (the 90+ ageing bucket) makes the
  debtor chronic at once, whatever else they paid on time.
- Otherwise the share of late invoices decides: under LATE_SHARE (fewer than one in five) is
  punctual; from LATE_SHARE, late; from CHRONIC_SHARE (half or more), chronic once at least
  CHRONIC_MIN_INVOICES invoices say so, and late before that (two invoices are too few to judge).
- Invoices not yet due say nothing, nor do disputed ones (the caller leaves them out): they are
  about the invoice, not the payer. With nothing to judge, the behaviour is unknown.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from saas_app.core.invoices import LATE_TOLERANCE, Behaviour, InvoiceHistory, days_overdue

GRACE_DAYS = LATE_TOLERANCE.days
LONG_OVERDUE_DAYS = 90
LATE_SHARE = 0.2
CHRONIC_SHARE = 0.5
CHRONIC_MIN_INVOICES = 3


@dataclass(frozen=True)
class Assessment:
    """The behaviour and what it rests on, for a person to check."""

    behaviour: Behaviour
    paid_on_time: int  # paid within the grace days
    paid_late: int  # paid after them
    overdue: int  # unpaid, past due beyond the grace days
    long_overdue: int  # of those, unpaid more than LONG_OVERDUE_DAYS
    within_grace: int  # unpaid, past due by no more than the grace days: on time so far

    @property
    def judged(self) -> int:
        """How many invoices the verdict rests on."""
        return self.paid_on_time + self.paid_late + self.overdue + self.within_grace


def assess(history: Iterable[InvoiceHistory], today: date) -> Assessment:
    """The debtor's behaviour as of `today`, and the counts a person reads beside it."""
    on_time = late = overdue = long_overdue = within_grace = 0
    for item in history:
        if item.paid_on is not None:
            if (item.paid_on - item.due).days > GRACE_DAYS:
                late += 1
            else:
                on_time += 1
        elif item.due >= today:
            continue  # not due yet: says nothing
        elif (days := days_overdue(item.due, today)) > GRACE_DAYS:
            overdue += 1
            long_overdue += days > LONG_OVERDUE_DAYS
        else:
            within_grace += 1
    return Assessment(
        behaviour=_verdict(on_time + late + overdue + within_grace, late + overdue, long_overdue),
        paid_on_time=on_time,
        paid_late=late,
        overdue=overdue,
        long_overdue=long_overdue,
        within_grace=within_grace,
    )


def _verdict(judged: int, late: int, long_overdue: int) -> Behaviour:
    if long_overdue:
        return Behaviour.CHRONIC
    if judged == 0:
        return Behaviour.UNKNOWN
    share = late / judged
    if share >= CHRONIC_SHARE:
        return Behaviour.CHRONIC if judged >= CHRONIC_MIN_INVOICES else Behaviour.LATE
    return Behaviour.LATE if share >= LATE_SHARE else Behaviour.PUNCTUAL
