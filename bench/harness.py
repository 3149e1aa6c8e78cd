"""What every benchmark does first: a migrated database of its own, and the machine it runs on."""

import os
import platform
import tempfile

from sqlalchemy import Engine

from saas_app import db, migrations


def prepare_database(url: str, name: str) -> Engine:
    """`url`, or a fresh SQLite file; migrated and made the app's database."""
    url = url or f"sqlite:///{tempfile.mkdtemp(prefix='cobro-bench-')}/{name}.db"
    migrations.upgrade(url)
    db.use_database(url)
    return db.engine_for(url)


def machine() -> str:
    return (
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
