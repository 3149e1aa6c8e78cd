"""The production shape's tests run in `make test` (marked `production`), on PostgreSQL and Redis."""

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.databases import postgres_admin_url, postgres_database
from tests.production.servers import PrivatePostgres, PrivateRedis, postgres_available


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/production/" in str(item.fspath):
            item.add_marker(pytest.mark.production)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The processes' logs, kept for the last few runs (pytest's tmp_path) to read after a failure."""
    return tmp_path


def _needs(what: str) -> None:
    """Skip without `what`, except on CI, where the production shape must run."""
    if os.environ.get("CI") == "true":
        raise RuntimeError(f"CI=true needs {what} for tests/production")
    pytest.skip(f"needs {what}")


@pytest.fixture
def private_redis(folder: Path) -> Iterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        _needs("redis-server")
    server = PrivateRedis(folder)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    if not postgres_available():
        _needs("PostgreSQL's server programs in /usr/lib/postgresql/*/bin")
    server = PrivatePostgres(Path(tempfile.mkdtemp(prefix="cobro-postgres-")))  # its own: it may change owner
    server.start()
    yield server
    server.remove()


@pytest.fixture
def shared_postgres() -> Iterator[str]:
    """A new database on the machine's PostgreSQL (nothing here stops that server)."""
    if postgres_admin_url() is None:  # raises on CI
        pytest.skip("needs PostgreSQL")
    with postgres_database() as url:
        yield url
