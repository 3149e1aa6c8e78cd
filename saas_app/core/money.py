"""Money as integer minor units plus an ISO 4217 code; parsing what people type, formatting with Babel."""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from babel.numbers import format_currency, get_currency_precision, get_decimal_symbol, list_currencies

from saas_app.core.languages import babel_locale

_KNOWN = frozenset(list_currencies())
# Currency signs and codes people put around amounts in spreadsheets.
_NOISE = re.compile(r"[^\d,.\-]")


class AmountError(ValueError):
    """An amount that cannot be read; the message says why."""


@dataclass(frozen=True)
class Money:
    minor: int
    currency: str


def is_currency(code: str) -> bool:
    """Whether this is an ISO 4217 currency we know, in any letter case."""
    return code.upper() in _KNOWN


def minor_digits(currency: str) -> int:
    """Decimal places of the currency: 2 for EUR and BRL, 0 for JPY and CLP."""
    return get_currency_precision(currency.upper())


def to_decimal(minor: int, currency: str) -> Decimal:
    """An amount in minor units as a Decimal in the currency's own unit (JPY has no cents)."""
    return Decimal(minor).scaleb(-minor_digits(currency))


def to_minor(amount: Decimal, currency: str) -> int:
    """An amount in minor units, refusing more decimals than the currency has rather than rounding money."""
    digits = minor_digits(currency)
    scaled = amount.scaleb(digits)
    if scaled != scaled.to_integral_value():
        raise AmountError(f"{currency.upper()} amounts have at most {digits} decimal places")
    return int(scaled)


def _normalize_separators(text: str, locale: str) -> str:
    """One decimal point, no grouping: '1.234,56' and '1,234.56' both become '1234.56'."""
    if "," in text and "." in text:
        decimal_sep = "," if text.rfind(",") > text.rfind(".") else "."
    elif text.count(",") == 1 or text.count(".") == 1:
        sep = "," if "," in text else "."
        fraction = text.rsplit(sep, 1)[1]
        # "1,234" is a thousand in English and 1.234 in Italian: the locale decides a three-digit tail.
        decimal_sep = sep if len(fraction) != 3 else (sep if get_decimal_symbol(locale) == sep else "")
    else:
        decimal_sep = ""
    grouping = {",", "."} - {decimal_sep}
    for sep in grouping:
        text = text.replace(sep, "")
    return text.replace(decimal_sep, ".") if decimal_sep else text


def parse_amount(text: str, currency: str, locale: str = "en") -> int:
    """Read an amount as typed ('R$ 1.234,56', '1234.56', '€12') into minor units."""
    cleaned = _NOISE.sub("", str(text).strip())
    if not cleaned or not any(ch.isdigit() for ch in cleaned):
        raise AmountError("no amount")
    try:
        value = Decimal(_normalize_separators(cleaned, locale))
    except InvalidOperation:
        raise AmountError(f"'{text}' is not an amount") from None
    if value <= 0:
        raise AmountError("the amount must be greater than zero")
    return to_minor(value, currency)


def format_money(minor: int, currency: str, locale: str) -> str:
    """1.234,56 € in it, R$ 1.234,56 in pt_BR, 1 234,56 € in fr."""
    return format_currency(to_decimal(minor, currency), currency.upper(), locale=babel_locale(locale))
