"""Invoices of one organization, their payments and their status."""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, true, union_all
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select

from saas_app.core.campaigns import LIVE, EnrollmentState
from saas_app.core.invoices import (
    AGE_BUCKETS,
    OUTSTANDING,
    PAYMENT_METHODS,
    STOPPING,
    Status,
    bucket_due_range,
    can_move,
    status_after_payment,
)
from saas_app.core.money import is_currency
from saas_app.core.reminders import StopReason
from saas_app.core.roles import Action
from saas_app.i18n import N_
from saas_app.models import Campaign, Debtor, Enrollment, Invoice, Payment
from saas_app.models.base import utcnow
from saas_app.services import audit, inbox, outbound, reminders, segments
from saas_app.services.context import OrgContext, owned_row
from saas_app.services.debtors import find_by_external_ref, get_debtor, refresh_behaviour
from saas_app.services.errors import Conflict, NotFound, ServiceError
from saas_app.services.paging import MAX_PAGE, Page, Slice, keyset
from saas_app.services.recent import Recent

PAYMENT_SOURCES = ("manual", "import", "webhook", "api")


@dataclass
class InvoiceInput:
    number: str
    amount_minor: int
    currency: str
    due_on: date
    debtor_id: int = 0
    debtor_ref: str = ""  # the debtor's reference in the tenant's system, when the id is not known
    issued_on: date | None = None
    service: str = ""
    payment_link: str = ""
    document_url: str = ""  # the invoice's PDF, sent in the chat when the debtor asks for it


class BulkRefused(ServiceError):
    """Some items of an all-or-nothing batch were refused: each (index, error); nothing was written."""

    def __init__(self, errors: list[tuple[int, ServiceError]]) -> None:
        super().__init__(N_("{count} of the invoices were refused; none was saved."), count=len(errors))
        self.errors = errors


def clean_invoice(data: InvoiceInput) -> dict[str, object]:
    """An invoice's fields trimmed and checked: a known currency, a positive amount, due after issue, usable links."""
    number = data.number.strip()
    if not number:
        raise ServiceError(N_("Enter the invoice number."), field="number")
    currency = data.currency.strip().upper()
    if not is_currency(currency):
        raise ServiceError(N_("{currency} is not an ISO 4217 currency code."), field="currency", currency=currency)
    if data.amount_minor <= 0:
        raise ServiceError(N_("The amount must be greater than zero."), field="amount")
    if data.issued_on and data.issued_on > data.due_on:
        raise ServiceError(N_("The invoice cannot be due before it was issued."), field="due_on")
    link = data.payment_link.strip()
    if link and not link.startswith(("https://", "http://")):
        raise ServiceError(N_("The payment link must start with https://."), field="payment_link")
    document = data.document_url.strip()
    if document and (not document.startswith("https://") or any(c.isspace() for c in document)):
        # WhatsApp fetches the document itself: it must be a public https address.
        raise ServiceError(N_("The invoice document must be an https:// address."), field="document_url")
    return {
        "number": number[:60],
        "amount_minor": data.amount_minor,
        "currency": currency,
        "due_on": data.due_on,
        "issued_on": data.issued_on,
        "service": data.service.strip()[:200],
        "payment_link": link[:500],
        "document_url": document[:500],
    }


def find_by_number(session: Session, ctx: OrgContext, number: str) -> Invoice | None:
    """The organization's invoice with this number, or None."""
    return session.exec(select(Invoice).where(Invoice.org_id == ctx.org_id, Invoice.number == number)).first()


def _debtor_for(session: Session, ctx: OrgContext, data: InvoiceInput) -> Debtor:
    if data.debtor_id:
        try:
            return get_debtor(session, ctx, data.debtor_id)
        except NotFound as missing:
            raise NotFound(missing.message, field="debtor_id") from None
    if data.debtor_ref.strip():
        debtor = find_by_external_ref(session, ctx, data.debtor_ref)
        if debtor is None:
            raise ServiceError(
                N_("No debtor has the reference {reference}."), field="debtor_ref", reference=data.debtor_ref.strip()
            )
        return debtor
    raise ServiceError(N_("Say whose invoice this is: the debtor's id or reference."), field="debtor_id")


