"""Settings → Webhooks: the tenant's URLs, the events each receives, and the delivery log."""

from typing import Any, TypedDict

import reflex as rx
from babel.dates import format_datetime

from saas_app.core.roles import Action
from saas_app.db import session_scope
from saas_app.i18n import N_, gettext
from saas_app.services import outbound
from saas_app.state.base import SessionState, guarded, parse_id


class SubscriptionRow(TypedDict):
    subscription_id: str
    url: str
    events: str


class DeliveryRow(TypedDict):
    created: str
    event_type: str
    url: str
    status: str
    status_label: str
    attempts: str
    answer: str


STATUS_LABELS = {"pending": N_("Waiting"), "delivered": N_("Delivered"), "failed": N_("Failed")}


class WebhooksState(SessionState):
    subscriptions: list[SubscriptionRow] = []
    deliveries: list[DeliveryRow] = []
    new_secret: str = ""
    error: str = ""

    def _refresh(self) -> None:
        context = self._context(Action.MANAGE_SETTINGS)
        with session_scope() as session:
            rows = outbound.subscriptions(session, context)
            log = outbound.recent_deliveries(session, context)
            urls = {row.id: row.url for row in rows}
        self.subscriptions = [
            SubscriptionRow(subscription_id=str(row.id), url=row.url, events=", ".join(row.events)) for row in rows
        ]
        self.deliveries = [
            DeliveryRow(
                created=format_datetime(row.created_at, format="short", locale=self.locale),
                event_type=row.event_type,
                url=urls.get(row.subscription_id, "—"),
                status=row.status,
                status_label=gettext(self.locale, STATUS_LABELS.get(row.status, row.status)),
                attempts=str(row.attempts),
                answer=row.last_error or (str(row.last_status_code) if row.last_status_code else ""),
            )
            for row in log
        ]

    @rx.event
    def load(self) -> Any:
        """Opening the webhooks page: subscriptions and deliveries, or the refusal."""
        self.new_secret = ""
        redirect, self.error = self._open_page(self._refresh)
        return redirect

    @rx.event
    @guarded
    def subscribe(self, form: dict[str, Any]) -> Any:
        """The form's Add URL: subscribes it to the events ticked and shows its signing secret this once."""
        self.new_secret = ""
        events = [event for event in outbound.EVENTS if form.get(f"event_{event}")]
        url = str(form.get("url", ""))
        return self._write(
            Action.MANAGE_SETTINGS,
            lambda session, context: outbound.subscribe(session, context, url=url, events=events),
            then=self._show_secret,
        )

    def _show_secret(self, subscribed: tuple[Any, str]) -> None:
        self.new_secret = subscribed[1]

    @rx.event
    @guarded
    def remove(self, subscription_id: str) -> Any:
        """A confirmed Remove: we stop posting to that URL; a refusal comes as a toast."""
        chosen = parse_id(subscription_id)
        return self._write(
            Action.MANAGE_SETTINGS, lambda session, context: outbound.remove(session, context, chosen), inline=False
        )
