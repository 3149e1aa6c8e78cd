import pytest
from hypothesis import given
from hypothesis import strategies as st

from saas_app.core.money import AmountError, format_money, parse_amount


@pytest.mark.parametrize(
    ("text", "currency", "locale", "minor"),
    [
        ("R$ 1.234,56", "BRL", "pt_BR", 123456),
        ("1,234.56", "USD", "en", 123456),
        ("1234.56", "EUR", "it", 123456),
        ("1.234", "EUR", "it", 123400),  # Italian thousands
        ("1,234", "USD", "en", 123400),  # English thousands
        ("12,5", "EUR", "fr", 1250),
        ("€ 99", "EUR", "es", 9900),
        ("15000", "CLP", "es", 15000),  # pesos have no cents
        ("1 234,56", "EUR", "fr", 123456),
    ],
)
def test_amounts_as_people_type_them(text: str, currency: str, locale: str, minor: int) -> None:
    assert parse_amount(text, currency, locale) == minor


@pytest.mark.parametrize(
    ("text", "currency", "reason"),
    [
        ("", "EUR", "no amount"),
        ("abc", "EUR", "no amount"),
        ("12.345", "JPY", "at most 0 decimal"),
        ("1.2.3,4,5", "EUR", "is not an amount"),
        ("-5", "EUR", "greater than zero"),
        ("0", "EUR", "greater"),
    ],
)
def test_unreadable_amounts_say_why(text: str, currency: str, reason: str) -> None:
    with pytest.raises(AmountError, match=reason):
        parse_amount(text, currency, "en")


@pytest.mark.parametrize(
    ("locale", "currency", "text"),
    [
        ("it", "EUR", "1.234,56\xa0€"),
        ("pt_BR", "BRL", "R$\xa01.234,56"),
        ("fr", "EUR", "1\u202f234,56\xa0€"),
        ("en", "USD", "$1,234.56"),
    ],
)
def test_amounts_are_formatted_for_the_debtor_locale(locale: str, currency: str, text: str) -> None:
    assert format_money(123456, currency, locale) == text


@given(st.integers(1, 10**12), st.sampled_from(["EUR", "BRL", "MXN", "JPY"]), st.sampled_from(["it", "pt_BR", "en"]))
def test_formatting_then_parsing_gives_the_amount_back(minor: int, currency: str, locale: str) -> None:
    assert parse_amount(format_money(minor, currency, locale), currency, locale) == minor
