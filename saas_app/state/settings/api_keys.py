"""Settings → API keys: the keys other systems use, each shown once and revocable alone."""

from typing import Any, TypedDict

import reflex as rx
from babel.dates import format_datetime

from saas_app.core.roles import Action
from saas_app.db import session_scope
from saas_app.services import api_keys
from saas_app.state.base import SessionState, guarded, parse_id


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
        """Opening the API keys page: the keys, or the refusal for a role that may not manage them."""
        self.new_key = ""
        redirect, self.error = self._open_page(self._refresh)
        if self.error:
            self.keys = []
        return redirect

    @rx.event
    @guarded
    def create(self, form: dict[str, Any]) -> Any:
        """The form's Create key: makes a key with the scopes ticked and shows it this once."""
        self.new_key = ""
        name = str(form.get("name", ""))
        scopes = [scope for scope in api_keys.SCOPES if form.get(f"scope_{scope}")]
        return self._write(
            Action.MANAGE_SETTINGS,
            lambda session, context: api_keys.create_api_key(session, context, name=name, scopes=scopes),
            then=self._show_key,
        )

    def _show_key(self, key: str) -> None:
        self.new_key = key

    @rx.event
    @guarded
    def revoke(self, key_id: str) -> Any:
        """A confirmed Revoke: the key stops working at once, and the list shows it revoked."""
        chosen = parse_id(key_id)
        return self._write(
            Action.MANAGE_SETTINGS, lambda session, context: api_keys.revoke_api_key(session, context, chosen)
        )
