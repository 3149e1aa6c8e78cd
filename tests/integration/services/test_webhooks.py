"""The WhatsApp account settings and /webhooks/whatsapp, end to end through HTTP and the services."""

import asyncio
import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from saas_app import db
from saas_app.api import webhook_routes
from saas_app.api.app import create_api
from saas_app.auth.secrets import seal
from saas_app.models import Debtor, Enrollment, InboundMessage, Invoice, Message, WebhookEvent, WhatsAppAccount
from saas_app.services import campaigns, whatsapp
from saas_app.services.errors import PermissionDenied, ServiceError
from saas_app.whatsapp.webhooks import signature_of
from saas_app.worker import planner
from tests.aio import run
from tests.factories import add_member, debtor_with_invoice, sign_up, simple_cadence
from tests.integration.services.test_collections import NOW

SECRET = "meta-app-secret"


@pytest.fixture
def client(session: Session) -> TestClient:
    return TestClient(create_api(), follow_redirects=False)


def connect(session: Session, ctx, phone_number_id: str = "1098765432", secret: str = SECRET):
    view = whatsapp.save_account(
        session,
        ctx,
        whatsapp.AccountInput(phone_number_id=phone_number_id, access_token="EAAG-token-123", app_secret=secret),
    )
    session.commit()
    return view


def envelope(phone_number_id: str, **value: object) -> dict:
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "WABA",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {"phone_number_id": phone_number_id},
                            **value,
                        },
                    }
                ],
            }
        ],
    }


def post(client: TestClient, payload: dict, secret: str = SECRET, signature: str | None = None) -> int:
    raw = json.dumps(payload, ensure_ascii=False).encode()
    headers = {"X-Hub-Signature-256": signature if signature is not None else signature_of(raw, secret)}
    return client.post("/webhooks/whatsapp", content=raw, headers=headers).status_code


def test_secrets_are_sealed_at_rest_and_never_shown(session: Session) -> None:
    _, ctx = sign_up(session)
    view = connect(session, ctx)
    assert view.has_access_token
    assert view.has_app_secret
    assert "EAAG-token-123" not in repr(view)
    stored = session.exec(select(WhatsAppAccount)).one()
    assert "EAAG-token-123" not in stored.access_token_sealed
    assert SECRET not in stored.app_secret_sealed
    assert whatsapp.access_token(stored) == "EAAG-token-123"
    again = whatsapp.save_account(session, ctx, whatsapp.AccountInput(phone_number_id="1098765432", throughput=200))
    assert again.has_app_secret, "a blank secret keeps the stored one"
    assert whatsapp.app_secret(stored) == SECRET


def test_only_admins_connect_and_a_number_belongs_to_one_organization(session: Session) -> None:
    _, ctx = sign_up(session)
    collector = add_member(session, ctx, "collector")
    with pytest.raises(PermissionDenied):
        connect(session, collector)
    connect(session, ctx)
    _, other = sign_up(session)
    with pytest.raises(ServiceError, match="connected to another organization"):
        connect(session, other)
    for bad in (
        {"api_base_url": "http://graph.example.com"},
        {"throughput": 5000},
        {"messaging_limit": 300},
        {"phone_number_id": "12ab"},
    ):
        with pytest.raises(ServiceError):
            whatsapp.save_account(session, ctx, whatsapp.AccountInput(**{"phone_number_id": "1098765432", **bad}))
    # Another address needs the token again: it is only ever sent where it was saved for.
    simulator = whatsapp.AccountInput(
        phone_number_id="1098765432", api_base_url="http://127.0.0.1:8088/", access_token="EAAG-token-123"
    )
    assert whatsapp.save_account(session, ctx, simulator).api_base_url == "http://127.0.0.1:8088"


def test_the_handshake_answers_only_our_verify_token(session: Session, client: TestClient) -> None:
    _, ctx = sign_up(session)
    view = connect(session, ctx)
    params = {"hub.mode": "subscribe", "hub.verify_token": view.verify_token, "hub.challenge": "8765"}
    answer = client.get("/webhooks/whatsapp", params=params)
    assert (answer.status_code, answer.text) == (200, "8765")
    assert client.get("/webhooks/whatsapp", params={**params, "hub.verify_token": "guess"}).status_code == 403


