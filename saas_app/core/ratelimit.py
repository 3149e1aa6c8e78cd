"""Pacing sends so that a number's rate is never exceeded, counted the way Meta counts it."""

import math
from collections import deque

# Meta counts sends per second as they arrive; network jitter can bunch requests that left evenly
# spaced, so we aim a little under the configured rate.
HEADROOM = 0.9


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


_SECOND = 1.0 + 1e-6  # a hair over: float rounding never squeezes one more send into a second


class MovingWindow:
    """At most `limit` events in any moving second, whatever the caller's delays.

    Booked slots space sends evenly, but a busy event loop can start late ones together; this is
    the last check before a request leaves. `wait(now)` says how long to wait, 0 meaning "go now"
    (and the send is counted).
    """

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self._starts: deque[float] = deque()

    def wait(self, now: float) -> float:
        """0 when a send may start now (and it is counted), else the seconds until the oldest start leaves."""
        # One expression decides both "expired" and "how long": rounding can never make the wait 0
        # while the oldest start still counts (which would let a send go uncounted).
        while self._starts and now >= self._starts[0] + _SECOND:
            self._starts.popleft()
        if len(self._starts) < self.limit:
            self._starts.append(now)
            return 0.0
        return self._starts[0] + _SECOND - now
