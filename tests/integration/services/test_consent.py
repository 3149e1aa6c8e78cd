"""Opt-out is confirmed to the debtor once, in their language, when WhatsApp allows a free text."""

import time
from datetime import date

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from saas_app.models import AuditLog, Debtor, Message
from saas_app.services import debtors
from tests.factories import debtor_with_invoice, sign_up
from tests.integration.services.test_webhooks import client, connect, post  # noqa: F401 (client is a fixture)
from tests.integration.services.test_webhooks import reply as reply_payload


def _stop_now(text: str, wamid: str, sender: str) -> dict:
    payload = reply_payload(text, wamid, sender=sender)
    payload["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"] = str(int(time.time()))
    return payload


def test_a_stop_reply_is_confirmed_once_in_the_debtors_language(session: Session, client: TestClient) -> None:  # noqa: F811
    _, ctx = sign_up(session, org_name="Padaria Sol")
    connect(session, ctx)
    debtor_with_invoice(session, ctx, phone="+5511987654321", number="NF-1", due=date(2026, 11, 30), locale="pt_BR")
    assert post(client, _stop_now("PARAR", "wamid.IN1", "5511987654321")) == 200
    assert post(client, _stop_now("parar", "wamid.IN2", "5511987654321")) == 200  # said twice: confirmed once

    [confirmation] = session.exec(select(Message)).all()
    assert (confirmation.kind, confirmation.language, confirmation.status) == (
        "opt_out_confirmation",
        "pt_BR",
        "scheduled",
    )
    assert confirmation.text == "Pronto: Padaria Sol não vai mais enviar lembretes de pagamento para você no WhatsApp."
    [entry] = session.exec(select(AuditLog).where(AuditLog.action == "debtor.opted_out")).all()
    assert entry.details["confirmation"] == "queued"


def test_an_opt_out_outside_the_window_is_audited_as_not_confirmed(session: Session) -> None:
    _, ctx = sign_up(session)
    debtor_id, _ = debtor_with_invoice(session, ctx, phone="+393471234567", number="A-1", due=date(2026, 11, 30))
    debtors.opt_out(session, ctx, debtor_id, source="api")  # the debtor asked by phone: no WhatsApp window open
    session.commit()
    assert session.exec(select(Message)).all() == []
    entry = session.exec(select(AuditLog).where(AuditLog.action == "debtor.opted_out")).one()
    assert entry.details["confirmation"] == "not sent: outside the debtor's 24-hour window"
    assert session.get(Debtor, debtor_id).opted_out_at is not None  # type: ignore[union-attr]
