"""The vocabulary of an outbound message: its status, its kind, and what one send came to."""

from enum import StrEnum


class MessageStatus(StrEnum):
    SCHEDULED = "scheduled"  # in the outbox, waiting for its time
    SENDING = "sending"  # claimed by a worker, under a lease
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"
    CANCELLED = "cancelled"  # stopped before it went: paid, disputed, opted out...
    SKIPPED = "skipped"  # never could go: no consent, no language variant, no allowed time
    EXPIRED = "expired"  # not sent in time (its time-to-live ran out): the cadence's next step follows


# Not yet with Meta: a worker may still send it, and the reminders service may still take it back.
PENDING = (MessageStatus.SCHEDULED, MessageStatus.SENDING)


class MessageKind(StrEnum):
    REMINDER = "reminder"  # a cadence step's template
    REPLY = "reply"  # a person's free text, inside the debtor's 24-hour window
    DOCUMENT = "document"  # the invoice's PDF, sent by a person or when a debtor says they never got it
    OPT_OUT_CONFIRMATION = "opt_out_confirmation"  # the one message that still goes to a debtor who opted out


class SendOutcome(StrEnum):
    """What the worker learned from one send, and so what it writes on the message."""

    SENT = "sent"
    FAILED = "failed"
    RETRY = "retry"  # back to the queue after a backoff
    UNCERTAIN = "uncertain"  # maybe sent (a timeout): Meta's status webhook will tell
    PAUSE_ACCOUNT = "pause_account"  # the token is refused: the organization's sending stops
    PAUSE_TEMPLATE = "pause_template"  # Meta paused or disabled the template: the step waits


# What a message sent again after its worker vanished says: kept once it is sent, unlike the reasons of earlier
# tries, since the debtor may have it twice.
RESENT = "sent again: the worker stopped and WhatsApp never confirmed the first try"
