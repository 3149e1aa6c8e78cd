"""A business's country and what follows from it: currency, time zone, language and phone region."""

from dataclasses import dataclass
from functools import cache

import phonenumbers
from babel.core import get_global
from babel.languages import get_official_languages
from babel.numbers import get_territory_currencies

from saas_app.core.languages import SUPPORTED_LOCALES, babel_locale, folded, normalize_locale
from saas_app.core.schedule import is_time_zone

# The zone most of a country's businesses keep their hours in, for the markets we serve; Babel lists
# a country's zones alphabetically by city (Brazil's first is Araguaina), not by how many live there.
MAIN_TIME_ZONES = {
    "AR": "America/Argentina/Buenos_Aires",
    "BR": "America/Sao_Paulo",
    "CL": "America/Santiago",
    "CO": "America/Bogota",
    "DE": "Europe/Berlin",
    "ES": "Europe/Madrid",
    "FR": "Europe/Paris",
    "GB": "Europe/London",
    "IT": "Europe/Rome",
    "MX": "America/Mexico_City",
    "PE": "America/Lima",
    "PT": "Europe/Lisbon",
    "US": "America/New_York",
    "UY": "America/Montevideo",
}
FALLBACK_COUNTRY = "US"  # proposed when the browser tells us nothing we can use


@dataclass(frozen=True)
class CountryDefaults:
    """What an organization in a country starts with; each is changeable in Settings."""

    country: str
    currency: str
    timezone: str
    default_locale: str
    language_fallback: tuple[str, ...]
    phone_region: str


@cache
def known_countries() -> frozenset[str]:
    """ISO 3166 alpha-2 codes that are both a country Babel can name and a phone region."""
    named = babel_locale("en").territories
    return frozenset(code for code in phonenumbers.SUPPORTED_REGIONS if code in named)


def normalize_country(text: str) -> str | None:
    """'br', ' BR ' -> 'BR'; anything that is not a known country -> None."""
    code = text.strip().upper()
    return code if code in known_countries() else None


def _main_time_zone(country: str) -> str:
    zone = MAIN_TIME_ZONES.get(country) or next(iter(get_global("territory_zones").get(country, [])), "UTC")
    return zone if is_time_zone(zone) else "UTC"


def _language(country: str) -> str:
    """The first of the country's official (else most likely) languages that we speak; English otherwise."""
    likely = get_global("likely_subtags").get(f"und_{country}", "")
    candidates = [*get_official_languages(country), likely.split("_")[0]]
    for language in filter(None, candidates):
        # Brazil writes pt_BR, our library's Portuguese; Portugal keeps plain pt, which falls back to it.
        for code in (f"{language}_{country}", language):
            if (found := normalize_locale(code)) in SUPPORTED_LOCALES:  # an organization writes in one of ours
                return found
    return "en"


def defaults_for(country: str) -> CountryDefaults:
    """The settings an organization in `country` (a known code, see `normalize_country`) starts with."""
    currencies = get_territory_currencies(country)
    language = _language(country)
    return CountryDefaults(
        country=country,
        currency=currencies[0] if currencies else "USD",
        timezone=_main_time_zone(country),
        default_locale=language,
        language_fallback=tuple(dict.fromkeys((language, "en"))),
        phone_region=country,
    )


@cache
def countries_for(locale: str) -> tuple[tuple[str, str], ...]:
    """Every known country as (code, name in the locale's language), sorted by that name."""
    names = babel_locale(locale).territories
    return tuple(sorted(((code, names.get(code, code)) for code in known_countries()), key=lambda p: folded(p[1])))


def guess_country(accept_language: str, time_zone: str = "") -> str:
    """The country a browser most likely sits in: a region in its languages ('pt-BR'), else its
    time zone's country ('America/Mexico_City'), else its first language's home ('it' -> IT)."""
    tags = [part.split(";")[0].strip().replace("_", "-") for part in accept_language.split(",")]
    tags = [tag for tag in tags if tag and tag != "*"]
    for tag in tags:
        parts = tag.split("-")
        if len(parts) > 1 and (country := normalize_country(parts[-1])):
            return country
    if country := normalize_country(get_global("zone_territories").get(time_zone.strip(), "")):
        return country
    for tag in tags:
        likely = get_global("likely_subtags").get(tag.split("-")[0].lower(), "")
        if country := normalize_country(likely.split("_")[-1]):
            return country
    return FALLBACK_COUNTRY


@cache
def currencies_in_use() -> tuple[str, ...]:
    """The ISO 4217 codes some country pays in today, sorted: the currency picker's list."""
    return tuple(sorted({code for country in known_countries() for code in get_territory_currencies(country)}))


@cache
def currency_choices(locale: str) -> tuple[tuple[str, str], ...]:
    """Each currency in use as (code, 'BRL · Brazilian Real'), named in the locale's language."""
    names = babel_locale(locale).currencies
    return tuple((code, f"{code} · {names.get(code, code)}") for code in currencies_in_use())


@cache
def time_zones_for(country: str) -> tuple[str, ...]:
    """Every country's IANA zone, the country's own first (its main one leading), then UTC: the zone picker's list.

    Only the canonical names a country claims (America/Sao_Paulo, not Brazil/East nor Etc/GMT+3).
    """
    canonical = sorted(zone for zone in get_global("zone_territories") if is_time_zone(zone))
    own = [zone for zone in canonical if zone in get_global("territory_zones").get(country, [])]
    if country in MAIN_TIME_ZONES:
        own.insert(0, MAIN_TIME_ZONES[country])
    return tuple(dict.fromkeys([*own, *canonical, "UTC"]))
