import itertools
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saas_app.core.ratelimit import BURST, HEADROOM, Pacer, booked, free_slots, interval, most_in_any_second


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
    ten_seconds = free_slots(None, 0.0, rate=10, horizon=10)
    assert ten_seconds in (96, 97), "10 s of 10 msg/s at the paced share (float rounding may cost one)"
    assert free_slots(9.0, 0.0, rate=10, horizon=10) == 9
    assert free_slots(11.0, 0.0, rate=10, horizon=10) == 0
    assert free_slots(-50.0, 0.0, rate=10, horizon=10) == ten_seconds, "idle time is not saved up for a burst"


def test_the_window_count_is_exact_at_the_edges() -> None:
    assert most_in_any_second([0.0, 0.5, 0.999, 1.0, 1.5]) == 3
    assert most_in_any_second([]) == 0


def paced(pacer: Pacer, wanted: list[float]) -> list[float]:
    """When sends that want to leave at `wanted` (in order) do leave, each waiting as the pacer says."""
    left, now = [], -math.inf
    for at in wanted:
        now = max(now, at)  # one send at a time, in order, as the worker queues them per number
        while (wait := pacer.wait(now)) > 0:
            now += wait
        left.append(now)
    return left


@given(
    rate=st.integers(min_value=1, max_value=2000),
    gaps=st.lists(st.floats(min_value=0, max_value=0.3, allow_nan=False), min_size=1, max_size=600),
)
def test_the_pacer_never_lets_more_than_the_rate_through_in_any_moving_second(rate: int, gaps: list[float]) -> None:
    """Sends waking in bursts and after stalls (a busy event loop, on a fake clock) never crowd a second."""
    wanted = list(itertools.accumulate(gaps, initial=1_000.0))
    left = paced(Pacer(rate), wanted)
    assert most_in_any_second(left) <= rate
    assert all(went >= want for went, want in zip(left, wanted, strict=True)), "nothing leaves before it is due"


@pytest.mark.parametrize("rate", [1, 10, 80, 999, 1000, 2000])
def test_a_backlog_leaves_evenly_at_the_paced_share_of_the_rate(rate: int) -> None:
    left = paced(Pacer(rate), [0.0] * (rate * 10))
    assert most_in_any_second(left) <= rate
    spent = left[-1] - left[0]
    assert (len(left) - 1) * interval(rate) - BURST <= spent + 1e-9, "no faster than the paced share"
    assert (len(left) - 1) / spent >= HEADROOM * rate * 0.999, "the rate is used, not wasted"


def test_a_late_wake_up_releases_no_more_than_the_burst() -> None:
    """1,000 msg/s: sends due every ~1 ms, the next 100 woken together 50 ms late, go at once only up to BURST."""
    pacer, step = Pacer(1000), interval(1000)
    on_time = paced(pacer, [i * step for i in range(100)])
    late = paced(pacer, [100 * step + 0.05] * 100)
    assert on_time == pytest.approx([i * step for i in range(100)])
    at_once = sum(1 for at in late if at == late[0])
    assert at_once == 1 + math.floor(BURST / step)
    assert all(b - a == pytest.approx(step) for a, b in itertools.pairwise(late[at_once:]))


def test_a_send_refused_as_over_the_rate_holds_the_next_ones_back() -> None:
    """The share of a second pacing leaves unused, so WhatsApp's moving second falls back under its limit."""
    pacer = Pacer(1000)
    assert paced(pacer, [0.0]) == [0.0]
    pacer.refused(0.2)
    [next_send] = paced(pacer, [0.2])
    assert next_send == pytest.approx(0.2 + (1 - HEADROOM) - BURST)
