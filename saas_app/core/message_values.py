"""The values of a template's placeholders for one debtor and invoice, written the debtor's way."""

from dataclasses import dataclass
from datetime import date

from babel.dates import format_date
from babel.numbers import format_decimal

from saas_app.core.invoices import days_overdue
from saas_app.core.money import format_money


@dataclass(frozen=True)
class MessageFacts:
    customer_name: str
    locale: str
    amount_due_minor: int
    currency: str
    due_on: date
    invoice_number: str
    service: str
    payment_link: str
    payment_methods: str
    company_name: str
    contact: str


def placeholder_values(facts: MessageFacts, today: date) -> dict[str, str]:
    """Amounts with Babel for the debtor's locale (1.234,56 € in it, R$ 1.234,56 in pt_BR), long dates."""
    locale = facts.locale
    return {
        "customer_name": facts.customer_name,
        "amount": format_money(facts.amount_due_minor, facts.currency, locale),
        "due_date": format_date(facts.due_on, format="long", locale=locale),
        "invoice_number": facts.invoice_number,
        "service": facts.service,
        "payment_link": facts.payment_link,
        "payment_methods": facts.payment_methods,
        "days_overdue": format_decimal(days_overdue(facts.due_on, today), locale=locale),
        "company_name": facts.company_name,
        "contact": facts.contact,
    }
