"""Which language variant a debtor gets when their exact language has none."""


def fallback_chain(locale: str, default: str = "en") -> list[str]:
    """pt_BR -> pt_BR, pt, en; pt -> pt, pt_BR, en; es_MX -> es_MX, es, en."""
    locale = locale.replace("-", "_")
    base = locale.split("_")[0]
    chain = [locale, base]
    if base == "pt":
        chain.append("pt_BR")  # the library writes Portuguese for Brazil, our largest market
    chain.append(default)
    return list(dict.fromkeys(chain))


def pick_language(locale: str, available: set[str], default: str = "en") -> str | None:
    return next((lang for lang in fallback_chain(locale, default) if lang in available), None)


# The languages a debtor or an organization's content may be in (templates exist for all of them).
SUPPORTED_LOCALES = ("en", "it", "es", "pt_BR", "pt", "fr")
_BY_FOLDED = {code.lower(): code for code in SUPPORTED_LOCALES}


def normalize_locale(text: str) -> str | None:
    """'pt-br', 'PT_BR' -> 'pt_BR'; an unsupported language -> None."""
    return _BY_FOLDED.get(text.strip().replace("-", "_").lower())
