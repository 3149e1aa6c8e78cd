"""Which language variant a debtor gets when their exact language has none."""

import re
from collections.abc import Sequence
from functools import cache

from babel import Locale

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


# The one list of the languages Cobro speaks: the built-in library has every template in each, and
# the UI a catalog for each one's base language (Brazilian Portuguese is the library's Portuguese).
LANGUAGES = ("en", "it", "es", "pt_BR", "fr")
# The languages a debtor or an organization's content may be in: each language and its base
# (en, it, es, pt_BR, pt, fr); pt picks pt_BR's templates through the fallback chain.
SUPPORTED_LOCALES = tuple(dict.fromkeys(code for language in LANGUAGES for code in (language, language.split("_")[0])))
# The UI's gettext catalogs (locales/): one per base language.
UI_LANGUAGES = tuple(dict.fromkeys(language.split("_")[0] for language in LANGUAGES))
_BY_FOLDED = {code.lower(): code for code in SUPPORTED_LOCALES}


def normalize_locale(text: str) -> str | None:
    """'pt-br', 'PT_BR' -> 'pt_BR'; an unsupported language -> None."""
    return _BY_FOLDED.get(text.strip().replace("-", "_").lower())


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
