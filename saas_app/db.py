"""The database engine and sessions; one engine per URL per process."""

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache, partial
from typing import Any, cast

import psycopg
from sqlalchemy import ARRAY, any_, bindparam, event, exc
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session, create_engine

from saas_app.settings import settings


def normalize_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever scheme the operator wrote."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _enable_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL syncs at checkpoints, not at every commit: a commit survives the app being
    # killed; only a power cut or an OS crash can undo the last ones. Rails' SQLite default, and at a
    # campaign's thousands of commits a minute (worker batches, webhook groups) FULL's fsync per
    # commit is the slowest step. PostgreSQL, the production path, keeps its own settings.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


@cache
def engine_for(url: str) -> Engine:
    """One engine per database URL: SQLite with its pragmas, PostgreSQL with a pool that checks its connections."""
    url = normalize_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _enable_sqlite_pragmas)
        return engine
    engine = create_engine(url, pool_size=10, max_overflow=20)
    event.listen(engine, "checkin", _note_idle_since)
    event.listen(engine, "checkout", partial(_ping_if_idle, engine.dialect))
    return engine


# A pooled connection idle this long is pinged before use (a restarted server or a dropped link shows
# there). SQLAlchemy's pool_pre_ping pinged at every checkout: a round trip of its own for each group
# of webhooks, whose connection was back in the pool a millisecond before. A connection that breaks
# while in steady use fails its statement instead, and SQLAlchemy then replaces the pool's connections.
IDLE_BEFORE_PING = 1.0
_IDLE_SINCE = "cobro_idle_since"


def _note_idle_since(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    record.info[_IDLE_SINCE] = time.monotonic()


def _ping_if_idle(dialect: Dialect, dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
    """The pre-ping, only for a connection that sat idle; the pool retries a dead one with a new connection."""
    idle_since = record.info.get(_IDLE_SINCE)
    if idle_since is None or time.monotonic() - idle_since < IDLE_BEFORE_PING:
        return  # new, or back in the pool a moment ago
    try:
        dialect.do_ping(dbapi_connection)
    except Exception as failure:
        raise exc.DisconnectionError(str(failure)) from failure


_database_url = settings.database_url


def use_database(url: str) -> None:
    """Point this process at another database (tests, and tools that take a URL)."""
    global _database_url
    _database_url = url


def get_engine() -> Engine:
    """The engine for the configured database."""
    return engine_for(_database_url)


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def committed_with(session: Session) -> Iterator[None]:
    """Commits the session's transaction at the end of the block, its statements travelling with the COMMIT.

    On PostgreSQL the block's statements are queued (psycopg's pipeline mode) and sent with the
    COMMIT in one round trip, instead of a round trip each: a group of webhooks spent most of its time
    waiting for answers nobody reads. So the block may only write, never read a result (no SELECT,
    no RETURNING, no ORM flush): pending ORM changes are flushed before it starts. A statement that
    fails makes the whole transaction fail when the block ends, and nothing of it is committed.
    """
    session.flush()
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        yield
        session.commit()
        return
    driver = cast(psycopg.Connection[Any], connection.connection.driver_connection)
    try:
        with driver.pipeline():
            yield
            driver.execute("COMMIT")
    except psycopg.Error as error:  # raised as the pipeline ends, past SQLAlchemy: given its shape here
        if driver.broken:
            connection.invalidate(error)
        raise exc.DBAPIError.instance("COMMIT", None, error, psycopg.Error) from error
    session.commit()  # SQLAlchemy's side: the driver's transaction has ended, nothing is sent


def column_arrays(types: Iterable[str]) -> str:
    """PostgreSQL placeholders for rows sent as one array per column, e.g. `unnest(...)` of a batch.

    Binary (`%b`): as text, psycopg quotes each element in Python, and a JSON body is full of quotes
    (measured: 32 webhook bodies cost 4.9 ms of CPU as text arrays, 0.3 ms in binary).
    """
    return ", ".join(f"%b::{kind}[]" for kind in types)


def one_of(dialect: str, column: Any, name: str) -> Any:
    """`column IN :name`, the values bound at execution; on PostgreSQL `= ANY` of one array parameter.

    The values are not part of the clause, so a statement using it can be built once, and SQLAlchemy
    keys its compiled form once: built per call, a group of webhooks spent a quarter to a third of
    its time building and keying statements. For a batch of hundreds of values, one array parameter
    is what lets PostgreSQL plan an index scan cheaply, and costs a third of the CPU of separate ones.
    """
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(column.type)))
    return column.in_(bindparam(name, expanding=True))
