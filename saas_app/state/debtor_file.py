"""The debtor's file, at /debtors/<id>: profile, balances, invoices and payments, assignment, notes, and
one timeline of everything that happened, with who did it; exported as CSV and as a printable page.

The id comes from the path and is looked up in the signed-in member's organization on every event;
each change checks the member's role on the server (`SessionState._write`).
"""

from datetime import date, datetime
from typing import Any, TypedDict
from zoneinfo import ZoneInfo

import reflex as rx
from babel.dates import format_date, format_time
from babel.numbers import format_decimal
from sqlmodel import Session

from saas_app.core import languages
from saas_app.core.behaviour import Assessment
from saas_app.core.invoices import OUTSTANDING, Status, days_overdue
from saas_app.core.money import format_money
from saas_app.core.roles import Action
from saas_app.core.text import neutralized
from saas_app.db import session_scope
from saas_app.i18n import N_, gettext
from saas_app.models import Debtor
from saas_app.models.base import utcnow
from saas_app.services import audit, balances, debtors, invoices, organizations, timeline
from saas_app.services.context import OrgContext
from saas_app.services.errors import NotFound
from saas_app.services.timeline import Event, Kind
from saas_app.state.base import SessionState, guarded, parse_id
from saas_app.state.campaigns import when
from saas_app.state.chat import BubbleRow, bubble_row
from saas_app.state.debtors import (
    SOURCE_LABELS,
    behaviour_label,
    consent_of,
    contact_way,
    language_label,
    local_date,
    org_today,
    outstanding_text,
    overdue_text,
    phone_label,
)
from saas_app.state.inbox import INTENT_LABELS

TIMELINE_PAGE = 100  # events read at first, and more each time "Show older" is pressed
PRINT_LIMIT = 5000  # the printable page's events; the CSV has every one
INVOICE_LIMIT = 200

STATUS_LABELS: dict[str, str] = {
    Status.OPEN: N_("Open"),
    Status.PARTIALLY_PAID: N_("Partly paid"),
    Status.PAID: N_("Paid"),
    Status.PROMISED: N_("Promised"),
    Status.DISPUTED: N_("Disputed"),
    Status.WRITTEN_OFF: N_("Written off"),
}
STEP_LABELS = {
    "sent": N_("sent {time}"),
    "delivered": N_("delivered {time}"),
    "read": N_("read {time}"),
    "failed": N_("failed {time}"),
}
KIND_LABELS = {
    Kind.MESSAGE: N_("Message"),
    Kind.REPLY: N_("Reply"),
    Kind.PAYMENT: N_("Payment"),
    Kind.PROMISE: N_("Promise"),
    Kind.DISPUTE: N_("Dispute"),
    Kind.STATUS: N_("Invoice status"),
    Kind.CONSENT: N_("Consent"),
    Kind.NOTE: N_("Note"),
    Kind.ACTIVITY: N_("Change"),
}
FIELD_LABELS = {
    "name": N_("name"),
    "phone": N_("phone"),
    "email": N_("email"),
    "locale": N_("language"),
    "timezone": N_("time zone"),
    "external_ref": N_("customer id"),
}
# Where an opt-out came from (services.debtors.opt_out's `source`), besides the opt-in sources.
OPT_OUT_SOURCES = {
    "whatsapp_reply": N_("asked in a WhatsApp reply"),
    "api": N_("API"),
    "manual": N_("recorded by hand"),
}
PAYMENT_SOURCES = {
    "manual": N_("recorded by hand"),
    "import": N_("import"),
    "webhook": N_("payment provider"),
    "api": N_("API"),
}
METHOD_LABELS = {
    "bank_transfer": N_("bank transfer"),
    "card": N_("card"),
    "cash": N_("cash"),
    "pix": "Pix",
    "boleto": "Boleto",
    "cheque": N_("cheque"),
    "other": N_("other"),
}


class InvoiceLine(TypedDict):
    invoice_id: str
    number: str
    service: str
    due: str
    amount: str
    paid: str
    balance: str
    status: str
    status_label: str
    days_overdue: str


