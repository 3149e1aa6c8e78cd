"""Organization settings and API keys."""

from typing import Any, TypedDict

import reflex as rx
from babel.dates import format_datetime

from saas_app.core.roles import Action
from saas_app.db import session_scope
from saas_app.i18n import N_, gettext
from saas_app.services import api_keys, organizations
from saas_app.services.errors import ServiceError
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
    error: str = ""
    error_field: str = ""

    def _fill(self, values: organizations.OrganizationSettings) -> None:
        self.name, self.default_locale, self.currency = values.name, values.default_locale, values.currency
        self.timezone, self.sender_name, self.contact = values.timezone, values.sender_name, values.contact
        self.payment_link_template, self.language_fallback = values.payment_link_template, values.language_fallback

    @rx.event
    def load(self) -> Any:
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
        self.error = self.error_field = ""
        context = self._context(Action.MANAGE_SETTINGS)
        values = organizations.OrganizationSettings(
            name=str(form.get("name", "")),
            default_locale=str(form.get("default_locale", "")),
            currency=str(form.get("currency", "")),
            timezone=str(form.get("timezone", "")).strip(),
            sender_name=str(form.get("sender_name", "")),
            contact=str(form.get("contact", "")),
            payment_link_template=str(form.get("payment_link_template", "")),
            language_fallback=str(form.get("language_fallback", self.language_fallback)),
        )
        try:
            with session_scope() as session:
                self._fill(organizations.update_settings(session, context, values))
        except ServiceError as error:
            self.error, self.error_field = self._translate(error), error.field
            return None
        self.org_name = self.name
        return rx.toast.success(gettext(self.locale, N_("Settings saved.")))


class ApiKeyRow(TypedDict):
    key_id: str
    name: str
    prefix: str
    scopes: str
    created: str
    last_used: str
    revoked: bool


class ApiKeysState(SessionState):
    keys: list[ApiKeyRow] = []
    new_key: str = ""
    error: str = ""

    def _refresh(self) -> None:
        context = self._context(Action.MANAGE_SETTINGS)
        with session_scope() as session:
            rows = api_keys.list_api_keys(session, context)

        def when(moment: Any) -> str:
            return format_datetime(moment, format="short", locale=self.locale) if moment else "—"

        self.keys = [
            ApiKeyRow(
                key_id=str(row.id),
                name=row.name,
                prefix=row.prefix + "…",
                scopes=row.scopes.replace(",", ", "),
                created=when(row.created_at),
                last_used=when(row.last_used_at),
                revoked=row.revoked_at is not None,
            )
            for row in rows
        ]

    @rx.event
    def load(self) -> Any:
        self.new_key = ""
        redirect, self.error = self._open_page(self._refresh)
        if self.error:
            self.keys = []
        return redirect

    @rx.event
    @guarded
    def create(self, form: dict[str, Any]) -> None:
        self.new_key = self.error = ""
        context = self._context(Action.MANAGE_SETTINGS)
        scopes = [scope for scope in api_keys.SCOPES if form.get(f"scope_{scope}")]
        try:
            with session_scope() as session:
                self.new_key = api_keys.create_api_key(session, context, name=str(form.get("name", "")), scopes=scopes)
        except ServiceError as error:
            self.error = self._translate(error)
            return
        self._refresh()

    @rx.event
    @guarded
    def revoke(self, key_id: str) -> None:
        context = self._context(Action.MANAGE_SETTINGS)
        with session_scope() as session:
            api_keys.revoke_api_key(session, context, int(key_id))
        self._refresh()
