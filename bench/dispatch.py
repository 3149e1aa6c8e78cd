"""How fast one worker sends: N due messages to the simulator (its own process), timed.

    .venv/bin/python -m bench.dispatch --messages 20000 --answer-delay 0.2 [--database postgresql://...]

Target (DESIGN.md): >= 1,000 messages/s per worker, at 0 ms and at 200 ms per answer, without
ever exceeding the number's configured rate (checked by the simulator, per moving second).
"""

import argparse
import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import uvloop
from sqlalchemy import update
from sqlmodel import Session, col, select

from bench.harness import machine, prepare_database
from bench.planner import NOW, seed
from saas_app.models import Message, Template, TemplateVariant, WhatsAppAccount
from saas_app.settings import PROJECT_ROOT
from saas_app.worker import planner
from saas_app.worker.dispatcher import Worker, WorkerConfig


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_simulator(port: int, answer_delay: float) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "saas_app.cli", "simulator", "--port", str(port), "--no-webhooks"]
    command += ["--answer-delay", str(answer_delay)]
    simulator = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL)  # noqa: S603 - our own CLI
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            simulator_call(port, "/_simulator/stats")
            return simulator
        except httpx.HTTPError:
            time.sleep(0.1)
    simulator.kill()
    raise SystemExit("the simulator did not start")


def simulator_call(port: int, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    url = f"http://127.0.0.1:{port}{path}"
    answer = httpx.get(url, timeout=5) if body is None else httpx.post(url, json=body, timeout=5)
    answer.raise_for_status()
    result: dict[str, Any] = answer.json()
    return result


def prepare(session: Session, messages: int, organizations: int, port: int, rate: int) -> None:
    """Organizations like the planner benchmark's, their messages due now, their sandbox numbers on our simulator."""
    for n in range(organizations):
        org_id = seed(session, messages // organizations, tenant=f"Bench{n}")
        account = session.exec(select(WhatsAppAccount).where(WhatsAppAccount.org_id == org_id)).one()
        account.api_base_url, account.throughput = f"http://127.0.0.1:{port}", rate
        session.add(account)
        variant = session.exec(
            select(TemplateVariant)
            .join(Template)
            .where(Template.org_id == org_id, Template.key == "t", col(TemplateVariant.language) == "en")
        ).one()
        template = {"phone_number_id": account.phone_number_id, "name": "t", "language": "en", "body": variant.body}
        simulator_call(port, "/_simulator/templates", template)
        # Meta's top tier: 1,000 msg/s, and no limit on the people reached in a day.
        top_tier = {"throughput": rate, "messaging_limit": "TIER_UNLIMITED"}
        simulator_call(port, f"/_simulator/numbers/{account.phone_number_id}", top_tier)
    session.commit()
    planner.plan_all(session, now=NOW)
    session.execute(update(Message).values(scheduled_at=datetime.now(UTC) - timedelta(minutes=1)))
    session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--answer-delay", type=float, default=0.0, help="seconds the simulator takes per send")
    parser.add_argument("--organizations", type=int, default=2, help="tenants, each with its own number")
    parser.add_argument("--rate", type=int, default=1000, help="each number's configured throughput (msg/s)")
    parser.add_argument("--concurrency", type=int, default=WorkerConfig.concurrency)
    parser.add_argument("--batch", type=int, default=WorkerConfig.batch)
    parser.add_argument("--database", default="")
    args = parser.parse_args()
    engine = prepare_database(args.database, "dispatch")
    port = free_port()
    simulator = start_simulator(port, args.answer_delay)
    try:
        print(machine())
        print(
            f"database: {engine.dialect.name}; messages: {args.messages:,} for {args.organizations} organizations;"
            f" answer delay: {args.answer_delay * 1000:.0f} ms; rate limit: {args.rate:,}/s;"
            f" {args.concurrency} in flight"
        )
        with Session(engine) as session:
            prepare(session, args.messages, args.organizations, port, args.rate)
        config = WorkerConfig(batch=args.batch, concurrency=args.concurrency)
        started = time.perf_counter()
        stats = uvloop.run(Worker(config).run(until_idle=True))
        elapsed = time.perf_counter() - started
        seen = simulator_call(port, "/_simulator/stats")
        with Session(engine) as session:
            statuses = Counter(session.exec(select(Message.status)).all())
    finally:
        simulator.terminate()
        simulator.wait()
    peak = max(seen["most_in_any_second"].values(), default=0)  # the busiest number
    print(f"sent {stats.sent:,} messages in {elapsed:.1f} s: {stats.sent / elapsed:,.0f} messages/s (target >= 1,000)")
    print(f"statuses: {dict(statuses)}; retried {stats.retried:,}; simulator saw {seen['sends']:,} sends")
    verdict = "never exceeded" if peak <= args.rate else "EXCEEDED"
    print(f"most sends from one number in any moving second: {peak:,} (its limit {args.rate:,}): {verdict}")
    refused = seen["refused_over_throughput"]
    print(f"sends the simulator refused as over a number's rate (130429, retried later): {refused:,}")


if __name__ == "__main__":
    main()
