"""The production shape, run: backends, workers and the WhatsApp simulator as processes on one database.

A campaign of N messages is seeded in bulk (bench.planner's seed, the benchmarks' own) and made due
now; the tests then break things and check, from the simulator's log of accepted sends and the
database's rows, that nothing was lost or sent twice and that every webhook took effect once.
"""

import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, func, update
from sqlmodel import Session, col, select

from bench.planner import NOW, seed
from saas_app import db
from saas_app.core.messages import MessageStatus
from saas_app.core.roles import Role
from saas_app.models import Cadence, InboundMessage, Message, Template, TemplateVariant, WebhookEvent, WhatsAppAccount
from saas_app.models.base import utcnow
from saas_app.services import campaigns
from saas_app.services.context import OrgContext
from saas_app.settings import settings
from saas_app.worker import outbox, planner
from tests.integration.services.test_campaign_counters import counters_now, stats_by_rows
from tests.processes import ROOT, free_port, start, start_cli, stop, wait_until

FINAL = {MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.READ, MessageStatus.FAILED}
BACKEND_START = 120  # s: a backend imports the app and connects; slow on a loaded machine
# The simulated world: quick statuses, some failures, some replies (InboundMessage rows to count),
# and half the webhook POSTs carrying every change then due, so 15,000 statuses are a few hundred POSTs.
SIMULATOR_WORLD = [
    "--sent-after", "0.3", "--delivered-after", "0.8", "--read-after", "1.5", "--reply-after", "2",
    "--failure-rate", "0.02", "--reply-rate", "0.05", "--batch-share", "0.5", "--no-messaging-limits",
]  # fmt: skip


@dataclass
class Shape:
    """The running processes of one test, and where each writes its log."""

    folder: Path
    database_url: str
    redis_url: str = ""
    throughput: int = 250
    simulator_port: int = field(default_factory=free_port)
    backends: dict[int, subprocess.Popen] = field(default_factory=dict)  # port -> process
    workers: list[subprocess.Popen] = field(default_factory=list)
    simulator: subprocess.Popen | None = None

    @property
    def engine(self) -> Engine:
        return db.engine_for(self.database_url)

    @property
    def simulator_url(self) -> str:
        return f"http://127.0.0.1:{self.simulator_port}"

    def env(self) -> dict[str, str]:
        env = os.environ | {
            "DATABASE_URL": self.database_url,
            "SECRET_KEY": "production-shape-test-secret",
            "COBRO_SIMULATOR_URL": self.simulator_url,
            "COBRO_SIMULATOR_SECRET": settings.simulator_secret,  # the sandbox credentials seeded here
            "PYTHONUNBUFFERED": "1",
            "GRANIAN_WORKERS": "1",  # one process per backend: the test runs two backends, not ten
            "PATH": f"{ROOT / '.tools/node_modules/.bin'}{os.pathsep}{os.environ.get('PATH', '')}",
            "REFLEX_USE_SYSTEM_BUN": "1",
            "REFLEX_TELEMETRY_ENABLED": "false",
            "REFLEX_CHECK_LATEST_VERSION": "false",
            "REFLEX_HTTP_CLIENT_BIND_ADDRESS": "0.0.0.0",  # noqa: S104 - an address to bind, not to serve on
        }
        for name in ("REDIS_URL", "REFLEX_REDIS_URL", "REFLEX_DB_URL", "COBRO_ENV"):
            env.pop(name, None)
        if self.redis_url:
            env["REDIS_URL"] = self.redis_url
        return env

    def migrate(self) -> None:
        command = [sys.executable, "-m", "saas_app.cli", "migrate"]
        subprocess.run(command, cwd=ROOT, env=self.env(), check=True, capture_output=True)

    def start_backends(self, count: int) -> list[int]:
        """`reflex run --env prod --backend-only` on free ports, as a load balancer's pool; waits until they answer."""
        ports = [free_port() for _ in range(count)]
        for port in ports:
            command = [sys.executable, "-m", "reflex", "run", "--env", "prod", "--backend-only"]
            command += ["--backend-port", str(port)]
            self.backends[port] = start(command, self.env(), self.folder / f"backend-{port}.log")
        for port in ports:
            wait_until(lambda port=port: self.backend_answers(port), BACKEND_START, f"the backend on {port} starting")
        return ports

    def backend_answers(self, port: int) -> bool:
        process = self.backends[port]
        if process.poll() is not None:
            raise AssertionError(f"the backend on {port} exited:\n{self.log_tail(f'backend-{port}.log')}")
        try:
            return httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def start_simulator(self, *extra: str) -> None:
        """The simulator, its webhooks taking turns over every backend started."""
        args = ["simulator", "--port", str(self.simulator_port), "--seed", "23", *SIMULATOR_WORLD, *extra]
        for port in self.backends:
            args += ["--webhook-url", f"http://127.0.0.1:{port}/webhooks/whatsapp"]
        self.simulator = start_cli(args, self.env(), self.folder / "simulator.log")
        wait_until(self._simulator_answers, 60, "the simulator starting", every=0.2)

    def _simulator_answers(self) -> bool:
        try:
            self.simulator_get("/_simulator/stats")
        except httpx.HTTPError:
            return False
        return True

    def simulator_get(self, path: str) -> Any:
        answer = httpx.get(f"{self.simulator_url}{path}", timeout=10)
        answer.raise_for_status()
        return answer.json()

    def simulator_post(self, path: str, body: dict[str, Any]) -> None:
        httpx.post(f"{self.simulator_url}{path}", json=body, timeout=10).raise_for_status()

    def sends(self) -> int:
        """Sends the simulator has taken so far."""
        return int(self.simulator_get("/_simulator/stats")["sends"])

    def start_worker(self) -> subprocess.Popen:
        args = ["worker", "--plan-seconds", "0", "--report-seconds", "1"]
        worker = start_cli(args, self.env(), self.folder / f"worker-{len(self.workers)}.log")
        self.workers.append(worker)
        return worker

    def stop_all(self) -> None:
        for process in [*self.workers, *self.backends.values(), *([self.simulator] if self.simulator else [])]:
            stop(process)

    def log_tail(self, name: str, size: int = 4000) -> str:
        path = self.folder / name
        return path.read_text(errors="replace")[-size:] if path.exists() else ""


