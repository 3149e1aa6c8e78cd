from datetime import date

from saas_app.core.payment_events import Ignored, PaymentNotice, read_cobro, read_stripe


def _event(kind: str, obj: dict) -> dict:
    return {"id": "evt_1", "type": kind, "created": 1_763_856_000, "data": {"object": obj}}


def test_a_checkout_session_gives_its_payment_intent_as_the_payment_id() -> None:
    notice = read_stripe(
        _event(
            "checkout.session.completed",
            {
                "id": "cs_1",
                "amount_total": 12345,
                "currency": "brl",
                "payment_status": "paid",
                "payment_intent": "pi_1",
                "client_reference_id": "INV-9",
                "metadata": {},
            },
        )
    )
    assert notice == PaymentNotice(
        event_id="evt_1",
        event_type="checkout.session.completed",
        external_id="pi_1",
        amount_minor=12345,
        currency="BRL",
        paid_on=date(2025, 11, 23),
        invoice_number="INV-9",
        method="stripe",
    )


def test_payment_intents_and_invoices_read_their_own_amount_fields() -> None:
    intent = read_stripe(
        _event(
            "payment_intent.succeeded",
            {"id": "pi_2", "amount_received": 500, "currency": "eur", "metadata": {"cobro_invoice_id": "42"}},
        )
    )
    assert isinstance(intent, PaymentNotice)
    assert (intent.external_id, intent.amount_minor, intent.invoice_id) == ("pi_2", 500, 42)
    invoice = read_stripe(
        _event("invoice.paid", {"id": "in_3", "amount_paid": 900, "currency": "usd", "number": "A-1"})
    )
    assert isinstance(invoice, PaymentNotice)
    assert (invoice.external_id, invoice.invoice_number) == ("in_3", "A-1")


def test_what_is_not_a_settled_payment_is_ignored_with_a_reason() -> None:
    unpaid = read_stripe(
        _event("checkout.session.completed", {"amount_total": 1, "currency": "eur", "payment_status": "unpaid"})
    )
    assert unpaid == Ignored("evt_1", "checkout.session.completed", "the checkout is not paid yet")
    assert isinstance(read_stripe(_event("charge.refunded", {})), Ignored)
    assert isinstance(
        read_stripe(_event("payment_intent.succeeded", {"amount_received": True, "currency": "eur"})), Ignored
    )
    assert isinstance(read_stripe({"id": "evt_2", "type": "invoice.paid", "data": "x"}), Ignored)


def test_our_own_format() -> None:
    notice = read_cobro(
        {
            "id": "b-1",
            "type": "payment.succeeded",
            "data": {"invoice_id": 7, "amount_minor": 100, "currency": "eur", "paid_on": "2026-11-20"},
        }
    )
    assert isinstance(notice, PaymentNotice)
    assert (notice.invoice_id, notice.currency, notice.paid_on, notice.external_id) == (
        7,
        "EUR",
        date(2026, 11, 20),
        "b-1",
    )
    bad_day = read_cobro(
        {"id": "b-2", "type": "payment.succeeded", "data": {"amount_minor": 1, "currency": "EUR", "paid_on": "soon"}}
    )
    assert bad_day == Ignored("b-2", "payment.succeeded", "paid_on is not a date")
