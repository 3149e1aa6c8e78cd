"""Settings → Organization: who writes to debtors, in what language, currency and zone, and how they pay."""

from typing import Any

import reflex as rx

from saas_app import routes
from saas_app.components.forms import error_for, field, form_error_except, options, picker, save_bar
from saas_app.core.languages import SUPPORTED_LOCALES
from saas_app.i18n import N_, language_name
from saas_app.pages.settings.frame import settings_page
from saas_app.state.base import t
from saas_app.state.settings.organization import OrganizationSettingsState

CONTENT_LOCALE_NAMES = [(code, language_name(code)) for code in SUPPORTED_LOCALES]
# The fields that show their own error; any other refusal is said above the save bar.
INLINE = [
    "name",
    "default_locale",
    "country",
    "currency",
    "timezone",
    "sender_name",
    "contact",
    "payment_link_template",
    "language_fallback",
]


def _field(label: str, name: str, **props: Any) -> rx.Component:
    state = OrganizationSettingsState
    return field(label, name, error=error_for(state, name), default_value=getattr(state, name), **props)


def _picker(label: str, name: str, choices: list[rx.Component], hint: str | None = None) -> rx.Component:
    state = OrganizationSettingsState
    return picker(
        label,
        name,
        *choices,
        default_value=getattr(state, name),
        hint=hint,
        error=error_for(state, name),
    )


def organization_page() -> rx.Component:
    """The organization's settings form: name, debtors' language, currency, time zone, sender, contact, links."""
    state = OrganizationSettingsState
    return settings_page(
        rx.card(
            rx.form(
                rx.vstack(
                    _field(N_("Company name"), "name", required=True),
                    rx.grid(
                        _picker(
                            N_("Default language for debtors"),
                            "default_locale",
                            # Each language in its own words, as people look for their own.
                            [rx.el.option(name, value=code) for code, name in CONTENT_LOCALE_NAMES],
                        ),
                        _picker(N_("Currency"), "currency", options(state.currency_choices)),
                        _picker(N_("Time zone"), "timezone", options(state.timezone_choices)),
                        # Side by side where they fit whole; one under the other on a phone.
                        columns=rx.breakpoints(initial="1", sm="3"),
                        width="100%",
                        spacing="4",
                    ),
                    _picker(
                        N_("Country"),
                        "country",
                        options(state.country_choices),
                        hint=N_("Phone numbers written without a country code are read as this country's."),
                    ),
                    _field(N_("Sender name shown to debtors"), "sender_name"),
                    _field(N_("Contact for debtors (phone or email)"), "contact"),
                    _field(
                        N_("Payment link for invoices without one"),
                        "payment_link_template",
                        placeholder="https://pay.example.com/{invoice_number}?amount={amount}",
                    ),
                    _field(
                        N_("Languages to fall back to, in order"),
                        "language_fallback",
                        placeholder="pt_BR, en",
                        hint=N_(
                            "When a template has no version in a debtor's language (nor its base language, "
                            "pt for pt_BR), the first of these that it has is sent. Cadence previews show the choice."
                        ),
                    ),
                    form_error_except(state, INLINE),
                    save_bar(
                        state.can_manage_settings,
                        N_("Only owners and admins can change these settings."),
                        rx.button(t("Save"), type="submit", id="settings-save"),
                    ),
                    spacing="4",
                    width="100%",
                ),
                on_submit=state.save,
                reset_on_submit=False,
                key=state.name,
            ),
            width="100%",
        ),
    )


def register(app: rx.App) -> None:
    """Adds the organization tab of the settings."""
    app.add_page(
        organization_page,
        route=routes.SETTINGS_ORGANIZATION,
        title="Organization · Cobro",
        on_load=OrganizationSettingsState.load,
    )
