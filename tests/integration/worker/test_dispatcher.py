"""The sending worker against the simulator, in process: what goes out, what is held back, what fails."""

import json
import re
import time
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy import update
from sqlmodel import Session, col, select

from saas_app.core.messages import SendOutcome
from saas_app.core.ratelimit import most_in_any_second
from saas_app.models import Debtor, Invoice, Message, WhatsAppAccount
from saas_app.services import campaigns, webhooks, whatsapp
from saas_app.services.errors import ServiceError
from saas_app.settings import settings
from saas_app.whatsapp.simulator import Behaviour, SimulatorState, create_simulator, post_due
from saas_app.worker import outbox, planner
from saas_app.worker.dispatcher import Worker, WorkerConfig
from tests.aio import run
from tests.factories import debtor_with_invoice, sign_up, simple_cadence
from tests.integration.services.test_collections import NOW

LATER = NOW + timedelta(days=2, hours=1)  # every planned message is due by then, none past its 12 h TTL
BODY = "Hi {{customer_name}}, invoice {{invoice_number}} of {{amount}} is due on {{due_date}}. Thanks."


def campaign_world(session: Session, debtors: int, *, behaviour: Behaviour | None = None):
    """An organization on its sandbox number, `debtors` invoices in a one-step campaign, planned."""
    _, ctx = sign_up(session)
    cadence_id = simple_cadence(session, ctx, offsets=(0,))
    invoice_ids = [
        debtor_with_invoice(session, ctx, phone=f"+39333{i:07d}", number=f"INV-{i}", due=date(2026, 11, 25))[1]
        for i in range(debtors)
    ]
    campaigns.create_campaign(session, ctx, name="Run", cadence_id=cadence_id, invoice_ids=invoice_ids, now=NOW)
    session.commit()
    planner.plan_all(session, now=NOW)
    account = session.exec(select(WhatsAppAccount).where(WhatsAppAccount.org_id == ctx.org_id)).one()
    state = SimulatorState(behaviour=behaviour or Behaviour(), sandbox_secret=settings.simulator_secret)
    number = state.number(account.phone_number_id)
    assert number is not None, "the sandbox number is known to the simulator without set-up"
    key = session.exec(select(Message.template_id)).first()
    from saas_app.models import Template

    template = session.get(Template, key)
    assert template is not None
    state.add_template(number.waba_id, template.key, "en", BODY)
    return ctx, account, state


def send_all(database_url: str, state: SimulatorState, wall=lambda: LATER, **config) -> Worker:
    transport = httpx.ASGITransport(app=create_simulator(state))
    worker = Worker(WorkerConfig(**config), database_url=database_url, wall=wall, transport=transport)
    run(worker.run(until_idle=True))
    return worker


def statuses(session: Session) -> Counter[str]:
    session.expire_all()
    return Counter(session.exec(select(Message.status)).all())


def deliver_webhooks(session: Session, state: SimulatorState) -> list[int]:
    answers: list[int] = []

    async def deliver(raw: bytes, signature: str) -> None:
        answers.append(webhooks.receive(session, raw, signature).http_status)
        session.commit()

    run(post_due(state, deliver, until=float("inf")))
    return answers


def test_due_messages_go_out_once_filled_in_for_the_debtor(session: Session, database_url: str) -> None:
    quiet = Behaviour(failure_rate=0, delivered_rate=1, read_rate=1, reply_rate=0)  # no STOP to confirm
    _, _, state = campaign_world(session, 30, behaviour=quiet)
    worker = send_all(database_url, state)
    assert worker.stats.sent == 30
    assert statuses(session) == Counter({"sent": 30})
    callbacks = [request["biz_opaque_callback_data"] for request in state.sent]
    assert len(callbacks) == len(set(callbacks)) == 30, "each message was sent exactly once"
    first = state.sent[0]["template"]
    values = {p["parameter_name"]: p["text"] for p in first["components"][0]["parameters"]}
    assert values["amount"] == "€123.45"
    assert values["due_date"] == "November 25, 2026"
    stored = session.exec(select(Message).where(col(Message.wamid) == state.sent[0]["wamid"])).one()
    assert stored.sent_at is not None
    assert stored.attempts == 1
    assert stored.lease_until is None
    # Meta's webhooks then carry each message to delivered and read.
    assert set(deliver_webhooks(session, state)) == {200}
    assert statuses(session) == Counter({"read": 30})


