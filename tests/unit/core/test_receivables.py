"""The dashboard's arithmetic: ageing edges that agree with age_bucket, month comparisons, DSO, weeks."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from saas_app.core import receivables
from saas_app.core.invoices import age_bucket

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))


def bucket_by_edges(due: date, today: date) -> str:
    edges = receivables.bucket_edges(today)
    if due >= edges.one_day:
        return "not_due"
    if due >= edges.thirty_days:
        return "1-30"
    return "31-90" if due >= edges.ninety_days else "90+"


@given(today=days, late=st.integers(-400, 400))
def test_the_edges_put_every_invoice_in_the_bucket_age_bucket_says(today: date, late: int) -> None:
    due = today - timedelta(days=late)
    assert bucket_by_edges(due, today) == age_bucket(due, today)
    assert age_bucket(due, today) in receivables.BUCKETS


def test_months_and_the_same_day_last_month() -> None:
    assert receivables.month_start(date(2026, 1, 15), 1) == date(2025, 12, 1)
    assert receivables.month_start(date(2026, 12, 5)) == date(2026, 12, 1)
    assert receivables.same_day_last_month(date(2026, 12, 5)) == date(2026, 11, 5)
    # March 31st is compared with the whole of February, not with a day that does not exist.
    assert receivables.same_day_last_month(date(2026, 3, 31)) == date(2026, 2, 28)


def test_change_against_nothing_is_not_a_percentage() -> None:
    assert receivables.change_ratio(150, 100) == 0.5
    assert receivables.change_ratio(50, 100) == -0.5
    assert receivables.change_ratio(50, 0) is None


def test_dso_is_the_days_of_invoicing_still_unpaid() -> None:
    # 30,000 owed after invoicing 90,000 in 90 days: a month's invoicing is unpaid.
    assert receivables.days_sales_outstanding(30_000, 90_000) == 30
    assert receivables.days_sales_outstanding(30_000, 0) is None


def test_weeks_start_on_monday_and_empty_weeks_are_kept() -> None:
    today = date(2026, 12, 5)  # a Saturday
    weeks = receivables.by_week({date(2026, 12, 1): 100, date(2026, 12, 5): 50, date(2026, 11, 17): 7}, today, 3)
    assert weeks == [(date(2026, 11, 16), 7), (date(2026, 11, 23), 0), (date(2026, 11, 30), 150)]
    assert receivables.by_week({date(2026, 1, 1): 1}, today, 2) == [(date(2026, 11, 23), 0), (date(2026, 11, 30), 0)]


@given(today=days)
def test_the_day_last_month_is_in_last_month_and_never_later_in_it_than_today(today: date) -> None:
    compared = receivables.same_day_last_month(today)
    assert receivables.month_start(compared) == receivables.month_start(today, 1)
    assert compared.day <= today.day
