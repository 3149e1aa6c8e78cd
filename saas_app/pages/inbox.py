"""The inbox page: conversations on the left, the selected one on the right."""

import reflex as rx

from saas_app.components.layout import app_page, empty_state, form_error
from saas_app.i18n import N_
from saas_app.state.base import t
from saas_app.state.inbox import ConversationRow, EntryRow, InboxState

STATUS_ICONS = [("read", "check-check"), ("delivered", "check-check"), ("sent", "check"), ("failed", "circle-alert")]


def conversation_item(row: ConversationRow) -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.text(row["name"], weight="bold", size="2"),
            rx.spacer(),
            rx.text(row["when"], size="1", color="var(--gray-10)"),
            width="100%",
        ),
        rx.text(
            row["last_text"],
            size="2",
            color="var(--gray-11)",
            no_wrap=True,
            overflow="hidden",
            text_overflow="ellipsis",
        ),
        rx.hstack(
            rx.badge(row["intent"], variant="soft", size="1"),
            rx.cond(row["waiting"] > 0, rx.badge(row["waiting"], color_scheme="red", radius="full", size="1")),
            spacing="2",
        ),
        on_click=InboxState.open(row["debtor_id"]),
        cursor="pointer",
        padding="0.7em",
        border_radius="8px",
        background=rx.cond(InboxState.selected == row["debtor_id"], "var(--teal-3)", "transparent"),
        _hover={"background": "var(--gray-3)"},
        class_name="conversation",
        width="100%",
    )


def bubble(entry: EntryRow) -> rx.Component:
    return rx.hstack(
        rx.box(
            rx.hstack(
                rx.cond(entry["document"], rx.icon("file-text", size=16, color="var(--teal-11)")),
                rx.text(entry["text"], white_space="pre-wrap", size="2"),
                spacing="1",
                align="center",
            ),
            rx.hstack(
                rx.cond(entry["inbound"], rx.badge(entry["intent"], variant="soft", size="1")),
                rx.spacer(),
                rx.text(entry["when"], size="1", color="var(--gray-10)"),
                rx.cond(
                    ~entry["inbound"],
                    rx.match(
                        entry["status"],
                        *[(status, rx.icon(icon, size=14, color="var(--teal-10)")) for status, icon in STATUS_ICONS],
                        rx.icon("clock", size=14, color="var(--gray-9)"),
                    ),
                ),
                spacing="2",
                align="center",
                width="100%",
            ),
            rx.cond(entry["error"] != "", rx.text(entry["error"], size="1", color="var(--red-11)")),
            background=rx.cond(entry["inbound"], "var(--gray-3)", "var(--teal-3)"),
            padding="0.6em 0.8em",
            border_radius="10px",
            max_width="75%",
        ),
        justify=rx.cond(entry["inbound"], "start", "end"),
        width="100%",
        class_name=rx.cond(entry["inbound"], "entry-in", "entry-out"),
    )


def thread_panel() -> rx.Component:
    state = InboxState
    return rx.cond(
        state.selected != "",
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.vstack(
                        rx.heading(state.name, size="4", id="thread-name"),
                        rx.text(state.phone, size="2", color="var(--gray-11)"),
                        spacing="0",
                    ),
                    rx.spacer(),
                    rx.cond(
                        state.can_collect,
                        rx.button(
                            rx.icon("check", size=16),
                            t("Mark as handled"),
                            variant="soft",
                            on_click=state.mark_handled,
                            id="mark-handled",
                        ),
                    ),
                    width="100%",
                    align="center",
                ),
                rx.vstack(rx.foreach(state.entries, bubble), spacing="2", width="100%", id="thread"),
                rx.callout(
                    state.window_note,
                    icon=rx.cond(state.window_open, "message-circle", "lock"),
                    color_scheme=rx.cond(state.window_open, "teal", "gray"),
                    size="1",
                    width="100%",
                    id="window-note",
                ),
                rx.cond(
                    state.can_collect & state.window_open,
                    rx.form(
                        rx.hstack(
                            rx.text_area(
                                name="text",
                                placeholder=t("Write a reply"),
                                id="reply-text",
                                flex="1",
                                rows="2",
                                max_length=4096,
                            ),
                            rx.button(rx.icon("send", size=16), t("Send"), type="submit", id="reply-send"),
                            width="100%",
                            align="end",
                        ),
                        on_submit=state.send,
                        reset_on_submit=True,
                        width="100%",
                    ),
                ),
                rx.cond(
                    state.can_collect & state.window_open & (state.documents.length() > 0),
                    rx.hstack(
                        rx.foreach(
                            state.documents,
                            lambda document: rx.button(
                                rx.icon("file-text", size=16),
                                document["label"],
                                variant="soft",
                                size="1",
                                on_click=state.send_invoice(document["invoice_id"]),
                                class_name="send-invoice",
                            ),
                        ),
                        wrap="wrap",
                        spacing="2",
                    ),
                ),
                form_error(state.error),
                spacing="3",
                width="100%",
            ),
            width="100%",
        ),
        rx.card(
            rx.text(t("Choose a conversation to read it and answer."), color="var(--gray-11)"),
            width="100%",
        ),
    )


def inbox_page() -> rx.Component:
    return app_page(
        N_("Inbox"),
        rx.cond(
            InboxState.conversations.length() > 0,
            rx.hstack(
                rx.card(
                    rx.vstack(rx.foreach(InboxState.conversations, conversation_item), spacing="1", width="100%"),
                    width="340px",
                    flex_shrink="0",
                    id="conversations",
                ),
                thread_panel(),
                spacing="4",
                align="start",
                width="100%",
            ),
            empty_state(
                "inbox",
                N_("No replies yet"),
                N_("When debtors answer a reminder, their messages appear here for your team."),
            ),
        ),
    )


def register(app: rx.App) -> None:
    app.add_page(inbox_page, route="/inbox", title="Inbox · Cobro", on_load=InboxState.load)
