"""Settings → API keys: one key for each system that talks to Cobro, shown once, revocable alone."""

import reflex as rx

from saas_app import routes, styles
from saas_app.components.dialogs import confirm_dialog
from saas_app.components.forms import form_error, shown_once
from saas_app.components.layout import empty_state, section_card
from saas_app.components.table import Column, data_table, table_row
from saas_app.i18n import N_
from saas_app.pages.settings.frame import admin_page
from saas_app.state.base import t
from saas_app.state.settings.api_keys import ApiKeyRow, ApiKeysState

COLUMNS = [Column(N_("Name")), Column(N_("Key")), Column(N_("Scopes")), Column(N_("Created")), Column(N_("Last used"))]


def api_key_row(key: ApiKeyRow) -> rx.Component:
    """An API key: name, prefix, scopes, when made and last used, and Revoke behind a confirmation."""
    return table_row(
        rx.table.cell(rx.text(key["name"], weight="medium")),
        rx.table.cell(rx.code(key["prefix"])),
        rx.table.cell(key["scopes"]),
        rx.table.cell(key["created"]),
        rx.table.cell(key["last_used"]),
        rx.table.cell(
            rx.cond(
                key["revoked"],
                rx.badge(t("Revoked"), color_scheme="gray"),
                confirm_dialog(
                    rx.button(t("Revoke"), variant="soft", color_scheme="red", size="1"),
                    N_("Revoke this API key?"),
                    N_("Systems that use it stop reaching Cobro at once. This cannot be undone."),
                    N_("Revoke"),
                    ApiKeysState.revoke(key["key_id"]),
                ),
            )
        ),
    )


def new_key_card() -> rx.Component:
    """The form for a new key with its scopes, and the key itself, shown only this once."""
    return section_card(
        rx.heading(t("New API key"), size="4"),
        None,
        rx.text(
            t("Your billing system or CRM uses a key to send invoices and payments to Cobro."),
            " ",
            rx.link(t("Read the API reference"), href=routes.API_DOCS, is_external=True, id="api-docs"),
            color=styles.MUTED,
            size="2",
        ),
        rx.form(
            rx.hstack(
                rx.input(name="name", placeholder=t("Used by, e.g. ERP"), required=True, id="api-key-name", flex="1"),
                rx.checkbox(t("Read"), name="scope_read", default_checked=True),
                rx.checkbox(t("Write"), name="scope_write"),
                rx.button(t("Create key"), type="submit", id="api-key-create"),
                align="center",
                width="100%",
            ),
            on_submit=ApiKeysState.create,
            reset_on_submit=True,
            width="100%",
        ),
        form_error(ApiKeysState.error),
        shown_once(
            ApiKeysState.new_key != "",
            N_("Copy the key now: it is shown only this once."),
            ApiKeysState.new_key,
            "api-key-value",
            "key-round",
            "amber",
        ),
    )


def api_keys_page() -> rx.Component:
    """The organization's API keys and the form for a new one; owners and admins only."""
    return admin_page(
        ApiKeysState.can_manage_settings,
        N_("Only owners and admins can manage API keys."),
        new_key_card(),
        data_table(
            [*COLUMNS, Column("")],
            ApiKeysState.keys,
            api_key_row,
            empty=empty_state(
                "key-round",
                N_("No API keys yet"),
                N_("Create one for each system that talks to Cobro, so you can revoke it alone."),
            ),
        ),
    )


def register(app: rx.App) -> None:
    """Adds the API keys tab of the settings."""
    app.add_page(api_keys_page, route=routes.SETTINGS_API_KEYS, title="API keys · Cobro", on_load=ApiKeysState.load)
