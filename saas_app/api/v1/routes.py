"""`/api/v1`: debtors, invoices, payments, campaigns and messages for a tenant's other systems."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.routing import APIRoute
from sqlmodel import Session
from starlette.responses import Response
from starlette.routing import Match

from saas_app.api.v1.calls import PREFIX, Caller, caller, cursor_of, error_response, position_of
from saas_app.api.v1.schemas import (
    MAX_ID,
    BulkInvoicesIn,
    BulkInvoicesOut,
    CampaignOut,
    CampaignStatsOut,
    DebtorIn,
    DebtorOut,
    DebtorPatch,
    ErrorOut,
    Instant,
    InvoiceIn,
    InvoiceOut,
    InvoicePatch,
    IsoDate,
    ListOut,
    MessageOut,
    PaymentIn,
    PaymentOut,
    ReplyOut,
)
from saas_app.i18n import N_
from saas_app.models import Invoice
from saas_app.models.base import utcnow
from saas_app.services import campaigns, debtors, inbox, invoices
from saas_app.services.context import OrgContext
from saas_app.services.errors import ServiceError
from saas_app.services.paging import MAX_PAGE, Slice

_REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "No API key, or an unknown or revoked one"},
    403: {"model": ErrorOut, "description": "The key lacks the scope this needs"},
    404: {"model": ErrorOut, "description": "No such row in your organization"},
    422: {"model": ErrorOut, "description": "A field is missing or wrong: `error.field` says which"},
}
_WRITE_REFUSALS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "The body is not JSON in UTF-8"},
    409: {"model": ErrorOut, "description": "Another row has this phone or number, or the Idempotency-Key was reused"},
    413: {"model": ErrorOut, "description": "The body is over the size limit"},
}
router = APIRouter(prefix=PREFIX, responses=_REFUSALS)
write_router = APIRouter(prefix=PREFIX, responses={**_REFUSALS, **_WRITE_REFUSALS})

Call = Annotated[Caller, Depends(caller)]
RowId = Annotated[int, Path(ge=1, le=MAX_ID)]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Rows per page")]
Cursor = Annotated[str | None, Query(max_length=100, description="next_cursor of the previous page")]
NO_NUL = r"^[^\x00]*$"  # PostgreSQL cannot compare text with NUL in it: refused as input instead
# A reference in the path: no control characters (the server in front does not route a line break).
PATH_TEXT = r"^[^\x00-\x1f\x7f]*$"
Filter = Annotated[str | None, Query(max_length=100, pattern=NO_NUL)]
InvoiceStatus = Literal["open", "partially_paid", "paid", "promised", "disputed", "written_off"]
Since = Annotated[Instant | None, Query(description="Changed at or after this instant, in ISO 8601 with its zone")]


def _listing(slice_: Slice[Any], out: Any) -> ListOut[Any]:
    return ListOut[out](
        data=[out.model_validate(row) for row in slice_.items], next_cursor=cursor_of(slice_.next_after)
    )


# Debtors


@router.get("/debtors", response_model=ListOut[DebtorOut], tags=["debtors"])
def list_debtors(
    call: Call,
    limit: Limit = 50,
    cursor: Cursor = None,
    external_ref: Filter = None,
    phone: Filter = None,
    updated_since: Since = None,
) -> Any:
    """The organization's debtors a page at a time, filtered by reference, phone or last change."""

    def work(session: Session, ctx: OrgContext) -> ListOut[DebtorOut]:
        found = debtors.scan_debtors(
            session,
            ctx,
            after=position_of(cursor),
            limit=limit,
            external_ref=external_ref,
            phone=phone,
            updated_since=updated_since,
        )
        return _listing(found, DebtorOut)

    return call.read(work)


@router.get("/debtors/{debtor_id:int}", response_model=DebtorOut, tags=["debtors"])
def get_debtor(call: Call, debtor_id: RowId) -> Any:
    """One of the organization's debtors; 404 for any other id."""
    return call.read(lambda session, ctx: DebtorOut.model_validate(debtors.get_debtor(session, ctx, debtor_id)))


def _debtor_input(body: DebtorIn) -> debtors.DebtorInput:
    return debtors.DebtorInput(**body.model_dump())


