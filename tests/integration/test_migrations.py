"""Migrations that change data, run on a database holding the data they change."""

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from alembic import command
from saas_app import db
from saas_app.migrations import alembic_config
from saas_app.models import Organization, WhatsAppAccount
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


def test_0013_adds_the_invoice_list_indexes_and_takes_them_back(empty_database: str) -> None:
    config = alembic_config(empty_database)
    command.upgrade(config, "head")
    wanted = {
        "invoice": {
            "ix_invoice_org_due",
            "ix_invoice_org_debtor_due",
            "ix_invoice_org_outstanding",
            "ix_invoice_org_totals",
        },
        "enrollment": {"ix_enrollment_org_invoice"},
    }

    def indexes() -> dict[str, set[str]]:
        # Read from the catalogue: SQLAlchemy's reflection skips SQLite's index on an expression.
        engine = db.engine_for(empty_database)
        listing = (
            "SELECT tbl_name, name FROM sqlite_master WHERE type = 'index'"
            if engine.dialect.name == "sqlite"
            else "SELECT tablename, indexname FROM pg_indexes"
        )
        with engine.connect() as connection:
            found = connection.execute(text(listing)).all()
        return {table: {name for on, name in found if on == table} & names for table, names in wanted.items()}

    assert indexes() == wanted
    command.downgrade(config, "0012")
    assert indexes() == {"invoice": set(), "enrollment": set()}
    command.upgrade(config, "head")
    assert indexes() == wanted