def create_invoice(session: Session, ctx: OrgContext, data: InvoiceInput) -> Invoice:
    """A new invoice for one of the organization's debtors; a number already used is a conflict."""
    ctx.require(Action.COLLECT)
    debtor = _debtor_for(session, ctx, data)
    values = clean_invoice(data)
    if find_by_number(session, ctx, str(values["number"])) is not None:
        raise Conflict(N_("Invoice {number} already exists."), field="number", number=values["number"])
    invoice = Invoice(org_id=ctx.org_id, debtor_id=debtor.id or 0, **values)  # type: ignore[arg-type]
    session.add(invoice)
    session.flush()
    audit.record_for(ctx, session, "invoice.created", target_type="invoice", target_id=invoice.id)
    return invoice


def get_invoice(session: Session, ctx: OrgContext, invoice_id: int) -> Invoice:
    """One of the organization's invoices; another tenant's is as missing as none."""
    ctx.require(Action.VIEW)
    return owned_row(session, Invoice, ctx, invoice_id, N_("This invoice does not exist."))


def input_of(invoice: Invoice) -> InvoiceInput:
    """The invoice as it is now, to change a few fields and save the rest unchanged."""
    return InvoiceInput(
        debtor_id=invoice.debtor_id,
        number=invoice.number,
        amount_minor=invoice.amount_minor,
        currency=invoice.currency,
        due_on=invoice.due_on,
        issued_on=invoice.issued_on,
        service=invoice.service,
        payment_link=invoice.payment_link,
        document_url=invoice.document_url,
    )


def update_invoice(session: Session, ctx: OrgContext, invoice_id: int, data: InvoiceInput) -> Invoice:
    """Change an invoice; a new due date re-plans its reminders, a smaller amount may settle it."""
    ctx.require(Action.COLLECT)
    invoice = get_invoice(session, ctx, invoice_id)
    debtor = _debtor_for(session, ctx, data)
    values = clean_invoice(data)
    other = find_by_number(session, ctx, str(values["number"]))
    if other is not None and other.id != invoice.id:
        raise Conflict(N_("Invoice {number} already exists."), field="number", number=values["number"])
    if invoice.paid_minor and values["currency"] != invoice.currency:
        raise ServiceError(N_("The currency cannot change once payments are recorded."), field="currency")
    if int(values["amount_minor"]) < invoice.paid_minor:  # type: ignore[call-overload]
        raise ServiceError(N_("The amount cannot be less than what is already paid."), field="amount")
    moved = values["due_on"] != invoice.due_on or debtor.id != invoice.debtor_id
    for key, value in values.items():
        setattr(invoice, key, value)
    invoice.debtor_id = debtor.id or 0
    invoice.updated_at = utcnow()
    session.add(invoice)
    session.flush()
    audit.record_for(ctx, session, "invoice.updated", target_type="invoice", target_id=invoice.id)
    if invoice.paid_minor and invoice.status != Status.PAID:
        _set_status(
            session, ctx, invoice, status_after_payment(invoice.status, invoice.amount_minor, invoice.paid_minor)
        )
    if moved and invoice.status not in STOPPING:
        reminders.replan_invoice(session, ctx.org_id, invoice.id or 0)
    return invoice


def upsert_by_number(session: Session, ctx: OrgContext, data: InvoiceInput) -> tuple[Invoice, bool]:
    """Create the invoice, or update the one with the same number: (invoice, created)."""
    existing = find_by_number(session, ctx, data.number.strip())
    if existing is None:
        return create_invoice(session, ctx, data), True
    return update_invoice(session, ctx, existing.id or 0, data), False


def bulk_upsert(session: Session, ctx: OrgContext, items: list[InvoiceInput]) -> list[tuple[Invoice, bool]]:
    """Upsert every invoice, or none: a refused item raises BulkRefused and the caller rolls back."""
    ctx.require(Action.COLLECT)
    counts = Counter(item.number.strip() for item in items)
    results: list[tuple[Invoice, bool]] = []
    errors: list[tuple[int, ServiceError]] = []
    for index, item in enumerate(items):
        number = item.number.strip()
        if counts[number] > 1:
            repeated = ServiceError(N_("Invoice {number} appears twice in this batch."), field="number", number=number)
            errors.append((index, repeated))
            continue
        try:  # every check comes before any write, so a refused item leaves nothing behind
            results.append(upsert_by_number(session, ctx, item))
        except ServiceError as error:
            errors.append((index, error))
    if errors:
        raise BulkRefused(errors)
    return results


