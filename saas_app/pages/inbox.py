"""The inbox page: conversations on the left, the selected one on the right."""

import reflex as rx

from saas_app import routes, styles
from saas_app.components.forms import form_error
from saas_app.components.layout import app_page, empty_state
from saas_app.components.whatsapp import chat_backdrop, whatsapp_bubble
from saas_app.i18n import N_
from saas_app.state.base import t
from saas_app.state.inbox import ConversationRow, InboxState


def conversation_item(row: ConversationRow) -> rx.Component:
    """A conversation in the list: who, when, the last words, the reply's intent and how many wait for an answer."""
    return rx.box(
        rx.hstack(
            rx.text(row["name"], weight="bold", size="2"),
            rx.spacer(),
            rx.text(row["when"], size="1", color=styles.SUBTLE),
            width="100%",
        ),
        rx.text(
            row["last_text"],
            size="2",
            color=styles.MUTED,
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
        background=rx.cond(InboxState.selected == row["debtor_id"], styles.SELECTED, "transparent"),
        _hover={"background": styles.HOVER},
        class_name="conversation",
        width="100%",
    )


def thread_panel() -> rx.Component:
    """The open conversation: the chat, whether WhatsApp's 24-hour window allows a reply, the reply box, invoices."""
    state = InboxState
    return rx.cond(
        state.selected != "",
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.vstack(
                        rx.heading(state.name, size="4", id="thread-name"),
                        rx.text(state.phone, size="2", color=styles.MUTED),
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
                chat_backdrop(
                    rx.foreach(
                        state.entries,
                        lambda entry: whatsapp_bubble(
                            entry, class_name=rx.cond(entry["inbound"], "entry-in", "entry-out")
                        ),
                    ),
                    spacing="2",
                    width="100%",
                    id="thread",
                ),
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
            rx.text(t("Choose a conversation to read it and answer."), color=styles.MUTED),
            width="100%",
        ),
    )


def inbox_page() -> rx.Component:
    """Debtors' replies as conversations beside the one open; or a note that none has come yet."""
    return app_page(
        N_("Inbox"),
        rx.cond(
            InboxState.conversations.length() > 0,
            rx.flex(
                rx.card(
                    rx.vstack(rx.foreach(InboxState.conversations, conversation_item), spacing="1", width="100%"),
                    width=rx.breakpoints(initial="100%", md="340px"),
                    flex_shrink="0",
                    id="conversations",
                ),
                thread_panel(),
                direction=rx.breakpoints(initial="column", md="row"),
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
        intro=N_("Replies from debtors, newest first, each with what Cobro understood from it."),
    )


def register(app: rx.App) -> None:
    """Adds the inbox page, which reads the conversations as it opens."""
    app.add_page(inbox_page, route=routes.INBOX, title="Inbox · Cobro", on_load=InboxState.load)
