"""The inbox: debtors' replies, one conversation at a time, answered inside the 24-hour window."""

from datetime import datetime
from typing import Any, TypedDict
from zoneinfo import ZoneInfo

import httpx
import reflex as rx
from babel.dates import format_datetime

from saas_app.core.roles import Action
from saas_app.core.text import neutralized
from saas_app.db import session_scope
from saas_app.i18n import N_, gettext
from saas_app.services import inbox, organizations
from saas_app.services.errors import ServiceError
from saas_app.state.base import SessionState, guarded, parse_id
from saas_app.state.chat import BubbleRow, bubble_row

INTENT_LABELS = {
    "opt_out": N_("Opted out"),
    "already_paid": N_("Says it is paid"),
    "not_received": N_("Did not receive the invoice"),
    "need_time": N_("Needs more time"),
    "promise": N_("Promised to pay"),
    "other": N_("Needs an answer"),
}


class ConversationRow(TypedDict):
    debtor_id: str
    name: str
    last_text: str
    intent: str
    when: str
    waiting: int


class DocumentRow(TypedDict):
    invoice_id: str
    label: str


class InboxState(SessionState):
    conversations: list[ConversationRow] = []
    selected: str = ""
    name: str = ""
    phone: str = ""
    opted_out: bool = False
    window_note: str = ""
    window_open: bool = False
    entries: list[BubbleRow] = []
    documents: list[DocumentRow] = []  # invoices whose PDF a person can send in the chat
    error: str = ""
    _zone: str = "UTC"

    def _when(self, moment: datetime) -> str:
        return format_datetime(moment, format="short", tzinfo=ZoneInfo(self._zone), locale=self.locale)

    def _label(self, intent: str) -> str:
        return gettext(self.locale, INTENT_LABELS.get(intent, INTENT_LABELS["other"]))

    def _refresh(self) -> None:
        context = self._context(Action.VIEW)
        with session_scope() as session:
            self._zone = organizations.settings_of(session, context).timezone
            found = inbox.conversations(session, context)
            self.conversations = [
                ConversationRow(
                    debtor_id=str(c.debtor_id),
                    name=neutralized(c.name),
                    last_text=neutralized(c.last_text[:120]),
                    intent=self._label(c.last_intent),
                    when=self._when(c.last_at),
                    waiting=c.waiting,
                )
                for c in found
            ]
            if self.selected:
                self._show_thread(session, context, int(self.selected))

    def _show_thread(self, session: Any, context: Any, debtor_id: int) -> None:
        thread = inbox.thread(session, context, debtor_id)
        self.selected, self.name, self.phone, self.opted_out = (
            str(debtor_id),
            neutralized(thread.name),
            thread.phone,
            thread.opted_out,
        )
        self.window_open = thread.window_closes_at is not None and not thread.opted_out
        if thread.opted_out:
            self.window_note = gettext(self.locale, N_("This debtor opted out: nothing more is sent to them."))
        elif thread.window_closes_at is None:
            self.window_note = gettext(
                self.locale,
                N_("More than 24 hours since their last message: WhatsApp allows only an approved template now."),
            )
        else:
            self.window_note = gettext(
                self.locale, N_("You can answer freely until {when}."), when=self._when(thread.window_closes_at)
            )
        self.documents = [
            DocumentRow(
                invoice_id=str(invoice_id),
                label=gettext(self.locale, N_("Send invoice {number}"), number=number),
            )
            for invoice_id, number in thread.documents
        ]
        self.entries = [
            bubble_row(
                e.text,
                inbound=e.inbound,
                time=self._when(e.at),
                status=e.status,
                tag=self._label(e.intent) if e.inbound else "",
                error=gettext(self.locale, e.error) if e.status == "failed" and e.error else "",
                document=e.document,
            )
            for e in thread.entries
        ]

    @rx.event
    def load(self) -> Any:
        """Opening the inbox: the conversations with none open, or the refusal for a role that may not see them."""
        self.selected = ""
        self.entries = []
        redirect, self.error = self._open_page(self._refresh)
        return redirect

    @rx.event
    @guarded
    def open(self, debtor_id: str) -> Any:
        """A click on a conversation: shows its thread, and for collectors marks it read on WhatsApp too."""
        self.error = ""
        context = self._context(Action.VIEW)
        with session_scope() as session:
            self._show_thread(session, context, parse_id(debtor_id))
        return InboxState.mark_seen if self.can_collect else None

    @rx.event(background=True)
    async def mark_seen(self) -> None:
        """Tell the debtor a person read them (WhatsApp's blue ticks), off the state lock."""
        async with self:
            try:
                context, debtor_id = self._context(Action.COLLECT), parse_id(self.selected)
            except ServiceError:
                return
        async with httpx.AsyncClient(timeout=10.0) as http:
            await inbox.mark_read(session_scope, context, debtor_id, http)

    @rx.event
    @guarded
    def send(self, form: dict[str, Any]) -> Any:
        """The reply box's Send: queues the text to the open conversation and answers with a toast."""
        debtor_id, text = parse_id(self.selected), str(form.get("text", ""))
        return self._write(
            Action.COLLECT,
            lambda session, context: inbox.reply(session, context, debtor_id, text),
            saved=N_("Reply queued: it goes out within seconds."),
        )

    @rx.event
    @guarded
    def send_invoice(self, invoice_id: str) -> Any:
        """A Send invoice button: queues that invoice's document to the debtor and answers with a toast."""
        debtor_id, chosen = parse_id(self.selected), parse_id(invoice_id)
        return self._write(
            Action.COLLECT,
            lambda session, context: inbox.send_invoice(session, context, debtor_id, chosen),
            saved=N_("Invoice queued: it goes out within seconds."),
        )

    @rx.event
    @guarded
    def mark_handled(self) -> Any:
        """Mark as handled: the conversation no longer waits for an answer; a refusal comes as a toast."""
        debtor_id = parse_id(self.selected)
        return self._write(
            Action.COLLECT, lambda session, context: inbox.mark_handled(session, context, debtor_id), inline=False
        )