def _invoices_of(ctx: OrgContext, statuses: tuple[str, ...], debtor_id: int | None) -> Any:
    query = select(Invoice).where(Invoice.org_id == ctx.org_id)
    if statuses:
        query = query.where(col(Invoice.status).in_(statuses))
    if debtor_id is not None:
        query = query.where(Invoice.debtor_id == debtor_id)
    return query


def list_invoices(
    session: Session,
    ctx: OrgContext,
    *,
    statuses: tuple[str, ...] = (),
    debtor_id: int | None = None,
    offset: int = 0,
    limit: int = 50,
) -> Page[Invoice]:
    """A page of the organization's invoices by due date, optionally in some statuses or for one debtor."""
    ctx.require(Action.VIEW)
    query = _invoices_of(ctx, statuses, debtor_id)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(col(Invoice.due_on), col(Invoice.id)).offset(offset).limit(min(limit, MAX_PAGE)))
    return Page(list(rows), total, offset, limit)


def scan_invoices(
    session: Session,
    ctx: OrgContext,
    *,
    after: int | None = None,
    limit: int = 50,
    statuses: tuple[str, ...] = (),
    debtor_id: int | None = None,
    number: str | None = None,
    due_before: date | None = None,
    due_after: date | None = None,
    updated_since: datetime | None = None,
) -> Slice[Invoice]:
    """The organization's invoices a slice at a time, by id, filtered as the API allows."""
    ctx.require(Action.VIEW)
    query = _invoices_of(ctx, statuses, debtor_id)
    if number is not None:
        query = query.where(Invoice.number == number.strip())
    if due_before is not None:
        query = query.where(col(Invoice.due_on) < due_before)
    if due_after is not None:
        query = query.where(col(Invoice.due_on) > due_after)
    if updated_since is not None:
        query = query.where(col(Invoice.updated_at) >= updated_since)
    return keyset(session, query, col(Invoice.id), after=after, limit=limit)


@dataclass(frozen=True)
class InvoiceFilters:
    """What a person narrows the invoice list to; every field left empty lets every invoice through."""

    statuses: tuple[str, ...] = ()
    bucket: str = ""  # an ageing bucket of core.invoices.AGE_BUCKETS
    due_from: date | None = None
    due_to: date | None = None
    currency: str = ""
    min_outstanding_minor: int | None = None  # what is still owed, in `currency`
    max_outstanding_minor: int | None = None
    debtor_id: int | None = None
    search: str = ""  # part of the invoice number or of the debtor's name
    campaign_id: int | None = None  # invoices enrolled in this campaign, whatever became of them since
    tag: str = ""  # the debtor carries this tag


# The orders the list offers, each by an indexed column (ties broken by id, so pages never overlap).
SORTS = ("due_on", "number", "debtor", "amount", "outstanding")


@dataclass(frozen=True)
class InvoiceLine:
    """One invoice as the list shows it: its figures, its debtor, and what its reminders are doing."""

    invoice: Invoice
    debtor_name: str
    campaign: str = ""  # the campaign chasing it now, "" when none
    reminders_paused: bool = False  # a person paused them


@dataclass(frozen=True)
class CurrencyTotals:
    """The filtered invoices of one currency: how many, and how much is still owed and overdue."""

    currency: str
    invoices: int
    outstanding_minor: int
    overdue_minor: int


