"""Small text rules: slugs, email addresses, text from outside shown safely."""

import re
import unicodedata

_NON_SLUG = re.compile(r"[^a-z0-9]+")
# Deliberately loose: one @, a dot in the domain, no spaces. Delivery proves the rest.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def slugify(text: str, max_length: int = 50) -> str:
    """A URL-safe slug of ASCII letters, digits and dashes; "org" when nothing of the text is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = _NON_SLUG.sub("-", ascii_text.lower()).strip("-")
    return slug[:max_length].strip("-") or "org"


def normalize_email(email: str) -> str:
    """An email as we store and compare it: trimmed and lower-cased."""
    return email.strip().lower()


def is_valid_email(email: str) -> bool:
    """Whether the text has an email address's shape, within the 254 characters an address may have."""
    return len(email) <= 254 and bool(_EMAIL.match(email))


# Bidirectional embeddings, overrides and isolates: in a name or a reply they make text read in
# another order than it is stored ("\u202egnp.exe" shows as "exe.png").
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def neutralized(text: str) -> str:
    """Text from a debtor or a file, with each bidirectional control shown as its code ([U+202E])."""
    return _BIDI_CONTROLS.sub(lambda match: f"[U+{ord(match.group()):04X}]", text)
