"""Alembic runs against the engine the app uses (DATABASE_URL, or a connection handed in by tests)."""

from sqlmodel import SQLModel

import saas_app.models  # noqa: F401 - registers every table on SQLModel.metadata
from alembic import context
from saas_app.db import engine_for
from saas_app.settings import settings

target_metadata = SQLModel.metadata


def run_migrations() -> None:
    """Migrates on the connection a test handed in, inside its transaction; else on our own, committed."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.config.attributes.get("url") or settings.database_url
    with engine_for(url).connect() as connection:
        _run(connection)
        connection.commit()


def _run(connection: object) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode rebuilds the table
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