def _outstanding() -> Any:
    return col(Invoice.amount_minor) - col(Invoice.paid_minor)


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _conditions(session: Session, ctx: OrgContext, filters: InvoiceFilters, today: date) -> list[Any]:
    """The filters as SQL over Invoice alone.

    What concerns the debtor or a campaign is a list of ids read first (a few debtors, one campaign's
    invoices): the database then walks the order's index checking each id against it, instead of
    reading every invoice's debtor.
    """
    where: list[Any] = [col(Invoice.org_id) == ctx.org_id]
    if filters.statuses:
        where.append(col(Invoice.status).in_(sorted(filters.statuses)))
    if filters.bucket:
        earliest, latest = bucket_due_range(filters.bucket, today)
        if earliest is not None:
            where.append(col(Invoice.due_on) >= earliest)
        if latest is not None:
            where.append(col(Invoice.due_on) <= latest)
    if filters.due_from is not None:
        where.append(col(Invoice.due_on) >= filters.due_from)
    if filters.due_to is not None:
        where.append(col(Invoice.due_on) <= filters.due_to)
    if filters.currency:
        where.append(col(Invoice.currency) == filters.currency)
    if filters.min_outstanding_minor is not None:
        where.append(_outstanding() >= filters.min_outstanding_minor)
    if filters.max_outstanding_minor is not None:
        where.append(_outstanding() <= filters.max_outstanding_minor)
    if filters.debtor_id is not None:
        where.append(col(Invoice.debtor_id) == filters.debtor_id)
    if filters.campaign_id is not None:
        enrolled = select(Enrollment.invoice_id).where(
            Enrollment.org_id == ctx.org_id, Enrollment.campaign_id == filters.campaign_id
        )
        where.append(col(Invoice.id).in_(enrolled))
    if filters.search.strip():
        pattern = f"%{_escaped(filters.search.strip().lower())}%"
        named = select(Debtor.id).where(Debtor.org_id == ctx.org_id, func.lower(Debtor.name).like(pattern, escape="\\"))
        numbered, theirs = aliased(Invoice), aliased(Invoice)
        found: Any = union_all(
            select(numbered.id).where(
                numbered.org_id == ctx.org_id, func.lower(numbered.number).like(pattern, escape="\\")
            ),
            select(theirs.id).where(theirs.org_id == ctx.org_id, col(theirs.debtor_id).in_(named)),
        )
        where.append(col(Invoice.id).in_(found))
    if filters.tag.strip():
        # The segments' own test of a debtor's tags, so that a list and a campaign mean the same by a tag.
        tagged = select(Debtor.id).where(
            Debtor.org_id == ctx.org_id, segments._has_any_tag(session, frozenset({filters.tag.strip()}))
        )
        where.append(col(Invoice.debtor_id).in_(tagged))
    return where


def _filtered(columns: list[Any], conditions: list[Any], *, with_debtor: bool = False) -> Any:
    query = select(*columns).select_from(Invoice)
    if with_debtor:
        query = query.join(Debtor, col(Debtor.id) == Invoice.debtor_id)
    return query.where(and_(*conditions))


def check_filters(filters: InvoiceFilters) -> None:
    """Refuses filters no page of ours sends: an unknown status or bucket, an amount without its currency."""
    unknown = sorted(set(filters.statuses) - {status.value for status in Status})
    if unknown:
        raise ServiceError(N_("Unknown status: {status}."), field="status", status=unknown[0])
    if filters.bucket and filters.bucket not in AGE_BUCKETS:
        raise ServiceError(N_("Unknown ageing bucket: {bucket}."), field="bucket", bucket=filters.bucket)
    amounts = filters.min_outstanding_minor, filters.max_outstanding_minor
    if any(amount is not None for amount in amounts) and not filters.currency:
        raise ServiceError(N_("Choose the currency the amounts are in."), field="currency")
    if None not in amounts and amounts[0] > amounts[1]:  # type: ignore[operator]
        raise ServiceError(N_("The lowest amount is above the highest."), field="max_amount")
    if filters.due_from and filters.due_to and filters.due_from > filters.due_to:
        raise ServiceError(N_("The first due date is after the last."), field="due_to")


