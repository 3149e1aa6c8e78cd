"""A debtor's marks and history: payment behaviour and consent as badges, and one event of their timeline."""

from typing import Any

import reflex as rx

from saas_app import styles
from saas_app.components.whatsapp import chat_backdrop, whatsapp_bubble

# Green pays on time, amber is often late, red mostly late or long overdue; gray has no history yet.
BEHAVIOUR_COLORS = {"punctual": "green", "late": "amber", "chronic": "red", "unknown": "gray"}
CONSENT_LOOK = {"in": ("circle-check", "green"), "missing": ("circle-alert", "amber"), "out": ("circle-x", "red")}
# Each kind of timeline event's icon (lucide) and colour (services.timeline.Kind).
EVENT_LOOK = {
    "message": ("message-circle", "teal"),
    "reply": ("reply", "blue"),
    "payment": ("banknote", "green"),
    "promise": ("calendar-check", "violet"),
    "dispute": ("triangle-alert", "orange"),
    "status": ("file-text", "gray"),
    "consent": ("shield-check", "amber"),
    "note": ("sticky-note", "yellow"),
    "activity": ("history", "gray"),
}


def behaviour_badge(behaviour: Any, label: Any, **props: Any) -> rx.Component:
    """A debtor's payment behaviour as a badge in its colour: punctual, late, chronic, or no history yet."""
    return rx.badge(
        label,
        color_scheme=rx.match(behaviour, *BEHAVIOUR_COLORS.items(), "gray"),
        variant="soft",
        white_space="nowrap",
        **props,
    )


def consent_mark(consent: Any, text: Any) -> rx.Component:
    """A debtor's consent as an icon and words in its colour: opted in, opted out, or none recorded."""
    return rx.hstack(
        rx.match(
            consent,
            *[
                (kind, rx.icon(icon, size=16, color=styles.tone(color, 10), flex_shrink="0"))
                for kind, (icon, color) in CONSENT_LOOK.items()
            ],
            rx.icon("circle", size=16),
        ),
        rx.text(
            text,
            size="1",
            color=rx.match(
                consent, *[(kind, styles.tone(color, 11)) for kind, (_, color) in CONSENT_LOOK.items()], "inherit"
            ),
        ),
        align="center",
        spacing="2",
    )


def _event_icon(kind: Any) -> rx.Component:
    return rx.match(
        kind,
        *[
            (
                name,
                rx.box(
                    rx.icon(icon, size=14, color=styles.tone(color, 11)),
                    background=styles.tone(color, 3),
                    border_radius="50%",
                    padding="6px",
                    line_height="0",
                ),
            )
            for name, (icon, color) in EVENT_LOOK.items()
        ],
        rx.icon("circle", size=14),
    )


def timeline_entry(row: Any) -> rx.Component:
    """One event (a `state.debtor_file.TimelineRow` Var): what happened, when, who did it, and what was written:
    a message drawn as the debtor read it, with its ticks; a note in its own box."""
    return rx.hstack(
        _event_icon(row["kind"]),
        rx.vstack(
            rx.hstack(
                rx.text(row["title"], weight="medium", size="2", class_name="event-title"),
                rx.spacer(),
                rx.text(row["when"], size="1", color=styles.SUBTLE, white_space="nowrap", class_name="event-when"),
                width="100%",
                align="baseline",
                wrap="wrap",
            ),
            rx.text(row["kind_label"], " · ", row["who"], size="1", color=styles.MUTED, class_name="event-who"),
            rx.cond(
                row["chat"],
                chat_backdrop(whatsapp_bubble(row["bubble"]), width="100%", max_width="560px", class_name="event-chat"),
            ),
            rx.cond(
                row["text"] != "",
                rx.box(
                    rx.text(row["text"], size="2", white_space="pre-wrap", overflow_wrap="anywhere"),
                    background=styles.tone("yellow", 2),
                    border=f"1px solid {styles.tone('yellow', 6)}",
                    border_radius=styles.RADIUS,
                    padding="0.5em 0.75em",
                    width="100%",
                    class_name="event-note",
                ),
            ),
            rx.cond(
                row["detail"] != "",
                rx.text(row["detail"], size="1", color=styles.MUTED, class_name="event-detail"),
            ),
            spacing="1",
            width="100%",
        ),
        spacing="3",
        align="start",
        width="100%",
        padding_y="0.6em",
        border_bottom=styles.BORDER,
        class_name=rx.Var.create("timeline-event kind-") + row["kind"].to(str),
    )
