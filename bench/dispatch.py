"""How fast one worker sends: due messages to the simulator (its own process), timed at both ends.

    .venv/bin/python -m bench.dispatch [--messages 20000] [--database postgresql://...]
    .venv/bin/python -m bench.dispatch --messages 20000 --organizations 2 --answer-delay 0   (one run)

Runs, each on a fresh simulator: one number at 0 ms and at 200 ms per answer, then two numbers on one
worker (0 ms), `--messages` shared among a run's numbers. Every number has Meta's top tier, 1,000
msg/s. Sends are timed where they leave the worker (once paced) and where the simulator counts them
(its moving-second check, after its answer delay); a send the simulator refuses as over the rate
(130429) is retried later, and counted here.

Targets (issue 23): one number >= 950 accepted msg/s at 0 and 200 ms with <= 0.1% of sends refused
as over the rate; two numbers >= 1,900 msg/s. Accepted msg/s is counted from a run's first accepted
send to its last, at each end; the lower end is the figure. The CPU both processes used is printed
too: on a shared machine, it tells a slow worker from a starved one.
"""

import argparse
import itertools
import math
import os
import socket
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import uvloop
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from bench.harness import machine, prepare_database, report, settle
from bench.planner import NOW, seed
from saas_app import process_tuning
from saas_app.core.messages import SendOutcome
from saas_app.core.ratelimit import most_in_any_second
from saas_app.models import Message, Template, TemplateVariant, WhatsAppAccount
from saas_app.settings import PROJECT_ROOT
from saas_app.worker import planner
from saas_app.worker.dispatcher import Worker, WorkerConfig
from saas_app.worker.outbox import Account, Outgoing, Result

# The runs without --organizations or --answer-delay: (numbers, answer delay in seconds).
RUNS = ((1, 0.0), (1, 0.2), (2, 0.0))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_simulator(port: int, answer_delay: float) -> subprocess.Popen[bytes]:
    """`cobro simulator` without webhooks (GET /_simulator/arrivals tells when it counted each send)."""
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
    answer = httpx.get(url, timeout=30) if body is None else httpx.post(url, json=body, timeout=5)
    answer.raise_for_status()
    result: dict[str, Any] = answer.json()
    return result