@write_router.post("/debtors", status_code=201, response_model=DebtorOut, tags=["debtors"])
def create_debtor(call: Call, body: DebtorIn) -> Response:
    """A new debtor, validated as the web form validates it; replayable with an Idempotency-Key."""
    return call.write(
        lambda session, ctx: (201, DebtorOut.model_validate(debtors.create_debtor(session, ctx, _debtor_input(body)))),
        body,
    )


@write_router.put(
    "/debtors/by-ref/{external_ref:path}",
    response_model=DebtorOut,
    tags=["debtors"],
    responses={201: {"model": DebtorOut, "description": "Created"}},
    summary="Create or update the debtor with this external reference",
)
def upsert_debtor(
    call: Call, external_ref: Annotated[str, Path(min_length=1, max_length=100, pattern=PATH_TEXT)], body: DebtorIn
) -> Response:
    """The debtor with this external reference, created (201) or updated (200), so a sync can repeat safely."""

    def work(session: Session, ctx: OrgContext) -> tuple[int, DebtorOut]:
        data = _debtor_input(body)
        data.external_ref = external_ref
        debtor, created = debtors.upsert_by_external_ref(session, ctx, data)
        return (201 if created else 200), DebtorOut.model_validate(debtor)

    return call.write(work, body)


@write_router.patch("/debtors/{debtor_id:int}", response_model=DebtorOut, tags=["debtors"])
def update_debtor(call: Call, debtor_id: RowId, body: DebtorPatch) -> Response:
    """A debtor with only the fields sent changed; a field sent as null keeps its value."""

    def work(session: Session, ctx: OrgContext) -> tuple[int, DebtorOut]:
        data = debtors.input_of(debtors.get_debtor(session, ctx, debtor_id))
        for name, value in body.model_dump(exclude_unset=True).items():
            if value is not None:
                setattr(data, name, value)
        return 200, DebtorOut.model_validate(debtors.update_debtor(session, ctx, debtor_id, data))

    return call.write(work, body)


@write_router.post(
    "/debtors/{debtor_id:int}/opt-out",
    response_model=DebtorOut,
    tags=["debtors"],
    summary="Stop every message to this debtor",
)
def opt_out(call: Call, debtor_id: RowId) -> Response:
    """The debtor opted out: their pending reminders stop, and the audit log says the API did it."""
    return call.write(
        lambda session, ctx: (200, DebtorOut.model_validate(debtors.opt_out(session, ctx, debtor_id, source="api")))
    )


@router.get("/debtors/{debtor_id:int}/messages", response_model=ListOut[MessageOut], tags=["debtors"])
def debtor_messages(call: Call, debtor_id: RowId, limit: Limit = 50, cursor: Cursor = None) -> Any:
    """The messages sent to a debtor, a page at a time."""
    return call.read(
        lambda session, ctx: _listing(
            inbox.scan_sent(session, ctx, debtor_id, after=position_of(cursor), limit=limit), MessageOut
        )
    )


@router.get("/debtors/{debtor_id:int}/replies", response_model=ListOut[ReplyOut], tags=["debtors"])
def debtor_replies(call: Call, debtor_id: RowId, limit: Limit = 50, cursor: Cursor = None) -> Any:
    """What a debtor wrote back, a page at a time."""
    return call.read(
        lambda session, ctx: _listing(
            inbox.scan_replies(session, ctx, debtor_id, after=position_of(cursor), limit=limit), ReplyOut
        )
    )


# Invoices


@router.get("/invoices", response_model=ListOut[InvoiceOut], tags=["invoices"])
def list_invoices(
    call: Call,
    limit: Limit = 50,
    cursor: Cursor = None,
    status: Annotated[list[InvoiceStatus] | None, Query(max_length=6, description="One or more statuses")] = None,
    debtor_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    number: Filter = None,
    due_before: IsoDate | None = None,
    due_after: IsoDate | None = None,
    updated_since: Since = None,
) -> Any:
    """The organization's invoices a page at a time, filtered by status, debtor, number, due date or last change."""

    def work(session: Session, ctx: OrgContext) -> ListOut[InvoiceOut]:
        found = invoices.scan_invoices(
            session,
            ctx,
            after=position_of(cursor),
            limit=limit,
            statuses=tuple(status or ()),
            debtor_id=debtor_id,
            number=number,
            due_before=due_before,
            due_after=due_after,
            updated_since=updated_since,
        )
        return _listing(found, InvoiceOut)

    return call.read(work)


