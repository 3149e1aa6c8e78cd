"""Debtors' locales as CLDR writes them: any region of the five languages is accepted, made-up ones are not."""

import pytest

from saas_app.core.languages import (
    SUPPORTED_LOCALES,
    is_fallback,
    locale_choices,
    normalize_locale,
    parse_chain,
    pick_language,
    with_region,
)

VARIANTS = {"en", "it", "es", "pt_BR", "fr"}


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("es-mx", "es_MX"),
        ("ES_mx", "es_MX"),
        ("es_AR", "es_AR"),
        ("es-CO", "es_CO"),
        ("es-419", "es_419"),
        ("pt-br", "pt_BR"),
        ("pt_PT", "pt_PT"),
        ("fr_ca", "fr_CA"),
        ("FR-BE", "fr_BE"),
        ("it_ch", "it_CH"),
        ("en_GB", "en_GB"),
        ("en-us", "en_US"),
        (" fr ", "fr"),
        ("PT", "pt"),
    ],
)
def test_any_cldr_locale_of_our_languages_is_accepted_as_cldr_writes_it(typed: str, stored: str) -> None:
    assert normalize_locale(typed) == stored


@pytest.mark.parametrize(
    "typed",
    ["xx_YY", "es_ZZ", "de_DE", "de", "klingon", "", "es_MX_x", "es__MX", "en_US_POSIX", "en_Shaw", "mx"],
)
def test_a_made_up_locale_or_a_language_we_do_not_speak_is_refused(typed: str) -> None:
    assert normalize_locale(typed) is None


@pytest.mark.parametrize(
    ("locale", "variant"),
    [("es_MX", "es"), ("es_419", "es"), ("pt_PT", "pt_BR"), ("fr_CA", "fr"), ("it_CH", "it"), ("en_GB", "en")],
)
def test_a_regional_locale_gets_its_languages_variant(locale: str, variant: str) -> None:
    assert pick_language(locale, VARIANTS) == variant


def test_a_regional_locale_without_its_language_falls_back_along_the_organizations_chain() -> None:
    assert pick_language("es_MX", {"en", "pt_BR"}, ["pt_BR", "en"]) == "pt_BR"


def test_an_organizations_chain_may_name_regional_locales() -> None:
    assert parse_chain("es-MX, es → en") == (["es_MX", "es", "en"], None)
    assert parse_chain("es_MX, es_ZZ, en") == (["es_MX"], "es_ZZ")


def test_the_choices_start_with_the_countrys_own_locales_named_in_the_readers_language() -> None:
    choices = locale_choices("MX", "it")
    assert choices[0] == ("es_MX", "Spagnolo (Messico)")
    codes = [code for code, _ in choices]
    assert {"fr_CA", "pt_PT", "en_US", *SUPPORTED_LOCALES} <= set(codes)
    assert len(codes) == len(set(codes))
    assert all(normalize_locale(code) == code for code in codes), "every choice is one the server accepts"
    canadian = [name for code, name in locale_choices("CA", "fr")[:2]]
    assert canadian == ["Anglais (Canada)", "Français (Canada)"]


@pytest.mark.parametrize(
    ("locale", "region", "read_as"),
    [
        ("es", "MX", "es_MX"),  # $9,500.00, not Spain's 9.500,00 MXN
        ("pt", "PT", "pt_PT"),
        ("fr", "CA", "fr_CA"),
        ("pt_BR", "PT", "pt_BR"),  # a region given is kept
        ("it", "BR", "it"),  # CLDR has no Italian of Brazil
        ("en", "IT", "en"),  # English is not Italy's own language: €123.45 as the organization writes it
        ("en", "IE", "en_IE"),
        ("es", "", "es"),  # no country known
    ],
)
def test_a_bare_language_takes_the_debtors_country_when_it_is_that_countrys_own(
    locale: str, region: str, read_as: str
) -> None:
    assert with_region(locale, region) == read_as


def test_a_debtor_reading_their_own_language_without_its_region_is_not_sent_a_fallback() -> None:
    assert not is_fallback("fr_FR", "fr")
    assert not is_fallback("es-MX", "es")
    assert not is_fallback("pt_BR", "pt_BR")
    assert is_fallback("pt_PT", "pt_BR")  # another region's wording: the team should know
    assert is_fallback("it_IT", "en")
    assert is_fallback("fr", "fr_CA")
