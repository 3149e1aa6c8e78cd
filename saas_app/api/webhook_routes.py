"""`/webhooks/whatsapp`: Meta's subscription handshake and its signed event POSTs."""

import asyncio
import logging
import re
import time

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from saas_app import metrics
from saas_app.db import get_engine, session_scope
from saas_app.services import webhooks

router = APIRouter()
PATH = "/webhooks/whatsapp"
log = logging.getLogger(__name__)
MAX_BODY = 3_000_000  # Meta batches up to 1,000 updates in a POST; far under this
MAX_GROUP = 500  # POSTs written in one transaction at most
WRITERS = {"postgresql": 2}  # groups written at once, by database (see _Ingester); 1 for any other
SECOND_GROUP_AT = 8  # POSTs waiting before a second group starts: worth its transaction's fixed cost
# Meta's Unix timestamp on each status and message of a POST, read from the raw bytes: a find and an
# anchored match cost a fraction of parsing the JSON again (the service parsed it, and keeps what it needs).
_TIMESTAMP_KEY = b'"timestamp"'
_TIMESTAMP_VALUE = re.compile(rb'\s*:\s*"(\d{1,12})"')


class _Ingester:
    """Group commit: POSTs that arrive while a group is being written go in the next one.

    Each POST is answered only once its transaction has committed, so a 200 always means stored.
    At a trickle a group holds one POST; under a campaign's burst, hundreds share one commit.
    On PostgreSQL a second group is written while the first waits for the database, once enough POSTs
    wait to be worth a transaction of their own (bench/webhooks.py, 64 POSTs in flight: ~4,100 events/s
    with one group at a time, 5,100-5,900 with two; at 16 in flight, a second group of 1-7 POSTs cost
    more than it saved: 2,400 events/s against 2,500-2,900 from SECOND_GROUP_AT). Two groups lock their
    messages, and the counter rows their one UPDATE moves, in one order (services.webhooks), as the
    groups of two backends always could. SQLite writes one transaction at a time whatever the number.
    """

    def __init__(self, writers: int) -> None:
        self._waiting: list[tuple[bytes, str, asyncio.Future[webhooks.Outcome]]] = []
        self._writers: set[asyncio.Task[None]] = set()
        self._most_writers = writers

    async def submit(self, raw: bytes, signature: str) -> webhooks.Outcome:
        answer: asyncio.Future[webhooks.Outcome] = asyncio.get_running_loop().create_future()
        self._waiting.append((raw, signature, answer))
        # Those still writing: a writer that just found nothing left is done, its done-callbacks still to run.
        self._writers = {writer for writer in self._writers if not writer.done()}
        if not self._writers or (len(self._writers) < self._most_writers and len(self._waiting) >= SECOND_GROUP_AT):
            self._writers.add(asyncio.create_task(self._write_all()))
        return await answer

    async def _write_all(self) -> None:
        while self._waiting:
            group, self._waiting = self._waiting[:MAX_GROUP], self._waiting[MAX_GROUP:]
            await self._write(group)

    async def _write(self, group: list[tuple[bytes, str, asyncio.Future[webhooks.Outcome]]]) -> None:
        """One transaction for the group; if it fails, one each, so that no POST fails another's events."""
        try:
            outcomes = await run_in_threadpool(_receive, [(raw, signature) for raw, signature, _ in group])
        except Exception as failure:  # noqa: BLE001 - handed to the POST's answer; `events` logs it
            if len(group) > 1:
                for post in group:
                    await self._write([post])
                return
            if not group[0][2].done():  # answered 500 and logged by `events`: Meta posts it again later
                group[0][2].set_exception(failure)
            return
        applied_at = time.time()
        for (raw, _, answer), outcome in zip(group, outcomes, strict=True):
            if outcome.http_status == 200:
                _observe_lag(raw, applied_at)
            if not answer.done():
                answer.set_result(outcome)


def _observe_lag(raw: bytes, applied_at: float) -> None:
    """Meta's timestamp to committed, per event of an accepted POST (a clock ahead of ours counts as 0)."""
    at = raw.find(_TIMESTAMP_KEY)
    while at >= 0:
        at += len(_TIMESTAMP_KEY)
        if stamp := _TIMESTAMP_VALUE.match(raw, at):
            metrics.WEBHOOK_LAG_SECONDS.observe(max(applied_at - int(stamp[1]), 0.0))
        at = raw.find(_TIMESTAMP_KEY, at)


def _receive(posts: list[tuple[bytes, str]]) -> list[webhooks.Outcome]:
    """Off the event loop: in the app's own process, pages keep answering while webhooks pour in."""
    with session_scope() as session:
        return webhooks.receive_many(session, posts, commit=True)


# One per event loop: the app's process has one; tests that start several apps get one each.
_ingesters: dict[asyncio.AbstractEventLoop, _Ingester] = {}


def _ingester() -> _Ingester:
    loop = asyncio.get_running_loop()
    if loop not in _ingesters:
        _ingesters.clear()  # a previous loop (a finished test) is gone
        _ingesters[loop] = _Ingester(WRITERS.get(get_engine().dialect.name, 1))
    return _ingesters[loop]


@router.get(PATH)
async def subscribe(request: Request) -> Response:
    """Meta's subscription handshake: its challenge echoed back only for a verify token we issued."""
    with session_scope() as session:
        challenge = webhooks.verify_subscription(session, dict(request.query_params))
    if challenge is None:
        return PlainTextResponse("verify token refused", status_code=403)
    return PlainTextResponse(challenge)


async def events(scope: Scope, receive: Receive, send: Send) -> None:
    """POST /webhooks/whatsapp, in plain ASGI: answered once stored (200) or refused (400/401/403/413).

    During a campaign Meta posts thousands a second, mostly one status each; Starlette's Request and
    Response objects, the session cookie, the per-prefix body limits and FastAPI's routing cost each
    POST more than storing it does (measured with bench/webhooks.py), so this runs ahead of them all.
    """
    declared, signature = _header(scope, b"content-length"), _header(scope, b"x-hub-signature-256")
    if declared.isdigit() and int(declared) > MAX_BODY:
        return await _answer(send, 413, b"too large")
    try:
        raw = await _body(receive)
    except _HungUp:
        return  # nothing to answer; Meta posts it again
    if raw is None:
        return await _answer(send, 413, b"too large")
    try:
        outcome = await _ingester().submit(raw, signature.decode("latin-1"))
    except Exception:  # logged here, in the POST's own context (its request id); Meta posts a 5xx again
        log.exception("webhook POST failed: not stored, answered 500 for Meta to post it again")
        return await _answer(send, 500, b"not stored, try again")
    await _answer(send, outcome.http_status, b"ok" if outcome.http_status == 200 else b"refused")


def _header(scope: Scope, name: bytes) -> bytes:
    """The first value of a header; ASGI servers give the names lower-cased."""
    return next((value for key, value in scope["headers"] if key == name), b"")


class _HungUp(Exception):
    """The client went away before its whole body arrived."""


async def _body(receive: Receive) -> bytes | None:
    """The whole body, or None once it grows past MAX_BODY (whatever Content-Length claimed)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _HungUp
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _answer(send: Send, status: int, text: bytes) -> None:
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(text)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": text})


class EventsFirst:
    """ASGI: Meta's event POSTs go to `events`, everything else to the app (see api.app._Api)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Meta's event POSTs skip the app's middleware and routing; every other request goes to the app."""
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == PATH:
            await events(scope, receive, send)
        else:
            await self.app(scope, receive, send)
