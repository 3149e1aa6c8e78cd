"""`/webhooks/payments/{endpoint}`: a tenant's payment provider says an invoice was paid."""

from fastapi import APIRouter, Request
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from saas_app.db import session_scope
from saas_app.services import payment_webhooks

router = APIRouter()
PREFIX = "/webhooks/payments"
MAX_BODY = 1_000_000  # Stripe's events are a few kB


def _receive(public_id: str, headers: dict[str, str], raw: bytes) -> payment_webhooks.Received:
    try:
        with session_scope() as session:
            return payment_webhooks.receive(session, public_id, headers, raw)
    except IntegrityError:  # the same event delivered twice at once: the other delivery applied it
        return payment_webhooks.Received(200, "duplicate")


@router.post(PREFIX + "/{public_id}")
async def payment_event(public_id: str, request: Request) -> JSONResponse:
    """A provider's POST, applied off the event loop; its status code tells the provider whether to retry."""
    raw = await request.body()
    headers = {name.lower(): value for name, value in request.headers.items()}
    received = await run_in_threadpool(_receive, public_id[:40], headers, raw)
    return JSONResponse({"outcome": received.outcome, "reason": received.reason}, status_code=received.status_code)
