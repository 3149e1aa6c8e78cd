"""A country proposes the organization's currency, time zone, language and phone region."""

import pytest
from babel.core import get_global
from babel.numbers import list_currencies
from hypothesis import given, settings
from hypothesis import strategies as st

from saas_app.core.countries import (
    countries_for,
    currencies_in_use,
    currency_choices,
    defaults_for,
    guess_country,
    known_countries,
    normalize_country,
    time_zones_for,
)
from saas_app.core.languages import SUPPORTED_LOCALES
from saas_app.core.phones import normalize_phone
from saas_app.core.schedule import is_time_zone
from tests.properties import examples


@pytest.mark.parametrize(
    ("country", "currency", "timezone", "locale"),
    [
        ("BR", "BRL", "America/Sao_Paulo", "pt_BR"),
        ("PT", "EUR", "Europe/Lisbon", "pt"),
        ("MX", "MXN", "America/Mexico_City", "es"),
        ("AR", "ARS", "America/Argentina/Buenos_Aires", "es"),
        ("CO", "COP", "America/Bogota", "es"),
        ("CL", "CLP", "America/Santiago", "es"),
        ("PE", "PEN", "America/Lima", "es"),
        ("UY", "UYU", "America/Montevideo", "es"),
        ("ES", "EUR", "Europe/Madrid", "es"),
        ("IT", "EUR", "Europe/Rome", "it"),
        ("FR", "EUR", "Europe/Paris", "fr"),
        ("US", "USD", "America/New_York", "en"),
        ("GB", "GBP", "Europe/London", "en"),
        ("DE", "EUR", "Europe/Berlin", "en"),  # no German catalog yet: English
        ("CH", "CHF", "Europe/Zurich", "fr"),  # the first official language we speak
        ("JP", "JPY", "Asia/Tokyo", "en"),
    ],
)
def test_a_country_proposes_its_currency_time_zone_and_language(
    country: str, currency: str, timezone: str, locale: str
) -> None:
    defaults = defaults_for(country)
    assert (defaults.currency, defaults.timezone, defaults.default_locale) == (currency, timezone, locale)
    assert defaults.phone_region == country
    assert defaults.language_fallback == tuple(dict.fromkeys((locale, "en")))


def test_a_brazilian_business_reads_local_numbers_without_the_country_code() -> None:
    assert normalize_phone("(11) 98765-4321", defaults_for("BR").phone_region) == "+5511987654321"


@settings(max_examples=examples(60))
@given(st.sampled_from(sorted(known_countries())))
def test_every_country_proposes_settings_the_organization_form_accepts(country: str) -> None:
    defaults = defaults_for(country)
    assert defaults.currency in list_currencies()
    assert is_time_zone(defaults.timezone)
    assert defaults.default_locale in SUPPORTED_LOCALES
    assert set(defaults.language_fallback) <= set(SUPPORTED_LOCALES)


def test_only_real_countries_are_known() -> None:
    assert normalize_country(" br ") == "BR"
    for not_a_country in ("", "XX", "EU", "419", "BRA", "ZZ", "<b>"):
        assert normalize_country(not_a_country) is None


def test_countries_are_named_and_sorted_in_the_readers_language() -> None:
    italian = dict(countries_for("it"))
    assert italian["DE"] == "Germania"
    assert italian["BR"] == "Brasile"
    french_names = [name for _, name in countries_for("fr")]
    # Accents do not send a name to the end of the list: Égypte comes among the E's, before Espagne.
    assert french_names.index("Égypte") < french_names.index("Espagne") < french_names.index("États-Unis")
    assert {code for code, _ in countries_for("en")} == known_countries()


@pytest.mark.parametrize(
    ("accept_language", "time_zone", "country"),
    [
        ("pt-BR,pt;q=0.9,en;q=0.8", "", "BR"),
        ("es", "America/Mexico_City", "MX"),
        ("es-419,es;q=0.9", "America/Bogota", "CO"),
        ("es", "", "ES"),
        ("it", "", "IT"),
        ("it-IT", "America/Sao_Paulo", "IT"),  # the browser names its region: that wins over the clock
        ("en", "Europe/Lisbon", "PT"),
        ("fr-CA,fr;q=0.8", "", "CA"),
        ("", "", "US"),
        ("*", "Not/AZone", "US"),
    ],
)
def test_the_browser_proposes_a_country(accept_language: str, time_zone: str, country: str) -> None:
    assert guess_country(accept_language, time_zone) == country


@settings(max_examples=examples(100))
@given(st.text(max_size=60), st.text(max_size=40))
def test_any_browser_gets_a_country_the_sign_up_form_accepts(accept_language: str, time_zone: str) -> None:
    assert normalize_country(guess_country(accept_language, time_zone)) is not None


def test_the_time_zone_list_starts_with_the_countrys_own_zones_and_holds_only_real_ones() -> None:
    brazil = time_zones_for("BR")
    assert brazil[0] == "America/Sao_Paulo"
    own = set(get_global("territory_zones")["BR"])
    assert set(brazil[: len(own)]) == own  # every Brazilian zone before any other country's
    assert "UTC" in brazil
    assert "Brazil/East" not in brazil  # a legacy alias, not a choice
    assert all(is_time_zone(zone) for zone in brazil)
    assert set(time_zones_for("")) == set(brazil)


def test_the_currency_list_holds_currencies_in_use_named_in_the_readers_language() -> None:
    assert {"BRL", "EUR", "USD", "MXN"} <= set(currencies_in_use())
    assert "DEM" not in currencies_in_use()  # the Deutsche Mark is history
    assert dict(currency_choices("pt"))["BRL"] == "BRL · Real brasileiro"
