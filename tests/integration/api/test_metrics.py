"""/metrics: who is answered, and what Prometheus reads there (api/app.py, metrics.py)."""

import dataclasses
import json
import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update
from sqlmodel import Session, col, select

from saas_app.api import app as api_app
from saas_app.api.app import create_api
from saas_app.models import Message, WhatsAppAccount
from saas_app.settings import settings
from saas_app.whatsapp.webhooks import signature_of
from tests.factories import sign_up
from tests.integration.services.test_webhooks import SECRET, _planned_message, connect, envelope
from tests.integration.worker.test_dispatcher import campaign_world
from tests.logging_capture import JsonLines

LOOPBACK = ("127.0.0.1", 50000)
STRANGER = ("203.0.113.9", 50000)
TOKEN = "scrape-token-0123456789"
EARLIER_YEARS = datetime(2000, 1, 1, tzinfo=UTC)
LATER_YEARS = datetime(2100, 1, 1, tzinfo=UTC)


def client_from(address: tuple[str, int]) -> TestClient:
    return TestClient(create_api(), follow_redirects=False, client=address)


@pytest.fixture
def with_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api_app, "settings", dataclasses.replace(settings, metrics_token=TOKEN))


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape by its name and labels."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def scrape(session: Session) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = client_from(LOOPBACK).get("/metrics")
    assert answer.status_code == 200, answer.text
    return samples(answer.text)


def test_with_a_token_only_its_bearer_is_answered(session: Session, with_token: None) -> None:
    client = client_from(LOOPBACK)  # this machine too: the token decides
    missing = client.get("/metrics")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert "cobro_" not in missing.text
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong-token"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": f"Basic {TOKEN}"}).status_code == 401
    answer = client_from(STRANGER).get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    assert "cobro_http_requests_total" in answer.text


def test_without_a_token_only_this_machine_is_answered(session: Session) -> None:
    assert client_from(STRANGER).get("/metrics").status_code == 404
    assert client_from(("::1", 50000)).get("/metrics").status_code == 200
    # A proxy on this machine passes everyone's requests on from loopback: those are strangers' too.
    forwarded = client_from(LOOPBACK).get("/metrics", headers={"X-Forwarded-For": STRANGER[0]})
    assert forwarded.status_code == 404
    assert client_from(LOOPBACK).get("/metrics").status_code == 200


def test_messages_by_status_and_tier_and_the_queue_are_read_from_the_database(session: Session) -> None:
    campaign_world(session, 5)  # five reminders planned
    session.execute(update(WhatsAppAccount).values(messaging_limit=2000))
    session.execute(update(Message).values(scheduled_at=LATER_YEARS))
    due, sent = session.exec(select(Message.id).order_by(col(Message.id))).all()[:2]
    session.execute(update(Message).where(col(Message.id) == due).values(scheduled_at=EARLIER_YEARS))
    session.execute(update(Message).where(col(Message.id) == sent).values(status="sent"))
    session.commit()
    figures = scrape(session)
    assert figures[("cobro_messages", (("status", "scheduled"), ("tier", "2000")))] == 4
    assert figures[("cobro_messages", (("status", "sent"), ("tier", "2000")))] == 1
    assert figures[("cobro_queue_depth", ())] == 1, "only the one message whose time has come"
    session.execute(update(WhatsAppAccount).values(messaging_limit=0))
    session.commit()
    assert scrape(session)[("cobro_messages", (("status", "scheduled"), ("tier", "unlimited")))] == 4


def test_requests_are_counted_by_route_template_never_by_their_path(session: Session) -> None:
    client = client_from(LOOPBACK)
    before = scrape(session)
    client.get("/api/v1/debtors/98765")  # no API key: 401
    client.get("/no-such-page/12345")
    client.post("/webhooks/whatsapp", content=b"{}")  # unsigned: 401, answered ahead of FastAPI's routing
    text = client.get("/metrics").text
    after = samples(text)

    def added(route: str, method: str, code: str) -> float:
        key = ("cobro_http_requests_total", (("code", code), ("method", method), ("route", route)))
        return after.get(key, 0) - before.get(key, 0)

    assert added("/api/v1/debtors/{debtor_id}", "GET", "401") == 1
    assert added("other", "GET", "404") == 1
    assert added("/webhooks/whatsapp", "POST", "401") == 1
    assert "98765" not in text
    assert "12345" not in text


def test_webhook_lag_runs_from_metas_timestamp_to_the_status_applied(session: Session) -> None:
    _, ctx = sign_up_connected(session)
    _planned_message(session, ctx)
    stamped = int(time.time()) - 30  # Meta saw it delivered 30 s ago
    body = json.dumps(
        envelope("1098765432", statuses=[{"id": "wamid.OUT1", "status": "delivered", "timestamp": str(stamped)}])
    ).encode()
    before = scrape(session)
    answer = client_from(LOOPBACK).post(
        "/webhooks/whatsapp", content=body, headers={"X-Hub-Signature-256": signature_of(body, SECRET)}
    )
    assert answer.status_code == 200
    refused = client_from(LOOPBACK).post("/webhooks/whatsapp", content=body, headers={"X-Hub-Signature-256": "x"})
    assert refused.status_code == 403
    after = scrape(session)

    def added(name: str, le: str | None = None) -> float:
        key = ("cobro_webhook_lag_seconds" + name, (("le", le),) if le else ())
        return after[key] - before.get(key, 0)

    assert added("_count") == 1, "one event applied; the refused POST is not counted"
    assert 30 <= added("_sum") < 90
    assert added("_bucket", "10.0") == 0
    assert added("_bucket", "60.0") == 1


def sign_up_connected(session: Session):
    signed_up, ctx = sign_up(session)
    connect(session, ctx)
    return signed_up, ctx


@pytest.fixture
def json_lines() -> Iterator[JsonLines]:
    handler = JsonLines(logging.ERROR)
    logging.getLogger().addHandler(handler)
    yield handler
    logging.getLogger().removeHandler(handler)


def test_an_unhandled_error_is_answered_and_logged_once_with_a_reference_and_the_request_id(
    session: Session, json_lines: JsonLines
) -> None:
    api = create_api()

    def broken() -> None:
        raise RuntimeError("a bug while texting +5511987654321")

    api.add_api_route("/broken", broken)
    client = TestClient(api, raise_server_exceptions=False, client=LOOPBACK)
    answer = client.get("/broken", headers={"X-Request-ID": "req-42"})
    assert answer.status_code == 500
    assert answer.headers["x-request-id"] == "req-42"
    reference = answer.json()["reference"]
    assert len(json_lines.lines) == 1, json_lines.lines
    line = json_lines.lines[0]
    assert (line["level"], line["request_id"], line["reference"]) == ("error", "req-42", reference)
    assert reference in line["event"]
    assert "RuntimeError: a bug while texting +*********4321" in line["error"]
    assert "987654321" not in json.dumps(line)
    # A request id a caller cannot use to forge log lines is replaced by one of ours.
    fresh = client.get("/api/health", headers={"X-Request-ID": "bad id\n{}"}).headers["x-request-id"]
    assert len(fresh) == 16
    assert fresh.isalnum()
