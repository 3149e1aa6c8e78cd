"""Status and role badges: one colour per status, whatever page shows it."""

from typing import Any

import reflex as rx

from saas_app.core.campaigns import CampaignStatus
from saas_app.core.invoices import Status as InvoiceStatus
from saas_app.core.messages import MessageStatus
from saas_app.i18n import N_
from saas_app.state.base import t

# Every status the UI shows, by its stored value, and the Radix colour it is drawn in. Green is
# done or good, amber waits, red needs a person, gray is over; teal is moving along.
STATUS_COLORS: dict[str, str] = {
    CampaignStatus.RUNNING: "teal",
    CampaignStatus.PAUSED: "amber",
    CampaignStatus.FINISHED: "gray",
    CampaignStatus.CANCELLED: "red",
    InvoiceStatus.OPEN: "blue",
    InvoiceStatus.PARTIALLY_PAID: "teal",
    InvoiceStatus.PAID: "green",
    InvoiceStatus.PROMISED: "violet",
    InvoiceStatus.DISPUTED: "orange",
    InvoiceStatus.WRITTEN_OFF: "gray",
    MessageStatus.SCHEDULED: "gray",
    MessageStatus.SENDING: "blue",
    MessageStatus.SENT: "blue",
    MessageStatus.DELIVERED: "green",
    MessageStatus.READ: "teal",
    MessageStatus.FAILED: "red",
    MessageStatus.SKIPPED: "gray",
    MessageStatus.EXPIRED: "amber",
    # deliveries of outbound webhooks ("delivered" and "failed" as for messages)
    "pending": "amber",
    # payment events
    "applied": "green",
    "duplicate": "gray",
    "ignored": "amber",
    # Meta's template review, as Meta spells it
    "APPROVED": "green",
    "PENDING": "amber",
    "REJECTED": "red",
    "PAUSED": "orange",
    "DISABLED": "red",
}

ROLE_LABELS = [
    ("owner", N_("Owner")),
    ("admin", N_("Admin")),
    ("collector", N_("Collector")),
    ("viewer", N_("Viewer")),
]


def status_color(status: Any) -> Any:
    """The colour of a status (a Var), gray for one the map does not know."""
    return rx.match(status, *[(str(value), color) for value, color in STATUS_COLORS.items()], "gray")


def status_badge(status: Any, label: Any, **props: Any) -> rx.Component:
    """A status in its colour; `label` is what the reader sees (translated by the state)."""
    return rx.badge(label, color_scheme=status_color(status), variant="soft", **props)


def role_label(role: Any) -> Any:
    """A role's name in the user's language."""
    return rx.match(role, *[(value, t(label)) for value, label in ROLE_LABELS], role)


def role_badge(role: Any, **props: Any) -> rx.Component:
    """A member's role as a soft badge, in the reader's language."""
    return rx.badge(role_label(role), variant="soft", **props)
