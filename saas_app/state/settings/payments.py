"""Settings → Payments: where providers post payments, their secrets, and what arrived."""

from typing import Any, TypedDict

import reflex as rx
from babel.dates import format_datetime

from saas_app.core.roles import Action
from saas_app.db import session_scope
from saas_app.i18n import N_, gettext
from saas_app.services import payment_webhooks
from saas_app.state.base import SessionState, guarded


class PaymentEventRow(TypedDict):
    received: str
    provider: str
    event_type: str
    event_id: str
    outcome: str
    outcome_label: str
    reason: str


OUTCOME_LABELS = {"applied": N_("Applied"), "duplicate": N_("Already counted"), "ignored": N_("Ignored")}


class PaymentsSettingsState(SessionState):
    endpoint_url: str = ""
    has_stripe_secret: bool = False
    has_signing_secret: bool = False
    new_secret: str = ""
    events: list[PaymentEventRow] = []
    error: str = ""

    def _refresh(self) -> None:
        context = self._context(Action.MANAGE_SETTINGS)
        with session_scope() as session:
            shown = payment_webhooks.describe(payment_webhooks.endpoint(session, context))
            events = payment_webhooks.recent_events(session, context)
        self.endpoint_url = shown["url"]
        self.has_stripe_secret, self.has_signing_secret = shown["has_stripe_secret"], shown["has_signing_secret"]
        self.events = [
            PaymentEventRow(
                received=format_datetime(event.received_at, format="short", locale=self.locale),
                provider="Stripe" if event.provider == "stripe" else "Cobro",
                event_type=event.event_type,
                event_id=event.event_id,
                outcome=event.outcome,
                outcome_label=gettext(self.locale, OUTCOME_LABELS.get(event.outcome, event.outcome)),
                reason=event.reason,
            )
            for event in events
        ]

    @rx.event
    def load(self) -> Any:
        """Opening the payments settings: the endpoint, which secrets are set, and recent events; or the refusal."""
        self.new_secret = ""
        redirect, self.error = self._open_page(self._refresh)
        return redirect

    @rx.event
    @guarded
    def save_stripe_secret(self, form: dict[str, Any]) -> Any:
        """The Stripe card's Save: stores the signing secret and answers with a toast, or says why it will not do."""
        secret = str(form.get("stripe_secret", ""))
        return self._write(
            Action.MANAGE_SETTINGS,
            lambda session, context: payment_webhooks.set_stripe_secret(session, context, secret),
            saved=N_("Settings saved."),
        )

    @rx.event
    @guarded
    def new_signing_secret(self) -> Any:
        """Make or Replace the signing secret: a new one, shown this once; the previous one stops working."""
        return self._write(Action.MANAGE_SETTINGS, payment_webhooks.new_signing_secret, then=self._show_secret)

    def _show_secret(self, secret: str) -> None:
        self.new_secret = secret
