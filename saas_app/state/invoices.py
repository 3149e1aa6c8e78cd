"""Invoices: the organization's receivables, filtered, sorted and paged on the server, and what a person does to them.

Every action re-checks the session and the role (`_write`), and names invoices by ids the services
look up in the member's own organization: an id of another tenant's invoice is refused like one
that does not exist.
"""

from datetime import date
from decimal import Decimal
from typing import Any, TypedDict
from zoneinfo import ZoneInfo

import reflex as rx
from babel.dates import format_date
from babel.numbers import format_decimal
from sqlmodel import Session

from saas_app import routes
from saas_app.core.invoices import (
    AGE_BUCKETS,
    OUTSTANDING,
    PAYMENT_METHODS,
    Status,
    can_move,
)
from saas_app.core.money import AmountError, format_money, minor_digits, parse_amount, to_decimal
from saas_app.core.roles import Action
from saas_app.core.text import neutralized
from saas_app.db import session_scope
from saas_app.i18n import N_, gettext
from saas_app.models.base import utcnow
from saas_app.services import debtors, enrollments, invoices, launch, organizations
from saas_app.services.context import OrgContext
from saas_app.services.errors import NotFound, ServiceError
from saas_app.services.invoices import BulkOutcome, CurrencyTotals, InvoiceFilters, InvoiceLine
from saas_app.state.base import BadRequest, SessionState, guarded, parse_id
from saas_app.state.debtors import org_today

PAGE_SIZE = 50
ANY = "all"  # a filter's value for "any": Radix selects refuse an empty value
OWED = "owed"  # the status filter's "still owed": open, partly paid, promised or disputed

STATUS_LABELS: dict[str, str] = {
    Status.OPEN: N_("Open"),
    Status.PARTIALLY_PAID: N_("Partly paid"),
    Status.PAID: N_("Paid in full"),
    Status.PROMISED: N_("Promised"),
    Status.DISPUTED: N_("Disputed"),
    Status.WRITTEN_OFF: N_("Written off"),
}
STATUS_FILTERS: dict[str, tuple[str, ...]] = {ANY: (), OWED: tuple(sorted(OUTSTANDING))} | {
    status.value: (status.value,) for status in Status
}
BUCKET_LABELS: dict[str, str] = {
    "not_due": N_("Not yet due"),
    "1-30": N_("1–30 days overdue"),
    "31-90": N_("31–90 days overdue"),
    "90+": N_("Over 90 days overdue"),
}
METHOD_LABELS: dict[str, str] = {
    "bank_transfer": N_("Bank transfer"),
    "card": N_("Card"),
    "cash": N_("Cash"),
    "pix": N_("Pix"),
    "boleto": N_("Boleto"),
    "cheque": N_("Cheque"),
    "other": N_("Other"),
}
assert set(BUCKET_LABELS) == set(AGE_BUCKETS)
assert set(METHOD_LABELS) == set(PAYMENT_METHODS)

# Dialogs a person fills in before the action, and actions taken at once (a toast says how it went).
DIALOGS = ("payment", "promise", "dispute", "write_off", "campaign")
AT_ONCE = ("pause", "resume", "send")
# The filters a select or a date picker sets, each applied as soon as it changes.
PICKED = ("status", "bucket", "currency", "campaign", "tag", "due_from", "due_to")


class InvoiceRow(TypedDict):
    invoice_id: str
    number: str
    service: str
    debtor: str
    debtor_id: str
    amount: str
    outstanding: str
    due: str
    age: str  # how late, how soon, or the promised date
    late: bool  # still owed after its due date
    status: str
    status_label: str
    reminders: str  # the campaign chasing it, and whether a person paused it
    actions: list[str]  # what this invoice offers: "pay", "promise", ..., as DIALOGS and AT_ONCE name them


class TotalRow(TypedDict):
    currency: str
    invoices: str
    outstanding: str
    overdue: str
    has_overdue: bool


class Choice(TypedDict):
    value: str
    label: str


