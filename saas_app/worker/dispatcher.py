"""The sending loop: claim due messages, pace them per number, keep many requests in flight, record.

All database work runs on one thread, in order, so the event loop only waits on the network and
SQLite never sees two writers from one worker. Results are written in batches; a worker killed
before writing them loses nothing (see worker.outbox: the rows stay `sending` until Meta's
status webhook or the lease says what happened).
"""

import asyncio
import contextlib
import logging
import math
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

import httpx
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlmodel import Session

from saas_app import db, metrics
from saas_app.core.messages import SendOutcome
from saas_app.core.ratelimit import Pacer
from saas_app.models.base import utcnow
from saas_app.services import idempotency
from saas_app.whatsapp.client import CloudClient, CloudError, Endpoint, SendPool
from saas_app.whatsapp.errors import Action, backoff_seconds
from saas_app.worker import outbox, planner, webhook_delivery
from saas_app.worker.outbox import Account, Outgoing, Result

T = TypeVar("T")
OVER_THE_RATE = "130429"  # Meta's code for a send over the number's throughput
CLAIM_PAUSE = 0.05  # seconds between claims while every number with due messages is booked ahead
# The database cannot be reached (down, restarting, a dropped connection, the pool exhausted): wait and
# try again. Other errors are bugs and stop the worker.
UNREACHABLE = (OperationalError, InterfaceError, PoolTimeout)
log = logging.getLogger(__name__)


class Outage:
    """One stretch of database unavailability, as one of the worker's loops lives it: logged when it
    starts and when it ends, not at every try, and tried again after a growing wait."""

    def __init__(self, what: str, first: float, longest: float) -> None:
        self.what, self.first, self.longest = what, first, longest
        self.failures = 0

    def failed(self, error: BaseException) -> float:
        """Count a failed try; returns the seconds to wait before the next."""
        if self.failures == 0:
            log.warning("%s: the database is unreachable, trying again until it is back (%s)", self.what, error)
        self.failures += 1
        return min(self.longest, self.first * 2 ** (self.failures - 1))

    def ended(self) -> None:
        """Logs once that the database is back, if it was away, and starts the waits over."""
        if self.failures:
            log.warning("%s: the database is back after %d failed tries", self.what, self.failures)
            self.failures = 0


@dataclass(frozen=True)
class WorkerConfig:
    batch: int = 500  # messages claimed per query
    # Requests in flight. At 200 ms per answer bench/dispatch measured 930-990 msg/s with 256 and
    # 1,289 with 400 or 512: the answers' real round trip is longer than the simulator's delay.
    concurrency: int = 512
    # Messages claimed and waiting for their send slot, at most. Each number books at most
    # outbox.CLAIM_AHEAD seconds of its rate, so numbers are served side by side up to this.
    waiting: int = 10_000
    poll_seconds: float = 0.5  # how often an idle worker looks for due messages
    flush_seconds: float = 0.1  # how often results are written
    recover_seconds: float = 30.0  # how often leases that ran out are looked at
    request_timeout: float = 15.0
    plan_seconds: float = 0.0  # also run the planner this often (0: a separate `cobro plan` does it)
    webhook_seconds: float = 1.0  # how often an idle worker looks for tenants' webhooks to post
    webhook_timeout: float = 10.0
    outage_wait_seconds: float = 5.0  # the longest wait between tries while the database is unreachable
    # On shutdown, how long the last results wait for an unreachable database before they are given up
    # (their messages stay `sending` until Meta's status webhooks or the lease say what happened).
    shutdown_flush_seconds: float = 60.0


@dataclass
class Stats:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    uncertain: int = 0
    held_back: int = 0
    recovered: int = 0
    started: float = field(default_factory=time.monotonic)

    def counts(self) -> tuple[int, ...]:
        """The running totals together, so the worker's log line is printed only when one has changed."""
        return (self.sent, self.failed, self.retried, self.uncertain, self.held_back, self.recovered)

    def fields(self) -> dict[str, float]:
        """The same figures as `line`, as fields of a structured log line."""
        elapsed = max(time.monotonic() - self.started, 1e-9)
        return {
            "sent": self.sent,
            "per_second": round(self.sent / elapsed, 1),
            "failed": self.failed,
            "retrying": self.retried,
            "unconfirmed": self.uncertain,
            "held_back": self.held_back,
            "recovered": self.recovered,
        }

    def line(self) -> str:
        """The worker's progress in one log line: sent and its rate, failed, retrying, unconfirmed, held back."""
        elapsed = max(time.monotonic() - self.started, 1e-9)
        return (
            f"sent {self.sent:,} ({self.sent / elapsed:,.0f}/s), failed {self.failed:,}, "
            f"retrying {self.retried:,}, unconfirmed {self.uncertain:,}, held back {self.held_back:,}"
        )


