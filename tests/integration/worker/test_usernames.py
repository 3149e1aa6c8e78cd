"""Debtors with a WhatsApp username, end to end with the simulator: Meta leaves their phone number out of
webhooks, and Cobro still puts every status and every reply on the right debtor."""

import json

import pytest
from sqlalchemy import update
from sqlmodel import Session, col, select

from saas_app.models import Debtor, InboundMessage, Message
from saas_app.services import webhooks
from saas_app.whatsapp import simulator_webhooks
from saas_app.whatsapp.simulator import Behaviour, SimulatorState, post_due
from tests.aio import run
from tests.integration.worker.test_dispatcher import campaign_world, send_all, statuses

EVERYONE_ANSWERS = Behaviour(failure_rate=0, delivered_rate=1, read_rate=1, reply_rate=1, batch_share=0.3)


def deliver_webhooks(session: Session, state: SimulatorState) -> list[dict]:
    """Posts every webhook the simulator has due; returns the payloads, as posted."""
    posted: list[dict] = []

    async def deliver(raw: bytes, signature: str) -> None:
        posted.append(json.loads(raw))
        assert webhooks.receive(session, raw, signature).http_status == 200
        session.commit()

    run(post_due(state, deliver, until=float("inf")))
    return posted


def phones_in(payloads: list[dict]) -> set[str]:
    """Every phone number the payloads name: contacts' wa_id, statuses' recipient_id, messages' from."""
    found: set[str] = set()
    for payload in payloads:
        for entry in payload["entry"]:
            for change in entry["changes"]:
                value = change["value"]
                found |= {c["wa_id"] for c in value.get("contacts", []) if "wa_id" in c}
                found |= {s["recipient_id"] for s in value.get("statuses", []) if "recipient_id" in s}
                found |= {m["from"] for m in value.get("messages", []) if "from" in m}
    return found


@pytest.mark.parametrize("share", [1.0, 0.0])
def test_every_reply_lands_on_its_debtor_whether_meta_names_them_by_phone_or_by_bsuid(
    session: Session, database_url: str, monkeypatch: pytest.MonkeyPatch, share: float
) -> None:
    monkeypatch.setattr(simulator_webhooks.USERNAMES, "share", share)
    _, _, state = campaign_world(session, 12, behaviour=EVERYONE_ANSWERS)
    state.rng.seed(11)
    assert send_all(database_url, state).stats.sent == 12
    posted = deliver_webhooks(session, state)
    phones = {debtor.phone.lstrip("+") for debtor in session.exec(select(Debtor))}
    assert phones_in(posted) == (set() if share else phones), "a username keeps the phone out of every webhook"

    assert statuses(session) == {"read": 12}
    debtors = session.exec(select(Debtor).execution_options(populate_existing=True)).all()
    assert all(debtor.whatsapp_user_id for debtor in debtors), "each debtor's BSUID is learned"
    replies = session.exec(select(InboundMessage)).all()
    assert len(replies) == 12
    answered = {m.id: m.debtor_id for m in session.exec(select(Message))}
    assert [r.debtor_id for r in replies] == [answered[r.replied_to_message_id] for r in replies]
    assert len({r.debtor_id for r in replies}) == 12, "one reply from each debtor, on that debtor"


def test_a_debtor_known_only_by_bsuid_is_sent_to_as_recipient(session: Session, database_url: str) -> None:
    _, account, state = campaign_world(session, 1, behaviour=EVERYONE_ANSWERS)
    debtor = session.exec(select(Debtor)).one()
    user_id = simulator_webhooks.bsuid(account.waba_id, debtor.phone)
    session.execute(update(Debtor).where(col(Debtor.id) == debtor.id).values(phone="", whatsapp_user_id=user_id))
    session.commit()
    assert send_all(database_url, state).stats.sent == 1
    assert state.sent[0]["recipient"] == user_id, "Meta's `recipient`, since there is no phone to put in `to`"
    deliver_webhooks(session, state)
    # The reply is drawn at random: a STOP schedules its confirmation, so only the reminder's status is asked.
    session.expire_all()
    assert session.exec(select(Message.status).where(col(Message.wamid) == state.sent[0]["wamid"])).one() == "read"
    reply = session.exec(select(InboundMessage)).one()
    assert reply.debtor_id == debtor.id