class PaymentRow(TypedDict):
    paid_on: str
    invoice: str
    amount: str
    method: str
    source: str


class TimelineRow(TypedDict):
    key: str
    kind: str
    kind_label: str
    when: str
    who: str
    title: str
    detail: str
    text: str  # a note's words
    chat: bool  # a message or reply, drawn as WhatsApp shows it
    bubble: BubbleRow


class CollectorOption(TypedDict):
    id: str
    name: str


def debtor_id_in(path: str) -> int:
    """The debtor's id in /debtors/<id> (or /debtors/<id>/print); anything else is no debtor."""
    parts = path.strip("/").split("/")
    if len(parts) < 2 or not parts[1].isdigit() or len(parts[1]) > 18:
        raise NotFound(N_("This debtor does not exist."))
    return int(parts[1])


class Words:
    """What the file says, in the reader's language, dates where the organization is."""

    def __init__(self, locale: str, zone: ZoneInfo, debtor_name: str) -> None:
        self.locale, self.zone, self.debtor_name = locale, zone, debtor_name

    def t(self, message: str, **params: object) -> str:
        """A message in the reader's language."""
        return gettext(self.locale, message, **params)

    def money(self, minor: int, currency: str) -> str:
        """An amount in its currency, as the reader writes amounts."""
        return format_money(minor, currency, self.locale)

    def day(self, value: date | None) -> str:
        """A calendar date (a due date, a payment's day)."""
        return format_date(value, format="medium", locale=self.locale) if value else ""

    def moment(self, value: datetime) -> str:
        """A moment as the date and time it was where the organization is."""
        return when(value, self.zone, self.locale)

    def label(self, labels: dict[str, str], value: str) -> str:
        """A stored code in words, or the code itself when it has none."""
        return self.t(labels[value]) if value in labels else value

    def who(self, event: Event) -> str:
        """Who did it: a member, an API key, the debtor, Cobro itself, or "not recorded"."""
        match event.actor.kind:
            case "member":
                return event.actor.name
            case "api_key":
                return self.t(N_("API key {name}"), name=event.actor.name)
            case "debtor":
                return self.debtor_name
            case "unknown":
                return self.t(N_("not recorded"))
        return self.t(N_("Cobro (automatic)"))

    def steps(self, event: Event) -> str:
        """A message's statuses with their times: 'sent 10:01 · delivered 10:02 · read Dec 6, 2026, 8:15 AM'.

        A status reached on another day than the message went out says that day too.
        """
        sent_on = event.at.astimezone(self.zone).date()
        parts = []
        for name, at in event.steps:
            local = at.astimezone(self.zone)
            moment = format_time(local, "short", locale=self.locale) if local.date() == sent_on else self.moment(at)
            parts.append(self.t(STEP_LABELS[name], time=moment))
        return " · ".join(parts)

    def title(self, event: Event) -> str:
        """The event in one sentence."""
        d, invoice = event.details, event.invoice
        match event.kind:
            case Kind.MESSAGE:
                return self._message_title(event)
            case Kind.REPLY:
                return self.t(N_("{name} wrote"), name=self.debtor_name)
            case Kind.PAYMENT:
                return self.t(
                    N_("Payment of {amount} on invoice {invoice}"),
                    amount=self.money(event.amount_minor, event.currency),
                    invoice=invoice,
                )
            case Kind.PROMISE:
                return self.t(
                    N_("Promise to pay invoice {invoice} by {date}"),
                    invoice=invoice,
                    date=self.day(_as_date(d.get("promised_on"))),
                )
            case Kind.DISPUTE:
                return self.t(N_("Invoice {invoice} disputed"), invoice=invoice)
            case Kind.STATUS:
                if event.action == "invoice.written_off":
                    return self.t(N_("Invoice {invoice} written off"), invoice=invoice)
                if event.action == "invoice.open":
                    return self.t(N_("Invoice {invoice} reopened"), invoice=invoice)
                status = str(d.get("status", ""))
                return self.t(
                    N_("Invoice {invoice}: {status}"), invoice=invoice, status=self.label(STATUS_LABELS, status)
                )
            case Kind.CONSENT:
                if event.action == "opted_in":
                    return self.t(N_("Agreed to receive WhatsApp messages"))
                return self.t(N_("Asked to receive no more messages (opt-out)"))
            case Kind.NOTE:
                return self.t(N_("Internal note"))
        return self._activity_title(event)

    def _message_title(self, event: Event) -> str:
        status = str(event.details.get("status", ""))
        if status == "scheduled":
            return self.t(N_("Waiting to be sent"))
        if event.action == "message.reply":
            return self.t(N_("Answer from the team"))
        if event.action == "message.document":
            return self.t(N_("Invoice {invoice} sent as a document"), invoice=event.invoice)
        if event.action == "message.opt_out_confirmation":
            return self.t(N_("Opt-out confirmed to the debtor"))
        if event.invoice:
            return self.t(N_("Reminder for invoice {invoice}"), invoice=event.invoice)
        return self.t(N_("Reminder"))

    def _activity_title(self, event: Event) -> str:
        d, invoice = event.details, event.invoice
        match event.action:
            case "debtor.created":
                return self.t(N_("Debtor added"))
            case "debtor.updated":
                fields = [self.label(FIELD_LABELS, name) for name in d.get("changed", []) if name in FIELD_LABELS]
                if not fields:
                    return self.t(N_("Profile saved"))
                return self.t(N_("Profile changed: {fields}"), fields=", ".join(fields))
            case "debtor.assigned":
                if d.get("to_name"):
                    return self.t(N_("Assigned to {name}"), name=d["to_name"])
                return self.t(N_("No longer assigned"))
            case "debtor.exported":
                return self.t(N_("File exported"))
            case "invoice.created":
                return self.t(N_("Invoice {invoice} added"), invoice=invoice)
            case "invoice.updated":
                return self.t(N_("Invoice {invoice} changed"), invoice=invoice)
            case "inbox.invoice_sent":
                return self.t(N_("Invoice sent in the chat"))
        return event.action

    def detail(self, event: Event) -> str:
        """The second line: a message's statuses, a payment's day and method, a reply's meaning, a reason."""
        d = event.details
        match event.kind:
            case Kind.MESSAGE:
                return self.steps(event)
            case Kind.PAYMENT:
                parts = [self.t(N_("paid on {date}"), date=self.day(_as_date(d.get("paid_on"))))]
                if d.get("method"):
                    parts.append(self.label(METHOD_LABELS, str(d["method"])))
                parts.append(self.label(PAYMENT_SOURCES, str(d.get("source", ""))))
                left = int(d.get("left_minor", 0))
                parts.append(
                    self.t(N_("{amount} left to pay"), amount=self.money(left, event.currency))
                    if left
                    else self.t(N_("invoice paid in full"))
                )
                return " · ".join(parts)
            case Kind.DISPUTE | Kind.PROMISE | Kind.STATUS:
                return str(d.get("reason", ""))
            case Kind.CONSENT:
                source = str(d.get("source", ""))
                labels = SOURCE_LABELS if event.action == "opted_in" else OPT_OUT_SOURCES
                return self.label(labels, source)
        return ""

    def row(self, event: Event) -> TimelineRow:
        """One event as the timeline draws it."""
        chat = event.kind in (Kind.MESSAGE, Kind.REPLY)
        bubble = bubble_row("")
        if chat:
            intent = str(event.details.get("intent", ""))
            bubble = bubble_row(
                event.text,
                inbound=event.kind == Kind.REPLY,
                time=format_time(event.at.astimezone(self.zone), "short", locale=self.locale),
                status=str(event.details.get("status", "")),
                tag=self.label(INTENT_LABELS, intent) if event.kind == Kind.REPLY else "",
                error=self.t(event.error) if event.error else "",
                document=event.document,
            )
        return TimelineRow(
            key=event.key,
            kind=event.kind.value,
            kind_label=self.t(KIND_LABELS[event.kind]),
            when=self.moment(event.at),
            who=neutralized(self.who(event)),
            title=neutralized(self.title(event)),
            detail=neutralized(self.detail(event)),
            text=neutralized(event.text) if event.kind == Kind.NOTE else "",
            chat=chat,
            bubble=bubble,
        )

    def csv_row(self, event: Event) -> list[str]:
        """One event as a CSV line: the moment (ISO 8601 with its offset, then as read), what, who, the words."""
        local = event.at.astimezone(self.zone)
        return [
            local.isoformat(timespec="seconds"),
            self.moment(event.at),
            self.t(KIND_LABELS[event.kind]),
            neutralized(self.who(event)),
            event.invoice,
            neutralized(self.title(event)),
            neutralized(self.detail(event)),
            neutralized(event.text),
        ]

    def csv_header(self) -> list[str]:
        """The CSV's column names, in the reader's language."""
        return [
            self.t(N_("When (ISO 8601)")),
            self.t(N_("When")),
            self.t(N_("Type")),
            self.t(N_("Who")),
            self.t(N_("Invoice")),
            self.t(N_("What")),
            self.t(N_("Details")),
            self.t(N_("Text")),
        ]


