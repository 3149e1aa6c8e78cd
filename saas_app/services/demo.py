"""The demo organization's customers and a running campaign, so that `make run` shows Cobro at work.

The campaign uses a cadence that may send at any hour, so the demo moves whenever it is started:
the worker plans and sends, the simulator answers with statuses and replies in each language, and
its debtors pay through the organization's payment endpoint, signed with the secrets set here.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from saas_app.auth.secrets import new_token
from saas_app.models import Cadence, CadenceStep, PaymentEndpoint, Template
from saas_app.services import campaigns, debtors, invoices, payment_webhooks
from saas_app.services.context import OrgContext

# name, phone, language, time zone, amount in minor units, currency, days from the customer's today to the due date
CUSTOMERS = [
    ("Ana Souza", "+5511987650001", "pt_BR", "America/Sao_Paulo", 189_000, "BRL", -3),
    ("Bruno Lima", "+5521987650002", "pt_BR", "America/Sao_Paulo", 45_990, "BRL", 0),
    ("Carla Mendes", "+5531987650003", "pt_BR", "America/Sao_Paulo", 1_250_000, "BRL", -20),
    ("Marco Rossi", "+393331230004", "it", "Europe/Rome", 120_000, "EUR", -3),
    ("Giulia Bianchi", "+393331230005", "it", "Europe/Rome", 38_050, "EUR", 0),
    ("Lucía García", "+34611230006", "es", "Europe/Madrid", 75_000, "EUR", -14),
    ("Javier López", "+525512340007", "es", "America/Mexico_City", 950_000, "MXN", -3),
    ("Sophie Martin", "+33612340008", "fr", "Europe/Paris", 64_000, "EUR", 0),
    ("Luc Bernard", "+33612340009", "fr", "Europe/Paris", 210_000, "EUR", -45),
    ("Emma Taylor", "+447911230010", "en", "Europe/London", 99_900, "GBP", -3),
]
STEPS = [
    (0, "due_today_neutral"),
    (3, "overdue_1_30_friendly"),
    (14, "overdue_1_30_neutral"),
    (45, "overdue_31_90_firm"),
]


def _cadence(session: Session, ctx: OrgContext) -> int:
    """The library's reminders at 0, +3, +14 and +45 days, sent at any hour (a demo is watched live)."""
    cadence = Cadence(
        org_id=ctx.org_id,
        name="Demo: any hour",
        description="The demo's cadence: sends at any hour so you can watch it work.",
        window_start_minute=0,
        window_end_minute=24 * 60,
        weekdays=list(range(7)),
        skip_holidays=False,
        min_gap_hours=0,
        weekly_cap=0,
    )
    session.add(cadence)
    session.flush()
    keys = {t.key: t.id or 0 for t in session.exec(select(Template).where(Template.org_id == ctx.org_id))}
    for position, (offset, key) in enumerate(STEPS):
        step = CadenceStep(
            org_id=ctx.org_id, cadence_id=cadence.id or 0, position=position, offset_days=offset, template_id=keys[key]
        )
        session.add(step)
    session.flush()
    return cadence.id or 0


def populate(session: Session, ctx: OrgContext, now: datetime) -> int:
    """Ten customers in five languages with open invoices, all consenting, in one running campaign."""
    invoice_ids = []
    for n, (name, phone, locale, zone, amount, currency, due_in) in enumerate(CUSTOMERS, start=1):
        debtor = debtors.create_debtor(
            session,
            ctx,
            debtors.DebtorInput(name=name, phone=phone, locale=locale, timezone=zone, opt_in_source="manual"),
        )
        number = f"DEMO-{n:03d}"
        invoice = invoices.create_invoice(
            session,
            ctx,
            invoices.InvoiceInput(
                debtor_id=debtor.id or 0,
                number=number,
                amount_minor=amount,
                currency=currency,
                # The customer's today, not UTC's: started at 01:00 UTC, "due today" in São Paulo is
                # still yesterday's date there, or its reminder would wait a day.
                due_on=now.astimezone(ZoneInfo(zone)).date() + timedelta(days=due_in),
                service="Monthly plan",
                payment_link=f"https://pay.example.com/{number}",
            ),
        )
        invoice_ids.append(invoice.id or 0)
    cadence_id = _cadence(session, ctx)
    campaigns.create_campaign(
        session, ctx, name="Demo reminders", cadence_id=cadence_id, invoice_ids=invoice_ids, now=now
    )
    return len(invoice_ids)


def set_up_payments(session: Session, ctx: OrgContext) -> PaymentEndpoint:
    """Signing secrets for Stripe's format and ours, once, so the simulated debtors' payments are taken.

    The simulator reads them with `cobro simulator --pay-org`; an organization of its own sets them
    in Settings -> Payments.
    """
    row = payment_webhooks.endpoint(session, ctx)
    if not row.signing_secret_sealed:
        payment_webhooks.new_signing_secret(session, ctx)
    if not row.stripe_secret_sealed:
        payment_webhooks.set_stripe_secret(session, ctx, payment_webhooks.SECRET_PREFIX + new_token(24))
    return row