def _planned_message(session: Session, ctx) -> Message:
    cadence_id = simple_cadence(session, ctx, offsets=(0, 5))
    _, invoice_id = debtor_with_invoice(session, ctx, phone="+5511987654321", number="NF-1", due=date(2026, 11, 23))
    campaigns.create_campaign(session, ctx, name="C", cadence_id=cadence_id, invoice_ids=[invoice_id], now=NOW)
    session.commit()
    planner.plan_all(session, now=NOW)
    message = session.exec(select(Message)).one()
    message.status, message.wamid = "sent", "wamid.OUT1"
    session.add(message)
    session.commit()
    return message


def _reload(session: Session, row):
    session.refresh(row)
    return row


def test_bad_signatures_and_unknown_numbers_change_nothing(session: Session, client: TestClient) -> None:
    _, ctx = sign_up(session)
    connect(session, ctx)
    message = _planned_message(session, ctx)
    statuses = [{"id": "wamid.OUT1", "status": "delivered", "timestamp": "1795000000"}]
    delivered = envelope("1098765432", statuses=statuses)
    assert post(client, delivered, signature="") == 401
    assert post(client, delivered, secret="not-the-secret") == 403
    assert post(client, envelope("5550001", statuses=statuses)) == 403
    assert post(client, delivered, signature="sha256=" + "0" * 64) == 403
    assert _reload(session, message).status == "sent"
    assert session.exec(select(func.count()).select_from(WebhookEvent)).one() == 0


def test_a_secret_replaced_by_another_process_is_used_at_once(session: Session, client: TestClient) -> None:
    """This process remembers the account for a second; a POST its remembered secret refuses is checked again."""
    _, ctx = sign_up(session)
    connect(session, ctx)
    message = _planned_message(session, ctx)

    def status(name: str, at: str) -> dict:
        return envelope("1098765432", statuses=[{"id": "wamid.OUT1", "status": name, "timestamp": at}])

    assert post(client, status("delivered", "1795000001")) == 200
    # Saved by another backend process: this one is not told.
    session.execute(update(WhatsAppAccount).values(app_secret_sealed=seal("rotated-secret")))
    session.commit()
    assert post(client, status("read", "1795000002"), secret="not-the-secret") == 403
    assert post(client, status("read", "1795000002"), secret="rotated-secret") == 200
    assert _reload(session, message).status == "read"