def test_the_stop_rules_are_checked_again_just_before_sending(session: Session, database_url: str) -> None:
    ctx, _, state = campaign_world(session, 4)
    debtor_ids = list(session.exec(select(Debtor.id).where(Debtor.org_id == ctx.org_id).order_by(Debtor.id)))
    # Changes that reach the database behind the planner's back (another process, a bulk update).
    session.execute(update(Debtor).where(col(Debtor.id) == debtor_ids[0]).values(opted_out_at=NOW))
    session.execute(update(Invoice).where(col(Invoice.debtor_id) == debtor_ids[1]).values(status="paid"))
    session.execute(update(Debtor).where(col(Debtor.id) == debtor_ids[2]).values(opted_in_at=None))
    session.commit()
    send_all(database_url, state)
    assert [r["to"] for r in state.sent] == ["393330000003"]
    held = {m.debtor_id: (m.status, m.error_message) for m in session.exec(select(Message))}
    assert held[debtor_ids[0]] == ("cancelled", "the debtor opted out")
    assert held[debtor_ids[1]] == ("cancelled", "the invoice was paid")
    assert held[debtor_ids[2]] == ("skipped", "no opt-in recorded for this debtor")


def test_a_revoked_token_pauses_the_organization_instead_of_failing_its_messages(
    session: Session, database_url: str
) -> None:
    ctx, account, state = campaign_world(session, 5)
    state.numbers[account.phone_number_id].access_token = "rotated-by-meta"
    send_all(database_url, state)
    session.refresh(account)
    assert "expired or was revoked" in account.paused_reason
    assert statuses(session) == Counter({"scheduled": 5}), "nothing failed; everything waits"
    assert send_all(database_url, state).stats.sent == 0, "a paused organization is not even tried"
    whatsapp.save_account(
        session,
        ctx,
        whatsapp.AccountInput(
            phone_number_id=account.phone_number_id,
            access_token="rotated-by-meta",
            api_base_url=settings.simulator_url,
        ),
    )
    session.commit()
    assert send_all(database_url, state).stats.sent == 5, "a new token resumes sending"


def test_permanent_errors_fail_with_metas_code_and_transient_ones_retry(session: Session, database_url: str) -> None:
    _, account, state = campaign_world(session, 3)
    first, _second, _ = session.exec(select(Message).order_by(Message.id)).all()
    session.execute(update(Debtor).where(col(Debtor.id) == first.debtor_id).values(phone="+0000"))
    session.commit()
    state.numbers[account.phone_number_id].throughput = 1  # the 2nd send in one second gets 130429
    send_all(database_url, state, concurrency=3)
    session.expire_all()
    failed = session.get(Message, first.id)
    assert failed is not None
    assert (failed.status, failed.error_code) == ("failed", "100")
    rows = session.exec(select(Message).where(col(Message.id) != first.id)).all()
    assert sorted(m.status for m in rows) == ["scheduled", "sent"]
    retried = next(m for m in rows if m.status == "scheduled")
    assert retried.error_code == "130429"
    assert retried.scheduled_at > LATER, "it waits for its backoff"


def test_a_retried_send_that_goes_through_shows_no_error(session: Session, database_url: str) -> None:
    _, account, state = campaign_world(session, 2)
    state.numbers[account.phone_number_id].throughput = 1  # the 2nd send in one second gets 130429
    send_all(database_url, state, concurrency=2)
    retried = session.exec(select(Message).where(col(Message.status) == "scheduled")).one()
    assert retried.error_code == "130429"
    state.numbers[account.phone_number_id].throughput = 80
    send_all(database_url, state, wall=lambda: LATER + timedelta(hours=1))
    session.refresh(retried)
    # The team reads a sent message's error column: a try that WhatsApp refused before is not an error now.
    assert (retried.status, retried.error_code, retried.error_message) == ("sent", "", "")


