"""Debtors: who they are, where they live, and whether WhatsApp lets Cobro write to them first."""

from datetime import datetime
from typing import Any, TypedDict
from zoneinfo import ZoneInfo

import phonenumbers
import reflex as rx
from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_decimal

from saas_app.core.roles import Action
from saas_app.core.text import neutralized
from saas_app.db import session_scope
from saas_app.i18n import N_, gettext
from saas_app.models import Debtor
from saas_app.services import debtors, organizations
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


class DebtorRow(TypedDict):
    debtor_id: str
    name: str
    phone: str
    language: str
    timezone: str
    consent: str  # in, missing, out
    consent_text: str


def language_label(code: str, locale: str) -> str:
    """A debtor's language named in the reader's: 'portoghese (Brasile)' for pt_BR read in Italian."""
    try:
        name = Locale.parse(code).get_display_name(locale) or code
    except (ValueError, UnknownLocaleError):
        return code
    return name[:1].upper() + name[1:]


def phone_label(e164: str) -> str:
    """+39 333 123 4567 rather than +393331234567."""
    try:
        return phonenumbers.format_number(phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return e164


class DebtorsState(KeysetPages, SessionState):
    debtors: list[DebtorRow] = []
    consent: str = "all"
    any_debtor: bool = False  # the organization has debtors, whatever the filter shows
    without_opt_in: str = ""  # how many get no reminders for want of consent, "" when none
    error: str = ""

    def _date(self, moment: datetime, zone: ZoneInfo) -> str:
        return format_date(moment.astimezone(zone), format="medium", locale=self.locale)

    def _row(self, debtor: Debtor, zone: ZoneInfo) -> DebtorRow:
        if debtor.opted_out_at is not None:
            consent = "out"
            text = gettext(self.locale, N_("Opted out ({date})"), date=self._date(debtor.opted_out_at, zone))
        elif debtor.opted_in_at is not None:
            consent = "in"
            source = SOURCE_LABELS.get(debtor.opt_in_source)
            text = gettext(
                self.locale,
                N_("Opted in ({source}, {date})"),
                source=gettext(self.locale, source) if source else debtor.opt_in_source or "—",
                date=self._date(debtor.opted_in_at, zone),
            )
        else:
            consent, text = "missing", gettext(self.locale, N_("No opt-in: reminders are skipped"))
        return DebtorRow(
            debtor_id=str(debtor.id),
            name=neutralized(debtor.name),
            phone=phone_label(debtor.phone),
            language=language_label(debtor.locale, self.locale),
            timezone=debtor.timezone,
            consent=consent,
            consent_text=text,
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
            self.debtors = [self._row(debtor, zone) for debtor in found.items]
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
