"""A figure a person reads: its label, the number, and what it counts."""

from typing import Any

import reflex as rx

from saas_app import styles
from saas_app.state.base import t


def stat_card(label: str, value: Any, meaning: str | None = None, *, detail: Any = None, **props: Any) -> rx.Component:
    """One labelled figure. `value` is already formatted for the reader's language by the state.

    `meaning` says what it counts (a message id, translated here); `detail` is a sentence the state
    made for this figure (a comparison, a count), already in the reader's language.
    """
    parts = [
        rx.text(t(label), size="2", weight="medium", color=styles.MUTED),
        # Amounts run long ("R$ 1.234.567,89"): broken over two lines rather than cut off.
        rx.heading(value, size="5", overflow_wrap="anywhere", **props),
    ]
    if meaning is not None:
        parts.append(rx.text(t(meaning), size="1", color=styles.SUBTLE))
    if detail is not None:
        parts.append(rx.text(detail, size="1", color=styles.SUBTLE))
    return rx.card(rx.vstack(*parts, spacing="1"))


def stat_grid(*cards: rx.Component, **props: Any) -> rx.Component:
    """Stat cards side by side: two a row on a phone, five on a wide screen."""
    return rx.grid(*cards, columns=rx.breakpoints(initial="2", sm="3", md="5"), spacing="3", width="100%", **props)