def _as_date(value: Any) -> date | None:
    """A date kept in an audit entry (as text) or on a row (as a date)."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


class DebtorFileState(SessionState):
    """One debtor's file. Display copies only: every handler reads the debtor again from the path and the session."""

    debtor_id: str = ""
    name: str = ""
    phone: str = ""
    email: str = ""
    locale_code: str = ""
    language: str = ""
    org_country: str = ""  # its regional locales lead the language list
    timezone: str = ""
    external_ref: str = ""
    profile_key: str = ""  # changes when the stored profile does, so the form shows it again
    phone_hint: str = ""  # how to write a number, with an example from the organization's country
    consent: str = ""  # in, missing, out
    consent_text: str = ""
    behaviour: str = "unknown"
    behaviour_label: str = ""
    behaviour_facts: str = ""
    outstanding: str = ""
    overdue: str = ""
    days_overdue: str = ""
    last_contact: str = ""
    last_contact_way: str = ""  # who wrote last: "Reply" (the debtor) or "Message" (we)
    assigned_id: str = "none"
    assigned_name: str = ""
    collectors: list[CollectorOption] = []
    invoices: list[InvoiceLine] = []
    payments: list[PaymentRow] = []
    events: list[TimelineRow] = []
    more_events: bool = False
    timeline_filter: str = "all"
    notes_added: int = 0  # the note box empties after a note is saved, and only then
    zone_name: str = ""
    error: str = ""
    error_field: str = ""
    _limit: int = TIMELINE_PAGE

    @rx.var
    def locale_choices(self) -> list[list[str]]:
        """The debtor's possible locales as [code, name in the page's language], the organization's country's
        first (es_MX for Mexico); the stored one always among them."""
        choices = [[code, name] for code, name in languages.locale_choices(self.org_country, self.locale)]
        if self.locale_code and all(code != self.locale_code for code, _ in choices):
            choices.insert(0, [self.locale_code, self.locale_code])
        return choices

    def _debtor_id(self) -> int:
        return debtor_id_in(self._current_path())

    def _clear(self) -> None:
        self.name = self.phone = self.email = self.locale_code = self.language = self.timezone = ""
        self.external_ref = self.profile_key = self.consent = self.consent_text = self.behaviour_label = ""
        self.behaviour_facts = self.outstanding = self.overdue = self.days_overdue = self.last_contact = ""
        self.last_contact_way = ""
        self.assigned_name, self.assigned_id, self.behaviour, self.debtor_id = "", "none", "unknown", ""
        self.collectors, self.invoices, self.payments, self.events, self.more_events = [], [], [], [], False

    def _refresh(self) -> None:
        context = self._context(Action.VIEW)
        debtor_id = self._debtor_id()
        with session_scope() as session:
            debtor = debtors.get_debtor(session, context, debtor_id)
            org = organizations.get_organization(session, context)
            zone = ZoneInfo(org.timezone)
            words = Words(self.locale, zone, neutralized(debtor.name))
            today = org_today(zone)
            standing = balances.standings(session, context, [debtor_id], today)[debtor_id]
            self._show_profile(debtor, zone)
            self.org_country = org.country
            self.phone_hint = gettext(
                self.locale, N_("With the country code, such as {example}."), example=debtors.example_phone(org.country)
            )
            self._show_standing(standing, zone)
            self._show_team(session, context, debtor)
            self.invoices = invoice_lines(session, context, debtor_id, words, today)
            self.payments = payment_rows(session, context, debtor_id, words)
            found = timeline.timeline(
                session, context, debtor_id, limit=self._limit, kinds=timeline.FILTERS.get(self.timeline_filter)
            )
        self.events = [words.row(event) for event in found.events]
        self.more_events = found.more
        self.zone_name = zone.key

    def _show_profile(self, debtor: Debtor, zone: ZoneInfo) -> None:
        self.debtor_id = str(debtor.id)
        self.name, self.phone, self.email = neutralized(debtor.name), phone_label(debtor.phone), debtor.email
        self.locale_code, self.language = debtor.locale, language_label(debtor.locale, self.locale)
        self.timezone, self.external_ref = debtor.timezone, neutralized(debtor.external_ref)
        self.profile_key = f"{debtor.id}-{debtor.updated_at.isoformat()}"
        self.consent, self.consent_text = consent_of(debtor, zone, self.locale)

    def _show_standing(self, standing: balances.Standing, zone: ZoneInfo) -> None:
        self.outstanding = outstanding_text(standing.balances, self.locale)
        self.overdue = overdue_text(standing.balances, self.locale)
        self.days_overdue = days_text(standing.days_overdue, self.locale)
        self.behaviour = standing.assessment.behaviour.value
        self.behaviour_label = behaviour_label(standing.assessment.behaviour, self.locale)
        self.behaviour_facts = facts_of(standing.assessment, self.locale)
        contact = standing.last_contact
        self.last_contact = local_date(contact.at, zone, self.locale) if contact else ""
        self.last_contact_way = contact_way(contact, self.locale)

    def _show_team(self, session: Session, context: OrgContext, debtor: Debtor) -> None:
        people = debtors.collectors(session, context)
        self.collectors = [CollectorOption(id=str(c.user_id), name=neutralized(c.name)) for c in people]
        self.assigned_id = str(debtor.assigned_user_id) if debtor.assigned_user_id else "none"
        names = {c.user_id: c.name for c in people}
        self.assigned_name = neutralized(names.get(debtor.assigned_user_id or 0, ""))

    @rx.event
    def load(self) -> Any:
        """Opening a debtor's file: everything in it, or the refusal when the debtor is not the organization's."""
        self._clear()
        self._limit, self.timeline_filter, self.error_field = TIMELINE_PAGE, "all", ""
        redirect, self.error = self._open_page(self._refresh)
        if self.error:
            self._clear()
        return redirect

    @rx.event
    @guarded
    def save_profile(self, form: dict[str, Any]) -> Any:
        """The profile's Save: name, phone (checked by phonenumbers), email, language, time zone, customer id."""
        debtor_id = self._debtor_id()

        def save(session: Session, context: OrgContext) -> Debtor:
            data = debtors.input_of(debtors.get_debtor(session, context, debtor_id))
            for name in debtors.PROFILE_FIELDS:
                if name in form:
                    setattr(data, name, str(form[name]))
            return debtors.update_debtor(session, context, debtor_id, data)

        return self._write(Action.COLLECT, save, saved=N_("Profile saved."))

    @rx.event
    @guarded
    def assign(self, user_id: str) -> Any:
        """The assignment picker: the member who follows this debtor up, or nobody ("none")."""
        debtor_id, chosen = self._debtor_id(), None if user_id == "none" else parse_id(user_id)
        return self._write(
            Action.COLLECT,
            lambda session, context: debtors.assign(session, context, debtor_id, chosen),
            saved=N_("Assignment saved."),
            inline=False,
        )

    @rx.event
    @guarded
    def add_note(self, form: dict[str, Any]) -> Any:
        """The note box's Add: an internal note, signed, in the timeline; the words stay if it is refused."""
        debtor_id, text = self._debtor_id(), str(form.get("note", ""))
        return self._write(
            Action.COLLECT,
            lambda session, context: debtors.add_note(session, context, debtor_id, text),
            then=self._note_added,
            saved=N_("Note added."),
        )

    def _note_added(self, _note: Any) -> None:
        self.notes_added += 1

    @rx.event
    @guarded
    def opt_out(self) -> Any:
        """Record the debtor's opt-out (they asked by phone, by mail...): every reminder stops at once."""
        debtor_id = self._debtor_id()
        return self._write(
            Action.COLLECT,
            lambda session, context: debtors.opt_out(session, context, debtor_id, source="manual"),
            saved=N_("Opt-out recorded: no more messages go to this debtor."),
            inline=False,
        )

    @rx.event
    @guarded
    def opt_in(self) -> Any:
        """Record the consent the debtor gave a person: reminders may start."""
        debtor_id = self._debtor_id()
        return self._write(
            Action.COLLECT,
            lambda session, context: debtors.record_opt_in(session, context, debtor_id),
            saved=N_("Consent recorded."),
            inline=False,
        )

    @rx.event
    @guarded
    def set_timeline_filter(self, value: str | list[str]) -> None:
        """The timeline's filter: everything, messages, money, notes, or changes and consent."""
        if not isinstance(value, str) or value not in timeline.FILTERS:
            raise ValueError(value)
        self.timeline_filter, self._limit = value, TIMELINE_PAGE
        self._refresh()

    @rx.event
    @guarded
    def show_older(self) -> None:
        """The timeline's Show older: the next hundred events further back."""
        self._limit += TIMELINE_PAGE
        self._refresh()

    @rx.event
    @guarded
    def export_csv(self) -> Any:
        """Download the whole timeline as CSV (in the reader's language, times in the organization's zone)."""
        context = self._context(Action.VIEW)
        debtor_id = self._debtor_id()
        with session_scope() as session:
            debtor = debtors.get_debtor(session, context, debtor_id)
            zone = ZoneInfo(organizations.settings_of(session, context).timezone)
            words = Words(self.locale, zone, neutralized(debtor.name))
            found = timeline.timeline(session, context, debtor_id, limit=None)
            audit.record_for(
                context, session, "debtor.exported", target_type="debtor", target_id=debtor_id, events=len(found.events)
            )
        data = timeline.csv_text(words.csv_header(), [words.csv_row(event) for event in found.events])
        stamp = utcnow().astimezone(zone).strftime("%Y-%m-%d")
        return rx.download(data=data, filename=f"debtor-{debtor_id}-{stamp}.csv", mime_type="text/csv")