def browse_invoices(
    session: Session,
    ctx: OrgContext,
    filters: InvoiceFilters,
    *,
    today: date,
    sort: str = "due_on",
    descending: bool = False,
    offset: int = 0,
    limit: int = 50,
) -> list[InvoiceLine]:
    """A page of the filtered invoices in the chosen order; `invoice_totals` counts them all.

    `today` is the organization's, for the ageing buckets. Deep pages stay fast: the offset is walked
    over the order's index alone, and only the page's own rows are read in full.
    """
    ctx.require(Action.VIEW)
    check_filters(filters)
    if sort not in SORTS:
        raise ServiceError(N_("The list cannot be sorted that way."), field="sort")
    conditions = _conditions(session, ctx, filters, today)
    key = {
        "due_on": col(Invoice.due_on),
        "number": col(Invoice.number),
        "debtor": col(Debtor.name),
        "amount": col(Invoice.amount_minor),
        "outstanding": _outstanding(),
    }[sort]
    order = [key.desc(), col(Invoice.id).desc()] if descending else [key, col(Invoice.id)]
    query = _filtered([col(Invoice.id)], conditions, with_debtor=sort == "debtor").order_by(*order)
    ids = list(session.exec(query.offset(max(0, offset)).limit(max(1, min(limit, MAX_PAGE)))))
    return _lines(session, ctx, ids)


def invoice_totals(session: Session, ctx: OrgContext, filters: InvoiceFilters, *, today: date) -> list[CurrencyTotals]:
    """Per currency: how many invoices the filters select, what they still owe, and how much of that is overdue.

    Owed means open, partly paid, promised or disputed; overdue, owed and past its due date (`today`
    is the organization's).
    """
    ctx.require(Action.VIEW)
    check_filters(filters)
    conditions = _conditions(session, ctx, filters, today)
    owed = col(Invoice.status).in_(sorted(OUTSTANDING))
    late = and_(owed, col(Invoice.due_on) < today)
    columns = [
        col(Invoice.currency),
        func.count(),
        func.sum(case((owed, _outstanding()), else_=0)),
        func.sum(case((late, _outstanding()), else_=0)),
    ]
    rows = session.exec(
        _filtered(columns, conditions).group_by(col(Invoice.currency)).order_by(col(Invoice.currency))
    ).all()
    return [CurrencyTotals(currency, int(n), int(owed or 0), int(late or 0)) for currency, n, owed, late in rows]


def _lines(session: Session, ctx: OrgContext, ids: list[int]) -> list[InvoiceLine]:
    """The page's invoices in the order of `ids`, each with its debtor's name and its reminders' campaign."""
    if not ids:
        return []
    found = {
        invoice.id: (invoice, name)
        for invoice, name in session.exec(
            select(Invoice, Debtor.name)
            .join(Debtor, col(Debtor.id) == Invoice.debtor_id)
            .where(Invoice.org_id == ctx.org_id, col(Invoice.id).in_(ids))
        ).all()
    }
    live = session.exec(
        select(Enrollment.id, Enrollment.invoice_id, Campaign.name, Enrollment.state)
        .join(Campaign, col(Campaign.id) == Enrollment.campaign_id)
        .where(Enrollment.org_id == ctx.org_id, col(Enrollment.invoice_id).in_(ids), col(Enrollment.state).in_(LIVE))
    ).all()
    # Sorted here rather than in SQL: an ORDER BY id would lead SQLite to read the organization's
    # enrollments in id order instead of these invoices' own. The newest enrollment wins.
    chasing = {invoice_id: (name, state) for _, invoice_id, name, state in sorted(live, key=lambda row: row[0] or 0)}
    lines = []
    for invoice_id in ids:
        invoice, name = found[invoice_id]
        campaign, state = chasing.get(invoice_id, ("", ""))
        lines.append(InvoiceLine(invoice, name, campaign, state == EnrollmentState.PAUSED))
    return lines


@dataclass(frozen=True)
class FilterChoices:
    """What the list's filters offer: the currencies, campaigns and debtor tags the organization has."""

    currencies: list[str]
    campaigns: list[tuple[int, str]]  # (id, name), newest first
    tags: list[str]


def filter_choices(session: Session, ctx: OrgContext, *, most: int = 200) -> FilterChoices:
    """The organization's currencies, its latest campaigns and its debtors' tags, for the filters' menus."""
    ctx.require(Action.VIEW)
    currencies = session.exec(
        select(Invoice.currency).where(Invoice.org_id == ctx.org_id).distinct().order_by(col(Invoice.currency))
    ).all()
    campaign_rows = session.exec(
        select(Campaign.id, Campaign.name)
        .where(Campaign.org_id == ctx.org_id)
        .order_by(col(Campaign.id).desc())
        .limit(most)
    ).all()
    return FilterChoices(
        list(currencies),
        [(campaign_id, name) for campaign_id, name in campaign_rows if campaign_id is not None],
        _tags_in_use(session, ctx, most),
    )