@router.get("/invoices/{invoice_id:int}", response_model=InvoiceOut, tags=["invoices"])
def get_invoice(call: Call, invoice_id: RowId) -> Any:
    """One of the organization's invoices; 404 for any other id."""
    return call.read(lambda session, ctx: InvoiceOut.model_validate(invoices.get_invoice(session, ctx, invoice_id)))


def _invoice_input(body: InvoiceIn) -> invoices.InvoiceInput:
    return invoices.InvoiceInput(**{**body.model_dump(), "debtor_id": body.debtor_id or 0})


@write_router.post("/invoices", status_code=201, response_model=InvoiceOut, tags=["invoices"])
def create_invoice(call: Call, body: InvoiceIn) -> Response:
    """A new invoice for a debtor given by id or external_ref; replayable with an Idempotency-Key."""
    return call.write(
        lambda session, ctx: (
            201,
            InvoiceOut.model_validate(invoices.create_invoice(session, ctx, _invoice_input(body))),
        ),
        body,
    )


@write_router.put(
    "/invoices/by-number/{number:path}",
    response_model=InvoiceOut,
    tags=["invoices"],
    responses={201: {"model": InvoiceOut, "description": "Created"}},
    summary="Create or update the invoice with this number",
)
def upsert_invoice(
    call: Call, number: Annotated[str, Path(min_length=1, max_length=60, pattern=PATH_TEXT)], body: InvoiceIn
) -> Response:
    """The invoice with this number, created (201) or updated (200), so a sync can repeat safely."""

    def work(session: Session, ctx: OrgContext) -> tuple[int, InvoiceOut]:
        data = _invoice_input(body)
        data.number = number
        invoice, created = invoices.upsert_by_number(session, ctx, data)
        return (201 if created else 200), InvoiceOut.model_validate(invoice)

    return call.write(work, body)


@write_router.post(
    "/invoices/bulk",
    response_model=BulkInvoicesOut,
    tags=["invoices"],
    summary="Create or update up to 1,000 invoices by number, all or none",
)
def bulk_invoices(call: Call, body: BulkInvoicesIn) -> Response:
    """Up to 1,000 invoices upserted by number in one transaction: all stored, or none and each refusal's index."""

    def work(session: Session, ctx: OrgContext) -> tuple[int, BulkInvoicesOut]:
        done = invoices.bulk_upsert(session, ctx, [_invoice_input(item) for item in body.invoices])
        created = sum(1 for _, is_new in done if is_new)
        return 200, BulkInvoicesOut(
            created=created,
            updated=len(done) - created,
            invoices=[InvoiceOut.model_validate(invoice) for invoice, _ in done],
        )

    return call.write(work, body)


@write_router.patch("/invoices/{invoice_id:int}", response_model=InvoiceOut, tags=["invoices"])
def update_invoice(call: Call, invoice_id: RowId, body: InvoicePatch) -> Response:
    """An invoice's fields and status changed in one transaction; only a payment can make it paid."""

    def work(session: Session, ctx: OrgContext) -> tuple[int, InvoiceOut]:
        changes = body.model_dump(exclude_unset=True)
        status, promised_on = changes.pop("status", None), changes.pop("promised_on", None)
        if changes:
            data = invoices.input_of(invoices.get_invoice(session, ctx, invoice_id))
            if changes.get("debtor_ref"):
                data.debtor_id = 0
            for name, value in changes.items():
                if value is not None or name == "issued_on":
                    setattr(data, name, value)
            invoices.update_invoice(session, ctx, invoice_id, data)
        if status is not None:
            invoices.change_status(session, ctx, invoice_id, status, promised_on=promised_on)
        return 200, InvoiceOut.model_validate(invoices.get_invoice(session, ctx, invoice_id))

    return call.write(work, body)


# Payments


