"""Settings → Payments: where providers post payments, their signing secrets, and what arrived."""

import reflex as rx

from saas_app import routes, styles
from saas_app.components.badges import status_badge
from saas_app.components.forms import form_error, secret_field, shown_once
from saas_app.components.layout import empty_state, section_card
from saas_app.components.table import Column, data_table, table_row
from saas_app.i18n import N_
from saas_app.pages.settings.frame import admin_page
from saas_app.state.base import t
from saas_app.state.settings.payments import PaymentEventRow, PaymentsSettingsState

EVENT_COLUMNS = [
    Column(N_("Received")),
    Column(N_("From")),
    Column(N_("Event")),
    Column(N_("Outcome")),
    Column(N_("Why")),
]


def payment_event_row(event: PaymentEventRow) -> rx.Component:
    """A payment event received: when, from which provider, its type and id, its outcome and the reason."""
    return table_row(
        rx.table.cell(event["received"]),
        rx.table.cell(event["provider"]),
        rx.table.cell(rx.code(event["event_type"]), rx.text(event["event_id"], size="1", color=styles.SUBTLE)),
        rx.table.cell(status_badge(event["outcome"], event["outcome_label"])),
        rx.table.cell(event["reason"]),
    )


def stripe_card() -> rx.Component:
    """How to point Stripe at Cobro, whether its signing secret is set, and the field to set it."""
    state = PaymentsSettingsState
    heading = rx.hstack(
        rx.heading("Stripe", size="4"),
        rx.cond(
            state.has_stripe_secret,
            rx.badge(t("Connected"), color_scheme="green"),
            rx.badge(t("Not set"), color_scheme="gray"),
        ),
        align="center",
    )
    return section_card(
        heading,
        N_(
            "In Stripe, add this URL as a webhook endpoint for checkout.session.completed, "
            "payment_intent.succeeded and invoice.paid, then paste its signing secret here. "
            "Put the invoice number in client_reference_id or in the metadata as invoice_number."
        ),
        rx.form(
            rx.hstack(
                rx.box(secret_field(N_("Signing secret"), "stripe_secret", state.has_stripe_secret), flex="1"),
                rx.button(t("Save"), type="submit", id="stripe-secret-save"),
                align="end",
                width="100%",
            ),
            on_submit=state.save_stripe_secret,
            reset_on_submit=True,
            width="100%",
        ),
        form_error(state.error),
    )


def payments_page() -> rx.Component:
    """Where payment providers post, Stripe's secret, our own signing secret, and recent events; admins only."""
    state = PaymentsSettingsState
    return admin_page(
        state.can_manage_settings,
        N_("Only owners and admins can manage payment settings."),
        section_card(
            N_("Payments from your provider"),
            N_("When a payment arrives here, its invoice is marked paid and its reminders stop."),
            rx.text(t("Endpoint URL"), size="2", weight="medium"),
            rx.code(state.endpoint_url, id="payments-endpoint", word_break="break-all"),
        ),
        stripe_card(),
        section_card(
            N_("Other providers and banks"),
            N_(
                "Post a payment.succeeded event signed with this secret in a Cobro-Signature header, "
                "as the API reference shows. A new secret replaces the old one at once."
            ),
            rx.button(
                rx.cond(state.has_signing_secret, t("Replace the signing secret"), t("Make a signing secret")),
                on_click=state.new_signing_secret,
                variant="soft",
                id="signing-secret-new",
            ),
            shown_once(
                state.new_secret != "",
                N_("Copy this secret now: it will not be shown again."),
                state.new_secret,
                "signing-secret",
                "key-round",
                "amber",
            ),
        ),
        rx.heading(t("Recent payment events"), size="4"),
        data_table(
            EVENT_COLUMNS,
            state.events,
            payment_event_row,
            empty=empty_state(
                "credit-card",
                N_("No payment events yet"),
                N_("Events your provider sends will be listed here, with what Cobro did with each."),
            ),
        ),
    )


def register(app: rx.App) -> None:
    """Adds the payments tab of the settings."""
    app.add_page(
        payments_page, route=routes.SETTINGS_PAYMENTS, title="Payments · Cobro", on_load=PaymentsSettingsState.load
    )
