"""Export an organization's invoices (with their debtors) as CSV that `import` reads back."""

import csv
from collections.abc import Iterator
from typing import TextIO

from sqlmodel import Session, col, select

from saas_app.core.money import to_decimal
from saas_app.core.roles import Action
from saas_app.models import Debtor, Invoice
from saas_app.services.context import OrgContext

# The first headers are the import's own field names, so an exported file imports without a mapping.
INVOICE_COLUMNS = (
    "name",
    "phone",
    "email",
    "locale",
    "timezone",
    "tags",
    "consent",
    "customer id",
    "invoice",
    "service",
    "amount",
    "currency",
    "issued",
    "due",
    "payment link",
    "status",
    "paid",
    "promised on",
    "behaviour",
    "opted out",
)
PAGE = 2000
# What a spreadsheet reads as the start of a formula (OWASP's list: tab and carriage return too).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _invoice_rows(session: Session, ctx: OrgContext) -> Iterator[list[str]]:
    """Page by id, so a large organization streams without holding every row at once."""
    last_id = 0
    while True:
        page = session.exec(
            select(Invoice, Debtor)
            .join(Debtor, col(Debtor.id) == Invoice.debtor_id)
            .where(Invoice.org_id == ctx.org_id, col(Invoice.id) > last_id)
            .order_by(col(Invoice.id))
            .limit(PAGE)
        ).all()
        if not page:
            return
        for invoice, debtor in page:
            yield [
                debtor.name,
                debtor.phone,
                debtor.email,
                debtor.locale,
                debtor.timezone,
                ";".join(debtor.tags),
                "yes" if debtor.opted_in_at else "no",
                debtor.external_ref,
                invoice.number,
                invoice.service,
                str(to_decimal(invoice.amount_minor, invoice.currency)),
                invoice.currency,
                invoice.issued_on.isoformat() if invoice.issued_on else "",
                invoice.due_on.isoformat(),
                invoice.payment_link,
                invoice.status,
                str(to_decimal(invoice.paid_minor, invoice.currency)),
                invoice.promised_on.isoformat() if invoice.promised_on else "",
                debtor.behaviour,
                debtor.opted_out_at.date().isoformat() if debtor.opted_out_at else "",
            ]
        last_id = page[-1][0].id or last_id


def export_invoices(session: Session, ctx: OrgContext, out: TextIO) -> int:
    """Write every invoice of the organization as CSV (UTF-8, comma, ISO dates, dot decimals); returns rows."""
    ctx.require(Action.VIEW)
    writer = csv.writer(out)
    writer.writerow(INVOICE_COLUMNS)
    written = 0
    for row in _invoice_rows(session, ctx):
        writer.writerow(safe_cell(cell) for cell in row)
        written += 1
    return written


def safe_cell(cell: str) -> str:
    """Spreadsheets run cells that start with = + - @ (or a tab or carriage return before one) as formulas:
    a debtor's name or reply must stay text."""
    return f"'{cell}" if cell[:1] in _FORMULA_STARTS and not _is_number_or_phone(cell) else cell


def _is_number_or_phone(cell: str) -> bool:
    return cell[1:].replace(".", "", 1).isdigit()