# The tags offered may lag a minute behind the debtors: reading every debtor's list each time the
# page opens cost as much as the page itself at 100,000 invoices.
_TAGS: Recent[list[str]] = Recent(60.0)


def _tags_in_use(session: Session, ctx: OrgContext, most: int) -> list[str]:
    """The distinct tags of the organization's debtors, read at most once a minute per organization."""
    return _TAGS.get((ctx.org_id, most), lambda: _read_tags(session, ctx, most)) or []


def _read_tags(session: Session, ctx: OrgContext, most: int) -> list[str]:
    """The distinct tags of the organization's debtors, from their JSON lists, in each database's own function."""
    if session.get_bind().dialect.name == "postgresql":
        elements = func.json_array_elements_text(Debtor.tags).table_valued("value")
    else:
        elements = func.json_each(Debtor.tags).table_valued("value")
    tags = session.exec(
        select(elements.c.value)
        .select_from(Debtor)
        .join(elements, true())
        .where(Debtor.org_id == ctx.org_id)
        .distinct()
        .order_by(elements.c.value)
        .limit(most)
    ).all()
    return [str(tag) for tag in tags]


def _set_status(session: Session, ctx: OrgContext, invoice: Invoice, status: Status, **details: object) -> None:
    previous = invoice.status
    if previous == status:
        return
    invoice.status = status
    invoice.updated_at = utcnow()
    session.add(invoice)
    audit.record_for(
        ctx,
        session,
        "invoice.status_changed",
        target_type="invoice",
        target_id=invoice.id,
        previous=previous,
        status=status.value,
        **details,
    )
    if status == Status.PAID:
        details = {"invoice_id": invoice.id, "number": invoice.number, "debtor_id": invoice.debtor_id}
        amounts = {"amount_minor": invoice.amount_minor, "paid_minor": invoice.paid_minor, "currency": invoice.currency}
        outbound.emit(session, ctx.org_id, "invoice.paid", [details | amounts])
    if status in STOPPING:
        reminders.stop_invoice(session, ctx.org_id, invoice.id or 0, reason=StopReason(status.value))


MAX_REASON = 500


def change_status(
    session: Session,
    ctx: OrgContext,
    invoice_id: int,
    status: str,
    *,
    promised_on: date | None = None,
    today: date | None = None,
    reason: str = "",
) -> Invoice:
    """Promise, dispute, write off or reopen. Payments change the status through `record_payment`.

    `today` is the day a promise may not be earlier than: a reply's own day when a webhook brings it.
    A dispute needs its `reason`, kept in the audit trail (evidence, should it go to law); a write-off
    may give one.
    """
    ctx.require(Action.COLLECT)
    invoice = get_invoice(session, ctx, invoice_id)
    try:
        target = Status(status)
    except ValueError:
        raise ServiceError(N_("Unknown status: {status}."), field="status", status=status) from None
    if target in {Status.PAID, Status.PARTIALLY_PAID}:
        raise ServiceError(N_("Record a payment to mark an invoice paid."), field="status")
    if not can_move(invoice.status, target):
        raise ServiceError(
            N_("An invoice that is {current} cannot become {status}."), current=invoice.status, status=target.value
        )
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise ServiceError(N_("Keep the reason under 500 characters."), field="reason")
    if target == Status.PROMISED:
        if promised_on is None or promised_on < (today or date.today()):
            raise ServiceError(N_("Give the date the debtor promised to pay."), field="promised_on")
        invoice.promised_on = promised_on
    previous = invoice.status
    details: dict[str, object] = {"promised_on": str(promised_on or "")}
    if reason:
        details["reason"] = reason
    _set_status(session, ctx, invoice, target, **details)
    if target == Status.PROMISED and promised_on is not None:
        reminders.pause_for_promise(session, ctx.org_id, invoice.id or 0, promised_on)
    elif target == Status.OPEN and previous == Status.PROMISED:
        reminders.resume_invoice(session, ctx.org_id, invoice.id or 0)
    return invoice