def test_metas_failure_that_comes_before_the_answer_is_written_keeps_its_reason(session: Session) -> None:
    """The `failed` webhook can overtake the worker's write of the answer (found by tests/production)."""
    campaign_world(session, 1)
    [claimed] = outbox.claim(session, LATER, 10).messages
    session.execute(
        update(Message)
        .where(col(Message.id) == claimed.message_id)
        .values(status="failed", wamid="wamid.F1", error_code="131026", error_message="Message undeliverable")
    )
    session.commit()
    sent = outbox.Result(claimed.message_id, claimed.org_id, SendOutcome.SENT, wamid="wamid.F1")
    outbox.record(session, [sent], LATER)
    session.expire_all()
    failed = session.exec(select(Message.status, Message.error_code, Message.error_message)).one()
    assert failed == ("failed", "131026", "Message undeliverable")


def test_no_answer_means_wait_for_metas_webhook_not_a_second_send(session: Session, database_url: str) -> None:
    _, account, _state = campaign_world(session, 1)

    def time_out(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("no answer", request=request)

    worker = Worker(
        WorkerConfig(), database_url=database_url, wall=lambda: LATER, transport=httpx.MockTransport(time_out)
    )
    run(worker.run(until_idle=True))
    message = session.exec(select(Message)).one()
    assert message.status == "sending"
    assert worker.stats.uncertain == 1
    with Session(session.get_bind()) as other:
        assert outbox.recover(other, LATER + timedelta(minutes=5)) == 0, "still inside the webhook grace"
    # Meta's status arrives: matched by our id in biz_opaque_callback_data, since no wamid was stored.
    status = {
        "id": "wamid.LATE1",
        "status": "sent",
        "timestamp": str(int(LATER.timestamp())),
        "recipient_id": "393330000000",
        "biz_opaque_callback_data": str(message.id),
    }
    payload = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": account.waba_id,
                "changes": [
                    {
                        "field": "messages",
                        "value": {"metadata": {"phone_number_id": account.phone_number_id}, "statuses": [status]},
                    }
                ],
            }
        ],
    }
    raw = json.dumps(payload).encode()
    secret = whatsapp.app_secret(account)
    from saas_app.whatsapp.webhooks import signature_of

    assert webhooks.receive(session, raw, signature_of(raw, secret)).http_status == 200
    session.commit()
    with Session(session.get_bind()) as other:
        assert outbox.recover(other, LATER + timedelta(hours=1)) == 0
    session.expire_all()
    assert session.exec(select(Message.status, Message.wamid)).one() == ("sent", "wamid.LATE1")


def test_unconfirmed_messages_go_back_to_the_queue_after_the_grace(session: Session, database_url: str) -> None:
    _, _, state = campaign_world(session, 2)
    claimed = outbox.claim(session, LATER, 10)
    assert len(claimed.messages) == 2
    assert outbox.claim(session, LATER, 10).messages == [], "claimed rows are not claimed twice"
    assert outbox.recover(session, LATER + outbox.LEASE + timedelta(minutes=1)) == 0
    assert outbox.recover(session, LATER + outbox.LEASE + outbox.WEBHOOK_GRACE + timedelta(seconds=1)) == 2
    assert send_all(database_url, state, wall=lambda: LATER + timedelta(hours=1)).stats.sent == 2


def test_a_numbers_configured_rate_is_never_exceeded(session: Session, database_url: str) -> None:
    _, account, state = campaign_world(session, 24)
    session.execute(update(WhatsAppAccount).where(col(WhatsAppAccount.id) == account.id).values(throughput=10))
    session.commit()
    state.numbers[account.phone_number_id].throughput = 10
    started = time.monotonic()  # the worker's clock runs: a number books only 2 s of its sends ahead
    worker = send_all(database_url, state, wall=lambda: LATER + timedelta(seconds=time.monotonic() - started))
    assert worker.stats.sent == 24
    assert worker.stats.retried == 0, "no 130429 from the simulator"
    assert most_in_any_second(state.send_times) <= 10


