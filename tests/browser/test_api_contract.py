"""Schemathesis against the running app: generated requests to every operation of /api/v1.

It checks that nothing answers 5xx, that every answer is documented and matches its schema, that
invalid input is refused, and that the key is required. Business rules the schema cannot say (a real
phone number, a cursor we made) may refuse schema-valid input: that one check is left out.
"""

import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import Session

from saas_app import db
from saas_app.models.base import utcnow
from saas_app.services import api_keys, campaigns, debtors, invoices
from tests.browser.conftest import RunningApp
from tests.factories import sign_up, simple_cadence, today_of


@pytest.fixture
def api_key(app_server: RunningApp) -> Iterator[str]:
    """An organization with a debtor, an invoice, a payment and a campaign, and a read/write key."""
    db.use_database(app_server.database_url)
    with Session(db.get_engine(), expire_on_commit=False) as session:
        _, ctx = sign_up(session)
        debtor = debtors.create_debtor(session, ctx, debtors.DebtorInput(name="Ana", phone="+393331234567"))
        invoice = invoices.create_invoice(
            session,
            ctx,
            invoices.InvoiceInput(
                debtor_id=debtor.id or 0,
                number="INV-1",
                amount_minor=10000,
                currency="EUR",
                due_on=today_of(session, ctx) + timedelta(days=5),
            ),
        )
        invoices.record_payment(session, ctx, invoice.id or 0, amount_minor=100, paid_on=today_of(session, ctx))
        cadence_id = simple_cadence(session, ctx)
        campaigns.create_campaign(
            session, ctx, name="Contract", cadence_id=cadence_id, invoice_ids=[invoice.id or 0], now=utcnow()
        )
        key = api_keys.create_api_key(session, ctx, name="Schemathesis", scopes=["read", "write"])
        session.commit()
    return key


def test_schemathesis_finds_no_server_error_and_no_undocumented_answer(app_server: RunningApp, api_key: str) -> None:
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{app_server.url}/api/v1/openapi.json",
        "--header",
        f"Authorization: Bearer {api_key}",
        "--checks",
        "all",
        "--exclude-checks",
        "positive_data_acceptance",
        "--max-examples",
        "25",
        "--workers",
        "2",
        "--seed",
        "20261123",
        "--no-color",
    ]
    run = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "0 failures" in run.stdout or "passed" in run.stdout
