"""Faults the simulator injects into sends, as a real network and a busy Meta produce them.

An ASGI middleware around the simulator: only `POST /{version}/{number}/messages` is touched; the
rest (templates, stats, the webhooks it posts) behaves. Each send draws from a seeded generator,
so a run with the same seed and the same order of sends meets the same faults:

- 429 and 500: refused before the send is looked at, so nothing was sent (Meta's 130429 and its
  generic 131000); a client must try again later.
- slow: answered after `slow_seconds`, the send itself taken as usual.
- drop: the send is taken (a webhook will say so), then the connection is cut in the middle of the
  answer: the client cannot know whether it went, and must not send it again on its own.
"""

import asyncio
import contextlib
import json
import random
import re
from collections import Counter
from dataclasses import dataclass, field

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_SENDS = re.compile(r"^/[^/]+/[^/]+/messages$")
# Meta's own codes: its throughput limit, and "something went wrong" (try again).
_REFUSALS = {
    429: (130429, "(#130429) Rate limit hit"),
    500: (131000, "(#131000) Something went wrong"),
}


@dataclass(frozen=True)
class FaultRates:
    """Shares of sends, between 0 and 1, that meet each fault; `seed` makes the draws repeatable."""

    refuse_429: float = 0.0
    refuse_500: float = 0.0
    slow: float = 0.0
    slow_seconds: float = 2.0
    drop: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        shares = (self.refuse_429, self.refuse_500, self.slow, self.drop)
        if any(not 0 <= share <= 1 for share in shares) or sum(shares) > 1:
            raise ValueError("fault rates are shares between 0 and 1, and add up to 1 at most")

    @property
    def any(self) -> bool:
        """Whether any fault is injected at all."""
        return any((self.refuse_429, self.refuse_500, self.slow, self.drop))


@dataclass
class FaultInjector:
    """The middleware; `injected` counts each fault met, for /_simulator/faults and the tests."""

    app: ASGIApp
    rates: FaultRates
    injected: Counter[str] = field(default_factory=Counter)
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.rates.seed)  # noqa: S311 - repeatable faults, not secrets

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Sends meet their drawn fault; /_simulator/faults answers the counts; the rest passes through."""
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if scope["path"] == "/_simulator/faults":
            return await _json(send, 200, dict(self.injected))
        if scope["method"] != "POST" or not _SENDS.match(scope["path"]):
            return await self.app(scope, receive, send)
        fault = self._draw()
        if fault:
            self.injected[fault] += 1
        if fault in ("429", "500"):
            code, message = _REFUSALS[int(fault)]
            body = {"error": {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "FAULT"}}
            return await _json(send, int(fault), body)
        if fault == "slow":
            await asyncio.sleep(self.rates.slow_seconds)
        if fault == "drop":
            # The ASGI server sees the application end with its answer unfinished: it closes the connection.
            with contextlib.suppress(_ConnectionCut):
                await self.app(scope, receive, _cut_after_headers(send))
            return None
        return await self.app(scope, receive, send)

    def _draw(self) -> str:
        """Which fault this send meets, if any: one draw against the rates laid end to end."""
        drawn, edge = self.rng.random(), 0.0
        for name, share in (
            ("429", self.rates.refuse_429),
            ("500", self.rates.refuse_500),
            ("slow", self.rates.slow),
            ("drop", self.rates.drop),
        ):
            edge += share
            if drawn < edge:
                return name
        return ""


class _ConnectionCut(Exception):
    """The answer's body is not sent: the connection is to close with the answer unfinished."""


def _cut_after_headers(send: Send) -> Send:
    """The answer's status and headers go out, promising a body that never comes."""

    async def cut(message: Message) -> None:
        if message["type"] != "http.response.start":
            raise _ConnectionCut
        await send(message)

    return cut


async def _json(send: Send, status: int, body: object) -> None:
    raw = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": raw})