@router.get("/payments", response_model=ListOut[PaymentOut], tags=["payments"])
def list_payments(
    call: Call,
    limit: Limit = 50,
    cursor: Cursor = None,
    invoice_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Any:
    """The organization's payments a page at a time, optionally one invoice's."""
    return call.read(
        lambda session, ctx: _listing(
            invoices.scan_payments(session, ctx, after=position_of(cursor), limit=limit, invoice_id=invoice_id),
            PaymentOut,
        )
    )


@router.get("/payments/{payment_id:int}", response_model=PaymentOut, tags=["payments"])
def get_payment(call: Call, payment_id: RowId) -> Any:
    """One of the organization's payments; 404 for any other id."""
    return call.read(lambda session, ctx: PaymentOut.model_validate(invoices.get_payment(session, ctx, payment_id)))


@write_router.post(
    "/payments",
    status_code=201,
    response_model=PaymentOut,
    tags=["payments"],
    responses={200: {"model": PaymentOut, "description": "This external_id was recorded before: that payment"}},
    summary="Record a payment against an invoice; the invoice's reminders adjust or stop",
)
def create_payment(call: Call, body: PaymentIn) -> Response:
    """A payment recorded once per external_id (a repeat answers 200 with the first), and reminders adjusted."""

    def work(session: Session, ctx: OrgContext) -> tuple[int, PaymentOut]:
        invoice = _invoice_of_payment(session, ctx, body)
        payment, created = invoices.record_payment(
            session,
            ctx,
            invoice.id or 0,
            amount_minor=body.amount_minor,
            paid_on=body.paid_on or utcnow().date(),
            method=body.method,
            source="api",
            external_id=body.external_id,
        )
        return (201 if created else 200), PaymentOut.model_validate(payment)

    return call.write(work, body)


def _invoice_of_payment(session: Session, ctx: OrgContext, body: PaymentIn) -> Invoice:
    if body.invoice_id is not None:
        return invoices.get_invoice(session, ctx, body.invoice_id)
    found = invoices.find_by_number(session, ctx, body.invoice_number.strip()) if body.invoice_number.strip() else None
    if found is None:
        raise ServiceError(N_("Say which invoice was paid: its id or number."), field="invoice_id")
    return found


# Campaigns


@router.get("/campaigns", response_model=ListOut[CampaignOut], tags=["campaigns"])
def list_campaigns(
    call: Call,
    limit: Limit = 50,
    cursor: Cursor = None,
    status: Annotated[str | None, Query(pattern=r"^(running|paused|finished|cancelled)$")] = None,
) -> Any:
    """The organization's campaigns a page at a time, optionally in one status."""
    return call.read(
        lambda session, ctx: _listing(
            campaigns.scan_campaigns(session, ctx, after=position_of(cursor), limit=limit, status=status), CampaignOut
        )
    )


@router.get("/campaigns/{campaign_id:int}", response_model=CampaignOut, tags=["campaigns"])
def get_campaign(call: Call, campaign_id: RowId) -> Any:
    """One campaign with its figures: messages by stage, replies and payments."""

    def work(session: Session, ctx: OrgContext) -> CampaignOut:
        campaign = campaigns.get_campaign(session, ctx, campaign_id)
        stats = campaigns.campaign_stats(session, ctx, campaign_id)
        return CampaignOut.model_validate({**campaign.model_dump(), "stats": CampaignStatsOut.model_validate(stats)})

    return call.read(work)


# Last: any other path or method under /api/v1 gets a JSON answer, not the web app's page.
fallback_router = APIRouter(prefix=PREFIX, include_in_schema=False)
_EVERY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


@fallback_router.api_route("/{rest:path}", methods=_EVERY_METHOD)
def elsewhere(request: Request) -> Response:
    """Any other path or method under /api/v1: a JSON 405 with Allow when the path exists, else a JSON 404."""
    allowed = _methods_of(request)
    if allowed:
        return error_response(405, "method_not_allowed", "Method Not Allowed", headers={"Allow": allowed})
    return error_response(404, "not_found", "Not Found")


def _methods_of(request: Request) -> str:
    """The methods this path takes, from every route of the API (they live in two routers)."""
    methods: set[str] = set()
    for route in [*router.routes, *write_router.routes]:
        if isinstance(route, APIRoute) and route.matches(request.scope)[0] != Match.NONE:
            methods |= route.methods or set()
    return ", ".join(sorted(methods))
