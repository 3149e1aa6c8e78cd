"""The REST API's bodies: what a client may send (strict, bounded) and what it gets back."""

import re
from datetime import date, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    computed_field,
    model_validator,
)

from saas_app.services.debtors import OPT_IN_SOURCES

MAX_ID = 2**31 - 1  # ids are 32-bit integers in the database
MAX_AMOUNT = 10**15  # minor units; far above any invoice, far below the database's 64-bit integers
MAX_BULK = 1000

# Strict in bodies: true is not 1 and "100" is not 100; a client that sends them has a bug to hear about.
Id = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
Amount = Annotated[StrictInt, Field(ge=1, le=MAX_AMOUNT)]
Currency = Annotated[str, Field(pattern=r"^[A-Za-z]{3}$", examples=["EUR"])]


def _iso_text(value: Any) -> Any:
    """Dates and instants only as ISO 8601 text: pydantic would also read a bare number as a Unix time."""
    if not isinstance(value, str | date) or (isinstance(value, str) and not re.match(r"^\d{4}-\d{2}-\d{2}", value)):
        raise ValueError("use ISO 8601: 2026-11-23, or 2026-11-23T09:00:00Z for an instant")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_text)]
Instant = Annotated[AwareDatetime, BeforeValidator(_iso_text)]
# Each kept as sent (true stays a boolean); numbers finite, since NaN and Infinity are not JSON.
AttributeValue = (
    Annotated[StrictStr, Field(max_length=500)]
    | StrictBool
    | StrictInt
    | Annotated[StrictFloat, Field(allow_inf_nan=False)]
    | None
)


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _storable(value: Any) -> None:
    """Text the databases cannot store (NUL; lone surrogates, which JSON allows): refused here, not at write."""
    if isinstance(value, str) and _UNSTORABLE.search(value):
        raise ValueError("text may not contain NUL characters or unpaired surrogates")
    if isinstance(value, dict):
        for key, item in value.items():
            _storable(key)
            _storable(item)
    elif isinstance(value, list):
        for item in value:
            _storable(item)


class Body(BaseModel):
    """A request body: unknown fields are refused so that a typo does not pass silently."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _only_storable_text(cls, data: Any) -> Any:
        _storable(data)
        return data


class DebtorFields(Body):
    email: str = Field("", max_length=254)
    locale: str = Field(
        "",
        max_length=10,
        description="A CLDR locale of English, Italian, Spanish, Portuguese or French (es_MX, pt_BR, fr_CA, it...): "
        "amounts and dates are written for it; the organization's language if empty",
    )
    timezone: str = Field("", max_length=64, description="An IANA zone; the organization's if empty")
    external_ref: str = Field("", max_length=100, description="The debtor's id in your system")
    tags: list[Annotated[str, Field(max_length=40)]] = Field(default_factory=list, max_length=50)
    attributes: dict[Annotated[str, Field(max_length=60)], AttributeValue] = Field(default_factory=dict, max_length=50)
    opt_in_source: Literal[OPT_IN_SOURCES] | Literal[""] = Field(  # type: ignore[valid-type]
        "", description="Where the debtor agreed to receive WhatsApp messages"
    )
    opted_in_at: Instant | None = None


class DebtorIn(DebtorFields):
    name: str = Field(min_length=1, max_length=200)
    phone: str = Field(min_length=1, max_length=32, description="E.164, or national for the organization's country")


class DebtorPatch(Body):
    name: str | None = Field(None, min_length=1, max_length=200)
    phone: str | None = Field(None, min_length=1, max_length=32)
    email: str | None = Field(None, max_length=254)
    locale: str | None = Field(None, max_length=10, description="A CLDR locale, such as es_MX or fr_CA")
    timezone: str | None = Field(None, max_length=64)
    external_ref: str | None = Field(None, max_length=100)
    tags: list[Annotated[str, Field(max_length=40)]] | None = Field(None, max_length=50)
    attributes: dict[Annotated[str, Field(max_length=60)], AttributeValue] | None = Field(None, max_length=50)
    opt_in_source: Literal[OPT_IN_SOURCES] | None = None  # type: ignore[valid-type]
    opted_in_at: Instant | None = None


class Out(BaseModel):
    """An answer, read straight from a row's attributes."""

    model_config = ConfigDict(from_attributes=True)


