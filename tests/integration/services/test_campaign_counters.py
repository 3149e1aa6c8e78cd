"""Campaign counters agree with the rows they count, whatever order Meta's webhooks come in.

The oracle is the row counting campaign_stats did before counters (kept below, unchanged), and
repair_counters' recount from the rows.
"""

import json
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session, col, func, select

from saas_app import cli, db
from saas_app.core.invoices import Status
from saas_app.core.messages import PENDING, MessageStatus, SendOutcome
from saas_app.models import (
    CadenceStep,
    CampaignCounter,
    Enrollment,
    InboundMessage,
    Invoice,
    Message,
    Payment,
    TemplateVariant,
)
from saas_app.services import campaigns, invoices, reminders, webhooks
from saas_app.whatsapp.webhooks import signature_of
from saas_app.worker import outbox, planner
from tests.factories import debtor_with_invoice, sign_up, simple_cadence
from tests.integration.services.test_collections import NOW
from tests.integration.services.test_webhooks import SECRET, connect, envelope

NUMBER = "1098765432"


def stats_by_rows(session: Session, ctx, campaign_id: int) -> campaigns.CampaignStats:
    """campaign_stats as it counted message rows before the counters (the figures must not change)."""
    campaign = campaigns.get_campaign(session, ctx, campaign_id)
    by_status = dict(
        session.exec(
            select(Message.status, func.count())
            .where(Message.org_id == ctx.org_id, Message.campaign_id == campaign_id)
            .group_by(Message.status)
        ).all()
    )
    enrolled = (Enrollment.org_id == ctx.org_id) & (Enrollment.campaign_id == campaign.id)
    invoices_, paid = session.exec(
        select(func.count(), func.count().filter(col(Invoice.status) == Status.PAID))
        .select_from(Enrollment)
        .join(Invoice, col(Invoice.id) == Enrollment.invoice_id)
        .where(enrolled)
    ).one()
    replied = session.exec(
        select(func.count(func.distinct(InboundMessage.debtor_id))).where(
            InboundMessage.org_id == ctx.org_id,
            col(InboundMessage.received_at) >= campaign.created_at,
            col(InboundMessage.debtor_id).in_(select(Enrollment.debtor_id).where(enrolled)),
        )
    ).one()
    amounts = session.exec(
        select(Payment.currency, func.sum(Payment.amount_minor))
        .where(
            Payment.org_id == ctx.org_id,
            col(Payment.created_at) >= campaign.created_at,
            col(Payment.invoice_id).in_(select(Enrollment.invoice_id).where(enrolled)),
        )
        .group_by(col(Payment.currency))
    ).all()
    delivered = by_status.get(MessageStatus.DELIVERED, 0) + by_status.get(MessageStatus.READ, 0)
    last_send_at = session.exec(
        select(func.max(Message.scheduled_at)).where(
            Message.org_id == ctx.org_id, Message.campaign_id == campaign.id, col(Message.status).in_(PENDING)
        )
    ).one()
    return campaigns.CampaignStats(
        invoices=invoices_,
        scheduled=by_status.get(MessageStatus.SCHEDULED, 0) + by_status.get(MessageStatus.SENDING, 0),
        sent=delivered + by_status.get(MessageStatus.SENT, 0),
        delivered=delivered,
        read=by_status.get(MessageStatus.READ, 0),
        failed=by_status.get(MessageStatus.FAILED, 0),
        expired=by_status.get(MessageStatus.EXPIRED, 0),
        replied=replied,
        paid=paid,
        paid_minor={currency: int(total) for currency, total in amounts},
        last_send_at=last_send_at,
    )


def counters_now(session: Session) -> set[tuple]:
    """Every non-zero counter, by step/language/status and by hour."""
    counts = session.execute(
        text("SELECT campaign_id, step, language, status, count FROM campaigncounter WHERE count <> 0")
    ).all()
    hours = session.execute(
        text(
            "SELECT campaign_id, hour, currency, sent, recovered_minor FROM campaignhour"
            " WHERE sent <> 0 OR recovered_minor <> 0"
        )
    ).all()
    return {("count", *row) for row in counts} | {("hour", *row) for row in hours}


def assert_counters_agree(session: Session, ctx, campaign_id: int) -> None:
    session.commit()
    assert campaigns.campaign_stats(session, ctx, campaign_id) == stats_by_rows(session, ctx, campaign_id)
    kept = counters_now(session)
    campaigns.repair_counters(session)
    session.commit()
    assert counters_now(session) == kept, "the recount from the rows finds what the triggers kept"


def _post(session: Session, payloads: list[dict]) -> None:
    posts = []
    for payload in payloads:
        raw = json.dumps(payload).encode()
        posts.append((raw, signature_of(raw, SECRET)))
    webhooks.receive_many(session, posts)
    session.commit()


