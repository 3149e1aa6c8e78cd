"""How fast one backend process ingests Meta's status webhooks: signed POSTs, timed.

    .venv/bin/python -m bench.webhooks --messages 20000 --per-post 1 [--database postgresql://...]

Target (DESIGN.md): >= 3,000 status events/s per backend process. The app's HTTP side runs in its
own process (Granian, one worker: what `reflex run` serves the backend with, gunicorn not being installed);
this process signs and posts `delivered` for every message.
"""

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from collections import Counter

import httpx
import uvloop
from sqlalchemy import text
from sqlmodel import Session, select

from bench.dispatch import free_port
from bench.harness import machine, prepare_database
from bench.planner import NOW, seed
from saas_app.models import Message, WhatsAppAccount
from saas_app.services import planner, whatsapp
from saas_app.settings import PROJECT_ROOT
from saas_app.whatsapp.client import SendPool
from saas_app.whatsapp.webhooks import envelope, signature_of, status_item


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


def payloads(account: WhatsAppAccount, sent: list[tuple[int, str]], per_post: int) -> list[tuple[bytes, str]]:
    secret = whatsapp.app_secret(account)
    signed = []
    for start in range(0, len(sent), per_post):
        statuses = [
            status_item(wamid, "delivered", "+393470000000", NOW, str(message_id))
            for message_id, wamid in sent[start : start + per_post]
        ]
        raw = json.dumps(
            envelope(account.waba_id, account.phone_number_id, account.display_number, statuses=statuses)
        ).encode()
        signed.append((raw, signature_of(raw, secret)))
    return signed


async def post_all(url: str, signed: list[tuple[bytes, str]], concurrency: int) -> Counter[int]:
    """Meta's side: `concurrency` POSTs in flight, each connection posting its next event once answered."""
    answers: Counter[int] = Counter()
    queue = iter(signed)
    pool = SendPool(concurrency, timeout=30)

    async def poster() -> None:
        for raw, signature in queue:
            headers = {"Content-Type": "application/json", "X-Hub-Signature-256": signature}
            status, _ = await pool.request("POST", url, headers, raw)
            answers[status] += 1

    await asyncio.gather(*(poster() for _ in range(concurrency)))
    await pool.aclose()
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
    parser.add_argument("--concurrency", type=int, default=16, help="POSTs in flight")
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
    signed = payloads(account, sent, args.per_post)
    port = free_port()
    app = start_app(str(engine.url.render_as_string(hide_password=False)), port)
    try:
        started = time.perf_counter()
        answers = uvloop.run(post_all(f"http://127.0.0.1:{port}/webhooks/whatsapp", signed, args.concurrency))
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
