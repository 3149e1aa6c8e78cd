"""Throw-away databases for tests: a SQLite file, and PostgreSQL when it can be reached."""

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


def postgres_admin_url() -> str | None:
    """The server to create test databases on, or None when there is none (allowed outside CI)."""
    url = os.environ.get("TEST_POSTGRES_URL")
    if url:
        return url
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return DEFAULT_POSTGRES
    except OSError:
        if os.environ.get("CI") == "true":
            raise RuntimeError("CI=true needs PostgreSQL: set TEST_POSTGRES_URL or run it on 127.0.0.1:5432") from None
        return None


@contextmanager
def postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards."""
    admin_url = postgres_admin_url()
    assert admin_url is not None
    name = f"cobro_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = admin_url.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def redis_url() -> str | None:
    """A Redis server for tests, or None when there is none (allowed outside CI)."""
    url = os.environ.get("TEST_REDIS_URL")
    if url:
        return url
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return "redis://127.0.0.1:6379"
    except OSError:
        if os.environ.get("CI") == "true":
            raise RuntimeError("CI=true needs Redis: set TEST_REDIS_URL or run it on 127.0.0.1:6379") from None
        return None
