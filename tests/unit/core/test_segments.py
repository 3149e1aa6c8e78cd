from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saas_app.core.segments import BEHAVIOURS, InvoiceFacts, RuleError, SegmentRules, matches, parse_rules

TODAY = date(2026, 11, 23)


def facts(days_late: int = 10, amount: int = 10_000, **changes: object) -> InvoiceFacts:
    values: dict[str, object] = {
        "due_on": TODAY - timedelta(days=days_late),
        "amount_due_minor": amount,
        "currency": "EUR",
        "status": "open",
        "behaviour": "late",
        "tags": ("retail",),
        "locale": "pt_BR",
    }
    return InvoiceFacts(**(values | changes))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "late", "expected"),
    [
        ({"min_days_overdue": 1, "max_days_overdue": 30}, 30, True),
        ({"min_days_overdue": 1, "max_days_overdue": 30}, 31, False),
        ({"min_days_overdue": 1}, 0, False),
        ({"max_days_overdue": -7}, -7, True),
        ({"max_days_overdue": -7}, -6, False),
    ],
)
def test_age_bounds_are_inclusive_days_after_the_due_date(raw: dict, late: int, expected: bool) -> None:
    assert matches(parse_rules(raw), facts(days_late=late), TODAY) is expected


def test_amount_rules_compare_what_is_still_due_in_one_currency() -> None:
    rules = parse_rules({"min_amount_minor": 10_000, "currency": "eur"})
    assert matches(rules, facts(amount=10_000), TODAY)
    assert not matches(rules, facts(amount=9_999), TODAY)
    assert not matches(rules, facts(amount=50_000, currency="BRL"), TODAY), "reais are not euros"


def test_tags_match_any_and_a_language_matches_its_regions() -> None:
    assert matches(parse_rules({"tags": ["vip", "retail"]}), facts(), TODAY)
    assert not matches(parse_rules({"tags": ["vip"]}), facts(), TODAY)
    assert matches(parse_rules({"locales": ["pt"]}), facts(), TODAY)
    assert not matches(parse_rules({"locales": ["pt"]}), facts(locale="en"), TODAY)


def test_paid_and_disputed_invoices_are_never_chased_and_promised_only_when_asked() -> None:
    assert not matches(parse_rules({}), facts(status="paid"), TODAY)
    assert not matches(parse_rules({}), facts(status="promised"), TODAY)
    assert matches(parse_rules({"statuses": ["promised"]}), facts(status="promised"), TODAY)
    with pytest.raises(RuleError) as refused:
        parse_rules({"statuses": ["paid"]})
    assert refused.value.field == "statuses"


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"min_days_overdue": "ten"}, "min_days_overdue"),
        ({"min_days_overdue": True}, "min_days_overdue"),
        ({"min_amount_minor": 5}, "currency"),
        ({"min_amount_minor": 5, "max_amount_minor": 1, "currency": "EUR"}, "max_amount_minor"),
        ({"behaviours": ["rich"]}, "behaviours"),
        ({"tags": [1, 2]}, "tags"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_rule_names_its_field(raw: dict, field: str) -> None:
    with pytest.raises(RuleError) as refused:
        parse_rules(raw)
    assert refused.value.field == field


rules_strategy = st.builds(
    SegmentRules,
    min_days_overdue=st.none() | st.integers(-60, 200),
    max_days_overdue=st.none() | st.integers(200, 400),
    min_amount_minor=st.none() | st.integers(0, 10_000),
    max_amount_minor=st.none() | st.integers(10_000, 10**9),
    currency=st.sampled_from(["EUR", "BRL"]),
    statuses=st.sets(st.sampled_from(["open", "partially_paid", "promised"]), min_size=1).map(frozenset),
    behaviours=st.sets(st.sampled_from(BEHAVIOURS)).map(frozenset),
    tags=st.sets(st.sampled_from(["vip", "retail", "north"])).map(frozenset),
    locales=st.sets(st.sampled_from(["pt", "pt_BR", "es", "it"])).map(frozenset),
)


@given(rules_strategy)
def test_a_stored_rule_reads_back_as_the_same_rule(rules: SegmentRules) -> None:
    assert parse_rules(rules.to_dict()) == rules