def dispute(session: Session, ctx: OrgContext, invoice_id: int, reason: str) -> Invoice:
    """A person marks the invoice disputed and says why: its reminders stop, the reason goes in the audit."""
    if not reason.strip():
        raise ServiceError(N_("Say what the debtor disputes."), field="reason")
    return change_status(session, ctx, invoice_id, Status.DISPUTED, reason=reason)


def pause_reminders(session: Session, ctx: OrgContext, invoice_id: int) -> Invoice:
    """A person holds the invoice's reminders (they are talking to the debtor, say) until they resume them."""
    ctx.require(Action.COLLECT)
    invoice = get_invoice(session, ctx, invoice_id)
    if not _chased(session, ctx, invoice_id, (EnrollmentState.ACTIVE,)):
        raise ServiceError(
            N_("Invoice {number} is in no running campaign: there are no reminders to pause."), number=invoice.number
        )
    taken_back = reminders.pause_invoice(session, ctx.org_id, invoice_id)
    audit.record_for(
        ctx, session, "invoice.reminders_paused", target_type="invoice", target_id=invoice_id, taken_back=taken_back
    )
    return invoice


def resume_reminders(session: Session, ctx: OrgContext, invoice_id: int) -> Invoice:
    """The person's pause lifted: the invoice's campaign takes its reminders up again at the step its age calls for."""
    ctx.require(Action.COLLECT)
    invoice = get_invoice(session, ctx, invoice_id)
    if not _chased(session, ctx, invoice_id, (EnrollmentState.PAUSED,)):
        raise ServiceError(N_("The reminders of invoice {number} are not paused."), number=invoice.number)
    if invoice.status in STOPPING:
        raise ServiceError(N_("Invoice {number} is closed: its reminders cannot start again."), number=invoice.number)
    if not reminders.unpause_invoice(session, ctx.org_id, invoice_id):
        raise ServiceError(
            N_("Another campaign chases invoice {number} now: its reminders come from there."), number=invoice.number
        )
    audit.record_for(ctx, session, "invoice.reminders_resumed", target_type="invoice", target_id=invoice_id)
    return invoice


def _chased(session: Session, ctx: OrgContext, invoice_id: int, states: tuple[str, ...]) -> bool:
    """Whether a campaign's enrollment of the invoice is in one of these states."""
    found = session.exec(
        select(Enrollment.id).where(
            Enrollment.org_id == ctx.org_id, Enrollment.invoice_id == invoice_id, col(Enrollment.state).in_(states)
        )
    ).first()
    return found is not None


def send_document(session: Session, ctx: OrgContext, invoice_id: int, now: datetime | None = None) -> Invoice:
    """The invoice's PDF in its debtor's WhatsApp chat, as the inbox sends it (inside the 24-hour window)."""
    invoice = get_invoice(session, ctx, invoice_id)
    inbox.send_invoice(session, ctx, invoice.debtor_id, invoice_id, now)
    return invoice


@dataclass(frozen=True)
class BulkOutcome:
    """What one action on many invoices came to: how many it changed, and each it refused with the reason."""

    done: int
    refused: list[tuple[str, ServiceError]]  # (invoice number, why)


def apply_to_each(
    session: Session, ctx: OrgContext, invoice_ids: list[int], action: Callable[[int], object]
) -> BulkOutcome:
    """Run `action` on each of the organization's invoices; a refusal skips that one and the rest go on.

    Each action checks everything before it writes (as every invoice action here does), so a refused
    invoice leaves nothing behind. Another tenant's id counts as refused, like one that does not exist.
    """
    ctx.require(Action.COLLECT)
    ids = list(dict.fromkeys(invoice_ids))
    if not ids:
        raise ServiceError(N_("Choose at least one invoice."), field="invoices")
    if len(ids) > MAX_PAGE:
        raise ServiceError(N_("Choose at most {count} invoices at a time."), field="invoices", count=MAX_PAGE)
    numbers = dict(
        session.exec(
            select(Invoice.id, Invoice.number).where(Invoice.org_id == ctx.org_id, col(Invoice.id).in_(ids))
        ).all()
    )
    done, refused = 0, []
    for invoice_id in ids:
        try:
            action(invoice_id)
        except ServiceError as error:
            refused.append((numbers.get(invoice_id, "?"), error))
        else:
            done += 1
    return BulkOutcome(done, refused)


