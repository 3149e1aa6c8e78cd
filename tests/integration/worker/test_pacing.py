"""Pacing to the account's WhatsApp messaging limit, and spacing to one debtor, through the planner."""

import itertools
from collections import Counter, deque
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, update
from sqlmodel import Session, col, select

from saas_app.models import Debtor, Enrollment, Invoice, Message, WhatsAppAccount
from saas_app.services import campaigns
from saas_app.services.context import OrgContext
from saas_app.worker import planner
from tests.factories import debtor_with_invoice, sign_up, simple_cadence

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # a Monday
DAY = timedelta(hours=24)
ZONES = ("Europe/Rome", "America/Sao_Paulo", "America/Mexico_City", "Europe/Lisbon")


def _paced_org(session: Session, limit: int) -> OrgContext:
    _, ctx = sign_up(session)  # connects the sandbox number, with a new account's limit
    session.execute(
        update(WhatsAppAccount).where(col(WhatsAppAccount.org_id) == ctx.org_id).values(messaging_limit=limit)
    )
    session.commit()
    return ctx


def _debtors_with_invoices(session: Session, ctx: OrgContext, count: int) -> list[int]:
    """`count` consenting debtors in four zones, each with one invoice of a different age and size."""
    session.execute(
        insert(Debtor),
        [
            {
                "org_id": ctx.org_id,
                "name": f"Debtor {i}",
                "phone": f"+3934{i:08d}",
                "locale": "en",
                "timezone": ZONES[i % len(ZONES)],
                "opt_in_source": "import",
                "opted_in_at": NOW - timedelta(days=90),
                "tags": [],
                "attributes": {},
            }
            for i in range(count)
        ],
    )
    ids = session.exec(select(Debtor.id).where(Debtor.org_id == ctx.org_id).order_by(col(Debtor.id))).all()
    session.execute(
        insert(Invoice),
        [
            {
                "org_id": ctx.org_id,
                "debtor_id": debtor_id,
                "number": f"INV-{i}",
                "amount_minor": 1000 + (i * 7919) % 500_000,
                "currency": "EUR",
                "due_on": date(2026, 11, 20) - timedelta(days=i % 60),
            }
            for i, debtor_id in enumerate(ids)
        ],
    )
    session.commit()
    return list(session.exec(select(Invoice.id).where(Invoice.org_id == ctx.org_id)).all())


def _run_days(session: Session, ctx: OrgContext, days: int, step: timedelta = timedelta(hours=6)) -> None:
    """The worker over `days`: plan, then send everything due, on time."""
    now = NOW
    while now < NOW + timedelta(days=days):
        planner.plan_all(session, now=now, org_id=ctx.org_id)
        session.execute(
            update(Message)
            .where(Message.org_id == ctx.org_id, Message.status == "scheduled", col(Message.scheduled_at) <= now)
            .values(status="sent", sent_at=Message.scheduled_at)
        )
        session.commit()
        now += step


def most_debtors_in_a_day(sends: list[tuple[datetime, int]]) -> int:
    """The most unique debtors reached in any moving 24 hours: what Meta counts."""
    window: deque[tuple[datetime, int]] = deque()
    in_window: Counter[int] = Counter()
    most = 0
    for at, debtor in sorted(sends):
        window.append((at, debtor))
        in_window[debtor] += 1
        while at - window[0][0] >= DAY:
            _, gone = window.popleft()
            in_window[gone] -= 1
            if not in_window[gone]:
                del in_window[gone]
        most = max(most, len(in_window))
    return most


def test_a_3000_debtor_campaign_on_a_250_account_is_spread_over_days(session: Session) -> None:
    ctx = _paced_org(session, limit=250)
    invoice_ids = _debtors_with_invoices(session, ctx, 3000)
    cadence_id = simple_cadence(session, ctx, offsets=(0, 7))
    campaign = campaigns.create_campaign(
        session, ctx, name="Everyone", cadence_id=cadence_id, invoice_ids=invoice_ids, now=NOW
    )
    session.commit()

    planner.plan_all(session, now=NOW, org_id=ctx.org_id)
    stats = campaigns.campaign_stats(session, ctx, campaign.id or 0)
    assert stats.scheduled == 3000
    assert stats.last_send_at is not None
    assert stats.last_send_at - NOW > timedelta(days=11)  # 3,000 / 250 a day: twelve days at least
    assert stats.last_send_at - NOW < timedelta(days=14)  # and the limit is used, not wasted

    _run_days(session, ctx, days=40)
    sends = session.exec(
        select(Message.sent_at, Message.debtor_id).where(Message.org_id == ctx.org_id, Message.status == "sent")
    ).all()
    states = session.exec(select(Enrollment.state).where(Enrollment.campaign_id == campaign.id)).all()
    assert set(states) == {"done"}  # every invoice got every step it was due, in the end
    assert len(sends) > 3000
    assert most_debtors_in_a_day([(at, debtor) for at, debtor in sends if at]) <= 250


