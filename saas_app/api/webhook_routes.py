"""`/webhooks/whatsapp`: Meta's subscription handshake and its signed event POSTs."""

import asyncio
import logging

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from saas_app.db import session_scope
from saas_app.services import webhooks

router = APIRouter()
PATH = "/webhooks/whatsapp"
log = logging.getLogger(__name__)
MAX_BODY = 3_000_000  # Meta batches up to 1,000 updates in a POST; far under this
MAX_GROUP = 500  # POSTs written in one transaction at most


class _Ingester:
    """Group commit: POSTs that arrive while the previous group is being written go in the next one.

    Each POST is answered only once its transaction has committed, so a 200 always means stored.
    At a trickle a group holds one POST; under a campaign's burst, hundreds share one commit.
    """

    def __init__(self) -> None:
        self._waiting: list[tuple[bytes, str, asyncio.Future[webhooks.Outcome]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def submit(self, raw: bytes, signature: str) -> webhooks.Outcome:
        answer: asyncio.Future[webhooks.Outcome] = asyncio.get_running_loop().create_future()
        self._waiting.append((raw, signature, answer))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all())
        return await answer

    async def _write_all(self) -> None:
        while self._waiting:
            group, self._waiting = self._waiting[:MAX_GROUP], self._waiting[MAX_GROUP:]
            try:
                outcomes = await run_in_threadpool(_receive, [(raw, signature) for raw, signature, _ in group])
            except Exception as failure:  # every POST of the group gets a 500; Meta retries
                log.exception("webhook group of %d failed", len(group))
                for *_, answer in group:
                    if not answer.done():
                        answer.set_exception(failure)
                continue
            for (*_, answer), outcome in zip(group, outcomes, strict=True):
                if not answer.done():
                    answer.set_result(outcome)


def _receive(posts: list[tuple[bytes, str]]) -> list[webhooks.Outcome]:
    """Off the event loop: in the app's own process, pages keep answering while webhooks pour in."""
    with session_scope() as session:
        return webhooks.receive_many(session, posts)


# One per event loop: the app's process has one; tests that start several apps get one each.
_ingesters: dict[asyncio.AbstractEventLoop, _Ingester] = {}


def _ingester() -> _Ingester:
    loop = asyncio.get_running_loop()
    if loop not in _ingesters:
        _ingesters.clear()  # a previous loop (a finished test) is gone
        _ingesters[loop] = _Ingester()
    return _ingesters[loop]


@router.get(PATH)
async def subscribe(request: Request) -> Response:
    with session_scope() as session:
        challenge = webhooks.verify_subscription(session, dict(request.query_params))
    if challenge is None:
        return PlainTextResponse("verify token refused", status_code=403)
    return PlainTextResponse(challenge)


async def events(request: Request) -> Response:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        return PlainTextResponse("too large", status_code=413)
    raw = await request.body()
    if len(raw) > MAX_BODY:
        return PlainTextResponse("too large", status_code=413)
    try:
        outcome = await _ingester().submit(raw, request.headers.get("x-hub-signature-256", ""))
    except Exception:  # noqa: BLE001 - logged by the ingester; Meta retries on 5xx
        return PlainTextResponse("not stored, try again", status_code=500)
    return PlainTextResponse("ok" if outcome.http_status == 200 else "refused", status_code=outcome.http_status)


class EventsFirst:
    """An ASGI middleware: Meta's event POSTs go to `events` ahead of the app's other middleware and router.

    During a campaign they come thousands a second, mostly one status each, and the session cookie,
    the per-prefix body limits and FastAPI's routing cost each POST more than storing it does
    (measured with bench/webhooks.py). `events` checks the body size itself.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == PATH:
            response = await events(Request(scope, receive))
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
