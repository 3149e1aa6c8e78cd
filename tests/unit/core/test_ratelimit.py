from hypothesis import given
from hypothesis import strategies as st

from saas_app.core.ratelimit import MovingWindow, booked, free_slots, interval, most_in_any_second


@given(
    rate=st.integers(min_value=1, max_value=1000),
    claims=st.lists(
        st.tuples(st.floats(min_value=0, max_value=3, allow_nan=False), st.integers(min_value=1, max_value=400)),
        min_size=1,
        max_size=12,
    ),
)
def test_booked_slots_never_exceed_the_rate_in_any_second(rate: int, claims: list[tuple[float, int]]) -> None:
    """Workers claiming at any moments and in any amounts, booking through one shared `next_free`."""
    now, next_free, times = 1_000.0, None, []
    for pause, wanted in claims:
        now += pause
        count = min(wanted, free_slots(next_free, now, rate, horizon=10))
        if count == 0:
            continue
        start = max(next_free or now, now)
        slots = booked(start, count, rate)
        assert slots[0] >= now, "nothing is booked in the past"
        next_free = start + count * interval(rate)
        times += slots
    assert most_in_any_second(times) <= rate


def test_the_horizon_limits_how_much_is_booked_ahead() -> None:
    assert free_slots(None, 0.0, rate=10, horizon=10) == 90
    assert free_slots(9.0, 0.0, rate=10, horizon=10) == 9
    assert free_slots(11.0, 0.0, rate=10, horizon=10) == 0
    assert free_slots(-50.0, 0.0, rate=10, horizon=10) == 90, "idle time is not saved up for a burst"


def test_the_window_count_is_exact_at_the_edges() -> None:
    assert most_in_any_second([0.0, 0.5, 0.999, 1.0, 1.5]) == 3
    assert most_in_any_second([]) == 0


@given(
    limit=st.integers(min_value=1, max_value=50),
    arrivals=st.lists(st.floats(min_value=0, max_value=0.5, allow_nan=False), min_size=1, max_size=200),
)
def test_late_starts_never_bunch_over_the_limit(limit: int, arrivals: list[float]) -> None:
    """Tasks arriving in bursts (a stalled event loop) go only when the moving second has room."""
    window, now, started = MovingWindow(limit), 0.0, []
    for gap in arrivals:
        now += gap
        at = now
        while (wait := window.wait(at)) > 0:
            at += wait
        started.append(at)
        now = max(now, at)
    assert most_in_any_second(started) <= limit
