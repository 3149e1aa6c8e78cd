"""Migrations that change data, run on a database holding the data they change."""

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from alembic import command
from saas_app import db
from saas_app.migrations import alembic_config
from saas_app.models import Organization, OutboundEmail, WhatsAppAccount
from tests.conftest import BACKENDS
from tests.databases import postgres_database


@pytest.fixture(params=BACKENDS)
def empty_database(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{Path(tempfile.mkdtemp(prefix='cobro-migrate-')) / 'm.db'}"
        return
    with postgres_database() as url:
        yield url
        db.engine_for(url).dispose()


def test_0012_keeps_a_shared_waba_with_the_organization_that_saved_it_first(empty_database: str) -> None:
    config = alembic_config(empty_database)
    command.upgrade(config, "0011")
    with Session(db.engine_for(empty_database)) as session:
        orgs = [Organization(name=name, slug=name.lower()) for name in ("First", "Second", "Third")]
        session.add_all(orgs)
        session.flush()
        numbers = ("1098765431", "1098765432", "1098765433")
        wabas = ("2098765432", "2098765432", "2098765499")
        session.add_all(
            WhatsAppAccount(org_id=org.id or 0, phone_number_id=number, waba_id=waba)
            for org, number, waba in zip(orgs, numbers, wabas, strict=True)
        )
        session.commit()
    command.upgrade(config, "head")
    with Session(db.engine_for(empty_database)) as session:
        kept = session.exec(select(WhatsAppAccount.phone_number_id, WhatsAppAccount.waba_id)).all()
    assert sorted(kept) == [("1098765431", "2098765432"), ("1098765432", ""), ("1098765433", "2098765499")]
    command.downgrade(config, "0011")


def test_0013_withholds_the_tokens_of_links_already_stored_in_emails(empty_database: str) -> None:
    config = alembic_config(empty_database)
    command.upgrade(config, "0012")
    token = "Yk3vQ2x_1-ZaPq9rT0uVwXyZ01234567890abcdefgh"
    bodies = [
        f"Open this link within an hour to choose a new one:\nhttp://localhost:3000/reset-password/{token}\nBye.",
        f"Accept within 7 days: https://cobro.example.com/invite/{token}",
        "Welcome to Cobro: https://cobro.example.com/dashboard",
    ]
    with Session(db.engine_for(empty_database)) as session:
        session.add_all(OutboundEmail(to="ana@example.com", subject="s", body=body) for body in bodies)
        session.commit()
    command.upgrade(config, "head")
    with Session(db.engine_for(empty_database)) as session:
        kept = session.exec(select(OutboundEmail.body).order_by(OutboundEmail.id)).all()
    assert kept == [
        "Open this link within an hour to choose a new one:\nhttp://localhost:3000/reset-password/[withheld]\nBye.",
        "Accept within 7 days: https://cobro.example.com/invite/[withheld]",
        bodies[2],
    ]
    command.downgrade(config, "0012")
