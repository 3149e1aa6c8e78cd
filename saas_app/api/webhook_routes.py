"""`/webhooks/whatsapp`: Meta's subscription handshake and its signed event POSTs."""

from fastapi import APIRouter, Request
from starlette.responses import PlainTextResponse, Response

from saas_app.db import session_scope
from saas_app.services import webhooks

router = APIRouter()
MAX_BODY = 3_000_000  # Meta batches up to 1,000 updates in a POST; far under this


@router.get("/webhooks/whatsapp")
async def subscribe(request: Request) -> Response:
    with session_scope() as session:
        challenge = webhooks.verify_subscription(session, dict(request.query_params))
    if challenge is None:
        return PlainTextResponse("verify token refused", status_code=403)
    return PlainTextResponse(challenge)


@router.post("/webhooks/whatsapp")
async def events(request: Request) -> Response:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        return PlainTextResponse("too large", status_code=413)
    raw = await request.body()
    if len(raw) > MAX_BODY:
        return PlainTextResponse("too large", status_code=413)
    with session_scope() as session:
        outcome = webhooks.receive(session, raw, request.headers.get("x-hub-signature-256", ""))
    return PlainTextResponse("ok" if outcome.http_status == 200 else "refused", status_code=outcome.http_status)
