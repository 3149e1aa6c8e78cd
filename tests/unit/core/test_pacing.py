"""The messaging-limit ledger: whatever order sends are booked in, no 24 hours hold more than the limit."""

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from saas_app.core.pacing import DAY, Ledger
from tests.properties import examples

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def most_in_a_day(times: list[datetime]) -> int:
    ordered = sorted(times)
    most, start = 0, 0
    for end, at in enumerate(ordered):
        while at - ordered[start] >= DAY:
            start += 1
        most = max(most, end - start + 1)
    return most


def book_all(ledger: Ledger, wanted: list[datetime]) -> list[datetime]:
    """What the planner does: each send at the time it wants, or when the ledger has room."""
    booked = []
    for at in wanted:
        earliest = ledger.earliest()
        at = max(at, earliest) if earliest else at
        ledger.book(at)
        booked.append(at)
    return booked


@settings(max_examples=examples(300), deadline=None)
@given(
    limit=st.integers(1, 30),
    offsets=st.lists(st.integers(0, 10 * 24 * 60), min_size=1, max_size=200),
    earlier=st.lists(st.integers(-24 * 60, 3 * 24 * 60), max_size=40),
)
def test_no_day_holds_more_than_the_limit_in_any_booking_order(
    limit: int, offsets: list[int], earlier: list[int]
) -> None:
    # What earlier runs booked is itself within the limit: spread it the same way first.
    before = book_all(Ledger(limit), [START + timedelta(minutes=m) for m in sorted(earlier)])
    ledger = Ledger(limit, before)
    booked = book_all(ledger, [START + timedelta(minutes=m) for m in offsets])
    assert most_in_a_day(before + booked) <= limit
    assert all(at >= START + timedelta(minutes=m) for at, m in zip(booked, offsets, strict=True))


def test_sends_wait_only_when_the_day_is_full() -> None:
    ledger = Ledger(3)
    wanted = [START + timedelta(minutes=i) for i in range(7)]
    booked = book_all(ledger, wanted)
    assert booked[:3] == wanted[:3]  # room: at once
    assert booked[3] == wanted[0] + DAY + timedelta(seconds=1)  # the fourth waits for the first to leave the day
    assert booked[6] == booked[3] + DAY + timedelta(seconds=1)  # and the seventh for the fourth


def test_a_limit_below_one_is_refused() -> None:
    try:
        Ledger(0)
    except ValueError:
        return
    raise AssertionError("Ledger(0) must be refused: 0 means no limit, and the planner keeps no ledger then")
