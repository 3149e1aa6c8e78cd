"""How fast one backend process ingests Meta's status webhooks: signed POSTs, timed.

    .venv/bin/python -m bench.webhooks --messages 20000 --per-post 1 [--database postgresql://...]

Target (DESIGN.md): >= 3,000 status events/s per backend process. The app's HTTP side runs in its
own process (Granian, one worker: what `reflex run` serves the backend with, gunicorn not being installed);
this process signs and posts `delivered` for every message, in the order the messages were sent, as
Meta reports them (`--order id` posts them in message id order instead, as this benchmark did first).

Besides events/s, the app's CPU time per event (its processes' user + system time over the run): on
a machine shared with other work the wall clock moves with the neighbours' load, the CPU a request
costs much less, so two variants measured at different moments compare better by it.

64 POSTs in flight by default, from Little's law: Meta posts one request at a time per connection, so
3,000 POSTs/s over a round trip of 20 ms (a short one, from Meta to a server in Brazil or Europe) means
60 in flight. With 16 in flight Meta itself could not post more than 800/s at that round trip; loopback
hides it. `--concurrency 16` still measures the app with small groups.
"""

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import httpx
import uvloop
from sqlalchemy import Engine, text
from sqlmodel import Session, col, select

from bench.dispatch import free_port
from bench.harness import machine, prepare_database, report, settle
from bench.planner import NOW, seed
from saas_app.models import Message, WhatsAppAccount
from saas_app.services import whatsapp
from saas_app.settings import PROJECT_ROOT
from saas_app.whatsapp.webhooks import envelope, signature_of, status_item
from saas_app.worker import planner

# The order statuses are posted in: the order the messages were sent (the worker sends by schedule,
# and Meta reports each message's delivery after its send), or message id order.
ORDERS = {"sent": (col(Message.sent_at), col(Message.id)), "id": (col(Message.id),)}


def prepare(session: Session, messages: int, order: str = "sent") -> tuple[WhatsAppAccount, list[tuple[int, str]]]:
    """The planner benchmark's organization with every message sent and its wamid stored, in `order`."""
    seed(session, messages)
    planner.plan_all(session, now=NOW)
    session.execute(text("UPDATE message SET status = 'sent', wamid = 'wamid.B' || id, sent_at = scheduled_at"))
    # The statistics autovacuum keeps in service: without them PostgreSQL reads every message of the
    # organization for each group of statuses (21 ms a group of 64 instead of 0.2-0.6 ms).
    session.execute(text("ANALYZE"))
    session.commit()
    account = session.exec(select(WhatsAppAccount)).one()
    sent = [(m.id or 0, m.wamid or "") for m in session.exec(select(Message).order_by(*ORDERS[order]))]
    return account, sent


def payloads(account: WhatsAppAccount, sent: list[tuple[int, str]], per_post: int, port: int) -> list[bytes]:
    """Each POST as Meta's servers would put it on the wire: signed, whole, made before the clock starts."""
    secret = whatsapp.app_secret(account)
    requests = []
    for start in range(0, len(sent), per_post):
        statuses = [
            status_item(wamid, "delivered", "+393470000000", NOW, str(message_id))
            for message_id, wamid in sent[start : start + per_post]
        ]
        raw = json.dumps(
            envelope(account.waba_id, account.phone_number_id, account.display_number, statuses=statuses)
        ).encode()
        head = (
            f"POST /webhooks/whatsapp HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
            f"X-Hub-Signature-256: {signature_of(raw, secret)}\r\nContent-Length: {len(raw)}\r\n\r\n"
        )
        requests.append(head.encode() + raw)
    return requests


class _Poster(asyncio.Protocol):
    """One keep-alive connection posting its next event once the previous one is answered, as Meta does.

    As little work per request as a client can do (prepared bytes out, status line and Content-Length
    in): on a 2-core machine the load generator shares the CPU with the app, and an HTTP client
    library cost more per request than the app's whole handling (measured: h11 alone topped out at
    ~3,100 requests/s against an app that answers without doing anything, this poster at ~17,700).
    """

    def __init__(self, requests: Iterator[bytes], answers: Counter[int], finished: asyncio.Future[None]) -> None:
        self.requests, self.answers, self.finished = requests, answers, finished
        self.received = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's own class, not a subclass
        self._post_next()

    def _post_next(self) -> None:
        assert self.transport is not None
        request = next(self.requests, None)
        if request is None:
            self.transport.close()
            if not self.finished.done():
                self.finished.set_result(None)
        else:
            self.transport.write(request)

    def data_received(self, data: bytes) -> None:
        self.received += data
        head_end = self.received.find(b"\r\n\r\n")
        if head_end < 0:
            return
        head = self.received[:head_end].lower()
        at = head.find(b"content-length:")
        if at < 0:
            raise SystemExit(f"an answer without Content-Length: {head!r}")
        line_end = head.find(b"\r\n", at)
        length = int(head[at + len(b"content-length:") : line_end if line_end > 0 else None])
        if len(self.received) < head_end + 4 + length:
            return
        self.answers[int(self.received[9:12])] += 1
        self.received = self.received[head_end + 4 + length :]
        self._post_next()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.finished.done():
            self.finished.set_exception(ConnectionError(f"the app closed a connection: {exc}"))


