"""Which language variant a debtor gets when their exact language has none."""

import re
import unicodedata
from collections.abc import Sequence
from functools import cache

from babel import Locale
from babel.languages import get_official_languages
from babel.localedata import locale_identifiers

# What an organization falls back to unless it says otherwise (Settings -> Organization).
DEFAULT_FALLBACK = ("en",)


def fallback_chain(locale: str, fallback: Sequence[str] = DEFAULT_FALLBACK) -> list[str]:
    """The debtor's language, its base language, then the organization's own chain, in order.

    pt_BR -> pt_BR, pt, en; pt -> pt, pt_BR, en; es_MX -> es_MX, es, en.
    """
    locale = locale.replace("-", "_")
    base = locale.split("_")[0]
    chain = [locale, base]
    if base == "pt":
        chain.append("pt_BR")  # the library writes Portuguese for Brazil, our largest market
    chain.extend(fallback)
    return list(dict.fromkeys(chain))


@cache
def babel_locale(tag: str) -> Locale:
    """Babel's Locale for a tag, parsed once. Given a string, Babel parses it again in every helper
    it calls: a third of the worker's time went there when rendering a thousand reminders a second."""
    return Locale.parse(tag)


def pick_language(locale: str, available: set[str], fallback: Sequence[str] = DEFAULT_FALLBACK) -> str | None:
    """The first language in the locale's fallback chain that we have, or None if none is."""
    return next((lang for lang in fallback_chain(locale, fallback) if lang in available), None)


def is_fallback(locale: str, chosen: str) -> bool:
    """Whether the variant chosen for a debtor's locale is another language's or another region's: fr_FR
    reading `fr` reads their own language; pt_PT reading pt_BR, or anyone reading English instead, does not."""
    locale = locale.replace("-", "_")
    return chosen not in (locale, locale.split("_")[0])


# The one list of the languages Cobro speaks: the built-in library has every template in each, and
# the UI a catalog for each one's base language (Brazilian Portuguese is the library's Portuguese).
LANGUAGES = ("en", "it", "es", "pt_BR", "fr")
# The languages an organization's content (templates, its default language) may be in: each language and
# its base (en, it, es, pt_BR, pt, fr); pt picks pt_BR's templates through the fallback chain.
SUPPORTED_LOCALES = tuple(dict.fromkeys(code for language in LANGUAGES for code in (language, language.split("_")[0])))
# The UI's gettext catalogs (locales/): one per base language.
UI_LANGUAGES = tuple(dict.fromkeys(language.split("_")[0] for language in LANGUAGES))
# A language, or a language and a region (pt_BR, es_419): no scripts (en_Shaw) nor variants (en_US_POSIX).
_LANGUAGE_OR_REGION = re.compile(r"^[a-z]{2,3}(_([A-Z]{2}|[0-9]{3}))?$")


@cache
def _known_locales() -> dict[str, str]:
    """Every CLDR locale Babel has for a language we speak, by its folded spelling: 'es_mx' -> 'es_MX'."""
    return {
        code.lower(): code
        for code in locale_identifiers()
        if code.split("_")[0] in UI_LANGUAGES and _LANGUAGE_OR_REGION.match(code)
    }


def normalize_locale(text: str) -> str | None:
    """A debtor's locale as CLDR writes it, any region of a language we speak: 'es-mx', 'ES_mx' -> 'es_MX',
    'PT-br' -> 'pt_BR', 'fr' -> 'fr'; a language we do not speak or a region CLDR does not know -> None.

    Templates are chosen through the fallback chain (es_MX -> es -> en); amounts and dates are written
    for the whole locale ($9,500.00 in es_MX, 9.500,00 MXN in es).
    """
    return _known_locales().get(text.strip().replace("-", "_").lower())


def with_region(locale: str, region: str) -> str:
    """A bare language given the debtor's country when it is that country's own language: ('es', 'MX') ->
    'es_MX', so that a Mexican debtor reads $9,500.00 and not Spain's 9.500,00 MXN. A locale with its region
    stays, and so does a language foreign to the country (('en', 'IT') stays 'en': €123.45 as written)."""
    if "_" in locale or not region or locale not in get_official_languages(region, de_facto=True):
        return locale
    return _known_locales().get(f"{locale}_{region}".lower(), locale)


@cache
def locale_choices(country: str, reader: str) -> tuple[tuple[str, str], ...]:
    """Every locale a debtor may have as (code, name in the reader's language): the country's own first,
    its official languages leading (it_IT, then en_IT), then our languages, then every other region."""
    named = {code: locale_name(code, reader) for code in _known_locales().values()}

    def group(codes: list[str]) -> tuple[tuple[str, str], ...]:
        return tuple(sorted(((code, named[code]) for code in codes), key=lambda pair: folded(pair[1])))

    own = [code for code in named if code.endswith(f"_{country.upper()}")] if country else []
    official = [code for code in own if code.split("_")[0] in get_official_languages(country.upper())]
    languages = [code for code in SUPPORTED_LOCALES if code not in own]
    rest = [code for code in named if code not in own and code not in languages]
    # Italy: Italian (Italy) before English (Italy); Canada: both of its own languages.
    return group(official) + group([c for c in own if c not in official]) + group(languages) + group(rest)


def locale_name(code: str, reader: str) -> str:
    """A locale named in the reader's language: 'portoghese (Brasile)' for pt_BR read in Italian."""
    name = babel_locale(code).get_display_name(babel_locale(reader)) or code
    return name[:1].upper() + name[1:]


def folded(name: str) -> str:
    """Sorts 'Español' with the E's and 'Österreich' with the O's."""
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c)).casefold()


def parse_chain(text: str) -> tuple[list[str], str | None]:
    """'pt-BR, pt → en' -> (['pt_BR', 'pt', 'en'], None); the first unsupported entry as the second item."""
    chain: list[str] = []
    for entry in re.split(r"[\s,;>→]+", text):
        if not entry:
            continue
        code = normalize_locale(entry)
        if code is None:
            return chain, entry
        chain.append(code)
    return list(dict.fromkeys(chain)), None
