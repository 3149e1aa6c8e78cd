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
    countries=st.sets(st.sampled_from(["BR", "PT", "IT", "US"])).map(frozenset),
)


@given(rules_strategy)
def test_a_stored_rule_reads_back_as_the_same_rule(rules: SegmentRules) -> None:
    assert parse_rules(rules.to_dict()) == rules


def test_a_country_rule_keeps_the_debtors_of_any_listed_country() -> None:
    rules = parse_rules({"countries": ["br", " PT "]})
    assert rules.countries == frozenset({"BR", "PT"})
    assert matches(rules, facts(country="BR"), TODAY)
    assert matches(rules, facts(country="PT"), TODAY)
    assert not matches(rules, facts(country="IT"), TODAY)
    assert not matches(rules, facts(country=""), TODAY), "a debtor of unknown country is in no country"
    assert matches(parse_rules({}), facts(country=""), TODAY), "no country rule: every debtor"


@pytest.mark.parametrize("raw", [["XX"], ["Brazil"], "ZZ", [7]])
def test_a_country_that_is_no_country_is_refused_by_name(raw: object) -> None:
    with pytest.raises(RuleError) as refused:
        parse_rules({"countries": raw})
    assert refused.value.field == "countries"


def test_several_tags_languages_and_countries_each_widen_their_rule_and_narrow_together() -> None:
    rules = parse_rules({"tags": ["vip", "north"], "locales": ["it", "pt"], "countries": ["BR", "IT"]})
    assert matches(rules, facts(tags=("north",), locale="it", country="IT"), TODAY)
    assert matches(rules, facts(tags=("vip", "retail"), locale="pt_BR", country="BR"), TODAY)
    assert not matches(rules, facts(tags=("retail",), locale="it", country="IT"), TODAY), "no listed tag"
    assert not matches(rules, facts(tags=("vip",), locale="es", country="IT"), TODAY), "no listed language"
    assert not matches(rules, facts(tags=("vip",), locale="it", country="ES"), TODAY), "no listed country"


def test_a_segment_stored_before_countries_existed_reads_as_before() -> None:
    stored = {"statuses": ["open", "partially_paid"], "tags": ["retail"], "locales": ["pt"], "min_days_overdue": 1}
    rules = parse_rules(stored)
    assert rules.countries == frozenset()
    assert rules.to_dict() == stored, "saved again, it is stored the same: no empty country list added"
    assert matches(rules, facts(country="BR"), TODAY)
    # A tag stored as one word (an early form) is one tag.
    assert parse_rules({"tags": "retail"}).tags == frozenset({"retail"})
