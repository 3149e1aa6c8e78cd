"""The WhatsApp settings page: the account, a connection test, templates on Meta."""

from typing import Any, TypedDict

import httpx
import reflex as rx
from babel.numbers import format_decimal

from saas_app.core.pacing import MESSAGING_LIMITS
from saas_app.core.roles import Action
from saas_app.db import session_scope
from saas_app.i18n import N_, gettext
from saas_app.services import whatsapp
from saas_app.services.context import OrgContext
from saas_app.services.errors import ServiceError
from saas_app.state.base import SessionState, guarded

# Meta's answer can take seconds: these calls run outside the state lock, with a bound.
API_TIMEOUT = 15.0


class LanguageStatus(TypedDict):
    language: str
    status: str


class LimitOption(TypedDict):
    value: str
    label: str


class RemoteTemplateRow(TypedDict):
    """One template name on Meta, with each language's status."""

    name: str
    ours: bool
    languages: list[LanguageStatus]


def _rows(listed: list[whatsapp.RemoteTemplate]) -> list[RemoteTemplateRow]:
    rows: dict[str, RemoteTemplateRow] = {}
    for t in listed:
        row = rows.setdefault(t.name, RemoteTemplateRow(name=t.name, ours=t.ours, languages=[]))
        row["languages"].append(LanguageStatus(language=t.language, status=t.status))
    return list(rows.values())