def days_text(days: int, locale: str) -> str:
    """'1 day', '45 days' in the reader's language; "" for none."""
    if not days:
        return ""
    if days == 1:
        return gettext(locale, N_("1 day"))
    return gettext(locale, N_("{count} days"), count=format_decimal(days, locale=locale))


def facts_of(assessment: Assessment, locale: str) -> str:
    """What the behaviour rests on: 'Paid on time: 3 · Paid late: 1 · Overdue now: 2'."""
    parts = [
        (N_("Paid on time: {count}"), assessment.paid_on_time),
        (N_("Paid late: {count}"), assessment.paid_late),
        (N_("Overdue now: {count}"), assessment.overdue),
    ]
    return " · ".join(
        gettext(locale, message, count=format_decimal(count, locale=locale)) for message, count in parts if count
    )


def invoice_lines(
    session: Session, context: OrgContext, debtor_id: int, words: Words, today: date
) -> list[InvoiceLine]:
    """The debtor's invoices, oldest due first, each with what is left to pay and how late it is."""
    found = invoices.list_invoices(session, context, debtor_id=debtor_id, limit=INVOICE_LIMIT)
    lines = []
    for invoice in found.items:
        owed = invoice.status in OUTSTANDING
        late = days_overdue(invoice.due_on, today) if owed else 0
        lines.append(
            InvoiceLine(
                invoice_id=str(invoice.id),
                number=neutralized(invoice.number),
                service=neutralized(invoice.service),
                due=words.day(invoice.due_on),
                amount=words.money(invoice.amount_minor, invoice.currency),
                paid=words.money(invoice.paid_minor, invoice.currency) if invoice.paid_minor else "",
                balance=words.money(max(0, invoice.amount_minor - invoice.paid_minor), invoice.currency)
                if owed
                else "",
                status=invoice.status,
                status_label=words.label(STATUS_LABELS, invoice.status),
                days_overdue=format_decimal(late, locale=words.locale) if late else "",
            )
        )
    return lines