async def post_all(port: int, requests: list[bytes], concurrency: int) -> Counter[int]:
    """Meta's side: `concurrency` connections, each with one POST in flight at a time."""
    loop = asyncio.get_running_loop()
    answers: Counter[int] = Counter()
    queue = iter(requests)
    finished = [loop.create_future() for _ in range(concurrency)]
    for done in finished:
        await loop.create_connection(lambda done=done: _Poster(queue, answers, done), "127.0.0.1", port)
    await asyncio.gather(*finished)
    return answers


def start_app(database_url: str, port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "granian", "--interface", "asgi", "--factory", "--port", str(port)]
    env = {**os.environ, "DATABASE_URL": database_url}
    app = subprocess.Popen(  # noqa: S603 - our own app
        [*command, "--workers", "1", "--log-level", "warning", "saas_app.api.app:create_api"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).raise_for_status()
            return app
        except httpx.HTTPError:
            time.sleep(0.1)
    app.kill()
    raise SystemExit("the app did not start")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its living descendants (Granian runs its worker in a child)."""
    parents: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command name may hold spaces: the fields are read after its closing parenthesis.
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # a process that ended meanwhile
        process = int(stat.parent.name)
        parents[process], ticks[process] = int(fields[1]), int(fields[11]) + int(fields[12])
    family = {pid}
    while grown := {process for process, parent in parents.items() if parent in family} - family:
        family |= grown
    return sum(ticks.get(process, 0) for process in family) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Run:
    """One run: how many events, in how long, at what CPU cost to the app, and what it answered."""

    events: int
    seconds: float
    app_cpu_seconds: float
    answers: dict[int, int]

    @property
    def per_second(self) -> float:
        return self.events / self.seconds

    @property
    def cpu_us_per_event(self) -> float:
        return self.app_cpu_seconds / self.events * 1e6


def run(engine: Engine, messages: int, per_post: int = 1, concurrency: int = 64, order: str = "sent") -> Run:
    """Seed `messages` sent messages, start the app on them and post a `delivered` for each, timed."""
    with Session(engine) as session:
        account, sent = prepare(session, messages, order)
    settle(engine)
    port = free_port()
    requests = payloads(account, sent, per_post, port)
    app = start_app(str(engine.url.render_as_string(hide_password=False)), port)
    try:
        cpu_before = cpu_seconds(app.pid)
        started = time.perf_counter()
        answers = uvloop.run(post_all(port, requests, concurrency))
        elapsed = time.perf_counter() - started
        cpu = cpu_seconds(app.pid) - cpu_before
    finally:
        app.terminate()
        app.wait()
    return Run(len(sent), elapsed, cpu, dict(answers))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--per-post", type=int, default=1, help="statuses in one POST (Meta sends 1 to 1,000)")
    parser.add_argument("--concurrency", type=int, default=64, help="POSTs in flight (see the docstring)")
    parser.add_argument("--order", choices=sorted(ORDERS), default="sent", help="the order statuses are posted in")
    parser.add_argument("--database", default="")
    args = parser.parse_args()
    engine = prepare_database(args.database, "webhooks")
    print(machine())
    print(
        f"database: {engine.dialect.name}; status events: {args.messages:,};"
        f" {args.per_post} per POST; {args.concurrency} POSTs in flight; in {args.order} order"
    )
    done = run(engine, args.messages, args.per_post, args.concurrency, args.order)
    with Session(engine) as session:
        statuses = Counter(session.exec(select(Message.status)).all())
    print(
        f"ingested {done.events:,} status events in {done.seconds:.1f} s:"
        f" {done.per_second:,.0f} events/s (target >= 3,000); app CPU {done.cpu_us_per_event:.0f} us/event"
    )
    print(f"answers: {done.answers}; message statuses after: {dict(statuses)}")
    database = str(engine.url)
    report(
        f"webhooks: {args.concurrency} in flight",
        round(done.per_second),
        "events/s",
        ">= 3,000 events/s",
        database=database,
    )
    report(
        f"webhooks: app CPU per event, {args.concurrency} in flight",
        round(done.cpu_us_per_event),
        "us/event",
        database=database,
    )


if __name__ == "__main__":
    main()