def running(shape: Shape) -> Iterator[Shape]:
    """For a fixture: the shape's database migrated; every process it starts stopped afterwards."""
    shape.migrate()
    try:
        yield shape
    finally:
        shape.stop_all()


@dataclass(frozen=True)
class Campaign:
    org_id: int
    campaign_id: int
    messages: int


def launch_campaign(shape: Shape, messages: int) -> Campaign:
    """N debtors, invoices and enrollments, one reminder each, due now, on the simulator's sandbox number.

    The number's rate is `shape.throughput` in the database and at the simulator, its template approved
    there, and the cadence sends at any hour (the test does not depend on the time of day).
    """
    with Session(shape.engine, expire_on_commit=False) as session:
        org_id = seed(session, messages, tenant="Prod")
        account = session.exec(select(WhatsAppAccount).where(WhatsAppAccount.org_id == org_id)).one()
        account.api_base_url, account.throughput = shape.simulator_url, shape.throughput
        session.add(account)
        session.execute(
            update(Cadence)
            .where(col(Cadence.org_id) == org_id)
            .values(window_start_minute=0, window_end_minute=24 * 60, weekdays=list(range(7)), skip_holidays=False)
        )
        session.commit()
        planner.plan_all(session, now=NOW, org_id=org_id)
        session.execute(update(Message).values(scheduled_at=utcnow() - timedelta(seconds=5)))
        session.commit()
        body = session.exec(
            select(TemplateVariant.body).join(Template).where(Template.org_id == org_id, Template.key == "t")
        ).one()
        campaign_id = session.exec(select(func.min(Message.campaign_id))).one()
        planned = session.exec(select(func.count()).select_from(Message)).one()
    assert planned == messages, f"{planned} messages planned for {messages} enrollments"
    number = account.phone_number_id
    template = {"phone_number_id": number, "name": "t", "language": "en", "body": body}
    shape.simulator_post("/_simulator/templates", template)
    limits = {"throughput": shape.throughput, "messaging_limit": "TIER_UNLIMITED"}
    shape.simulator_post(f"/_simulator/numbers/{number}", limits)
    return Campaign(org_id, campaign_id, messages)