def result_of(message: Outgoing, failure: CloudError, now: datetime, jitter: float) -> Result:
    """What an error means for this message: Meta's code decides, and retries are not endless."""
    verdict = failure.verdict
    code, reason = str(verdict.code or failure.http_status or ""), verdict.reason

    def result(outcome: SendOutcome, retry_at: datetime | None = None, why: str = reason) -> Result:
        return Result(message.message_id, message.org_id, outcome, code=code, reason=why, retry_at=retry_at)

    if verdict.action == Action.FAIL:
        return result(SendOutcome.FAILED)
    if verdict.action == Action.PAUSE_ACCOUNT:
        return result(SendOutcome.PAUSE_ACCOUNT, now)
    if verdict.action == Action.PAUSE_TEMPLATE:
        return result(SendOutcome.PAUSE_TEMPLATE, now + outbox.TEMPLATE_RECHECK)
    if failure.maybe_sent:  # it may have gone: only Meta's webhook can tell, so do not send it again now
        return result(SendOutcome.UNCERTAIN)
    if message.attempts >= outbox.MAX_ATTEMPTS:
        return result(SendOutcome.FAILED, why=f"gave up after {message.attempts} tries: {reason}")
    return result(SendOutcome.RETRY, now + timedelta(seconds=backoff_seconds(message.attempts, verdict.action, jitter)))


def _purge_idempotency_keys(session: Session, now: datetime) -> None:
    idempotency.purge(session, now)
    session.commit()


def _claim_webhooks(session: Session, now: datetime) -> list[webhook_delivery.Claimed]:
    claimed = webhook_delivery.claim_due(session, now)
    session.commit()
    return claimed


def _record_webhooks(session: Session, attempts: list[tuple[int, int | None, str]], now: datetime) -> None:
    for delivery_id, status_code, error in attempts:
        webhook_delivery.record_attempt(session, delivery_id, now, status_code=status_code, error=error)
    session.commit()


def run_planner(session: Session, now: datetime, org_id: int | None = None) -> int:
    """The planner, timed from here (its run time goes to /metrics and to the log); returns the messages scheduled."""
    started = time.perf_counter()
    planned = planner.plan_all(session, now=now, org_id=org_id)
    seconds = time.perf_counter() - started
    metrics.PLANNER_SECONDS.observe(seconds)
    log.info(
        "planner: %d messages scheduled in %.2f s",
        planned,
        seconds,
        extra={"org_id": org_id, "planned": planned, "seconds": round(seconds, 3)},
    )
    return planned


def _plan(session: Session, now: datetime) -> None:
    run_planner(session, now)


