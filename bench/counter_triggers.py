"""What the campaign counters cost a status change on SQLite, statement by statement: CPU time per row.

    .venv/bin/python -m bench.counter_triggers [--messages 20000] [--rounds 5]

bench.webhooks measures the whole path (HTTP, parsing, signatures, SQL) in wall-clock time, which on
a shared machine moves with the neighbours' load. This times only what the counters change: the
webhooks' UPDATE of a message's status (services.webhooks._write_changes), 64 rows a transaction as
under load, on copies of one database, in this process's CPU time. Three schemas:

- without counters: before migration 0018 (no triggers, the message index on campaign_id, status);
- 0018's index only: the triggers dropped, the index on campaign_id, status, scheduled_at kept;
- with counters: as migrated.

And two orders of the statuses: the order the messages were sent (as Meta reports them), and message
id order. An index entry moves when its message's status changes, so which pages one transaction
dirties depends on the order: (campaign_id, status, scheduled_at) is in send order, (campaign_id,
status) in id order.
"""

import argparse
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine
from sqlmodel import Session, select

from bench import webhooks
from bench.campaign_view import without_counters
from bench.harness import machine, prepare_database
from saas_app.models import Message

GROUP = 64  # statuses one webhook transaction writes under load (64 POSTs in flight, one status each)


def _drop_triggers(connection: sqlite3.Connection) -> None:
    for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        connection.execute(f"DROP TRIGGER {name}")


def _before_0018(path: Path) -> None:
    engine = create_engine(f"sqlite:///{path}")
    without_counters(engine)
    engine.dispose()


def _with_connection(path: Path, change: Callable[[sqlite3.Connection], None]) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    change(connection)
    connection.close()


SCHEMAS: dict[str, Callable[[Path], None]] = {
    "without counters": _before_0018,
    "0018's index only": lambda path: _with_connection(path, _drop_triggers),
    "with counters": lambda _: None,
}


def cpu_per_row(source: Path, schema: str, ids: list[int | None]) -> float:
    """Microseconds of CPU per status change, on a copy of `source` changed to `schema`."""
    with tempfile.TemporaryDirectory(prefix="cobro-bench-") as folder:
        path = Path(folder) / "copy.db"
        shutil.copy(source, path)
        SCHEMAS[schema](path)
        connection = sqlite3.connect(path, isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):  # as saas_app.db
            connection.execute(f"PRAGMA {pragma}")
        started = time.process_time()
        for start in range(0, len(ids), GROUP):
            connection.execute("BEGIN IMMEDIATE")
            connection.executemany(
                "UPDATE message SET status = 'delivered', delivered_at = sent_at WHERE id = ?",
                [(message_id,) for message_id in ids[start : start + GROUP]],
            )
            connection.execute("COMMIT")
        elapsed = time.process_time() - started
        connection.close()
    return elapsed / len(ids) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(machine())
    engine = prepare_database("", "counter_triggers")
    with Session(engine) as session:
        webhooks.prepare(session, args.messages)
        orders = {
            order: list(session.exec(select(Message.id).order_by(*by)).all()) for order, by in webhooks.ORDERS.items()
        }
    engine.dispose()
    source = Path(str(engine.url.database))
    print(f"SQLite {sqlite3.sqlite_version}; {args.messages:,} status changes, {GROUP} a transaction")
    for order, ids in orders.items():
        times: dict[str, list[float]] = {schema: [] for schema in SCHEMAS}
        for _ in range(args.rounds):
            for schema in SCHEMAS:
                times[schema].append(cpu_per_row(source, schema, ids))
        base = statistics.median(times["without counters"])
        for schema, each in times.items():
            median = statistics.median(each)
            print(
                f"{order} order, {schema:<18} median {median:5.1f} us/row (spread {min(each):.1f}-{max(each):.1f}),"
                f" {median - base:+5.1f} us/row"
            )


if __name__ == "__main__":
    main()
