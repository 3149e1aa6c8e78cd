"""The REST API as another system uses it: every endpoint's answers, refusals, and tenant walls."""

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from saas_app.api.app import API_BODY_LIMIT, create_api
from saas_app.models import AuditLog, Invoice, Message
from saas_app.models.base import utcnow
from saas_app.services import api_keys, campaigns, idempotency
from saas_app.services.context import OrgContext
from saas_app.worker import planner
from tests.factories import sign_up, simple_cadence

DUE = date.today() + timedelta(days=30)
Client = Callable[..., Any]


class Api:
    """A client holding one organization's key."""

    def __init__(self, client: TestClient, key: str, ctx: OrgContext) -> None:
        self.client, self.key, self.ctx = client, key, ctx

    def __call__(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.key}", **kwargs.pop("headers", {})}
        return self.client.request(method, f"/api/v1{path}", headers=headers, **kwargs)


@pytest.fixture
def client(session: Session) -> TestClient:
    return TestClient(create_api())


def _tenant(session: Session, client: TestClient, scopes: tuple[str, ...] = ("read", "write")) -> Api:
    _, ctx = sign_up(session)
    key = api_keys.create_api_key(session, ctx, name="Billing", scopes=list(scopes))
    session.commit()
    return Api(client, key, ctx)


@pytest.fixture
def api(session: Session, client: TestClient) -> Api:
    return _tenant(session, client)


@pytest.fixture
def other(session: Session, client: TestClient) -> Api:
    return _tenant(session, client)