def prepare(session: Session, messages: int, organizations: int, port: int, rate: int, prefix: str = "Bench") -> None:
    """Organizations like the planner benchmark's, their messages due now, their sandbox numbers on our simulator.

    Numbers of earlier runs in the same database are paused, so only this run's are sent from.
    """
    session.execute(update(WhatsAppAccount).values(paused_reason="an earlier benchmark run"))
    for n in range(organizations):
        org_id = seed(session, messages // organizations, tenant=f"{prefix}{n}")
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
    due = col(Message.status) == "scheduled"
    session.execute(update(Message).where(due).values(scheduled_at=datetime.now(UTC) - timedelta(minutes=1)))
    session.commit()


class TimedWorker(Worker):
    """The worker, noting when each send leaves (once paced) and whether WhatsApp accepted it."""

    def __init__(self, config: WorkerConfig) -> None:
        super().__init__(config)
        self.departures: dict[int, list[tuple[float, bool]]] = defaultdict(list)

    async def _deliver(self, message: Outgoing, account: Account) -> Result:
        left = self.clock()
        result = await super()._deliver(message, account)
        self.departures[account.id].append((left, result.outcome == SendOutcome.SENT))
        return result


@dataclass(frozen=True)
class End:
    """One end of the wire for one number: accepted sends, their rate from first to last, the busiest second."""

    accepted: int
    per_second: float
    busiest_second: int

    @classmethod
    def of(cls, times: list[float]) -> "End":
        span = max(times) - min(times) if len(times) > 1 else 0.0
        rate = (len(times) - 1) / span if span else 0.0
        return cls(len(times), rate, most_in_any_second(times))


@dataclass(frozen=True)
class Outcome:
    """A run: per number, the worker's end and the simulator's; sends refused as over the rate."""

    worker: list[End]
    simulator: list[End]
    refused: int
    elapsed: float
    sent: int

    @property
    def accepted_per_second(self) -> float:
        """All numbers together, at whichever end counted fewer."""
        return min(sum(e.per_second for e in self.worker), sum(e.per_second for e in self.simulator))

    @property
    def refused_share(self) -> float:
        tried = sum(e.accepted for e in self.simulator) + self.refused
        return 100 * self.refused / tried if tried else 0.0


def run(engine: Engine, numbers: int, delay: float, messages: int, rate: int, config: WorkerConfig) -> Outcome:
    """`messages` due at once on `numbers` numbers, sent by one worker to a fresh simulator."""
    port = free_port()
    simulator = start_simulator(port, delay)
    try:
        with Session(engine) as session:
            prepare(session, messages, numbers, port, rate, prefix=f"Bench-{numbers}-{delay * 1000:.0f}ms-")
        settle(engine)
        from bench.webhooks import cpu_seconds  # here: bench.webhooks imports this module

        worker = TimedWorker(config)
        process_tuning.keep_time()  # as `cobro worker` does before its loop
        cpu, simulator_cpu = time.process_time(), cpu_seconds(simulator.pid)
        load, started = os.getloadavg()[0], time.perf_counter()
        stats = uvloop.run(worker.run(until_idle=True))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        simulator_cpu = cpu_seconds(simulator.pid) - simulator_cpu
        seen = simulator_call(port, "/_simulator/stats")
        arrivals = simulator_call(port, "/_simulator/arrivals")
    finally:
        simulator.terminate()
        simulator.wait()
    with Session(engine) as session:
        ours = select(WhatsAppAccount.org_id).where(WhatsAppAccount.paused_reason == "")
        unsent = select(Message.status).where(col(Message.org_id).in_(ours), col(Message.status) != "sent")
        statuses = Counter(session.exec(unsent).all())
    at_worker = [End.of([at for at, accepted in d if accepted]) for d in worker.departures.values()]
    at_simulator = [End.of(times) for times in arrivals.values()]
    outcome = Outcome(at_worker, at_simulator, seen["refused_over_throughput"], elapsed, stats.sent)
    print(
        f"\n{numbers} number(s) at {rate:,}/s, answer {delay * 1000:.0f} ms, {messages:,} messages in all;"
        f" {config.concurrency} in flight at most"
    )
    print(
        f"  worker: {stats.sent:,} accepted in {elapsed:.1f} s from start ({stats.sent / elapsed:,.0f}/s overall);"
        f" retried {stats.retried:,}; not sent: {dict(statuses)}"
    )
    per_thousand = 1000 / max(stats.sent, 1)
    print(
        f"  CPU: worker {cpu:.1f} s ({100 * cpu / elapsed:.0f}% of a core, {cpu * per_thousand:.2f} s per 1,000 sends),"
        f" simulator {simulator_cpu:.1f} s ({simulator_cpu * per_thousand:.2f} s per 1,000);"
        f" load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end, on {os.cpu_count()} cores"
    )
    for where, ends in (("left the worker", at_worker), ("counted by the simulator", at_simulator)):
        for end in ends:
            print(
                f"  {where}: {end.accepted:,} accepted, {end.per_second:,.1f}/s from first to last;"
                f" busiest moving second {end.busiest_second:,} (limit {rate:,})"
            )
    refused_at = sorted(at for d in worker.departures.values() for at, accepted in d if not accepted)
    bursts = sum(1 for before, at in itertools.pairwise([-math.inf, *refused_at]) if at - before > 0.1)
    print(
        f"  refused as over the rate (130429): {outcome.refused:,} ({outcome.refused_share:.3f}% of sends),"
        f" in {bursts} burst(s)"
    )
    return outcome


def figure_names(numbers: int, delay: float) -> tuple[str, str]:
    """A run's two figures, named the same on every run: accepted msg/s, and the share refused."""
    if numbers == 1:
        answer = f"answer {delay * 1000:.0f} ms"
        return f"dispatch: one number, {answer}", f"dispatch: refused as over the rate, {answer}"
    many = "two numbers" if numbers == 2 else f"{numbers} numbers"
    return f"dispatch: {many}", f"dispatch: refused as over the rate, {many}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000, help="per run, shared among its numbers")
    parser.add_argument("--organizations", type=int, help="one run: tenants, each with its own number")
    parser.add_argument("--answer-delay", type=float, help="one run: seconds the simulator takes per send")
    parser.add_argument("--rate", type=int, default=1000, help="each number's configured throughput (msg/s)")
    parser.add_argument("--concurrency", type=int, default=WorkerConfig.concurrency)
    parser.add_argument("--batch", type=int, default=WorkerConfig.batch)
    parser.add_argument("--database", default="")
    args = parser.parse_args()
    runs = list(RUNS)
    if args.organizations is not None or args.answer_delay is not None:
        runs = [(args.organizations or 1, args.answer_delay or 0.0)]
    engine = prepare_database(args.database, "dispatch")
    config = WorkerConfig(batch=args.batch, concurrency=args.concurrency)
    print(machine())
    print(f"database: {engine.dialect.name}")
    for numbers, delay in runs:
        outcome = run(engine, numbers, delay, args.messages, args.rate, config)
        rate_figure, refused_figure = figure_names(numbers, delay)
        target = f">= {950 * numbers:,} msg/s"
        report(rate_figure, round(outcome.accepted_per_second), "msg/s", target, database=args.database)
        report(refused_figure, round(outcome.refused_share, 3), "%", "<= 0.1%", database=args.database)


if __name__ == "__main__":
    main()