def statuses(shape: Shape) -> Counter[str]:
    with Session(shape.engine) as session:
        return Counter(dict(session.exec(select(Message.status, func.count()).group_by(Message.status)).all()))


def settle(shape: Shape, timeout: float, quiet_for: float = 3.0) -> float:
    """Wait until nothing is due, the simulator has no webhook left to post, and nothing moved for `quiet_for` s
    (longer than a claim books ahead and than a slow answer takes); returns when it last moved (monotonic)."""
    last: tuple = ()
    quiet_since = time.monotonic()

    def settled() -> bool:
        nonlocal last, quiet_since
        now = statuses(shape)
        seen = shape.simulator_get("/_simulator/stats")
        picture = (sorted(now.items()), seen["sends"], seen["webhook_posts"])
        if picture != last or now[MessageStatus.SCHEDULED] or seen["webhooks_pending"]:
            last, quiet_since = picture, time.monotonic()
            return False
        return time.monotonic() - quiet_since >= quiet_for

    wait_until(settled, timeout, "the campaign settling", every=0.5)
    return quiet_since


def recover_abandoned(shape: Shape) -> int:
    """The worker's own recovery, run as it would after the lease and the webhook grace ran out.

    Only called once everything settled: every send the simulator took has had its webhooks applied,
    so a row still `sending` is one no worker sent (its worker was killed holding it) or one whose
    answer was lost before the simulator took it. Waiting the 11 minutes for real would change nothing.
    """
    later = utcnow() + outbox.LEASE + outbox.WEBHOOK_GRACE + timedelta(seconds=1)
    with Session(shape.engine) as session:
        return outbox.recover(session, later)


@dataclass(frozen=True)
class Finished:
    statuses: Counter[str]
    recovered: int  # messages sent again after the lease and the webhook grace
    at: float  # monotonic: when the last message reached its final status


def finish(shape: Shape, timeout: float) -> Finished:
    """Settle, recover what killed processes left (then settle again), and tell the final statuses."""
    at = settle(shape, timeout)
    recovered = recover_abandoned(shape)
    if recovered:
        at = settle(shape, timeout)
    return Finished(statuses(shape), recovered, at)


@dataclass
class Figures:
    """What a run did, printed with -s for docs/benchmarks.md."""

    name: str
    seconds: float  # from the workers' start until every message was final, webhooks included
    sends: int
    sending_seconds: float  # from the simulator's first accepted send to its last
    statuses: dict[str, int]
    retries: int
    recovered: int
    refused_over_rate: int
    faults: dict[str, int]
    webhook_posts: int
    webhook_events_stored: int
    replies: int

    def print(self) -> None:
        rate = self.sends / self.sending_seconds if self.sending_seconds else 0
        print(
            f"\nPRODUCTION {self.name}: all final {self.seconds:.1f} s after the workers started;"
            f" {self.sends:,} sends accepted over {self.sending_seconds:.1f} s ({rate:,.0f} msg/s);"
            f" final statuses {self.statuses}; retries {self.retries:,}; recovered after kills {self.recovered:,};"
            f" refused over the number's rate {self.refused_over_rate:,}; faults injected {self.faults};"
            f" webhook POSTs {self.webhook_posts:,} (stored {self.webhook_events_stored:,}); replies {self.replies:,}"
        )


