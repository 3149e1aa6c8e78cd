"""Debtors: what each owes and how late, how they pay, whether WhatsApp lets Cobro write to them first,
and when we last spoke."""

from datetime import date, datetime
from typing import Any, TypedDict
from zoneinfo import ZoneInfo

import phonenumbers
import reflex as rx
from babel import UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_decimal

from saas_app.core.invoices import Behaviour
from saas_app.core.languages import locale_name
from saas_app.core.money import format_money
from saas_app.core.roles import Action
from saas_app.core.text import neutralized
from saas_app.db import session_scope
from saas_app.i18n import N_, gettext
from saas_app.models import Debtor
from saas_app.services import balances, debtors, organizations
from saas_app.services.balances import Balance, Contact, Standing
from saas_app.state.base import KeysetPages, SessionState, guarded

PAGE_SIZE = 50
# The filter's value in the page -> scan_debtors' consent argument.
CONSENT_FILTERS: dict[str, str | None] = {"all": None, "missing": "missing", "opted_out": "opted_out"}
SOURCE_LABELS = {
    "import": N_("import"),
    "api": N_("API"),
    "checkout_form": N_("checkout form"),
    "replied_first": N_("wrote first"),
    "manual": N_("recorded by hand"),
}
BEHAVIOUR_LABELS: dict[str, str] = {
    Behaviour.PUNCTUAL: N_("Punctual"),
    Behaviour.LATE: N_("Late"),
    Behaviour.CHRONIC: N_("Chronic"),
    Behaviour.UNKNOWN: N_("No history yet"),
}


class DebtorRow(TypedDict):
    debtor_id: str
    name: str
    phone: str
    language: str
    timezone: str
    consent: str  # in, missing, out
    consent_text: str
    outstanding: str  # per currency, "" when nothing is owed
    overdue: str  # per currency, "" when nothing is late
    days_overdue: str  # of the oldest invoice past due, "" when none is
    behaviour: str  # punctual, late, chronic, unknown
    behaviour_label: str
    last_contact: str  # when, "" for never
    last_contact_way: str  # who wrote last: "Reply" or "Message"


def money_list(amounts: list[tuple[str, int]], locale: str) -> str:
    """Amounts in several currencies, each in its own, side by side: '1.234,56 € · R$ 50,00'; "" for none."""
    return " · ".join(format_money(minor, currency, locale) for currency, minor in amounts if minor)


def outstanding_text(found: list[Balance], locale: str) -> str:
    """What the debtor owes in all, per currency."""
    return money_list([(b.currency, b.outstanding_minor) for b in found], locale)


def overdue_text(found: list[Balance], locale: str) -> str:
    """What of it is past due, per currency."""
    return money_list([(b.currency, b.overdue_minor) for b in found], locale)


def behaviour_label(behaviour: str, locale: str) -> str:
    """Punctual, late, chronic, or no history yet, in the reader's language."""
    return gettext(locale, BEHAVIOUR_LABELS.get(behaviour, BEHAVIOUR_LABELS[Behaviour.UNKNOWN]))


def contact_way(contact: Contact | None, locale: str) -> str:
    """Who wrote last: the debtor (a reply) or we (a message)."""
    if contact is None:
        return ""
    return gettext(locale, N_("Reply") if contact.inbound else N_("Message"))


def org_today(zone: ZoneInfo) -> date:
    """Today where the organization is: what "overdue" is counted from."""
    return datetime.now(zone).date()


def language_label(code: str, locale: str) -> str:
    """A debtor's language named in the reader's: 'portoghese (Brasile)' for pt_BR read in Italian."""
    try:
        return locale_name(code, locale)
    except (ValueError, UnknownLocaleError):
        return code


