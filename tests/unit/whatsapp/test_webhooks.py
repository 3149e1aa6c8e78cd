import json
from datetime import UTC, datetime

from saas_app.whatsapp.webhooks import handshake, moves_forward, parse, signature_is_valid, signature_of

SECRET = "app-secret-123"


def envelope(value: dict, field: str = "messages") -> dict:
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA1", "changes": [{"field": field, "value": value}]}],
    }


def test_the_handshake_echoes_the_challenge_only_for_our_token() -> None:
    params = {"hub.mode": "subscribe", "hub.verify_token": "tok", "hub.challenge": "1158201444"}
    assert handshake(params, "tok") == "1158201444"
    assert handshake(params, "other") is None
    assert handshake({**params, "hub.mode": "unsubscribe"}, "tok") is None
    assert handshake(params, "") is None, "an account without a verify token accepts no subscription"


def test_the_signature_is_checked_on_the_raw_bytes() -> None:
    body = json.dumps(envelope({"contacts": [{"profile": {"name": "João Conceição"}}]}), ensure_ascii=False).encode()
    header = signature_of(body, SECRET)
    assert signature_is_valid(body, header, SECRET)
    reserialized = json.dumps(json.loads(body)).encode()  # \\u escapes: same JSON, other bytes
    assert not signature_is_valid(reserialized, header, SECRET)
    assert not signature_is_valid(body, header, "another-secret")
    assert not signature_is_valid(body, "", SECRET)
    assert not signature_is_valid(body, header.removeprefix("sha256="), SECRET)


def test_statuses_inbound_messages_and_template_updates_are_read() -> None:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550000000", "phone_number_id": "PN1"},
        "contacts": [{"profile": {"name": "Ana"}, "wa_id": "5511987654321"}],
        "statuses": [
            {
                "id": "wamid.A",
                "status": "failed",
                "timestamp": "1795000000",
                "recipient_id": "5511987654321",
                "biz_opaque_callback_data": "msg-42",
                "errors": [{"code": 131026, "title": "Message undeliverable"}],
            }
        ],
        "messages": [
            {
                "from": "5511987654321",
                "id": "wamid.B",
                "timestamp": "1795000100",
                "type": "button",
                "button": {"text": "Já paguei", "payload": "already_paid"},
                "context": {"id": "wamid.A"},
            }
        ],
    }
    batch = parse(envelope(value))
    assert batch.phone_number_ids == {"PN1"}
    [status] = batch.statuses
    assert (status.wamid, status.status, status.callback_data, status.error_code) == (
        "wamid.A",
        "failed",
        "msg-42",
        "131026",
    )
    assert status.recipient == "+5511987654321"
    assert status.at == datetime.fromtimestamp(1795000000, UTC)
    [reply] = batch.inbound
    assert (reply.sender, reply.kind, reply.text, reply.button_payload, reply.replied_to) == (
        "+5511987654321",
        "button",
        "Já paguei",
        "already_paid",
        "wamid.A",
    )
    assert reply.profile_name == "Ana"
    update = parse(
        envelope(
            {"event": "APPROVED", "message_template_name": "due_today_neutral", "message_template_language": "pt_BR"},
            field="message_template_status_update",
        )
    )
    assert [(t.name, t.language, t.status) for t in update.templates] == [("due_today_neutral", "pt_BR", "APPROVED")]


def test_anything_else_is_ignored() -> None:
    assert parse({"object": "page", "entry": [{}]}).statuses == []
    assert parse({"object": "whatsapp_business_account"}).inbound == []


def test_statuses_only_move_forward_whatever_order_they_arrive_in() -> None:
    assert moves_forward("sending", "sent")
    assert moves_forward("sent", "read"), "read may come without delivered"
    assert not moves_forward("read", "delivered")
    assert not moves_forward("delivered", "delivered"), "a duplicate changes nothing"
    assert moves_forward("read", "failed")
    assert not moves_forward("failed", "read")
    assert not moves_forward("sent", "bogus")


def test_a_person_meta_names_by_bsuid_alone_is_read_from_the_contact_that_has_it() -> None:
    bsuid = "US.13491208655302741918"
    value = {
        "metadata": {"phone_number_id": "PN1"},
        "contacts": [{"profile": {"name": "Pablo", "username": "@pablo"}, "user_id": bsuid}],
        "statuses": [{"id": "wamid.A", "status": "read", "timestamp": "1795000000", "recipient_user_id": bsuid}],
        "messages": [
            {"from_user_id": bsuid, "id": "wamid.B", "timestamp": "1795000100", "type": "text", "text": {"body": "Hi"}}
        ],
    }
    [status], [reply] = (batch := parse(envelope(value))).statuses, batch.inbound
    assert (status.recipient, status.user_id) == ("", bsuid)
    assert (reply.sender, reply.user_id, reply.profile_name) == ("", bsuid, "Pablo")
    # With a phone number, the BSUID of the status is its contact's when the status itself omits it.
    value["contacts"] = [{"profile": {"name": "Ana"}, "wa_id": "5511987654321", "user_id": "BR.1502576394655843"}]
    value["statuses"] = [
        {"id": "wamid.A", "status": "read", "timestamp": "1795000000", "recipient_id": "5511987654321"}
    ]
    [status] = parse(envelope(value)).statuses
    assert (status.recipient, status.user_id) == ("+5511987654321", "BR.1502576394655843")