def assert_nothing_lost_or_doubled(shape: Shape, campaign: Campaign) -> dict[str, Any]:
    """Every message final and where the simulator's webhooks put it; none sent twice; every webhook applied once.

    Returns the simulator's stats and the database's tallies for the figures.
    """
    sends = shape.simulator_get("/_simulator/sends")
    seen = shape.simulator_get("/_simulator/stats")
    times_sent = Counter(int(send["callback"]) for send in sends)
    doubled = {message: n for message, n in times_sent.items() if n > 1}
    assert not doubled, f"{len(doubled)} messages sent more than once, e.g. {list(doubled.items())[:5]}"
    with Session(shape.engine) as session:
        rows = {
            row.id: row
            for row in session.exec(
                select(Message.id, Message.status, Message.wamid, Message.error_message, Message.campaign_id)
            ).all()
        }
        # The campaign's reminders, and what the app sent back to replies (the invoice asked for, say).
        reminders = sum(1 for row in rows.values() if row.campaign_id == campaign.campaign_id)
        assert reminders == campaign.messages, f"{campaign.messages} reminders planned, {reminders} rows now"
        not_final = Counter(row.status for row in rows.values() if row.status not in FINAL)
        assert not not_final, f"messages not in a final status: {dict(not_final)}"
        for send in sends:
            row = rows[int(send["callback"])]
            assert (row.wamid, row.status) == (send["wamid"], send["last_status"]), (
                f"message {row.id}: the simulator took {send['wamid']} and told {send['last_status']},"
                f" the row says {row.wamid or 'no wamid'} and {row.status}"
            )
        never_taken = [row for message_id, row in rows.items() if message_id not in times_sent]
        assert all(row.status == MessageStatus.FAILED and row.error_message for row in never_taken), (
            "a message the simulator never took is not failed with a reason"
        )
        failed_without_reason = [
            r.id for r in rows.values() if r.status == MessageStatus.FAILED and not r.error_message
        ]
        assert not failed_without_reason, f"failed without a reason: {failed_without_reason[:10]}"
        replies = session.exec(select(func.count()).select_from(InboundMessage)).one()
        assert replies == seen["replies"], f"{seen['replies']} replies posted, {replies} kept"
        stored = session.exec(select(func.count()).select_from(WebhookEvent)).one()
        # A POST whose answer was lost (its backend killed after the commit) comes again: stored twice, applied once.
        assert stored >= seen["webhook_posts"], f"{seen['webhook_posts']} webhook POSTs answered 200, {stored} stored"
        attempts = session.exec(select(func.sum(Message.attempts))).one() or 0
        claimed = session.exec(select(func.count()).select_from(Message).where(col(Message.attempts) > 0)).one()
        assert_counters_equal_the_rows(session, campaign)
    return {"stats": seen, "retries": int(attempts) - claimed, "stored": stored, "replies": replies}


def assert_counters_equal_the_rows(session: Session, campaign: Campaign) -> None:
    """The campaign's stored counters equal a count of its rows, and a recount from the rows changes none."""
    ctx = OrgContext(user_id=None, org_id=campaign.org_id, role=Role.OWNER, ip="test")
    assert campaigns.campaign_stats(session, ctx, campaign.campaign_id) == stats_by_rows(
        session, ctx, campaign.campaign_id
    )
    kept = counters_now(session)
    campaigns.repair_counters(session, org_id=campaign.org_id)
    session.flush()
    assert counters_now(session) == kept, "the recount from the rows finds what the counters kept"
    session.rollback()


def figures(name: str, shape: Shape, started: float, finished: Finished, checked: dict[str, Any]) -> Figures:
    """The run's figures; `started` is when the workers started (monotonic)."""
    seen = checked["stats"]
    faults = _faults_injected(shape)
    return Figures(
        name=name,
        seconds=finished.at - started,
        sends=seen["sends"],
        sending_seconds=seen["sending_seconds"],
        statuses=dict(finished.statuses),
        retries=checked["retries"],
        recovered=finished.recovered,
        refused_over_rate=seen["refused_over_throughput"],
        faults=faults,
        webhook_posts=seen["webhook_posts"],
        webhook_events_stored=checked["stored"],
        replies=checked["replies"],
    )


def _faults_injected(shape: Shape) -> dict[str, int]:
    """The simulator's fault counts; none when it runs without faults (then the path is no route of its)."""
    answer = httpx.get(f"{shape.simulator_url}/_simulator/faults", timeout=5)
    return answer.json() if answer.status_code == 200 else {}
