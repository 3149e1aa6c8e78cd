"""Meta's rules, enforced by the simulator the way Meta enforces them, and what Cobro makes of them.

The messaging limit, the pair rate and a template's time-to-live on the simulator's side; on ours,
reminders too late to be worth sending, templates Meta paused, and the confirmation of an opt-out.
"""

import json
from datetime import date, datetime, timedelta

import httpx
import pytest
from sqlalchemy import update
from sqlmodel import Session, col, select

from saas_app.core.templates import Variant
from saas_app.models import Debtor, Message, Template, TemplateVariant, WhatsAppAccount
from saas_app.services import campaigns, webhooks, whatsapp
from saas_app.settings import settings
from saas_app.whatsapp.client import CloudClient, CloudError, Endpoint
from saas_app.whatsapp.simulator import Behaviour, Number, SimulatorState, create_simulator, post_due
from saas_app.whatsapp.templates import submission
from saas_app.whatsapp.webhooks import envelope, signature_of, status_item
from saas_app.worker import planner
from saas_app.worker.dispatcher import Worker, WorkerConfig
from tests.aio import in_own_loop, run
from tests.factories import debtor_with_invoice, sign_up, simple_cadence
from tests.integration.services.test_collections import NOW
from tests.integration.worker.test_dispatcher import BODY, campaign_world, deliver_webhooks

QUIET = Behaviour(webhooks=False)


class Clock:
    """The simulator's clock, moved by the test: Meta's limits are about time."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def send_due(database_url: str, state: SimulatorState, wall: datetime, clock: Clock | None = None) -> Worker:
    transport = httpx.ASGITransport(app=create_simulator(state, clock or Clock()))
    worker = Worker(WorkerConfig(), database_url=database_url, wall=lambda: wall, transport=transport)
    run(worker.run(until_idle=True))
    return worker


def messages(session: Session) -> list[Message]:
    session.expire_all()
    return list(session.exec(select(Message).order_by(col(Message.id))))


def just_after_due(session: Session) -> datetime:
    """The worker's time: every planned reminder is due, none is older than its time-to-live."""
    return max(m.scheduled_at for m in messages(session)) + timedelta(minutes=1)


# The simulator, spoken to over HTTP like Meta.

TOKEN = "EAAG-sim-token"
PHONE_NUMBER_ID, WABA_ID = "1098765432", "2098765432"


def simulator_client(state: SimulatorState, clock: Clock) -> CloudClient:
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_simulator(state, clock)))
    return CloudClient(Endpoint("http://simulator", "v23.0", PHONE_NUMBER_ID, TOKEN), http)


def reminder_number(behaviour: Behaviour) -> SimulatorState:
    state = SimulatorState(behaviour=behaviour)
    state.numbers[PHONE_NUMBER_ID] = Number(PHONE_NUMBER_ID, WABA_ID, TOKEN, throughput=1000)
    state.add_template(WABA_ID, "reminder", "en", "Hi {{customer_name}}, invoice due.")
    return state


async def send_reminder(client: CloudClient, n: int) -> None:
    await client.send_template(
        f"+39333{n:07d}", "reminder", "en", [{"type": "text", "parameter_name": "customer_name", "text": "Ana"}]
    )


@in_own_loop
async def test_the_251st_new_person_in_a_day_is_refused_on_the_first_tier() -> None:
    state, clock = reminder_number(Behaviour(webhooks=False, messaging_limits=True)), Clock()
    client = simulator_client(state, clock)
    for n in range(250):
        await send_reminder(client, n)
    with pytest.raises(CloudError) as refused:
        await send_reminder(client, 250)
    assert refused.value.verdict.code == 131048
    clock.now += 60
    await send_reminder(client, 7)  # someone already reached today still gets their reminder
    state.debtor_wrote(PHONE_NUMBER_ID, "+393330000251")
    await send_reminder(client, 251)  # they wrote: inside the service window nothing counts
    clock.now += 6
    await client.send_text("+393330000251", "Thanks, noted.")
    clock.now += 24 * 3600
    await send_reminder(client, 252)  # the moving 24 hours let new people in again
    assert len(state.sent) == 254


@in_own_loop
async def test_a_second_message_to_the_same_person_within_six_seconds_is_refused() -> None:
    state, clock = reminder_number(QUIET), Clock()
    client = simulator_client(state, clock)
    state.debtor_wrote(PHONE_NUMBER_ID, "+393330000001")
    await send_reminder(client, 1)
    clock.now = 1005.9
    with pytest.raises(CloudError) as refused:
        await client.send_text("+393330000001", "And here is the PDF.")
    assert refused.value.verdict.code == 131056
    clock.now = 1006.0
    await client.send_text("+393330000001", "And here is the PDF.")


