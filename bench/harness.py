"""What every benchmark does first: a migrated database of its own, and the machine it runs on."""

import json
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


def settle(engine: Engine) -> None:
    """Before the clock starts: on PostgreSQL, write out the pages a seed (or an earlier script) left dirty.

    Otherwise the checkpoint their WAL sets off, or the timed one every 5 minutes, lands inside the
    measured run (a 1,000,000-enrollment seed's put the planner at 85-102 s instead of 60), and the next
    timed checkpoint is now the server's checkpoint_timeout away. SQLite checkpoints as it writes.
    """
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.exec_driver_sql("CHECKPOINT")


def machine() -> str:
    return (
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )


def database_kind(url: str) -> str:
    """'PostgreSQL' or 'SQLite': the column a figure goes in."""
    return "PostgreSQL" if url.startswith("postgresql") else "SQLite"


def report(figure: str, value: float, unit: str, target: str = "", *, database: str = "") -> None:
    """One figure for `make bench` (bench/run_all.py collects these lines across runs and writes
    docs/benchmarks.md): `figure` names what was measured the same way on every run, `target` says what
    it must reach ("<= 60 s", ">= 950 msg/s"), `database` is the database URL the script measured on."""
    line = {"figure": figure, "value": value, "unit": unit, "target": target, "database": database_kind(database)}
    print("BENCH " + json.dumps(line, ensure_ascii=False), flush=True)
