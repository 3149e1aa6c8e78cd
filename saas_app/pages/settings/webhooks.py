"""Settings → Webhooks: the tenant's URLs, the events each receives, and every delivery with its answer."""

import reflex as rx

from saas_app import routes
from saas_app.components.badges import status_badge
from saas_app.components.dialogs import confirm_dialog
from saas_app.components.forms import field, form_error, shown_once
from saas_app.components.layout import empty_state, section_card
from saas_app.components.table import Column, data_table, table_row
from saas_app.i18n import N_
from saas_app.pages.settings.frame import admin_page
from saas_app.state.base import t
from saas_app.state.settings.webhooks import DeliveryRow, SubscriptionRow, WebhooksState

EVENT_LABELS = [
    ("message.status_changed", N_("A message was sent, delivered, read or failed")),
    ("reply.received", N_("A debtor replied")),
    ("invoice.paid", N_("An invoice was paid in full")),
    ("debtor.opted_out", N_("A debtor opted out")),
]
SUBSCRIPTION_COLUMNS = [Column(N_("URL")), Column(N_("Events")), Column("")]
DELIVERY_COLUMNS = [
    Column(N_("Created")),
    Column(N_("Event")),
    Column(N_("Status")),
    Column(N_("Attempts"), align="right"),
    Column(N_("Answer")),
]


def subscription_row(row: SubscriptionRow) -> rx.Component:
    """A URL we post events to, its events, and Remove behind a confirmation."""
    return table_row(
        rx.table.cell(rx.code(row["url"], word_break="break-all")),
        rx.table.cell(row["events"]),
        rx.table.cell(
            confirm_dialog(
                rx.button(t("Remove"), size="1", variant="soft", color_scheme="red"),
                N_("Stop sending events to this URL?"),
                N_("Cobro stops posting to it at once; events already delivered stay in the log below."),
                N_("Remove"),
                WebhooksState.remove(row["subscription_id"]),
            )
        ),
    )


def delivery_row(row: DeliveryRow) -> rx.Component:
    """An event posted: when, its type, status, tries so far and the server's answer."""
    return table_row(
        rx.table.cell(row["created"]),
        rx.table.cell(rx.code(row["event_type"])),
        rx.table.cell(status_badge(row["status"], row["status_label"])),
        rx.table.cell(row["attempts"], text_align="right"),
        rx.table.cell(row["answer"]),
    )


def subscribe_card() -> rx.Component:
    """Add a URL for the events chosen; its signing secret is then shown only this once."""
    state = WebhooksState
    return section_card(
        N_("Send events to your systems"),
        N_(
            "Cobro posts each event as JSON, signed in a Cobro-Signature header with the secret "
            "shown when you add the URL, and retries for a day and a half if your server fails."
        ),
        rx.form(
            rx.vstack(
                field(N_("URL"), "url", placeholder="https://erp.example.com/cobro-events"),
                *[rx.checkbox(t(label), name=f"event_{event}", default_checked=True) for event, label in EVENT_LABELS],
                rx.button(t("Add URL"), type="submit", id="webhook-add"),
                spacing="2",
                width="100%",
            ),
            on_submit=state.subscribe,
            reset_on_submit=True,
            width="100%",
        ),
        form_error(state.error),
        shown_once(
            state.new_secret != "",
            N_("Copy this secret now: it will not be shown again."),
            state.new_secret,
            "webhook-secret",
            "key-round",
            "amber",
        ),
    )


def webhooks_page() -> rx.Component:
    """The URLs we post events to, the form to add one, and every delivery; owners and admins only."""
    state = WebhooksState
    return admin_page(
        state.can_manage_settings,
        N_("Only owners and admins can manage webhooks."),
        subscribe_card(),
        rx.cond(
            state.subscriptions.length() > 0,
            data_table(SUBSCRIPTION_COLUMNS, state.subscriptions, subscription_row),
        ),
        rx.heading(t("Deliveries"), size="4"),
        data_table(
            DELIVERY_COLUMNS,
            state.deliveries,
            delivery_row,
            empty=empty_state(
                "webhook",
                N_("Nothing sent yet"),
                N_("Each event posted to your URLs will be listed here, with your server's answer."),
            ),
        ),
    )


def register(app: rx.App) -> None:
    """Adds the webhooks tab of the settings."""
    app.add_page(webhooks_page, route=routes.SETTINGS_WEBHOOKS, title="Webhooks · Cobro", on_load=WebhooksState.load)