@in_own_loop
async def test_a_time_to_live_meta_would_refuse_is_refused() -> None:
    client = simulator_client(reminder_number(QUIET), Clock())
    body = submission("thanks", "en", Variant(body="Thank you!"))
    with pytest.raises(CloudError) as refused:
        await client.submit_template(WABA_ID, {**body, "message_send_ttl_seconds": 12 * 3600 + 1})
    assert refused.value.verdict.code == 100
    assert (await client.submit_template(WABA_ID, body))["status"] == "PENDING"


# The worker against the simulator, in process.


def test_a_template_and_its_follow_up_reach_one_person_six_seconds_apart(session: Session, database_url: str) -> None:
    _, account, state = campaign_world(session, 1, behaviour=QUIET)
    reminder = session.exec(select(Message)).one()
    follow_up = Message(
        org_id=reminder.org_id,
        debtor_id=reminder.debtor_id,
        kind="reply",
        text="You can also pay by bank transfer.",
        scheduled_at=reminder.scheduled_at,
    )
    session.add(follow_up)
    session.commit()
    state.debtor_wrote(account.phone_number_id, "+393330000000")
    clock, wall = Clock(), just_after_due(session)
    send_due(database_url, state, wall, clock)
    first, second = sorted(messages(session), key=lambda m: m.status != "sent")
    assert (first.status, second.status) == ("sent", "scheduled"), "back to back: Meta took one of them"
    assert second.error_code == "131056"
    assert second.scheduled_at >= wall + timedelta(seconds=6), "retried once the pair rate allows it"
    clock.now += 60
    send_due(database_url, state, wall + timedelta(minutes=1), clock)
    assert [m.status for m in messages(session)] == ["sent", "sent"]
    assert state.send_times[1] - state.send_times[0] >= 6


def test_a_reminder_that_missed_its_time_is_not_sent_and_the_next_step_follows(
    session: Session, database_url: str
) -> None:
    _, ctx = sign_up(session)
    cadence_id = simple_cadence(session, ctx, offsets=(0, 5))
    invoices = [
        debtor_with_invoice(session, ctx, phone=f"+39333000000{n}", number=f"INV-{n}", due=due)[1]
        for n, due in enumerate((date(2026, 11, 25), date(2026, 11, 26)))
    ]
    campaigns.create_campaign(session, ctx, name="Run", cadence_id=cadence_id, invoice_ids=invoices, now=NOW)
    session.commit()
    planner.plan_all(session, now=NOW)
    stale, fresh = messages(session)
    # The worker was down: it comes back half an hour after the second reminder was due.
    back = fresh.scheduled_at + timedelta(minutes=30)
    assert back - stale.scheduled_at > timedelta(hours=12)
    state = SimulatorState(behaviour=QUIET, sandbox_secret=settings.simulator_secret)
    number = state.number(session.exec(select(WhatsAppAccount.phone_number_id)).one())
    assert number is not None
    template = session.get(Template, fresh.template_id)
    assert template is not None
    state.add_template(number.waba_id, template.key, "en", BODY)
    send_due(database_url, state, back)
    stale, fresh = messages(session)
    assert stale.status == "expired"
    assert stale.error_message.startswith("not sent in time: it was due at ")
    assert fresh.status == "sent"
    assert [r["to"] for r in state.sent] == ["393330000001"]
    planner.plan_all(session, now=back)
    next_steps = [m for m in messages(session) if m.step_position == 1]
    assert {(m.enrollment_id, m.status) for m in next_steps} == {
        (stale.enrollment_id, "scheduled"),
        (fresh.enrollment_id, "scheduled"),
    }, "an expired step does not stop the cadence"


