"""What this process read from the database a moment ago, for paths that ask it again thousands of times a second.

During a campaign Meta posts thousands of statuses a second, and every group of them asked the
database for the same WhatsApp account and the same webhook subscriptions: with their statements,
a fifth of the backend's time (py-spy on bench/webhooks.py). Such an answer is reused for a
second. A change made through this process's services forgets it at once; a change made in
another process is seen within the second.
"""

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

Value = TypeVar("Value")

_ALL: list["Recent[object]"] = []


class Recent(Generic[Value]):
    """Answers by key, each kept `seconds` after it was read; nothing kept for a missing one (None)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._read_at: dict[Hashable, tuple[float, Value]] = {}
        self._lock = threading.Lock()
        _ALL.append(self)  # type: ignore[arg-type]

    def get(self, key: Hashable, read: Callable[[], Value | None]) -> Value | None:
        """The kept value if fresh, else read afresh; a None is never kept, so strangers' keys cannot grow it."""
        now = time.monotonic()
        kept = self._read_at.get(key)
        if kept is not None and now - kept[0] < self.seconds:
            return kept[1]
        value = read()
        with self._lock:
            if value is None:  # unknown keys (a stranger's phone number id) are not kept: nothing to grow
                self._read_at.pop(key, None)
            else:
                self._read_at[key] = (now, value)
        return value

    def forget(self, key: Hashable | None = None) -> None:
        """One key, or everything: after a change, the next question goes to the database."""
        with self._lock:
            if key is None:
                self._read_at.clear()
            else:
                self._read_at.pop(key, None)


def forget_all() -> None:
    """For tests, which empty the tables between them."""
    for recent in _ALL:
        recent.forget()
