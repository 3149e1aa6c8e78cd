"""A debtor's payment behaviour: each threshold at its edge, and the same verdict as the stored one."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from saas_app.core.behaviour import (
    CHRONIC_MIN_INVOICES,
    GRACE_DAYS,
    LONG_OVERDUE_DAYS,
    Assessment,
    assess,
)
from saas_app.core.invoices import Behaviour, InvoiceHistory, classify_behaviour
from tests.properties import examples

TODAY = date(2026, 12, 5)


def paid(days_after_due: int, *, due_days_ago: int = 100) -> InvoiceHistory:
    due = TODAY - timedelta(days=due_days_ago)
    return InvoiceHistory(due=due, paid_on=due + timedelta(days=days_after_due))


def unpaid(days_overdue: int) -> InvoiceHistory:
    return InvoiceHistory(due=TODAY - timedelta(days=days_overdue), paid_on=None)


def test_nothing_to_judge_is_unknown() -> None:
    assert assess([], TODAY).behaviour == Behaviour.UNKNOWN
    not_due_yet = InvoiceHistory(due=TODAY + timedelta(days=10), paid_on=None)
    due_today = InvoiceHistory(due=TODAY, paid_on=None)
    assert assess([not_due_yet, due_today], TODAY) == Assessment(Behaviour.UNKNOWN, 0, 0, 0, 0, 0)


def test_paying_within_the_grace_days_is_on_time_and_a_day_more_is_late() -> None:
    on_time = assess([paid(GRACE_DAYS), paid(-5), paid(0)], TODAY)
    assert (on_time.behaviour, on_time.paid_on_time, on_time.paid_late) == (Behaviour.PUNCTUAL, 3, 0)
    one_late = assess([paid(GRACE_DAYS + 1), paid(0), paid(0), paid(0)], TODAY)
    assert (one_late.behaviour, one_late.paid_late) == (Behaviour.LATE, 1)  # one in four: from one in five


def test_fewer_than_one_in_five_late_is_still_punctual() -> None:
    assert assess([paid(30)] + [paid(0)] * 4, TODAY).behaviour == Behaviour.LATE  # one in five
    assert assess([paid(30)] + [paid(0)] * 5, TODAY).behaviour == Behaviour.PUNCTUAL  # one in six


def test_half_late_is_chronic_only_with_enough_invoices_to_judge() -> None:
    two = [paid(20), paid(0)]
    assert assess(two, TODAY).behaviour == Behaviour.LATE
    assert CHRONIC_MIN_INVOICES == 3
    assert assess([*two, paid(25), paid(0)], TODAY).behaviour == Behaviour.CHRONIC


def test_an_invoice_unpaid_past_ninety_days_makes_the_debtor_chronic_at_once() -> None:
    long_ago = assess([paid(0)] * 9 + [unpaid(LONG_OVERDUE_DAYS + 1)], TODAY)
    assert (long_ago.behaviour, long_ago.overdue, long_ago.long_overdue) == (Behaviour.CHRONIC, 1, 1)
    at_ninety = assess([paid(0)] * 9 + [unpaid(LONG_OVERDUE_DAYS)], TODAY)
    assert (at_ninety.behaviour, at_ninety.long_overdue) == (Behaviour.PUNCTUAL, 0)  # one late in ten


def test_an_unpaid_invoice_within_its_grace_counts_as_on_time_so_far() -> None:
    fresh = assess([unpaid(GRACE_DAYS)], TODAY)
    assert (fresh.behaviour, fresh.within_grace, fresh.overdue, fresh.judged) == (Behaviour.PUNCTUAL, 1, 0, 1)
    late = assess([unpaid(GRACE_DAYS + 1)], TODAY)
    assert (late.behaviour, late.overdue) == (Behaviour.LATE, 1)


histories = st.lists(
    st.builds(
        lambda due, paid_after: InvoiceHistory(
            due=TODAY + timedelta(days=due),
            paid_on=None if paid_after is None else TODAY + timedelta(days=due + paid_after),
        ),
        st.integers(min_value=-200, max_value=40),
        st.none() | st.integers(min_value=-30, max_value=120),
    ),
    max_size=12,
)


@settings(max_examples=examples(300))
@given(histories)
def test_the_verdict_is_the_one_stored_on_the_debtor(history: list[InvoiceHistory]) -> None:
    """Debtor.behaviour (segments, exports) and the debtor's file never disagree on the same history."""
    found = assess(history, TODAY)
    assert found.behaviour == classify_behaviour(history, TODAY)
    assert found.judged == sum(1 for item in history if item.paid_on is not None or item.due < TODAY)