class DebtorOut(Out):
    id: int
    external_ref: str
    name: str
    phone: str
    email: str
    locale: str
    timezone: str
    country: str
    tags: list[str]
    attributes: dict[str, Any]
    behaviour: str
    opt_in_source: str
    opted_in_at: datetime | None
    opted_out_at: datetime | None
    created_at: datetime
    updated_at: datetime


class InvoiceIn(Body):
    debtor_id: Id | None = Field(None, description="Either the debtor's id here...")
    debtor_ref: str = Field("", max_length=100, description="...or its external_ref")
    number: str = Field(min_length=1, max_length=60)
    amount_minor: Amount = Field(description="In minor units: 1234 is 12.34 EUR")
    currency: Currency
    due_on: IsoDate
    issued_on: IsoDate | None = None
    service: str = Field("", max_length=200)
    payment_link: str = Field("", max_length=500)
    document_url: str = Field("", max_length=500, description="The invoice's PDF (https), sent in the chat on request")


class InvoicePatch(Body):
    debtor_id: Id | None = None
    debtor_ref: str | None = Field(None, max_length=100)
    number: str | None = Field(None, min_length=1, max_length=60)
    amount_minor: Amount | None = None
    currency: Currency | None = None
    due_on: IsoDate | None = None
    issued_on: IsoDate | None = None
    service: str | None = Field(None, max_length=200)
    payment_link: str | None = Field(None, max_length=500)
    document_url: str | None = Field(None, max_length=500)
    status: Literal["open", "promised", "disputed", "written_off"] | None = Field(
        None, description="Payments change the status to paid; record them with POST /payments"
    )
    promised_on: IsoDate | None = Field(None, description="With status promised: the date the debtor promised")


class InvoiceOut(Out):
    id: int
    debtor_id: int
    number: str
    service: str
    amount_minor: int
    paid_minor: int
    currency: str
    issued_on: date | None
    due_on: date
    status: str
    promised_on: date | None
    payment_link: str
    document_url: str
    created_at: datetime
    updated_at: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def outstanding_minor(self) -> int:
        """What is still owed, in minor units; never below zero when overpaid."""
        return max(self.amount_minor - self.paid_minor, 0)


class BulkInvoicesIn(Body):
    invoices: list[InvoiceIn] = Field(min_length=1, max_length=MAX_BULK)


class BulkInvoicesOut(BaseModel):
    created: int
    updated: int
    invoices: list[InvoiceOut]


class PaymentIn(Body):
    invoice_id: Id | None = Field(None, description="Either the invoice's id here...")
    invoice_number: str = Field("", max_length=60, description="...or its number")
    amount_minor: Amount
    paid_on: IsoDate | None = Field(None, description="Today if empty")
    method: str = Field("", max_length=40)
    external_id: str | None = Field(
        None, min_length=1, max_length=120, description="Your payment's id: sent again, it is not counted twice"
    )


class PaymentOut(Out):
    id: int
    invoice_id: int
    amount_minor: int
    currency: str
    paid_on: date
    method: str
    source: str
    external_id: str | None
    created_at: datetime


class CampaignStatsOut(Out):
    invoices: int
    scheduled: int
    sent: int
    delivered: int
    read: int
    failed: int
    expired: int = Field(description="Not sent in time, so dropped; the next step took over")
    replied: int
    paid: int
    paid_minor: dict[str, int]
    last_send_at: datetime | None = Field(description="When the last message planned so far goes out")


class CampaignOut(Out):
    id: int
    name: str
    status: str
    cadence_id: int
    segment_id: int | None
    created_at: datetime
    stats: CampaignStatsOut | None = Field(None, description="In GET /campaigns/{id} only")


class MessageOut(Out):
    id: int
    campaign_id: int | None
    invoice_id: int | None
    status: str
    language: str
    text: str
    scheduled_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None
    read_at: datetime | None
    failed_at: datetime | None
    error_code: str
    error_message: str


class ReplyOut(Out):
    id: int
    kind: str
    text: str
    intent: str
    promised_on: date | None
    received_at: datetime
    handled_at: datetime | None


Item = TypeVar("Item")


class ListOut(BaseModel, Generic[Item]):
    data: list[Item]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page; null on the last")


class ErrorDetail(BaseModel):
    field: str
    message: str
    index: int | None = Field(None, description="In a bulk request: the position of the refused item")


class ErrorBody(BaseModel):
    code: str
    message: str
    field: str = ""
    details: list[ErrorDetail] = Field(default_factory=list)


class ErrorOut(BaseModel):
    error: ErrorBody
