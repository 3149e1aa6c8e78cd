"""The figures a finance team reads first: what is owed, how late, what came in, and how fast it comes in."""

from dataclasses import dataclass
from datetime import date, timedelta

# The ageing buckets of core.invoices.age_bucket, oldest last, as a chart reads them left to right.
BUCKETS = ("not_due", "1-30", "31-90", "90+")
DSO_PERIOD_DAYS = 90


@dataclass(frozen=True)
class BucketEdges:
    """The due dates that open each bucket on a given day, so that a query can bucket in SQL.

    An invoice due on or after `one_day` is not due yet; on or after `thirty_days`, 1-30 days
    overdue; on or after `ninety_days`, 31-90; before that, 90+. The same as age_bucket.
    """

    one_day: date
    thirty_days: date
    ninety_days: date


def bucket_edges(today: date) -> BucketEdges:
    """Where the ageing buckets start on this day."""
    return BucketEdges(one_day=today, thirty_days=today - timedelta(days=30), ninety_days=today - timedelta(days=90))


def month_start(day: date, months_back: int = 0) -> date:
    """The first day of the month this day is in, or of the month `months_back` before it."""
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def same_day_last_month(today: date) -> date:
    """The day to compare this month so far with: last month up to the same day (clipped to its end)."""
    last_month_end = month_start(today) - timedelta(days=1)
    return last_month_end.replace(day=min(today.day, last_month_end.day))


def change_ratio(now: int, before: int) -> float | None:
    """How much `now` moved from `before` (0.25 is 25% up); None when there is nothing to compare with."""
    if before <= 0:
        return None
    return (now - before) / before


def days_sales_outstanding(outstanding: int, invoiced: int, period_days: int = DSO_PERIOD_DAYS) -> int | None:
    """How many days of invoicing are still unpaid (the standard DSO), or None without invoicing in the period."""
    if invoiced <= 0:
        return None
    return round(outstanding * period_days / invoiced)


def by_week(by_day: dict[date, int], today: date, weeks: int) -> list[tuple[date, int]]:
    """Daily amounts summed per week (Monday first), the last `weeks` weeks up to this one, empty weeks included."""
    this_monday = today - timedelta(days=today.weekday())
    starts = [this_monday - timedelta(weeks=back) for back in range(weeks - 1, -1, -1)]
    totals = dict.fromkeys(starts, 0)
    for day, amount in by_day.items():
        monday = day - timedelta(days=day.weekday())
        if monday in totals:
            totals[monday] += amount
    return list(totals.items())