def test_an_invoice_without_a_link_gets_the_organizations_payment_link(session: Session, database_url: str) -> None:
    from saas_app.services import organizations

    ctx, _, state = campaign_world(session, 1)
    current = organizations.settings_of(session, ctx)
    for bad, reason in (("http://pay.example.com/{invoice_number}", "https://"), ("https://p.example/{who}", "{who}")):
        with pytest.raises(ServiceError, match=re.escape(reason)):
            organizations.update_settings(session, ctx, replace(current, payment_link_template=bad))
    template = "https://pay.example.com/{invoice_number}?amount={amount}"
    organizations.update_settings(session, ctx, replace(current, payment_link_template=template))
    session.commit()
    from saas_app.models import Template, TemplateVariant

    variant = session.exec(
        select(TemplateVariant).join(Template).where(Template.org_id == ctx.org_id, Template.built_in.is_(False))  # type: ignore[attr-defined]
    ).one()
    variant.body = BODY + " Pay here: {{payment_link}} - thank you."
    session.add(variant)
    session.commit()
    number = state.numbers[next(iter(state.numbers))]
    template = session.get(Template, variant.template_id)
    state.add_template(number.waba_id, template.key, "en", variant.body)
    send_all(database_url, state)
    [request] = state.sent
    values = {p["parameter_name"]: p["text"] for p in request["template"]["components"][0]["parameters"]}
    assert values["payment_link"] == "https://pay.example.com/INV-0?amount=123.45"


def test_a_number_with_a_large_backlog_does_not_keep_another_waiting(session: Session) -> None:
    """Two organizations: 120 reminders due on a 10 msg/s number, then 3 on another, due later."""
    _, crowded, _ = campaign_world(session, 120)
    _, quiet, _ = campaign_world(session, 3)
    session.execute(update(WhatsAppAccount).values(throughput=10))
    session.execute(update(Message).where(col(Message.org_id) == quiet.org_id).values(scheduled_at=LATER))
    earlier = LATER - timedelta(minutes=1)
    session.execute(update(Message).where(col(Message.org_id) == crowded.org_id).values(scheduled_at=earlier))
    session.commit()
    first = outbox.claim(session, LATER, 50)  # the oldest 50 due are all the crowded number's
    assert {m.account_id for m in first.messages} == {crowded.id}
    assert len(first.messages) == 19, "2 s of 10 msg/s with 3% headroom: the crowded number is booked ahead"
    second = outbox.claim(session, LATER + timedelta(seconds=0.3), 50)  # a few of its slots came free
    assert {m.account_id for m in second.messages} == {quiet.id}, "its older backlog does not fill the claim"
    assert len(second.messages) == 3


def test_a_worker_asked_to_stop_when_idle_waits_for_a_number_booked_ahead(session: Session, database_url: str) -> None:
    """Slots booked by sends that then failed fast (a connection reset) leave the number booked past the claim
    horizon with nothing in flight: that is waiting, not idle, so `cobro worker --until-idle` sends the rest."""
    quiet = Behaviour(failure_rate=0, delivered_rate=1, read_rate=1, reply_rate=0)
    _, account, state = campaign_world(session, 5, behaviour=quiet)
    session.execute(
        update(WhatsAppAccount)
        .where(col(WhatsAppAccount.id) == account.id)
        .values(next_send_slot=LATER.timestamp() + outbox.CLAIM_AHEAD + 1)
    )
    session.commit()
    started = time.monotonic()
    worker = send_all(database_url, state, wall=lambda: LATER + timedelta(seconds=time.monotonic() - started))
    assert worker.stats.sent == 5
    assert statuses(session) == Counter({"sent": 5})
