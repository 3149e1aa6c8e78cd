"""Shared fixtures: each integration test runs against SQLite and against PostgreSQL."""

import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

# Settings are read at import: give the process a private database and secret before anything imports them.
_TMP = Path(tempfile.mkdtemp(prefix="cobro-tests-"))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_TMP / 'default.db'}")
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ.pop("COBRO_SMTP_URL", None)

import pytest  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlmodel import Session, SQLModel  # noqa: E402
from time_machine import TimeMachineFixture  # noqa: E402

from saas_app import db, migrations  # noqa: E402
from saas_app.services import recent  # noqa: E402
from tests import properties  # noqa: E402, F401  (the Hypothesis profile, before any test is collected)
from tests.databases import postgres_admin_url, postgres_database  # noqa: E402

BACKENDS = ["sqlite"] + (["postgresql"] if postgres_admin_url() else [])


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A migrated database per backend, shared by the session's tests (emptied after each)."""
    if request.param == "sqlite":
        url = f"sqlite:///{_TMP / 'integration.db'}"
        migrations.upgrade(url)
        yield url
        return
    with postgres_database() as url:
        migrations.upgrade(url)
        yield url
        db.engine_for(url).dispose()


def _empty_all_tables(url: str) -> None:
    engine = db.engine_for(url)
    with engine.begin() as connection:
        for table in reversed(SQLModel.metadata.sorted_tables):
            connection.execute(text(f'DELETE FROM "{table.name}"'))
    recent.forget_all()  # what the process read a moment ago is gone with the rows


@pytest.fixture
def session(database_url: str) -> Iterator[Session]:
    """A session on the backend under test; the app's own session_scope() uses the same database."""
    db.use_database(database_url)
    with Session(db.engine_for(database_url), expire_on_commit=False) as s:
        yield s
    _empty_all_tables(database_url)


MIDDAY = datetime(2026, 12, 5, 12, tzinfo=UTC)


@pytest.fixture
def midday(time_machine: TimeMachineFixture) -> date:
    """Noon UTC of a fixed day, the clock running from there; gives that day.

    A test that writes "due 12 days ago" and reads "12 days overdue" must not see midnight pass between
    the two, which a run started late in the evening did.
    """
    time_machine.move_to(MIDDAY, tick=True)
    return MIDDAY.date()
