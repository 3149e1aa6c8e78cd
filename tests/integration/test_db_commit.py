"""db.committed_with: the block's writes and the COMMIT sent together, all of them or none."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from saas_app import db
from saas_app.models import WebhookEvent
from saas_app.models.base import utcnow

_STORE = text("INSERT INTO webhookevent (source, body, received_at) VALUES ('whatsapp', :body, :at)")


def _stored(database_url: str) -> int:
    with Session(db.engine_for(database_url)) as other:  # another connection: only what was committed
        return other.exec(select(func.count()).select_from(WebhookEvent)).one()


def test_the_block_s_writes_are_committed_when_it_ends(session: Session, database_url: str) -> None:
    with db.committed_with(session):
        session.execute(_STORE, {"body": "first", "at": utcnow()})
        session.execute(_STORE, {"body": "second", "at": utcnow()})
    assert _stored(database_url) == 2
    session.execute(_STORE, {"body": "next", "at": utcnow()})  # the session goes on, in a new transaction
    session.commit()
    assert _stored(database_url) == 3


def _store_two_the_second_refused(session: Session) -> None:
    with db.committed_with(session):
        session.execute(_STORE, {"body": "fine", "at": utcnow()})
        session.execute(_STORE, {"body": None, "at": utcnow()})  # body is NOT NULL


def test_a_write_that_fails_leaves_nothing_committed(session: Session, database_url: str) -> None:
    with pytest.raises(IntegrityError):
        _store_two_the_second_refused(session)
    session.rollback()
    assert _stored(database_url) == 0
    session.execute(_STORE, {"body": "again", "at": utcnow()})  # the connection is usable after it
    session.commit()
    assert _stored(database_url) == 1