def test_the_event_is_kept_byte_for_byte_so_its_signature_can_be_checked_again(
    session: Session, client: TestClient
) -> None:
    _, ctx = sign_up(session)
    connect(session, ctx)
    _planned_message(session, ctx)
    # Meta's own spacing and an accented name: decoding and encoding the JSON again would change both.
    raw = json.dumps(
        envelope(
            "1098765432",
            contacts=[{"profile": {"name": "João Conceição"}, "wa_id": "5511987654321"}],
            statuses=[{"id": "wamid.OUT1", "status": "delivered", "timestamp": "1795000000"}],
        ),
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    signature = signature_of(raw, SECRET)
    answer = client.post("/webhooks/whatsapp", content=raw, headers={"X-Hub-Signature-256": signature})
    assert (answer.status_code, answer.text) == (200, "ok")
    stored = session.exec(select(WebhookEvent)).one()
    assert stored.body.encode() == raw
    assert signature_of(stored.body.encode(), SECRET) == signature
    assert stored.org_id == ctx.org_id


def test_a_body_over_the_limit_is_refused_whatever_its_declared_length(session: Session, client: TestClient) -> None:
    _, ctx = sign_up(session)
    connect(session, ctx)
    message = _planned_message(session, ctx)
    statuses = [{"id": "wamid.OUT1", "status": "delivered", "timestamp": "1795000000"}]
    raw = json.dumps(envelope("1098765432", statuses=statuses, padding="x" * webhook_routes.MAX_BODY)).encode()
    signed = {"X-Hub-Signature-256": signature_of(raw, SECRET)}
    assert client.post("/webhooks/whatsapp", content=raw, headers=signed).status_code == 413

    def streamed():  # no Content-Length: chunked, the size known only while reading
        yield from (raw[i : i + 65536] for i in range(0, len(raw), 65536))

    assert client.post("/webhooks/whatsapp", content=streamed(), headers=signed).status_code == 413
    assert _reload(session, message).status == "sent"
    assert session.exec(select(func.count()).select_from(WebhookEvent)).one() == 0


def test_a_post_cut_off_midway_stores_nothing_and_is_not_answered(session: Session) -> None:
    _, ctx = sign_up(session)
    connect(session, ctx)
    message = _planned_message(session, ctx)
    raw = json.dumps(envelope("1098765432", statuses=[{"id": "wamid.OUT1", "status": "delivered"}])).encode()
    arriving = [{"type": "http.request", "body": raw[:40], "more_body": True}, {"type": "http.disconnect"}]
    answered: list[dict] = []

    async def receive() -> dict:
        return arriving.pop(0)

    async def send(event: dict) -> None:
        answered.append(event)

    headers = [(b"x-hub-signature-256", signature_of(raw, SECRET).encode())]
    scope = {"type": "http", "method": "POST", "path": webhook_routes.PATH, "headers": headers}
    run(webhook_routes.events(scope, receive, send))
    assert answered == []
    assert _reload(session, message).status == "sent"
    assert session.exec(select(func.count()).select_from(WebhookEvent)).one() == 0


def test_statuses_converge_whatever_the_order_and_duplicates(session: Session, client: TestClient) -> None:
    _, ctx = sign_up(session)
    connect(session, ctx)
    message = _planned_message(session, ctx)

    def status(name: str, at: int) -> dict:
        return envelope("1098765432", statuses=[{"id": "wamid.OUT1", "status": name, "timestamp": str(at)}])

    for name, at in (("read", 1795000300), ("delivered", 1795000200), ("read", 1795000300), ("sent", 1795000100)):
        assert post(client, status(name, at)) == 200
    message = _reload(session, message)
    assert message.status == "read"
    assert message.read_at is not None
    assert message.delivered_at is not None, "the late 'delivered' still records when it happened"
    assert session.exec(select(func.count()).select_from(WebhookEvent)).one() == 4


def test_a_status_finds_its_message_by_our_id_when_the_wamid_was_never_stored(
    session: Session, client: TestClient
) -> None:
    _, ctx = sign_up(session)
    connect(session, ctx)
    message = _planned_message(session, ctx)
    session.execute(update(Message).where(col(Message.id) == message.id).values(wamid=None))
    session.commit()
    failed = {
        "id": "wamid.LOST",
        "status": "failed",
        "timestamp": "1795000000",
        "biz_opaque_callback_data": str(message.id),
        "errors": [{"code": 131026, "title": "Message undeliverable"}],
    }
    assert post(client, envelope("1098765432", statuses=[failed])) == 200
    message = _reload(session, message)
    assert (message.status, message.wamid, message.error_code) == ("failed", "wamid.LOST", "131026")


def test_another_tenant_cannot_touch_our_messages_with_its_own_signed_webhook(
    session: Session, client: TestClient
) -> None:
    _, ctx = sign_up(session)
    connect(session, ctx)
    message = _planned_message(session, ctx)
    _, intruder = sign_up(session)
    connect(session, intruder, phone_number_id="2223334445", secret="intruder-secret")
    forged = envelope("2223334445", statuses=[{"id": "wamid.OUT1", "status": "failed", "timestamp": "1795000000"}])
    assert post(client, forged, secret="intruder-secret") == 200
    assert _reload(session, message).status == "sent"


def reply(text: str, wamid: str, context: str = "", sender: str = "5511987654321", **extra: object) -> dict:
    item: dict[str, object] = {"from": sender, "id": wamid, "timestamp": "1795000000", "type": "text"}
    item["text"] = {"body": text}
    if context:
        item["context"] = {"id": context}
    item.update(extra)
    return envelope("1098765432", contacts=[{"wa_id": sender, "profile": {"name": "Ana"}}], messages=[item])


def test_parar_opts_out_at_once_and_a_duplicate_acts_once(session: Session, client: TestClient) -> None:
    _, ctx = sign_up(session)
    connect(session, ctx)
    _planned_message(session, ctx)
    session.execute(update(Message).values(status="scheduled"))
    session.commit()
    assert post(client, reply("PARAR", "wamid.IN1")) == 200
    assert post(client, reply("PARAR", "wamid.IN1")) == 200
    debtor = session.exec(select(Debtor)).one()
    assert debtor.opted_out_at is not None
    assert [e.stop_reason for e in session.exec(select(Enrollment))] == ["opted_out"]
    assert [m.status for m in session.exec(select(Message).execution_options(populate_existing=True))] == ["cancelled"]
    [stored] = session.exec(select(InboundMessage)).all()
    assert (stored.intent, stored.text, stored.debtor_id) == ("opt_out", "PARAR", debtor.id)


def test_a_dated_promise_marks_the_invoice_promised_and_pauses_until_then(session: Session, client: TestClient) -> None:
    _, ctx = sign_up(session)
    connect(session, ctx)
    _planned_message(session, ctx)
    promised = date.today() + timedelta(days=20)  # a day and month ahead of the reply, whenever it runs
    assert post(client, reply(f"Vou pagar dia {promised:%d/%m}", "wamid.IN2", context="wamid.OUT1")) == 200
    invoice = session.exec(select(Invoice).execution_options(populate_existing=True)).one()
    assert (invoice.status, invoice.promised_on) == ("promised", promised)
    enrollment = session.exec(select(Enrollment).execution_options(populate_existing=True)).one()
    assert enrollment.paused_until is not None
    assert enrollment.paused_until > promised
    stored = session.exec(select(InboundMessage)).one()
    assert stored.replied_to_message_id is not None


def test_a_quick_reply_and_a_stranger_are_kept_for_a_person(session: Session, client: TestClient) -> None:
    _, ctx = sign_up(session)
    connect(session, ctx)
    _planned_message(session, ctx)
    button = {"type": "button", "button": {"text": "Já paguei", "payload": "already_paid"}}
    assert post(client, reply("", "wamid.IN3", context="wamid.OUT1", **button)) == 200
    assert post(client, reply("Quem é?", "wamid.IN4", sender="5521999998888")) == 200
    rows = {r.wamid: r for r in session.exec(select(InboundMessage))}
    assert rows["wamid.IN3"].intent == "already_paid"
    assert rows["wamid.IN3"].text == "Já paguei"
    assert rows["wamid.IN4"].debtor_id is None
    enrollment = session.exec(select(Enrollment).execution_options(populate_existing=True)).one()
    assert enrollment.paused_until is not None, "the reminders wait for a person to answer"


def test_a_template_status_webhook_updates_that_language_only(session: Session, client: TestClient) -> None:
    from saas_app.models import Template, TemplateVariant

    _, ctx = sign_up(session)
    whatsapp.save_account(
        session,
        ctx,
        whatsapp.AccountInput(phone_number_id="1098765432", waba_id="2098765432", app_secret=SECRET),
    )
    session.commit()
    template = session.exec(
        select(Template).where(Template.org_id == ctx.org_id, Template.key == "due_today_neutral")
    ).one()

    def status_of(language: str) -> str:
        session.expire_all()
        return session.exec(
            select(TemplateVariant.status).where(
                TemplateVariant.template_id == template.id, TemplateVariant.language == language
            )
        ).one()

    def event(name: str, language: str, status: str) -> dict:
        value = {"event": status, "message_template_name": name, "message_template_language": language}
        change = {"field": "message_template_status_update", "value": {**value, "reason": "NONE"}}
        return {"object": "whatsapp_business_account", "entry": [{"id": "2098765432", "changes": [change]}]}

    _, other = sign_up(session)  # another tenant with the same built-in template
    assert post(client, event("due_today_neutral", "pt_BR", "APPROVED")) == 200
    assert (status_of("pt_BR"), status_of("it")) == ("approved", "draft")
    assert post(client, event("due_today_neutral", "pt_BR", "PAUSED")) == 200
    assert status_of("pt_BR") == "paused"
    assert post(client, event("due_today_neutral", "it", "APPROVED"), secret="wrong") == 403
    assert status_of("it") == "draft"
    assert (
        session.exec(
            select(TemplateVariant.status)
            .join(Template, col(Template.id) == TemplateVariant.template_id)
            .where(
                Template.org_id == other.org_id,
                Template.key == "due_today_neutral",
                TemplateVariant.language == "pt_BR",
            )
        ).one()
        == "draft"
    )


def test_meta_s_reason_for_a_rejection_is_kept_until_its_next_verdict(session: Session, client: TestClient) -> None:
    from saas_app.models import Template, TemplateVariant

    _, ctx = sign_up(session)
    whatsapp.save_account(
        session,
        ctx,
        whatsapp.AccountInput(phone_number_id="1098765432", waba_id="2098765432", app_secret=SECRET),
    )
    session.commit()

    def event(status: str, reason: str) -> dict:
        value = {
            "event": status,
            "message_template_name": "overdue_1_30_firm",
            "message_template_language": "it",
            "reason": reason,
        }
        change = {"field": "message_template_status_update", "value": value}
        return {"object": "whatsapp_business_account", "entry": [{"id": "2098765432", "changes": [change]}]}

    def review() -> tuple[str, str]:
        session.expire_all()
        row = session.exec(
            select(TemplateVariant)
            .join(Template, col(Template.id) == TemplateVariant.template_id)
            .where(Template.org_id == ctx.org_id, Template.key == "overdue_1_30_firm", TemplateVariant.language == "it")
        ).one()
        return row.status, row.rejection_reason

    assert post(client, event("REJECTED", "PROMOTIONAL")) == 200
    assert review() == ("rejected", "PROMOTIONAL")
    assert post(client, event("APPROVED", "NONE")) == 200
    assert review() == ("approved", ""), "an approval after an appeal leaves no stale reason behind"


def test_posts_grouped_in_one_transaction_keep_their_own_answers(session: Session) -> None:
    """The route writes POSTs that arrive together in one go; each still stands on its own."""
    from saas_app.services import webhooks

    _, ctx = sign_up(session)
    connect(session, ctx)
    message = _planned_message(session, ctx)
    _, intruder = sign_up(session)
    connect(session, intruder, phone_number_id="2223334445", secret="intruder-secret")

    def signed(payload: dict, secret: str = SECRET) -> tuple[bytes, str]:
        raw = json.dumps(payload).encode()
        return raw, signature_of(raw, secret)

    def status(name: str, at: str) -> dict:
        return envelope("1098765432", statuses=[{"id": "wamid.OUT1", "status": name, "timestamp": at}])

    forged = envelope("2223334445", statuses=[{"id": "wamid.OUT1", "status": "failed", "timestamp": "1795000003"}])
    posts = [
        signed(status("read", "1795000002")),
        signed(status("delivered", "1795000001"), secret="wrong"),
        signed(forged, secret="intruder-secret"),
        signed(status("delivered", "1795000001")),
        signed(status("read", "1795000002")),
    ]
    outcomes = webhooks.receive_many(session, posts)
    session.commit()
    assert [o.http_status for o in outcomes] == [200, 403, 200, 200, 200]
    assert [o.statuses_applied for o in outcomes] == [1, 0, 0, 0, 0], "read first; the rest move nothing"
    message = _reload(session, message)
    assert message.status == "read"
    assert message.delivered_at is not None
    assert session.exec(select(func.count()).select_from(WebhookEvent)).one() == 4


def test_a_status_written_while_another_group_holds_its_message_does_not_move_it_back(session: Session) -> None:
    """Two groups (two writers, or two backend processes) with a `read` and a `delivered` for one message."""
    from saas_app.services import webhooks

    _, ctx = sign_up(session)
    connect(session, ctx)
    message = _planned_message(session, ctx)

    def signed(name: str, at: str) -> tuple[bytes, str]:
        raw = json.dumps(envelope("1098765432", statuses=[{"id": "wamid.OUT1", "status": name, "timestamp": at}]))
        return raw.encode(), signature_of(raw.encode(), SECRET)

    def second_group() -> list[webhooks.Outcome]:
        with db.session_scope() as other:
            return webhooks.receive_many(other, [signed("delivered", "1795000001")])

    with Session(db.get_engine()) as first, ThreadPoolExecutor(1) as pool:
        assert webhooks.receive_many(first, [signed("read", "1795000002")])[0].statuses_applied == 1
        later = pool.submit(second_group)
        _until_another_transaction_waits(session)
        first.commit()
        assert later.result(timeout=30)[0].statuses_applied == 0
    message = _reload(session, message)
    assert message.status == "read", "the delivered read before the read committed must not win"
    assert message.delivered_at is not None


def _until_another_transaction_waits(session: Session) -> None:
    """PostgreSQL: until a transaction waits for a lock; SQLite: a moment for the other to start."""
    if session.get_bind().dialect.name != "postgresql":
        time.sleep(0.3)
        return
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not session.execute(waiting).scalar():
        time.sleep(0.02)
    session.rollback()


def test_a_burst_of_posts_is_answered_once_each_after_it_is_stored(session: Session) -> None:
    _, ctx = sign_up(session)
    connect(session, ctx)
    message = _planned_message(session, ctx)
    names = ["sent", "delivered", "read"] * 10

    async def burst() -> list[int]:
        transport = httpx.ASGITransport(app=create_api())
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as http:

            async def one(name: str, n: int) -> int:
                raw = json.dumps(
                    envelope("1098765432", statuses=[{"id": "wamid.OUT1", "status": name, "timestamp": str(n)}])
                ).encode()
                headers = {"X-Hub-Signature-256": signature_of(raw, SECRET)}
                return (await http.post("/webhooks/whatsapp", content=raw, headers=headers)).status_code

            return list(await asyncio.gather(*(one(name, 1795000000 + n) for n, name in enumerate(names))))

    assert run(burst()) == [200] * 30
    assert _reload(session, message).status == "read"
    assert session.exec(select(func.count()).select_from(WebhookEvent)).one() == 30


def test_a_waba_belongs_to_one_organization_and_its_events_to_that_one(session: Session, client: TestClient) -> None:
    """Another tenant saving our WABA id once made Meta's template webhooks for us answer 403."""
    _, owner = sign_up(session)
    _, intruder = sign_up(session)
    whatsapp.save_account(
        session, owner, whatsapp.AccountInput(phone_number_id="1098765432", waba_id="2098765432", app_secret=SECRET)
    )
    session.commit()
    with pytest.raises(ServiceError) as refused:
        whatsapp.save_account(
            session,
            intruder,
            whatsapp.AccountInput(phone_number_id="1098765499", waba_id="2098765432", app_secret="intruder-secret"),
        )
    assert (refused.value.field, refused.value.message) == (
        "waba_id",
        "This WhatsApp Business Account is connected to another organization.",
    )
    session.rollback()
    change = {
        "field": "message_template_status_update",
        "value": {"event": "APPROVED", "message_template_name": "due_today_neutral", "message_template_language": "it"},
    }
    event = {"object": "whatsapp_business_account", "entry": [{"id": "2098765432", "changes": [change]}]}
    assert post(client, event) == 200
    assert post(client, event, secret="intruder-secret") == 403
    # Nor can a second writer slip past the service: the database keeps one organization per WABA.
    claim = update(WhatsAppAccount).where(WhatsAppAccount.org_id == intruder.org_id).values(waba_id="2098765432")
    with pytest.raises(IntegrityError):
        session.execute(claim)
    session.rollback()
