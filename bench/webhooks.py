"""How fast one backend process ingests Meta's status webhooks: signed POSTs, timed.

    .venv/bin/python -m bench.webhooks --messages 20000 --per-post 1 [--database postgresql://...]

Target (DESIGN.md): >= 3,000 status events/s per backend process. The app's HTTP side runs in its
own process (Granian, one worker: what `reflex run` serves the backend with, gunicorn not being installed);
this process signs and posts `delivered` for every message.

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
from typing import cast

import httpx
import uvloop
from sqlalchemy import text
from sqlmodel import Session, select

from bench.dispatch import free_port
from bench.harness import machine, prepare_database
from bench.planner import NOW, seed
from saas_app.models import Message, WhatsAppAccount
from saas_app.services import whatsapp
from saas_app.settings import PROJECT_ROOT
from saas_app.whatsapp.webhooks import envelope, signature_of, status_item
from saas_app.worker import planner


def prepare(session: Session, messages: int) -> tuple[WhatsAppAccount, list[tuple[int, str]]]:
    """The planner benchmark's organization with every message sent and its wamid stored."""
    seed(session, messages)
    planner.plan_all(session, now=NOW)
    session.execute(text("UPDATE message SET status = 'sent', wamid = 'wamid.B' || id, sent_at = scheduled_at"))
    # The statistics autovacuum keeps in service: without them PostgreSQL reads every message of the
    # organization for each group of statuses (21 ms a group of 64 instead of 0.2-0.6 ms).
    session.execute(text("ANALYZE"))
    session.commit()
    account = session.exec(select(WhatsAppAccount)).one()
    sent = [(m.id or 0, m.wamid or "") for m in session.exec(select(Message))]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--per-post", type=int, default=1, help="statuses in one POST (Meta sends 1 to 1,000)")
    parser.add_argument("--concurrency", type=int, default=64, help="POSTs in flight (see the docstring)")
    parser.add_argument("--database", default="")
    args = parser.parse_args()
    engine = prepare_database(args.database, "webhooks")
    print(machine())
    print(
        f"database: {engine.dialect.name}; status events: {args.messages:,};"
        f" {args.per_post} per POST; {args.concurrency} POSTs in flight"
    )
    with Session(engine) as session:
        account, sent = prepare(session, args.messages)
    port = free_port()
    requests = payloads(account, sent, args.per_post, port)
    app = start_app(str(engine.url.render_as_string(hide_password=False)), port)
    try:
        started = time.perf_counter()
        answers = uvloop.run(post_all(port, requests, args.concurrency))
        elapsed = time.perf_counter() - started
    finally:
        app.terminate()
        app.wait()
    with Session(engine) as session:
        statuses = Counter(session.exec(select(Message.status)).all())
    print(
        f"ingested {len(sent):,} status events in {elapsed:.1f} s:"
        f" {len(sent) / elapsed:,.0f} events/s (target >= 3,000)"
    )
    print(f"answers: {dict(answers)}; message statuses after: {dict(statuses)}")


if __name__ == "__main__":
    main()
