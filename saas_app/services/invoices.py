"""Invoices of one organization, their payments and their status."""

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, func, select

from saas_app.core.invoices import STOPPING, Status, can_move, status_after_payment
from saas_app.core.money import is_currency
from saas_app.core.roles import Action
from saas_app.i18n import N_
from saas_app.models import Debtor, Invoice, Payment
from saas_app.models.base import utcnow
from saas_app.services import audit
from saas_app.services.context import OrgContext, owned_row
from saas_app.services.debtors import get_debtor, refresh_behaviour
from saas_app.services.errors import ServiceError
from saas_app.services.paging import MAX_PAGE, Page

PAYMENT_SOURCES = ("manual", "import", "webhook", "api")


@dataclass
class InvoiceInput:
    debtor_id: int
    number: str
    amount_minor: int
    currency: str
    due_on: date
    issued_on: date | None = None
    service: str = ""
    payment_link: str = ""


def clean_invoice(data: InvoiceInput) -> dict[str, object]:
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
    return {
        "number": number[:60],
        "amount_minor": data.amount_minor,
        "currency": currency,
        "due_on": data.due_on,
        "issued_on": data.issued_on,
        "service": data.service.strip()[:200],
        "payment_link": link[:500],
    }


def find_by_number(session: Session, ctx: OrgContext, number: str) -> Invoice | None:
    return session.exec(select(Invoice).where(Invoice.org_id == ctx.org_id, Invoice.number == number)).first()


def create_invoice(session: Session, ctx: OrgContext, data: InvoiceInput) -> Invoice:
    ctx.require(Action.COLLECT)
    debtor = get_debtor(session, ctx, data.debtor_id)
    values = clean_invoice(data)
    if find_by_number(session, ctx, str(values["number"])) is not None:
        raise ServiceError(N_("Invoice {number} already exists."), field="number", number=values["number"])
    invoice = Invoice(org_id=ctx.org_id, debtor_id=debtor.id or 0, **values)  # type: ignore[arg-type]
    session.add(invoice)
    session.flush()
    audit.record_for(ctx, session, "invoice.created", target_type="invoice", target_id=invoice.id)
    return invoice


def get_invoice(session: Session, ctx: OrgContext, invoice_id: int) -> Invoice:
    ctx.require(Action.VIEW)
    return owned_row(session, Invoice, ctx, invoice_id, N_("This invoice does not exist."))


def list_invoices(
    session: Session,
    ctx: OrgContext,
    *,
    statuses: tuple[str, ...] = (),
    debtor_id: int | None = None,
    offset: int = 0,
    limit: int = 50,
) -> Page[Invoice]:
    ctx.require(Action.VIEW)
    query = select(Invoice).where(Invoice.org_id == ctx.org_id)
    if statuses:
        query = query.where(col(Invoice.status).in_(statuses))
    if debtor_id is not None:
        query = query.where(Invoice.debtor_id == debtor_id)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(col(Invoice.due_on), col(Invoice.id)).offset(offset).limit(min(limit, MAX_PAGE)))
    return Page(list(rows), total, offset, limit)


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
    if status in STOPPING:
        from saas_app.services.campaigns import stop_invoice  # a cycle: campaigns read invoices too

        stop_invoice(session, ctx, invoice, reason=status.value)


def change_status(
    session: Session, ctx: OrgContext, invoice_id: int, status: str, *, promised_on: date | None = None
) -> Invoice:
    """Promise, dispute, write off or reopen. Payments change the status through `record_payment`."""
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
        if promised_on is None or promised_on < date.today():
            raise ServiceError(N_("Give the date the debtor promised to pay."), field="promised_on")
        invoice.promised_on = promised_on
    previous = invoice.status
    _set_status(session, ctx, invoice, target, promised_on=str(promised_on or ""))
    from saas_app.services import campaigns  # a cycle: campaigns read invoices too

    if target == Status.PROMISED and promised_on is not None:
        campaigns.pause_for_promise(session, ctx.org_id, invoice.id or 0, promised_on)
    elif target == Status.OPEN and previous == Status.PROMISED:
        campaigns.resume_invoice(session, ctx.org_id, invoice.id or 0)
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


def debtor_of(session: Session, invoice: Invoice) -> Debtor:
    debtor = session.get(Debtor, invoice.debtor_id)
    assert debtor is not None
    return debtor
