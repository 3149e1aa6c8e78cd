from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saas_app.core.invoices import (
    AGE_BUCKETS,
    Behaviour,
    InvoiceHistory,
    Status,
    age_bucket,
    bucket_due_range,
    can_move,
    classify_behaviour,
    days_overdue,
    status_after_payment,
)
from tests.properties import examples

TODAY = date(2026, 11, 23)


def test_a_paid_invoice_is_final() -> None:
    assert not any(can_move("paid", s) for s in Status)


def test_a_promise_can_be_broken_and_a_dispute_resolved() -> None:
    assert can_move("promised", "open")
    assert can_move("disputed", "open")
    assert not can_move("open", "open")


@pytest.mark.parametrize(
    ("current", "paid", "expected"),
    [
        ("open", 100, "paid"),
        ("open", 40, "partially_paid"),
        ("disputed", 40, "disputed"),
        ("promised", 100, "paid"),
        ("partially_paid", 150, "paid"),
        ("open", 0, "open"),
    ],
)
def test_status_after_a_payment(current: str, paid: int, expected: str) -> None:
    assert status_after_payment(current, 100, paid) == expected


@pytest.mark.parametrize(
    ("days", "bucket"), [(-5, "not_due"), (0, "not_due"), (1, "1-30"), (30, "1-30"), (31, "31-90"), (91, "90+")]
)
def test_age_buckets(days: int, bucket: str) -> None:
    assert age_bucket(TODAY - timedelta(days=days), TODAY) == bucket


@settings(max_examples=examples(200))
@given(days=st.integers(min_value=-400, max_value=400), today=st.dates(date(2000, 1, 1), date(2099, 12, 31)))
def test_a_bucket_s_due_dates_are_exactly_the_invoices_it_holds(days: int, today: date) -> None:
    """The list filters on due dates: each bucket's range holds an invoice exactly when age_bucket puts it there."""
    due = today - timedelta(days=days)
    for bucket in AGE_BUCKETS:
        earliest, latest = bucket_due_range(bucket, today)
        inside = (earliest is None or due >= earliest) and (latest is None or due <= latest)
        assert inside == (age_bucket(due, today) == bucket), (bucket, days)


def test_days_overdue_is_never_negative() -> None:
    assert days_overdue(TODAY + timedelta(days=3), TODAY) == 0
    assert days_overdue(TODAY - timedelta(days=3), TODAY) == 3


def paid(due_days_ago: int, paid_after_due: int) -> InvoiceHistory:
    due = TODAY - timedelta(days=due_days_ago)
    return InvoiceHistory(due=due, paid_on=due + timedelta(days=paid_after_due))


def test_behaviour_from_history() -> None:
    assert classify_behaviour([], TODAY) == Behaviour.UNKNOWN
    assert classify_behaviour([paid(100, 0), paid(70, 2), paid(40, -3)], TODAY) == Behaviour.PUNCTUAL
    assert classify_behaviour([paid(100, 0), paid(70, 20), paid(40, 0), paid(20, 1)], TODAY) == Behaviour.LATE
    assert classify_behaviour([paid(100, 15), paid(70, 20), paid(40, 30)], TODAY) == Behaviour.CHRONIC
    unpaid_for_long = InvoiceHistory(due=TODAY - timedelta(days=120), paid_on=None)
    assert classify_behaviour([paid(50, 0), unpaid_for_long], TODAY) == Behaviour.CHRONIC
    not_due_yet = InvoiceHistory(due=TODAY + timedelta(days=10), paid_on=None)
    assert classify_behaviour([not_due_yet], TODAY) == Behaviour.UNKNOWN