class WhatsAppSettingsState(SessionState):
    connected: bool = False
    sandbox: bool = False
    phone_number_id: str = ""
    waba_id: str = ""
    display_number: str = ""
    has_access_token: bool = False
    has_app_secret: bool = False
    verify_token: str = ""
    webhook_url: str = ""
    api_base_url: str = ""
    api_version: str = ""
    throughput: str = "80"
    messaging_limit: str = "250"
    limit_options: list[LimitOption] = []  # Meta's tiers, written the reader's way
    paused_reason: str = ""
    form_version: int = 0
    error: str = ""
    error_field: str = ""
    busy: bool = False
    check_ok: bool = False
    check_text: str = ""
    templates: list[RemoteTemplateRow] = []
    templates_text: str = ""

    def _fill(self, view: whatsapp.AccountView | None) -> None:
        self.connected = view is not None
        self.limit_options = [
            LimitOption(value=str(limit), label=format_decimal(limit, locale=self.locale) if limit else "∞")
            for limit in MESSAGING_LIMITS
        ]
        if view is None:
            return
        self.sandbox = whatsapp.is_sandbox(view)
        self.phone_number_id, self.waba_id, self.display_number = (
            view.phone_number_id,
            view.waba_id,
            view.display_number,
        )
        self.has_access_token, self.has_app_secret = view.has_access_token, view.has_app_secret
        self.verify_token, self.webhook_url = view.verify_token, view.webhook_url
        self.api_base_url, self.api_version = view.api_base_url, view.api_version
        self.throughput, self.messaging_limit = str(view.throughput), str(view.messaging_limit)
        # Stored as Meta's reason in English; the catalogs know the ones we write (whatsapp.errors).
        self.paused_reason = gettext(self.locale, view.paused_reason) if view.paused_reason else ""
        self.form_version += 1

    @rx.event
    def load(self) -> Any:
        """Opening the WhatsApp settings: the account's details without its secrets, or the refusal."""
        self.error_field = self.check_text = self.templates_text = ""
        self.templates = []
        redirect, self.error = self._open_page(self._refresh)
        return redirect

    def _refresh(self) -> None:
        context = self._context(Action.VIEW)
        with session_scope() as session:
            self._fill(whatsapp.get_account(session, context))

    @rx.event
    @guarded
    def save(self, form: dict[str, Any]) -> Any:
        """The form's Save: checks the numbers and role, stores the account, and answers with a toast."""
        try:
            throughput = int(str(form.get("throughput", "80")) or 80)
            messaging_limit = int(str(form.get("messaging_limit", "250")) or 250)
        except ValueError:
            self.error, self.error_field = gettext(self.locale, N_("Throughput is a whole number.")), "throughput"
            return None
        data = whatsapp.AccountInput(
            phone_number_id=str(form.get("phone_number_id", "")).strip(),
            waba_id=str(form.get("waba_id", "")),
            display_number=str(form.get("display_number", "")),
            access_token=str(form.get("access_token", "")),
            app_secret=str(form.get("app_secret", "")),
            # The address as the form showed it is no choice of the person's: the service decides (a real
            # number that replaces the sandbox's goes to Meta, not to the simulator the form still names).
            api_base_url="" if str(form.get("api_base_url", "")) == self.api_base_url else str(form["api_base_url"]),
            api_version=str(form.get("api_version", "")),
            throughput=throughput,
            messaging_limit=messaging_limit,
        )
        return self._write(
            Action.MANAGE_SETTINGS,
            lambda session, context: whatsapp.save_account(session, context, data),
            saved=N_("WhatsApp settings saved."),
        )

    async def _start(self) -> OrgContext | None:
        """Under the lock: who is asking, and may they; None (with the reason shown) if not."""
        async with self:
            self.check_text = self.templates_text = ""
            try:
                context = self._context(Action.MANAGE_SETTINGS)
            except ServiceError as error:
                self.templates_text = self._translate(error)
                return None
            self.busy = True
            return context

    @rx.event(background=True)
    async def test_connection(self) -> None:
        """Test connection: asks Meta about the number off the lock; says its name, quality and limit, or why not."""
        context = await self._start()
        if context is None:
            return
        try:
            async with httpx.AsyncClient(timeout=API_TIMEOUT) as http:
                check = await whatsapp.test_connection(session_scope, context, http)
            with session_scope() as session:
                view = whatsapp.get_account(session, context)
        except ServiceError as error:
            async with self:
                self.busy, self.check_ok, self.check_text = False, False, self._translate(error)
            return
        async with self:
            self.busy, self.check_ok = False, check.ok
            if check.ok:
                limit = (
                    gettext(self.locale, N_("unlimited"))
                    if not check.messaging_limit
                    else format_decimal(check.messaging_limit, locale=self.locale)
                )
                self.check_text = gettext(
                    self.locale,
                    N_("Connected: {name}, {number}. Quality {quality}; up to {limit} people a day."),
                    name=check.verified_name,
                    number=check.display_number,
                    quality=check.quality or "?",
                    limit=limit,
                )
            else:
                self.check_text = gettext(
                    self.locale, N_("WhatsApp refused: {reason}."), reason=gettext(self.locale, check.problem)
                )
            self._fill(view)

    @rx.event(background=True)
    async def sync_templates(self) -> None:
        """List templates on Meta: shows the WABA's templates with their status per language."""
        await self._templates(whatsapp.sync_templates)

    @rx.event(background=True)
    async def submit_templates(self) -> None:
        """Submit drafts for approval: sends our drafts to Meta, then says how many went and the first refusal."""
        await self._templates(whatsapp.submit_templates)

    async def _templates(self, action: Any) -> None:
        context = await self._start()
        if context is None:
            return
        try:
            async with httpx.AsyncClient(timeout=API_TIMEOUT) as http:
                result = await action(session_scope, context, http)
                listed = (
                    result if isinstance(result, list) else await whatsapp.sync_templates(session_scope, context, http)
                )
        except ServiceError as error:
            async with self:
                self.busy, self.templates_text = False, self._translate(error)
            return
        async with self:
            self.busy = False
            self.templates = _rows(listed)
            if isinstance(result, whatsapp.Submitted):
                self.templates_text = gettext(
                    self.locale,
                    N_("{sent} sent for approval; {refused} refused."),
                    sent=result.sent,
                    refused=len(result.refused),
                )
                if result.refused:
                    name, language, reason = result.refused[0]
                    self.templates_text += f" {name} ({language}): {gettext(self.locale, reason)}"
