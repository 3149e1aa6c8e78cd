"""The PostgreSQL pool pings a connection only when it sat idle, and a dead one is replaced, not handed out."""

from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import Engine, text

from saas_app import db
from tests.databases import postgres_admin_url, postgres_database

pytestmark = pytest.mark.skipif(postgres_admin_url() is None, reason="needs PostgreSQL")


@pytest.fixture
def engine() -> Iterator[Engine]:
    with postgres_database() as url:
        engine = db.engine_for(url)
        yield engine
        engine.dispose()


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_connection_back_in_the_pool_a_moment_ago_is_used_without_a_ping(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid = _backend_pid(engine)
    pings: list[object] = []
    monkeypatch.setattr(engine.dialect, "do_ping", pings.append)
    assert _backend_pid(engine) == pid
    assert pings == []


def test_an_idle_connection_the_server_dropped_is_replaced(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    dropped = _backend_pid(engine)
    with psycopg.connect(str(engine.url.set(drivername="postgresql")), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", (dropped,))
    monkeypatch.setattr(db, "IDLE_BEFORE_PING", 0.0)
    assert _backend_pid(engine) != dropped  # answered, on a new connection
