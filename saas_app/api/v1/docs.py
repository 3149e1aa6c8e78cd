"""The API described: an OpenAPI document for machines, a page for people, both from the same routes."""

import html
import re
from functools import cache
from typing import Any

from fastapi import APIRouter
from fastapi.openapi.utils import get_openapi
from starlette.responses import HTMLResponse, JSONResponse

from saas_app.api.v1 import routes
from saas_app.api.v1.calls import PREFIX
from saas_app.api.v1.schemas import MAX_BULK

router = APIRouter(prefix=PREFIX, include_in_schema=False)

GUIDE = f"""
Every request carries an API key made in Settings → API keys: `Authorization: Bearer cobro_...`.
A key with the **read** scope can list and fetch; one with **write** can create and change.
Keys belong to one organization and see nothing else: another organization's id answers 404.

**Money** is an integer in minor units with its ISO 4217 code: `{{"amount_minor": 12345, "currency": "EUR"}}`
is 123.45 €. **Dates** are `YYYY-MM-DD`; instants are ISO 8601 with their zone, returned in UTC.

**Listings** return `{{"data": [...], "next_cursor": "..."}}`, oldest first; pass `?cursor=` to get the next
page, up to 200 rows with `?limit=`. A null `next_cursor` is the last page.

**Errors** have one shape: `{{"error": {{"code", "message", "field", "details"}}}}`. 401: no key or a revoked
one; 403: the key lacks the scope; 404: no such row in your organization; 409: the phone or invoice number
is taken, or an Idempotency-Key was reused for another request; 413: the body is too large; 422: `field`
says what is wrong and `message` why (in the language of `Accept-Language`).

**Retries**: send an `Idempotency-Key` header (any unique text up to 255 characters) with a POST, PUT or
PATCH; retried with the same key within 24 hours, the request is not done again and the first answer comes
back with `Idempotent-Replayed: true`.

**Upserts**: `PUT /debtors/by-ref/{{external_ref}}` and `PUT /invoices/by-number/{{number}}` create the row or
update it; `POST /invoices/bulk` does that for up to {MAX_BULK:,} invoices, all or none. Payments are not
changed once recorded: a payment sent again with the same `external_id` is answered with the first one.

**Payment webhooks**: a bank or gateway without Stripe's format posts to the endpoint URL shown in
Settings → Payments, with a `Cobro-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "t.body">` header
made with the signing secret shown there (Stripe's own scheme), a body such as
`{{"id": "evt-1", "type": "payment.succeeded", "data": {{"invoice_number": "2026-0042",
"amount_minor": 125000, "currency": "BRL", "paid_on": "2026-12-01", "method": "pix",
"payment_id": "E2E-9"}}}}`. Each event id is applied once; signatures older than five minutes are refused.

**Events to your systems**: URLs added in Settings → Webhooks receive `message.status_changed`,
`reply.received`, `invoice.paid` and `debtor.opted_out` as `{{"id": "evt_...", "type": "...", "created": <unix
time>, "data": {{...}}}}`, with `Cobro-Event`, `Cobro-Delivery` (the event id, the same on every retry: use it
to skip repeats) and `Cobro-Signature`, made as above with the secret shown when the URL was added. A 2xx
answer within 10 seconds counts as delivered; anything else is retried after 1 and 5 minutes, half an hour,
2, 8 and 24 hours, then given up. Each attempt is listed in Settings → Webhooks.
"""


@cache
def openapi_document() -> dict[str, Any]:
    """The OpenAPI description of /api/v1, built once from the routes themselves."""
    return get_openapi(
        title="Cobro API",
        version="1",
        description=GUIDE,
        routes=[*routes.router.routes, *routes.write_router.routes],
    )


@router.get("/openapi.json")
def openapi_json() -> JSONResponse:
    """The OpenAPI document, for clients and code generators."""
    return JSONResponse(openapi_document())


def _schema_name(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if schema.get("type") == "array":
        return f"list of {_schema_name(schema.get('items', {}))}"
    if "anyOf" in schema:
        return " or ".join(_schema_name(option) for option in schema["anyOf"])
    return str(schema.get("type", "any"))


def _operation(method: str, path: str, operation: dict[str, Any]) -> str:
    parameters = "".join(
        f"<li><code>{html.escape(p['name'])}</code> ({p['in']}, {html.escape(_schema_name(p.get('schema', {})))})"
        f"{' — ' + html.escape(p.get('description', '')) if p.get('description') else ''}</li>"
        for p in operation.get("parameters", [])
    )
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    answers = ", ".join(html.escape(code) for code in operation.get("responses", {}))
    return (
        f'<section id="{html.escape(operation.get("operationId", ""))}">'
        f'<h3><span class="method">{method.upper()}</span> <code>{html.escape(path)}</code></h3>'
        f"<p>{html.escape(operation.get('summary', ''))}</p>"
        + (f"<ul>{parameters}</ul>" if parameters else "")
        + (f"<p>Body: <code>{html.escape(_schema_name(body))}</code></p>" if body else "")
        + f"<p class=muted>Answers: {answers}</p></section>"
    )


def _schema(name: str, schema: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><td><code>{html.escape(field)}</code></td><td>{html.escape(_schema_name(spec))}</td>"
        f"<td>{'required' if field in schema.get('required', []) else ''}</td>"
        f"<td>{html.escape(spec.get('description', ''))}</td></tr>"
        for field, spec in schema.get("properties", {}).items()
    )
    return f'<section id="schema-{html.escape(name)}"><h3>{html.escape(name)}</h3><table>{rows}</table></section>'


def _inline_markup(text: str) -> str:
    """The guide's little Markdown (**bold**, `code`), as the OpenAPI description also carries it."""
    text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", text)


@cache
def docs_page() -> str:
    """The API reference for people as one static HTML page, built once from the OpenAPI document."""
    document = openapi_document()
    operations = "".join(
        _operation(method, path, operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    )
    schemas = "".join(_schema(name, schema) for name, schema in document["components"]["schemas"].items())
    guide = _inline_markup(html.escape(GUIDE, quote=False)).replace("\n\n", "</p><p>")
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Cobro API</title>
<style>body{{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#1c2024}}
code{{background:#f0f0f3;padding:0 .25em;border-radius:3px}}.method{{color:#0d74ce}}.muted{{color:#60646c}}
table{{border-collapse:collapse;width:100%}}td{{border-top:1px solid #e0e1e6;padding:.25rem .5rem;vertical-align:top}}
section{{margin:1.25rem 0}}</style></head><body>
<h1>Cobro API</h1><p>{guide}</p>
<p>The machine-readable description: <a href="{PREFIX}/openapi.json">openapi.json</a>.</p>
<h2>Endpoints</h2>{operations}<h2>Bodies</h2>{schemas}</body></html>"""


@router.get("/docs")
def docs() -> HTMLResponse:
    """The API reference page."""
    return HTMLResponse(docs_page())