def test_the_oldest_debts_go_first_unless_the_campaign_says_largest(session: Session) -> None:
    ctx = _paced_org(session, limit=250)
    invoice_ids = _debtors_with_invoices(session, ctx, 600)
    cadence_id = simple_cadence(session, ctx, offsets=(0,))
    oldest = campaigns.create_campaign(
        session, ctx, name="Oldest", cadence_id=cadence_id, invoice_ids=invoice_ids[:300], now=NOW
    )
    largest = campaigns.create_campaign(
        session,
        ctx,
        name="Largest",
        cadence_id=cadence_id,
        invoice_ids=invoice_ids[300:],
        now=NOW,
        priority="largest_first",
    )
    session.commit()
    planner.plan_all(session, now=NOW, org_id=ctx.org_id)

    for campaign, worth in ((oldest, lambda i: -i.due_on.toordinal()), (largest, lambda i: i.amount_minor)):
        rows = session.exec(
            select(Invoice, Message.scheduled_at)
            .join(Message, col(Message.invoice_id) == Invoice.id)
            .where(Message.campaign_id == campaign.id)
        ).all()
        first_day = min(at for _, at in rows) + DAY
        early = [worth(invoice) for invoice, at in rows if at < first_day]
        late = [worth(invoice) for invoice, at in rows if at >= first_day]
        assert early, "the limit made part of each campaign wait"
        assert late
        assert min(early) >= max(late)


def test_an_account_without_a_limit_sends_everything_at_once(session: Session) -> None:
    ctx = _paced_org(session, limit=0)
    invoice_ids = _debtors_with_invoices(session, ctx, 400)
    cadence_id = simple_cadence(session, ctx, offsets=(0,))
    campaign = campaigns.create_campaign(
        session, ctx, name="All", cadence_id=cadence_id, invoice_ids=invoice_ids, now=NOW
    )
    session.commit()
    planner.plan_all(session, now=NOW, org_id=ctx.org_id)
    stats = campaigns.campaign_stats(session, ctx, campaign.id or 0)
    assert stats.scheduled == 400
    assert stats.last_send_at is not None
    assert stats.last_send_at - NOW < DAY


def test_messages_to_one_debtor_stay_six_seconds_apart_under_load(session: Session) -> None:
    """Twenty invoices of one debtor in one campaign, a cadence without any gap: WhatsApp's pair rate holds."""
    ctx = _paced_org(session, limit=0)
    debtor_id, first = debtor_with_invoice(session, ctx, phone="+393471110000", number="P-0", due=date(2026, 11, 20))
    from saas_app.services import invoices

    ids = [first] + [
        invoices.create_invoice(
            session,
            ctx,
            invoices.InvoiceInput(
                debtor_id=debtor_id, number=f"P-{n}", amount_minor=100 * n, currency="EUR", due_on=date(2026, 11, 20)
            ),
        ).id
        or 0
        for n in range(1, 20)
    ]
    cadence_id = simple_cadence(session, ctx, offsets=(0,))
    campaigns.create_campaign(session, ctx, name="Many", cadence_id=cadence_id, invoice_ids=ids, now=NOW)
    session.commit()
    planner.plan_all(session, now=NOW, org_id=ctx.org_id)
    times = sorted(session.exec(select(Message.scheduled_at).where(Message.debtor_id == debtor_id)).all())
    assert len(times) == 20
    assert all(b - a >= timedelta(seconds=6) for a, b in itertools.pairwise(times))
    assert session.exec(select(Enrollment).where(Enrollment.debtor_id == debtor_id, Enrollment.next_step == 1)).all()


def test_a_higher_limit_brings_the_waiting_reminders_forward(session: Session) -> None:
    from saas_app.services import whatsapp

    ctx = _paced_org(session, limit=250)
    invoice_ids = _debtors_with_invoices(session, ctx, 600)
    cadence_id = simple_cadence(session, ctx, offsets=(0,))
    campaign = campaigns.create_campaign(
        session, ctx, name="All", cadence_id=cadence_id, invoice_ids=invoice_ids, now=NOW
    )
    session.commit()
    planner.plan_all(session, now=NOW, org_id=ctx.org_id)
    before = campaigns.campaign_stats(session, ctx, campaign.id or 0).last_send_at
    assert before is not None
    assert before - NOW > 2 * DAY

    account = session.exec(select(WhatsAppAccount).where(WhatsAppAccount.org_id == ctx.org_id)).one()
    whatsapp.save_account(
        session, ctx, whatsapp.AccountInput(phone_number_id=account.phone_number_id, messaging_limit=2000)
    )
    session.commit()
    planner.plan_all(session, now=NOW, org_id=ctx.org_id)
    after = campaigns.campaign_stats(session, ctx, campaign.id or 0)
    assert after.scheduled == 600
    assert after.last_send_at is not None
    assert after.last_send_at - NOW < DAY
