"""Alembic runs against the engine the app uses (DATABASE_URL, or a connection handed in by tests)."""

from typing import Any

from sqlalchemy import String
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


def _type_differs(
    context: Any, _column: Any, _meta_column: Any, inspected_type: Any, metadata_type: Any
) -> bool | None:
    """Types compared as Alembic does, except a string's length on SQLite, which SQLite never enforces: widening
    one there would rebuild the table (and drop its triggers) for nothing."""
    if (
        context.dialect.name == "sqlite"
        and issubclass(inspected_type._type_affinity, String)  # sqlmodel's AutoString decorates a String
        and issubclass(metadata_type._type_affinity, String)
    ):
        return False
    return None  # Alembic's own comparison


def _run(connection: object) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode rebuilds the table
        compare_type=_type_differs,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