def payment_rows(session: Session, context: OrgContext, debtor_id: int, words: Words) -> list[PaymentRow]:
    """Every payment on the debtor's invoices, newest first."""
    return [
        PaymentRow(
            paid_on=words.day(p.paid_on),
            invoice=neutralized(p.invoice),
            amount=words.money(p.amount_minor, p.currency),
            method=words.label(METHOD_LABELS, p.method) if p.method else "",
            source=words.label(PAYMENT_SOURCES, p.source),
        )
        for p in timeline.payments_of(session, context, debtor_id)
    ]


class DebtorPrintState(SessionState):
    """The file as a document to print or save as PDF: everything on it, and who printed it when."""

    org_name_printed: str = ""
    printed_by: str = ""
    printed_at: str = ""
    name: str = ""
    phone: str = ""
    email: str = ""
    language: str = ""
    timezone: str = ""
    external_ref: str = ""
    consent_text: str = ""
    behaviour_label: str = ""
    behaviour_facts: str = ""
    outstanding: str = ""
    overdue: str = ""
    days_overdue: str = ""
    invoices: list[InvoiceLine] = []
    payments: list[PaymentRow] = []
    events: list[TimelineRow] = []
    omitted: str = ""  # when the file holds more events than the page prints
    zone_name: str = ""
    error: str = ""

    def _refresh(self) -> None:
        context = self._context(Action.VIEW)
        debtor_id = debtor_id_in(self._current_path())
        with session_scope() as session:
            debtor = debtors.get_debtor(session, context, debtor_id)
            org = organizations.settings_of(session, context)
            zone = ZoneInfo(org.timezone)
            words = Words(self.locale, zone, neutralized(debtor.name))
            today = org_today(zone)
            standing = balances.standings(session, context, [debtor_id], today)[debtor_id]
            self.invoices = invoice_lines(session, context, debtor_id, words, today)
            self.payments = payment_rows(session, context, debtor_id, words)
            found = timeline.timeline(session, context, debtor_id, limit=PRINT_LIMIT)
        self.org_name_printed, self.printed_by, self.printed_at = org.name, self.user_name, words.moment(utcnow())
        self.name, self.phone, self.email = neutralized(debtor.name), phone_label(debtor.phone), debtor.email
        self.language, self.timezone = language_label(debtor.locale, self.locale), debtor.timezone
        self.external_ref = neutralized(debtor.external_ref)
        self.consent_text = consent_of(debtor, zone, self.locale)[1]
        self.behaviour_label = behaviour_label(standing.assessment.behaviour, self.locale)
        self.behaviour_facts = facts_of(standing.assessment, self.locale)
        self.outstanding = outstanding_text(standing.balances, self.locale)
        self.overdue = overdue_text(standing.balances, self.locale)
        self.days_overdue = days_text(standing.days_overdue, self.locale)
        self.events = [words.row(event) for event in found.events]
        self.omitted = (
            gettext(
                self.locale,
                N_("Only the latest {count} events are printed: export the CSV for all of them."),
                count=format_decimal(PRINT_LIMIT, locale=self.locale),
            )
            if found.more
            else ""
        )
        self.zone_name = zone.key

    @rx.event
    def load(self) -> Any:
        """Opening the printable file: everything on it, or the refusal."""
        self.events, self.invoices, self.payments, self.name = [], [], [], ""
        redirect, self.error = self._open_page(self._refresh)
        if self.error:
            self.events, self.invoices, self.payments, self.name = [], [], [], ""
        return redirect
