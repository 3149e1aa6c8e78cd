"""Payment providers' events read as one thing: which invoice, how much, in what currency, under what id.

Stripe's `checkout.session.completed`, `payment_intent.succeeded` and `invoice.paid`, and our own
`payment.succeeded`. A Checkout payment arrives as both a session and its payment intent: both carry
the payment intent's id as the payment's external id, so it is counted once.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

PROVIDERS = ("stripe", "cobro")
STRIPE_TYPES = (
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "payment_intent.succeeded",
    "invoice.paid",
)


@dataclass(frozen=True)
class PaymentNotice:
    event_id: str
    event_type: str
    external_id: str  # the payment's id at the provider: a second event for it is not a second payment
    amount_minor: int
    currency: str
    paid_on: date
    invoice_id: int | None = None
    invoice_number: str = ""
    method: str = ""


@dataclass(frozen=True)
class Ignored:
    event_id: str
    event_type: str
    reason: str


def _text(value: Any, limit: int = 120) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def _amount(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= 10**15 else None


def _day(unix: Any) -> date:
    if isinstance(unix, int) and 0 < unix < 2**37:
        return datetime.fromtimestamp(unix, UTC).date()
    return datetime.now(UTC).date()


def _invoice_id(value: Any) -> int | None:
    text = str(value).strip() if isinstance(value, int | str) else ""
    return int(text) if text.isdigit() and 0 < int(text) < 2**31 else None


def read_stripe(event: dict[str, Any]) -> PaymentNotice | Ignored:
    """A Stripe event as a paid invoice notice, or why it is ignored (not a payment, not paid, no amount)."""
    event_id, event_type = _text(event.get("id"), 255), _text(event.get("type"), 80)
    data = event.get("data")
    found = data.get("object") if isinstance(data, dict) else None
    if event_type not in STRIPE_TYPES or not isinstance(found, dict):
        return Ignored(event_id, event_type, "not a payment event")
    obj: dict[str, Any] = found
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    assert isinstance(metadata, dict)
    if event_type.startswith("checkout.session"):
        if obj.get("payment_status") != "paid":
            return Ignored(event_id, event_type, "the checkout is not paid yet")
        amount, number = obj.get("amount_total"), _text(obj.get("client_reference_id"), 60)
    elif event_type == "payment_intent.succeeded":
        amount, number = obj.get("amount_received"), ""
    else:
        amount, number = obj.get("amount_paid"), _text(obj.get("number"), 60)
    amount_minor = _amount(amount)
    currency = _text(obj.get("currency"), 3).upper()
    if amount_minor is None or len(currency) != 3:
        return Ignored(event_id, event_type, "no amount or currency")
    payment_intent = obj.get("payment_intent")
    external = payment_intent.get("id") if isinstance(payment_intent, dict) else payment_intent
    return PaymentNotice(
        event_id=event_id,
        event_type=event_type,
        external_id=_text(external) or _text(obj.get("id")) or event_id[:120],
        amount_minor=amount_minor,
        currency=currency,
        paid_on=_day(event.get("created")),
        invoice_id=_invoice_id(metadata.get("cobro_invoice_id")),
        invoice_number=_text(metadata.get("invoice_number"), 60) or number,
        method="stripe",
    )


def read_cobro(event: dict[str, Any]) -> PaymentNotice | Ignored:
    """Our own format, for banks and gateways without one: see the API reference."""
    event_id, event_type = _text(event.get("id"), 255), _text(event.get("type"), 80)
    data = event.get("data")
    if event_type != "payment.succeeded" or not isinstance(data, dict):
        return Ignored(event_id, event_type, "not a payment event")
    amount_minor = _amount(data.get("amount_minor"))
    currency = _text(data.get("currency"), 3).upper()
    if amount_minor is None or len(currency) != 3:
        return Ignored(event_id, event_type, "no amount or currency")
    try:
        paid_on = date.fromisoformat(data["paid_on"]) if isinstance(data.get("paid_on"), str) else _day(None)
    except ValueError:
        return Ignored(event_id, event_type, "paid_on is not a date")
    return PaymentNotice(
        event_id=event_id,
        event_type=event_type,
        external_id=_text(data.get("payment_id")) or event_id[:120],
        amount_minor=amount_minor,
        currency=currency,
        paid_on=paid_on,
        invoice_id=_invoice_id(data.get("invoice_id")),
        invoice_number=_text(data.get("invoice_number"), 60),
        method=_text(data.get("method"), 40),
    )
