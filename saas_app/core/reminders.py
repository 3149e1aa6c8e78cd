"""The one rule that says whether a message may go to a debtor: the planner and the worker both ask it.

Plain values in, the reason it may not go (or None) out: the planner asks before it plans a step,
the worker once more before it sends, since a payment, a dispute or an opt-out may come in between.
"""

from enum import StrEnum

from saas_app.core.invoices import STOPPING
from saas_app.core.messages import MessageKind, MessageStatus


class StopReason(StrEnum):
    """Why reminders stop; kept as the enrollment's stop reason (an invoice's ones are its status)."""

    OPTED_OUT = "opted_out"
    NO_CONSENT = "no_consent"
    PAID = "paid"
    DISPUTED = "disputed"
    WRITTEN_OFF = "written_off"


assert {reason.value for reason in StopReason} >= {status.value for status in STOPPING}, (
    "a stopping status has a reason"
)

# What a message held back says, for the team and the audit.
EXPLANATION = {
    StopReason.OPTED_OUT: "the debtor opted out",
    StopReason.NO_CONSENT: "no opt-in recorded for this debtor",
    StopReason.PAID: "the invoice was paid",
    StopReason.DISPUTED: "the invoice is disputed",
    StopReason.WRITTEN_OFF: "the invoice was written off",
}


def reason_not_to_send(
    *, invoice_status: str | None, opted_in: bool, opted_out: bool, kind: str = MessageKind.REMINDER
) -> StopReason | None:
    """Why this message may not go to this debtor now, or None when it may.

    An opt-out stops everything but its own confirmation. A reply or a document goes inside the
    24-hour window the debtor opened by writing, so it needs no opt-in and no open invoice; a
    reminder needs both.
    """
    if opted_out and kind != MessageKind.OPT_OUT_CONFIRMATION:
        return StopReason.OPTED_OUT
    if kind != MessageKind.REMINDER:
        return None
    if invoice_status in STOPPING:
        return StopReason(invoice_status)
    if not opted_in:
        return StopReason.NO_CONSENT
    return None


def held_status(reason: StopReason) -> MessageStatus:
    """Without consent a reminder never could go (skipped); otherwise it was stopped (cancelled)."""
    return MessageStatus.SKIPPED if reason == StopReason.NO_CONSENT else MessageStatus.CANCELLED
