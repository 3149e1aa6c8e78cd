"""Segments: which invoices a campaign chases, as a rule over age, amount, behaviour, tags, locale and country.

A rule is stored as a plain dict (the Segment row's JSON) and read back through `parse_rules`, which
names the field of any bad value. `matches` is the reference meaning; the service turns the same
rule into SQL so a live count over many invoices stays one query.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from saas_app.core.countries import normalize_country
from saas_app.core.invoices import Behaviour, Status

# A segment chases invoices someone still has to pay; a promise only pauses the reminders.
CHASEABLE = (Status.OPEN.value, Status.PARTIALLY_PAID.value, Status.PROMISED.value)
DEFAULT_STATUSES = (Status.OPEN.value, Status.PARTIALLY_PAID.value)
BEHAVIOURS = tuple(b.value for b in Behaviour)


class RuleError(ValueError):
    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


@dataclass(frozen=True)
class SegmentRules:
    min_days_overdue: int | None = None  # negative: due in that many days or more
    max_days_overdue: int | None = None
    min_amount_minor: int | None = None  # the amount still due, in `currency`
    max_amount_minor: int | None = None
    currency: str = ""
    statuses: frozenset[str] = frozenset(DEFAULT_STATUSES)
    behaviours: frozenset[str] = frozenset()  # empty: any
    tags: frozenset[str] = frozenset()  # the debtor has at least one of them; empty: any
    locales: frozenset[str] = frozenset()  # "pt" also matches "pt_BR"; empty: any
    countries: frozenset[str] = frozenset()  # the debtor's, ISO 3166 alpha-2; empty: any

    def to_dict(self) -> dict[str, Any]:
        """The rules for storing as JSON, with the unset ones left out."""
        values: dict[str, Any] = {
            "min_days_overdue": self.min_days_overdue,
            "max_days_overdue": self.max_days_overdue,
            "min_amount_minor": self.min_amount_minor,
            "max_amount_minor": self.max_amount_minor,
            "currency": self.currency,
            "statuses": sorted(self.statuses),
            "behaviours": sorted(self.behaviours),
            "tags": sorted(self.tags),
            "locales": sorted(self.locales),
            "countries": sorted(self.countries),
        }
        return {k: v for k, v in values.items() if v not in (None, "", [])}


@dataclass(frozen=True)
class InvoiceFacts:
    """What a rule looks at, for one invoice and its debtor."""

    due_on: date
    amount_due_minor: int
    currency: str
    status: str
    behaviour: str
    tags: tuple[str, ...] = field(default=())
    locale: str = "en"
    country: str = ""  # ISO 3166 alpha-2, "" when unknown


def _integer(raw: dict[str, Any], name: str) -> int | None:
    value = raw.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise RuleError(name, f"{name} must be a whole number")
    try:
        return int(value)
    except ValueError:
        raise RuleError(name, f"{name} must be a whole number") from None


def _choices(
    raw: dict[str, Any], name: str, allowed: Iterable[str] | None, default: Iterable[str] = ()
) -> frozenset[str]:
    value = raw.get(name)
    if value in (None, "", []):
        return frozenset(default)
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
        raise RuleError(name, f"{name} must be a list of words")
    cleaned = frozenset(i.strip() for i in items if i.strip())
    if allowed is not None:
        unknown = sorted(cleaned - set(allowed))
        if unknown:
            raise RuleError(name, f"unknown {name}: {', '.join(unknown)}")
    return cleaned


def _countries(raw: dict[str, Any]) -> frozenset[str]:
    """Country codes in any case ('br' is 'BR'); a code that names no country is refused."""
    written = _choices(raw, "countries", None)
    codes = {code: normalize_country(code) for code in written}
    unknown = sorted(code for code, known in codes.items() if known is None)
    if unknown:
        raise RuleError("countries", f"unknown countries: {', '.join(unknown)}")
    return frozenset(known for known in codes.values() if known)


def parse_rules(raw: dict[str, Any]) -> SegmentRules:
    """A rule from its stored or submitted form; RuleError names the field that is wrong."""
    unknown = sorted(set(raw) - set(SegmentRules.__dataclass_fields__))
    if unknown:
        raise RuleError(unknown[0], f"unknown rule {unknown[0]}")
    rules = SegmentRules(
        min_days_overdue=_integer(raw, "min_days_overdue"),
        max_days_overdue=_integer(raw, "max_days_overdue"),
        min_amount_minor=_integer(raw, "min_amount_minor"),
        max_amount_minor=_integer(raw, "max_amount_minor"),
        currency=str(raw.get("currency") or "").strip().upper(),
        statuses=_choices(raw, "statuses", CHASEABLE, DEFAULT_STATUSES),
        behaviours=_choices(raw, "behaviours", BEHAVIOURS),
        tags=_choices(raw, "tags", None),
        locales=_choices(raw, "locales", None),
        countries=_countries(raw),
    )
    for low, high in (("min_days_overdue", "max_days_overdue"), ("min_amount_minor", "max_amount_minor")):
        a, b = getattr(rules, low), getattr(rules, high)
        if a is not None and b is not None and a > b:
            raise RuleError(high, f"{high} is below {low}")
    if (rules.min_amount_minor is not None or rules.max_amount_minor is not None) and not rules.currency:
        raise RuleError("currency", "an amount rule needs the currency it is in")
    return rules


def locale_matches(wanted: frozenset[str], locale: str) -> bool:
    """Whether a locale is wanted: a language covers its regions (pt covers pt_BR); no wish covers all."""
    return not wanted or any(locale == w or locale.startswith(f"{w}_") for w in wanted)


def matches(rules: SegmentRules, facts: InvoiceFacts, today: date) -> bool:
    """Whether the invoice belongs to the segment today."""
    late = (today - facts.due_on).days  # negative while not yet due
    if facts.status not in rules.statuses:
        return False
    if rules.min_days_overdue is not None and late < rules.min_days_overdue:
        return False
    if rules.max_days_overdue is not None and late > rules.max_days_overdue:
        return False
    if rules.currency and facts.currency != rules.currency:
        return False
    if rules.min_amount_minor is not None and facts.amount_due_minor < rules.min_amount_minor:
        return False
    if rules.max_amount_minor is not None and facts.amount_due_minor > rules.max_amount_minor:
        return False
    if rules.behaviours and facts.behaviour not in rules.behaviours:
        return False
    if rules.tags and not rules.tags & set(facts.tags):
        return False
    if rules.countries and facts.country not in rules.countries:
        return False
    return locale_matches(rules.locales, facts.locale)