def test_a_phone_that_stays_off_expires_the_reminder_after_its_time_to_live(
    session: Session, database_url: str
) -> None:
    _, account, state = campaign_world(session, 1, behaviour=Behaviour(sent_after=0, ttl_scale=0.001))
    reminder = session.exec(select(Message)).one()
    template = session.get(Template, reminder.template_id)
    variant = session.exec(select(TemplateVariant).where(TemplateVariant.template_id == reminder.template_id)).one()
    assert template is not None

    async def submit() -> None:  # our submission, as Meta gets it: with the time-to-live
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_simulator(state))) as http:
            client = CloudClient(whatsapp.endpoint_of(account), http)
            ours = Variant(body=variant.body, header=variant.header, footer=variant.footer)
            await client.submit_template(account.waba_id, submission(template.key, "en", ours))

    run(submit())
    deliver_webhooks(session, state)  # Meta approves it
    assert state.templates[account.waba_id][(template.key, "en")].ttl_seconds == 43_200
    state.offline.add("393330000000")
    wall = just_after_due(session)
    send_due(database_url, state, wall)
    [sent] = state.sent

    async def keep(raw: bytes, signature: str) -> None:
        assert webhooks.receive(session, raw, signature).http_status == 200
        session.commit()

    run(post_due(state, keep, until=max(due.at for due in state.pending) - 1))
    assert messages(session)[0].status == "sent", "no delivered: the phone is off"
    run(post_due(state, keep, until=float("inf")))
    [expired] = messages(session)
    assert (expired.status, expired.error_code) == ("expired", "410")
    late_sent = status_item(sent["wamid"], "sent", "393330000000", wall)
    raw = json.dumps(envelope(account.waba_id, account.phone_number_id, "", statuses=[late_sent])).encode()
    webhooks.receive(session, raw, signature_of(raw, whatsapp.app_secret(account)))
    session.commit()
    assert messages(session)[0].status == "expired", "a late duplicate does not bring it back"


def test_a_template_meta_paused_holds_its_step_and_says_why(session: Session, database_url: str) -> None:
    _, account, state = campaign_world(session, 1, behaviour=QUIET)
    reminder = session.exec(select(Message)).one()
    template = session.get(Template, reminder.template_id)
    assert template is not None
    state.templates[account.waba_id][(template.key, "en")].status = "PAUSED"
    wall = just_after_due(session)
    send_due(database_url, state, wall)
    assert state.sent == [], "Meta refused it (132015)"
    [waiting] = messages(session)
    assert (waiting.status, waiting.error_code) == ("scheduled", "132015")
    variant = session.exec(select(TemplateVariant).where(TemplateVariant.template_id == template.id)).one()
    session.refresh(variant)
    assert variant.status == "paused", "the templates page shows it"
    an_hour_later = wall + timedelta(hours=1, minutes=1)
    send_due(database_url, state, an_hour_later)
    [waiting] = messages(session)
    assert waiting.status == "scheduled"
    assert waiting.error_message == f"the template {template.key} (en) is paused on WhatsApp: the step waits for it"
    assert waiting.attempts == 1, "waiting for the template is not a try"
    # Meta lifts the pause and says so; the step goes out at its next look.
    live = state.templates[account.waba_id][(template.key, "en")]
    state.later(0, account.phone_number_id, approved=[live])
    deliver_webhooks(session, state)
    send_due(database_url, state, an_hour_later + timedelta(hours=1, minutes=1))
    assert [m.status for m in messages(session)] == ["sent"]


def test_the_confirmation_of_an_opt_out_still_goes_and_nothing_else_does(session: Session, database_url: str) -> None:
    _, account, state = campaign_world(session, 1, behaviour=QUIET)
    reminder = session.exec(select(Message)).one()
    session.execute(update(Debtor).where(col(Debtor.id) == reminder.debtor_id).values(opted_out_at=NOW))
    for kind, text in (("reply", "Can we talk about it?"), ("opt_out_confirmation", "You will get no more messages.")):
        session.add(
            Message(org_id=reminder.org_id, debtor_id=reminder.debtor_id, kind=kind, text=text, scheduled_at=NOW)
        )
    session.commit()
    state.debtor_wrote(account.phone_number_id, "+393330000000")  # they just wrote STOP
    send_due(database_url, state, just_after_due(session))
    assert [(r["to"], r["text"]["body"]) for r in state.sent] == [("393330000000", "You will get no more messages.")]
    assert [(m.kind, m.status) for m in messages(session)] == [
        ("reminder", "cancelled"),
        ("reply", "cancelled"),
        ("opt_out_confirmation", "sent"),
    ]


def test_a_reminder_reached_after_the_window_closed_waits_for_the_next_window(
    session: Session, database_url: str
) -> None:
    """The worker was down all day: at 20:00 in Rome the reminder planned for 09:00 is not sent at night."""
    _, _, state = campaign_world(session, 1, behaviour=QUIET)
    [planned] = messages(session)
    morning = planned.scheduled_at  # 09:00 in Rome
    evening = morning + timedelta(hours=11)  # 20:00 in Rome, inside the 12 h time-to-live
    send_due(database_url, state, evening)
    assert state.sent == []
    planner.plan_all(session, now=evening)
    [again] = [m for m in messages(session) if m.status == "scheduled"]
    assert again.scheduled_at == morning + timedelta(days=1)  # 09:00 in Rome, the next day
