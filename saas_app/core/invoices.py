"""The invoice status machine, ageing buckets and the debtor's payment behaviour."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class Status(StrEnum):
    OPEN = "open"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    PROMISED = "promised"
    DISPUTED = "disputed"
    WRITTEN_OFF = "written_off"


# What a person (or an event) may move an invoice to, from each status.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.OPEN: frozenset({Status.PARTIALLY_PAID, Status.PAID, Status.PROMISED, Status.DISPUTED, Status.WRITTEN_OFF}),
    Status.PARTIALLY_PAID: frozenset({Status.PAID, Status.PROMISED, Status.DISPUTED, Status.WRITTEN_OFF}),
    Status.PROMISED: frozenset({Status.OPEN, Status.PARTIALLY_PAID, Status.PAID, Status.DISPUTED, Status.WRITTEN_OFF}),
    Status.DISPUTED: frozenset({Status.OPEN, Status.PARTIALLY_PAID, Status.PAID, Status.WRITTEN_OFF}),
    Status.WRITTEN_OFF: frozenset({Status.OPEN, Status.PAID}),
    Status.PAID: frozenset(),
}

# Reminders stop for good on these; "promised" only pauses them.
STOPPING = frozenset({Status.PAID, Status.DISPUTED, Status.WRITTEN_OFF})
# Still owed, and so counted in what is outstanding: a dispute is contested, not settled.
OUTSTANDING = frozenset({Status.OPEN, Status.PARTIALLY_PAID, Status.PROMISED, Status.DISPUTED})
LATE_TOLERANCE = timedelta(days=3)
# How a person says they were paid; what the API and payment webhooks send is kept as they send it.
PAYMENT_METHODS = ("bank_transfer", "card", "cash", "pix", "boleto", "cheque", "other")


def can_move(current: str, target: str) -> bool:
    """Whether an invoice may go from one status to the other; a paid invoice goes nowhere."""
    return Status(target) in TRANSITIONS[Status(current)]


def status_after_payment(current: str, amount_minor: int, paid_minor: int) -> Status:
    """Paid in full closes the invoice; a part payment keeps a dispute or a promise as it is."""
    if paid_minor >= amount_minor:
        return Status.PAID
    if Status(current) in {Status.DISPUTED, Status.PROMISED}:
        return Status(current)
    return Status.PARTIALLY_PAID if paid_minor > 0 else Status(current)


def days_overdue(due: date, today: date) -> int:
    """Days past the due date; 0 until then."""
    return max(0, (today - due).days)


# The buckets collections teams work by, each as the days overdue it spans (None: no bound).
AGE_BUCKETS: dict[str, tuple[int | None, int | None]] = {
    "not_due": (None, 0),
    "1-30": (1, 30),
    "31-90": (31, 90),
    "90+": (91, None),
}


def age_bucket(due: date, today: date) -> str:
    """The buckets collections teams work by: not yet due, 1-30, 31-90 and 90+ days overdue."""
    days = (today - due).days
    if days <= 0:
        return "not_due"
    if days <= 30:
        return "1-30"
    if days <= 90:
        return "31-90"
    return "90+"


def bucket_due_range(bucket: str, today: date) -> tuple[date | None, date | None]:
    """The due dates (earliest, latest; None for no bound) of the invoices in an ageing bucket today.

    The same meaning as `age_bucket`, turned around so that a list can filter on the due date's index.
    """
    fewest, most = AGE_BUCKETS[bucket]
    earliest = today - timedelta(days=most) if most is not None else None
    latest = today - timedelta(days=fewest) if fewest is not None else None
    return earliest, latest


class Behaviour(StrEnum):
    UNKNOWN = "unknown"
    PUNCTUAL = "punctual"
    LATE = "late"
    CHRONIC = "chronic"


@dataclass(frozen=True)
class InvoiceHistory:
    due: date
    paid_on: date | None  # None while unpaid


def classify_behaviour(history: Iterable[InvoiceHistory], today: date) -> Behaviour:
    """Punctual pays on time, late often pays after the due date, chronic mostly late or long overdue."""
    late = total = 0
    for item in history:
        if item.paid_on is None:
            if days_overdue(item.due, today) > 90:
                return Behaviour.CHRONIC
            if item.due >= today:
                continue  # not due yet: says nothing
            settled_late = days_overdue(item.due, today) > LATE_TOLERANCE.days
        else:
            settled_late = item.paid_on - item.due > LATE_TOLERANCE
        total += 1
        late += settled_late
    if total == 0:
        return Behaviour.UNKNOWN
    share = late / total
    if share >= 0.5:
        return Behaviour.CHRONIC if total >= 3 else Behaviour.LATE
    return Behaviour.LATE if share >= 0.2 else Behaviour.PUNCTUAL
