"""Pacing sends so that a number's rate is never exceeded, counted the way Meta counts it."""

import math

# Meta counts a number's sends as they arrive, in any moving second. They leave evenly spaced at this
# share of its rate; the rest is room for what the network and a busy event loop do to the spacing:
# sends that left 1/970 s apart may arrive up to ~14 ms bunched (with BURST) before a second holds 1,001.
HEADROOM = 0.97
# How far ahead of its even spacing a send may still leave: a send woken a little late goes at once
# instead of losing its slot, but a stalled event loop cannot release a burst of more than this.
# With it, any second holds at most (1 + BURST) * HEADROOM * rate + 1 sends, which is under the rate
# whatever the rate, since (1 + BURST) * HEADROOM < 1. bench.dispatch (20,000 sends on one number at
# 1,000/s, 2 cores) measured the event loop's wake-ups late by 5-7 ms a few hundred times a run: at
# 5 ms each one cost its slots for good (951 accepted msg/s), at 15 ms they are made up (968/s), and the
# simulator still refused none or a few sends in 10,000 (at most 985 left in any second).
BURST = 0.015  # seconds


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


class Pacer:
    """The last check before a number's send leaves: even spacing, as a GCRA (a leaky bucket as a meter).

    Booked slots space sends evenly, but timers fire late on a busy event loop, and several late ones
    fire together. A send may leave `interval` after the one before it was due to, or up to BURST
    early to make up for a late wake-up: any k + 1 sends that leave span at least k * interval - BURST.
    `wait(now)` says how long to wait, 0 meaning "go now" (and the send is counted).
    """

    def __init__(self, rate: float, burst: float = BURST) -> None:
        self.rate = rate
        self._step = interval(rate)
        self._burst = burst
        self._due = -math.inf  # when the next send is due on the even spacing

    def wait(self, now: float) -> float:
        """0 when a send may leave now (and it is counted), else the seconds until it may."""
        early = self._due - self._burst - now
        if early > 0:
            return early
        self._due = max(self._due, now) + self._step
        return 0.0

    def refused(self, now: float) -> None:
        """WhatsApp counted one send too many in its moving second (130429: arrivals bunched on the way):
        the next sends wait the share of a second that pacing leaves unused, so its count falls back."""
        self._due = max(self._due, now + (1 - HEADROOM))
