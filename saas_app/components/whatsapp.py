"""The WhatsApp bubble: a message drawn as the debtor sees it, for the Inbox and every preview."""

from typing import Any

import reflex as rx

from saas_app import styles

# The ticks under a business message, by its status; anything else waits (a clock).
TICKS = [
    ("sent", "check", styles.CHAT_META),
    ("delivered", "check-check", styles.CHAT_META),
    ("read", "check-check", styles.CHAT_TICK_READ),
    ("failed", "circle-alert", "var(--red-9)"),
]


def _span(span: Any) -> rx.Component:
    return rx.text.span(
        span["text"],
        font_weight=rx.cond(span["bold"], "bold", "normal"),
        font_style=rx.cond(span["italic"], "italic", "normal"),
        text_decoration=rx.cond(span["strike"], "line-through", "none"),
        font_family=rx.cond(span["mono"], "var(--code-font-family)", "inherit"),
    )


def _line(line: Any) -> rx.Component:
    # An empty line keeps its height, as a blank line in WhatsApp does.
    return rx.text(
        rx.foreach(line, _span),
        as_="div",
        size="2",
        min_height="1.25em",
        white_space="pre-wrap",
        overflow_wrap="anywhere",
    )


def _ticks(status: Any) -> rx.Component:
    return rx.match(
        status,
        *[(value, rx.icon(icon, size=14, color=color)) for value, icon, color in TICKS],
        rx.icon("clock", size=12, color=styles.CHAT_META),
    )


def whatsapp_bubble(row: Any, **props: Any) -> rx.Component:
    """One message (a `state.chat.BubbleRow` Var): header, body with WhatsApp's formatting, footer,
    time and ticks, then its quick-reply buttons; the debtor's on the left, the business's on the right."""
    inbound = row["inbound"]
    bubble = rx.box(
        rx.cond(row["header"] != "", rx.text(row["header"], weight="bold", size="2", class_name="bubble-header")),
        rx.hstack(
            rx.cond(row["document"], rx.icon("file-text", size=16, color=styles.CHAT_BUTTON)),
            rx.box(rx.foreach(row["lines"], _line), class_name="bubble-body"),
            spacing="1",
            align="start",
        ),
        rx.cond(
            row["footer"] != "",
            rx.text(row["footer"], size="1", color=styles.CHAT_META, class_name="bubble-footer"),
        ),
        rx.hstack(
            rx.cond(row["tag"] != "", rx.badge(row["tag"], variant="soft", size="1")),
            rx.spacer(),
            rx.text(row["time"], size="1", color=styles.CHAT_META),
            rx.cond(~inbound, _ticks(row["status"])),
            spacing="2",
            align="center",
            width="100%",
        ),
        rx.cond(row["error"] != "", rx.text(row["error"], size="1", color=styles.DANGER)),
        background=rx.cond(inbound, styles.CHAT_INCOMING, styles.CHAT_OUTGOING),
        color=styles.CHAT_TEXT,
        padding="0.45em 0.7em",
        border_radius="8px",
        box_shadow="0 1px 0.5px rgba(11, 20, 26, 0.13)",
        width="100%",
    )
    buttons = rx.foreach(
        row["buttons"],
        lambda label: rx.box(
            rx.text(label, size="2", weight="medium", color=styles.CHAT_BUTTON),
            background=styles.CHAT_INCOMING,
            border_radius="8px",
            padding="0.4em",
            text_align="center",
            width="100%",
            box_shadow="0 1px 0.5px rgba(11, 20, 26, 0.13)",
            class_name="bubble-button",
        ),
    )
    return rx.hstack(
        rx.vstack(bubble, buttons, spacing="1", max_width="75%", min_width="8em"),
        justify=rx.cond(inbound, "start", "end"),
        width="100%",
        **props,
    )


def chat_backdrop(*children: rx.Component, **props: Any) -> rx.Component:
    """WhatsApp's chat background behind a column of bubbles."""
    return rx.vstack(
        *children, background=styles.CHAT_WALLPAPER, padding="0.75em", border_radius=styles.RADIUS, **props
    )
