"""The demo with debtors who behave: the worker reminds them, the simulator's debtors read, answer and
pay through the organization's payment endpoint, and the campaign counts invoices paid and money recovered."""

import time
from collections import Counter
from datetime import date, timedelta

from sqlmodel import Session, select

from saas_app import cli
from saas_app.core.invoices import Behaviour as Payer
from saas_app.core.invoices import Status
from saas_app.models import Campaign, Invoice, Payment, PaymentEvent
from saas_app.services import campaigns, organizations, payment_webhooks, webhooks
from saas_app.services.context import OrgContext
from saas_app.settings import settings
from saas_app.whatsapp.simulator import Behaviour, SimulatorState, post_due
from saas_app.whatsapp.simulator_world import World, WorldParameters, post_payments
from saas_app.worker import planner
from tests.aio import run
from tests.conftest import MIDDAY
from tests.integration.worker.test_dispatcher import send_all

DAY_SECONDS = 60.0
SEED = 3


def test_paying_debtors_invoices_become_paid_and_the_campaign_counts_what_came_in(
    session: Session, database_url: str, midday: date
) -> None:
    assert cli.main(["seed-demo"]) == 0
    planner.plan_all(session, now=MIDDAY)
    org = organizations.find_by_slug(session, "demo-company")
    ctx = OrgContext(user_id=None, org_id=org.id or 0, role="owner")
    # What `cobro simulator --world --pay-org demo-company` finds: the demo's endpoint and its secrets.
    number, target = cli._payment_target_of("demo-company", "http://127.0.0.1:3000/webhooks/whatsapp")
    assert target.url.startswith("http://127.0.0.1:3000/webhooks/payments/")
    assert target.cobro_secret, "seed-demo set our format's secret"
    assert target.stripe_secret, "and Stripe's"
    parameters = WorldParameters(seed=SEED, day_seconds=DAY_SECONDS, shares={Payer.PUNCTUAL: 3, Payer.LATE: 1})
    state = SimulatorState(
        behaviour=Behaviour(failure_rate=0, delivered_rate=1, batch_share=0), sandbox_secret=settings.simulator_secret
    )
    state.rng.seed(SEED)
    state.world = World(parameters, targets={number: target})
    assert send_all(database_url, state, wall=lambda: MIDDAY + timedelta(minutes=1)).stats.sent == 10

    async def deliver(raw: bytes, signature: str) -> None:
        assert webhooks.receive(session, raw, signature).http_status == 200
        session.commit()

    answers: list[str] = []

    async def pay(url: str, raw: bytes, headers: dict[str, str]) -> int:
        public_id = url.rsplit("/", 1)[1]
        received = payment_webhooks.receive(session, public_id, {k.lower(): v for k, v in headers.items()}, raw)
        session.commit()
        answers.append(received.outcome)
        return received.status_code

    before = campaigns.campaign_stats(session, ctx, _campaign_id(session, ctx))
    assert (before.paid, before.paid_minor) == (0, {})
    # Two days of the debtors' lives: the punctual ones who read it have paid.
    two_days = time.monotonic() + 2 * DAY_SECONDS
    run(post_due(state, deliver, until=two_days))
    run(post_payments(state.world, pay, until=two_days))
    session.expire_all()
    first = campaigns.campaign_stats(session, ctx, _campaign_id(session, ctx))
    assert first.paid >= 1, "invoices paid within two days"
    assert first.paid_minor, "and money recovered"
    # Then the rest of the month: kept promises and the rest of partial payments come in.
    run(post_due(state, deliver, until=float("inf")))
    run(post_payments(state.world, pay, until=float("inf")))
    session.expire_all()
    after = campaigns.campaign_stats(session, ctx, _campaign_id(session, ctx))

    assert answers, "debtors paid"
    assert set(answers) == {"applied"}, "every payment is signed right and names a known invoice"
    providers = Counter(e.provider for e in session.exec(select(PaymentEvent)))
    assert set(providers) == {"stripe", "cobro"}, "debtors pay through Stripe and through a gateway in our format"
    payments = session.exec(select(Payment)).all()
    recovered: Counter[str] = Counter()
    for payment in payments:
        recovered[payment.currency] += payment.amount_minor
        assert payment.source == "webhook"
    invoices = {i.number: i for i in session.exec(select(Invoice).where(Invoice.org_id == ctx.org_id))}
    paid = sorted(n for n, i in invoices.items() if i.status == Status.PAID)
    assert all(invoices[n].paid_minor == invoices[n].amount_minor for n in paid)
    assert after.paid == len(paid) > first.paid, "promises kept and second parts came later"
    assert after.paid_minor == dict(recovered), "recovered is what the debtors paid, per currency"
    # Exact for this seed: six of ten paid, one of them in two parts; the others did not read it, or are late
    # payers who wait for a second reminder.
    assert (len(paid), len(payments)) == (6, 7)
    assert Counter(Counter(p.invoice_id for p in payments).values()) == {1: 5, 2: 1}


def _campaign_id(session: Session, ctx: OrgContext) -> int:
    return session.exec(select(Campaign.id).where(Campaign.org_id == ctx.org_id)).one() or 0
