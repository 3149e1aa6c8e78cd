"""A figure a person reads: its label, the number, and what it counts."""

from typing import Any

import reflex as rx

from saas_app import styles
from saas_app.state.base import t


def stat_card(label: str, value: Any, meaning: str | None = None, **props: Any) -> rx.Component:
    """One labelled figure. `value` is already formatted for the reader's language by the state."""
    parts = [
        rx.text(t(label), size="2", weight="medium", color=styles.MUTED),
        rx.heading(value, size="6", **props),
    ]
    if meaning is not None:
        parts.append(rx.text(t(meaning), size="1", color=styles.SUBTLE))
    return rx.card(rx.vstack(*parts, spacing="1"))


def stat_grid(*cards: rx.Component, **props: Any) -> rx.Component:
    """Stat cards side by side: two a row on a phone, five on a wide screen."""
    return rx.grid(*cards, columns=rx.breakpoints(initial="2", sm="3", md="5"), spacing="3", width="100%", **props)
