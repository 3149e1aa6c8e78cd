"""UI languages: gettext catalogs compiled from locales/, looked up per user."""

from functools import cache
from pathlib import Path

from babel import Locale
from babel.support import NullTranslations, Translations

from saas_app.core.languages import UI_LANGUAGES

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
SUPPORTED = UI_LANGUAGES  # the catalogs in locales/
DEFAULT = "en"


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    """Mark a message for extraction; it is translated where it is shown."""
    return message


def pick(candidate: str | None) -> str:
    """The supported UI language closest to `candidate` (pt_BR -> pt), else English."""
    if not candidate:
        return DEFAULT
    base = candidate.replace("-", "_").split("_")[0].lower()
    return base if base in SUPPORTED else DEFAULT


def from_accept_language(header: str) -> str:
    """The first supported language in a browser's Accept-Language header."""
    for part in header.split(","):
        tag = part.split(";")[0].strip()
        if tag and pick(tag) == tag.split("-")[0].lower():
            return pick(tag)
    return DEFAULT


@cache
def translations(locale: str) -> NullTranslations:
    """The compiled catalog for a locale, loaded once; English is the source text itself."""
    if locale == DEFAULT:
        return NullTranslations()
    return Translations.load(str(LOCALES_DIR), [locale], domain="messages")


def gettext(locale: str, message: str, /, **params: object) -> str:
    """The message in the locale's language (English when it has none), with its {placeholders} filled."""
    text = translations(pick(locale)).gettext(message)
    return text.format(**params) if params else text


def language_name(locale: str) -> str:
    """The language's own name for itself: Italiano, Español, ..."""
    name = Locale.parse(locale).get_display_name(locale) or locale
    return name[:1].upper() + name[1:]