def _campaign(session: Session, ctx, debtors: int) -> tuple[int, dict[int, str], list[int]]:
    """A two-step campaign on debtors writing in English and Italian; (campaign, phone by debtor, invoices)."""
    connect(session, ctx, NUMBER)
    cadence_id = simple_cadence(session, ctx, offsets=(0, 2))
    step = session.exec(select(CadenceStep).where(CadenceStep.cadence_id == cadence_id)).first()
    assert step is not None
    session.add(
        TemplateVariant(
            org_id=ctx.org_id,
            template_id=step.template_id,
            language="it",
            body="Ciao {{customer_name}}, la fattura {{invoice_number}} scade oggi.",
            status="approved",
        )
    )
    session.commit()
    phones, invoice_ids = {}, []
    for i in range(debtors):
        phone = f"+55119876{i:05d}"
        debtor_id, invoice_id = debtor_with_invoice(
            session, ctx, phone=phone, number=f"NF-{i}", due=NOW.date(), locale="it" if i % 2 else "en"
        )
        phones[debtor_id] = phone.lstrip("+")
        invoice_ids.append(invoice_id)
    campaign = campaigns.create_campaign(
        session, ctx, name="Storm", cadence_id=cadence_id, invoice_ids=invoice_ids, now=NOW
    )
    session.commit()
    return campaign.id or 0, phones, invoice_ids


def _send_due(session: Session, rng: random.Random | None = None) -> list[Message]:
    """The worker's part: claim what is due, and record each send as sent, failed or to retry (all sent without rng)."""
    due = session.exec(select(func.max(Message.scheduled_at)).where(Message.status == MessageStatus.SCHEDULED)).one()
    now = (due or NOW) + timedelta(minutes=1)
    claimed = outbox.claim(session, now, 100)
    results = []
    for message in claimed.messages:
        outcome = (
            rng.choice([SendOutcome.SENT] * 6 + [SendOutcome.FAILED, SendOutcome.RETRY]) if rng else SendOutcome.SENT
        )
        wamid = f"wamid.{message.message_id}" if outcome == SendOutcome.SENT else ""
        retry = now + timedelta(minutes=1) if outcome == SendOutcome.RETRY else None
        results.append(
            outbox.Result(message.message_id, message.org_id, outcome, wamid=wamid, code="131026", retry_at=retry)
        )
    outbox.record(session, results, now)
    session.expire_all()
    return list(session.exec(select(Message).where(col(Message.wamid).is_not(None))).all())


def _status(message: Message, name: str, at: int) -> dict:
    item: dict[str, object] = {"id": message.wamid, "status": name, "timestamp": str(at), "recipient_id": "1"}
    if name == "failed":
        item["errors"] = [{"code": rng_code(at), "title": "Message failed"}]
    return item


def rng_code(at: int) -> int:
    return 131049 if at % 3 else 131026  # sometimes "expired"-like codes differ; any code fails the message


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_counters_agree_with_the_rows_after_a_storm_of_webhooks_replies_and_payments(
    session: Session, seed: int
) -> None:
    rng = random.Random(seed)
    _, ctx = sign_up(session)
    campaign_id, phones, invoice_ids = _campaign(session, ctx, debtors=10)
    assert_counters_agree(session, ctx, campaign_id)
    planner.plan_all(session, now=NOW)
    session.commit()
    assert_counters_agree(session, ctx, campaign_id)
    clock = int(time.time())
    for round_ in range(2):
        sent = _send_due(session, rng)
        events: list[dict] = []
        for message in sent:
            for name in rng.sample(["sent", "delivered", "read", "failed"], rng.randint(1, 4)):
                events += [
                    envelope(NUMBER, statuses=[_status(message, name, clock + rng.randint(0, 90_000))])
                ] * rng.randint(1, 2)
            if rng.random() < 0.4:  # a reply, answering the message or not, sometimes delivered twice
                sender = phones[message.debtor_id]
                item = {"from": sender, "id": f"wamid.in.{message.id}.{rng.random()}", "type": "text"}
                item |= {"timestamp": str(clock + rng.randint(0, 90_000)), "text": {"body": "ok, I'll check"}}
                if rng.random() < 0.6:
                    item["context"] = {"id": message.wamid}
                events += [envelope(NUMBER, contacts=[{"wa_id": sender}], messages=[item])] * rng.randint(1, 2)
        rng.shuffle(events)
        while events:
            group, events = events[: rng.randint(1, 5)], events[rng.randint(1, 5) :]
            _post(session, group)
            if rng.random() < 0.3:  # a payment meanwhile, in full or in part
                invoice_id = rng.choice(invoice_ids)
                invoice = session.get(Invoice, invoice_id)
                assert invoice is not None
                if invoice.status not in (Status.PAID, Status.DISPUTED):
                    amount = rng.choice([invoice.amount_minor - invoice.paid_minor, 1000])
                    invoices.record_payment(session, ctx, invoice_id, amount_minor=amount, paid_on=NOW.date())
                    session.commit()
            if rng.random() < 0.1:  # a person steps in: reminders paused or the invoice disputed
                invoice_id = rng.choice(invoice_ids)
                if rng.random() < 0.5:
                    reminders.pause_invoice(session, ctx.org_id, invoice_id)
                else:
                    invoice = session.get(Invoice, invoice_id)
                    if invoice is not None and invoice.status not in (Status.PAID, Status.DISPUTED):
                        invoices.dispute(session, ctx, invoice_id, "never ordered")
                session.commit()
        assert_counters_agree(session, ctx, campaign_id)
        outbox.recover(session, NOW + timedelta(days=round_ * 3 + 1))
        planner.plan_all(session, now=NOW + timedelta(days=round_ * 3 + 2))
        session.commit()
        assert_counters_agree(session, ctx, campaign_id)
    stats = campaigns.campaign_stats(session, ctx, campaign_id)
    assert stats.invoices == 10
    assert stats.sent + stats.failed > 0, "the storm did reach the campaign"


