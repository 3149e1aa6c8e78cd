"""Cobro's webhook handling takes Meta's own reference examples (tests/data/meta/) as Meta posts them,
signed: each status moves our message, each reply is stored against it, including from a debtor
Meta names only by their business-scoped user id."""

import json
from datetime import date
from typing import Any

import pytest
from sqlmodel import Session, select

from saas_app.models import InboundMessage, Message
from saas_app.services import campaigns, webhooks, whatsapp
from saas_app.whatsapp.webhooks import parse, signature_of
from saas_app.worker import planner
from tests.factories import debtor_with_invoice, sign_up, simple_cadence
from tests.integration.services.test_collections import NOW
from tests.unit.whatsapp.test_simulator_contract import EXAMPLES

SECRET = "meta-app-secret"
NUMBER, WABA, PHONE = "106540352242922", "102290129340398", "+16505551234"
STATUSES = ["status_sent", "status_delivered", "status_read", "status_failed", "status_delivered_bsuid_only"]
MESSAGES = ["message_text", "message_button", "message_interactive", "message_image", "message_text_username"]


def reference(name: str) -> dict[str, Any]:
    data = json.loads((EXAMPLES / f"{name}.json").read_text())
    data.pop("_source")
    data.pop("_optional")
    return data


def our_message(session: Session, wamid: str) -> Message:
    """A reminder Cobro sent from Meta's example number to the example's user, known by `wamid`."""
    _, ctx = sign_up(session)
    whatsapp.save_account(
        session,
        ctx,
        whatsapp.AccountInput(phone_number_id=NUMBER, waba_id=WABA, access_token="EAAG-token", app_secret=SECRET),
    )
    cadence_id = simple_cadence(session, ctx, offsets=(0, 5))
    _, invoice_id = debtor_with_invoice(session, ctx, phone=PHONE, number="NF-1", due=date(2026, 11, 23))
    campaigns.create_campaign(session, ctx, name="C", cadence_id=cadence_id, invoice_ids=[invoice_id], now=NOW)
    session.commit()
    planner.plan_all(session, now=NOW)
    message = session.exec(select(Message)).one()
    message.status, message.wamid = "sent", wamid
    session.add(message)
    session.commit()
    return message


def receive(session: Session, payload: dict[str, Any]) -> webhooks.Outcome:
    raw = json.dumps(payload, ensure_ascii=False).encode()
    outcome = webhooks.receive(session, raw, signature_of(raw, SECRET))
    session.commit()
    return outcome


@pytest.mark.parametrize("name", STATUSES)
def test_metas_status_examples_move_our_message(session: Session, name: str) -> None:
    payload = reference(name)
    status = payload["entry"][0]["changes"][0]["value"]["statuses"][0]
    message = our_message(session, status["id"])
    message.status = "scheduled" if status["status"] == "sent" else "sent"
    session.add(message)
    session.commit()
    assert receive(session, payload).http_status == 200
    session.refresh(message)
    assert message.status == status["status"]
    if status["status"] == "failed":
        assert message.error_code == "131049"


@pytest.mark.parametrize("name", MESSAGES)
def test_metas_reply_examples_are_stored_against_the_message_they_answer(session: Session, name: str) -> None:
    payload = reference(name)
    value = payload["entry"][0]["changes"][0]["value"]
    item = value["messages"][0]
    replied_to = item.get("context", {}).get("id", "")
    message = our_message(session, replied_to or "wamid.OURS")
    outcome = receive(session, payload)
    assert outcome.http_status == 200
    stored = session.exec(select(InboundMessage)).one()
    written = {"text": item.get("text", {}).get("body"), "button": item.get("button", {}).get("text")}
    written |= {"image": item.get("image", {}).get("caption")}
    written |= {"interactive": item.get("interactive", {}).get("button_reply", {}).get("title")}
    assert (stored.wamid, stored.kind, stored.text) == (item["id"], item["type"], written[item["type"]])
    assert stored.profile_name == value["contacts"][0]["profile"]["name"]
    assert stored.replied_to_message_id == (message.id if replied_to else None)
    if "from" in item:
        assert (stored.sender, stored.debtor_id) == (PHONE, message.debtor_id)
    events = parse(payload).inbound
    assert [e.user_id for e in events] == [item["from_user_id"]]


def test_metas_template_example_reads_as_the_approval_it_is() -> None:
    (event,) = parse(reference("template_status")).templates
    assert (event.waba_id, event.name, event.language, event.status) == (
        WABA,
        "order_confirmation",
        "en-US",
        "APPROVED",
    )
