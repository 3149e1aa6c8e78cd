"""Invoices of one organization, their payments and their status."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, func, select

from saas_app.core.invoices import STOPPING, Status, can_move, status_after_payment
from saas_app.core.money import is_currency
from saas_app.core.reminders import StopReason
from saas_app.core.roles import Action
from saas_app.i18n import N_
from saas_app.models import Debtor, Invoice, Payment
from saas_app.models.base import utcnow
from saas_app.services import audit, outbound, reminders
from saas_app.services.context import OrgContext, owned_row
from saas_app.services.debtors import find_by_external_ref, get_debtor, refresh_behaviour
from saas_app.services.errors import Conflict, NotFound, ServiceError
from saas_app.services.paging import MAX_PAGE, Page, Slice, keyset

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


def change_status(
    session: Session,
    ctx: OrgContext,
    invoice_id: int,
    status: str,
    *,
    promised_on: date | None = None,
    today: date | None = None,
) -> Invoice:
    """Promise, dispute, write off or reopen. Payments change the status through `record_payment`.

    `today` is the day a promise may not be earlier than: a reply's own day when a webhook brings it.
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
    if target == Status.PROMISED:
        if promised_on is None or promised_on < (today or date.today()):
            raise ServiceError(N_("Give the date the debtor promised to pay."), field="promised_on")
        invoice.promised_on = promised_on
    previous = invoice.status
    _set_status(session, ctx, invoice, target, promised_on=str(promised_on or ""))
    if target == Status.PROMISED and promised_on is not None:
        reminders.pause_for_promise(session, ctx.org_id, invoice.id or 0, promised_on)
    elif target == Status.OPEN and previous == Status.PROMISED:
        reminders.resume_invoice(session, ctx.org_id, invoice.id or 0)
    return invoice


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