class Worker:
    def __init__(
        self,
        config: WorkerConfig | None = None,
        *,
        database_url: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], datetime] = utcnow,
        transport: httpx.AsyncBaseTransport | None = None,
        webhook_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.config = config or WorkerConfig()
        self.engine = db.engine_for(database_url) if database_url else db.get_engine()
        self.clock, self.wall = clock, wall
        self.stats = Stats()
        self._transport = transport
        self._webhook_transport = webhook_transport
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cobro-worker-db")
        self._results: list[Result] = []
        self._in_flight: set[asyncio.Task[None]] = set()  # claimed: waiting for their slot, or being sent
        # Set when a send finishes, and when none is left in flight. asyncio.wait() over the tasks in
        # flight would hang a callback on each of thousands of tasks at every claim: measured as the
        # worker's largest cost at 1,000 msg/s.
        self._one_finished = asyncio.Event()
        self._none_in_flight = asyncio.Event()
        self._none_in_flight.set()
        self._requests = asyncio.Semaphore(self.config.concurrency)
        self._http: httpx.AsyncClient | SendPool | None = None
        self._pacers: dict[int, tuple[Pacer, asyncio.Lock]] = {}
        self._stopping = asyncio.Event()
        self._closing = asyncio.Event()

    def stop(self) -> None:
        """Finish what is in flight, write it down, and return from run()."""
        self._stopping.set()

    async def _database(self, work: Callable[..., T], *args: Any) -> T:
        def in_session() -> T:
            with Session(self.engine, expire_on_commit=False) as session:
                return work(session, *args)

        return await asyncio.get_running_loop().run_in_executor(self._db, in_session)

    def _connect(self) -> httpx.AsyncClient | SendPool:
        """Tests hand in an httpx transport (the simulator in process); real runs use a SendPool."""
        if self._transport is not None:
            return httpx.AsyncClient(transport=self._transport, timeout=self.config.request_timeout)
        return SendPool(self.config.concurrency, self.config.request_timeout)

    async def run(self, *, until_idle: bool = False) -> Stats:
        """Send until stop() (or, with until_idle, until nothing is due and nothing is in flight)."""
        http = self._http = self._connect()
        flusher = asyncio.create_task(self._flush_forever())
        webhooks = asyncio.create_task(self._webhooks_forever())
        outage = Outage("claiming due messages", self.config.poll_seconds, self.config.outage_wait_seconds)
        self._last_recovery = self._last_plan = -math.inf
        try:
            while not self._stopping.is_set():
                try:
                    keep_going = await self._round(until_idle)
                except UNREACHABLE as error:
                    await self._pause(self._stopping, outage.failed(error))
                    continue
                outage.ended()
                if not keep_going:
                    break
            await self._none_in_flight.wait()
        finally:
            self._closing.set()
            # The last results are written whatever became of the background tasks.
            for task in (flusher, webhooks):
                try:
                    await task
                except Exception:
                    log.exception("a background task of the worker failed")
            await self._final_flush()
            await http.aclose()
            self._db.shutdown(wait=True)
        return self.stats

    async def _round(self, until_idle: bool) -> bool:
        """One claim, with the upkeep that is due; False once idle and asked to stop when idle."""
        if self.clock() - self._last_recovery >= self.config.recover_seconds:
            self.stats.recovered += await self._database(outbox.recover, self.wall())
            await self._database(_purge_idempotency_keys, self.wall())
            self._last_recovery = self.clock()
        if self.config.plan_seconds and self.clock() - self._last_plan >= self.config.plan_seconds:
            await self._database(_plan, self.wall())
            self._last_plan = self.clock()
        room = self.config.waiting - len(self._in_flight)
        if room < self.config.batch // 4:
            self._one_finished.clear()
            await self._one_finished.wait()
            return True
        now = self.wall()
        wanted = min(self.config.batch, room)
        claimed = await self._database(outbox.claim, now, wanted)
        self.stats.held_back += claimed.held_back
        self._start(claimed)
        if len(claimed.messages) >= wanted // 4:
            return True  # more may be due at once
        if self._in_flight:  # the numbers are booked ahead: claim again once some slots have passed
            await self._pause(self._none_in_flight, CLAIM_PAUSE)
        elif until_idle:
            if not await self._database(outbox.waiting_for_a_slot, now):
                return False
            await self._pause(self._stopping, CLAIM_PAUSE)
        else:
            await self._idle()
        return True

    @staticmethod
    async def _pause(event: asyncio.Event, seconds: float) -> None:
        """Sleep, cut short when `event` is set (stopping, closing, nothing left in flight)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout=seconds)

    async def _idle(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=self.config.poll_seconds)

    def _start(self, claimed: outbox.Claimed) -> None:
        # Booked slots are wall-clock times; read both clocks now, not when the claim began: a claim
        # that took longer than the one before would shift its slots later and onto the next claim's.
        offset = self.clock() - self.wall().timestamp()
        for message in claimed.messages:
            due = message.send_at + offset
            task = asyncio.create_task(self._send(message, claimed.accounts[message.account_id], due))
            self._in_flight.add(task)
            self._none_in_flight.clear()
            task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        self._one_finished.set()
        if not self._in_flight:
            self._none_in_flight.set()

    async def _send(self, message: Outgoing, account: Account, due: float) -> None:
        wait = due - self.clock()
        if wait > 0:
            await asyncio.sleep(wait)
        pacer, turn = self._pacer(account)
        # One send of a number at a time waits for its moment (the lock is first come, first served):
        # late wake-ups queue in their booked order instead of all polling the pacer. The permit is
        # taken first, so the moment paced is the moment the request leaves.
        async with turn:
            await self._requests.acquire()
            try:
                while (wait := pacer.wait(self.clock())) > 0:
                    await asyncio.sleep(wait)
            except BaseException:
                self._requests.release()
                raise
        try:
            started = time.perf_counter()
            result = await self._deliver(message, account)
            metrics.SEND_SECONDS_BY_OUTCOME[result.outcome].observe(time.perf_counter() - started)
        finally:
            self._requests.release()
        if result.code == OVER_THE_RATE:
            pacer.refused(self.clock())
        self._count(result)
        self._results.append(result)

    def _pacer(self, account: Account) -> tuple[Pacer, asyncio.Lock]:
        """The number's pacer and its queue; a new pacer when its throughput changed."""
        current = self._pacers.get(account.id)
        if current is None or current[0].rate != account.throughput:
            current = self._pacers[account.id] = (Pacer(account.throughput), current[1] if current else asyncio.Lock())
        return current

    async def _deliver(self, message: Outgoing, account: Account) -> Result:
        endpoint = Endpoint(account.base_url, account.version, account.phone_number_id, account.access_token)
        assert self._http is not None
        client = CloudClient(endpoint, self._http, timeout=self.config.request_timeout)
        try:
            if message.template_name:
                sent = await client.send_template(
                    message.to,
                    message.template_name,
                    message.language,
                    message.parameters,
                    callback_data=str(message.message_id),
                    button_payloads=message.button_payloads,
                )
            elif message.document is not None:
                link, filename = message.document
                sent = await client.send_document(
                    message.to, link, filename, caption=message.text, callback_data=str(message.message_id)
                )
            else:
                sent = await client.send_text(message.to, message.text, callback_data=str(message.message_id))
            return Result(message.message_id, message.org_id, SendOutcome.SENT, wamid=sent.wamid)
        except CloudError as failure:
            return result_of(message, failure, self.wall(), random.random())  # noqa: S311 - jitter

    def _count(self, result: Result) -> None:
        if result.outcome == SendOutcome.SENT:
            self.stats.sent += 1
            return
        if result.outcome == SendOutcome.FAILED:
            self.stats.failed += 1
        elif result.outcome == SendOutcome.UNCERTAIN:
            self.stats.uncertain += 1
        else:
            self.stats.retried += 1
        # Only what did not go: a line per failure, none per success (1,000 a second would drown them).
        log.info(
            "send %s: %s",
            result.outcome.value,
            result.reason or "no reason given",
            extra={"org_id": result.org_id, "message_id": result.message_id, "code": result.code},
        )

    async def _webhooks_forever(self) -> None:
        async with httpx.AsyncClient(
            transport=self._webhook_transport, timeout=self.config.webhook_timeout, follow_redirects=False
        ) as client:
            outage = Outage("delivering webhooks", self.config.webhook_seconds, self.config.outage_wait_seconds)
            while not self._closing.is_set():
                try:
                    delivered = await self.deliver_webhooks(client)
                except UNREACHABLE as error:
                    await self._pause(self._closing, outage.failed(error))
                    continue
                except Exception:  # a bug in one round must not stop sending; the next round tries again
                    log.exception("webhook delivery round failed")
                    delivered = 0
                else:
                    outage.ended()
                if not delivered:
                    await self._pause(self._closing, self.config.webhook_seconds)

    async def deliver_webhooks(self, client: httpx.AsyncClient) -> int:
        """Post the tenants' events that are due, all at once; returns how many were tried."""
        claimed = await self._database(_claim_webhooks, self.wall())
        if not claimed:
            return 0
        attempts = await asyncio.gather(*(webhook_delivery.post(client, item) for item in claimed))
        await self._database(_record_webhooks, list(attempts), self.wall())
        return len(claimed)

    async def _flush_forever(self) -> None:
        """Write results as they come; while the database is unreachable they wait in memory."""
        outage = Outage("recording send results", self.config.flush_seconds, self.config.outage_wait_seconds)
        wait = self.config.flush_seconds
        while not self._closing.is_set():
            await self._pause(self._closing, wait)
            try:
                await self._flush()
            except UNREACHABLE as error:
                wait = outage.failed(error)
            else:
                outage.ended()
                wait = self.config.flush_seconds

    async def _final_flush(self) -> None:
        """On shutdown: the results still in memory are written, waiting a while for the database."""
        outage = Outage("recording the last send results", self.config.flush_seconds, self.config.outage_wait_seconds)
        deadline = self.clock() + self.config.shutdown_flush_seconds
        while True:
            try:
                await self._flush()
            except UNREACHABLE as error:
                wait = outage.failed(error)
                if self.clock() + wait > deadline:
                    log.error("%d send results were not recorded: the database stayed unreachable", len(self._results))
                    return
                await asyncio.sleep(wait)
            else:
                outage.ended()
                return

    async def _flush(self) -> None:
        if not self._results:
            return
        results, self._results = self._results, []
        try:
            await self._database(outbox.record, results, self.wall())
        except BaseException:
            self._results[:0] = results  # not written (the transaction rolled back): the next flush tries again
            raise
