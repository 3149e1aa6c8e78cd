"""Status and role badges: one colour per status, whatever page shows it."""

from typing import Any

import reflex as rx

from saas_app.i18n import N_
from saas_app.state.base import t

# Every status the UI shows, by its stored value, and the Radix colour it is drawn in. Green is
# done or good, amber waits, red needs a person, gray is over; teal is moving along.
STATUS_COLORS: dict[str, str] = {
    # campaigns
    "running": "teal",
    "paused": "amber",
    "finished": "gray",
    "cancelled": "red",
    # invoices
    "open": "blue",
    "partially_paid": "teal",
    "paid": "green",
    "promised": "violet",
    "disputed": "orange",
    "written_off": "gray",
    # messages
    "scheduled": "gray",
    "sending": "blue",
    "sent": "blue",
    "delivered": "green",
    "read": "teal",
    "failed": "red",
    "skipped": "gray",
    "expired": "amber",
    # deliveries of outbound webhooks
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
    return rx.match(status, *STATUS_COLORS.items(), "gray")


def status_badge(status: Any, label: Any, **props: Any) -> rx.Component:
    """A status in its colour; `label` is what the reader sees (translated by the state)."""
    return rx.badge(label, color_scheme=status_color(status), variant="soft", **props)


def role_label(role: Any) -> Any:
    """A role's name in the user's language."""
    return rx.match(role, *[(value, t(label)) for value, label in ROLE_LABELS], role)


def role_badge(role: Any, **props: Any) -> rx.Component:
    return rx.badge(role_label(role), variant="soft", **props)