def record_payment(
    session: Session,
    ctx: OrgContext,
    invoice_id: int,
    *,
    amount_minor: int,
    paid_on: date,
    method: str = "",
    source: str = "manual",
    external_id: str | None = None,
) -> tuple[Payment, bool]:
    """Add a payment and update the invoice. A repeated external id is the same payment: (it, False)."""
    ctx.require(Action.COLLECT)
    invoice = get_invoice(session, ctx, invoice_id)
    if external_id:
        existing = session.exec(
            select(Payment).where(Payment.org_id == ctx.org_id, Payment.external_id == external_id)
        ).first()
        if existing is not None:
            return existing, False
    if amount_minor <= 0:
        raise ServiceError(N_("The amount must be greater than zero."), field="amount")
    if source not in PAYMENT_SOURCES:
        raise ServiceError(N_("Unknown payment source: {source}."), field="source", source=source)
    if invoice.status == Status.PAID:
        raise ServiceError(N_("Invoice {number} is already paid."), number=invoice.number)
    payment = Payment(
        org_id=ctx.org_id,
        invoice_id=invoice.id or 0,
        amount_minor=amount_minor,
        currency=invoice.currency,
        paid_on=paid_on,
        method=method.strip()[:40],
        source=source,
        external_id=external_id or None,
    )
    session.add(payment)
    invoice.paid_minor += amount_minor
    session.add(invoice)
    session.flush()
    audit.record_for(
        ctx,
        session,
        "payment.recorded",
        target_type="invoice",
        target_id=invoice.id,
        amount_minor=amount_minor,
        source=source,
    )
    _set_status(session, ctx, invoice, status_after_payment(invoice.status, invoice.amount_minor, invoice.paid_minor))
    session.flush()
    refresh_behaviour(session, ctx.org_id, [invoice.debtor_id], utcnow().date())
    return payment, True


def record_manual_payment(
    session: Session,
    ctx: OrgContext,
    invoice_id: int,
    *,
    amount_minor: int | None,
    paid_on: date,
    method: str,
    today: date,
) -> Payment:
    """A payment a person records: at most what is still owed (None: all of it), on a day that has come.

    A larger amount is far more often a slip of the keyboard than a debtor paying too much.
    """
    ctx.require(Action.COLLECT)
    invoice = get_invoice(session, ctx, invoice_id)
    if invoice.status == Status.PAID:
        raise ServiceError(N_("Invoice {number} is already paid."), number=invoice.number)
    if method not in PAYMENT_METHODS:
        raise ServiceError(N_("Choose how it was paid."), field="method")
    if paid_on > today:
        raise ServiceError(N_("A payment cannot be dated in the future."), field="paid_on")
    owed = invoice.amount_minor - invoice.paid_minor
    amount = owed if amount_minor is None else amount_minor
    if amount > owed:
        raise ServiceError(
            N_("That is more than what is still owed on invoice {number}."), field="amount", number=invoice.number
        )
    payment, _ = record_payment(session, ctx, invoice_id, amount_minor=amount, paid_on=paid_on, method=method)
    return payment


def get_payment(session: Session, ctx: OrgContext, payment_id: int) -> Payment:
    """One of the organization's payments; another tenant's is as missing as none."""
    ctx.require(Action.VIEW)
    return owned_row(session, Payment, ctx, payment_id, N_("This payment does not exist."))


def scan_payments(
    session: Session, ctx: OrgContext, *, after: int | None = None, limit: int = 50, invoice_id: int | None = None
) -> Slice[Payment]:
    """The organization's payments a slice at a time, by id, optionally one invoice's."""
    ctx.require(Action.VIEW)
    query = select(Payment).where(Payment.org_id == ctx.org_id)
    if invoice_id is not None:
        query = query.where(Payment.invoice_id == invoice_id)
    return keyset(session, query, col(Payment.id), after=after, limit=limit)


def debtor_of(session: Session, invoice: Invoice) -> Debtor:
    """The invoice's debtor, which always exists (the foreign key sees to it)."""
    debtor = session.get(Debtor, invoice.debtor_id)
    assert debtor is not None
    return debtor
