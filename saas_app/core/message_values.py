"""The values of a template's placeholders for one debtor and invoice, written the debtor's way."""

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from urllib.parse import quote

from babel.dates import format_date
from babel.numbers import format_decimal, get_currency_precision

from saas_app.core.invoices import days_overdue
from saas_app.core.languages import babel_locale
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
    return {
        "customer_name": facts.customer_name,
        "amount": format_money(facts.amount_due_minor, facts.currency, facts.locale),
        "due_date": _long_date(facts.due_on, facts.locale),
        "invoice_number": facts.invoice_number,
        "service": facts.service,
        "payment_link": facts.payment_link,
        "payment_methods": facts.payment_methods,
        "days_overdue": _whole_number(days_overdue(facts.due_on, today), facts.locale),
        "company_name": facts.company_name,
        "contact": facts.contact,
    }


# A worker renders a thousand reminders a second, and Babel takes ~30 us per date or number; a run's
# invoices share a few due dates and day counts, so each is written once per locale.
@lru_cache(maxsize=4096)
def _long_date(day: date, locale: str) -> str:
    return format_date(day, format="long", locale=babel_locale(locale))


@lru_cache(maxsize=4096)
def _whole_number(number: int, locale: str) -> str:
    return format_decimal(number, locale=babel_locale(locale))


PAYMENT_LINK_FIELDS = ("invoice_number", "amount")


def payment_link(template: str, invoice_number: str, amount_minor: int, currency: str) -> str:
    """An organization's link for an invoice without its own: {invoice_number} and {amount} filled in.

    The amount is written for machines (1234.56), whatever the debtor's language.
    """
    if not template:
        return ""
    digits = get_currency_precision(currency)
    amount = f"{amount_minor / 10**digits:.{digits}f}"
    return template.replace("{invoice_number}", quote(invoice_number, safe="")).replace("{amount}", amount)


def unknown_link_fields(template: str) -> list[str]:
    """Placeholders in a payment link template that we cannot fill in."""
    return sorted(set(re.findall(r"\{([^{}]*)\}", template)) - set(PAYMENT_LINK_FIELDS))
