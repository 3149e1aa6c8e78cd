"""Pacing sends so that a number's rate is never exceeded, counted the way Meta counts it."""

import math

# Meta counts sends per second as they arrive; network jitter can bunch requests that left evenly
# spaced, so we aim a little under the configured rate.
HEADROOM = 0.95


def interval(rate: float) -> float:
    """Seconds between two sends from one number."""
    if rate <= 0:
        raise ValueError("rate must be positive")
    return 1.0 / (rate * HEADROOM)


def free_slots(next_free: float | None, now: float, rate: float, horizon: float) -> int:
    """How many sends can still be booked between the first free slot and `horizon` seconds from now."""
    start = max(next_free or now, now)
    return max(0, math.floor((now + horizon - start) / interval(rate)))


def booked(start: float, count: int, rate: float) -> list[float]:
    """The send times of `count` slots booked from `start`: evenly spaced, never bunched."""
    step = interval(rate)
    return [start + i * step for i in range(count)]


def most_in_any_second(times: list[float]) -> int:
    """The largest number of sends in any moving one-second window: what Meta's limit is about."""
    ordered = sorted(times)
    most, start = 0, 0
    for end, at in enumerate(ordered):
        while at - ordered[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most
