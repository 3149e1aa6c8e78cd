"""Phone numbers in E.164, the form WhatsApp addresses people by."""

from functools import lru_cache

import phonenumbers

# Parsing a number is most of the time an import of a spreadsheet takes, and a debtor's number is on each of
# their invoices' rows, one after the other: the last numbers are remembered, a bounded few.
REMEMBERED = 4096


class PhoneError(ValueError):
    """A number that cannot be used; the message says why."""


@lru_cache(maxsize=REMEMBERED)
def normalize_phone(raw: str, default_region: str) -> str:
    """'+55 11 98765-4321' or, with region BR, '(11) 98765-4321' -> '+5511987654321'."""
    text = str(raw).strip()
    if not text:
        raise PhoneError("no phone number")
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, default_region.upper() or None)
    except phonenumbers.NumberParseException:
        raise PhoneError(f"'{raw}' is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise PhoneError(f"'{raw}' is not a valid number for its country")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=REMEMBERED)
def region_of(e164: str) -> str:
    """The country (ISO 3166 alpha-2) a number belongs to, e.g. for its public holidays."""
    return phonenumbers.region_code_for_number(phonenumbers.parse(e164)) or ""