def actions_for(line: InvoiceLine) -> list[str]:
    """What a person may do to this invoice now, from its status, its document and its reminders."""
    invoice, status = line.invoice, line.invoice.status
    offered = []
    if status != Status.PAID:
        offered.append("pay")
    moves = (("promise", Status.PROMISED), ("dispute", Status.DISPUTED), ("write_off", Status.WRITTEN_OFF))
    offered += [kind for kind, target in moves if can_move(status, target)]
    if line.campaign:
        offered.append("resume" if line.reminders_paused else "pause")
    elif status not in (Status.PAID, Status.DISPUTED, Status.WRITTEN_OFF):
        offered.append("campaign")
    if invoice.document_url and status not in (Status.PAID, Status.WRITTEN_OFF):
        offered.append("send")
    return offered


class InvoicesState(SessionState):
    invoices: list[InvoiceRow] = []
    totals: list[TotalRow] = []
    any_invoice: bool = False  # the organization has invoices, whatever the filters show
    error: str = ""
    error_field: str = ""
    filter_error: str = ""

    status: str = ANY
    bucket: str = ANY
    currency: str = ANY
    campaign: str = ANY
    tag: str = ANY
    due_from: str = ""  # ISO dates, as the date inputs give them
    due_to: str = ""
    search: str = ""
    min_amount: str = ""  # as typed, in the chosen currency
    max_amount: str = ""
    debtor_id: str = ""
    debtor_name: str = ""
    typed_filters: int = 0  # bumped when the search and amount boxes must show new values (they are not bound)

    sort_key: str = "due_on"
    sort_descending: bool = False
    page: int = 1
    has_next: bool = False
    page_label: str = ""

    currencies: list[str] = []
    campaigns: list[Choice] = []
    tags: list[str] = []
    open_campaigns: list[Choice] = []  # those that still take invoices

    selected: list[str] = []
    dialog: str = ""
    dialog_count: int = 0  # how many invoices the dialog acts on
    dialog_title: str = ""
    dialog_note: str = ""  # what is still owed, for a single invoice's payment
    dialog_amount: str = ""
    today: str = ""

    _targets: list[int] = []  # the invoices the open dialog acts on, checked by the services again
    _filters: InvoiceFilters = InvoiceFilters()
    _total: int = 0
    _zone: str = "UTC"

    @rx.var
    def filtering(self) -> bool:
        """Whether any filter narrows the list, so the page offers to clear them."""
        picked = (self.status, self.bucket, self.currency, self.campaign, self.tag)
        typed = (self.due_from, self.due_to, self.search, self.min_amount, self.max_amount, self.debtor_id)
        return any(value != ANY for value in picked) or any(typed)

    @rx.var
    def all_selected(self) -> bool:
        """Whether every invoice of the page is ticked, for the header's checkbox."""
        return bool(self.invoices) and all(row["invoice_id"] in self.selected for row in self.invoices)

    def _today(self) -> date:
        """Today in the organization's time zone: what is overdue there."""
        return org_today(ZoneInfo(self._zone))

    def _money(self, minor: int, currency: str) -> str:
        return format_money(minor, currency, self.locale)

    def _age(self, line: InvoiceLine, today: date) -> str:
        invoice = line.invoice
        if invoice.status == Status.PROMISED and invoice.promised_on is not None:
            promised = format_date(invoice.promised_on, "medium", locale=self.locale)
            return gettext(self.locale, N_("Promised for {date}"), date=promised)
        if invoice.status not in OUTSTANDING:
            return ""
        days = (today - invoice.due_on).days
        if days == 0:
            return gettext(self.locale, N_("Due today"))
        if days == 1:
            return gettext(self.locale, N_("1 day overdue"))
        if days > 1:
            return gettext(self.locale, N_("{days} days overdue"), days=format_decimal(days, locale=self.locale))
        if days == -1:
            return gettext(self.locale, N_("Due tomorrow"))
        return gettext(self.locale, N_("Due in {days} days"), days=format_decimal(-days, locale=self.locale))

    def _reminders(self, line: InvoiceLine) -> str:
        if not line.campaign:
            return ""
        message = N_("Reminders paused · {campaign}") if line.reminders_paused else N_("Campaign: {campaign}")
        return gettext(self.locale, message, campaign=line.campaign)

    def _row(self, line: InvoiceLine, today: date) -> InvoiceRow:
        invoice = line.invoice
        owed = invoice.status in OUTSTANDING
        return InvoiceRow(
            invoice_id=str(invoice.id),
            number=neutralized(invoice.number),
            service=neutralized(invoice.service),
            debtor=neutralized(line.debtor_name),
            debtor_id=str(invoice.debtor_id),
            amount=self._money(invoice.amount_minor, invoice.currency),
            outstanding=self._money(invoice.amount_minor - invoice.paid_minor, invoice.currency) if owed else "—",
            due=format_date(invoice.due_on, "medium", locale=self.locale),
            age=self._age(line, today),
            late=owed and invoice.due_on < today,
            status=invoice.status,
            status_label=gettext(self.locale, STATUS_LABELS.get(invoice.status, invoice.status)),
            reminders=self._reminders(line),
            actions=actions_for(line),
        )

    def _total_row(self, totals: CurrencyTotals) -> TotalRow:
        count = format_decimal(totals.invoices, locale=self.locale)
        label = N_("1 invoice") if totals.invoices == 1 else N_("{count} invoices")
        return TotalRow(
            currency=totals.currency,
            invoices=gettext(self.locale, label, count=count),
            outstanding=self._money(totals.outstanding_minor, totals.currency),
            overdue=self._money(totals.overdue_minor, totals.currency),
            has_overdue=totals.overdue_minor > 0,
        )

    def _read_page(self, session: Session, context: OrgContext) -> None:
        """The current page of rows, in the current order; the totals and count are kept from `_refresh`."""
        today = self._today()
        lines = invoices.browse_invoices(
            session,
            context,
            self._filters,
            today=today,
            sort=self.sort_key,
            descending=self.sort_descending,
            offset=(self.page - 1) * PAGE_SIZE,
            limit=PAGE_SIZE,
        )
        self.invoices = [self._row(line, today) for line in lines]
        self.has_next = self.page * PAGE_SIZE < self._total
        first, last = (self.page - 1) * PAGE_SIZE + 1, (self.page - 1) * PAGE_SIZE + len(lines)
        self.page_label = (
            gettext(
                self.locale,
                N_("{first}–{last} of {total}"),
                first=format_decimal(first, locale=self.locale),
                last=format_decimal(last, locale=self.locale),
                total=format_decimal(self._total, locale=self.locale),
            )
            if lines
            else ""
        )
        shown = {row["invoice_id"] for row in self.invoices}
        self.selected = [invoice_id for invoice_id in self.selected if invoice_id in shown]

    def _refresh(self) -> None:
        """The totals and count of the filtered list, then its page (the last one, if it shrank below)."""
        context = self._context(Action.VIEW)
        with session_scope() as session:
            totals = invoices.invoice_totals(session, context, self._filters, today=self._today())
            self._total = sum(item.invoices for item in totals)
            self.totals = [self._total_row(item) for item in totals]
            self.page = max(1, min(self.page, (self._total + PAGE_SIZE - 1) // PAGE_SIZE))
            self._read_page(session, context)

    def _turn_page(self) -> None:
        context = self._context(Action.VIEW)
        with session_scope() as session:
            self._read_page(session, context)

    def _load_choices(self) -> None:
        """The filters' menus and the organization's time zone, read as the page opens."""
        context = self._context(Action.VIEW)
        with session_scope() as session:
            self._zone = organizations.settings_of(session, context).timezone
            choices = invoices.filter_choices(session, context)
            running = enrollments.open_campaigns(session, context)
            if self.debtor_id:
                try:
                    self.debtor_name = neutralized(debtors.get_debtor(session, context, int(self.debtor_id)).name)
                except NotFound:  # not ours, or gone: the list is not narrowed to it
                    self.debtor_id = self.debtor_name = ""
        self.any_invoice = bool(choices.currencies)
        self.currencies = choices.currencies
        self.campaigns = [Choice(value=str(campaign_id), label=name) for campaign_id, name in choices.campaigns]
        self.tags = choices.tags
        self.open_campaigns = [Choice(value=str(campaign_id), label=name) for campaign_id, name in running]
        self.today = self._today().isoformat()

    def _read_address(self) -> None:
        """Filters named in the address (/invoices?status=owed&bucket=31-90), as links from other pages give them."""
        self.status = self._query("status") if self._query("status") in STATUS_FILTERS else ANY
        self.bucket = self._query("bucket") if self._query("bucket") in AGE_BUCKETS else ANY
        self.currency = self._query("currency").upper() or ANY
        campaign, debtor = self._query("campaign"), self._query("debtor")
        self.campaign = campaign if campaign.isdigit() else ANY  # and one of the menu's, once it is read
        self.debtor_id = debtor if debtor.isdigit() and len(debtor) < 19 else ""
        self.tag = self._query("tag") or ANY
        self.search = self._query("q")[:100]
        self.due_from = self.due_to = self.min_amount = self.max_amount = self.debtor_name = ""

    def _clear(self) -> None:
        self.invoices, self.totals, self.selected = [], [], []
        self.any_invoice = self.has_next = False
        self.page_label = ""

    @rx.event
    def load(self) -> Any:
        """Opening the invoices: the filters in the address, the menus, the first page; or the refusal."""
        self._read_address()
        self.typed_filters += 1
        self.sort_key, self.sort_descending, self.page = "due_on", False, 1
        self.selected, self.dialog, self.filter_error = [], "", ""
        redirect, self.error = self._open_page(self._open)
        if self.error:
            self._clear()
        return redirect

    def _open(self) -> None:
        self._load_choices()
        self._filters = self._checked_filters()
        self._refresh()

    def _checked_filters(self) -> InvoiceFilters:
        """The filters the page holds, as the services take them; menus keep only what they offer."""
        if self.currency != ANY and self.currency not in self.currencies:
            self.currency = ANY
        if self.campaign != ANY and self.campaign not in {choice["value"] for choice in self.campaigns}:
            self.campaign = ANY
        if self.tag != ANY and self.tag not in self.tags:
            self.tag = ANY
        currency = "" if self.currency == ANY else self.currency
        return InvoiceFilters(
            statuses=STATUS_FILTERS[self.status],
            bucket="" if self.bucket == ANY else self.bucket,
            due_from=_day(self.due_from),
            due_to=_day(self.due_to),
            currency=currency,
            min_outstanding_minor=self._typed_amount(self.min_amount, currency, "min_amount"),
            max_outstanding_minor=self._typed_amount(self.max_amount, currency, "max_amount"),
            debtor_id=int(self.debtor_id) if self.debtor_id else None,
            search=self.search,
            campaign_id=None if self.campaign == ANY else int(self.campaign),
            tag="" if self.tag == ANY else self.tag,
        )

    def _typed_amount(self, text: str, currency: str, field: str) -> int | None:
        if not text.strip():
            return None
        if not currency:
            raise ServiceError(N_("Choose the currency the amounts are in."), field="currency")
        return typed_amount(text, currency, self.locale, field)

    def _filter_again(self) -> None:
        """A filter changed: back to the first page, with its totals; a filter that cannot apply is said."""
        self.filter_error = ""
        try:
            self._filters = self._checked_filters()
        except ServiceError as error:
            self.filter_error = self._translate(error)
            return
        self.page, self.selected = 1, []
        self._refresh()

    @rx.event
    @guarded
    def set_filter(self, name: str, value: str) -> None:
        """A menu or date of the filter bar changed; a value no menu offers is refused."""
        if name not in PICKED or not isinstance(value, str):
            raise BadRequest
        allowed: dict[str, Any] = {
            "status": STATUS_FILTERS,
            "bucket": [ANY, *AGE_BUCKETS],
            "currency": [ANY, *self.currencies],
            "campaign": [ANY, *(choice["value"] for choice in self.campaigns)],
            "tag": [ANY, *self.tags],
        }
        if name in allowed and value not in allowed[name]:
            raise BadRequest
        if name in ("due_from", "due_to") and value and _day(value) is None:
            raise BadRequest
        setattr(self, name, value)
        self._filter_again()

    @rx.event
    @guarded
    def apply_search(self, form: dict[str, Any]) -> None:
        """The search box and the amount range, applied on Enter or with the Filter button."""
        self.search = str(form.get("search", "")).strip()[:100]
        self.min_amount = str(form.get("min_amount", "")).strip()[:30]
        self.max_amount = str(form.get("max_amount", "")).strip()[:30]
        self._filter_again()

    @rx.event
    @guarded
    def clear_filters(self) -> None:
        """Every filter off: the whole list again, in the same order."""
        self.status = self.bucket = self.currency = self.campaign = self.tag = ANY
        self.due_from = self.due_to = self.search = self.min_amount = self.max_amount = ""
        self.debtor_id = self.debtor_name = ""
        self.typed_filters += 1
        self._filter_again()

    @rx.event
    @guarded
    def clear_debtor(self) -> None:
        """The debtor's badge closed: every debtor's invoices again."""
        self.debtor_id = self.debtor_name = ""
        self._filter_again()

    @rx.event
    @guarded
    def show_debtor(self, debtor_id: str) -> None:
        """A debtor's name clicked: the list narrowed to that debtor's invoices."""
        self.debtor_id = str(parse_id(debtor_id))
        context = self._context(Action.VIEW)
        with session_scope() as session:
            self.debtor_name = neutralized(debtors.get_debtor(session, context, int(self.debtor_id)).name)
        self._filter_again()

    @rx.event
    @guarded
    def sort_by(self, key: str) -> None:
        """A column heading clicked: sorts by it, or turns the order round when it already sorts by it."""
        if key not in invoices.SORTS:
            raise BadRequest
        if key == self.sort_key:
            self.sort_descending = not self.sort_descending
        else:
            self.sort_key, self.sort_descending = key, key == "outstanding"  # the largest debts come first
        self.page = 1
        self._turn_page()

    @rx.event
    @guarded
    def next_page(self) -> None:
        """The pager's Next."""
        if self.has_next:
            self.page += 1
        self._turn_page()

    @rx.event
    @guarded
    def previous_page(self) -> None:
        """The pager's Previous."""
        self.page = max(1, self.page - 1)
        self._turn_page()

    @rx.event
    @guarded
    def toggle(self, invoice_id: str) -> None:
        """A row's checkbox: in or out of the selection the bulk actions apply to (ids of this page only)."""
        self._context(Action.COLLECT)
        if invoice_id in self.selected:
            self.selected = [chosen for chosen in self.selected if chosen != invoice_id]
        elif any(row["invoice_id"] == invoice_id for row in self.invoices):
            self.selected = [*self.selected, invoice_id]

    @rx.event
    @guarded
    def toggle_page(self) -> None:
        """The header's checkbox: every invoice of the page, or none."""
        self._context(Action.COLLECT)
        self.selected = [] if self.all_selected else [row["invoice_id"] for row in self.invoices]

    def _chosen(self, invoice_id: str) -> list[int]:
        """One invoice's id, or "" for the page's selection; checked by the services in the member's organization."""
        if invoice_id:
            return [parse_id(invoice_id)]
        if not self.selected:
            raise ServiceError(N_("Choose at least one invoice."))
        return [parse_id(chosen) for chosen in self.selected]

    @rx.event
    @guarded
    def start_campaign(self) -> Any:
        """The selection's "Start a campaign": the launch page with exactly these invoices picked by hand.

        Checked here as the launch page checks them again (the organization's own, still to be chased, not
        too many), so a refusal is said on this page, where the person can change the selection.
        """
        context = self._context(Action.COLLECT)
        targets = self._chosen("")
        with session_scope() as session:
            launch.picked(session, context, targets)
        # Every ticked invoice, the closed ones too: the launch page says which it leaves out.
        ids = ",".join(str(i) for i in sorted(set(targets)))
        return rx.redirect(f"{routes.CAMPAIGN_NEW}?invoices={ids}")

    @rx.event
    @guarded
    def open_dialog(self, kind: str, invoice_id: str = "") -> None:
        """A row's or the bulk bar's action that needs a few details first: its dialog, for members who may act."""
        if kind not in DIALOGS:
            raise BadRequest
        context = self._context(Action.COLLECT)
        targets = self._chosen(invoice_id)
        self.error = self.error_field = self.dialog_note = self.dialog_amount = ""
        self.today = self._today().isoformat()
        if len(targets) == 1:
            with session_scope() as session:
                invoice = invoices.get_invoice(session, context, targets[0])
            owed = invoice.amount_minor - invoice.paid_minor
            self.dialog_title = gettext(self.locale, DIALOG_TITLES[kind], number=neutralized(invoice.number))
            if kind == "payment":
                self.dialog_note = gettext(
                    self.locale, N_("Still owed: {amount}"), amount=self._money(owed, invoice.currency)
                )
                self.dialog_amount = amount_as_typed(owed, invoice.currency, self.locale)
        else:
            self.dialog_title = gettext(
                self.locale, BULK_TITLES[kind], count=format_decimal(len(targets), locale=self.locale)
            )
        self._targets, self.dialog, self.dialog_count = targets, kind, len(targets)

    @rx.event
    def close_dialog(self) -> None:
        """The dialog dismissed: nothing done."""
        self._close()

    @rx.event
    def dialog_opened(self, is_open: bool) -> None:
        """The dialog closed by Escape or a click beside it: as Cancel."""
        if not is_open:
            self._close()

    @rx.event
    def clear_selection(self) -> None:
        """No invoice ticked any more."""
        self.selected = []

    @rx.event
    @guarded
    def submit(self, form: dict[str, Any]) -> Any:
        """The open dialog's confirmation: one invoice's refusal is said beside its field, many get a toast."""
        self._context(Action.COLLECT)  # who asks comes first: a stranger learns nothing from what follows
        kind, targets = self.dialog, list(self._targets)
        if kind not in DIALOGS or not targets:
            raise BadRequest
        today = self._today()
        if kind == "campaign":
            return self._enroll(form, targets)
        if len(targets) == 1:
            return self._write(
                Action.COLLECT,
                lambda session, context: self._act(session, context, kind, targets[0], form, today),
                then=lambda _: self._close(),
                saved=SAVED[kind],
            )
        return self._bulk(
            kind,
            targets,
            lambda session, context, target: self._act(session, context, kind, target, form, today, bulk=True),
        )

    def _act(
        self,
        session: Session,
        context: OrgContext,
        kind: str,
        invoice_id: int,
        form: dict[str, Any],
        today: date,
        *,
        bulk: bool = False,
    ) -> object:
        """One dialog's action on one invoice, through the service that audits it and re-plans its reminders."""
        if kind == "payment":
            invoice = invoices.get_invoice(session, context, invoice_id)
            amount = None if bulk else typed_amount(str(form.get("amount", "")), invoice.currency, self.locale)
            return invoices.record_manual_payment(
                session,
                context,
                invoice_id,
                amount_minor=amount,
                paid_on=_required_day(form.get("paid_on"), "paid_on", N_("Enter the date it was paid.")),
                method=str(form.get("method", "")),
                today=today,
            )
        if kind == "promise":
            promised = _required_day(
                form.get("promised_on"), "promised_on", N_("Give the date the debtor promised to pay.")
            )
            return invoices.change_status(
                session, context, invoice_id, Status.PROMISED, promised_on=promised, today=today
            )
        if kind == "dispute":
            return invoices.dispute(session, context, invoice_id, str(form.get("reason", "")))
        return invoices.change_status(
            session, context, invoice_id, Status.WRITTEN_OFF, reason=str(form.get("reason", ""))
        )

    def _close(self) -> None:
        self.dialog, self._targets, self.error, self.error_field = "", [], "", ""

    def _enroll(self, form: dict[str, Any], targets: list[int]) -> Any:
        campaign_id = str(form.get("campaign", ""))
        if campaign_id not in {choice["value"] for choice in self.open_campaigns}:
            self._say_error(gettext(self.locale, N_("Choose a campaign.")), "campaign")
            return None
        result: list[enrollments.Enrolled] = []

        def keep(enrolled: enrollments.Enrolled) -> None:
            result.append(enrolled)
            self._close()

        answer = self._write(
            Action.COLLECT,
            lambda session, context: enrollments.add_invoices(
                session, context, int(campaign_id), targets, now=utcnow()
            ),
            then=keep,
        )
        return self._enrolled_toast(result[0]) if result else answer

    def _enrolled_toast(self, enrolled: enrollments.Enrolled) -> Any:
        parts = [
            gettext(
                self.locale,
                N_("Added to {campaign}: {count}."),
                campaign=enrolled.campaign,
                count=format_decimal(len(enrolled.added), locale=self.locale),
            )
        ]
        if enrolled.closed:
            parts.append(gettext(self.locale, N_("Closed, left out: {numbers}."), numbers=", ".join(enrolled.closed)))
        if enrolled.chased:
            parts.append(
                gettext(self.locale, N_("Already chased, left out: {numbers}."), numbers=", ".join(enrolled.chased))
            )
        message = " ".join(parts)
        return rx.toast.success(message) if enrolled.added and len(parts) == 1 else rx.toast.warning(message)

    @rx.event
    @guarded
    def run(self, kind: str, invoice_id: str = "") -> Any:
        """An action taken at once on one invoice, or on the selection ("" for it): pause, resume, send the PDF."""
        if kind not in AT_ONCE:
            raise BadRequest
        self._context(Action.COLLECT)
        targets = self._chosen(invoice_id)
        service = {
            "pause": invoices.pause_reminders,
            "resume": invoices.resume_reminders,
            "send": invoices.send_document,
        }[kind]
        if len(targets) == 1:
            return self._write(
                Action.COLLECT,
                lambda session, context: service(session, context, targets[0]),
                saved=SAVED[kind],
                inline=False,
            )
        return self._bulk(kind, targets, lambda session, context, target: service(session, context, target))

    def _bulk(self, kind: str, targets: list[int], action: Any) -> Any:
        """One action on each of several invoices: those refused are skipped and listed in the toast."""
        outcome: list[BulkOutcome] = []

        def keep(done: BulkOutcome) -> None:
            outcome.append(done)
            self._close()
            self.selected = []

        self._write(
            Action.COLLECT,
            lambda session, context: invoices.apply_to_each(
                session, context, targets, lambda target: action(session, context, target)
            ),
            then=keep,
            inline=False,
        )
        done = outcome[0]
        message = gettext(self.locale, BULK_DONE[kind], count=format_decimal(done.done, locale=self.locale))
        if not done.refused:
            return rx.toast.success(message)
        reasons = "; ".join(f"{number}: {self._reason(error)}" for number, error in done.refused[:10])
        more = gettext(
            self.locale, N_("Not done for {count}:"), count=format_decimal(len(done.refused), locale=self.locale)
        )
        return rx.toast.warning(f"{message} {more} {reasons}")

    def _reason(self, error: ServiceError) -> str:
        """A refusal in the reader's words, with any status in it named as the page names it."""
        params = {
            key: gettext(self.locale, STATUS_LABELS[value])
            if isinstance(value, str) and value in STATUS_LABELS
            else value
            for key, value in error.params.items()
        }
        return gettext(self.locale, error.message, **params)


DIALOG_TITLES = {
    "payment": N_("Record a payment on invoice {number}"),
    "promise": N_("Record a promise to pay invoice {number}"),
    "dispute": N_("Mark invoice {number} disputed"),
    "write_off": N_("Write off invoice {number}"),
    "campaign": N_("Add invoice {number} to a campaign"),
}
BULK_TITLES = {
    "payment": N_("Record {count} invoices as paid in full"),
    "promise": N_("Record a promise to pay {count} invoices"),
    "dispute": N_("Mark {count} invoices disputed"),
    "write_off": N_("Write off {count} invoices"),
    "campaign": N_("Add {count} invoices to a campaign"),
}
SAVED = {
    "payment": N_("Payment recorded."),
    "promise": N_("Promise recorded: reminders wait until the date has passed."),
    "dispute": N_("Marked disputed: its reminders have stopped."),
    "write_off": N_("Written off: its reminders have stopped."),
    "pause": N_("Reminders paused until you resume them."),
    "resume": N_("Reminders resumed."),
    "send": N_("Invoice queued: it goes out within seconds."),
}
BULK_DONE = {
    "payment": N_("Payments recorded: {count}."),
    "promise": N_("Promises recorded: {count}."),
    "dispute": N_("Marked disputed: {count}."),
    "write_off": N_("Written off: {count}."),
    "pause": N_("Reminders paused: {count}."),
    "resume": N_("Reminders resumed: {count}."),
    "send": N_("Invoices queued to send: {count}."),
}


def typed_amount(text: str, currency: str, locale: str, field: str = "amount") -> int:
    """An amount typed in the reader's way ("1.234,56" in Italian) in minor units; a refusal names the field."""
    try:
        return parse_amount(text, currency, locale)
    except AmountError:
        example = format_decimal(Decimal("1234.56"), locale=locale)
        raise ServiceError(
            N_("Enter an amount greater than zero, like {example}."), field=field, example=example
        ) from None


def amount_as_typed(minor: int, currency: str, locale: str) -> str:
    """An amount to start an input with, as the reader types it: 1234,56 in Italian, 1234.56 in English."""
    digits = minor_digits(currency)
    return format_decimal(to_decimal(minor, currency), format="0." + "0" * digits if digits else "0", locale=locale)


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _required_day(value: Any, field: str, message: str) -> date:
    day = _day(str(value or ""))
    if day is None:
        raise ServiceError(message, field=field)
    return day