def phone_label(e164: str) -> str:
    """+39 333 123 4567 rather than +393331234567."""
    try:
        return phonenumbers.format_number(phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return e164


def local_date(moment: datetime, zone: ZoneInfo, locale: str) -> str:
    """A moment as the date it was where the organization is, in the reader's language."""
    return format_date(moment.astimezone(zone), format="medium", locale=locale)


def consent_of(debtor: Debtor, zone: ZoneInfo, locale: str) -> tuple[str, str]:
    """The debtor's consent (in, missing, out) and the words for it, with where and when it was given."""
    if debtor.opted_out_at is not None:
        return "out", gettext(locale, N_("Opted out ({date})"), date=local_date(debtor.opted_out_at, zone, locale))
    if debtor.opted_in_at is not None:
        source = SOURCE_LABELS.get(debtor.opt_in_source)
        return "in", gettext(
            locale,
            N_("Opted in ({source}, {date})"),
            source=gettext(locale, source) if source else debtor.opt_in_source or "—",
            date=local_date(debtor.opted_in_at, zone, locale),
        )
    return "missing", gettext(locale, N_("No opt-in: reminders are skipped"))


class DebtorsState(KeysetPages, SessionState):
    debtors: list[DebtorRow] = []
    consent: str = "all"
    any_debtor: bool = False  # the organization has debtors, whatever the filter shows
    without_opt_in: str = ""  # how many get no reminders for want of consent, "" when none
    error: str = ""

    def _date(self, moment: datetime, zone: ZoneInfo) -> str:
        return local_date(moment, zone, self.locale)

    def _row(self, debtor: Debtor, zone: ZoneInfo, standing: Standing) -> DebtorRow:
        consent, text = consent_of(debtor, zone, self.locale)
        contact = standing.last_contact
        return DebtorRow(
            debtor_id=str(debtor.id),
            name=neutralized(debtor.name),
            phone=phone_label(debtor.phone),
            language=language_label(debtor.locale, self.locale),
            timezone=debtor.timezone,
            consent=consent,
            consent_text=text,
            outstanding=outstanding_text(standing.balances, self.locale),
            overdue=overdue_text(standing.balances, self.locale),
            days_overdue=format_decimal(standing.days_overdue, locale=self.locale) if standing.days_overdue else "",
            behaviour=standing.assessment.behaviour.value,
            behaviour_label=behaviour_label(standing.assessment.behaviour, self.locale),
            last_contact=self._date(contact.at, zone) if contact else "",
            last_contact_way=contact_way(contact, self.locale),
        )

    def _refresh(self) -> None:
        context = self._context(Action.VIEW)
        with session_scope() as session:
            zone = ZoneInfo(organizations.settings_of(session, context).timezone)
            found = debtors.scan_debtors(
                session,
                context,
                after=self._after(),
                limit=PAGE_SIZE,
                consent=CONSENT_FILTERS[self.consent],
            )
            missing = debtors.count_by_consent(session, context, "missing")
            self.any_debtor = bool(found.items) or bool(debtors.scan_debtors(session, context, limit=1).items)
            standing = balances.standings(session, context, [d.id or 0 for d in found.items], org_today(zone))
            self.debtors = [self._row(debtor, zone, standing[debtor.id or 0]) for debtor in found.items]
        self._paged(found.next_after, self.locale)
        self.without_opt_in = format_decimal(missing, locale=self.locale) if missing else ""

    @rx.event
    def load(self) -> Any:
        """Opening the debtors page: the consent filter the URL asks for, the first page, or the refusal."""
        wanted = self._query("consent")
        self.consent = wanted if wanted in CONSENT_FILTERS else "all"
        self._first_page()
        redirect, self.error = self._open_page(self._refresh)
        if self.error:
            self.debtors, self.any_debtor, self.without_opt_in, self.has_next = [], False, "", False
        return redirect

    @rx.event
    @guarded
    def set_consent(self, consent: str | list[str]) -> None:
        """The filter's new value (a segmented control may send a list: ours never does)."""
        if not isinstance(consent, str) or consent not in CONSENT_FILTERS:
            raise ValueError(consent)
        self.consent = consent
        self._first_page()
        self._refresh()