def test_repair_restores_tampered_counters_for_one_organization(session: Session) -> None:
    _, ctx = sign_up(session)
    campaign_id, _, _ = _campaign(session, ctx, debtors=4)
    planner.plan_all(session, now=NOW)
    session.commit()
    right = campaigns.campaign_stats(session, ctx, campaign_id)
    assert (right.scheduled, right.invoices) == (4, 4)
    session.execute(text("UPDATE campaigncounter SET count = count + 7"))
    session.execute(text("DELETE FROM campaigncounter WHERE status = 'invoices'"))
    session.commit()
    assert campaigns.campaign_stats(session, ctx, campaign_id) != right
    _, other = sign_up(session, org_name="Other")
    assert campaigns.repair_counters(session, org_id=other.org_id) == 0
    session.commit()
    assert campaigns.campaign_stats(session, ctx, campaign_id) != right, "another organization's repair leaves it"
    assert campaigns.repair_counters(session, org_id=ctx.org_id) == 1
    session.commit()
    assert campaigns.campaign_stats(session, ctx, campaign_id) == right


def test_the_step_table_and_the_days_come_from_the_counters(session: Session) -> None:
    _, ctx = sign_up(session)
    campaign_id, _, invoice_ids = _campaign(session, ctx, debtors=4)
    planner.plan_all(session, now=NOW)
    session.commit()
    sent = _send_due(session)
    sent = [m for m in sent if m.status == MessageStatus.SENT]
    assert sent
    first = sent[0]
    _post(session, [envelope(NUMBER, statuses=[_status(first, "read", int(time.time()))])] * 2)
    invoices.record_payment(session, ctx, invoice_ids[0], amount_minor=2000, paid_on=NOW.date())
    session.commit()
    table = {(row.step, row.language): row for row in campaigns.step_figures(session, ctx, campaign_id)}
    assert {key[1] for key in table} == {"en", "it"}
    read_row = table[(0, first.language)]
    assert (read_row.read, read_row.delivered) == (1, 1), "read once, however often told"
    days = campaigns.daily_figures(session, ctx, campaign_id, "Europe/Rome")
    assert sum(day.sent for day in days) == len(sent)
    assert sum(day.recovered_minor.get("EUR", 0) for day in days) == 2000
    assert session.exec(select(func.count()).select_from(CampaignCounter)).one() > 0


def test_cobro_repair_counters_recounts_from_the_command_line(
    session: Session, capsys: pytest.CaptureFixture[str]
) -> None:
    _, ctx = sign_up(session)
    campaign_id, _, _ = _campaign(session, ctx, debtors=3)
    right = campaigns.campaign_stats(session, ctx, campaign_id)
    session.execute(text("DELETE FROM campaigncounter"))
    session.commit()
    assert campaigns.campaign_stats(session, ctx, campaign_id).invoices == 0
    assert cli.main(["repair-counters", "--org", str(ctx.org_id)]) == 0
    assert "Counters of 1 campaigns recounted" in capsys.readouterr().out
    session.expire_all()
    assert campaigns.campaign_stats(session, ctx, campaign_id) == right


def test_two_sessions_moving_messages_of_one_counter_at_once_lose_no_count(session: Session, database_url: str) -> None:
    """PostgreSQL: webhook groups in two transactions raise the same counters; each waits, none is lost."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time")
    _, ctx = sign_up(session)
    campaign_id, _, _ = _campaign(session, ctx, debtors=12)
    planner.plan_all(session, now=NOW)
    session.commit()
    sent = [m for m in _send_due(session) if m.status == MessageStatus.SENT]
    halves = [sent[0::2], sent[1::2]]
    barrier = threading.Barrier(2)

    def deliver(messages: list[Message]) -> None:
        with Session(db.engine_for(database_url)) as own:
            barrier.wait()
            for message in messages:
                _post(own, [envelope(NUMBER, statuses=[_status(message, "delivered", int(time.time()))])])

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(deliver, halves))
    session.expire_all()
    assert campaigns.campaign_stats(session, ctx, campaign_id).delivered == len(sent)
    assert_counters_agree(session, ctx, campaign_id)