def _debtor(api: Api, **fields: Any) -> dict[str, Any]:
    body = {"name": "Maria Souza", "phone": "+5511987654321", "locale": "en", "opt_in_source": "api", **fields}
    response = api("POST", "/debtors", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def _invoice(api: Api, debtor_id: int, number: str = "INV-1", **fields: Any) -> dict[str, Any]:
    body = {"debtor_id": debtor_id, "number": number, "amount_minor": 15000, "currency": "BRL", "due_on": str(DUE)}
    response = api("POST", "/invoices", json={**body, **fields})
    assert response.status_code == 201, response.text
    return response.json()


# Authentication and scopes


def test_requests_without_a_valid_key_are_refused(client: TestClient, api: Api, session: Session) -> None:
    missing = client.get("/api/v1/debtors")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert missing.json()["error"]["code"] == "unauthorized"
    assert client.get("/api/v1/debtors", headers={"Authorization": "Bearer cobro_nope"}).status_code == 401
    assert api("GET", "/debtors").status_code == 200
    [key] = api_keys.list_api_keys(session, api.ctx)
    api_keys.revoke_api_key(session, api.ctx, key.id or 0)
    session.commit()
    assert api("GET", "/debtors").status_code == 401


def test_a_read_key_cannot_write_and_a_write_key_cannot_read(session: Session, client: TestClient) -> None:
    reader = _tenant(session, client, ("read",))
    refused = reader("POST", "/debtors", json={"name": "Ana", "phone": "+393331234567"})
    assert refused.status_code == 403
    assert "write" in refused.json()["error"]["message"]
    assert reader("GET", "/debtors").json() == {"data": [], "next_cursor": None}
    writer = Api(client, api_keys.create_api_key(session, reader.ctx, name="Pusher", scopes=["write"]), reader.ctx)
    session.commit()
    assert writer("POST", "/debtors", json={"name": "Ana", "phone": "+393331234567"}).status_code == 201
    assert writer("GET", "/debtors").status_code == 403


def test_changes_are_audited_with_the_key_that_made_them(session: Session, api: Api) -> None:
    debtor = _debtor(api)
    entry = session.exec(select(AuditLog).where(AuditLog.action == "debtor.created")).one()
    [key] = api_keys.list_api_keys(session, api.ctx)
    assert entry.target_id == str(debtor["id"])
    assert entry.details["api_key_id"] == key.id
    assert key.last_used_at is not None


# Debtors


def test_debtors_are_created_read_patched_and_listed_with_filters(api: Api) -> None:
    maria = _debtor(api, external_ref="C-1", tags=["VIP"], attributes={"segment": "retail"})
    assert maria["phone"] == "+5511987654321"
    assert maria["country"] == "BR"
    assert maria["tags"] == ["vip"]
    assert api("GET", f"/debtors/{maria['id']}").json() == maria
    patched = api("PATCH", f"/debtors/{maria['id']}", json={"email": "Maria@Example.com"}).json()
    assert patched["email"] == "maria@example.com"
    assert patched["name"] == "Maria Souza"  # the fields not sent are kept
    _debtor(api, name="João", phone="+5511912345678", external_ref="C-2")
    by_ref = api("GET", "/debtors", params={"external_ref": "C-2"}).json()["data"]
    assert [d["name"] for d in by_ref] == ["João"]
    by_phone = api("GET", "/debtors", params={"phone": "+5511987654321"}).json()["data"]
    assert [d["id"] for d in by_phone] == [maria["id"]]
    later = (utcnow() + timedelta(minutes=5)).isoformat()
    assert api("GET", "/debtors", params={"updated_since": later}).json()["data"] == []


def test_a_debtors_locale_is_any_region_of_our_languages(api: Api) -> None:
    mexican = _debtor(api, name="Ana", phone="+525512345678", locale="es-mx")
    assert mexican["locale"] == "es_MX"
    patched = api("PATCH", f"/debtors/{mexican['id']}", json={"locale": "fr_ca"})
    assert (patched.status_code, patched.json()["locale"]) == (200, "fr_CA")
    refused = api("PATCH", f"/debtors/{mexican['id']}", json={"locale": "es_ZZ"})
    assert (refused.status_code, refused.json()["error"]["field"]) == (422, "locale")
    assert api("GET", f"/debtors/{mexican['id']}").json()["locale"] == "fr_CA"


def test_debtor_refusals_name_the_field(api: Api) -> None:
    bad_phone = api("POST", "/debtors", json={"name": "Ana", "phone": "12"})
    assert bad_phone.status_code == 422
    assert bad_phone.json()["error"]["field"] == "phone"
    missing = api("POST", "/debtors", json={"phone": "+393331234567"}).json()["error"]
    assert (missing["code"], missing["field"]) == ("invalid", "name")
    unknown = api("POST", "/debtors", json={"name": "Ana", "phone": "+393331234567", "nmae": "x"}).json()["error"]
    assert unknown["field"] == "nmae"
    language = api("POST", "/debtors", json={"name": "Ana", "phone": "+393331234567", "locale": "xx_YY"}).json()
    assert (language["error"]["field"], language["error"]["message"]) == (
        "locale",
        "Unknown language or region: xx_YY. Write it like es, es_MX or pt_BR.",
    )
    zone = api("POST", "/debtors", json={"name": "Ana", "phone": "+393331234567", "timezone": "Mars/Base"})
    assert zone.json()["error"]["field"] == "timezone"
    nul = api("POST", "/debtors", json={"name": "A\x00na", "phone": "+393331234567"})
    assert nul.status_code == 422
    _debtor(api)
    taken = api("POST", "/debtors", json={"name": "Other", "phone": "+55 11 98765-4321"})
    assert taken.status_code == 409
    assert taken.json()["error"]["field"] == "phone"


def test_errors_speak_the_callers_language(api: Api) -> None:
    answer = api("POST", "/debtors", json={"name": "Ana", "phone": "12"}, headers={"Accept-Language": "pt-BR"})
    assert answer.json()["error"]["message"].startswith("12 não é um número de telefone válido.")


def test_upsert_by_external_reference_creates_then_updates(api: Api) -> None:
    body = {"name": "Maria Souza", "phone": "+5511987654321"}
    created = api("PUT", "/debtors/by-ref/ERP 7/1", json=body)
    assert created.status_code == 201
    assert created.json()["external_ref"] == "ERP 7/1"
    updated = api("PUT", "/debtors/by-ref/ERP 7/1", json={**body, "name": "Maria S. Souza"})
    assert updated.status_code == 200
    assert updated.json()["id"] == created.json()["id"]
    assert updated.json()["name"] == "Maria S. Souza"


def test_listing_pages_with_a_cursor_until_the_end(api: Api) -> None:
    for n in range(5):
        _debtor(api, name=f"Debtor {n}", phone=f"+39333123456{n}")
    seen, cursor = [], None
    while True:
        page = api("GET", "/debtors", params={"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        seen += [d["name"] for d in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"Debtor {n}" for n in range(5)]
    forged = api("GET", "/debtors", params={"cursor": "not-ours"})
    assert forged.status_code == 422
    assert forged.json()["error"]["field"] == "cursor"
    assert api("GET", "/debtors", params={"limit": 500}).status_code == 422


def test_opting_out_through_the_api_stops_the_debtor(api: Api) -> None:
    debtor = _debtor(api)
    answer = api("POST", f"/debtors/{debtor['id']}/opt-out")
    assert answer.status_code == 200
    assert answer.json()["opted_out_at"] is not None


# Invoices


def test_invoices_by_debtor_id_or_reference_and_their_filters(api: Api) -> None:
    debtor = _debtor(api, external_ref="C-9")
    first = _invoice(api, debtor["id"], "INV-1", issued_on=str(date.today()))
    assert (first["outstanding_minor"], first["status"], first["currency"]) == (15000, "open", "BRL")
    second = api(
        "POST",
        "/invoices",
        json={"debtor_ref": "C-9", "number": "INV-2", "amount_minor": 500, "currency": "brl", "due_on": "2020-01-01"},
    )
    assert second.status_code == 201
    assert second.json()["debtor_id"] == debtor["id"]
    assert second.json()["currency"] == "BRL"
    assert api("GET", f"/invoices/{first['id']}").json() == first
    overdue = api("GET", "/invoices", params={"due_before": str(date.today())}).json()["data"]
    assert [i["number"] for i in overdue] == ["INV-2"]
    by_number = api("GET", "/invoices", params={"number": "INV-1"}).json()["data"]
    assert [i["id"] for i in by_number] == [first["id"]]
    opened = api("GET", "/invoices", params={"status": ["open", "paid"], "debtor_id": debtor["id"]}).json()["data"]
    assert len(opened) == 2
    assert api("GET", "/invoices", params={"status": "lost"}).status_code == 422


def test_invoice_refusals(api: Api) -> None:
    debtor = _debtor(api)
    base = {"debtor_id": debtor["id"], "number": "A-1", "amount_minor": 100, "currency": "EUR", "due_on": str(DUE)}
    assert api("POST", "/invoices", json={**base, "amount_minor": 0}).json()["error"]["field"] == "amount_minor"
    assert api("POST", "/invoices", json={**base, "currency": "EURO"}).json()["error"]["field"] == "currency"
    assert api("POST", "/invoices", json={**base, "currency": "XYZ"}).json()["error"]["field"] == "currency"
    late = api("POST", "/invoices", json={**base, "issued_on": str(DUE + timedelta(days=1))})
    assert late.json()["error"]["field"] == "due_on"
    nobody = api("POST", "/invoices", json={**base, "debtor_id": None, "debtor_ref": "missing"})
    assert (nobody.status_code, nobody.json()["error"]["field"]) == (422, "debtor_ref")
    assert api("POST", "/invoices", json={**base, "debtor_id": 2**31 - 1}).status_code == 404
    assert api("POST", "/invoices", json={**base, "debtor_id": 2**31}).status_code == 422
    _invoice(api, debtor["id"], "A-1")
    assert api("POST", "/invoices", json=base).status_code == 409


def test_patching_an_invoice_replans_its_reminders_and_can_promise(api: Api, session: Session) -> None:
    debtor = _debtor(api)
    invoice = _invoice(api, debtor["id"], due_on=str(date.today() + timedelta(days=3)))
    cadence_id = simple_cadence(session, api.ctx, offsets=(0, 5))
    campaigns.create_campaign(
        session, api.ctx, name="Test", cadence_id=cadence_id, invoice_ids=[invoice["id"]], now=utcnow()
    )
    planner.plan_all(session, now=utcnow())
    session.commit()
    before = session.exec(select(Message.scheduled_at).where(Message.invoice_id == invoice["id"])).all()
    new_due = date.today() + timedelta(days=10)
    patched = api("PATCH", f"/invoices/{invoice['id']}", json={"due_on": str(new_due), "amount_minor": 20000})
    assert patched.status_code == 200, patched.text
    assert (patched.json()["due_on"], patched.json()["amount_minor"]) == (str(new_due), 20000)
    session.expire_all()
    assert session.exec(select(Message).where(Message.invoice_id == invoice["id"])).all() == []  # to be re-planned
    assert before
    promised_on = str(date.today() + timedelta(days=4))
    promise = api("PATCH", f"/invoices/{invoice['id']}", json={"status": "promised", "promised_on": promised_on})
    assert (promise.json()["status"], promise.json()["promised_on"]) == ("promised", promised_on)
    paid = api("PATCH", f"/invoices/{invoice['id']}", json={"status": "paid"})
    assert paid.status_code == 422
    assert paid.json()["error"]["field"] == "status"


def test_upsert_by_number(api: Api) -> None:
    debtor = _debtor(api)
    body = {"debtor_id": debtor["id"], "number": "ignored", "amount_minor": 100, "currency": "EUR", "due_on": str(DUE)}
    created = api("PUT", "/invoices/by-number/2026/0001", json=body)
    assert (created.status_code, created.json()["number"]) == (201, "2026/0001")
    updated = api("PUT", "/invoices/by-number/2026/0001", json={**body, "amount_minor": 250})
    assert (updated.status_code, updated.json()["amount_minor"]) == (200, 250)
    assert updated.json()["id"] == created.json()["id"]


def test_bulk_upserts_a_thousand_invoices_or_none(api: Api, session: Session) -> None:
    debtor = _debtor(api, external_ref="C-1")
    _invoice(api, debtor["id"], "B-0000", amount_minor=1)
    items = [
        {"debtor_ref": "C-1", "number": f"B-{n:04}", "amount_minor": 100 + n, "currency": "EUR", "due_on": str(DUE)}
        for n in range(1000)
    ]
    bad = [dict(item) for item in items]
    bad[10]["currency"] = "???"
    bad[500]["debtor_ref"] = "nobody"
    refused = api("POST", "/invoices/bulk", json={"invoices": bad})
    assert refused.status_code == 422
    details = refused.json()["error"]["details"]
    assert [(d["index"], d["field"]) for d in details] == [(10, "currency")]  # the schema check comes first
    bad[10]["currency"] = "EUR"
    refused = api("POST", "/invoices/bulk", json={"invoices": bad})
    assert [(d["index"], d["field"]) for d in refused.json()["error"]["details"]] == [(500, "debtor_ref")]
    session.expire_all()
    assert len(session.exec(select(Invoice).where(Invoice.org_id == api.ctx.org_id)).all()) == 1  # none written
    done = api("POST", "/invoices/bulk", json={"invoices": items})
    assert done.status_code == 200, done.text[:500]
    assert (done.json()["created"], done.json()["updated"]) == (999, 1)
    assert api("GET", "/invoices", params={"number": "B-0000"}).json()["data"][0]["amount_minor"] == 100
    too_many = api("POST", "/invoices/bulk", json={"invoices": [*items, items[0]]})
    assert too_many.status_code == 422
    twice = api("POST", "/invoices/bulk", json={"invoices": [items[1], items[1]]}).json()["error"]["details"]
    assert [d["index"] for d in twice] == [0, 1]


# Payments and campaigns


def test_payments_settle_invoices_once_per_external_id(api: Api) -> None:
    debtor = _debtor(api)
    invoice = _invoice(api, debtor["id"])
    part = api("POST", "/payments", json={"invoice_number": "INV-1", "amount_minor": 5000, "external_id": "tx-1"})
    assert part.status_code == 201
    again = api("POST", "/payments", json={"invoice_number": "INV-1", "amount_minor": 5000, "external_id": "tx-1"})
    assert (again.status_code, again.json()["id"]) == (200, part.json()["id"])
    assert api("GET", f"/invoices/{invoice['id']}").json()["status"] == "partially_paid"
    rest = api("POST", "/payments", json={"invoice_id": invoice["id"], "amount_minor": 10000, "method": "pix"})
    assert rest.json()["source"] == "api"
    settled = api("GET", f"/invoices/{invoice['id']}").json()
    assert (settled["status"], settled["outstanding_minor"]) == ("paid", 0)
    listed = api("GET", "/payments", params={"invoice_id": invoice["id"]}).json()["data"]
    assert [p["amount_minor"] for p in listed] == [5000, 10000]
    assert api("GET", f"/payments/{listed[0]['id']}").json() == listed[0]
    over = api("POST", "/payments", json={"invoice_id": invoice["id"], "amount_minor": 1})
    assert over.status_code == 422
    unknown = api("POST", "/payments", json={"invoice_number": "NOPE", "amount_minor": 1})
    assert unknown.json()["error"]["field"] == "invoice_id"


def test_campaign_stats_count_sent_and_paid(api: Api, session: Session) -> None:
    debtor = _debtor(api)
    invoices = [_invoice(api, debtor["id"], f"INV-{n}") for n in range(2)]
    cadence_id = simple_cadence(session, api.ctx, offsets=(-40,))
    campaign = campaigns.create_campaign(
        session, api.ctx, name="Spring", cadence_id=cadence_id, invoice_ids=[i["id"] for i in invoices], now=utcnow()
    )
    session.commit()
    listed = api("GET", "/campaigns").json()["data"]
    assert [(c["name"], c["stats"]) for c in listed] == [("Spring", None)]
    api("POST", "/payments", json={"invoice_id": invoices[0]["id"], "amount_minor": 15000})
    stats = api("GET", f"/campaigns/{campaign.id}").json()["stats"]
    assert (stats["invoices"], stats["paid"], stats["paid_minor"]) == (2, 1, {"BRL": 15000})
    assert api("GET", "/campaigns", params={"status": "sleeping"}).status_code == 422


def test_messages_and_replies_of_a_debtor(api: Api, session: Session) -> None:
    debtor = _debtor(api)
    invoice = _invoice(api, debtor["id"], due_on=str(date.today() + timedelta(days=2)))
    cadence_id = simple_cadence(session, api.ctx, offsets=(0,))
    campaigns.create_campaign(
        session, api.ctx, name="Test", cadence_id=cadence_id, invoice_ids=[invoice["id"]], now=utcnow()
    )
    planner.plan_all(session, now=utcnow())
    session.commit()
    [message] = api("GET", f"/debtors/{debtor['id']}/messages").json()["data"]
    assert (message["status"], message["invoice_id"]) == ("scheduled", invoice["id"])
    assert api("GET", f"/debtors/{debtor['id']}/replies").json() == {"data": [], "next_cursor": None}


# Idempotency and limits


def test_an_idempotency_key_makes_a_retry_harmless(api: Api) -> None:
    body = {"name": "Ana", "phone": "+393331234567"}
    first = api("POST", "/debtors", json=body, headers={"Idempotency-Key": "k-1"})
    replay = api("POST", "/debtors", json=body, headers={"Idempotency-Key": "k-1"})
    assert (first.status_code, replay.status_code) == (201, 201)
    assert replay.json() == first.json()
    assert replay.headers["idempotent-replayed"] == "true"
    assert len(api("GET", "/debtors").json()["data"]) == 1
    reused = api("POST", "/debtors", json={**body, "name": "Bea"}, headers={"Idempotency-Key": "k-1"})
    assert reused.status_code == 409
    assert reused.json()["error"]["field"] == "Idempotency-Key"
    refused = api("POST", "/debtors", json={"name": "x", "phone": "1"}, headers={"Idempotency-Key": "k-2"})
    fixed = api("POST", "/debtors", json={"name": "x", "phone": "1"}, headers={"Idempotency-Key": "k-2"})
    assert (refused.status_code, fixed.status_code) == (422, 422)  # refusals are not stored: nothing was done
    assert api("POST", "/debtors", json=body, headers={"Idempotency-Key": "x" * 256}).status_code == 422


def test_idempotency_keys_are_per_organization(api: Api, other: Api) -> None:
    mine = api("POST", "/debtors", json={"name": "Ana", "phone": "+393331234567"}, headers={"Idempotency-Key": "k"})
    theirs = other("POST", "/debtors", json={"name": "Ana", "phone": "+393331234567"}, headers={"Idempotency-Key": "k"})
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["id"] != theirs.json()["id"]


def test_bodies_over_the_limit_are_refused_with_413(api: Api) -> None:
    big = "x" * (API_BODY_LIMIT + 1)
    declared = api("POST", "/debtors", content=big, headers={"Content-Type": "application/json"})
    assert declared.status_code == 413
    assert declared.json()["error"]["code"] == "too_large"

    def chunks() -> Any:
        for _ in range(3):
            yield b" " * (API_BODY_LIMIT // 2)

    streamed = api("POST", "/debtors", content=chunks(), headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413


# Tenant walls: every endpoint that takes an id answers 404 for another organization's row.


def test_no_endpoint_reaches_another_organizations_rows(api: Api, other: Api, session: Session) -> None:
    debtor = _debtor(other)
    invoice = _invoice(other, debtor["id"])
    payment = other("POST", "/payments", json={"invoice_id": invoice["id"], "amount_minor": 100}).json()
    cadence_id = simple_cadence(session, other.ctx)
    campaign = campaigns.create_campaign(
        session, other.ctx, name="X", cadence_id=cadence_id, invoice_ids=[invoice["id"]], now=utcnow()
    )
    session.commit()
    _debtor(other, name="Ref", phone="+393339999999", external_ref="R-1")
    reads = [
        f"/debtors/{debtor['id']}",
        f"/debtors/{debtor['id']}/messages",
        f"/debtors/{debtor['id']}/replies",
        f"/invoices/{invoice['id']}",
        f"/payments/{payment['id']}",
        f"/campaigns/{campaign.id}",
    ]
    for path in reads:
        assert api("GET", path).status_code == 404, path
    assert api("PATCH", f"/debtors/{debtor['id']}", json={"name": "Mine"}).status_code == 404
    assert api("POST", f"/debtors/{debtor['id']}/opt-out").status_code == 404
    assert api("PATCH", f"/invoices/{invoice['id']}", json={"amount_minor": 1}).status_code == 404
    assert api("POST", "/payments", json={"invoice_id": invoice["id"], "amount_minor": 1}).status_code == 404
    theirs = {"debtor_id": debtor["id"], "number": "X-1", "amount_minor": 1, "currency": "EUR", "due_on": str(DUE)}
    assert api("POST", "/invoices", json=theirs).status_code == 404
    [missing] = api("POST", "/invoices/bulk", json={"invoices": [theirs]}).json()["error"]["details"]
    assert (missing["index"], missing["field"], missing["message"]) == (0, "debtor_id", "This debtor does not exist.")
    assert api("PUT", "/invoices/by-number/INV-1", json=theirs).status_code == 404
    by_ref = {"debtor_ref": "R-1", "number": "X-2", "amount_minor": 1, "currency": "EUR", "due_on": str(DUE)}
    assert api("POST", "/invoices", json=by_ref).json()["error"]["field"] == "debtor_ref"
    assert api("POST", "/payments", json={"invoice_number": "INV-1", "amount_minor": 1}).status_code == 422
    mine = api("PUT", "/debtors/by-ref/R-1", json={"name": "Mine", "phone": "+393339999999"})
    assert mine.status_code == 201  # their reference and phone mean nothing here: a debtor of our own
    for path in ("/debtors", "/invoices", "/payments", "/campaigns"):
        rows = api("GET", path).json()["data"]
        assert all(row["id"] != other_id for row in rows for other_id in (debtor["id"], invoice["id"]))
    assert [row["name"] for row in api("GET", "/debtors").json()["data"]] == ["Mine"]
    assert api("GET", "/invoices").json()["data"] == []


def test_the_api_describes_itself(client: TestClient) -> None:
    document = client.get("/api/v1/openapi.json").json()
    assert document["info"]["title"] == "Cobro API"
    assert "/api/v1/invoices/bulk" in document["paths"]
    assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assert "Idempotency-Key" in page.text
    assert "/api/v1/invoices/by-number/{number}" in page.text


def test_idempotency_keys_expire_after_a_day(api: Api, session: Session) -> None:
    body = {"name": "Ana", "phone": "+393331234567"}
    first = api("POST", "/debtors", json=body, headers={"Idempotency-Key": "old"})
    assert idempotency.purge(session, utcnow()) == 0
    session.commit()
    assert idempotency.purge(session, utcnow() + idempotency.RETENTION + timedelta(seconds=1)) == 1
    session.commit()
    again = api("POST", "/debtors", json=body, headers={"Idempotency-Key": "old"})
    assert (first.status_code, again.status_code) == (201, 409)  # done again: the phone is now taken


def test_other_paths_and_methods_answer_in_json(api: Api) -> None:
    wrong_method = api("OPTIONS", "/debtors")
    assert (wrong_method.status_code, wrong_method.headers["allow"]) == (405, "GET, POST")
    assert api("DELETE", "/invoices/1").headers["allow"] == "GET, PATCH"
    missing = api("GET", "/debtors/not-a-number")
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "not_found")
    assert api("GET", "/nothing/here").status_code == 404


def test_text_the_database_cannot_store_is_refused(api: Api) -> None:
    # JSON escapes can carry NUL and lone surrogates, which neither database stores: written as a client would.
    for body in (
        '{"name": "A\\u0000na", "phone": "+393331234567"}',
        '{"name": "A\\ud800na", "phone": "+393331234567"}',
        '{"name": "Ana", "phone": "+393331234567", "attributes": {"k\\udc00": 1}}',
    ):
        refused = api("POST", "/debtors", content=body, headers={"Content-Type": "application/json"})
        assert refused.status_code == 422, body
    assert api("GET", "/debtors").json()["data"] == []


def test_bodies_are_read_with_strict_types_and_finite_numbers(api: Api, session: Session) -> None:
    """`true` was stored as an amount of 1, "100" as 100, and NaN or 1e999 as non-standard JSON."""
    debtor = _debtor(api)
    base = {"debtor_id": debtor["id"], "number": "S-1", "amount_minor": 100, "currency": "EUR", "due_on": str(DUE)}
    for amount in (True, "100", 100.0):
        refused = api("POST", "/invoices", json={**base, "amount_minor": amount})
        assert (refused.status_code, refused.json()["error"]["field"]) == (422, "amount_minor"), amount
    assert api("POST", "/invoices", json={**base, "debtor_id": "1"}).status_code == 422
    for raw in (b"NaN", b"Infinity", b"1e999"):
        body = b'{"name": "Ana", "phone": "+5511987654322", "opt_in_source": "api", "attributes": {"score": %s}}' % raw
        refused = api("POST", "/debtors", content=body, headers={"Content-Type": "application/json"})
        assert refused.status_code == 422, raw
    kept = _debtor(api, phone="+5511987654323", attributes={"vip": True, "score": 1.5, "visits": 3, "note": "ok"})
    assert kept["attributes"] == {"vip": True, "score": 1.5, "visits": 3, "note": "ok"}
    assert api("GET", "/invoices").json()["data"] == []
