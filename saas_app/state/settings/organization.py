"""Settings → Organization: name, locale, currency, zone, sender, contact, payment link, language fallback."""

from typing import Any

import reflex as rx

from saas_app.core.countries import countries_for, currency_choices, time_zones_for
from saas_app.core.roles import Action
from saas_app.db import session_scope
from saas_app.i18n import N_
from saas_app.services import organizations
from saas_app.state.base import SessionState, guarded


class OrganizationSettingsState(SessionState):
    name: str = ""
    default_locale: str = "en"
    currency: str = "EUR"
    timezone: str = "UTC"
    sender_name: str = ""
    contact: str = ""
    payment_link_template: str = ""
    language_fallback: str = "en"
    country: str = ""
    error: str = ""
    error_field: str = ""

    def _fill(self, values: organizations.OrganizationSettings) -> None:
        self.name, self.default_locale, self.currency = values.name, values.default_locale, values.currency
        self.timezone, self.sender_name, self.contact = values.timezone, values.sender_name, values.contact
        self.payment_link_template, self.language_fallback = values.payment_link_template, values.language_fallback
        self.country = values.country

    @rx.var
    def country_choices(self) -> list[list[str]]:
        """Every country as [code, name] in the page's language; "" first, for an organization without one."""
        return [["", "—"], *([code, name] for code, name in countries_for(self.locale))]

    @rx.var
    def currency_choices(self) -> list[list[str]]:
        """The currencies in use as [code, 'BRL · Real brasileiro'], plus the stored one if it is no longer in use."""
        choices = [[code, label] for code, label in currency_choices(self.locale)]
        return choices if any(c[0] == self.currency for c in choices) else [[self.currency, self.currency], *choices]

    @rx.var
    def timezone_choices(self) -> list[list[str]]:
        """The organization's country's zones first, then every other; the stored one always among them."""
        zones = time_zones_for(self.country)
        return [[zone, zone] for zone in (zones if self.timezone in zones else [self.timezone, *zones])]

    @rx.event
    def load(self) -> Any:
        """Opening the organization settings: the form filled with the stored settings, or the refusal."""
        self.error_field = ""
        redirect, self.error = self._open_page(self._refresh)
        return redirect

    def _refresh(self) -> None:
        context = self._context(Action.VIEW)
        with session_scope() as session:
            self._fill(organizations.settings_of(session, context))

    @rx.event
    @guarded
    def save(self, form: dict[str, Any]) -> Any:
        """The form's Save: checks the role, stores the settings, and answers with a toast or the field at fault."""
        values = organizations.OrganizationSettings(
            name=str(form.get("name", "")),
            default_locale=str(form.get("default_locale", "")),
            currency=str(form.get("currency", "")),
            timezone=str(form.get("timezone", "")).strip(),
            sender_name=str(form.get("sender_name", "")),
            contact=str(form.get("contact", "")),
            payment_link_template=str(form.get("payment_link_template", "")),
            language_fallback=str(form.get("language_fallback", self.language_fallback)),
            country=str(form.get("country", self.country)),
        )
        return self._write(
            Action.MANAGE_SETTINGS,
            lambda session, context: organizations.update_settings(session, context, values),
            then=self._renamed,
            saved=N_("Settings saved."),
        )

    def _renamed(self, values: organizations.OrganizationSettings) -> None:
        """The name in the sidebar follows the saved one (the form is read again by _write)."""
        self.org_name = values.name
